//! `anton health`: nodes, control plane, workloads, pods, storage classes,
//! resource use and Flux of a live cluster, read with one list per kind.

use anton_core::{Report, Severity};
use anton_health::{HealthConfig, check_health, health_details};
use anton_kube::Plan;

use crate::live::{Checked, KubeOptions, SnapshotOptions, now_for, read_snapshot};

#[derive(Debug, Clone, Default)]
pub struct HealthOptions {
    /// Only this namespace's workloads, pods and Flux objects (cluster-wide
    /// kinds are then left out); `None`: every namespace.
    pub namespace: Option<String>,
    /// Keep critical findings only.
    pub critical_only: bool,
    pub config: HealthConfig,
    pub kube: KubeOptions,
    pub snapshot: SnapshotOptions,
}

/// Reads the cluster (or a snapshot) and checks it; `Err` is the report of
/// a run that could not read it (status error).
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn health(options: &HealthOptions) -> Result<Checked<()>, Report> {
    let plan = Plan { namespace: options.namespace.clone(), cluster: true, flux: true };
    let (snapshot, api) = read_snapshot(&options.kube, &options.snapshot, &plan)?;
    let now = now_for(&options.snapshot, snapshot.recorded_at.as_deref()).map_err(Report::tool_error)?;
    let mut findings = check_health(&snapshot, now, &options.config);
    if options.critical_only {
        findings.retain(|f| f.severity == Severity::Critical);
    }
    let mut report = Report::new(snapshot.subjects(), findings);
    for (key, value) in health_details(&snapshot) {
        report = report.with_detail(&key, value);
    }
    report = report.with_detail("api", api);
    Ok(Checked { report, now, snapshot: () })
}
