use anton_core::{Finding, Severity};

use super::{GuardRule, objects, suspend_resume};
use crate::compare::Comparison;
use crate::model::Action;
use crate::state::KsKey;

/// A Flux Kustomization builds something else.
pub static RULE: GuardRule = GuardRule {
    id: "guard/source-switch",
    severity: Severity::Warning,
    summary: "a Flux Kustomization's sourceRef, path or targetNamespace changes: it applies a different build and prunes the old one",
    what: "A Flux Kustomization present before and after the change whose `spec.sourceRef`, `spec.path` or \
`spec.targetNamespace` changes. The finding says how many of the objects it applied are no longer in the new \
build, and so will be pruned. When only the path changes and the new path builds exactly the same objects, \
it is reported as info: nothing is pruned.",
    why: "Flux applies whatever the new source and path build and prunes every object of its inventory that is \
not in it. A new targetNamespace moves every namespaced object: each is created in the new namespace and \
deleted from the old one, volumes included. A sourceRef pointing at another branch or repository replaces \
the whole tree at once.",
    bad: "spec:
-  targetNamespace: media
+  targetNamespace: media-v2",
    fixed: "# suspend, change, check, resume:
# anton flux suspend ks media -n flux-system
# (merge the change; compare what the new build applies)
# anton flux resume ks media -n flux-system",
};

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        let (Some(before), Some(after)) = (entry.base, entry.head) else { continue };
        let mut switched = Vec::new();
        let mut describe = |what: &str, old: &Option<String>, new: &Option<String>| {
            if old != new {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
                switched.push(format!("{what} {} → {}", show(old), show(new)));
            }
        };
        describe("sourceRef", &before.source, &after.source);
        describe("path", &before.path, &after.path);
        describe("targetNamespace", &before.target_namespace, &after.target_namespace);
        if switched.is_empty() {
            continue;
        }
        let pruned = entry.removed.iter().filter(|r| r.action == Action::Delete).count();
        let only_path = before.source == after.source && before.target_namespace == after.target_namespace;
        let same_objects = entry.removed.is_empty() && entry.added.is_empty();
        let effect = if entry.skipped.is_some() {
            format!(
                "anton cannot see what the new build holds; Flux prunes whatever of the {} it applies today is not in it",
                objects(before.objects.len())
            )
        } else if pruned > 0 {
            format!("Flux applies the new build and prunes the {} of the old one that are not in it", objects(pruned))
        } else if !entry.removed.is_empty() {
            format!("{} of the old build are no longer applied and stay in the cluster", objects(entry.removed.len()))
        } else if same_objects {
            "the new build holds the same objects, so nothing is pruned".to_owned()
        } else {
            "Flux applies the new build; nothing of the old one is pruned".to_owned()
        };
        let mut finding = RULE
            .finding(format!("{} switches {}: {effect}", key.name(), switched.join(", ")))
            .at(after.location.clone())
            .object(key.name())
            .hint(suspend_resume(key, "merge the change and check what the new build applies"));
        if only_path && same_objects && entry.skipped.is_none() {
            finding.severity = Severity::Info;
        }
        out.push((key.clone(), finding));
    }
}
