//! Rook-Ceph: `ceph/health`, `ceph/status-stale`, `ceph/capacity`,
//! `ceph/mixed-versions`, `ceph/pool-not-ready`, `ceph/bucket-unbound`,
//! `ceph/daemon-unavailable`.
//!
//! Rook keeps a CephCluster's Ready condition True while Ceph itself is
//! unhealthy, so health is read from `.status.ceph` (what `ceph status` says,
//! copied by the operator about once a minute).

use std::collections::BTreeMap;

use anton_core::{Finding, Severity};
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::snapshot::{custom_id, custom_meta};
use super::usage::bytes;
use super::{CephSnapshot, StorageSnapshot};
use crate::config::StorageConfig;
use crate::util::{age, human_duration, object_id, parse_timestamp};

/// The `app` label of the Deployments Rook runs, and what each is.
pub const ROOK_DAEMONS: [(&str, &str); 4] = [
    ("rook-ceph-operator", "the Rook operator"),
    ("rook-ceph-mon", "a Ceph monitor"),
    ("rook-ceph-mgr", "a Ceph manager"),
    ("rook-ceph-osd", "a Ceph OSD"),
];

pub fn check_ceph(snapshot: &StorageSnapshot, now: Timestamp, config: &StorageConfig) -> Vec<Finding> {
    let Some(ceph) = &snapshot.ceph else { return Vec::new() };
    let mut findings = Vec::new();
    for cluster in &ceph.clusters {
        findings.extend(check_cluster(cluster, now, config));
    }
    findings.extend(check_pools(ceph));
    for claim in ceph.object_bucket_claims.iter().flatten() {
        let (ns, name) = custom_meta(claim);
        let phase = claim.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
        if phase == "Bound" {
            continue;
        }
        let severity = if phase == "Failed" { Severity::Critical } else { Severity::Warning };
        let shown = if phase.is_empty() { "no phase yet" } else { phase };
        findings.push(
            Finding::new("ceph/bucket-unbound", severity, format!("ObjectBucketClaim {ns}/{name} is not Bound ({shown}): its app has no bucket or credentials"))
                .object(custom_id(claim))
                .hint(format!("`kubectl -n {ns} describe objectbucketclaim {name}`; the CephObjectStore behind its StorageClass must be Ready")),
        );
    }
    if !ceph.clusters.is_empty() {
        findings.extend(check_daemons(snapshot, config));
    }
    findings
}

fn check_cluster(cluster: &Value, now: Timestamp, config: &StorageConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (ns, name) = custom_meta(cluster);
    let object = custom_id(cluster);
    let Some(status) = cluster.pointer("/status/ceph") else {
        let phase = cluster.pointer("/status/phase").and_then(Value::as_str).unwrap_or("no status");
        findings.push(
            Finding::new("ceph/health", Severity::Warning, format!("CephCluster {ns}/{name} reports no Ceph health yet (phase: {phase})"))
                .object(&object)
                .hint(format!("is the Rook operator running? `kubectl -n {ns} get cephcluster {name}` and the operator's logs")),
        );
        return findings;
    };
    let health = status["health"].as_str().unwrap_or("UNKNOWN");
    let checks: BTreeMap<&str, &Value> =
        status["details"].as_object().map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect()).unwrap_or_default();
    for (check, detail) in &checks {
        let severity = match detail["severity"].as_str() {
            Some("HEALTH_ERR") => Severity::Critical,
            Some("HEALTH_OK") => continue,
            _ => Severity::Warning,
        };
        findings.push(
            Finding::new(
                "ceph/health",
                severity,
                format!("Ceph {ns}/{name} {}: {check}: {}", detail["severity"].as_str().unwrap_or(health), detail["message"].as_str().unwrap_or("")),
            )
            .object(&object)
            .hint(ceph_hint(check, ns)),
        );
    }
    if health != "HEALTH_OK" && findings.is_empty() {
        let severity = if health == "HEALTH_WARN" { Severity::Warning } else { Severity::Critical };
        findings.push(
            Finding::new("ceph/health", severity, format!("Ceph {ns}/{name} is {health}"))
                .object(&object)
                .hint(format!("`kubectl -n {ns} exec deploy/rook-ceph-tools -- ceph health detail`")),
        );
    }
    match status["lastChecked"].as_str().and_then(parse_timestamp) {
        Some(checked) if age(now, checked) > config.ceph_stale_after => findings.push(
            Finding::new(
                "ceph/status-stale",
                Severity::Warning,
                format!(
                    "CephCluster {ns}/{name}: Ceph health was last checked {} ago; the operator stopped reporting, so the health above may be old",
                    human_duration(age(now, checked))
                ),
            )
            .object(&object)
            .hint(format!("check the Rook operator: `kubectl -n {ns} logs deploy/rook-ceph-operator` (it may be stuck, or unable to reach the mons)")),
        ),
        _ => {}
    }
    if let Some(finding) = capacity(cluster, config) {
        findings.push(finding.object(&object));
    }
    if let Some(finding) = mixed_versions(cluster) {
        findings.push(finding.object(&object));
    }
    findings
}

/// What to run next for the health checks operators meet most.
fn ceph_hint(check: &str, ns: &str) -> String {
    let tools = format!("`kubectl -n {ns} exec deploy/rook-ceph-tools -- ceph health detail`");
    match check {
        "OSD_DOWN" | "OSD_HOST_DOWN" => format!("{tools}; `kubectl -n {ns} get pods -l app=rook-ceph-osd -o wide` shows which OSD and node"),
        "MON_DOWN" => format!("{tools}; `kubectl -n {ns} get pods -l app=rook-ceph-mon -o wide`; losing one more mon may lose quorum"),
        "PG_DEGRADED" | "PG_AVAILABILITY" => format!("{tools}; data has fewer copies than configured until recovery finishes: do not take another node down"),
        "OSD_NEARFULL" | "OSD_FULL" | "POOL_NEARFULL" | "POOL_FULL" | "OSD_BACKFILLFULL" => {
            format!("{tools}; add capacity or delete data now: Ceph blocks writes when full")
        }
        "RECENT_CRASH" => format!("{tools}; then `ceph crash ls` and `ceph crash archive-all` once understood"),
        _ => tools,
    }
}

/// Raw use against the golden rules: plan, order hardware, expand, critical.
fn capacity(cluster: &Value, config: &StorageConfig) -> Option<Finding> {
    let (ns, name) = custom_meta(cluster);
    let used = cluster.pointer("/status/ceph/capacity/bytesUsed").and_then(Value::as_u64)?;
    let total = cluster.pointer("/status/ceph/capacity/bytesTotal").and_then(Value::as_u64).filter(|t| *t > 0)?;
    let fraction = used as f64 / total as f64;
    let (severity, advice) = if fraction >= config.ceph_critical {
        (Severity::Critical, "critical: at Ceph's nearfull ratio; add OSDs or delete data now, before writes are blocked")
    } else if fraction >= config.ceph_expand {
        (Severity::Warning, "expand now: add OSDs (or nodes) before reaching the critical threshold")
    } else if fraction >= config.ceph_order {
        (Severity::Warning, "order hardware: new disks take weeks to arrive")
    } else if fraction >= config.ceph_plan {
        (Severity::Info, "plan capacity: decide how this cluster will grow")
    } else {
        return None;
    };
    let thresholds = format!(
        "golden rules: {:.0} % plan, {:.0} % order, {:.0} % expand, {:.0} % critical",
        config.ceph_plan * 100.0,
        config.ceph_order * 100.0,
        config.ceph_expand * 100.0,
        config.ceph_critical * 100.0
    );
    Some(
        Finding::new(
            "ceph/capacity",
            severity,
            format!("Ceph {ns}/{name} raw capacity is {:.0} % used ({} of {}): {advice}", fraction * 100.0, bytes(used), bytes(total)),
        )
        .hint(format!("{thresholds}; `kubectl -n {ns} exec deploy/rook-ceph-tools -- ceph df` shows which pools use it")),
    )
}

/// More than one Ceph version running: info while Rook upgrades, a warning after.
fn mixed_versions(cluster: &Value) -> Option<Finding> {
    let (ns, name) = custom_meta(cluster);
    let overall = cluster.pointer("/status/ceph/versions/overall")?.as_object()?;
    if overall.len() < 2 {
        return None;
    }
    let versions: Vec<String> = overall
        .iter()
        .map(|(version, count)| format!("{} × {}", count.as_u64().unwrap_or(0), short_version(version)))
        .collect();
    let phase = cluster.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
    let state = cluster.pointer("/status/state").and_then(Value::as_str).unwrap_or("");
    let upgrading = phase == "Progressing" || state == "Updating" || state == "Creating";
    Some(if upgrading {
        Finding::new("ceph/mixed-versions", Severity::Info, format!("Ceph {ns}/{name} is upgrading: daemons run {}", versions.join(", ")))
            .hint("wait for the upgrade to finish before taking nodes down")
    } else {
        Finding::new(
            "ceph/mixed-versions",
            Severity::Warning,
            format!("Ceph {ns}/{name} runs mixed versions with no upgrade in progress: {}", versions.join(", ")),
        )
        .hint(format!("an upgrade stopped half way: `kubectl -n {ns} describe cephcluster {name}` and the operator's logs; `ceph versions` shows which daemons lag"))
    })
}

/// `ceph version 19.2.3 (c92a…) squid (stable)` → `19.2.3 squid`.
fn short_version(version: &str) -> String {
    let words: Vec<&str> = version.split_whitespace().collect();
    match words.as_slice() {
        ["ceph", "version", number, _, release, ..] => format!("{number} {release}"),
        _ => version.to_owned(),
    }
}

fn check_pools(ceph: &CephSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for object in ceph.block_pools.iter().chain(&ceph.filesystems).chain(&ceph.object_stores) {
        let (ns, name) = custom_meta(object);
        let kind = object["kind"].as_str().unwrap_or("");
        let phase = object.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
        if phase == "Ready" || phase == "Connected" {
            continue;
        }
        let severity = if phase == "Failure" { Severity::Critical } else { Severity::Warning };
        let shown = if phase.is_empty() { "no phase yet" } else { phase };
        let message = object.pointer("/status/message").and_then(Value::as_str).map(|m| format!(": {m}")).unwrap_or_default();
        findings.push(
            Finding::new("ceph/pool-not-ready", severity, format!("{kind} {ns}/{name} is not Ready ({shown}){message}"))
                .object(custom_id(object))
                .hint(format!("`kubectl -n {ns} describe {} {name}` and the Rook operator's logs", kind.to_lowercase())),
        );
    }
    findings
}

/// The operator, mons, mgrs and OSDs run as Deployments; each must be available.
fn check_daemons(snapshot: &StorageSnapshot, config: &StorageConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut operator_seen = false;
    for deployment in &snapshot.deployments {
        let app = deployment.metadata.labels.as_ref().and_then(|l| l.get("app")).map(String::as_str).unwrap_or("");
        let Some((_, what)) = ROOK_DAEMONS.iter().find(|(label, _)| *label == app) else { continue };
        operator_seen |= app == "rook-ceph-operator";
        let (ns, name) = (deployment.metadata.namespace.as_deref().unwrap_or(""), deployment.metadata.name.as_deref().unwrap_or(""));
        let desired = deployment.spec.replicas.unwrap_or(1);
        let available = deployment.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0);
        if desired == 0 || available >= desired {
            continue;
        }
        let severity = if available == 0 { Severity::Critical } else { config.weigh(ns, Severity::Warning) };
        findings.push(
            Finding::new(
                "ceph/daemon-unavailable",
                severity,
                format!("Deployment {ns}/{name} ({what}) has {available} of {desired} replicas available"),
            )
            .object(object_id("Deployment", Some(ns), name))
            .hint(format!("`kubectl -n {ns} get pods -l app={app} -o wide` and `kubectl -n {ns} describe deployment {name}`")),
        );
    }
    if !operator_seen {
        findings.push(
            Finding::new(
                "ceph/daemon-unavailable",
                Severity::Warning,
                "no rook-ceph-operator Deployment found (label app=rook-ceph-operator): nothing keeps the Ceph daemons running or the status current",
            )
            .hint("check the rook-ceph HelmRelease: `anton flux status`"),
        );
    }
    findings
}
