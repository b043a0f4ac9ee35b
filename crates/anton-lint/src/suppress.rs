//! Suppressions: a comment `# anton: ignore[rule-id] reason` on the line of a
//! finding or on the line above it, and the object annotation
//! `anton.io/ignore: "rule-id,rule-id"` (its reason in the annotation
//! `anton.io/ignore-reason`, or in a comment on the same line).
//!
//! Every suppression needs a reason: one without is reported
//! (`anton/invalid-suppression`) and suppresses nothing. A suppression that
//! matches no finding is reported too (`anton/unused-suppression`), so stale
//! ones do not pile up.

use std::sync::LazyLock;

use anton_core::{Finding, Location};
use regex::Regex;

use crate::registry;
use crate::rule::family_of;
use crate::texts::SourceTexts;
use crate::view::ObjectView;

pub const ANNOTATION: &str = "anton.io/ignore";
pub const REASON_ANNOTATION: &str = "anton.io/ignore-reason";

static COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#\s*anton:\s*ignore\s*\[([^\]]*)\](.*)$").expect("static regex"));

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A comment: its own line, and for a comment alone on its line, the next one.
    Lines { file: String, first: u32, last: u32 },
    /// An annotation: every finding on the object.
    Object { subject: String, file: String, first: u32, last: u32 },
}

#[derive(Debug, Clone)]
pub struct Suppression {
    /// Rule ids or families, as written.
    pub ids: Vec<String>,
    pub reason: Option<String>,
    pub location: Location,
    pub scope: Scope,
}

impl Suppression {
    fn covers(&self, finding: &Finding) -> bool {
        let at = |file: &str, first: u32, last: u32| {
            finding.location.as_ref().is_some_and(|l| l.file == file && (first..=last).contains(&l.line))
        };
        match &self.scope {
            Scope::Lines { file, first, last } => at(file, *first, *last),
            Scope::Object { subject, file, first, last } => {
                finding.object.as_deref() == Some(subject.as_str()) || at(file, *first, *last)
            }
        }
    }
}

fn names(id: &str, rule: &str) -> bool {
    id == rule || (!id.contains('/') && family_of(rule) == id) || id.eq_ignore_ascii_case("all")
}

/// A rule or family a suppression may name: what `--select` accepts.
fn known(id: &str) -> bool {
    id.eq_ignore_ascii_case("all") || crate::selection::Selector::parse(id).is_ok()
}

/// Reads the reason after `]`: a separator (`-`, `:`, `—`) may come first.
fn reason(text: &str) -> Option<String> {
    let text = text.trim().trim_start_matches(['-', ':', '—', '–']).trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Comment suppressions in the YAML files of the repository.
pub fn from_comments<'p>(texts: &SourceTexts, yaml_files: impl Iterator<Item = &'p str>) -> Vec<Suppression> {
    let mut found = Vec::new();
    for path in yaml_files {
        let Some(text) = texts.get(path) else { continue };
        if !text.contains("anton:") {
            continue;
        }
        for (index, line) in text.lines().enumerate() {
            let Some(captures) = COMMENT.captures(line) else { continue };
            let (Some(whole), Some(ids), Some(rest)) = (captures.get(0), captures.get(1), captures.get(2)) else {
                continue;
            };
            let line_number = index as u32 + 1;
            let alone = line[..whole.start()].trim().is_empty();
            found.push(Suppression {
                ids: ids.as_str().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                reason: reason(rest.as_str()),
                location: Location::new(path, line_number, line[..whole.start()].chars().count() as u32 + 1),
                scope: Scope::Lines {
                    file: path.to_owned(),
                    first: line_number,
                    last: if alone { line_number + 1 } else { line_number },
                },
            });
        }
    }
    found
}

/// Annotation suppressions on the objects checked.
pub fn from_annotations(objects: &[ObjectView<'_>], texts: &SourceTexts, file_path: impl Fn(usize) -> String) -> Vec<Suppression> {
    let mut found = Vec::new();
    for view in objects {
        let Some(annotations) = view.node.path(&["metadata", "annotations"]) else { continue };
        let Some(value) = annotations.get(ANNOTATION) else { continue };
        let Some(text) = value.scalar_text() else { continue };
        let path = file_path(value.span.file as usize);
        let comment_reason = texts.get(&path).and_then(|source| {
            let line = source.lines().nth(value.span.line.saturating_sub(1) as usize)?;
            let after = line.get(value.span.end.saturating_sub(line_start(source, value.span.start as usize)) as usize..)?;
            after.split_once(" #").map(|(_, comment)| comment).and_then(reason)
        });
        let span = view.node.span;
        let node_path = file_path(span.file as usize);
        let last = texts.line_of(&node_path, span.end as usize).unwrap_or(span.line);
        found.push(Suppression {
            ids: text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            reason: annotations.str_at(&[REASON_ANNOTATION]).and_then(reason).or(comment_reason),
            location: Location::new(path, value.span.line, value.span.column),
            scope: Scope::Object { subject: view.subject(), file: node_path, first: span.line, last },
        });
    }
    found
}

/// The byte offset where the line holding `offset` starts.
fn line_start(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1) as u32
}

/// Drops the findings suppressions cover, and reports suppressions that are
/// invalid or unused. `is_enabled(rule, file)` tells whether a rule could have
/// fired there (an unused suppression of a rule that is switched off is not
/// worth a report).
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    is_enabled: impl Fn(&str, Option<&str>) -> bool,
) -> Vec<Finding> {
    let valid: Vec<bool> = suppressions.iter().map(|s| s.reason.is_some()).collect();
    let mut used: Vec<Vec<bool>> = suppressions.iter().map(|s| vec![false; s.ids.len()]).collect();
    let mut kept = Vec::with_capacity(findings.len());
    for finding in findings {
        let mut suppressed = false;
        for (index, suppression) in suppressions.iter().enumerate() {
            if !valid[index] || !suppression.covers(&finding) {
                continue;
            }
            for (position, id) in suppression.ids.iter().enumerate() {
                if names(id, &finding.rule) {
                    used[index][position] = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            kept.push(finding);
        }
    }
    let invalid = registry::rule("anton/invalid-suppression");
    let unused = registry::rule("anton/unused-suppression");
    for (index, suppression) in suppressions.iter().enumerate() {
        let file = Some(suppression.location.file.as_str());
        if suppression.reason.is_none() {
            if is_enabled(invalid.id, file) {
                kept.push(
                    invalid
                        .finding(format!(
                            "suppression of `{}` has no reason, so it suppresses nothing",
                            suppression.ids.join(", ")
                        ))
                        .at(suppression.location.clone())
                        .hint(match suppression.scope {
                            Scope::Lines { .. } => "write why after the brackets: `# anton: ignore[rule-id] upstream publishes only latest`",
                            Scope::Object { .. } => "say why in the annotation `anton.io/ignore-reason`, or in a comment on the same line",
                        }),
                );
            }
            continue;
        }
        for (position, id) in suppression.ids.iter().enumerate() {
            if !known(id) {
                if is_enabled(invalid.id, file) {
                    kept.push(
                        invalid
                            .finding(format!("suppression names `{id}`, which is no rule or family"))
                            .at(suppression.location.clone())
                            .hint("`anton rules` lists the rule ids"),
                    );
                }
                continue;
            }
            let registered = registry::find(id).is_some() || registry::families().any(|f| f == id);
            let could_fire = if registered || id.eq_ignore_ascii_case("all") {
                registry::RULES.iter().any(|rule| names(id, rule.id) && is_enabled(rule.id, None))
            } else {
                is_enabled(id, None)
            };
            if !used[index][position] && could_fire && is_enabled(unused.id, file) {
                kept.push(
                    unused
                        .finding(format!("suppression of `{id}` matches no finding"))
                        .at(suppression.location.clone())
                        .hint("remove it: the problem it was for is gone, or it is on the wrong line"),
                );
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> SourceTexts {
        SourceTexts::from_texts([("a.yaml".to_owned(), text.to_owned())], &["a.yaml"])
    }

    fn finding(rule: &str, line: u32) -> Finding {
        Finding::new(rule, anton_core::Severity::Warning, "m").at(Location::new("a.yaml", line, 3))
    }

    #[test]
    fn comments_cover_their_line_and_the_next() {
        let source = "a: 1\n# anton: ignore[k8s/latest-tag] upstream only has latest\nimage: x\nimage: y # anton: ignore[k8s] — test image\n";
        let found = from_comments(&texts(source), ["a.yaml"].into_iter());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].reason.as_deref(), Some("upstream only has latest"));
        assert_eq!(found[1].reason.as_deref(), Some("test image"));
        let kept = apply(
            vec![finding("k8s/latest-tag", 3), finding("k8s/latest-tag", 4), finding("k8s/latest-tag", 5)],
            &found,
            |_, _| true,
        );
        assert_eq!(kept.iter().map(|f| f.location.as_ref().unwrap().line).collect::<Vec<_>>(), [5]);
    }

    #[test]
    fn a_suppression_without_reason_suppresses_nothing_and_is_reported() {
        let found = from_comments(&texts("# anton: ignore[k8s/latest-tag]\nimage: x\n"), ["a.yaml"].into_iter());
        let kept = apply(vec![finding("k8s/latest-tag", 2)], &found, |_, _| true);
        let rules: Vec<&str> = kept.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["k8s/latest-tag", "anton/invalid-suppression"]);
    }

    #[test]
    fn unused_and_unknown_suppressions_are_reported() {
        let found = from_comments(
            &texts("# anton: ignore[k8s/latest-tag, flux/prune] old\nimage: x\n"),
            ["a.yaml"].into_iter(),
        );
        let kept = apply(Vec::new(), &found, |_, _| true);
        let rules: Vec<&str> = kept.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["anton/unused-suppression", "anton/invalid-suppression"]);
        let kept = apply(Vec::new(), &found, |rule, _| rule != "k8s/latest-tag");
        assert_eq!(kept.len(), 1, "no unused report for a rule that is switched off");
    }
}
