use anton_core::{Finding, Severity};

use super::GuardRule;
use crate::compare::Comparison;
use crate::state::KsKey;

/// A Flux Kustomization's pruning is turned on or off.
pub static RULE: GuardRule = GuardRule {
    id: "guard/prune-flip",
    severity: Severity::Info,
    summary: "a Flux Kustomization's prune is turned on or off",
    what: "A Flux Kustomization present before and after the change whose `spec.prune` changes. Removals in \
the same change are counted as deletions when either state prunes: which spec Flux reconciles first is a race.",
    why: "With prune off, objects removed from Git stay in the cluster, unmanaged. Turned back on, later \
removals delete again — and turning it on in the same change as a removal deletes what was meant to be kept.",
    bad: "spec:
-  prune: false
+  prune: true
# …and, in the same change, a folder removed from its path",
    fixed: "# change prune in its own change, merge it and let it reconcile,
# then make the removals in a second change",
};

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        let (Some(before), Some(after)) = (entry.base, entry.head) else { continue };
        if before.prune == after.prune {
            continue;
        }
        let message = if after.prune {
            format!("{} now prunes: objects removed from Git from now on are deleted (objects removed earlier stay)", key.name())
        } else {
            format!("{} no longer prunes: objects removed from Git from now on stay in the cluster, unmanaged", key.name())
        };
        let finding = RULE
            .finding(message)
            .at(after.location.clone())
            .object(key.name())
            .hint("change prune in its own change and let it reconcile before removing anything under it");
        out.push((key.clone(), finding));
    }
}
