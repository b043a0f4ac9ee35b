use std::collections::BTreeMap;

use anton_core::{Finding, ObjectId, Severity};

use super::GuardRule;
use crate::compare::{Comparison, Removal};
use crate::model::Action;
use crate::state::KsKey;

/// Flux will delete a CustomResourceDefinition, and Kubernetes every resource of its kind with it.
pub static RULE: GuardRule = GuardRule {
    id: "guard/crd-deleted",
    severity: Severity::Critical,
    summary: "Flux will delete a CustomResourceDefinition: Kubernetes deletes every resource of its kind, in every namespace",
    what: "A CustomResourceDefinition that Flux will delete after the change — removed from a pruning \
Kustomization, or garbage-collected with a deleted one — and that no other Kustomization applies in the new \
state. The finding lists the custom resources of that kind the repository defines, with the Kustomizations \
that apply them, and says which of them stay in Git (Flux can no longer apply those). Quiet when the CRD \
carries `kustomize.toolkit.fluxcd.io/prune: disabled` (Flux leaves it) or moves to another Kustomization.",
    why: "Deleting a CRD makes the API server delete every object of its kind, cluster-wide: the databases of a \
CloudNativePG `Cluster`, cert-manager `Certificate`s, Rook `CephObjectStoreUser`s, VolSync \
`ReplicationSource`s — and the ones created in the cluster outside Git (by an operator, a Helm chart, by hand) \
too. It happens with one line: an operator's vendored manifest refreshed without its CRDs, or the operator's \
folder removed before its users.",
    bad: "# kubernetes/apps/database/cloudnative-pg/app/kustomization.yaml
resources:
-  - ./crds.yaml          # postgresql.cnpg.io CRDs, applied by this Kustomization
   - ./helmrelease.yaml",
    fixed: "# first change: make Flux leave the CRDs
metadata:
  annotations:
    kustomize.toolkit.fluxcd.io/prune: disabled
# second change: remove them from Git (or let the chart own them: install.crds: CreateReplace);
# delete them by hand only once no resource of their kinds is needed",
};

/// Custom resources named in a finding before `and N more`.
const LISTED: usize = 5;

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        for removal in &entry.removed {
            let id = &removal.object.id;
            if id.group != "apiextensions.k8s.io" || id.kind != "CustomResourceDefinition" {
                continue;
            }
            // Another Kustomization applying the same CRD keeps it in the cluster.
            if removal.action != Action::Delete || removal.moved_to.is_some() {
                continue;
            }
            out.push((key.clone(), finding(comparison, key, removal)));
        }
    }
}

fn finding(comparison: &Comparison<'_>, key: &KsKey, removal: &Removal<'_>) -> Finding {
    let id = &removal.object.id;
    let json = removal.object.json.as_ref();
    let text = |pointer: &str| json.and_then(|j| j.pointer(pointer)).and_then(|v| v.as_str()).map(str::to_owned);
    // `<plural>.<group>` names the CRD; the kind is only in its spec.
    let group = text("/spec/group").unwrap_or_else(|| id.name.split_once('.').map_or(String::new(), |(_, g)| g.to_owned()));
    let kind = text("/spec/names/kind");
    let what = kind.clone().unwrap_or_else(|| format!("resource of {}", id.name));
    let mut message = format!("{} will be deleted ({}): Kubernetes then deletes every {what} in the cluster", id.short(), removal.why);
    let defined = kind.as_deref().map(|kind| custom_resources(comparison, key, &group, kind)).unwrap_or_default();
    if defined.is_empty() {
        message.push_str(", including those created outside Git (this repository defines none)");
    } else {
        let listed: Vec<String> = defined
            .iter()
            .take(LISTED)
            .map(|(object, owners)| format!("{} in {}", object.short(), owners.join(", ")))
            .collect();
        let more = defined.len().saturating_sub(LISTED);
        message.push_str(&format!(
            ": the {} this repository defines ({}{}) and any created in the cluster outside Git",
            if defined.len() == 1 { "one".to_owned() } else { defined.len().to_string() },
            listed.join("; "),
            if more > 0 { format!("; and {more} more") } else { String::new() }
        ));
        let staying = defined.keys().filter(|object| comparison.head.owners.contains_key(&(key.cluster.clone(), (*object).clone()))).count();
        if staying > 0 {
            message.push_str(&format!(
                "; {} stay{} in Git and can no longer be applied",
                if staying == 1 { "1 of them".to_owned() } else { format!("{staying} of them") },
                if staying == 1 { "s" } else { "" }
            ));
        }
    }
    let hint = format!(
        "to keep the custom resources, first add the annotation `kustomize.toolkit.fluxcd.io/prune: disabled` to {} and merge that; \
then remove it from Git (Flux leaves it in the cluster), or let the operator's chart own it; delete it by hand only once no {what} is needed",
        id.short()
    );
    RULE.finding(message).at_opt(removal.object.location.clone()).object(id.short()).hint(hint)
}

/// The custom resources of `group`/`kind` that the base state applies in
/// `key`'s cluster, each with the Kustomizations that apply it.
fn custom_resources(comparison: &Comparison<'_>, key: &KsKey, group: &str, kind: &str) -> BTreeMap<ObjectId, Vec<String>> {
    comparison
        .base
        .owners
        .iter()
        .filter(|((cluster, object), _)| *cluster == key.cluster && object.group == group && object.kind == kind)
        .map(|((_, object), owners)| {
            let mut names: Vec<String> = owners.iter().map(KsKey::name).collect();
            names.sort();
            names.dedup();
            (object.clone(), names)
        })
        .collect()
}
