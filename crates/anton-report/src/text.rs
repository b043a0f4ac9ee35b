//! What a person reads in a terminal: findings grouped by file, a code frame
//! where it helps, info findings counted per rule (`-v` lists them), and a
//! one-line verdict.
//!
//! ```text
//! apps/media/app.yaml
//!   12:3  critical  duplicate key `image`  [yaml/duplicate-key]
//!      |
//!    9 |   image: a
//!      |   - first defined here
//!   ...
//!   12 |   image: b
//!      |   ^
//!     help: remove one of the two entries
//!     object: Deployment/media/app
//!
//! info: flux/no-timeout ×131 — `-v` lists them
//!
//! ✗ 1 critical finding, 131 info across 40 objects checked (status: critical)
//! ```

use std::collections::BTreeMap;
use std::io;

use anton_core::{Finding, Report, Severity, Status};

use crate::paint::{BOLD, DIMMED, GREEN, Painter, RED, YELLOW, severity_style, terminal_safe};
use crate::snippet::SourceFile;
use crate::summary::verdict;
use crate::{RenderOptions, SourceProvider};

/// Rules whose message only makes sense next to the source line.
const FRAMED_RULES: [&str; 2] = ["yaml/syntax", "yaml/duplicate-key"];

/// Continuation lines of a finding (frame, help, object) start here.
const DETAIL_INDENT: &str = "    ";

/// Wide enough for the longest severity name, so messages line up.
const SEVERITY_WIDTH: usize = "critical".len();

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    sources: &dyn SourceProvider,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let text = TextRenderer {
        options,
        sources,
        paint: Painter {
            color: options.color,
        },
    };
    let mut wrote_anything = false;
    if report.status == Status::Error {
        text.tool_error(report, out)?;
        wrote_anything = true;
    }
    // Info findings are listed one by one only with `-v`: a real repository
    // has hundreds, and they would push its few real problems off the screen.
    let (listed, collapsed): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .partition(|finding| finding.severity != Severity::Info || options.verbose);
    if !listed.is_empty() {
        if wrote_anything {
            writeln!(out)?;
        }
        if options.quiet {
            text.compact(&listed, out)?;
        } else {
            text.grouped(&listed, out)?;
        }
        wrote_anything = true;
    }
    if !options.quiet && !collapsed.is_empty() {
        if wrote_anything {
            writeln!(out)?;
        }
        text.info_counts(&collapsed, out)?;
        wrote_anything = true;
    }
    if wrote_anything {
        writeln!(out)?;
    }
    text.verdict(report, out)
}

struct TextRenderer<'a> {
    options: &'a RenderOptions,
    sources: &'a dyn SourceProvider,
    paint: Painter,
}

impl TextRenderer<'_> {
    fn tool_error(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let mut issues = report.issues.iter();
        let reason = issues
            .next()
            .map_or("the tool could not run", String::as_str);
        writeln!(
            out,
            "{}",
            self.paint
                .paint(RED, format_args!("error: {}", terminal_safe(reason)))
        )?;
        for issue in issues {
            writeln!(out, "  {}", terminal_safe(issue))?;
        }
        // `error` repeats the reason above and `findings` is empty; anything else
        // the command recorded helps explain what went wrong.
        for (key, value) in &report.details {
            if key == "error" || key == "findings" {
                continue;
            }
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            writeln!(
                out,
                "  {}: {}",
                self.paint.paint(BOLD, terminal_safe(key)),
                terminal_safe(&value)
            )?;
        }
        Ok(())
    }

    /// `--quiet`: one self-contained line per finding, with its hint below.
    fn compact(&self, findings: &[&Finding], out: &mut dyn io::Write) -> io::Result<()> {
        for finding in findings {
            let position = finding
                .location
                .as_ref()
                .map(|location| location.to_string());
            let position = position.as_deref().unwrap_or("(repository)");
            writeln!(
                out,
                "{}  {}",
                terminal_safe(position),
                self.headline(finding)
            )?;
            if let Some(hint) = &finding.hint {
                self.hint(hint, out)?;
            }
        }
        Ok(())
    }

    fn info_counts(&self, findings: &[&Finding], out: &mut dyn io::Write) -> io::Result<()> {
        write_info_counts(findings, self.paint, out)
    }

    /// Files in path order, each with its findings by position; findings
    /// without a location last, under `(repository)`.
    fn grouped(&self, findings: &[&Finding], out: &mut dyn io::Write) -> io::Result<()> {
        let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        let mut repository = Vec::new();
        for finding in findings {
            match &finding.location {
                Some(location) => by_file
                    .entry(location.file.as_str())
                    .or_default()
                    .push(finding),
                None => repository.push(*finding),
            }
        }
        let mut first = true;
        for (file, mut findings) in by_file {
            findings.sort_by_key(|finding| finding.location.as_ref().map(|l| (l.line, l.column)));
            if !first {
                writeln!(out)?;
            }
            first = false;
            self.file_group(file, &findings, out)?;
        }
        if !repository.is_empty() {
            if !first {
                writeln!(out)?;
            }
            writeln!(out, "{}", self.paint.paint(BOLD, "(repository)"))?;
            for finding in repository {
                writeln!(out, "  {}", self.headline(finding))?;
                self.details(finding, &[], out)?;
            }
        }
        Ok(())
    }

    fn file_group(
        &self,
        file: &str,
        findings: &[&Finding],
        out: &mut dyn io::Write,
    ) -> io::Result<()> {
        writeln!(out, "{}", self.paint.paint(BOLD, terminal_safe(file)))?;
        let source = if findings.iter().any(|finding| self.wants_frame(finding)) {
            self.sources.source(file)
        } else {
            None
        };
        let source = source.as_deref().map(SourceFile::new);
        let positions: Vec<String> = findings
            .iter()
            .map(|finding| {
                finding
                    .location
                    .as_ref()
                    .map_or_else(String::new, |l| format!("{}:{}", l.line, l.column))
            })
            .collect();
        let width = positions.iter().map(String::len).max().unwrap_or(0);
        for (finding, position) in findings.iter().zip(&positions) {
            writeln!(out, "  {position:<width$}  {}", self.headline(finding))?;
            let frame = match &source {
                Some(source) if self.wants_frame(finding) => {
                    source.frame(finding, self.options.color)
                }
                _ => None,
            };
            let mut drawn_related = Vec::new();
            if let Some(frame) = frame {
                drawn_related = frame.related_drawn;
                for line in frame.text.lines() {
                    writeln!(out, "{DETAIL_INDENT}{line}")?;
                }
            }
            self.details(finding, &drawn_related, out)?;
        }
        Ok(())
    }

    fn wants_frame(&self, finding: &Finding) -> bool {
        !self.options.quiet
            && finding.location.is_some()
            && (self.options.verbose || FRAMED_RULES.contains(&finding.rule.as_str()))
    }

    /// `severity  message  [rule-id]`, coloured by severity.
    fn headline(&self, finding: &Finding) -> String {
        let severity = format!("{:<SEVERITY_WIDTH$}", finding.severity.as_str());
        let message = indent_continuation(&terminal_safe(&finding.message));
        format!(
            "{}  {}  {}",
            self.paint.paint(severity_style(finding.severity), severity),
            message,
            self.paint
                .paint(DIMMED, format_args!("[{}]", terminal_safe(&finding.rule))),
        )
    }

    /// The hint, the object, and related places the code frame did not draw.
    fn details(
        &self,
        finding: &Finding,
        drawn_related: &[usize],
        out: &mut dyn io::Write,
    ) -> io::Result<()> {
        if let Some(hint) = &finding.hint {
            self.hint(hint, out)?;
        }
        if let Some(object) = &finding.object {
            writeln!(
                out,
                "{DETAIL_INDENT}{} {}",
                self.paint.paint(BOLD, "object:"),
                terminal_safe(object)
            )?;
        }
        for (index, (location, label)) in finding.related.iter().enumerate() {
            if drawn_related.contains(&index) {
                continue;
            }
            writeln!(
                out,
                "{DETAIL_INDENT}{} {}  {}",
                self.paint.paint(BOLD, "related:"),
                terminal_safe(&location.to_string()),
                terminal_safe(label),
            )?;
        }
        Ok(())
    }

    fn hint(&self, hint: &str, out: &mut dyn io::Write) -> io::Result<()> {
        let hint = indent_continuation(&terminal_safe(hint));
        writeln!(
            out,
            "{DETAIL_INDENT}{} {hint}",
            self.paint.paint(BOLD, "help:")
        )
    }

    fn verdict(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let (mark, style) = match report.status {
            Status::Healthy => ("✓", GREEN),
            Status::Warning => ("⚠", YELLOW),
            Status::Critical | Status::Error => ("✗", RED),
        };
        let verdict = verdict(report, &self.options.title);
        writeln!(
            out,
            "{} {}",
            self.paint.paint(style, mark),
            self.paint.paint(BOLD, verdict)
        )
    }
}

/// Keeps the later lines of a multi-line message under the detail column.
/// `info: flux/no-timeout ×131 — `-v` lists them`, one line per rule (the
/// text and the live reports collapse info findings the same way).
pub(crate) fn write_info_counts(findings: &[&Finding], paint: Painter, out: &mut dyn io::Write) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in findings {
        *by_rule.entry(finding.rule.as_str()).or_default() += 1;
    }
    for (rule, count) in by_rule {
        let which = if count == 1 { "lists it" } else { "lists them" };
        writeln!(
            out,
            "{} {} ×{count} — `-v` {which}",
            paint.paint(severity_style(Severity::Info), "info:"),
            terminal_safe(rule),
        )?;
    }
    Ok(())
}

fn indent_continuation(text: &str) -> String {
    text.replace('\n', &format!("\n{DETAIL_INDENT}"))
}
