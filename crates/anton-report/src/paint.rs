//! Colour that is written only when the caller asked for it, and text from
//! the repository made safe to put on a terminal.

use std::borrow::Cow;
use std::fmt;

use anstyle::{AnsiColor, Effects, Style};
use anton_core::Severity;

pub(crate) const BOLD: Style = Style::new().effects(Effects::BOLD);
pub(crate) const DIMMED: Style = Style::new().effects(Effects::DIMMED);
pub(crate) const RED: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
pub(crate) const YELLOW: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
pub(crate) const CYAN: Style = AnsiColor::Cyan.on_default().effects(Effects::BOLD);
pub(crate) const GREEN: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);

pub(crate) fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Painter {
    pub(crate) color: bool,
}

impl Painter {
    pub(crate) fn paint<T: fmt::Display>(self, style: Style, text: T) -> Painted<T> {
        Painted {
            style: if self.color { style } else { Style::new() },
            text,
        }
    }
}

pub(crate) struct Painted<T> {
    style: Style,
    text: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A plain style renders as nothing, so colour off writes the bare text.
        write!(f, "{}{}{:#}", self.style, self.text, self.style)
    }
}

/// Messages quote keys and values from the repository; a control character
/// there must not move the cursor or recolour the user's terminal.
pub(crate) fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unsafe(c) {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_only_when_colour_is_on() {
        assert_eq!(Painter { color: false }.paint(RED, "x").to_string(), "x");
        assert_eq!(
            Painter { color: true }.paint(RED, "x").to_string(),
            "\u{1b}[1m\u{1b}[31mx\u{1b}[0m"
        );
    }

    #[test]
    fn escapes_terminal_control_characters() {
        assert_eq!(terminal_safe("plain\ttext"), "plain\ttext");
        assert_eq!(terminal_safe("key \u{1b}[31mred"), "key \\u{1b}[31mred");
    }
}
