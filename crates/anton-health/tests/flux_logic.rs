//! Flux's readiness rules on small hand-written objects: what the write
//! commands wait for, where "suspended since" comes from, and what
//! `--with-source` reconciles first.

use anton_health::flux::{ReconcileState, SuspendedSince, reconcile_state, resume_state};
use anton_health::{FluxKind, FluxObject, Readiness};
use serde_json::{Value, json};

fn ks(status: Value, extra_meta: Value) -> FluxObject {
    let mut meta = json!({"name": "apps", "namespace": "flux-system", "generation": 2});
    if let (Some(m), Some(extra)) = (meta.as_object_mut(), extra_meta.as_object()) {
        m.extend(extra.clone());
    }
    FluxObject::parse(&json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": meta,
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"}, "suspend": false},
        "status": status,
    }))
    .expect("a Kustomization")
}

fn ready(status: &str, reason: &str) -> Value {
    json!({"type": "Ready", "status": status, "reason": reason, "message": "m", "lastTransitionTime": "2026-01-01T00:00:00Z"})
}

#[test]
fn reconcile_waits_for_the_request_generation_and_a_settled_ready() {
    let token = "2026-11-26T14:00:00.123456789Z";
    let pending = ks(json!({"observedGeneration": 2, "lastHandledReconcileAt": "earlier", "conditions": [ready("True", "Succeeded")]}), json!({}));
    assert_eq!(reconcile_state(&pending, token), ReconcileState::Pending);
    let old_generation = ks(json!({"observedGeneration": 1, "lastHandledReconcileAt": token, "conditions": [ready("True", "Succeeded")]}), json!({}));
    assert_eq!(reconcile_state(&old_generation, token), ReconcileState::Pending);
    let progressing = ks(json!({"observedGeneration": 2, "lastHandledReconcileAt": token, "conditions": [ready("Unknown", "Progressing")]}), json!({}));
    assert_eq!(reconcile_state(&progressing, token), ReconcileState::Pending);
    let done = ks(json!({"observedGeneration": 2, "lastHandledReconcileAt": token, "conditions": [ready("True", "Succeeded")]}), json!({}));
    assert_eq!(reconcile_state(&done, token), ReconcileState::Done { ready: true, message: "m".into() });
    let failed = ks(json!({"observedGeneration": 2, "lastHandledReconcileAt": token, "conditions": [ready("False", "BuildFailed")]}), json!({}));
    assert_eq!(reconcile_state(&failed, token), ReconcileState::Done { ready: false, message: "m".into() });
}

#[test]
fn resume_accepts_the_new_generation_or_the_handled_request() {
    let observed = ks(json!({"observedGeneration": 3, "conditions": [ready("True", "Succeeded")]}), json!({"generation": 3}));
    assert!(matches!(resume_state(&observed, Some(3), "t"), ReconcileState::Done { ready: true, .. }));
    let stale = ks(json!({"observedGeneration": 2, "conditions": [ready("True", "Succeeded")]}), json!({"generation": 3}));
    assert_eq!(resume_state(&stale, Some(3), "t"), ReconcileState::Pending);
}

#[test]
fn readiness_follows_flux_conditions() {
    let stalled = ks(json!({"conditions": [ready("False", "InstallFailed"),
        {"type": "Stalled", "status": "True", "reason": "RetriesExceeded", "message": "gave up"}]}), json!({}));
    assert_eq!(stalled.readiness(), Readiness::Stalled { reason: "RetriesExceeded".into(), message: "gave up".into() });
    let reconciling = ks(json!({"conditions": [ready("Unknown", "Progressing"),
        {"type": "Reconciling", "status": "True", "reason": "Progressing", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}), json!({}));
    assert!(matches!(reconciling.readiness(), Readiness::Reconciling { since: Some(_), .. }));
    assert_eq!(ks(json!({}), json!({})).readiness(), Readiness::Unknown { message: String::new() });
}

#[test]
fn suspended_since_prefers_the_annotation_then_managed_fields() {
    let parse = |meta: Value| {
        let mut m = json!({"name": "apps", "namespace": "flux-system"});
        m.as_object_mut().unwrap().extend(meta.as_object().unwrap().clone());
        FluxObject::parse(&json!({"kind": "Kustomization", "metadata": m, "spec": {"suspend": true},
            "status": {"conditions": [ready("True", "Succeeded")]}}))
        .unwrap()
    };
    let annotated = parse(json!({"annotations": {"anton.dev/suspended-at": "2026-11-20T10:00:00Z"}}));
    assert_eq!(annotated.suspended_since.map(|(t, s)| (t.to_string(), s)), Some(("2026-11-20T10:00:00Z".into(), SuspendedSince::Annotation)));
    let by_kubectl = parse(json!({"managedFields": [
        {"manager": "kustomize-controller", "operation": "Apply", "time": "2026-11-01T00:00:00Z", "fieldsV1": {"f:spec": {"f:path": {}}}},
        {"manager": "flux", "operation": "Update", "time": "2026-11-21T08:00:00Z", "fieldsV1": {"f:spec": {"f:suspend": {}}}},
        {"manager": "kustomize-controller", "operation": "Update", "subresource": "status", "time": "2026-11-25T00:00:00Z", "fieldsV1": {"f:status": {}}},
    ]}));
    assert_eq!(by_kubectl.suspended_since.map(|(t, s)| (t.to_string(), s)), Some(("2026-11-21T08:00:00Z".into(), SuspendedSince::ManagedFields)));
    let fallback = parse(json!({}));
    assert_eq!(fallback.suspended_since.map(|(_, s)| s), Some(SuspendedSince::ReadyTransition));
}

#[test]
fn with_source_follows_the_flux_cli() {
    let ks = ks(json!({}), json!({}));
    assert_eq!(ks.reconcile_source(), Some((FluxKind::GitRepository, "flux-system".into(), "flux-system".into(), false)));
    let hr = FluxObject::parse(&json!({"kind": "HelmRelease", "metadata": {"name": "plex", "namespace": "media"},
        "spec": {"chart": {"spec": {"chart": "plex", "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"}}}}}))
    .unwrap();
    assert_eq!(hr.reconcile_source(), Some((FluxKind::HelmChart, "flux-system".into(), "media-plex".into(), true)));
    let oci = FluxObject::parse(&json!({"kind": "HelmRelease", "metadata": {"name": "cilium", "namespace": "kube-system"},
        "spec": {"chartRef": {"kind": "OCIRepository", "name": "cilium"}}}))
    .unwrap();
    assert_eq!(oci.reconcile_source(), Some((FluxKind::OCIRepository, "kube-system".into(), "cilium".into(), false)));
    let oci_repo = FluxObject::parse(&json!({"kind": "HelmRepository", "metadata": {"name": "ghcr", "namespace": "flux-system"},
        "spec": {"type": "oci", "url": "oci://ghcr.io/x"}}))
    .unwrap();
    assert!(oci_repo.is_static());
    assert_eq!(oci_repo.readiness(), Readiness::Ready);
}
