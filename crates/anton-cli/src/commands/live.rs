//! What every live command shares: how to reach the cluster ([`KubeArgs`]),
//! recorded snapshots ([`SnapshotArgs`]), client errors as reports, and the
//! text rendering of live reports through `anton-report`. A live command adds
//! checks and an [`Overview`]; the plumbing is here.

use std::path::PathBuf;
use std::time::Duration;

use anstyle::{AnsiColor, Effects, Style};
use anton_core::{ExitStatus, Report, Severity};
use anton_health::util::human_duration;
use anton_health::{Now, Snapshot};
use anton_kube::{Cluster, ConnectOptions, FetchStats, LiveError, Plan};
use anton_report::Overview;
use clap::Args;
use serde_json::{Value, json};

use crate::cli::GlobalArgs;

/// How to reach the cluster; the same on every live command.
#[derive(Debug, Clone, Args)]
pub struct KubeArgs {
    /// Kubeconfig file. Default: KUBECONFIG (a list of files is merged), then
    /// ~/.kube/config, then the in-cluster service account.
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use. Default: the current context.
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,
    /// Upper bound for one API request.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = anton_kube::parse_request_timeout, global = true)]
    pub request_timeout: Duration,
}

impl KubeArgs {
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            request_timeout: self.request_timeout,
        }
    }
}

/// Reading a recorded snapshot instead of a cluster, and recording one.
#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Check a snapshot saved with --save-snapshot instead of a live cluster.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["kubeconfig", "context", "save_snapshot"])]
    pub from_snapshot: Option<PathBuf>,
    /// Also save what was read from the cluster as JSON (for a bug report, or to check it again offline).
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    /// Check as if it were this time (RFC 3339). Default: the clock, or with
    /// --from-snapshot the time the snapshot was recorded.
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

/// `--now`; else, replaying a snapshot, the time it was recorded; else the clock.
pub fn now(args: &SnapshotArgs, snapshot: &Snapshot) -> Result<Now, String> {
    now_for(args, snapshot.recorded_at.as_deref())
}

/// [`now`] for any snapshot that says when it was `recorded_at`.
pub fn now_for(args: &SnapshotArgs, recorded_at: Option<&str>) -> Result<Now, String> {
    if let Some(text) = &args.now {
        return text.parse::<Now>().map_err(|e| format!("--now {text}: not an RFC 3339 time ({e})"));
    }
    if args.from_snapshot.is_some()
        && let Some(recorded) = recorded_at.and_then(|t| t.parse::<Now>().ok())
    {
        return Ok(recorded);
    }
    Ok(Now::now())
}

/// The snapshot from a file or from the cluster, and `details.api`. Errors
/// come back as ready-made tool-error reports (exit 3).
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn read_snapshot(kube: &KubeArgs, args: &SnapshotArgs, plan: &Plan) -> Result<(Snapshot, Value), Report> {
    let (snapshot, api) = snapshot_or_fetch(kube, args, "an anton", Snapshot::from_json, async |cluster| {
        let (snapshot, stats, _) = anton_kube::fetch_snapshot(cluster, plan).await?;
        Ok((snapshot, stats))
    })?;
    // A saved snapshot may hold every namespace; the cluster was asked for one.
    let snapshot = match (&args.from_snapshot, &plan.namespace) {
        (Some(_), Some(ns)) => snapshot_in_namespace(snapshot, ns),
        _ => snapshot,
    };
    Ok((snapshot, api))
}

/// What every live command does before its checks: read the `--from-snapshot`
/// file with `parse` (`what` names the command in the error: "an `anton
/// storage`"), or connect, `fetch`, and save the result when
/// `--save-snapshot` asks. Returns the snapshot and `details.api`.
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn snapshot_or_fetch<S, E>(
    kube: &KubeArgs,
    args: &SnapshotArgs,
    what: &str,
    parse: impl FnOnce(&str) -> Result<S, E>,
    fetch: impl AsyncFnOnce(&Cluster) -> Result<(S, FetchStats), LiveError>,
) -> Result<(S, Value), Report>
where
    S: serde::Serialize,
    E: std::fmt::Display,
{
    if let Some(path) = &args.from_snapshot {
        let text = anton_repo::read_regular_text(path)
            .map_err(|e| Report::tool_error(format!("cannot read the snapshot {}: {e}", path.display())))?;
        let snapshot =
            parse(&text).map_err(|e| Report::tool_error(format!("{} is not {what} snapshot: {e}", path.display())))?;
        return Ok((snapshot, json!({ "snapshot": path.display().to_string(), "requests": 0 })));
    }
    let options = kube.connect_options();
    let result = anton_kube::block_on(async {
        let cluster = Cluster::connect(&options).await?;
        let (snapshot, stats) = fetch(&cluster).await?;
        Ok::<_, LiveError>((cluster, snapshot, stats))
    });
    let (cluster, snapshot, stats) = match result {
        Ok(Ok(read)) => read,
        Ok(Err(error)) | Err(error) => return Err(live_error(&error)),
    };
    if let Some(path) = &args.save_snapshot {
        write_snapshot_file(path, &serde_json::to_string_pretty(&snapshot).unwrap_or_default())?;
    }
    Ok((snapshot, api_details(&cluster, &stats)))
}

/// Writes a `--save-snapshot` file readable by its owner only (0600 on
/// Unix): a snapshot names the cluster's objects and is meant to be handed
/// on deliberately.
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

/// A client-layer error as the report of a command that could not do its job (exit 3).
pub fn live_error(error: &LiveError) -> Report {
    Report::tool_error(error.to_string())
}

/// Renders a live report in the chosen format (text: `overview`, the
/// findings by area, the verdict; tables fitted to `width`, `None`: full
/// cells) and returns its exit status.
pub fn emit_live(report: &Report, overview: &Overview, global: &GlobalArgs, title: &str, width: Option<usize>) -> ExitStatus {
    let (format, options) = super::render_setup(global, title, width);
    let mut out = super::stdout();
    // A closed pipe (`anton storage | head`) is not an error worth reporting.
    let _ = anton_report::render_live(report, overview, format, &options, &mut out);
    let _ = std::io::Write::flush(&mut out);
    report.exit_status()
}

/// `details.api.notes` of a report, for the verbose text output.
pub fn api_notes(report: &Report) -> Vec<String> {
    let Some(api) = report.details.get("api") else { return Vec::new() };
    let mut notes: Vec<String> =
        api.get("notes").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
    if let Some(requests) = api.get("requests") {
        let ms = api.get("durationMs").and_then(Value::as_f64).unwrap_or(0.0);
        let server = api.get("server").and_then(Value::as_str).unwrap_or("");
        notes.push(format!("read {server} with {requests} API requests in {ms:.0} ms"));
    }
    notes
}

/// `3m20s` for progress lines.
pub fn short(duration: Duration) -> String {
    human_duration(duration)
}

pub struct Paint {
    color: bool,
}

impl Paint {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.color { format!("{style}{text}{style:#}") } else { text.to_owned() }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().effects(Effects::BOLD), text)
    }

    pub fn severity(&self, severity: Severity, text: &str) -> String {
        let color = match severity {
            Severity::Critical => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        self.paint(color.on_default().effects(Effects::BOLD), text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default().effects(Effects::BOLD), text)
    }

    pub fn bad(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default().effects(Effects::BOLD), text)
    }
}

/// Cluster text (condition messages) must not move the cursor or recolour the terminal.
pub fn safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { '�' } else { c }).collect()
}

