use anton_core::{Finding, Severity};

use super::{GuardRule, count_by_kind, objects};
use crate::compare::Comparison;
use crate::state::KsKey;

/// A Flux Kustomization is removed from Git while it prunes.
pub static RULE: GuardRule = GuardRule {
    id: "guard/kustomization-deleted",
    severity: Severity::Critical,
    summary: "a Flux Kustomization is removed while pruning: everything it applied is deleted with it",
    what: "A Flux Kustomization that exists before the change and not after it, where the Kustomization that \
applies it prunes (so Flux deletes it) and it garbage-collects on deletion (`prune: true` with the default \
`deletionPolicy`, or `deletionPolicy: Delete`, and not suspended). The finding counts everything deleted with \
it by kind — through child Kustomizations, which are deleted and garbage-collect in turn, and HelmReleases, \
whose deletion uninstalls the Helm release.",
    why: "Deleting the `cluster-apps` Kustomization from Git made Flux prune everything under it: more than 80 \
pods went down and recovery took three hours. Nothing in the diff of the pull request showed more than one \
file removed.",
    bad: "# kubernetes/flux/cluster/ks.yaml: the cluster-apps Kustomization deleted
-apiVersion: kustomize.toolkit.fluxcd.io/v1
-kind: Kustomization
-metadata:
-  name: cluster-apps
-spec:
-  prune: true",
    fixed: "# first change (merged and reconciled): keep what it applied
spec:
  prune: true
  deletionPolicy: Orphan
# second change: remove the Kustomization; its objects stay in the cluster",
};

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        let (Some(base), None) = (entry.base, entry.head) else { continue };
        if comparison.kustomization_deleted(base, 0).is_err() || base.collects_garbage().is_err() {
            continue;
        }
        // Only the top of a cascade: a child deleted with its parent is counted there.
        if let Some(parent) = &base.parent {
            let parent_gone = comparison.head.kustomizations.get(parent).is_none();
            if parent_gone && comparison.applier_deletes(parent, 0).is_ok() {
                continue;
            }
        }
        let cascade = comparison.cascade(key);
        if cascade.is_empty() {
            continue;
        }
        let kinds = count_by_kind(cascade.iter().map(|r| r.object.id.kind.as_str()));
        let releases = cascade.iter().filter(|r| r.object.id.kind == "HelmRelease").count();
        let mut message = format!(
            "{} is removed and Flux garbage-collects everything it applied: {} will be deleted ({kinds})",
            key.name(),
            objects(cascade.len())
        );
        if releases > 0 {
            message.push_str(&format!(
                "; {} uninstalled",
                if releases == 1 { "1 Helm release is".to_owned() } else { format!("{releases} Helm releases are") }
            ));
        }
        let moved = comparison.moved_out_of(key);
        if moved > 0 {
            message.push_str(&format!("; {} more move to other Kustomizations", objects(moved)));
        }
        let hint = format!(
            "to keep what it runs, first set `deletionPolicy: Orphan` on {name} and merge that, then remove it; \
or suspend it first (`anton flux suspend ks {args}`) and then merge the removal: Flux deletes a suspended \
Kustomization without garbage-collecting what it applied",
            name = key.name(),
            args = key.flux_args(),
        );
        let finding = RULE
            .finding(message)
            .at(base.location.clone())
            .object(key.name())
            .hint(hint);
        out.push((key.clone(), finding));
    }
}
