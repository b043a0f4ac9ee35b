//! `anton network`: can traffic reach the apps? Ingress controllers and their
//! LoadBalancer addresses, Cilium LB-IPAM pools, Ingresses and HTTPRoutes
//! with their backends, certificates, the Cloudflare tunnel and the DNS apps,
//! read from the API; with a probe plan, DNS and HTTPS requests from this
//! machine. Read-only.

use anton_core::{Report, Severity};
use anton_health::{NetworkConfig, NetworkSnapshot, check_network, network_details};
pub use anton_kube::NetworkPlan;
pub use anton_kube::probe::ProbeOptions;

use crate::live::{Checked, KubeOptions, SnapshotOptions, now_for, snapshot_or_fetch};

#[derive(Debug, Clone, Default)]
pub struct NetworkOptions {
    /// Keep critical findings only.
    pub critical_only: bool,
    /// What to do besides reading the API (`probe: Some(…)`: `--probe`).
    pub plan: NetworkPlan,
    pub config: NetworkConfig,
    pub kube: KubeOptions,
    pub snapshot: SnapshotOptions,
}

/// Reads the cluster (or a snapshot), probes when asked, and checks it;
/// `Err` is the report of a run that could not read it (status error).
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn network(options: &NetworkOptions) -> Result<Checked<()>, Report> {
    let (snapshot, api) = snapshot_or_fetch(
        &options.kube,
        &options.snapshot,
        "an `anton network`",
        NetworkSnapshot::from_json,
        async |cluster| anton_kube::fetch_network(cluster, &options.plan).await,
    )?;
    let now = now_for(&options.snapshot, snapshot.recorded_at.as_deref()).map_err(Report::tool_error)?;
    let mut findings = check_network(&snapshot, now, &options.config);
    // Each Ingress's state in the details comes from all its findings.
    let details = network_details(&snapshot, now, &options.config, &findings);
    if options.critical_only {
        findings.retain(|f| f.severity == Severity::Critical);
    }
    let mut report = Report::new(snapshot.subjects(), findings);
    for (key, value) in details {
        report = report.with_detail(&key, value);
    }
    report = report.with_detail("api", api);
    Ok(Checked { report, now, snapshot: () })
}
