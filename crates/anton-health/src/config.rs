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
