use std::collections::BTreeMap;

use anton_core::{Finding, Severity};

use super::{GuardRule, is_stateful_storage, objects, suspend_resume};
use crate::compare::{Comparison, Removal};
use crate::model::Action;
use crate::state::KsKey;

/// An object leaves one Flux Kustomization for another in the same change.
pub static RULE: GuardRule = GuardRule {
    id: "guard/moved-between-kustomizations",
    severity: Severity::Critical,
    summary: "an object moves from one Flux Kustomization to another: the old one may prune it before the new one applies it",
    what: "An object removed from one Flux Kustomization and added to another in the same change, where the old \
one prunes. Critical when the object holds state — a volume, claim, snapshot, Ceph object, StorageClass, \
Namespace, StatefulSet, HelmRelease (its release is uninstalled) or a pruning Flux Kustomization (everything it \
applied goes with it) — a warning otherwise. Moves the old Kustomization would not prune are not reported.",
    why: "The two Kustomizations reconcile independently. If the old one runs first, it prunes the object (its \
ownership labels still name it), and the new one creates it again from scratch: a restart at best, an empty \
volume at worst.",
    bad: "# the same PersistentVolumeClaim, in one pull request:
# removed from apps/media/jellyfin/app (Kustomization jellyfin)
# added to apps/media/shared (Kustomization media-shared)",
    fixed: "# first change: annotate the object where it is, and merge
metadata:
  annotations:
    kustomize.toolkit.fluxcd.io/prune: disabled
# second change: move it; the new Kustomization adopts it
# third change (optional): remove the annotation",
};

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (from, entry) in &comparison.entries {
        let mut by_destination: BTreeMap<&KsKey, Vec<&Removal<'_>>> = BTreeMap::new();
        for removal in &entry.removed {
            if let (Action::Delete, Some(to)) = (removal.action, &removal.moved_to) {
                by_destination.entry(to).or_default().push(removal);
            }
        }
        for (to, mut moved) in by_destination {
            moved.sort_by_key(|r| (!holds_state(comparison, from, r), r.object.id.clone()));
            let stateful = moved.iter().filter(|r| holds_state(comparison, from, r)).count();
            let severity = if stateful > 0 { Severity::Critical } else { Severity::Warning };
            let names: Vec<String> = moved.iter().take(5).map(|r| r.object.id.short()).collect();
            let more = if moved.len() > names.len() { format!(" and {} more", moved.len() - names.len()) } else { String::new() };
            let mut message = format!(
                "{} move{} from {} to {}: {}{more}; {} may prune {} before {} applies {}",
                objects(moved.len()),
                if moved.len() == 1 { "s" } else { "" },
                from.name(),
                to.name(),
                names.join(", "),
                from.name(),
                if moved.len() == 1 { "it" } else { "them" },
                to.name(),
                if moved.len() == 1 { "it" } else { "them" },
            );
            if stateful > 0 {
                message.push_str(&format!(" ({stateful} of them hold state)"));
            }
            let hint = format!(
                "first add the annotation `kustomize.toolkit.fluxcd.io/prune: disabled` to the moved objects where they are and \
merge that, then move them; or {}",
                suspend_resume(from, "merge the move and wait for the new Kustomization to apply them")
            );
            let mut finding = RULE.finding(message).object(moved[0].object.id.short()).hint(hint);
            finding.severity = severity;
            if let Some(location) = moved[0].object.location.clone() {
                finding = finding.at(location);
            }
            out.push((from.clone(), finding));
        }
    }
}

/// Whether losing this object (even for a moment) loses state.
fn holds_state(comparison: &Comparison<'_>, owner: &KsKey, removal: &Removal<'_>) -> bool {
    let id = &removal.object.id;
    if is_stateful_storage(&id.group, &id.kind) {
        return true;
    }
    match (id.group.as_str(), id.kind.as_str()) {
        ("apps", "StatefulSet") | ("helm.toolkit.fluxcd.io", "HelmRelease") => true,
        _ if removal.object.is_flux_kustomization() => {
            let child = KsKey { cluster: owner.cluster.clone(), id: id.clone() };
            comparison
                .base
                .kustomizations
                .get(&child)
                .is_some_and(|ks| ks.collects_garbage().is_ok() && !ks.objects.is_empty())
        }
        _ => false,
    }
}
