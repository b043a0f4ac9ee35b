//! anton's live-cluster checks, as pure functions.
//!
//! Every check takes a [`Snapshot`] of the cluster's objects, the time now and
//! a [`HealthConfig`], and returns [`Finding`]s with stable codes (see
//! [`codes::CODES`]). Nothing here does I/O: `anton-kube` fetches the snapshot
//! (one list per kind, in parallel), unit tests read recorded snapshots from
//! JSON, and both run exactly the same checks.

pub mod codes;
mod config;
pub mod flux;
mod metrics;
pub mod network;
mod nodes;
mod pods;
pub mod secrets;
mod snapshot;
pub mod storage;
pub mod util;
mod workloads;

use anton_core::Finding;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value};

pub use config::{
    CEPH_CRITICAL_PERCENT, CEPH_EXPAND_PERCENT, CEPH_ORDER_PERCENT, CEPH_PLAN_PERCENT, DEFAULT_CRITICAL_NAMESPACES, HealthConfig,
    PVC_CRITICAL_PERCENT, PVC_WARNING_PERCENT, StorageConfig,
};
pub use flux::{FluxKind, FluxObject, FluxRow, Readiness, ReconcileState, check_flux, flux_details, flux_rows};
pub use metrics::check_metrics;
pub use network::{NETWORK_AREAS, NetworkConfig, NetworkSnapshot, check_network, network_details, network_report};
pub use nodes::check_nodes;
pub use pods::{check_pods, estimated_recent_restarts};
pub use secrets::{ConnectHealth, SECRETS_AREAS, SecretsSnapshot, check_secrets, secrets_details};
pub use snapshot::{FluxSnapshot, Snapshot};
pub use storage::{
    CephSnapshot, NodeStats, STORAGE_AREAS, StorageChecks, StorageSnapshot, check_storage, check_volumes, volume_details,
};
pub use workloads::check_workloads;

/// The time type of every check: `k8s_openapi`'s, so object timestamps compare directly.
pub use k8s_openapi::jiff::Timestamp as Now;

/// Every check of `anton health`, in area order.
pub fn check_health(snapshot: &Snapshot, now: Timestamp, config: &HealthConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(check_nodes(snapshot, now, config));
    findings.extend(check_metrics(snapshot, now, config));
    findings.extend(check_storage(snapshot, now, config));
    findings.extend(check_workloads(snapshot, now, config));
    findings.extend(check_pods(snapshot, now, config));
    findings.extend(check_flux(snapshot, now, config));
    findings
}

/// Per-area details for the report (`details.nodes`, `details.workloads` …);
/// areas that were not looked at are left out.
pub fn health_details(snapshot: &Snapshot) -> Map<String, Value> {
    let mut details = Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            details.insert(key.to_owned(), value);
        }
    };
    put("nodes", nodes::node_details(snapshot));
    put("metrics", metrics::metrics_details(snapshot));
    put("storage", storage::storage_details(snapshot));
    put("workloads", workloads::workload_details(snapshot));
    put("pods", pods::pod_details(snapshot));
    if let Some(flux) = &snapshot.flux {
        put("flux", flux_details(flux));
    }
    details
}

/// The area a finding code belongs to (`node/not-ready` → `node`), for grouping output.
pub fn area_of(rule: &str) -> &str {
    rule.split('/').next().unwrap_or(rule)
}
