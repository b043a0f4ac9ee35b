//! A pull-request comment: the verdict, the findings, and — for `anton diff`
//! — what changes per Flux Kustomization, deletions first.
//!
//! A comment has a size limit (GitHub's is 65,536 characters), so the
//! renderer stays under a byte budget by summarising the least important
//! parts first and saying what it summarised:
//!
//! 1. info findings are counted instead of listed;
//! 2. the field lists of changed objects are dropped (objects stay);
//! 3. added objects are counted by kind;
//! 4. changed objects are counted by kind;
//! 5. orphaned objects are counted by kind;
//! 6. warnings lose their hints and positions;
//! 7. Flux Kustomizations with neither deletions nor critical findings are counted;
//! 8. critical findings lose their hints;
//! 9. deleted objects are counted by kind.
//!
//! Deletions and critical findings are kept to the end; only if even they do
//! not fit is the comment cut, with a note.
//!
//! The diff is read from `details.diff` as the JSON contract describes it, so
//! this renderer needs nothing but the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use anton_core::{Finding, Report, Severity, Status};
use serde_json::Value;

use crate::RenderOptions;
use crate::summary::verdict;

/// GitHub's limit for a comment is 65,536 characters; leave room for a header.
pub const DEFAULT_MAX_BYTES: usize = 60_000;

/// The last summarisation level; see the module documentation.
const LEVELS: u8 = 9;

const SUMMARIES: [&str; LEVELS as usize] = [
    "info findings counted",
    "changed fields not listed",
    "added objects counted by kind",
    "changed objects counted by kind",
    "orphaned objects counted by kind",
    "warnings without hints",
    "Kustomizations without deletions counted",
    "critical findings without hints",
    "deleted objects counted by kind",
];

pub(crate) fn render(report: &Report, options: &RenderOptions, max_bytes: usize, out: &mut dyn io::Write) -> io::Result<()> {
    let mut text = String::new();
    for level in 0..=LEVELS {
        text = document(report, options, level, max_bytes);
        if text.len() <= max_bytes {
            return out.write_all(text.as_bytes());
        }
    }
    let note = format!(
        "\n\n_…cut to stay under {max_bytes} bytes, after: {}. Run `anton diff` locally, or with `--format json`, for everything._\n",
        SUMMARIES.join(", ")
    );
    let mut cut = max_bytes.saturating_sub(note.len()).min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(&note);
    out.write_all(text.as_bytes())
}

fn document(report: &Report, options: &RenderOptions, level: u8, max_bytes: usize) -> String {
    let mut doc = String::new();
    let title = if options.title.is_empty() { "anton" } else { options.title.as_str() };
    let mark = match report.status {
        Status::Healthy => "✅",
        Status::Warning => "⚠️",
        Status::Critical | Status::Error => "❌",
    };
    let _ = writeln!(doc, "### {mark} {}\n", escape(title));
    let diff = report.details.get("diff");
    if let Some(diff) = diff {
        let state = |key: &str| {
            let state = &diff[key];
            let label = state["label"].as_str().unwrap_or("?");
            match state["commit"].as_str() {
                Some(commit) => format!("{} (`{}`)", escape(label), code(&commit.chars().take(7).collect::<String>())),
                None => escape(label),
            }
        };
        let _ = writeln!(doc, "{} → {}\n", state("base"), state("head"));
        let _ = writeln!(doc, "{}\n", escape(&totals_line(&diff["totals"])));
    }
    let _ = writeln!(doc, "**{}**\n", escape(&verdict(report, &options.title)));
    if report.status == Status::Error {
        for issue in &report.issues {
            let _ = writeln!(doc, "- {}", escape(issue));
        }
        return doc;
    }

    // Findings first: what a reviewer must act on.
    let listed: Vec<&Finding> = report.findings.iter().filter(|f| level < 1 || f.severity != Severity::Info).collect();
    let mut by_severity = report.findings.clone();
    by_severity.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.sort_key().cmp(&b.sort_key())));
    if !listed.is_empty() {
        let _ = writeln!(doc, "#### Findings\n");
        for finding in by_severity.iter().filter(|f| level < 1 || f.severity != Severity::Info) {
            finding_item(&mut doc, finding, level);
        }
        doc.push('\n');
    }
    let info = report.findings.len() - listed.len();
    if info > 0 {
        let _ = writeln!(doc, "_{info} info finding{} not listed._\n", if info == 1 { "" } else { "s" });
    }

    if let Some(kustomizations) = diff.and_then(|d| d["kustomizations"].as_array()).filter(|k| !k.is_empty()) {
        let _ = writeln!(doc, "#### Changes by Flux Kustomization\n");
        let mut hidden = Vec::new();
        for ks in kustomizations {
            let critical = ks["findings"].as_array().is_some_and(|f| f.iter().any(|f| f["severity"] == "critical"));
            let deletes = items(ks, "removed").iter().any(|r| r["action"] == "delete");
            if level >= 7 && !critical && !deletes {
                hidden.push(ks);
                continue;
            }
            kustomization_section(&mut doc, ks, level);
        }
        if !hidden.is_empty() {
            let ids: Vec<String> = hidden.iter().take(20).map(|ks| format!("`{}`", code(ks["id"].as_str().unwrap_or("?")))).collect();
            let more = hidden.len().saturating_sub(ids.len());
            let _ = writeln!(
                doc,
                "_{} more Flux Kustomization{} with changes but no deletions: {}{}._\n",
                hidden.len(),
                if hidden.len() == 1 { "" } else { "s" },
                ids.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            );
        }
    }
    if let Some(notes) = diff.and_then(|d| d["notes"].as_array()).filter(|n| !n.is_empty()) {
        let _ = writeln!(doc, "#### Notes\n");
        for note in notes {
            let _ = writeln!(doc, "- {}", escape(note.as_str().unwrap_or_default()));
        }
        doc.push('\n');
    }
    if level > 0 {
        let done: Vec<&str> = SUMMARIES[..level as usize].to_vec();
        let _ = writeln!(
            doc,
            "_Summarised to stay under {max_bytes} bytes: {}. Run `anton diff` locally, or with `--format json`, for everything._",
            done.join(", ")
        );
    }
    doc
}

fn finding_item(doc: &mut String, finding: &Finding, level: u8) {
    let icon = match finding.severity {
        Severity::Critical => "🔴",
        Severity::Warning => "🟡",
        Severity::Info => "🔵",
    };
    let _ = writeln!(
        doc,
        "- {icon} **{}** `{}` — {}",
        finding.severity,
        code(&finding.rule),
        escape(&finding.message)
    );
    let terse = match finding.severity {
        Severity::Critical => level >= 8,
        _ => level >= 6,
    };
    if terse {
        return;
    }
    let mut place = Vec::new();
    if let Some(object) = &finding.object {
        place.push(format!("`{}`", code(object)));
    }
    if let Some(location) = &finding.location {
        place.push(format!("`{}`", code(&location.to_string())));
    }
    if !place.is_empty() {
        let _ = writeln!(doc, "  - {}", place.join(" at "));
    }
    if let Some(hint) = &finding.hint {
        let _ = writeln!(doc, "  - **Do instead:** {}", escape(hint));
    }
}

fn kustomization_section(doc: &mut String, ks: &Value, level: u8) {
    let id = ks["id"].as_str().unwrap_or("?");
    let mut header = vec![ks["status"].as_str().unwrap_or("modified").to_owned()];
    if let Some(cluster) = ks["cluster"].as_str() {
        header.push(format!("cluster `{}`", code(cluster)));
    }
    if ks["suspend"] == true {
        header.push("suspended".to_owned());
    }
    if let (Some(file), Some(line)) = (ks["file"].as_str(), ks["line"].as_u64()) {
        header.push(format!("`{}`", code(&format!("{file}:{line}"))));
    }
    let _ = writeln!(doc, "##### `{}` — {}\n", code(id), header.join(" · "));

    // Removals, grouped by what happens and why.
    let mut groups: Vec<(String, bool, Vec<&Value>)> = Vec::new();
    for removed in items(ks, "removed") {
        let reason = removed["reason"].as_str().unwrap_or_default();
        let delete = removed["action"] == "delete";
        let label = match (removed["movedTo"].as_str(), delete) {
            (Some(to), true) => format!("Moves to `{}`, but may be pruned first", code(to)),
            (Some(to), false) => format!("Moves to `{}`", code(to)),
            (None, true) => "Deleted".to_owned(),
            (None, false) => "Orphaned".to_owned(),
        };
        let label = format!("{label}\u{0} — {}", escape(reason));
        match groups.iter_mut().find(|(l, _, _)| *l == label) {
            Some((_, _, objects)) => objects.push(removed),
            None => groups.push((label, delete, vec![removed])),
        }
    }
    for (label, delete, objects) in groups {
        let counted = if delete { level >= 9 } else { level >= 5 };
        let (title, reason) = label.split_once('\u{0}').unwrap_or((&label, ""));
        let _ = writeln!(doc, "- **{title} ({})**{reason}: {}", objects.len(), listing(&objects, counted));
    }
    let changed = items(ks, "changed");
    if !changed.is_empty() {
        if level >= 4 {
            let _ = writeln!(doc, "- **Changed ({})**: {}", changed.len(), by_kind(&changed));
        } else {
            let _ = writeln!(doc, "- **Changed ({})**:", changed.len());
            for object in changed {
                let name = object["object"].as_str().unwrap_or("?");
                let changes = object["changes"].as_array().map(Vec::as_slice).unwrap_or_default();
                if level >= 2 {
                    let _ = writeln!(doc, "  - `{}` ({} field{})", code(name), changes.len(), if changes.len() == 1 { "" } else { "s" });
                    continue;
                }
                let _ = writeln!(doc, "  - `{}`", code(name));
                for change in changes {
                    let _ = writeln!(doc, "    - `{}`", code(&change_line(change)));
                }
            }
        }
    }
    let added = items(ks, "added");
    if !added.is_empty() {
        let _ = writeln!(doc, "- **Added ({})**: {}", added.len(), listing(&added, level >= 3));
    }
    doc.push('\n');
}

/// `` `A`, `B` `` or, counted, `3 Deployment, 1 Service`.
fn listing(objects: &[&Value], counted: bool) -> String {
    if counted {
        return by_kind(objects);
    }
    objects
        .iter()
        .map(|o| {
            let name = format!("`{}`", code(o["object"].as_str().unwrap_or("?")));
            match o["movedFrom"].as_str() {
                Some(from) => format!("{name} (from `{}`)", code(from)),
                None => name,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn by_kind(objects: &[&Value]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for object in objects {
        *counts.entry(object["kind"].as_str().unwrap_or("?")).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts.iter().map(|(kind, n)| format!("{n} {}", escape(kind))).collect::<Vec<_>>().join(", ")
}

fn items<'v>(ks: &'v Value, key: &str) -> Vec<&'v Value> {
    ks[key].as_array().map(|a| a.iter().collect()).unwrap_or_default()
}

/// `path: before → after (note)`, as the text output writes it.
fn change_line(change: &Value) -> String {
    let path = change["path"].as_str().unwrap_or("?");
    let (before, after) = (change["before"].as_str(), change["after"].as_str());
    let mut line = match (change["op"].as_str().unwrap_or("changed"), before, after) {
        ("changed", Some(before), Some(after)) => format!("{path}: {before} → {after}"),
        ("added", _, Some(after)) => format!("{path}: added {after}"),
        ("removed", Some(before), _) => format!("{path}: removed {before}"),
        (op, _, _) => format!("{path}: {op}"),
    };
    if let Some(note) = change["note"].as_str() {
        line.push_str(&format!(" ({note})"));
    }
    line
}

fn totals_line(totals: &Value) -> String {
    let count = |key: &str| totals[key].as_u64().unwrap_or(0);
    let mut parts = Vec::new();
    for (key, what) in [("deleted", "deleted"), ("orphaned", "orphaned"), ("moved", "moved"), ("changed", "changed"), ("added", "added")] {
        if count(key) > 0 {
            parts.push(format!("{} {what}", count(key)));
        }
    }
    if parts.is_empty() {
        return "No change to what Flux applies.".to_owned();
    }
    let kustomizations = count("kustomizations");
    format!(
        "Objects: {} — in {kustomizations} Flux Kustomization{}.",
        parts.join(", "),
        if kustomizations == 1 { "" } else { "s" }
    )
}

/// Text from the repository, outside code spans: no HTML, no stray emphasis.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            '|' => out.push_str("\\|"),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span: a backtick would end it early.
fn code(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '`' => 'ˋ',
            '\r' | '\n' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anton_core::Location;
    use serde_json::json;

    fn options() -> RenderOptions {
        RenderOptions { title: "anton diff".into(), ..RenderOptions::default() }
    }

    fn diff_report(objects: usize) -> Report {
        let names: Vec<Value> = (0..objects)
            .map(|i| json!({"object": format!("Deployment/media/app-{i}"), "kind": "Deployment", "action": "delete", "reason": "garbage-collected with Kustomization/flux-system/apps", "movedTo": null}))
            .collect();
        let changed: Vec<Value> = (0..objects)
            .map(|i| json!({"object": format!("ConfigMap/media/c-{i}"), "kind": "ConfigMap", "changes": [{"path": "data.a", "op": "changed", "before": "1", "after": "2", "note": null}]}))
            .collect();
        let finding = Finding::new("guard/kustomization-deleted", Severity::Critical, "Kustomization/flux-system/apps is removed")
            .at(Location::new("ks.yaml", 3, 1))
            .object("Kustomization/flux-system/apps")
            .hint("set `deletionPolicy: Orphan` first");
        let info = Finding::new("guard/prune-flip", Severity::Info, "now prunes").object("Kustomization/flux-system/other");
        Report::new(Vec::new(), vec![finding, info])
            .with_timestamp("2025-01-01T00:00:00Z")
            .with_detail(
                "diff",
                json!({
                    "base": {"label": "main", "commit": "0123456789abcdef"},
                    "head": {"label": "working tree", "commit": null},
                    "totals": {"kustomizations": 2, "deleted": objects, "orphaned": 0, "changed": objects, "added": 0, "moved": 0},
                    "kustomizations": [
                        {"id": "Kustomization/flux-system/apps", "cluster": null, "status": "removed", "file": "ks.yaml", "line": 3,
                         "prune": true, "suspend": false, "findings": [], "removed": names, "changed": [], "added": []},
                        {"id": "Kustomization/flux-system/other", "cluster": null, "status": "modified", "file": "o.yaml", "line": 1,
                         "prune": true, "suspend": false, "findings": [], "removed": [], "changed": changed, "added": []}
                    ],
                    "notes": []
                }),
            )
    }

    fn rendered(report: &Report, max_bytes: usize) -> String {
        let mut out = Vec::new();
        render(report, &options(), max_bytes, &mut out).expect("render");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn small_diffs_are_shown_in_full() {
        let text = rendered(&diff_report(2), DEFAULT_MAX_BYTES);
        assert!(text.contains("`Deployment/media/app-1`"), "{text}");
        assert!(text.contains("`data.a: 1 → 2`"), "{text}");
        assert!(text.contains("**Do instead:** set `deletionPolicy: Orphan` first"), "{text}");
        assert!(!text.contains("Summarised"), "{text}");
    }

    #[test]
    fn large_diffs_are_summarised_least_important_first() {
        let report = diff_report(400);
        let full = rendered(&report, usize::MAX);
        let budget = full.len() / 2;
        let text = rendered(&report, budget);
        assert!(text.len() <= budget, "{} > {budget}", text.len());
        assert!(text.contains("Summarised to stay under"), "{text}");
        // Deletions and the critical finding survive; the changed fields go first.
        assert!(text.contains("`Deployment/media/app-399`"), "{text}");
        assert!(text.contains("guard/kustomization-deleted"));
        assert!(!text.contains("data.a: 1 → 2"));
        // A tiny budget still holds the verdict and the critical finding, counted deletions.
        let tiny = rendered(&report, 1_500);
        assert!(tiny.len() <= 1_500, "{}", tiny.len());
        assert!(tiny.contains("400 Deployment"), "{tiny}");
        assert!(tiny.contains("guard/kustomization-deleted"), "{tiny}");
    }

    #[test]
    fn repository_text_cannot_inject_html() {
        assert_eq!(escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(code("a`b"), "aˋb");
    }
}
