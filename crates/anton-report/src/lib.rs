//! Renderers of one [`Report`]: what a person reads in a terminal, the JSON
//! contract, and GitHub Actions annotations.
//!
//! Every renderer reads the same report value and never recomputes results,
//! so the outputs cannot disagree. A new format is one module with a
//! `render` function plus one arm in [`render`].
//!
//! Colour is decided by the caller (`--color`, `NO_COLOR`, whether stdout is a
//! terminal) and passed in [`RenderOptions::color`]; renderers only obey it.

mod github;
mod json;
mod junit;
mod live;
mod markdown;
mod paint;
mod sarif;
mod secrets;
mod snippet;
mod sources;
mod summary;
pub mod table;
mod text;

use std::fmt;
use std::io;
use std::str::FromStr;

use anton_core::{Report, Severity};

pub use live::{Line, Overview, Span, Table, Tone, render_live_text};
pub use junit::{JunitSuite, render_suites as render_junit_suites};
pub use sources::{DiskSources, SourceProvider};

/// An output format. Adding one means adding a module and a match arm here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// For a person at a terminal: findings grouped by file, code frames, a summary.
    Text,
    /// The report's JSON contract, unchanged.
    Json,
    /// GitHub Actions workflow commands (`::error file=…::…`), one per finding.
    Github,
    /// A pull-request comment in Markdown, kept under a size budget.
    Markdown,
    /// SARIF 2.1.0 with rule metadata, for code-scanning UIs.
    Sarif,
    /// JUnit XML: a test suite per rule family, a test case per finding.
    Junit,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] = [Format::Text, Format::Json, Format::Github, Format::Markdown, Format::Sarif, Format::Junit];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given is not a format anton knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<_> = Format::ALL.iter().map(|format| format.as_str()).collect();
        write!(
            f,
            "unknown output format `{}`; use one of: {}",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

/// How to render, as decided by the command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenderOptions {
    /// Write ANSI colour codes (text format only).
    pub color: bool,
    /// Show a code frame for every finding whose source can be read, and list
    /// info findings one by one (text otherwise counts them per rule).
    pub verbose: bool,
    /// One line per warning or critical finding with its hint; leave out info
    /// findings, objects and code frames.
    pub quiet: bool,
    /// What ran, e.g. `anton validate`; names the run in summaries and errors.
    pub title: String,
    /// Fit tables to this many columns (a terminal's width); `None`: every
    /// cell in full.
    pub width: Option<usize>,
}

/// What a renderer may know about a rule beyond its id: SARIF carries rule
/// metadata so code-scanning UIs can show the documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// What the rule checks, as plain text.
    pub description: String,
    /// The full documentation, as Markdown.
    pub help_markdown: String,
}

/// The rules a report's findings may come from. Renderers stay independent
/// of the rule engine; the command line passes its registry in.
pub trait RuleCatalog {
    fn rules(&self) -> Vec<RuleInfo>;
}

/// No rule metadata: SARIF then describes only the rules that have findings.
impl RuleCatalog for () {
    fn rules(&self) -> Vec<RuleInfo> {
        Vec::new()
    }
}

/// Writes `report` to `out` in `format`.
///
/// `sources` gives file text for code frames (text format only); a provider
/// that returns `None` everywhere simply turns frames off.
pub fn render(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    sources: &dyn SourceProvider,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(report, options, sources, out),
        Format::Json => json::render(report, out),
        Format::Github => github::render(report, options, out),
        Format::Markdown => markdown::render(report, options, markdown::DEFAULT_MAX_BYTES, out),
        Format::Sarif => sarif::render(report, &(), out),
        Format::Junit => junit::render(report, options, out),
    }
}

/// [`render`], with rule metadata for the formats that carry it (SARIF).
pub fn render_with(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    sources: &dyn SourceProvider,
    catalog: &dyn RuleCatalog,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Sarif => sarif::render(report, catalog, out),
        _ => render(report, format, options, sources, out),
    }
}

/// A live report (`anton health`, `anton storage`, …): text draws `overview`
/// above the findings grouped by area; every other format is the report alone.
pub fn render_live(
    report: &Report,
    overview: &Overview,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Text => live::render_live_text(report, overview, options, out),
        _ => render(report, format, options, &(), out),
    }
}

/// Markdown under a byte budget other than [`DEFAULT_MARKDOWN_MAX_BYTES`]
/// (`anton diff --max-bytes`).
pub fn render_markdown(report: &Report, options: &RenderOptions, max_bytes: usize, out: &mut dyn io::Write) -> io::Result<()> {
    markdown::render(report, options, max_bytes, out)
}

pub use markdown::DEFAULT_MAX_BYTES as DEFAULT_MARKDOWN_MAX_BYTES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_names() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>(), Ok(format));
        }
        assert_eq!("GitHub".parse::<Format>(), Ok(Format::Github));
        let error = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown output format `xml`; use one of: text, json, github, markdown, sarif, junit"
        );
    }
}
