//! `anton health`: nodes, control plane, workloads, pods, storage, resource
//! use and Flux of a live cluster, read with one list per kind.
//!
//! Also the parts every live command shares: the connection flags
//! ([`KubeArgs`]), recorded snapshots, errors as reports, and the text
//! rendering of live findings.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anstyle::{AnsiColor, Effects, Style};
use anton_core::{ExitStatus, Finding, Report, Severity, Status};
use anton_health::util::{human_duration, parse_duration};
use anton_health::{HealthConfig, Now, Snapshot, area_of, check_health, health_details};
use anton_kube::{Cluster, ConnectOptions, FetchStats, LiveError, Plan};
use clap::Args;
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::emit;

const TITLE: &str = "anton health";

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

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Only this namespace's workloads, pods and Flux objects (nodes, storage
    /// classes and node metrics are cluster-wide and then left out).
    #[arg(short = 'n', long, value_name = "NAMESPACE", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Report critical findings only (warnings and info are left out, and do not change the exit code).
    #[arg(long)]
    pub critical_only: bool,
    #[command(flatten)]
    pub thresholds: Thresholds,
    #[command(flatten)]
    pub kube: KubeArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

/// The checks' thresholds (see the finding codes in `anton health --help`).
#[derive(Debug, Clone, Args)]
pub struct Thresholds {
    /// Namespaces where a warning counts as critical (comma-separated; replaces the default list).
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          default_value = "kube-system,flux-system,network,storage,cert-manager,external-secrets")]
    pub critical_namespaces: Vec<String>,
    /// pod/restart-rate counts restarts within this window (from lastState.terminated.finishedAt).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub restart_window: Duration,
    /// pod/restart-rate reports this many estimated restarts within the window, or more.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub restart_threshold: u32,
    /// pod/oom-killed: OOM kills older than this are history.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub oom_window: Duration,
    /// pod/unschedulable: how long a pod may wait for the scheduler.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub unschedulable_grace: Duration,
    /// metrics/cpu-high: node CPU use, percent of allocatable.
    #[arg(long, value_name = "PERCENT", default_value_t = 80.0)]
    pub cpu_threshold: f64,
    /// metrics/memory-high: node memory use, percent of allocatable.
    #[arg(long, value_name = "PERCENT", default_value_t = 85.0)]
    pub memory_threshold: f64,
    /// flux/suspended turns from info into a warning after this long.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_duration)]
    pub suspended_max_age: Duration,
}

impl Thresholds {
    pub fn config(&self) -> HealthConfig {
        HealthConfig {
            critical_namespaces: self.critical_namespaces.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
            restart_window: self.restart_window,
            restart_threshold: self.restart_threshold,
            oom_window: self.oom_window,
            unschedulable_grace: self.unschedulable_grace,
            cpu_threshold: self.cpu_threshold / 100.0,
            memory_threshold: self.memory_threshold / 100.0,
            suspended_max_age: self.suspended_max_age,
            ..HealthConfig::default()
        }
    }
}

pub const AFTER_HELP: &str = "\
Examples:
  anton health                      # the whole cluster
  anton health -n media             # one namespace (nodes left out)
  anton health --critical-only --json | jq .issues
  anton health --context anton --kubeconfig ~/.kube/anton.yaml

Finding codes (stable; `details.findings[].rule` in --json):
  node/not-ready node/pressure node/network-unavailable node/cordoned node/version-skew
  controlplane/quorum  metrics/unavailable metrics/cpu-high metrics/memory-high
  storage/no-default-class storage/multiple-default-classes
  workload/progress-deadline workload/unavailable job/failed cronjob/last-run-failed
  pod/crashloop pod/image-pull pod/config-error pod/oom-killed pod/unschedulable pod/restart-rate
  flux/not-ready flux/stalled flux/suspended flux/stale-generation flux/revision-lag
  flux/controller-unavailable flux/crd-missing

A warning in a critical namespace counts as critical. pod/restart-rate estimates the restarts within
--restart-window from the last termination time and the pod's average rate, so a pod that restarted
often long ago and is quiet now is not reported.

Exit codes: 0 healthy, 1 warnings, 2 critical, 3 anton could not read the cluster (unreachable,
credentials, permission).";

pub fn run(args: &HealthArgs, global: &GlobalArgs) -> ExitStatus {
    let config = args.thresholds.config();
    let plan = Plan { namespace: args.namespace.clone(), cluster: true, flux: true };
    let (snapshot, api) = match read_snapshot(&args.kube, &args.snapshot, &plan) {
        Ok(read) => read,
        Err(report) => return emit(&report, global, TITLE, None),
    };
    let now = match now(&args.snapshot, &snapshot) {
        Ok(now) => now,
        Err(message) => return emit(&Report::tool_error(message), global, TITLE, None),
    };
    let mut findings = check_health(&snapshot, now, &config);
    if args.critical_only {
        findings.retain(|f| f.severity == Severity::Critical);
    }
    let mut report = Report::new(snapshot.subjects(), findings);
    for (key, value) in health_details(&snapshot) {
        report = report.with_detail(&key, value);
    }
    report = report.with_detail("api", api);
    if global.output_format() != OutputFormat::Text {
        return emit(&report, global, TITLE, None);
    }
    let mut out = super::stdout();
    let style = Paint::new(global.use_color());
    let _ = write_health_summary(&mut out, &report, &style);
    let _ = write_findings(&mut out, &report, global, &style);
    let _ = write_api_notes(&mut out, &report, global);
    let _ = writeln!(out, "{}", style.verdict(&report, TITLE));
    report.exit_status()
}

/// `--now`; else, replaying a snapshot, the time it was recorded; else the clock.
pub fn now(args: &SnapshotArgs, snapshot: &Snapshot) -> Result<Now, String> {
    if let Some(text) = &args.now {
        return text.parse::<Now>().map_err(|e| format!("--now {text}: not an RFC 3339 time ({e})"));
    }
    if args.from_snapshot.is_some()
        && let Some(recorded) = snapshot.recorded_at.as_deref().and_then(|t| t.parse::<Now>().ok())
    {
        return Ok(recorded);
    }
    Ok(Now::now())
}

/// The snapshot from a file or from the cluster, and `details.api`. Errors
/// come back as ready-made tool-error reports (exit 3).
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn read_snapshot(kube: &KubeArgs, args: &SnapshotArgs, plan: &Plan) -> Result<(Snapshot, Value), Report> {
    if let Some(path) = &args.from_snapshot {
        let text = anton_repo::read_regular_text(path)
            .map_err(|e| Report::tool_error(format!("cannot read the snapshot {}: {e}", path.display())))?;
        let mut snapshot = Snapshot::from_json(&text)
            .map_err(|e| Report::tool_error(format!("{} is not an anton snapshot: {e}", path.display())))?;
        if let Some(ns) = &plan.namespace {
            snapshot = snapshot_in_namespace(snapshot, ns);
        }
        return Ok((snapshot, json!({ "snapshot": path.display().to_string(), "requests": 0 })));
    }
    let options = kube.connect_options();
    let result = anton_kube::block_on(async {
        let cluster = Cluster::connect(&options).await?;
        let (snapshot, stats, _) = anton_kube::fetch_snapshot(&cluster, plan).await?;
        Ok::<_, LiveError>((cluster, snapshot, stats))
    });
    let (cluster, snapshot, stats) = match result {
        Ok(Ok(read)) => read,
        Ok(Err(error)) | Err(error) => return Err(live_error(&error)),
    };
    if let Some(path) = &args.save_snapshot {
        let text = serde_json::to_string_pretty(&snapshot).unwrap_or_default();
        std::fs::write(path, text)
            .map_err(|e| Report::tool_error(format!("cannot write the snapshot {}: {e}", path.display())))?;
    }
    Ok((snapshot, api_details(&cluster, &stats)))
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

// ---------------------------------------------------------------------------
// Text output shared by the live commands.

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

    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().effects(Effects::DIMMED), text)
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

    /// The last line: `✗ 2 critical findings, 1 warning across 412 objects checked (status: critical)`.
    pub fn verdict(&self, report: &Report, title: &str) -> String {
        let status = report.status.as_str();
        if report.status == Status::Error {
            return self.bad(&format!("✗ {title} did not finish (status: {status})"));
        }
        let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if count(Severity::Critical) > 0 {
            parts.push(plural(count(Severity::Critical), "critical finding", "critical findings"));
        }
        if count(Severity::Warning) > 0 {
            parts.push(plural(count(Severity::Warning), "warning", "warnings"));
        }
        if count(Severity::Info) > 0 {
            parts.push(format!("{} info", count(Severity::Info)));
        }
        let objects = plural(report.summary.total, "object", "objects");
        let text = if parts.is_empty() {
            format!("{objects} checked, no problems (status: {status})")
        } else {
            format!("{} across {objects} checked (status: {status})", parts.join(", "))
        };
        match report.status {
            Status::Healthy => self.good(&format!("✓ {text}")),
            Status::Warning => self.severity(Severity::Warning, &format!("! {text}")),
            _ => self.bad(&format!("✗ {text}")),
        }
    }
}

/// Cluster text (condition messages) must not move the cursor or recolour the terminal.
pub fn safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { '�' } else { c }).collect()
}

const AREA_ORDER: [&str; 9] = ["controlplane", "node", "metrics", "storage", "workload", "job", "cronjob", "pod", "flux"];

/// Findings grouped by area, worst first within each, with their hints.
pub fn write_findings(out: &mut dyn Write, report: &Report, global: &GlobalArgs, paint: &Paint) -> std::io::Result<()> {
    let mut findings: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !(global.quiet && f.severity == Severity::Info))
        .collect();
    findings.sort_by_key(|f| {
        let area = AREA_ORDER.iter().position(|a| *a == area_of(&f.rule)).unwrap_or(AREA_ORDER.len());
        (area, std::cmp::Reverse(f.severity), f.object.clone(), f.rule.clone())
    });
    if findings.is_empty() {
        return Ok(());
    }
    let rule_width = findings.iter().map(|f| f.rule.len()).max().unwrap_or(0);
    writeln!(out)?;
    for finding in findings {
        let severity = format!("{:<8}", finding.severity.as_str());
        writeln!(
            out,
            "{}  {}  {}",
            paint.severity(finding.severity, &severity),
            paint.dim(&format!("{:<rule_width$}", finding.rule)),
            safe(&finding.message)
        )?;
        if !global.quiet
            && let Some(hint) = &finding.hint
        {
            writeln!(out, "{:<8}  {:<rule_width$}  {} {}", "", "", paint.bold("help:"), safe(hint))?;
        }
    }
    writeln!(out)
}

/// Verbose: what was skipped and how many requests it took.
pub fn write_api_notes(out: &mut dyn Write, report: &Report, global: &GlobalArgs) -> std::io::Result<()> {
    if !global.verbose {
        return Ok(());
    }
    let Some(api) = report.details.get("api") else { return Ok(()) };
    for note in api.get("notes").and_then(Value::as_array).into_iter().flatten() {
        writeln!(out, "note: {}", note.as_str().unwrap_or(""))?;
    }
    if let Some(requests) = api.get("requests") {
        let ms = api.get("durationMs").and_then(Value::as_f64).unwrap_or(0.0);
        let server = api.get("server").and_then(Value::as_str).unwrap_or("");
        writeln!(out, "read {server} with {requests} API requests in {ms:.0} ms")?;
    }
    Ok(())
}

fn write_health_summary(out: &mut dyn Write, report: &Report, paint: &Paint) -> std::io::Result<()> {
    let d = &report.details;
    let n = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    let mut lines: Vec<(&str, String)> = Vec::new();
    if let Some(nodes) = d.get("nodes") {
        let cp = &nodes["controlPlane"];
        let mut text = format!(
            "{} total, {} Ready, {} cordoned",
            n(nodes.get("total")),
            n(nodes.get("ready")),
            n(nodes.get("cordoned"))
        );
        if n(cp.get("total")) > 0 {
            text.push_str(&format!(
                " · control plane {}/{} Ready (quorum {})",
                n(cp.get("ready")),
                n(cp.get("total")),
                n(cp.get("quorum"))
            ));
        }
        lines.push(("Nodes", text));
    }
    if let Some(w) = d.get("workloads") {
        let mut text = format!(
            "{} ({} unavailable), {}, {}, {} ({} failed), {}",
            count(n(w.get("deployments")), "Deployment"),
            n(w.get("deploymentsUnavailable")),
            count(n(w.get("statefulSets")), "StatefulSet"),
            count(n(w.get("daemonSets")), "DaemonSet"),
            count(n(w.get("jobs")), "Job"),
            n(w.get("jobsFailed")),
            count(n(w.get("cronJobs")), "CronJob"),
        );
        text = text.replace(" (0 unavailable)", "").replace(" (0 failed)", "");
        lines.push(("Workloads", text));
    }
    if let Some(p) = d.get("pods") {
        let phases: Vec<String> = p["byPhase"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| format!("{} {k}", v.as_u64().unwrap_or(0))).collect())
            .unwrap_or_default();
        let detail = if phases.is_empty() { String::new() } else { format!(" ({})", phases.join(", ")) };
        lines.push(("Pods", format!("{}{detail}", n(p.get("total")))));
    }
    if let Some(f) = d.get("flux") {
        lines.push(("Flux", flux_summary_line(f)));
    }
    if let Some(s) = d.get("storage") {
        let defaults: Vec<&str> = s["default"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let text = match defaults.as_slice() {
            [] => format!("{}, no default", count(s["classes"].as_array().map_or(0, Vec::len) as u64, "StorageClass")),
            [one] => format!("default StorageClass {one}"),
            many => format!("several default StorageClasses: {}", many.join(", ")),
        };
        lines.push(("Storage", text));
    }
    if let Some(m) = d.get("metrics") {
        let text = if m["available"].as_bool() == Some(true) {
            let nodes: Vec<String> = m["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|u| {
                    let pct = |k: &str| u[k].as_f64().map_or("?".to_owned(), |f| format!("{:.0}%", f * 100.0));
                    format!("{} cpu {} mem {}", u["node"].as_str().unwrap_or(""), pct("cpu"), pct("memory"))
                })
                .collect();
            if nodes.is_empty() { "no node metrics".to_owned() } else { nodes.join(" · ") }
        } else {
            "metrics.k8s.io not served".to_owned()
        };
        lines.push(("Usage", text));
    }
    for (label, text) in lines {
        writeln!(out, "{} {}", paint.bold(&format!("{label:<10}")), safe(&text))?;
    }
    Ok(())
}

/// `99 Kustomizations, 40 HelmReleases, 12 sources: 2 not ready, 1 suspended`.
pub fn flux_summary_line(flux: &Value) -> String {
    let counts = flux["counts"].as_object().cloned().unwrap_or_default();
    let get = |kind: &str, key: &str| counts.get(kind).and_then(|c| c[key].as_u64()).unwrap_or(0);
    let sum = |key: &str| counts.values().map(|c| c[key].as_u64().unwrap_or(0)).sum::<u64>();
    let sources: u64 = counts
        .iter()
        .filter(|(k, _)| *k != "Kustomization" && *k != "HelmRelease")
        .map(|(_, c)| c["total"].as_u64().unwrap_or(0))
        .sum();
    let mut text = format!(
        "{}, {}, {}",
        count(get("Kustomization", "total"), "Kustomization"),
        count(get("HelmRelease", "total"), "HelmRelease"),
        count(sources, "source"),
    );
    let (not_ready, suspended) = (sum("notReady"), sum("suspended"));
    if not_ready + suspended > 0 {
        text.push_str(&format!(": {not_ready} not ready, {suspended} suspended"));
    } else {
        text.push_str(": all ready");
    }
    text
}

/// `1 Deployment`, `3 Deployments`.
fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else if noun.ends_with('s') { format!("{n} {noun}es") } else { format!("{n} {noun}s") }
}

/// `3m20s` for progress lines.
pub fn short(duration: Duration) -> String {
    human_duration(duration)
}
