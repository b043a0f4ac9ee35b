use anton_core::{Finding, Severity};

use super::GuardRule;
use crate::compare::Comparison;
use crate::state::KsKey;

/// A Flux Kustomization is suspended or resumed from Git.
pub static RULE: GuardRule = GuardRule {
    id: "guard/suspend-flip",
    severity: Severity::Info,
    summary: "a Flux Kustomization is suspended or resumed from Git",
    what: "A Flux Kustomization present before and after the change whose `spec.suspend` changes.",
    why: "Suspended, it applies nothing and prunes nothing — changes pile up silently. Resumed, it applies \
everything that changed while it was suspended at once, deletions included. Suspending from Git also only \
takes effect once its parent reconciles.",
    bad: "spec:
-  suspend: true
+  suspend: false   # resumes with every change since it was suspended",
    fixed: "# to pause for a fix, suspend in the cluster instead of in Git:
# anton flux suspend ks app -n flux-system
# (fix in Git)
# anton flux resume ks app -n flux-system",
};

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        let (Some(before), Some(after)) = (entry.base, entry.head) else { continue };
        if before.suspend == after.suspend {
            continue;
        }
        let (message, hint) = if after.suspend {
            (
                format!("{} is suspended: from now on it applies and prunes nothing until it is resumed", key.name()),
                format!(
                    "to pause for a fix, `anton flux suspend ks {args}` in the cluster, fix in Git, then `anton flux resume ks {args}`",
                    args = key.flux_args()
                ),
            )
        } else {
            (
                format!("{} is resumed: it applies everything that changed while it was suspended, deletions included", key.name()),
                "compare against the commit it was suspended at (`anton diff --base <commit>`) to see everything it will do".to_owned(),
            )
        };
        let finding = RULE.finding(message).at(after.location.clone()).object(key.name()).hint(hint);
        out.push((key.clone(), finding));
    }
}
