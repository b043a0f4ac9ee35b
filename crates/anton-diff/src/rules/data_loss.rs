use anton_core::{Finding, Severity};

use super::immutable_change::{describe, forced_by, immutable_changes, recreation_loss};
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
same change are reported by guard/moved-between-kustomizations instead. Also a forced re-creation: a field \
that cannot change in place changes (see guard/immutable-change) while `spec.force: true` is set on the \
Kustomization or `kustomize.toolkit.fluxcd.io/force: enabled` on the object, so Flux deletes the object and \
creates it again — for a PersistentVolumeClaim (a new storage class, a smaller size, another access mode …), \
and for a StatefulSet whose `persistentVolumeClaimRetentionPolicy.whenDeleted` is `Delete` or whose claim \
templates are renamed or dropped; the finding names the field that forces it.",
    why: "Deleting a claim releases its volume, and with the usual `reclaimPolicy: Delete` the data is gone. \
Deleting a Namespace deletes every claim in it. Deleting a CephCluster or a pool destroys the storage under \
every volume. With force, kustomize-controller answers an immutable-field error by deleting the object and \
applying it again (Flux docs, Kustomization `.spec.force`): a claim comes back empty.",
    bad: "# apps/media/kustomization.yaml
resources:
-  - pvc.yaml   # the jellyfin-config claim",
    fixed: "# first change: make Flux leave it
metadata:
  annotations:
    kustomize.toolkit.fluxcd.io/prune: disabled
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
        for change in &entry.changed {
            let (Some(before), Some(after)) = (&change.before.json, &change.after.json) else { continue };
            let id = &change.after.id;
            let fields = immutable_changes(id, before, after);
            if fields.is_empty() {
                continue;
            }
            let (Some(by), Some(loss)) = (forced_by(comparison, key, change), recreation_loss(id, before, after)) else { continue };
            let message = format!(
                "{} will be deleted and created again: {} cannot change in place, and {by} makes Flux re-create it instead of failing the apply; {loss}",
                id.short(),
                describe(change, &fields)
            );
            let hint = format!(
                "keep {} as it is: revert the change to {}, or take the force off for it; to move the data, create a new claim beside it, \
copy the data (VolSync), switch the workload, then remove the old one",
                id.short(),
                fields.iter().map(|(path, _, _)| path.as_str()).collect::<Vec<_>>().join(", ")
            );
            let finding = RULE.finding(message).at_opt(change.after.location.clone()).object(id.short()).hint(hint);
            out.push((key.clone(), finding));
        }
    }
}
