//! The text layout of live reports (`anton health`, `anton flux status`,
//! `anton storage`): labelled summary lines and tables a command derives from
//! its report, then the findings grouped by area, then the verdict every
//! format ends with.
//!
//! ```text
//! Ceph       storage HEALTH_WARN · 72 % used (7.2 TiB of 10 TiB)
//!
//! NAMESPACE  NAME         CLASS       SIZE   USED   %
//! media      plex-config  ceph-block  10Gi   9.3Gi  93 %
//!
//! critical  pvc/usage-high   media/plex-config is 93 % full (9.3 GiB of 10 GiB)
//!                            help: expand it: …
//!
//! ✗ 1 critical finding across 40 objects checked (status: critical)
//! ```
//!
//! Commands never print live findings themselves: they describe the parts
//! only they know (an [`Overview`]) and this module draws the rest, so every
//! live command looks the same and the JSON stays the one report value.

use std::io;

use anton_core::{Finding, Report, Severity, Status};

use crate::paint::{BOLD, CYAN, DIMMED, GREEN, Painter, RED, YELLOW, severity_style, terminal_safe};
use crate::summary::verdict;
use crate::RenderOptions;
use crate::table::{Fit, Table as FittedTable};

/// How a cell or span is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Plain,
    Bold,
    Dim,
    Good,
    Info,
    Warning,
    Bad,
}

impl Tone {
    /// The tone of a finding's severity.
    pub fn of(severity: Severity) -> Tone {
        match severity {
            Severity::Critical => Tone::Bad,
            Severity::Warning => Tone::Warning,
            Severity::Info => Tone::Info,
        }
    }
}

/// A piece of text with its tone. Cluster text in it is made terminal-safe when drawn.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub text: String,
    pub tone: Tone,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Self {
        Span { text: text.into(), tone: Tone::Plain }
    }

    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Span { text: text.into(), tone }
    }
}

impl From<String> for Span {
    fn from(text: String) -> Self {
        Span::plain(text)
    }
}

impl From<&str> for Span {
    fn from(text: &str) -> Self {
        Span::plain(text)
    }
}

/// `Nodes      3 total, 3 Ready`: a bold label and its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    pub label: String,
    pub spans: Vec<Span>,
}

impl Line {
    pub fn new(label: impl Into<String>, text: impl Into<Span>) -> Self {
        Line { label: label.into(), spans: vec![text.into()] }
    }
}

/// A table with a bold header row; the last column is not padded (messages).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Printed above the table, when set.
    pub title: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Span>>,
    /// Columns aligned to the right (numbers).
    pub right_aligned: Vec<usize>,
    /// Said instead of the table when it has no rows, when set.
    pub empty: Option<String>,
    /// How each column may give up width on a narrow terminal (by index;
    /// a column not listed is never shortened).
    pub fits: Vec<Fit>,
}

/// What a live command shows above its findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overview {
    pub lines: Vec<Line>,
    pub tables: Vec<Table>,
    /// Shown with `--verbose` only: what was skipped, how many requests it took.
    pub notes: Vec<String>,
    /// Areas (the part of a finding code before the `/`) in the order to print
    /// them; areas not listed follow in the order they first appear.
    pub area_order: Vec<String>,
}

/// Writes a live report as text: the overview, the findings by area, the verdict.
pub fn render_live_text(report: &Report, overview: &Overview, options: &RenderOptions, out: &mut dyn io::Write) -> io::Result<()> {
    let paint = Painter { color: options.color };
    if report.status == Status::Error {
        return crate::text::render(report, options, &(), out);
    }
    write_lines(&overview.lines, paint, out)?;
    for table in &overview.tables {
        writeln!(out)?;
        write_table(table, paint, options.width, out)?;
    }
    write_findings(report, overview, options, paint, out)?;
    if options.verbose {
        for note in &overview.notes {
            writeln!(out, "note: {}", terminal_safe(note))?;
        }
    }
    let (mark, style) = match report.status {
        Status::Healthy => ("✓", GREEN),
        Status::Warning => ("⚠", YELLOW),
        Status::Critical | Status::Error => ("✗", RED),
    };
    writeln!(out, "{} {}", paint.paint(style, mark), paint.paint(BOLD, verdict(report, &options.title)))
}

fn styled(span: &Span, paint: Painter) -> String {
    let text = terminal_safe(&span.text);
    let style = match span.tone {
        Tone::Plain => return text.into_owned(),
        Tone::Bold => BOLD,
        Tone::Dim => DIMMED,
        Tone::Good => GREEN,
        Tone::Info => CYAN,
        Tone::Warning => YELLOW,
        Tone::Bad => RED,
    };
    paint.paint(style, text).to_string()
}

fn write_lines(lines: &[Line], paint: Painter, out: &mut dyn io::Write) -> io::Result<()> {
    let width = lines.iter().map(|l| l.label.chars().count()).max().unwrap_or(0).max(10);
    for line in lines {
        let text: String = line.spans.iter().map(|s| styled(s, paint)).collect();
        let label = format!("{:<width$}", line.label);
        writeln!(out, "{} {text}", paint.paint(BOLD, label))?;
    }
    Ok(())
}

fn write_table(table: &Table, paint: Painter, width: Option<usize>, out: &mut dyn io::Write) -> io::Result<()> {
    if let Some(title) = &table.title {
        writeln!(out, "{}", paint.paint(BOLD, terminal_safe(title)))?;
    }
    if table.rows.is_empty() {
        if let Some(empty) = &table.empty {
            writeln!(out, "{}", terminal_safe(empty))?;
        }
        return Ok(());
    }
    let columns = table.header.len().max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    let header = (0..columns).map(|i| {
        let fit = table.fits.get(i).copied().unwrap_or(Fit::Keep);
        (table.header.get(i).map_or("", String::as_str), fit)
    });
    let mut fitted = FittedTable::new(header).right_aligned(&table.right_aligned);
    for row in &table.rows {
        fitted.row(row.iter().map(|span| terminal_safe(&span.text).into_owned()));
    }
    fitted.write_painted(out, width, |row, column, _, padded| match row {
        None => paint.paint(BOLD, padded).to_string(),
        Some(row) => match table.rows[row].get(column).map(|span| span.tone) {
            Some(tone) => styled(&Span::toned(padded, tone), paint),
            None => padded,
        },
    })
}

fn write_findings(
    report: &Report,
    overview: &Overview,
    options: &RenderOptions,
    paint: Painter,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    // As in `anton validate`: info findings are counted per rule unless `-v`
    // lists them, and `-q` leaves them out altogether.
    let (mut findings, collapsed): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| f.severity != Severity::Info || options.verbose);
    let collapsed = if options.quiet { Vec::new() } else { collapsed };
    if findings.is_empty() && collapsed.is_empty() {
        return Ok(());
    }
    let mut order: Vec<&str> = overview.area_order.iter().map(String::as_str).collect();
    for finding in &report.findings {
        let area = area_of(&finding.rule);
        if !order.contains(&area) {
            order.push(area);
        }
    }
    findings.sort_by_key(|f| {
        let area = order.iter().position(|a| *a == area_of(&f.rule)).unwrap_or(order.len());
        (area, std::cmp::Reverse(f.severity), f.object.clone(), f.rule.clone())
    });
    let rule_width = findings.iter().map(|f| f.rule.len()).max().unwrap_or(0);
    let indent = " ".repeat(8 + 2 + rule_width + 2);
    writeln!(out)?;
    write_listed(&findings, &indent, rule_width, paint, out)?;
    // Listed findings first, then the counts, a blank line between.
    if !findings.is_empty() && !collapsed.is_empty() {
        writeln!(out)?;
    }
    crate::text::write_info_counts(&collapsed, paint, out)?;
    writeln!(out)
}

fn write_listed(findings: &[&Finding], indent: &str, rule_width: usize, paint: Painter, out: &mut dyn io::Write) -> io::Result<()> {
    for finding in findings {
        let severity = format!("{:<8}", finding.severity.as_str());
        let message = terminal_safe(&finding.message).replace('\n', &format!("\n{indent}"));
        writeln!(
            out,
            "{}  {}  {message}",
            paint.paint(severity_style(finding.severity), severity),
            paint.paint(DIMMED, format!("{:<rule_width$}", finding.rule)),
        )?;
        if let Some(hint) = &finding.hint {
            let hint = terminal_safe(hint).replace('\n', &format!("\n{indent}"));
            writeln!(out, "{indent}{} {hint}", paint.paint(BOLD, "help:"))?;
        }
    }
    Ok(())
}

/// `node/not-ready` → `node`.
fn area_of(rule: &str) -> &str {
    rule.split('/').next().unwrap_or(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(report: &Report, overview: &Overview) -> String {
        let options = RenderOptions { title: "anton storage".into(), ..RenderOptions::default() };
        let mut out = Vec::new();
        render_live_text(report, overview, &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn draws_lines_tables_findings_and_the_verdict() {
        let findings = vec![
            Finding::new("pvc/usage-high", Severity::Warning, "media/a is 85 % full").hint("expand it"),
            Finding::new("ceph/health", Severity::Critical, "HEALTH_ERR").object("CephCluster/storage/storage"),
        ];
        let report = Report::new(["PersistentVolumeClaim/media/a".to_owned(), "CephCluster/storage/storage".to_owned()], findings);
        let overview = Overview {
            lines: vec![Line::new("Ceph", "storage HEALTH_ERR")],
            tables: vec![Table {
                title: None,
                header: vec!["NAME".into(), "%".into(), "MESSAGE".into()],
                rows: vec![vec!["a".into(), "85 %".into(), "x\u{1b}[31m".into()], vec!["bbbb".into(), "5 %".into(), "".into()]],
                right_aligned: vec![1],
                empty: None,
                fits: Vec::new(),
            }],
            notes: vec!["hidden without -v".into()],
            area_order: vec!["ceph".into(), "pvc".into()],
        };
        insta::assert_snapshot!(render(&report, &overview), @r"
        Ceph       storage HEALTH_ERR

        NAME     %  MESSAGE
        a     85 %  x\u{1b}[31m
        bbbb   5 %

        critical  ceph/health     HEALTH_ERR
        warning   pvc/usage-high  media/a is 85 % full
                                  help: expand it

        ✗ 1 critical finding, 1 warning across 2 objects checked (status: critical)
        ");
    }

    #[test]
    fn info_findings_are_counted_per_rule_unless_verbose_and_left_out_when_quiet() {
        let findings = vec![
            Finding::new("pod/restarts", Severity::Warning, "media/plex restarted 4 times").hint("read its logs"),
            Finding::new("pvc/no-backup", Severity::Info, "media/a has no backup"),
            Finding::new("pvc/no-backup", Severity::Info, "media/b has no backup"),
            Finding::new("node/pressure", Severity::Info, "node-1 was under memory pressure").hint("look at it"),
        ];
        let report = Report::new(["Pod/media/plex".to_owned()], findings);
        let render_with = |verbose: bool, quiet: bool| {
            let options = RenderOptions { title: "anton health".into(), verbose, quiet, ..RenderOptions::default() };
            let mut out = Vec::new();
            render_live_text(&report, &Overview::default(), &options, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let verdict = "⚠ 1 warning, 3 info across 1 object checked (status: warning)\n";
        let help = |width: usize, text: &str| format!("{}help: {text}\n", " ".repeat(width));
        assert_eq!(
            render_with(false, false),
            format!(
                "\nwarning   pod/restarts  media/plex restarted 4 times\n{}\ninfo: node/pressure ×1 — `-v` lists it\ninfo: pvc/no-backup ×2 — `-v` lists them\n\n{verdict}",
                help(24, "read its logs")
            )
        );
        // `-v` lists them, by area (in the order of the report's findings).
        assert_eq!(
            render_with(true, false),
            format!(
                "\ninfo      node/pressure  node-1 was under memory pressure\n{}warning   pod/restarts   media/plex restarted 4 times\n{}info      pvc/no-backup  media/a has no backup\ninfo      pvc/no-backup  media/b has no backup\n\n{verdict}",
                help(25, "look at it"),
                help(25, "read its logs")
            )
        );
        // `-q` keeps the hints and drops the info findings, counts included.
        assert_eq!(
            render_with(false, true),
            format!("\nwarning   pod/restarts  media/plex restarted 4 times\n{}\n{verdict}", help(24, "read its logs"))
        );
        // Only info findings: their counts alone.
        let report = Report::new(["Pod/media/plex".to_owned()], vec![Finding::new("pvc/no-backup", Severity::Info, "media/a has no backup")]);
        let mut out = Vec::new();
        render_live_text(&report, &Overview::default(), &RenderOptions { title: "anton storage".into(), ..RenderOptions::default() }, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\ninfo: pvc/no-backup ×1 — `-v` lists it\n\n✓ 1 info across 1 object checked (status: healthy)\n"
        );
    }

    #[test]
    fn an_empty_table_says_so() {
        let report = Report::new(Vec::<String>::new(), Vec::new());
        let overview = Overview {
            tables: vec![Table { header: vec!["NAME".into()], empty: Some("No claims.".into()), ..Table::default() }],
            ..Overview::default()
        };
        assert_eq!(render(&report, &overview), "\nNo claims.\n✓ 0 objects checked, no problems (status: healthy)\n");
    }

    #[test]
    fn a_table_is_fitted_to_the_width_shortening_only_the_columns_that_may_give() {
        let report = Report::new(Vec::<String>::new(), Vec::new());
        let message = "reconciliation failed: kustomize build failed: accumulating resources from 'app': missing";
        let overview = Overview {
            tables: vec![Table {
                header: vec!["NAME".into(), "READY".into(), "MESSAGE".into()],
                rows: vec![vec!["cluster-apps".into(), Span::toned("False", Tone::Bad), message.into()]],
                fits: vec![Fit::Keep, Fit::Keep, Fit::End],
                ..Table::default()
            }],
            ..Overview::default()
        };
        let options = RenderOptions { title: "anton flux status".into(), width: Some(60), ..RenderOptions::default() };
        let mut out = Vec::new();
        render_live_text(&report, &overview, &options, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().find(|l| l.starts_with("cluster-apps")).unwrap();
        assert_eq!(row.chars().count(), 60, "{text}");
        assert!(row.starts_with("cluster-apps  False  reconciliation failed") && row.ends_with('…'), "{row}");
        // Without a width (a pipe, `-o wide`) every cell is whole.
        let mut out = Vec::new();
        render_live_text(&report, &overview, &RenderOptions::default(), &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().contains(message));
    }
}
