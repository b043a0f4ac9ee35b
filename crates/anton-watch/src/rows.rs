//! Objects to [`Row`]s: what state each kind is in and whether that is
//! healthy. Flux readiness is `anton-health`'s (the same as `anton flux
//! status`). Text from the cluster is redacted and stripped of control
//! characters here, once, so neither the screen nor `--events` can show a
//! registered secret or be steered by escape sequences.

use anton_health::{FluxObject, Readiness};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use crate::model::{Key, Level, LogEntry, Pane, Row};

/// Cluster text as it may be shown: secrets redacted, one line, no control characters.
pub fn clean(text: &str) -> String {
    let redacted = anton_core::secrets::redact(text);
    let one_line = redacted.trim().replace(['\n', '\r', '\t'], " ");
    one_line.chars().map(|c| if c.is_control() { '�' } else { c }).collect()
}

fn meta_key(kind: &'static str, meta: &ObjectMeta) -> Key {
    Key::new(kind, meta.namespace.clone().unwrap_or_default(), meta.name.clone().unwrap_or_default())
}

fn created(meta: &ObjectMeta) -> Option<Timestamp> {
    meta.creation_timestamp.as_ref().map(|t| t.0)
}

/// A Flux object, from its JSON (any served version).
pub fn flux_row(value: &Value) -> Option<Row> {
    let object = FluxObject::parse(value)?;
    let (state, message) = match object.readiness() {
        Readiness::Ready => ("ready", ready_message(&object)),
        Readiness::Suspended => ("suspended", ready_message(&object)),
        Readiness::Stalled { reason, message } => ("failed", format!("stalled: {reason}: {message}")),
        Readiness::Failed { reason, message } => ("failed", format!("{reason}: {message}")),
        Readiness::Reconciling { message, .. } => ("reconciling", message),
        Readiness::Unknown { message } => ("unknown", message),
    };
    let created = value.pointer("/metadata/creationTimestamp").and_then(Value::as_str).and_then(|t| t.parse().ok());
    let since = match &object.suspended_since {
        Some((at, _)) if object.suspended => Some(*at),
        _ => object.condition("Ready").and_then(|c| c.last_transition_time).or(created),
    };
    let mut details = vec![
        ("object".to_owned(), object.id()),
        ("revision".to_owned(), clean(object.revision().unwrap_or("-"))),
        ("suspended".to_owned(), object.suspended.to_string()),
    ];
    if let Some(source) = &object.source_ref {
        details.push(("source".to_owned(), format!("{} {}/{}", source.kind, source.namespace, source.name)));
    }
    if let Some(requested) = &object.requested_at {
        details.push(("requested".to_owned(), clean(requested)));
    }
    if let Some(handled) = &object.last_handled_reconcile_at {
        details.push(("handled".to_owned(), clean(handled)));
    }
    for c in &object.conditions {
        details.push((format!("{}={}", c.type_, c.status), clean(&format!("{}: {}", c.reason, c.message))));
    }
    Some(Row {
        key: Key::new(object.kind.kind(), object.namespace.clone(), object.name.clone()),
        pane: Pane::Flux,
        healthy: state == "ready",
        state: state.to_owned(),
        revision: clean(object.revision().unwrap_or("")),
        since,
        message: clean(&message),
        details,
    })
}

fn ready_message(object: &FluxObject) -> String {
    object.condition("Ready").map(|c| c.message.clone()).unwrap_or_default()
}

/// A Pod: `Running` (all containers ready) and `Completed` are healthy; else
/// the most telling reason (`CrashLoopBackOff`, `ImagePullBackOff`,
/// `Pending`, `NotReady`, `Failed`, `Terminating`).
pub fn pod_row(pod: &Pod) -> Row {
    let key = meta_key("Pod", &pod.metadata);
    let status = pod.status.clone().unwrap_or_default();
    let phase = status.phase.clone().unwrap_or_else(|| "Pending".to_owned());
    let containers = status.container_statuses.clone().unwrap_or_default();
    let restarts: i32 = containers.iter().map(|c| c.restart_count).sum();
    let waiting = containers
        .iter()
        .chain(status.init_container_statuses.iter().flatten())
        .find_map(|c| c.state.as_ref()?.waiting.as_ref().map(|w| (w.reason.clone().unwrap_or_default(), w.message.clone().unwrap_or_default())));
    let terminated = containers.iter().find_map(|c| {
        let t = c.state.as_ref()?.terminated.as_ref()?;
        (t.exit_code != 0).then(|| (t.reason.clone().unwrap_or_else(|| "Error".to_owned()), t.message.clone().unwrap_or_default()))
    });
    let unscheduled = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        .map(|c| (c.reason.clone().unwrap_or_else(|| "Unschedulable".to_owned()), c.message.clone().unwrap_or_default()));
    let all_ready = !containers.is_empty() && containers.iter().all(|c| c.ready);
    let (state, message): (String, String) = if pod.metadata.deletion_timestamp.is_some() {
        ("Terminating".into(), String::new())
    } else {
        match phase.as_str() {
            "Succeeded" => ("Completed".into(), String::new()),
            "Failed" => ("Failed".into(), status.message.clone().or(status.reason.clone()).unwrap_or_default()),
            "Running" => match (waiting, terminated) {
                (Some((reason, message)), _) if !reason.is_empty() => (reason, message),
                (_, Some((reason, message))) => (reason, message),
                _ if all_ready => ("Running".into(), String::new()),
                _ => ("NotReady".into(), "not every container is ready".into()),
            },
            "Pending" => match (waiting, unscheduled) {
                (Some((reason, message)), _) if !reason.is_empty() => (reason, message),
                (_, Some((reason, message))) => (reason, message),
                _ => ("Pending".into(), status.message.clone().unwrap_or_default()),
            },
            other => (other.to_owned(), status.message.clone().unwrap_or_default()),
        }
    };
    let healthy = matches!(state.as_str(), "Running" | "Completed");
    let mut message = clean(&message);
    if restarts > 0 {
        message = if message.is_empty() { format!("{restarts} restarts") } else { format!("{restarts} restarts; {message}") };
    }
    let mut details = vec![
        ("object".to_owned(), format!("Pod/{}", key.path())),
        ("phase".to_owned(), phase),
        ("node".to_owned(), pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_else(|| "-".to_owned())),
        ("restarts".to_owned(), restarts.to_string()),
    ];
    for c in &containers {
        let state = match &c.state {
            Some(s) if s.running.is_some() => "running".to_owned(),
            Some(s) if s.waiting.is_some() => format!("waiting: {}", s.waiting.as_ref().and_then(|w| w.reason.clone()).unwrap_or_default()),
            Some(s) if s.terminated.is_some() => {
                format!("terminated: {}", s.terminated.as_ref().and_then(|t| t.reason.clone()).unwrap_or_default())
            }
            _ => "unknown".to_owned(),
        };
        details.push((format!("container {}", c.name), format!("{state}, ready {}, restarts {}", c.ready, c.restart_count)));
    }
    let since = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .and_then(|c| c.last_transition_time.as_ref().map(|t| t.0))
        .or_else(|| created(&pod.metadata));
    Row { key, pane: Pane::Workloads, state, healthy, revision: String::new(), since, message, details }
}

/// A Deployment, StatefulSet or DaemonSet: `Ready` when every wanted replica
/// is ready, else `Degraded` (`ScaledDown` at zero replicas is healthy).
fn workload_row(kind: &'static str, meta: &ObjectMeta, wanted: i32, ready: i32, extra: Option<(String, String)>) -> Row {
    let key = meta_key(kind, meta);
    let (state, healthy) = match (wanted, ready) {
        (0, _) => ("ScaledDown", true),
        (w, r) if r >= w => ("Ready", true),
        _ => ("Degraded", false),
    };
    let mut message = format!("{ready}/{wanted} ready");
    if let Some((reason, text)) = &extra
        && !healthy
    {
        message = clean(&format!("{message}; {reason}: {text}"));
    }
    let details = vec![
        ("object".to_owned(), format!("{kind}/{}", key.path())),
        ("replicas".to_owned(), format!("{ready} ready of {wanted}")),
    ];
    Row { key, pane: Pane::Workloads, state: state.to_owned(), healthy, revision: String::new(), since: created(meta), message, details }
}

pub fn deployment_row(d: &Deployment) -> Row {
    let wanted = d.spec.replicas.unwrap_or(1);
    let status = d.status.clone().unwrap_or_default();
    let problem = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.status.as_deref() == Some("False"))
        .map(|c| (c.reason.clone().or_else(|| c.type_.clone()).unwrap_or_default(), c.message.clone().unwrap_or_default()));
    workload_row("Deployment", &d.metadata, wanted, status.ready_replicas.unwrap_or(0), problem)
}

pub fn stateful_set_row(s: &StatefulSet) -> Row {
    let wanted = s.spec.replicas.unwrap_or(1);
    let ready = s.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0);
    workload_row("StatefulSet", &s.metadata, wanted, ready, None)
}

pub fn daemon_set_row(d: &DaemonSet) -> Row {
    let status = d.status.clone().unwrap_or_default();
    workload_row("DaemonSet", &d.metadata, status.desired_number_scheduled, status.number_ready, None)
}

/// A PVC: `Bound` is healthy; `Pending` and `Lost` are listed.
pub fn claim_row(claim: &PersistentVolumeClaim) -> Row {
    let key = meta_key("PersistentVolumeClaim", &claim.metadata);
    let status = claim.status.clone().unwrap_or_default();
    let phase = status.phase.clone().unwrap_or_else(|| "Pending".to_owned());
    let spec = claim.spec.clone().unwrap_or_default();
    let size = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .map(|q| q.0.clone())
        .unwrap_or_default();
    let class = spec.storage_class_name.clone().unwrap_or_else(|| "(default)".to_owned());
    let message = match phase.as_str() {
        "Bound" => format!("{size} {class} → {}", spec.volume_name.clone().unwrap_or_default()),
        _ => format!("{size} {class}, not bound"),
    };
    let details = vec![
        ("object".to_owned(), format!("PersistentVolumeClaim/{}", key.path())),
        ("phase".to_owned(), phase.clone()),
        ("class".to_owned(), class),
        ("size".to_owned(), size),
        ("volume".to_owned(), spec.volume_name.unwrap_or_else(|| "-".to_owned())),
    ];
    Row {
        key,
        pane: Pane::Storage,
        healthy: phase == "Bound",
        state: phase,
        revision: String::new(),
        since: created(&claim.metadata),
        message: clean(&message),
        details,
    }
}

/// A Rook CephCluster: `status.ceph.health` (`HEALTH_OK` is healthy), else its phase.
pub fn ceph_row(value: &Value) -> Option<Row> {
    let name = value.pointer("/metadata/name")?.as_str()?;
    let namespace = value.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default();
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    let health = text("/status/ceph/health");
    let state = health.clone().or_else(|| text("/status/phase")).unwrap_or_else(|| "Unknown".to_owned());
    let checks: Vec<String> = value
        .pointer("/status/ceph/details")
        .and_then(Value::as_object)
        .map(|d| {
            d.iter()
                .map(|(code, check)| format!("{code}: {}", check.get("message").and_then(Value::as_str).unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    let message = if checks.is_empty() { text("/status/message").unwrap_or_default() } else { checks.join("; ") };
    let since = text("/status/ceph/lastChanged")
        .or_else(|| text("/metadata/creationTimestamp"))
        .and_then(|t| t.parse().ok());
    let mut details = vec![
        ("object".to_owned(), format!("CephCluster/{namespace}/{name}")),
        ("health".to_owned(), health.unwrap_or_else(|| "-".to_owned())),
        ("phase".to_owned(), text("/status/phase").unwrap_or_else(|| "-".to_owned())),
    ];
    details.extend(checks.iter().map(|c| ("check".to_owned(), clean(c))));
    Some(Row {
        key: Key::new("CephCluster", namespace, name),
        pane: Pane::Storage,
        healthy: state == "HEALTH_OK",
        state,
        revision: String::new(),
        since,
        message: clean(&message),
        details,
    })
}

/// A Warning event as a log line: `Warning BackOff Pod media/plex: Back-off restarting failed container`.
pub fn warning_entry(event: &Event) -> LogEntry {
    let involved = &event.involved_object;
    let path = match &involved.namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{}", involved.name.clone().unwrap_or_default()),
        _ => involved.name.clone().unwrap_or_default(),
    };
    let count = event.count.filter(|c| *c > 1).map(|c| format!(" (×{c})")).unwrap_or_default();
    let text = format!(
        "Warning {} {} {path}: {}{count}",
        event.reason.clone().unwrap_or_default(),
        involved.kind.clone().unwrap_or_default(),
        event.message.clone().unwrap_or_default(),
    );
    LogEntry { time: event_time(event).unwrap_or_else(Timestamp::now), level: Level::Bad, text: clean(&text) }
}

/// When the event last happened.
pub fn event_time(event: &Event) -> Option<Timestamp> {
    event
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| event.event_time.as_ref().map(|t| t.0))
        .or_else(|| event.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| created(&event.metadata))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flux_states_follow_flux_readiness() {
        let ks = |status: Value, suspend: bool| {
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                   "metadata": {"name": "apps", "namespace": "flux-system", "creationTimestamp": "2026-01-01T00:00:00Z"},
                   "spec": {"suspend": suspend}, "status": status})
        };
        let cond = |t: &str, s: &str, reason: &str, m: &str| json!({"type": t, "status": s, "reason": reason, "message": m, "lastTransitionTime": "2026-01-02T00:00:00Z"});
        let ready = flux_row(&ks(json!({"lastAppliedRevision": "main@sha1:abc", "conditions": [cond("Ready", "True", "Succeeded", "Applied")]}), false)).unwrap();
        assert_eq!((ready.state.as_str(), ready.healthy, ready.revision.as_str()), ("ready", true, "main@sha1:abc"));
        assert_eq!(ready.since, Some("2026-01-02T00:00:00Z".parse().unwrap()));
        let failed = flux_row(&ks(json!({"conditions": [cond("Ready", "False", "BuildFailed", "kustomize build\nfailed")]}), false)).unwrap();
        assert_eq!((failed.state.as_str(), failed.message.as_str()), ("failed", "BuildFailed: kustomize build failed"));
        let busy = flux_row(&ks(json!({"conditions": [cond("Ready", "Unknown", "Progressing", "Reconciliation in progress"), cond("Reconciling", "True", "Progressing", "")]}), false)).unwrap();
        assert_eq!(busy.state, "reconciling");
        let paused = flux_row(&ks(json!({}), true)).unwrap();
        assert_eq!((paused.state.as_str(), paused.healthy), ("suspended", false));
        assert_eq!(flux_row(&ks(json!({}), false)).unwrap().state, "unknown");
    }

    #[test]
    fn pods_say_why_they_are_unhealthy() {
        let pod = |status: Value| -> Pod {
            serde_json::from_value(json!({"metadata": {"name": "web", "namespace": "apps"}, "status": status})).unwrap()
        };
        let running = pod_row(&pod(json!({"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": true, "restartCount": 0, "image": "x", "imageID": "", "state": {"running": {}}}]})));
        assert_eq!((running.state.as_str(), running.healthy), ("Running", true));
        let crashing = pod_row(&pod(json!({"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 7, "image": "x", "imageID": "",
             "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}}]})));
        assert_eq!((crashing.state.as_str(), crashing.message.as_str()), ("CrashLoopBackOff", "7 restarts; back-off 5m0s"));
        let unschedulable = pod_row(&pod(json!({"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available"}]})));
        assert_eq!((unschedulable.state.as_str(), unschedulable.healthy), ("Unschedulable", false));
        assert_eq!(pod_row(&pod(json!({"phase": "Succeeded"}))).state, "Completed");
    }

    #[test]
    fn ceph_health_and_claims() {
        let ceph = ceph_row(&json!({"metadata": {"name": "rook-ceph", "namespace": "rook-ceph"},
            "status": {"phase": "Ready", "ceph": {"health": "HEALTH_WARN", "details": {"OSD_DOWN": {"message": "1 osds down", "severity": "HEALTH_WARN"}}}}}))
        .unwrap();
        assert_eq!((ceph.state.as_str(), ceph.healthy, ceph.message.as_str()), ("HEALTH_WARN", false, "OSD_DOWN: 1 osds down"));
        let claim: PersistentVolumeClaim = serde_json::from_value(json!({"metadata": {"name": "data", "namespace": "db"},
            "spec": {"storageClassName": "ceph-block", "resources": {"requests": {"storage": "10Gi"}}}, "status": {"phase": "Pending"}}))
        .unwrap();
        let row = claim_row(&claim);
        assert_eq!((row.state.as_str(), row.healthy, row.message.as_str()), ("Pending", false, "10Gi ceph-block, not bound"));
    }
}
