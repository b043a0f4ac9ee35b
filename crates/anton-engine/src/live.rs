//! What every live suite shares: how to reach the cluster ([`KubeOptions`]),
//! recorded snapshots ([`SnapshotOptions`]), and client errors as reports.

use std::path::PathBuf;
use std::time::Duration;

use anton_core::Report;
use anton_health::{Now, Snapshot};
use anton_kube::{Cluster, ConnectOptions, FetchStats, LiveError, Plan};
use serde_json::{Value, json};

/// How to reach the cluster. [`Default`]: KUBECONFIG or ~/.kube/config, its
/// current context, 30 s per request.
#[derive(Debug, Clone)]
pub struct KubeOptions {
    /// Kubeconfig file; `None`: KUBECONFIG (a list is merged), then
    /// ~/.kube/config, then the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// Context; `None`: the current context.
    pub context: Option<String>,
    /// Upper bound for one API request.
    pub request_timeout: Duration,
}

impl Default for KubeOptions {
    fn default() -> Self {
        Self { kubeconfig: None, context: None, request_timeout: Duration::from_secs(30) }
    }
}

impl KubeOptions {
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            request_timeout: self.request_timeout,
        }
    }
}

/// Reading a recorded snapshot instead of the cluster, and recording one.
#[derive(Debug, Clone, Default)]
pub struct SnapshotOptions {
    /// Check this snapshot (saved with `save`) instead of the cluster.
    pub from: Option<PathBuf>,
    /// Also save what was read from the cluster as JSON.
    pub save: Option<PathBuf>,
    /// Check as if it were this time (RFC 3339); `None`: the clock, or the
    /// time a snapshot read with `from` was recorded.
    pub now: Option<String>,
}

/// What a live suite checked: its report, the time it checked against, and
/// what it read (for an overview beside the report).
#[derive(Debug)]
pub struct Checked<S> {
    pub report: Report,
    pub now: Now,
    pub snapshot: S,
}

/// The report of a live suite, whether it ran (`Ok`) or could not (`Err`:
/// status error, with the reason).
pub fn report_of<S>(result: Result<Checked<S>, Report>) -> Report {
    match result {
        Ok(checked) => checked.report,
        Err(report) => report,
    }
}

/// The time to check against: `now`; else, replaying a snapshot, the time
/// it was `recorded_at`; else the clock.
pub fn now_for(options: &SnapshotOptions, recorded_at: Option<&str>) -> Result<Now, String> {
    if let Some(text) = &options.now {
        return text.parse::<Now>().map_err(|e| format!("--now {text}: not an RFC 3339 time ({e})"));
    }
    if options.from.is_some()
        && let Some(recorded) = recorded_at.and_then(|t| t.parse::<Now>().ok())
    {
        return Ok(recorded);
    }
    Ok(Now::now())
}

/// The `anton health` snapshot from a file or from the cluster, and
/// `details.api`. Errors come back as tool-error reports.
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn read_snapshot(kube: &KubeOptions, options: &SnapshotOptions, plan: &Plan) -> Result<(Snapshot, Value), Report> {
    let (snapshot, api) = snapshot_or_fetch(kube, options, "an anton", Snapshot::from_json, async |cluster| {
        let (snapshot, stats, _) = anton_kube::fetch_snapshot(cluster, plan).await?;
        Ok((snapshot, stats))
    })?;
    // A saved snapshot may hold every namespace; the cluster was asked for one.
    let snapshot = match (&options.from, &plan.namespace) {
        (Some(_), Some(ns)) => snapshot_in_namespace(snapshot, ns),
        _ => snapshot,
    };
    Ok((snapshot, api))
}

/// What every live suite does before its checks: read the snapshot file
/// with `parse` (`what` names the command in the error: "an `anton
/// storage`"), or connect, `fetch`, and save the result when asked. Returns
/// the snapshot and `details.api`.
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn snapshot_or_fetch<S, E>(
    kube: &KubeOptions,
    options: &SnapshotOptions,
    what: &str,
    parse: impl FnOnce(&str) -> Result<S, E>,
    fetch: impl AsyncFnOnce(&Cluster) -> Result<(S, FetchStats), LiveError>,
) -> Result<(S, Value), Report>
where
    S: serde::Serialize,
    E: std::fmt::Display,
{
    if let Some(path) = &options.from {
        let text = anton_repo::read_regular_text(path)
            .map_err(|e| Report::tool_error(format!("cannot read the snapshot {}: {e}", path.display())))?;
        let snapshot =
            parse(&text).map_err(|e| Report::tool_error(format!("{} is not {what} snapshot: {e}", path.display())))?;
        return Ok((snapshot, json!({ "snapshot": path.display().to_string(), "requests": 0 })));
    }
    let connect = kube.connect_options();
    let result = anton_kube::block_on(async {
        let cluster = Cluster::connect(&connect).await?;
        let (snapshot, stats) = fetch(&cluster).await?;
        Ok::<_, LiveError>((cluster, snapshot, stats))
    });
    let (cluster, snapshot, stats) = match result {
        Ok(Ok(read)) => read,
        Ok(Err(error)) | Err(error) => return Err(live_error(&error)),
    };
    if let Some(path) = &options.save {
        write_snapshot_file(path, &serde_json::to_string_pretty(&snapshot).unwrap_or_default())?;
    }
    Ok((snapshot, api_details(&cluster, &stats)))
}

/// Writes a snapshot file readable by its owner only (0600 on Unix): a
/// snapshot names the cluster's objects and is meant to be handed on deliberately.
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn write_snapshot_file(path: &std::path::Path, text: &str) -> Result<(), Report> {
    let fail = |e: std::io::Error| Report::tool_error(format!("cannot write the snapshot {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    // An existing file keeps its mode on open: narrow it too.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(fail)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(fail)
}

/// A recorded all-namespaces snapshot narrowed the way a live `-n` run reads it.
fn snapshot_in_namespace(mut snapshot: Snapshot, namespace: &str) -> Snapshot {
    fn keep<T: k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>>(
        items: &mut Vec<T>,
        namespace: &str,
    ) {
        items.retain(|item| item.metadata().namespace.as_deref() == Some(namespace));
    }
    keep(&mut snapshot.pods, namespace);
    keep(&mut snapshot.deployments, namespace);
    keep(&mut snapshot.stateful_sets, namespace);
    keep(&mut snapshot.daemon_sets, namespace);
    keep(&mut snapshot.jobs, namespace);
    keep(&mut snapshot.cron_jobs, namespace);
    snapshot.nodes = None;
    snapshot.storage_classes = None;
    snapshot.node_metrics = None;
    snapshot.server_version = None;
    if let Some(flux) = &mut snapshot.flux {
        flux.objects.retain(|o| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(namespace));
        if namespace != "flux-system" {
            flux.controllers.clear();
            flux.controllers_listed = false;
        }
    }
    snapshot.namespace = Some(namespace.to_owned());
    snapshot
}

/// `details.api`: where anton read from and how many requests it took.
pub fn api_details(cluster: &Cluster, stats: &FetchStats) -> Value {
    let counts: serde_json::Map<String, Value> = stats.counts.iter().map(|(k, n)| (k.clone(), json!(n))).collect();
    json!({
        "server": cluster.server(),
        "context": cluster.context(),
        "requests": stats.requests,
        "durationMs": (stats.elapsed.as_secs_f64() * 1000.0).round(),
        "objects": counts,
        "notes": stats.notes,
    })
}

/// A client-layer error as the report of a suite that could not run (status error).
pub fn live_error(error: &LiveError) -> Report {
    Report::tool_error(error.to_string())
}
