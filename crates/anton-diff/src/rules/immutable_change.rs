use anton_core::{Finding, ObjectId, Severity};
use serde_json::Value;

use super::{GuardRule, suspend_resume};
use crate::compare::{Change, Comparison};
use crate::state::{FORCE_ANNOTATION, KsKey, Redaction};

/// A change the API server refuses to apply in place.
pub static RULE: GuardRule = GuardRule {
    id: "guard/immutable-change",
    severity: Severity::Warning,
    summary: "a field that cannot change in place changes: Flux's apply fails until the object is recreated",
    what: "A changed object where an immutable field changes: the selector of a Deployment, DaemonSet or \
ReplicaSet; any StatefulSet field other than replicas, template, updateStrategy, ordinals, minReadySeconds, \
revisionHistoryLimit and persistentVolumeClaimRetentionPolicy (volumeClaimTemplates, serviceName, selector …); \
a Job's template or selector; a Service's clusterIP; a PersistentVolumeClaim's storageClassName, accessModes, \
volumeMode, volumeName or data source, or a smaller storage request; a PersistentVolume's source; a \
RoleBinding's roleRef; a StorageClass's provisioner, parameters, reclaimPolicy or volumeBindingMode; a \
VolumeSnapshot's source; the data of a ConfigMap or Secret marked `immutable: true`. With `spec.force: true` \
on the Kustomization, or `kustomize.toolkit.fluxcd.io/force: enabled` on the object, Flux deletes the object \
and creates it again instead of failing: still a warning (a short outage, a new Service address, a Job run \
again, a StatefulSet whose existing claims keep their old size and class), unless the re-creation loses data \
(a claim, a StatefulSet that deletes its claims with it), which guard/data-loss reports instead.",
    why: "The API server rejects the apply. The Flux Kustomization stays not ready and stops applying every \
other change under it until someone recreates the object — usually found out after the merge, from an alert. \
With force, kustomize-controller deletes and re-creates the object on its own (Flux docs, Kustomization \
`.spec.force`).",
    bad: "# a StatefulSet
spec:
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
-       resources: {requests: {storage: 10Gi}}
+       resources: {requests: {storage: 20Gi}}",
    fixed: "# suspend, change, recreate, resume:
# anton flux suspend ks app -n flux-system
# (merge the change)
# kubectl delete statefulset app -n media --cascade=orphan   # pods and volumes stay
# anton flux resume ks app -n flux-system                     # Flux creates it again",
};

pub(crate) fn check(comparison: &Comparison<'_>, out: &mut Vec<(KsKey, Finding)>) {
    for (key, entry) in &comparison.entries {
        for change in &entry.changed {
            let (Some(before), Some(after)) = (&change.before.json, &change.after.json) else { continue };
            let id = &change.after.id;
            let fields = immutable_changes(id, before, after);
            if fields.is_empty() {
                continue;
            }
            let forced = forced_by(comparison, key, change);
            if forced.is_some() && recreation_loss(id, before, after).is_some() {
                // guard/data-loss says it, as the data loss it is.
                continue;
            }
            let what = format!(
                "{} changes {} that cannot change in place: {}",
                id.short(),
                if fields.len() == 1 { "a field" } else { "fields" },
                describe(change, &fields)
            );
            let (message, hint) = match forced {
                Some(by) => (
                    format!("{what}; {by} makes Flux delete it and create it again{}", recreation_note(id, &fields)),
                    forced_hint(id),
                ),
                None => (
                    format!(
                        "{what}; the API server rejects the apply and {} stays not ready until the object is recreated",
                        key.name()
                    ),
                    hint(key, id),
                ),
            };
            let finding = RULE.finding(message).at_opt(change.after.location.clone()).object(id.short()).hint(hint);
            out.push((key.clone(), finding));
        }
    }
}

/// `spec.volumeClaimTemplates (… → …), spec.serviceName`, values hidden for secrets.
pub(crate) fn describe(change: &Change<'_>, fields: &[(String, Option<Value>, Option<Value>)]) -> String {
    let hidden = change.after.redaction != Redaction::None;
    let described: Vec<String> = fields
        .iter()
        .map(|(path, old, new)| match (hidden, old, new) {
            (false, Some(old), Some(new)) => format!("{path} ({} → {})", short(old), short(new)),
            _ => path.clone(),
        })
        .collect();
    described.join(", ")
}

/// What makes Flux delete and re-create the object rather than fail the
/// apply: the object's own `force: enabled` label or annotation, or
/// `spec.force` of its Kustomization in either state (which spec applies
/// first is a race, as for `prune`). Flux docs, Kustomization `.spec.force`.
pub(crate) fn forced_by(comparison: &Comparison<'_>, key: &KsKey, change: &Change<'_>) -> Option<String> {
    if change.after.forced() {
        return Some(format!("`{FORCE_ANNOTATION}: enabled` on it"));
    }
    let force = |snapshot: &crate::state::Snapshot| snapshot.kustomizations.get(key).is_some_and(|ks| ks.force);
    (force(comparison.head) || force(comparison.base)).then(|| format!("`spec.force: true` on {}", key.name()))
}

/// What deleting and re-creating the object destroys, if it holds data: a
/// claim comes back empty; a StatefulSet takes its pods' claims with it when
/// its `persistentVolumeClaimRetentionPolicy.whenDeleted` is `Delete` (the
/// default `Retain` keeps them), and pods whose claim template is renamed or
/// dropped come back without the data of the old claims.
pub(crate) fn recreation_loss(id: &ObjectId, before: &Value, after: &Value) -> Option<String> {
    match (id.group.as_str(), id.kind.as_str()) {
        ("", "PersistentVolumeClaim") => {
            // A class or volume written out where none was: the cluster filled
            // it in when the claim was made, maybe with this very value.
            // Unknown offline, so not called data loss (the warning stays).
            let filled_in_by_the_cluster = |(field, old, _): &(String, Option<Value>, Option<Value>)| {
                old.is_none() && (field == "spec.storageClassName" || field == "spec.volumeName")
            };
            let changes = immutable_changes(id, before, after);
            if changes.is_empty() || changes.iter().all(filled_in_by_the_cluster) {
                return None;
            }
            let mut loss =
                "the new claim starts empty: the old one's volume is released and, with the usual reclaimPolicy: Delete, its data is gone".to_owned();
            // A populator (a backup restore, a snapshot) fills the new claim with what it holds, no more.
            let source = after.pointer("/spec/dataSourceRef").or_else(|| after.pointer("/spec/dataSource"));
            if let Some(source) = source {
                let field = |key: &str| source.get(key).and_then(Value::as_str).unwrap_or("?");
                loss.push_str(&format!(
                    " (its data source {}/{} fills the new claim with what it holds, and nothing written since)",
                    field("kind"),
                    field("name")
                ));
            }
            Some(loss)
        }
        ("apps", "StatefulSet") => {
            // The claims carry the deletion policy of the StatefulSet that exists: the old one.
            if before.pointer("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted").and_then(Value::as_str) == Some("Delete") {
                return Some(
                    "its persistentVolumeClaimRetentionPolicy whenDeleted: Delete deletes the claims of its pods with it".to_owned(),
                );
            }
            let (old, new) = (claim_templates(before), claim_templates(after));
            let dropped: Vec<&String> = old.iter().filter(|name| !new.contains(name)).collect();
            if dropped.is_empty() {
                return None;
            }
            let names = dropped.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            Some(format!(
                "its pods come back without the claims of the template{} {names}: the new StatefulSet names its claims differently, so the pods start on new, empty volumes while the old claims stay unmounted",
                if dropped.len() == 1 { "" } else { "s" }
            ))
        }
        _ => None,
    }
}

fn claim_templates(statefulset: &Value) -> Vec<String> {
    statefulset
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .map(|templates| {
            templates.iter().filter_map(|t| t.pointer("/metadata/name").and_then(Value::as_str).map(str::to_owned)).collect()
        })
        .unwrap_or_default()
}

/// What a forced re-creation that loses no data still does.
fn recreation_note(id: &ObjectId, fields: &[(String, Option<Value>, Option<Value>)]) -> String {
    match (id.group.as_str(), id.kind.as_str()) {
        ("apps", "StatefulSet") if fields.iter().any(|(path, _, _)| path == "spec.volumeClaimTemplates") => {
            ": its pods restart at once; their claims stay (whenDeleted: Retain, the default) and are reused as they are, so the new claim templates do not reach them".to_owned()
        }
        ("", "Service") => ": a short outage, and the Service gets a new cluster IP unless one is set".to_owned(),
        ("batch", "Job") => ": the Job runs again".to_owned(),
        _ => ": a short outage while it is recreated".to_owned(),
    }
}

fn forced_hint(id: &ObjectId) -> String {
    match (id.group.as_str(), id.kind.as_str()) {
        ("apps", "StatefulSet") => format!(
            "expect {} to restart all at once; to resize existing claims, expand each PersistentVolumeClaim instead (where the StorageClass allows volume expansion)",
            id.short()
        ),
        _ => format!("expect {} to be unavailable while Flux deletes and re-creates it; merge when that is acceptable", id.short()),
    }
}

fn hint(key: &KsKey, id: &ObjectId) -> String {
    let namespace = id.namespace.as_deref().map(|ns| format!(" -n {ns}")).unwrap_or_default();
    let kind = id.kind.to_lowercase();
    match (id.group.as_str(), id.kind.as_str()) {
        ("", "PersistentVolumeClaim") | ("", "PersistentVolume") => format!(
            "recreating {} loses its data: create a new claim beside it, copy the data (VolSync), switch the workload, then remove the old one",
            id.short()
        ),
        ("apps", "StatefulSet") => suspend_resume(
            key,
            &format!(
                "merge the change and run `kubectl delete statefulset {}{namespace} --cascade=orphan` (its pods and volumes stay; Flux creates it again on resume)",
                id.name
            ),
        ),
        _ => format!(
            "add the annotation `kustomize.toolkit.fluxcd.io/force: enabled` to {} so Flux recreates it (a short outage), or {}",
            id.short(),
            suspend_resume(key, &format!("merge the change and run `kubectl delete {kind} {}{namespace}`", id.name))
        ),
    }
}

/// (field, before, after) of every immutable field that changes.
pub(crate) fn immutable_changes(id: &ObjectId, before: &Value, after: &Value) -> Vec<(String, Option<Value>, Option<Value>)> {
    let mut fields = Vec::new();
    let mut check = |pointer: &str| {
        let (old, new) = (before.pointer(pointer), after.pointer(pointer));
        if old != new {
            fields.push((pointer.trim_start_matches('/').replace('/', "."), old.cloned(), new.cloned()));
        }
    };
    match (id.group.as_str(), id.kind.as_str()) {
        ("apps", "Deployment" | "DaemonSet" | "ReplicaSet") => check("/spec/selector"),
        ("apps", "StatefulSet") => {
            const MUTABLE: [&str; 7] = [
                "replicas",
                "template",
                "updateStrategy",
                "ordinals",
                "minReadySeconds",
                "revisionHistoryLimit",
                "persistentVolumeClaimRetentionPolicy",
            ];
            for key in spec_keys(before, after) {
                if !MUTABLE.contains(&key.as_str()) {
                    check(&format!("/spec/{key}"));
                }
            }
        }
        ("batch", "Job") => {
            check("/spec/selector");
            check("/spec/template");
            check("/spec/completionMode");
        }
        ("", "Service") => {
            for pointer in ["/spec/clusterIP", "/spec/clusterIPs"] {
                // Dropping the field keeps the assigned address; setting or changing it fails.
                if after.pointer(pointer).is_some() {
                    check(pointer);
                }
            }
        }
        ("", "PersistentVolumeClaim") => {
            for field in ["storageClassName", "accessModes", "volumeName", "dataSource", "dataSourceRef", "selector"] {
                check(&format!("/spec/{field}"));
            }
            // Filesystem is the default: writing it out (or dropping it) changes nothing.
            let volume_mode = |v: &Value| v.pointer("/spec/volumeMode").and_then(Value::as_str).unwrap_or("Filesystem").to_owned();
            if volume_mode(before) != volume_mode(after) {
                check("/spec/volumeMode");
            }
            let storage = |v: &Value| v.pointer("/spec/resources/requests/storage").and_then(quantity);
            if let (Some(old), Some(new)) = (storage(before), storage(after)) {
                if new < old {
                    check("/spec/resources/requests/storage");
                }
            }
        }
        ("", "PersistentVolume") => {
            const MUTABLE: [&str; 6] =
                ["capacity", "claimRef", "persistentVolumeReclaimPolicy", "mountOptions", "storageClassName", "volumeAttributesClassName"];
            for key in spec_keys(before, after) {
                if !MUTABLE.contains(&key.as_str()) {
                    check(&format!("/spec/{key}"));
                }
            }
        }
        ("", "ConfigMap" | "Secret") if before.get("immutable") == Some(&Value::Bool(true)) => {
            for field in ["/data", "/binaryData", "/stringData", "/immutable"] {
                check(field);
            }
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => check("/roleRef"),
        ("storage.k8s.io", "StorageClass") => {
            for field in ["/provisioner", "/parameters", "/reclaimPolicy", "/volumeBindingMode"] {
                check(field);
            }
        }
        ("snapshot.storage.k8s.io", "VolumeSnapshot") => check("/spec/source"),
        _ => {}
    }
    fields
}

fn spec_keys(before: &Value, after: &Value) -> Vec<String> {
    let mut keys: Vec<String> = [before, after]
        .iter()
        .filter_map(|v| v.get("spec").and_then(Value::as_object))
        .flat_map(|spec| spec.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// A Kubernetes quantity (`10Gi`, `500M`, `1.5Ti`, `1e9`) in bytes.
pub(crate) fn quantity(value: &Value) -> Option<f64> {
    if let Some(number) = value.as_f64() {
        return Some(number);
    }
    let text = value.as_str()?.trim();
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
        ("m", 1e-3),
    ];
    for (suffix, factor) in SUFFIXES {
        if let Some(number) = text.strip_suffix(suffix) {
            return number.parse::<f64>().ok().map(|n| n * factor);
        }
    }
    text.parse().ok()
}

fn short(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 { format!("{}…", text.chars().take(59).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(group: &str, kind: &str) -> ObjectId {
        ObjectId { group: group.into(), kind: kind.into(), namespace: Some("media".into()), name: "app".into() }
    }

    fn fields(group: &str, kind: &str, before: Value, after: Value) -> Vec<String> {
        immutable_changes(&id(group, kind), &before, &after).into_iter().map(|(path, _, _)| path).collect()
    }

    #[test]
    fn statefulsets_allow_only_their_mutable_fields() {
        let before = json!({"spec": {"replicas": 1, "serviceName": "a", "volumeClaimTemplates": [{"spec": {"x": 1}}]}});
        let after = json!({"spec": {"replicas": 3, "serviceName": "b", "volumeClaimTemplates": [{"spec": {"x": 2}}]}});
        assert_eq!(fields("apps", "StatefulSet", before, after), ["spec.serviceName", "spec.volumeClaimTemplates"]);
    }

    #[test]
    fn claims_may_grow_but_not_shrink_or_change_class() {
        let claim = |size: &str, class: &str| json!({"spec": {"storageClassName": class, "resources": {"requests": {"storage": size}}}});
        assert!(fields("", "PersistentVolumeClaim", claim("10Gi", "ceph"), claim("20Gi", "ceph")).is_empty());
        assert_eq!(fields("", "PersistentVolumeClaim", claim("10Gi", "ceph"), claim("5Gi", "ceph")), ["spec.resources.requests.storage"]);
        assert_eq!(fields("", "PersistentVolumeClaim", claim("10Gi", "ceph"), claim("10Gi", "nfs")), ["spec.storageClassName"]);
    }

    #[test]
    fn selectors_cluster_ips_and_role_refs() {
        let deployment = |app: &str| json!({"spec": {"selector": {"matchLabels": {"app": app}}, "replicas": 1}});
        assert_eq!(fields("apps", "Deployment", deployment("a"), deployment("b")), ["spec.selector"]);
        assert!(fields("", "Service", json!({"spec": {"clusterIP": "10.0.0.1"}}), json!({"spec": {}})).is_empty());
        assert_eq!(fields("", "Service", json!({"spec": {}}), json!({"spec": {"clusterIP": "10.0.0.2"}})), ["spec.clusterIP"]);
        assert_eq!(
            fields("rbac.authorization.k8s.io", "RoleBinding", json!({"roleRef": {"name": "a"}}), json!({"roleRef": {"name": "b"}})),
            ["roleRef"]
        );
    }

    #[test]
    fn quantities_read_as_kubernetes_reads_them() {
        assert_eq!(quantity(&json!("1Gi")), Some(1073741824.0));
        assert_eq!(quantity(&json!("500M")), Some(5e8));
        assert_eq!(quantity(&json!(3)), Some(3.0));
        assert_eq!(quantity(&json!("lots")), None);
    }
}
