use anton_core::{Finding, Severity};
use serde_json::{Map, Value};

use super::GuardRule;
use crate::compare::{Comparison, Removal};
use crate::model::Action;
use crate::state::{AppliedObject, KsKey};

/// Flux will delete a HelmRelease, and helm-controller uninstall its release.
pub static RULE: GuardRule = GuardRule {
    id: "guard/helm-uninstall",
    severity: Severity::Critical,
    summary: "Flux will delete a HelmRelease: helm-controller uninstalls the release and everything the chart created, its claims included",
    what: "A HelmRelease that Flux will delete after the change — removed from a pruning Kustomization, or \
garbage-collected with a deleted one — and that no other Kustomization applies in the new state. The finding \
names the chart and version. Critical when the release's inline `values` make the chart create persistent \
volume claims: an app-template `persistence.<name>` of type `persistentVolumeClaim` (the default type) that \
is enabled, has no `existingClaim` and no `retain: true`, or any `persistence` block with `enabled: true` and \
no `existingClaim`; a warning otherwise. Quiet when the HelmRelease moves to another Kustomization (see \
guard/moved-between-kustomizations), carries `kustomize.toolkit.fluxcd.io/prune: disabled`, or is suspended \
(helm-controller does not uninstall a suspended HelmRelease when it is deleted). Values from `valuesFrom` are \
not read.",
    why: "helm-controller's finalizer runs `helm uninstall` when a HelmRelease is deleted: every object the chart \
rendered goes — Deployments, Services, and the PersistentVolumeClaims of its templates, whose volumes are \
then released (with the usual `reclaimPolicy: Delete`, destroyed). Claims named through `existingClaim`, \
claims the chart marks `helm.sh/resource-policy: keep` (app-template's `retain: true`) and the claims of a \
StatefulSet's `volumeClaimTemplates` survive. The pull request shows one file removed.",
    bad: "# kubernetes/apps/media/jellyfin/app/kustomization.yaml
resources:
-  - ./helmrelease.yaml   # app-template, persistence.config: {size: 10Gi}",
    fixed: "# keep the data: claim it outside the chart, and point the chart at it
persistence:
  config:
    existingClaim: jellyfin-config   # a PersistentVolumeClaim in Git, with prune: disabled
# or, before removing the HelmRelease: retain: true on the item (helm.sh/resource-policy: keep),
# or spec.suspend: true on the HelmRelease, merged first (no uninstall on deletion)",
};

const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        for removal in &entry.removed {
            let object = removal.object;
            if object.id.group != HELM_GROUP || object.id.kind != "HelmRelease" {
                continue;
            }
            if removal.action != Action::Delete || removal.moved_to.is_some() || suspended(object) {
                continue;
            }
            out.push((key.clone(), finding(comparison, key, removal)));
        }
    }
}

/// Whether the HelmRelease has `spec.suspend: true`: helm-controller then
/// removes its finalizer without uninstalling the release.
pub(crate) fn suspended(object: &AppliedObject) -> bool {
    object.json.as_ref().and_then(|j| j.pointer("/spec/suspend")).and_then(Value::as_bool).unwrap_or(false)
}

fn finding(comparison: &Comparison<'_>, key: &KsKey, removal: &Removal<'_>) -> Finding {
    let object = removal.object;
    let id = &object.id;
    let spec = object.json.as_ref().and_then(|j| j.get("spec"));
    let chart = spec.map(|spec| chart(comparison, key, id.namespace.as_deref(), spec)).unwrap_or_else(|| "its chart".to_owned());
    let values = spec.and_then(|spec| spec.get("values"));
    let is_app_template = chart.starts_with("app-template");
    let claims = values.map(|values| created_claims(values, is_app_template)).unwrap_or_default();
    let mut message = format!(
        "{} will be deleted ({}) and helm-controller uninstalls its release ({chart}): everything the chart created is deleted",
        id.short(),
        removal.why
    );
    let severity = if claims.is_empty() {
        message.push_str("; its values create no persistent volume claim (helm uninstall leaves the claims named by existingClaim)");
        if spec.is_some_and(|spec| spec.get("valuesFrom").is_some()) {
            message.push_str(", though values from valuesFrom are not read");
        }
        Severity::Warning
    } else {
        message.push_str(&format!(
            ", with the persistent volume claims its values create ({}): their volumes are released, and with the usual reclaimPolicy: Delete their data is gone",
            claims.join(", ")
        ));
        Severity::Critical
    };
    let mut hint = format!(
        "to keep the release, first set `spec.suspend: true` on {} (helm-controller does not uninstall a suspended HelmRelease) \
or add the annotation `kustomize.toolkit.fluxcd.io/prune: disabled`, and merge that before removing it",
        id.short()
    );
    if severity == Severity::Critical {
        hint.push_str(
            "; to keep only the data, give the claims `retain: true` (app-template: helm.sh/resource-policy: keep) or move them out of the chart and point it at them with `existingClaim`",
        );
    }
    let mut finding = RULE.finding(message).at_opt(object.location.clone()).object(id.short()).hint(hint);
    finding.severity = severity;
    finding
}

/// `app-template 3.5.1`: the chart and version of `spec.chart.spec`, of the
/// OCIRepository template in `spec.chart`, or of the source `spec.chartRef`
/// names (OCIRepository `ref`: digest, then semver, then tag, as Flux reads it).
fn chart(comparison: &Comparison<'_>, key: &KsKey, namespace: Option<&str>, spec: &Value) -> String {
    let text = |value: &Value, pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    let with_version = |name: String, version: Option<String>| match version {
        Some(version) => format!("{name} {version}"),
        None => name,
    };
    let oci = |source: &Value| {
        let url = text(source, "/url").unwrap_or_default();
        let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
        let version = ["/ref/digest", "/ref/semver", "/ref/tag"].iter().find_map(|p| text(source, p));
        with_version(name, Some(version.unwrap_or_else(|| "latest".to_owned())))
    };
    if let Some(template) = spec.pointer("/chart/spec") {
        return match text(template, "/chart") {
            Some(name) => with_version(name, text(template, "/version")),
            None => oci(template),
        };
    }
    let Some(reference) = spec.get("chartRef") else { return "its chart".to_owned() };
    let kind = text(reference, "/kind").unwrap_or_default();
    let name = text(reference, "/name").unwrap_or_default();
    let source_namespace = text(reference, "/namespace").or_else(|| namespace.map(str::to_owned));
    let source = comparison
        .base
        .kustomizations
        .values()
        .filter(|ks| ks.key.cluster == key.cluster)
        .flat_map(|ks| ks.objects.values())
        .find(|o| {
            o.id.group == SOURCE_GROUP && o.id.kind == kind && o.id.name == name && o.id.namespace == source_namespace
        })
        .and_then(|o| o.json.as_ref())
        .and_then(|json| json.get("spec"));
    match (kind.as_str(), source) {
        ("OCIRepository", Some(source)) => oci(source),
        ("HelmChart", Some(source)) => with_version(text(source, "/chart").unwrap_or(name), text(source, "/version")),
        _ => format!("chartRef {kind}/{name}"),
    }
}

/// The values paths that make the chart template a PersistentVolumeClaim.
fn created_claims(values: &Value, is_app_template: bool) -> Vec<String> {
    let mut claims = Vec::new();
    walk(values, "", is_app_template, &mut claims);
    claims
}

fn walk(value: &Value, path: &str, is_app_template: bool, claims: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if key == "persistence" {
                    if let Value::Object(persistence) = child {
                        persistence_claims(persistence, &child_path, is_app_template, claims);
                        continue;
                    }
                }
                walk(child, &child_path, is_app_template, claims);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| walk(item, path, is_app_template, claims)),
        _ => {}
    }
}

/// A `persistence` block: the usual chart form (`enabled: true`, no
/// `existingClaim`), or app-template's items (`persistence.<name>`, enabled
/// unless `enabled: false`, type `persistentVolumeClaim` unless another is
/// given, no `existingClaim`, no `retain: true`).
fn persistence_claims(persistence: &Map<String, Value>, path: &str, is_app_template: bool, claims: &mut Vec<String>) {
    let no_existing_claim = |map: &Map<String, Value>| map.get("existingClaim").and_then(Value::as_str).is_none_or(str::is_empty);
    if let Some(enabled) = persistence.get("enabled").and_then(Value::as_bool) {
        if enabled && no_existing_claim(persistence) {
            claims.push(format!("{path}.enabled: true"));
        }
        return;
    }
    for (name, item) in persistence {
        let Value::Object(item) = item else { continue };
        let enabled = item.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        // app-template makes a claim of an item without a type; for other
        // charts only an explicit type says it is one.
        let claim_type = match item.get("type").and_then(Value::as_str) {
            Some(kind) => matches!(kind, "persistentVolumeClaim" | "pvc"),
            None => is_app_template,
        };
        let retained = item.get("retain").and_then(Value::as_bool).unwrap_or(false);
        if enabled && claim_type && no_existing_claim(item) && !retained {
            claims.push(format!("{path}.{name}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn app_template_items_are_claims_unless_existing_retained_disabled_or_another_type() {
        let values = json!({"persistence": {
            "config": {"size": "10Gi", "accessMode": "ReadWriteOnce"},
            "cache": {"type": "persistentVolumeClaim", "size": "1Gi"},
            "media": {"existingClaim": "media"},
            "kept": {"size": "1Gi", "retain": true},
            "off": {"enabled": false, "size": "1Gi"},
            "tmp": {"type": "emptyDir"},
            "nfs": {"type": "nfs", "server": "nas", "path": "/media"},
        }});
        assert_eq!(created_claims(&values, true), ["persistence.config", "persistence.cache"]);
        // Another chart: only the explicit type counts.
        assert_eq!(created_claims(&values, false), ["persistence.cache"]);
    }

    #[test]
    fn enabled_persistence_blocks_are_claims_at_any_depth() {
        let values = json!({
            "persistence": {"enabled": true, "size": "8Gi"},
            "postgresql": {"primary": {"persistence": {"enabled": true, "existingClaim": "db"}}},
            "redis": {"master": {"persistence": {"enabled": false}}},
            "grafana": {"persistence": {"enabled": true}},
        });
        assert_eq!(created_claims(&values, false), ["persistence.enabled: true", "grafana.persistence.enabled: true"]);
        assert!(created_claims(&json!({"resources": {"limits": {"memory": "1Gi"}}}), true).is_empty());
    }
}
