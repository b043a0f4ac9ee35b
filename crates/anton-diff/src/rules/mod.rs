//! The guard rules: what a change will do that an operator must know before
//! merging. One rule, one file: its documentation and its check.

pub mod crd_deleted;
pub mod data_loss;
pub mod helm_uninstall;
pub mod immutable_change;
pub mod kustomization_deleted;
pub mod moved_between_kustomizations;
pub mod prune_flip;
pub mod source_switch;
pub mod suspend_flip;

use std::collections::BTreeMap;

use anton_core::{Finding, Severity};

use crate::compare::Comparison;
use crate::state::KsKey;

/// A rule's documentation, in the sections `anton rules explain` prints.
#[derive(Debug, Clone, Copy)]
pub struct GuardRule {
    /// Stable id `guard/slug`.
    pub id: &'static str,
    /// The default severity (some rules lower it case by case, as documented).
    pub severity: Severity,
    pub summary: &'static str,
    /// What it checks.
    pub what: &'static str,
    /// Why it matters: the incident or failure it prevents.
    pub why: &'static str,
    /// A change that triggers it.
    pub bad: &'static str,
    /// The safe way to make the same change.
    pub fixed: &'static str,
}

impl GuardRule {
    pub(crate) fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.id, self.severity, message)
    }

    /// The documentation as Markdown, as `anton rules explain` prints it (the
    /// sections of the lint rules' documentation).
    pub fn explain(&self) -> String {
        format!(
            "# {} ({})\n\n{}\n\n## What it checks\n\n{}\n\n## Why it matters\n\n{}\n\n## Bad example\n\n```yaml\n{}\n```\n\n## Fixed example\n\n```yaml\n{}\n```\n\n(Checked by anton diff, on the change between two states of the repository.)\n",
            self.id,
            self.severity,
            self.summary,
            self.what.trim(),
            self.why.trim(),
            self.bad.trim_matches('\n'),
            self.fixed.trim_matches('\n'),
        )
    }
}

/// A guard rule by id.
pub fn find(id: &str) -> Option<&'static GuardRule> {
    ALL.iter().copied().find(|rule| rule.id == id)
}

/// Every guard rule, in the order reports list them: the cascades first.
pub static ALL: [&GuardRule; 9] = [
    &kustomization_deleted::RULE,
    &crd_deleted::RULE,
    &data_loss::RULE,
    &helm_uninstall::RULE,
    &moved_between_kustomizations::RULE,
    &immutable_change::RULE,
    &source_switch::RULE,
    &suspend_flip::RULE,
    &prune_flip::RULE,
];

/// Every finding of the comparison, with the Flux Kustomization it is about.
pub(crate) fn run(comparison: &Comparison<'_>) -> Vec<(KsKey, Finding)> {
    let mut out = Vec::new();
    kustomization_deleted::check(comparison, &mut out);
    crd_deleted::check(comparison, &mut out);
    data_loss::check(comparison, &mut out);
    helm_uninstall::check(comparison, &mut out);
    moved_between_kustomizations::check(comparison, &mut out);
    immutable_change::check(comparison, &mut out);
    source_switch::check(comparison, &mut out);
    suspend_flip::check(comparison, &mut out);
    prune_flip::check(comparison, &mut out);
    out
}

/// "suspend, fix in Git, resume", in the cluster's own words.
pub(crate) fn suspend_resume(key: &KsKey, change: &str) -> String {
    let args = key.flux_args();
    format!("`anton flux suspend ks {args}`, then {change}, then `anton flux resume ks {args}`")
}

/// Kinds whose deletion loses data (or takes data with it).
pub(crate) fn is_stateful_storage(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "PersistentVolumeClaim")
            | ("", "PersistentVolume")
            | ("", "Namespace")
            | ("snapshot.storage.k8s.io", "VolumeSnapshot")
            | ("snapshot.storage.k8s.io", "VolumeSnapshotContent")
            | ("storage.k8s.io", "StorageClass")
            | ("ceph.rook.io", "CephCluster")
            | ("ceph.rook.io", "CephBlockPool")
            | ("ceph.rook.io", "CephFilesystem")
            | ("ceph.rook.io", "CephObjectStore")
    )
}

/// `3 Kustomization, 10 HelmRelease, 40 Deployment`: Flux Kustomizations and
/// HelmReleases first (they take more with them), then by count.
pub(crate) fn count_by_kind<'k>(kinds: impl IntoIterator<Item = &'k str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for kind in kinds {
        *counts.entry(kind).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    let rank = |kind: &str| match kind {
        "Kustomization" => 0,
        "HelmRelease" => 1,
        _ => 2,
    };
    counts.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
    counts.iter().map(|(kind, n)| format!("{n} {kind}")).collect::<Vec<_>>().join(", ")
}

/// `1 object` / `3 objects`.
pub(crate) fn objects(count: usize) -> String {
    if count == 1 { "1 object".to_owned() } else { format!("{count} objects") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_put_what_takes_most_with_it_first() {
        let kinds = ["Deployment", "Service", "HelmRelease", "Deployment", "Kustomization"];
        assert_eq!(count_by_kind(kinds), "1 Kustomization, 1 HelmRelease, 2 Deployment, 1 Service");
    }

    #[test]
    fn rule_ids_are_unique_guard_ids_with_documentation() {
        for (i, rule) in ALL.iter().enumerate() {
            assert!(rule.id.starts_with("guard/"), "{}", rule.id);
            assert!(ALL[..i].iter().all(|other| other.id != rule.id), "{} twice", rule.id);
            for section in [rule.summary, rule.what, rule.why, rule.bad, rule.fixed] {
                assert!(!section.trim().is_empty(), "{} lacks a section", rule.id);
            }
        }
    }

    #[test]
    fn examples_keep_their_yaml_indentation() {
        // A `\` line continuation would eat the leading spaces of the next line.
        let explained = crd_deleted::RULE.explain();
        assert!(explained.contains("metadata:\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n"), "{explained}");
        assert!(helm_uninstall::RULE.fixed.contains("persistence:\n  config:\n    existingClaim: jellyfin-config"));
        assert!(find("guard/data-loss").is_some_and(|rule| rule.id == data_loss::RULE.id) && find("guard/nope").is_none());
    }
}
