//! The only writes anton makes to a cluster, done exactly as the Flux CLI does
//! them: JSON merge patches of `metadata.annotations`
//! (`reconcile.fluxcd.io/requestedAt` …) and of `spec.suspend`.

use std::time::{Duration, Instant};

use anton_health::flux::{RECONCILE_REQUEST_ANNOTATION, ReconcileState, SUSPENDED_AT_ANNOTATION};
use anton_health::{FluxKind, FluxObject};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

use crate::client::Cluster;
use crate::discovery::Served;
use crate::error::{LiveError, Op};

/// One Flux object by kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: FluxKind,
    pub namespace: String,
    pub name: String,
}

impl Target {
    pub fn new(kind: FluxKind, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self { kind, namespace: namespace.into(), name: name.into() }
    }

    /// `Kustomization flux-system/apps`.
    pub fn describe(&self) -> String {
        format!("{} {}/{}", self.kind.kind(), self.namespace, self.name)
    }
}

fn api(cluster: &Cluster, resource: &ApiResource, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(cluster.client.clone(), namespace, resource)
}

/// Reads one Flux object.
pub async fn get(cluster: &Cluster, served: &Served, target: &Target) -> Result<(Value, FluxObject), LiveError> {
    let resource = served.flux_kind(target.kind)?;
    let op = Op::new("get", target.kind.resource(), Some(&target.namespace)).named(&target.name);
    let object = match cluster.call(&op, api(cluster, resource, &target.namespace).get(&target.name)).await {
        Err(LiveError::NotFound { what, .. }) => {
            return Err(LiveError::NotFound {
                what,
                advice: format!(
                    "; list them with `anton flux status -n {}` (namespaces other than flux-system need -n)",
                    target.namespace
                ),
            });
        }
        other => other?,
    };
    to_flux(object, resource)
}

fn to_flux(object: DynamicObject, resource: &ApiResource) -> Result<(Value, FluxObject), LiveError> {
    let mut value = serde_json::to_value(object).map_err(|e| LiveError::Other(format!("re-encoding an object: {e}")))?;
    if let Some(map) = value.as_object_mut() {
        map.entry("apiVersion").or_insert_with(|| Value::String(resource.api_version.clone()));
        map.entry("kind").or_insert_with(|| Value::String(resource.kind.clone()));
    }
    let parsed = FluxObject::parse(&value)
        .ok_or_else(|| LiveError::Other(format!("the API server returned a {} anton cannot read", resource.kind)))?;
    Ok((value, parsed))
}

async fn merge_patch(
    cluster: &Cluster,
    served: &Served,
    target: &Target,
    patch: Value,
) -> Result<(Value, FluxObject), LiveError> {
    let resource = served.flux_kind(target.kind)?;
    let op = Op::new("patch", target.kind.resource(), Some(&target.namespace)).named(&target.name);
    let params = PatchParams::default();
    let object = cluster
        .call(&op, api(cluster, resource, &target.namespace).patch(&target.name, &params, &Patch::Merge(&patch)))
        .await?;
    to_flux(object, resource)
}

/// Sets annotations (e.g. `reconcile.fluxcd.io/requestedAt`) with a merge
/// patch; other annotations are left alone.
pub async fn annotate(
    cluster: &Cluster,
    served: &Served,
    target: &Target,
    annotations: &[(&str, String)],
) -> Result<FluxObject, LiveError> {
    let map: serde_json::Map<String, Value> =
        annotations.iter().map(|(k, v)| ((*k).to_owned(), Value::String(v.clone()))).collect();
    let patch = json!({ "metadata": { "annotations": map } });
    merge_patch(cluster, served, target, patch).await.map(|(_, object)| object)
}

/// `spec.suspend: true` plus the `anton.dev/suspended-at` annotation (so
/// `anton flux status` can say for how long).
pub async fn suspend(cluster: &Cluster, served: &Served, target: &Target, at: &str) -> Result<FluxObject, LiveError> {
    let patch = json!({
        "metadata": { "annotations": { SUSPENDED_AT_ANNOTATION: at } },
        "spec": { "suspend": true },
    });
    merge_patch(cluster, served, target, patch).await.map(|(_, object)| object)
}

/// `spec.suspend: false`, drops `anton.dev/suspended-at`, and requests a
/// reconciliation at `requested_at` in the same patch.
pub async fn resume(
    cluster: &Cluster,
    served: &Served,
    target: &Target,
    requested_at: &str,
) -> Result<FluxObject, LiveError> {
    let patch = json!({
        "metadata": { "annotations": { SUSPENDED_AT_ANNOTATION: Value::Null, RECONCILE_REQUEST_ANNOTATION: requested_at } },
        "spec": { "suspend": false },
    });
    merge_patch(cluster, served, target, patch).await.map(|(_, object)| object)
}

/// The Flux CLI's timestamp format for `requestedAt` (RFC 3339 with nanoseconds).
pub fn request_token() -> String {
    let now = k8s_openapi::jiff::Timestamp::now();
    // jiff prints RFC 3339 with as many fractional digits as needed, like Go's RFC3339Nano.
    now.to_string()
}

/// How waiting ended.
#[derive(Debug, Clone)]
pub enum WaitOutcome {
    Done { ready: bool, message: String, object: FluxObject },
    TimedOut { last: FluxObject },
}

/// Polls the object until `state` says it is done, or `timeout` passes.
/// `tick` is called before every poll with the time waited so far.
pub async fn wait(
    cluster: &Cluster,
    served: &Served,
    target: &Target,
    timeout: Duration,
    poll: Duration,
    state: impl Fn(&FluxObject) -> ReconcileState,
    tick: &mut dyn FnMut(Duration),
) -> Result<WaitOutcome, LiveError> {
    let started = Instant::now();
    loop {
        tick(started.elapsed());
        let (_, object) = get(cluster, served, target).await?;
        if let ReconcileState::Done { ready, message } = state(&object) {
            return Ok(WaitOutcome::Done { ready, message, object });
        }
        if started.elapsed() >= timeout {
            return Ok(WaitOutcome::TimedOut { last: object });
        }
        let remaining = timeout.saturating_sub(started.elapsed());
        tokio::time::sleep(poll.min(remaining).max(Duration::from_millis(50))).await;
    }
}
