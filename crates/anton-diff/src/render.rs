//! The diff for a person at a terminal: grouped by Flux Kustomization,
//! deletions first, each group with its findings, then what is deleted, left
//! orphaned, moved, changed and added.
//!
//! ```text
//! anton diff: merge-base of HEAD and main (1a2b3c4) → working tree
//!
//! Kustomization/flux-system/apps  removed · kubernetes/flux/cluster/ks.yaml:30
//!   critical  guard/kustomization-deleted  Kustomization/flux-system/apps is removed and …
//!     help: to keep what it runs, first set `deletionPolicy: Orphan` …
//!   deleted (2) — garbage-collected with Kustomization/flux-system/apps
//!     - Deployment/media/web
//!     - Service/media/web
//!   changed (1)
//!     ~ Deployment/media/api
//!         spec.replicas: 1 → 2
//!
//! ✗ 1 critical finding: 2 objects deleted, 1 changed in 1 Flux Kustomization (status: critical)
//! ```

use std::io;

use anton_core::{Finding, Report, Severity, Status};

use crate::model::{Action, DiffDetails, KsDiff};

#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub color: bool,
    /// Only findings and the verdict.
    pub quiet: bool,
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const CYAN: &str = "\x1b[1;36m";
const GREEN: &str = "\x1b[1;32m";

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: &str, text: &str) -> String {
        let text = terminal_safe(text);
        if self.color { format!("{style}{text}{RESET}") } else { text }
    }

    fn severity(&self, severity: Severity) -> String {
        let style = match severity {
            Severity::Critical => RED,
            Severity::Warning => YELLOW,
            Severity::Info => CYAN,
        };
        self.paint(style, &format!("{:<8}", severity.as_str()))
    }
}

/// Control characters from the repository must not reach the terminal.
fn terminal_safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { '�' } else { c }).collect()
}

/// Writes the diff of `report` (whose `details.diff` is `details`) as text.
pub fn render_text(report: &Report, details: &DiffDetails, options: TextOptions, out: &mut dyn io::Write) -> io::Result<()> {
    let paint = Painter { color: options.color };
    writeln!(out, "{}", paint.paint(BOLD, &format!("anton diff: {} → {}", state(&details.base), state(&details.head))))?;
    for ks in &details.kustomizations {
        if options.quiet && ks.findings.iter().all(|f| f.severity == Severity::Info) {
            continue;
        }
        writeln!(out)?;
        kustomization(&paint, ks, options, out)?;
    }
    for note in &details.notes {
        writeln!(out)?;
        writeln!(out, "{} {}", paint.paint(YELLOW, "note:"), terminal_safe(note))?;
    }
    if details.kustomizations.is_empty() && details.notes.is_empty() {
        writeln!(out)?;
        writeln!(out, "No change to what Flux applies.")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", verdict(&paint, report, details))
}

fn state(state: &crate::model::StateRef) -> String {
    match &state.commit {
        Some(commit) if !state.label.starts_with(&commit[..commit.len().min(7)]) => {
            format!("{} ({})", state.label, &commit[..commit.len().min(7)])
        }
        _ => state.label.clone(),
    }
}

fn kustomization(paint: &Painter, ks: &KsDiff, options: TextOptions, out: &mut dyn io::Write) -> io::Result<()> {
    let mut header = vec![ks.status.as_str().to_owned()];
    if let Some(cluster) = &ks.cluster {
        header.push(format!("cluster {cluster}"));
    }
    if ks.suspend {
        header.push("suspended".into());
    }
    if let (Some(file), Some(line)) = (&ks.file, ks.line) {
        header.push(format!("{file}:{line}"));
    }
    writeln!(out, "{}  {}", paint.paint(BOLD, &ks.id), paint.paint(DIM, &header.join(" · ")))?;
    for finding in &ks.findings {
        if options.quiet && finding.severity == Severity::Info {
            continue;
        }
        finding_lines(paint, finding, options, out)?;
    }
    if options.quiet {
        return Ok(());
    }
    // Removals grouped by what happens and why, so a cascade of 80 objects
    // reads as one reason and 80 names.
    let mut groups: Vec<(String, &str, Vec<&str>)> = Vec::new();
    for removed in &ks.removed {
        let (label, style) = match (&removed.moved_to, removed.action) {
            (Some(to), Action::Delete) => (format!("moves to {to}, but may be pruned first — {}", removed.reason), RED),
            (Some(to), Action::Orphan) => (format!("moves to {to} — {}", removed.reason), DIM),
            (None, Action::Delete) => (format!("deleted — {}", removed.reason), RED),
            (None, Action::Orphan) => (format!("orphaned — {}", removed.reason), YELLOW),
        };
        match groups.iter_mut().find(|(l, _, _)| *l == label) {
            Some((_, _, objects)) => objects.push(&removed.object),
            None => groups.push((label, style, vec![&removed.object])),
        }
    }
    for (label, style, objects) in groups {
        let (what, why) = label.split_once(" — ").unwrap_or((&label, ""));
        writeln!(out, "  {} {}", paint.paint(style, &format!("{what} ({})", objects.len())), paint.paint(DIM, &format!("— {why}")))?;
        for object in objects {
            writeln!(out, "    - {}", terminal_safe(object))?;
        }
    }
    if !ks.changed.is_empty() {
        writeln!(out, "  {}", paint.paint(CYAN, &format!("changed ({})", ks.changed.len())))?;
        for changed in &ks.changed {
            writeln!(out, "    ~ {}", terminal_safe(&changed.object))?;
            for change in &changed.changes {
                writeln!(out, "        {}", terminal_safe(&change.line()))?;
            }
        }
    }
    if !ks.added.is_empty() {
        writeln!(out, "  {}", paint.paint(GREEN, &format!("added ({})", ks.added.len())))?;
        for added in &ks.added {
            match &added.moved_from {
                Some(from) => writeln!(out, "    + {} {}", terminal_safe(&added.object), paint.paint(DIM, &format!("(from {from})")))?,
                None => writeln!(out, "    + {}", terminal_safe(&added.object))?,
            }
        }
    }
    Ok(())
}

fn finding_lines(paint: &Painter, finding: &Finding, options: TextOptions, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(
        out,
        "  {}  {}  {}",
        paint.severity(finding.severity),
        paint.paint(DIM, &finding.rule),
        terminal_safe(&finding.message)
    )?;
    if options.quiet {
        return Ok(());
    }
    if let Some(location) = &finding.location {
        writeln!(out, "    {} {}", paint.paint(DIM, "at:"), terminal_safe(&location.to_string()))?;
    }
    if let Some(hint) = &finding.hint {
        writeln!(out, "    {} {}", paint.paint(CYAN, "help:"), terminal_safe(hint))?;
    }
    Ok(())
}

fn verdict(paint: &Painter, report: &Report, details: &DiffDetails) -> String {
    let count = |severity: Severity| report.findings.iter().filter(|f| f.severity == severity).count();
    let (critical, warnings, info) = (count(Severity::Critical), count(Severity::Warning), count(Severity::Info));
    let mut findings = Vec::new();
    if critical > 0 {
        findings.push(plural(critical, "critical finding", "critical findings"));
    }
    if warnings > 0 {
        findings.push(plural(warnings, "warning", "warnings"));
    }
    if info > 0 {
        findings.push(format!("{info} info"));
    }
    let totals = &details.totals;
    let mut changes = Vec::new();
    for (count, what) in [
        (totals.deleted, "deleted"),
        (totals.orphaned, "orphaned"),
        (totals.moved, "moved"),
        (totals.changed, "changed"),
        (totals.added, "added"),
    ] {
        if count > 0 {
            let noun = if changes.is_empty() { plural(count, "object", "objects") } else { count.to_string() };
            changes.push(format!("{noun} {what}"));
        }
    }
    let changes = if changes.is_empty() {
        "no change to what Flux applies".to_owned()
    } else {
        format!(
            "{} in {}",
            changes.join(", "),
            plural(totals.kustomizations, "Flux Kustomization", "Flux Kustomizations")
        )
    };
    let status = report.status.as_str();
    let (mark, style) = match report.status {
        Status::Critical | Status::Error => ("✗", RED),
        Status::Warning => ("!", YELLOW),
        Status::Healthy => ("✓", GREEN),
    };
    let text = if findings.is_empty() {
        format!("{changes} (status: {status})")
    } else {
        format!("{}: {changes} (status: {status})", findings.join(", "))
    };
    format!("{} {text}", paint.paint(style, mark))
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
