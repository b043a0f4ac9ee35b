//! VolSync backups: `backup/overdue`, `backup/failing`, `backup/paused`,
//! `backup/invalid-schedule`, `backup/unprotected`.
//!
//! A ReplicationSource with `spec.trigger.schedule` (cron) should complete a
//! sync about once per interval. Its age (`status.lastSyncTime`, or creation
//! when it never synced) is a warning beyond two intervals, critical beyond
//! three, or beyond the absolute limit (48 h) once it is late at all.

use std::collections::BTreeMap;
use std::time::Duration;

use anton_core::{Finding, Severity};
use croner::Cron;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::jiff::Timestamp;
use k8s_openapi::jiff::tz::TimeZone;
use serde_json::Value;

use super::StorageSnapshot;
use super::snapshot::{custom_id, custom_meta};
use crate::config::StorageConfig;
use crate::util::{age, human_duration, parse_timestamp};

/// Provisioner name parts of classes whose data lives only in the cluster
/// (Ceph): these claims want a backup. Classes with reclaimPolicy Retain count too.
const PERSISTENT_PROVISIONERS: [&str; 2] = [".rbd.csi.ceph.com", ".cephfs.csi.ceph.com"];

/// The time between two runs of `schedule` after `after`; `None` for a schedule croner cannot read.
pub fn schedule_interval(schedule: &str, after: Timestamp) -> Result<Duration, String> {
    let cron: Cron = schedule.trim().parse().map_err(|e| format!("{e}"))?;
    let start = after.to_zoned(TimeZone::UTC);
    let first = cron.find_next_occurrence(&start, false).map_err(|e| format!("{e}"))?;
    let second = cron.find_next_occurrence(&first, false).map_err(|e| format!("{e}"))?;
    let seconds = second.timestamp().as_second() - first.timestamp().as_second();
    Ok(Duration::from_secs(seconds.max(1) as u64))
}

/// `(namespace, claim)` → the ReplicationSources that back it up.
pub fn protected_claims(snapshot: &StorageSnapshot) -> BTreeMap<(String, String), Vec<&Value>> {
    let mut out: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for source in snapshot.replication_sources.iter().flatten() {
        let (ns, _) = custom_meta(source);
        if let Some(claim) = source.pointer("/spec/sourcePVC").and_then(Value::as_str) {
            out.entry((ns.to_owned(), claim.to_owned())).or_default().push(source);
        }
    }
    out
}

pub fn check_backups(snapshot: &StorageSnapshot, now: Timestamp, config: &StorageConfig) -> Vec<Finding> {
    let Some(sources) = &snapshot.replication_sources else { return Vec::new() };
    let mut findings = Vec::new();
    for source in sources {
        findings.extend(check_source(source, now, config));
    }
    let protected = protected_claims(snapshot);
    let unprotected: Vec<String> = snapshot
        .claims
        .iter()
        .filter(|c| wants_backup(snapshot, c))
        .filter(|c| {
            let key = (c.metadata.namespace.clone().unwrap_or_default(), c.metadata.name.clone().unwrap_or_default());
            !protected.contains_key(&key)
        })
        .map(|c| format!("{}/{}", c.metadata.namespace.as_deref().unwrap_or(""), c.metadata.name.as_deref().unwrap_or("")))
        .collect();
    if !unprotected.is_empty() {
        let shown: Vec<&str> = unprotected.iter().take(5).map(String::as_str).collect();
        let more = if unprotected.len() > shown.len() { format!(", … ({} more)", unprotected.len() - shown.len()) } else { String::new() };
        findings.push(
            Finding::new(
                "backup/unprotected",
                Severity::Info,
                format!(
                    "{} PersistentVolumeClaim{} of persistent classes ha{} no VolSync ReplicationSource: {}{more}",
                    unprotected.len(),
                    if unprotected.len() == 1 { "" } else { "s" },
                    if unprotected.len() == 1 { "s" } else { "ve" },
                    shown.join(", ")
                ),
            )
            .hint("`anton storage --detailed` lists every claim with its last backup; add a ReplicationSource for data you cannot recreate"),
        );
    }
    findings
}

/// Claims of Ceph classes or classes that retain their volumes, except VolSync's own.
pub fn wants_backup(snapshot: &StorageSnapshot, claim: &PersistentVolumeClaim) -> bool {
    let created_by_volsync = claim
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("app.kubernetes.io/created-by"))
        .is_some_and(|v| v == "volsync");
    if created_by_volsync {
        return false;
    }
    let Some(class_name) = claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()) else { return false };
    let Some(class) = snapshot.classes.iter().find(|c| c.metadata.name.as_deref() == Some(class_name)) else { return false };
    PERSISTENT_PROVISIONERS.iter().any(|p| class.provisioner.ends_with(p)) || class.reclaim_policy.as_deref() == Some("Retain")
}

fn check_source(source: &Value, now: Timestamp, config: &StorageConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (ns, name) = custom_meta(source);
    let object = custom_id(source);
    let claim = source.pointer("/spec/sourcePVC").and_then(Value::as_str).unwrap_or("?");
    if source.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        findings.push(
            Finding::new("backup/paused", Severity::Info, format!("ReplicationSource {ns}/{name} (claim {claim}) is paused: no backups are taken"))
                .object(&object)
                .hint("set spec.paused: false in Git once the maintenance is over"),
        );
        return findings;
    }
    for condition in source.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten() {
        if condition["reason"].as_str() == Some("Error") {
            findings.push(
                Finding::new(
                    "backup/failing",
                    config.weigh(ns, Severity::Warning),
                    format!(
                        "ReplicationSource {ns}/{name} (claim {claim}): {} {}: {}",
                        condition["type"].as_str().unwrap_or(""),
                        condition["reason"].as_str().unwrap_or(""),
                        condition["message"].as_str().unwrap_or("").trim()
                    ),
                )
                .object(&object)
                .hint(format!("`kubectl -n {ns} describe replicationsource {name}`; the mover pod's logs say more (`kubectl -n {ns} logs -l app.kubernetes.io/created-by=volsync`)")),
            );
        }
    }
    if source.pointer("/status/latestMoverStatus/result").and_then(Value::as_str) == Some("Failed") {
        let logs = source.pointer("/status/latestMoverStatus/logs").and_then(Value::as_str).unwrap_or("");
        let last_line = logs.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no logs");
        findings.push(
            Finding::new("backup/failing", config.weigh(ns, Severity::Warning), format!("ReplicationSource {ns}/{name} (claim {claim}): the last mover run failed: {}", last_line.trim()))
                .object(&object)
                .hint(format!("`kubectl -n {ns} get replicationsource {name} -o jsonpath='{{.status.latestMoverStatus.logs}}'`")),
        );
    }
    let Some(schedule) = source.pointer("/spec/trigger/schedule").and_then(Value::as_str) else {
        return findings; // manual or continuous: no schedule to be late against
    };
    let last_sync = source.pointer("/status/lastSyncTime").and_then(Value::as_str).and_then(parse_timestamp);
    let since = last_sync.or_else(|| source.pointer("/metadata/creationTimestamp").and_then(Value::as_str).and_then(parse_timestamp));
    let Some(since) = since else { return findings };
    let interval = match schedule_interval(schedule, since) {
        Ok(interval) => interval,
        Err(error) => {
            findings.push(
                Finding::new("backup/invalid-schedule", Severity::Warning, format!("ReplicationSource {ns}/{name}: schedule `{schedule}` cannot be read: {error}"))
                    .object(&object)
                    .hint("use a 5-field cron expression such as `0 3 * * *`, or @hourly/@daily"),
            );
            return findings;
        }
    };
    let waited = age(now, since);
    let late = waited > interval * 2;
    let severity = if waited > interval * 3 || (late && waited > config.backup_max_age) {
        Severity::Critical
    } else if late {
        Severity::Warning
    } else {
        return findings;
    };
    let what = match last_sync {
        Some(_) => format!("last backup {} ago", human_duration(waited)),
        None => format!("no backup completed in the {} since it was created", human_duration(waited)),
    };
    findings.push(
        Finding::new(
            "backup/overdue",
            severity,
            format!("ReplicationSource {ns}/{name} (claim {claim}): {what}; schedule `{schedule}` runs every {}", human_duration(interval)),
        )
        .object(&object)
        .hint(format!(
            "`kubectl -n {ns} describe replicationsource {name}`; is the mover stuck (`kubectl -n {ns} get pods -l app.kubernetes.io/created-by=volsync`) or the repository unreachable?"
        )),
    );
    findings
}

/// The last sync of the newest ReplicationSource of a claim, for the table.
pub fn last_sync(sources: &[&Value]) -> Option<String> {
    sources.iter().filter_map(|s| s.pointer("/status/lastSyncTime").and_then(Value::as_str)).max().map(str::to_owned)
}

