//! `anton health`: nodes, control plane, workloads, pods, storage, resource
//! use and Flux of a live cluster, read with one list per kind.
//! The plumbing every live command shares is in [`super::live`].

use std::time::Duration;

use anton_core::{ExitStatus, Report};
use anton_engine::health::HealthOptions;
use anton_health::HealthConfig;
use anton_health::util::parse_duration;
use anton_report::{Line, Overview};
use clap::Args;
use serde_json::Value;

use crate::cli::GlobalArgs;
use crate::commands::flux::flux_summary_line;
use crate::commands::live::{KubeArgs, SnapshotArgs, api_notes, emit_live};

const TITLE: &str = "anton health";

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
    let options = HealthOptions {
        namespace: args.namespace.clone(),
        critical_only: args.critical_only,
        config: args.thresholds.config(),
        kube: args.kube.options(),
        snapshot: args.snapshot.options(),
    };
    let report = match anton_engine::health::health(&options) {
        Ok(checked) => checked.report,
        Err(report) => return emit_live(&report, &Overview::default(), global, TITLE, crate::table::terminal_width()),
    };
    let overview = overview(&report);
    emit_live(&report, &overview, global, TITLE, crate::table::terminal_width())
}

/// The text overview of a health report: a line per area, the API notes.
pub fn overview(report: &Report) -> Overview {
    Overview {
        lines: health_lines(report),
        notes: api_notes(report),
        area_order: AREA_ORDER.map(str::to_owned).to_vec(),
        ..Overview::default()
    }
}

const AREA_ORDER: [&str; 9] = ["controlplane", "node", "metrics", "storage", "workload", "job", "cronjob", "pod", "flux"];

/// One line per area: `Nodes      3 total, 3 Ready, 0 cordoned · …`.
fn health_lines(report: &Report) -> Vec<Line> {
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
        lines.push(("Storage", format!("{text} · claims, usage, Ceph, backups: `anton storage`")));
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
    lines.into_iter().map(|(label, text)| Line::new(label, text)).collect()
}

/// `1 Deployment`, `3 Deployments`.
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else if noun.ends_with('s') { format!("{n} {noun}es") } else { format!("{n} {noun}s") }
}
