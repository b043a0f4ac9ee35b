use anton_core::{Finding, Severity};

use super::{GuardRule, count_by_kind, is_stateful_storage, objects};
use crate::compare::Comparison;
use crate::model::Action;
use crate::state::KsKey;

/// Flux will delete an object that holds data.
pub static RULE: GuardRule = GuardRule {
    id: "guard/data-loss",
    severity: Severity::Critical,
    summary: "Flux will delete an object that holds data: a volume, a claim, a snapshot, a Ceph pool, a StorageClass or a Namespace",
    what: "An object that Flux will delete after the change — removed from a pruning Kustomization, or \
garbage-collected with a deleted one — and that is a PersistentVolumeClaim, PersistentVolume, VolumeSnapshot, \
VolumeSnapshotContent, StorageClass, a Rook object (CephCluster, CephBlockPool, CephFilesystem, \
CephObjectStore) or a Namespace, which takes everything in it. Objects another Kustomization takes over in the \
same change are reported by guard/moved-between-kustomizations instead.",
    why: "Deleting a claim releases its volume, and with the usual `reclaimPolicy: Delete` the data is gone. \
Deleting a Namespace deletes every claim in it. Deleting a CephCluster or a pool destroys the storage under \
every volume.",
    bad: "# apps/media/kustomization.yaml\n\
resources:\n\
-  - pvc.yaml   # the jellyfin-config claim",
    fixed: "# first change: make Flux leave it\n\
metadata:\n\
  annotations:\n\
    kustomize.toolkit.fluxcd.io/prune: disabled\n\
# second change: remove it from Git, then delete it by hand once the data is safe",
};

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        for removal in &entry.removed {
            let id = &removal.object.id;
            if removal.action != Action::Delete || removal.moved_to.is_some() || !is_stateful_storage(&id.group, &id.kind) {
                continue;
            }
            let mut message = format!("{} will be deleted ({})", id.short(), removal.why);
            if id.kind == "Namespace" {
                let inside: Vec<&str> = comparison
                    .base
                    .owners
                    .keys()
                    .filter(|(cluster, object)| *cluster == key.cluster && object.namespace.as_deref() == Some(&id.name))
                    .map(|(_, object)| object.kind.as_str())
                    .collect();
                if inside.is_empty() {
                    message.push_str(" and everything in it");
                } else {
                    message.push_str(&format!(
                        " and everything in it: the {} this repository puts there ({})",
                        objects(inside.len()),
                        count_by_kind(inside)
                    ));
                }
            }
            let hint = format!(
                "if the data must survive, first add the annotation `kustomize.toolkit.fluxcd.io/prune: disabled` to {} \
and merge that; then remove it from Git, and delete it by hand once the data is backed up or moved",
                id.short()
            );
            let finding = RULE.finding(message).at_opt(removal.object.location.clone()).object(id.short()).hint(hint);
            out.push((key.clone(), finding));
        }
    }
}
