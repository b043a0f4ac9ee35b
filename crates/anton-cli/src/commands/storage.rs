//! `anton storage`: is the data safe and is there room? Claims and volumes,
//! how full each volume is (the kubelets' statistics through the API
//! server), Rook-Ceph health and capacity against the storage golden rules,
//! and VolSync backups against their schedules. Read-only.

use std::time::Duration;

use anton_core::{ExitStatus, Report};
use anton_engine::storage::StorageOptions;
use anton_health::storage::usage::bytes;
use anton_health::util::{age, human_duration, parse_duration, parse_timestamp};
use anton_health::{
    CEPH_CRITICAL_PERCENT, CEPH_EXPAND_PERCENT, CEPH_ORDER_PERCENT, CEPH_PLAN_PERCENT, DEFAULT_CRITICAL_NAMESPACES, Now,
    PVC_CRITICAL_PERCENT, PVC_WARNING_PERCENT, STORAGE_AREAS, StorageConfig,
};
use anton_report::{Line, Overview, Span, Table, Tone};
use clap::Args;
use serde_json::Value;

use crate::cli::GlobalArgs;
use crate::commands::live::{KubeArgs, SnapshotArgs, api_notes, emit_live};

const TITLE: &str = "anton storage";

/// Claims shown in the text table without `--detailed`.
const FULLEST_SHOWN: usize = 10;

#[derive(Debug, Args)]
pub struct StorageArgs {
    /// A table of every PersistentVolumeClaim: namespace, name, class, size,
    /// used, %, backed up (last sync), fullest first.
    #[arg(long)]
    pub detailed: bool,
    /// Also check that every StorageClass's provisioner is served (a
    /// registered CSIDriver, or local-path-provisioner running).
    #[arg(long)]
    pub check_provisioner: bool,
    /// Report critical findings only (warnings and info are left out, and do not change the exit code).
    #[arg(long)]
    pub critical_only: bool,
    #[command(flatten)]
    pub thresholds: StorageThresholds,
    #[command(flatten)]
    pub kube: KubeArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

/// The storage golden rules and the other thresholds; the defaults are anton-health's.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct StorageThresholds {
    /// pvc/usage-high, pvc/inodes-high: a volume this full (percent) is a warning.
    #[arg(long, value_name = "PERCENT", default_value_t = PVC_WARNING_PERCENT)]
    pub pvc_warning: f64,
    /// A volume this full (percent) is critical.
    #[arg(long, value_name = "PERCENT", default_value_t = PVC_CRITICAL_PERCENT)]
    pub pvc_critical: f64,
    /// ceph/capacity: raw use (percent) from which to plan capacity (info).
    #[arg(long, value_name = "PERCENT", default_value_t = CEPH_PLAN_PERCENT)]
    pub ceph_plan: f64,
    /// Raw use from which to order hardware (warning).
    #[arg(long, value_name = "PERCENT", default_value_t = CEPH_ORDER_PERCENT)]
    pub ceph_order: f64,
    /// Raw use from which to expand now (warning).
    #[arg(long, value_name = "PERCENT", default_value_t = CEPH_EXPAND_PERCENT)]
    pub ceph_expand: f64,
    /// Raw use that is critical (Ceph's nearfull ratio).
    #[arg(long, value_name = "PERCENT", default_value_t = CEPH_CRITICAL_PERCENT)]
    pub ceph_critical: f64,
    /// pvc/pending, volume/mount-stuck: how long a claim may wait for its
    /// provisioner and a pod for its volumes.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub pending_grace: Duration,
    /// backup/overdue: a late backup older than this is critical whatever its schedule.
    #[arg(long, value_name = "DURATION", default_value = "48h", value_parser = parse_duration)]
    pub backup_max_age: Duration,
    /// Namespaces where a warning counts as critical (comma-separated; replaces the default list).
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          default_value = "kube-system,flux-system,network,storage,cert-manager,external-secrets")]
    pub critical_namespaces: Vec<String>,
}

impl StorageThresholds {
    /// The configuration, or what is wrong with the numbers given.
    pub fn config(&self) -> Result<StorageConfig, String> {
        let percents = [
            ("--pvc-warning", self.pvc_warning),
            ("--pvc-critical", self.pvc_critical),
            ("--ceph-plan", self.ceph_plan),
            ("--ceph-order", self.ceph_order),
            ("--ceph-expand", self.ceph_expand),
            ("--ceph-critical", self.ceph_critical),
        ];
        for (flag, value) in percents {
            if !(0.0..=100.0).contains(&value) {
                return Err(format!("{flag} {value}: a percentage must be between 0 and 100"));
            }
        }
        if self.pvc_warning > self.pvc_critical {
            return Err(format!(
                "--pvc-warning {} is above --pvc-critical {}: the warning must come first",
                self.pvc_warning, self.pvc_critical
            ));
        }
        if !(self.ceph_plan <= self.ceph_order && self.ceph_order <= self.ceph_expand && self.ceph_expand <= self.ceph_critical) {
            return Err(format!(
                "the Ceph thresholds must rise: --ceph-plan {} ≤ --ceph-order {} ≤ --ceph-expand {} ≤ --ceph-critical {}",
                self.ceph_plan, self.ceph_order, self.ceph_expand, self.ceph_critical
            ));
        }
        let mut critical_namespaces: std::collections::BTreeSet<String> =
            self.critical_namespaces.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        if critical_namespaces.is_empty() && self.critical_namespaces.is_empty() {
            critical_namespaces = DEFAULT_CRITICAL_NAMESPACES.iter().map(|s| (*s).to_owned()).collect();
        }
        Ok(StorageConfig {
            critical_namespaces,
            pvc_warning: self.pvc_warning / 100.0,
            pvc_critical: self.pvc_critical / 100.0,
            ceph_plan: self.ceph_plan / 100.0,
            ceph_order: self.ceph_order / 100.0,
            ceph_expand: self.ceph_expand / 100.0,
            ceph_critical: self.ceph_critical / 100.0,
            pending_grace: self.pending_grace,
            backup_max_age: self.backup_max_age,
            ..StorageConfig::default()
        })
    }
}

pub const AFTER_HELP: &str = "\
Examples:
  anton storage                         # claims, volume use, Ceph, backups
  anton storage --detailed              # every claim: size, used, %, last backup
  anton storage --check-provisioner     # also: is every StorageClass's provisioner running?
  anton storage --json | jq '.details.pvcs[:5]'

Golden rules (docs/golden-rules/storage-operations.md): Ceph raw capacity 50 % plan (info),
70 % order hardware (warning), 80 % expand now (warning), 85 % critical (Ceph's nearfull);
a volume 80 % full is a warning, 90 % critical.

Finding codes (stable; `details.findings[].rule` in --json):
  pvc/pending pvc/lost pv/released pv/failed volume/attach-error volume/mount-stuck
  pvc/usage-high pvc/inodes-high usage/unavailable
  ceph/health ceph/status-stale ceph/capacity ceph/mixed-versions ceph/pool-not-ready
  ceph/bucket-unbound ceph/daemon-unavailable
  backup/overdue backup/failing backup/paused backup/invalid-schedule backup/unprotected
  storage/no-default-class storage/multiple-default-classes
  provisioner/missing-driver provisioner/unavailable (with --check-provisioner)

Volume use comes from each node's kubelet (`/api/v1/nodes/NODE/proxy/stats/summary`, one request
per Ready node); without the `nodes/proxy` permission it is left out with one info finding.
A backup is overdue beyond 2 intervals of its cron schedule (warning), beyond 3 or once late
for more than --backup-max-age (critical).

Exit codes: 0 healthy, 1 warnings, 2 critical, 3 anton could not read the cluster (unreachable,
credentials, permission).";

pub fn run(args: &StorageArgs, global: &GlobalArgs) -> ExitStatus {
    let fail = |report: &Report| emit_live(report, &Overview::default(), global, TITLE, crate::table::terminal_width());
    let config = match args.thresholds.config() {
        Ok(config) => config,
        Err(message) => return fail(&Report::tool_error(message)),
    };
    let options = StorageOptions {
        check_provisioner: args.check_provisioner,
        critical_only: args.critical_only,
        skip_volume_usage: false,
        config,
        kube: args.kube.options(),
        snapshot: args.snapshot.options(),
    };
    let checked = match anton_engine::storage::storage(&options) {
        Ok(checked) => checked,
        Err(report) => return fail(&report),
    };
    let overview = overview(&checked.report, args.detailed, checked.now);
    emit_live(&checked.report, &overview, global, TITLE, crate::table::terminal_width())
}

/// Lines per area (claims, classes, usage, Ceph, backups), the Ceph pools,
/// and the fullest claims (all of them with `--detailed`).
pub fn overview(report: &Report, detailed: bool, now: Now) -> Overview {
    let d = &report.details;
    let mut lines = Vec::new();
    let counts = d.get("counts").unwrap_or(&Value::Null);
    let phases = |key: &str| -> String {
        let parts: Vec<String> = counts[key]
            .as_object()
            .map(|m| m.iter().map(|(phase, n)| format!("{} {phase}", n.as_u64().unwrap_or(0))).collect())
            .unwrap_or_default();
        if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) }
    };
    lines.push(Line::new(
        "Claims",
        format!(
            "{}{} · {}{} · {}",
            counted(&counts["pvcs"], "PVC"),
            phases("pvcsByPhase"),
            counted(&counts["pvs"], "PV"),
            phases("pvsByPhase"),
            counted(&counts["volumeAttachments"], "VolumeAttachment")
        ),
    ));
    let class_details = d.get("classes").unwrap_or(&Value::Null);
    let classes = class_details["items"].as_array().map_or(0, Vec::len);
    let defaults: Vec<&str> = class_details["default"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let class_text = match defaults.as_slice() {
        [] => Span::toned(format!("{classes} StorageClasses, no default"), Tone::Warning),
        [one] => Span::plain(format!("{classes} StorageClasses, default {one}")),
        many => Span::toned(format!("{classes} StorageClasses, several defaults: {}", many.join(", ")), Tone::Warning),
    };
    lines.push(Line { label: "Classes".into(), spans: vec![class_text] });
    let usage = d.get("usage").unwrap_or(&Value::Null);
    let usage_text = if usage["read"].as_bool() == Some(true) {
        let nodes = usage["nodes"].as_array().map_or(0, Vec::len);
        let read = usage["nodes"].as_array().into_iter().flatten().filter(|n| n["read"].as_bool() == Some(true)).count();
        let tone = if read < nodes { Tone::Warning } else { Tone::Plain };
        Span::toned(format!("read from the kubelets of {read} of {nodes} nodes"), tone)
    } else {
        Span::toned(format!("not read: {}", usage["reason"].as_str().unwrap_or("unknown")), Tone::Dim)
    };
    lines.push(Line { label: "Usage".into(), spans: vec![usage_text] });
    match d.get("ceph") {
        Some(ceph) => {
            let clusters = ceph["clusters"].as_array().cloned().unwrap_or_default();
            if clusters.is_empty() {
                lines.push(Line::new("Ceph", "Rook installed, no CephCluster"));
            }
            for cluster in clusters {
                lines.push(Line { label: "Ceph".into(), spans: ceph_line(&cluster) });
            }
        }
        None => lines.push(Line { label: "Ceph".into(), spans: vec![Span::toned("Rook not installed", Tone::Dim)] }),
    }
    match d.get("volsync") {
        Some(volsync) => {
            let sources = volsync["sources"].as_array().map_or(0, Vec::len);
            let unprotected = volsync["unprotected"].as_array().map_or(0, Vec::len);
            let mut spans = vec![Span::plain(format!("{sources} ReplicationSources"))];
            if unprotected > 0 {
                spans.push(Span::plain(" · "));
                spans.push(Span::toned(format!("{unprotected} PVCs of persistent classes without one"), Tone::Info));
            }
            lines.push(Line { label: "Backups".into(), spans });
        }
        None => lines.push(Line { label: "Backups".into(), spans: vec![Span::toned("VolSync not installed", Tone::Dim)] }),
    }

    let mut tables = Vec::new();
    if let Some(pools) = d.get("ceph").and_then(|c| c["pools"].as_array()).filter(|p| !p.is_empty()) {
        let rows = pools
            .iter()
            .map(|p| {
                let phase = p["phase"].as_str().unwrap_or("-");
                let tone = match phase {
                    "Ready" | "Connected" => Tone::Good,
                    "Failure" => Tone::Bad,
                    _ => Tone::Warning,
                };
                vec![
                    Span::plain(p["kind"].as_str().unwrap_or("")),
                    Span::plain(p["namespace"].as_str().unwrap_or("")),
                    Span::plain(p["name"].as_str().unwrap_or("")),
                    Span::toned(phase, tone),
                ]
            })
            .collect();
        tables.push(Table {
            header: ["KIND", "NAMESPACE", "NAME", "PHASE"].map(String::from).to_vec(),
            rows,
            ..Table::default()
        });
    }
    tables.push(claims_table(d, detailed, now));
    Overview {
        lines,
        tables,
        notes: api_notes(report),
        area_order: STORAGE_AREAS.map(str::to_owned).to_vec(),
    }
}

/// `storage/storage HEALTH_WARN (OSD_DOWN) · 72 % used, 7.2 TiB of 10 TiB · 3 versions`.
fn ceph_line(cluster: &Value) -> Vec<Span> {
    let health = cluster["health"].as_str().unwrap_or("no health reported");
    let tone = match health {
        "HEALTH_OK" => Tone::Good,
        "HEALTH_WARN" => Tone::Warning,
        _ => Tone::Bad,
    };
    let mut spans = vec![
        Span::plain(format!("{}/{} ", cluster["namespace"].as_str().unwrap_or(""), cluster["name"].as_str().unwrap_or(""))),
        Span::toned(health, tone),
    ];
    let checks: Vec<&str> = cluster["checks"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if !checks.is_empty() {
        spans.push(Span::plain(format!(" ({})", checks.join(", "))));
    }
    if let (Some(used), Some(total), Some(percent)) =
        (cluster["bytesUsed"].as_u64(), cluster["bytesTotal"].as_u64(), cluster["usedPercent"].as_f64())
    {
        spans.push(Span::plain(format!(" · {percent:.0} % used, {} of {}", bytes(used), bytes(total))));
    }
    spans
}

/// The fullest claims (all with `--detailed`, with their last backup).
fn claims_table(details: &serde_json::Map<String, Value>, detailed: bool, now: Now) -> Table {
    let all = details.get("pvcs").and_then(Value::as_array).cloned().unwrap_or_default();
    let shown: Vec<&Value> = if detailed {
        all.iter().collect()
    } else {
        all.iter().filter(|p| p["usedPercent"].is_number()).take(FULLEST_SHOWN).collect()
    };
    let mut header = vec!["NAMESPACE", "NAME", "CLASS", "SIZE", "USED", "%"];
    if detailed {
        header.push("BACKED UP");
    }
    let rows = shown
        .iter()
        .map(|p| {
            let percent = p["usedPercent"].as_f64();
            let tone = match percent {
                Some(x) if x >= 90.0 => Tone::Bad,
                Some(x) if x >= 80.0 => Tone::Warning,
                _ => Tone::Plain,
            };
            let mut row = vec![
                Span::plain(p["namespace"].as_str().unwrap_or("")),
                Span::plain(p["name"].as_str().unwrap_or("")),
                Span::plain(p["class"].as_str().unwrap_or("-")),
                Span::plain(p["size"].as_str().unwrap_or("-")),
                Span::plain(p["usedBytes"].as_u64().map_or("-".to_owned(), bytes)),
                Span::toned(percent.map_or("-".to_owned(), |x| format!("{x:.0} %")), tone),
            ];
            if detailed {
                row.push(backed_up(p, now));
            }
            row
        })
        .collect();
    let title = if detailed {
        "Claims, fullest first".to_owned()
    } else {
        format!("Fullest claims (all {} with --detailed)", all.len())
    };
    Table {
        title: Some(title),
        header: header.into_iter().map(String::from).collect(),
        rows,
        right_aligned: vec![3, 4, 5],
        fits: Vec::new(),
        empty: Some(if all.is_empty() { "No PersistentVolumeClaims.".into() } else { "No volume use was read.".into() }),
    }
}

/// `3h ago (media/plex)`, `never`, `no` (a persistent class), `-`.
fn backed_up(pvc: &Value, now: Now) -> Span {
    match pvc.get("backup").filter(|b| !b.is_null()) {
        Some(backup) => match backup["lastSyncTime"].as_str().and_then(parse_timestamp) {
            Some(at) => Span::plain(format!("{} ago", human_duration(age(now, at)))),
            None => Span::toned("never synced", Tone::Warning),
        },
        None if pvc["wantsBackup"].as_bool() == Some(true) => Span::toned("no", Tone::Info),
        None => Span::plain("-"),
    }
}

/// `1 PVC`, `3 PVCs`: a count from the details with its noun.
fn counted(count: &Value, noun: &str) -> String {
    match count.as_u64().unwrap_or(0) {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}
