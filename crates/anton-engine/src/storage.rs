//! `anton storage`: claims and volumes, how full each volume is, Rook-Ceph
//! health and capacity, VolSync backups. Read-only.

use anton_core::{Report, Severity};
use anton_health::{StorageChecks, StorageConfig, StorageSnapshot, check_volumes, volume_details};
use anton_kube::StoragePlan;

use crate::live::{Checked, KubeOptions, SnapshotOptions, now_for, snapshot_or_fetch};

#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    /// Also check that every StorageClass's provisioner is served.
    pub check_provisioner: bool,
    /// Keep critical findings only.
    pub critical_only: bool,
    /// Leave out volume use (one kubelet request per node).
    pub skip_volume_usage: bool,
    pub config: StorageConfig,
    pub kube: KubeOptions,
    pub snapshot: SnapshotOptions,
}

/// Reads the cluster (or a snapshot) and checks it; `Err` is the report of
/// a run that could not read it (status error).
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn storage(options: &StorageOptions) -> Result<Checked<()>, Report> {
    let plan = StoragePlan { csi_drivers: options.check_provisioner, skip_volume_usage: options.skip_volume_usage };
    let (snapshot, api) = snapshot_or_fetch(
        &options.kube,
        &options.snapshot,
        "an `anton storage`",
        StorageSnapshot::from_json,
        async |cluster| anton_kube::fetch_storage(cluster, plan).await,
    )?;
    let now = now_for(&options.snapshot, snapshot.recorded_at.as_deref()).map_err(Report::tool_error)?;
    let checks = StorageChecks { provisioners: options.check_provisioner };
    let mut findings = check_volumes(&snapshot, now, &options.config, checks);
    if options.critical_only {
        findings.retain(|f| f.severity == Severity::Critical);
    }
    let mut report = Report::new(snapshot.subjects(), findings);
    for (key, value) in volume_details(&snapshot) {
        report = report.with_detail(&key, value);
    }
    report = report.with_detail("api", api);
    Ok(Checked { report, now, snapshot: () })
}
