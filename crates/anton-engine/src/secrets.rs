//! `anton secrets`: does every secret reach its workload? External Secrets
//! Operator, its stores, 1Password Connect, OnePasswordItems, and pods that
//! use a Secret that does not exist. Read-only; values are never read.

use anton_core::{Report, Severity};
use anton_health::{SecretsSnapshot, check_secrets, secrets_details};

use crate::live::{Checked, KubeOptions, SnapshotOptions, now_for, snapshot_or_fetch};

#[derive(Debug, Clone, Default)]
pub struct SecretsOptions {
    /// Keep critical findings only.
    pub critical_only: bool,
    /// Do not ask 1Password Connect's `/health` (an active probe).
    pub skip_connect_probe: bool,
    pub kube: KubeOptions,
    pub snapshot: SnapshotOptions,
}

/// Reads the cluster (or a snapshot) and checks it; `Err` is the report of
/// a run that could not read it (status error).
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn secrets(options: &SecretsOptions) -> Result<Checked<()>, Report> {
    let (snapshot, api) = snapshot_or_fetch(
        &options.kube,
        &options.snapshot,
        "an `anton secrets`",
        SecretsSnapshot::from_json,
        async |cluster| anton_kube::fetch_secrets_with(cluster, !options.skip_connect_probe).await,
    )?;
    let now = now_for(&options.snapshot, snapshot.recorded_at.as_deref()).map_err(Report::tool_error)?;
    let mut findings = check_secrets(&snapshot, now);
    if options.critical_only {
        findings.retain(|f| f.severity == Severity::Critical);
    }
    let mut report = Report::new(snapshot.subjects(), findings);
    for (key, value) in secrets_details(&snapshot) {
        report = report.with_detail(&key, value);
    }
    report = report.with_detail("api", api);
    Ok(Checked { report, now, snapshot: () })
}
