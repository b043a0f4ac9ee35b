//! Thresholds of the live checks. Every value has a flag on `anton health` /
//! `anton flux status`; the defaults are what a three-node homelab wants.

use std::collections::BTreeSet;
use std::time::Duration;

use anton_core::Severity;

/// The namespaces whose failures take the cluster down with them: CNI and DNS,
/// Flux, ingress, storage, certificates and secrets.
pub const DEFAULT_CRITICAL_NAMESPACES: [&str; 6] =
    ["kube-system", "flux-system", "network", "storage", "cert-manager", "external-secrets"];

#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    /// A problem in one of these namespaces weighs one step more (a warning
    /// elsewhere is critical here).
    pub critical_namespaces: BTreeSet<String>,
    /// `pod/restart-rate` looks at restarts in this window only (default 1h).
    pub restart_window: Duration,
    /// Estimated restarts within `restart_window` from which `pod/restart-rate`
    /// reports (default 3).
    pub restart_threshold: u32,
    /// An OOMKilled last termination older than this is history, not a finding (default 24h).
    pub oom_window: Duration,
    /// A Pending pod the scheduler cannot place is reported after this long (default 5m).
    pub unschedulable_grace: Duration,
    /// Node CPU use (metrics.k8s.io) over allocatable, as a fraction (default 0.80).
    pub cpu_threshold: f64,
    /// Node memory use over allocatable, as a fraction (default 0.85).
    pub memory_threshold: f64,
    /// A Flux object suspended longer than this is a warning, not info (default 7d).
    pub suspended_max_age: Duration,
    /// A Flux object reconciling (Ready=Unknown) for longer than this is stuck (default 30m).
    pub reconcile_grace: Duration,
    /// A Kustomization may lag its source's new artifact for this long (default 10m).
    pub revision_lag_grace: Duration,
    /// Minor versions a kubelet may trail the API server (Kubernetes' skew policy: 3).
    pub max_kubelet_minor_skew: u32,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            critical_namespaces: DEFAULT_CRITICAL_NAMESPACES.iter().map(|s| (*s).to_owned()).collect(),
            restart_window: Duration::from_secs(3_600),
            restart_threshold: 3,
            oom_window: Duration::from_secs(86_400),
            unschedulable_grace: Duration::from_secs(300),
            cpu_threshold: 0.80,
            memory_threshold: 0.85,
            suspended_max_age: Duration::from_secs(7 * 86_400),
            reconcile_grace: Duration::from_secs(1_800),
            revision_lag_grace: Duration::from_secs(600),
            max_kubelet_minor_skew: 3,
        }
    }
}

impl HealthConfig {
    pub fn is_critical_namespace(&self, namespace: &str) -> bool {
        self.critical_namespaces.contains(namespace)
    }

    /// The severity of a problem that is `elsewhere` in an ordinary namespace:
    /// warnings become critical in a critical namespace.
    pub fn weigh(&self, namespace: &str, elsewhere: Severity) -> Severity {
        if elsewhere == Severity::Warning && self.is_critical_namespace(namespace) {
            Severity::Critical
        } else {
            elsewhere
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_namespaces_weigh_more() {
        let config = HealthConfig::default();
        assert_eq!(config.weigh("kube-system", Severity::Warning), Severity::Critical);
        assert_eq!(config.weigh("media", Severity::Warning), Severity::Warning);
        assert_eq!(config.weigh("storage", Severity::Info), Severity::Info);
    }
}

// The storage golden rules (docs/golden-rules/storage-operations.md states the
// same numbers; a test there keeps them in step). Percent of raw capacity.

/// Ceph raw use from which to plan capacity (info).
pub const CEPH_PLAN_PERCENT: f64 = 50.0;
/// Ceph raw use from which to order hardware (warning).
pub const CEPH_ORDER_PERCENT: f64 = 70.0;
/// Ceph raw use from which to expand now (warning).
pub const CEPH_EXPAND_PERCENT: f64 = 80.0;
/// Ceph raw use that is critical: Ceph's own `nearfull` ratio.
pub const CEPH_CRITICAL_PERCENT: f64 = 85.0;
/// A volume this full (bytes or inodes) is a warning.
pub const PVC_WARNING_PERCENT: f64 = 80.0;
/// A volume this full is critical.
pub const PVC_CRITICAL_PERCENT: f64 = 90.0;

/// Thresholds of `anton storage`. Every field has a flag; the defaults are the
/// storage golden rules.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageConfig {
    /// Namespaces where a warning counts as critical (shared with `anton health`).
    pub critical_namespaces: BTreeSet<String>,
    /// Volume use (bytes or inodes), as fractions: warning, critical.
    pub pvc_warning: f64,
    pub pvc_critical: f64,
    /// Ceph raw use, as fractions: plan (info), order (warning), expand (warning), critical.
    pub ceph_plan: f64,
    pub ceph_order: f64,
    pub ceph_expand: f64,
    pub ceph_critical: f64,
    /// How long a PVC may wait for its provisioner, and a pod for its volumes (default 5m).
    pub pending_grace: Duration,
    /// `status.ceph.lastChecked` older than this means the operator stopped reporting (default 10m;
    /// Rook checks every 60 s).
    pub ceph_stale_after: Duration,
    /// A backup this old is critical whatever its schedule, once it is late (default 48h).
    pub backup_max_age: Duration,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            critical_namespaces: DEFAULT_CRITICAL_NAMESPACES.iter().map(|s| (*s).to_owned()).collect(),
            pvc_warning: PVC_WARNING_PERCENT / 100.0,
            pvc_critical: PVC_CRITICAL_PERCENT / 100.0,
            ceph_plan: CEPH_PLAN_PERCENT / 100.0,
            ceph_order: CEPH_ORDER_PERCENT / 100.0,
            ceph_expand: CEPH_EXPAND_PERCENT / 100.0,
            ceph_critical: CEPH_CRITICAL_PERCENT / 100.0,
            pending_grace: Duration::from_secs(300),
            ceph_stale_after: Duration::from_secs(600),
            backup_max_age: Duration::from_secs(48 * 3_600),
        }
    }
}

impl StorageConfig {
    /// A warning in a critical namespace is critical.
    pub fn weigh(&self, namespace: &str, elsewhere: Severity) -> Severity {
        if elsewhere == Severity::Warning && self.critical_namespaces.contains(namespace) {
            Severity::Critical
        } else {
            elsewhere
        }
    }
}
