//! Storage. For `anton health`: `storage/no-default-class` and
//! `storage/multiple-default-classes` (PVCs without a `storageClassName` need
//! exactly one default StorageClass). For `anton storage`: claims and
//! volumes, their use, Rook-Ceph, VolSync backups and provisioners, over a
//! [`StorageSnapshot`], one module per area.

pub mod backups;
pub mod ceph;
pub mod claims;
mod classes;
pub mod provisioners;
mod snapshot;
pub mod usage;

use anton_core::{Finding, Severity};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::HealthConfig;
use crate::snapshot::Snapshot;

pub use snapshot::{CephSnapshot, NodeStats, StorageSnapshot, custom_id, custom_meta};

use classes::default_class_names as default_classes;

pub fn check_storage(snapshot: &Snapshot, _now: Timestamp, _config: &HealthConfig) -> Vec<Finding> {
    let Some(classes) = &snapshot.storage_classes else { return Vec::new() };
    default_class_findings(classes)
}

/// Exactly one default StorageClass.
pub fn default_class_findings(classes: &[StorageClass]) -> Vec<Finding> {
    let defaults = default_classes(classes);
    match defaults.len() {
        0 => {
            let names: Vec<&str> = classes.iter().filter_map(|c| c.metadata.name.as_deref()).collect();
            let example = names.first().copied().unwrap_or("NAME");
            vec![
                Finding::new(
                    "storage/no-default-class",
                    Severity::Warning,
                    if names.is_empty() {
                        "there is no StorageClass at all: PersistentVolumeClaims stay Pending".to_owned()
                    } else {
                        format!(
                            "no StorageClass is marked default (have: {}): PersistentVolumeClaims without storageClassName stay Pending",
                            names.join(", ")
                        )
                    },
                )
                .hint(format!(
                    "mark one in Git with the annotation storageclass.kubernetes.io/is-default-class: \"true\" (now: `kubectl annotate storageclass {example} storageclass.kubernetes.io/is-default-class=true`)"
                )),
            ]
        }
        1 => Vec::new(),
        _ => vec![
            Finding::new(
                "storage/multiple-default-classes",
                Severity::Warning,
                format!("{} StorageClasses are marked default ({}); new claims get the newest one", defaults.len(), defaults.join(", ")),
            )
            .hint("keep the default annotation on one StorageClass only"),
        ],
    }
}

pub fn storage_details(snapshot: &Snapshot) -> Value {
    let Some(classes) = &snapshot.storage_classes else { return Value::Null };
    json!({
        "classes": classes.iter().filter_map(|c| c.metadata.name.clone()).collect::<Vec<_>>(),
        "default": default_classes(classes),
    })
}

/// What `anton storage` checks besides the always-on ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageChecks {
    /// `--check-provisioner`: every class's provisioner is served.
    pub provisioners: bool,
}

/// Every check of `anton storage`, in area order.
pub fn check_volumes(snapshot: &StorageSnapshot, now: Timestamp, config: &crate::StorageConfig, checks: StorageChecks) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(claims::check_claims(snapshot, now, config));
    findings.extend(usage::check_usage(snapshot, config));
    findings.extend(ceph::check_ceph(snapshot, now, config));
    findings.extend(backups::check_backups(snapshot, now, config));
    findings.extend(default_class_findings(&snapshot.classes));
    if checks.provisioners {
        findings.extend(provisioners::check_provisioners(snapshot));
    }
    findings
}

/// The areas of `anton storage`'s finding codes, in the order to show them.
pub const STORAGE_AREAS: [&str; 9] = ["ceph", "pvc", "pv", "volume", "usage", "backup", "storage", "provisioner", "pod"];

/// `details.pvcs` (every claim, fullest first), `details.ceph`,
/// `details.volsync`, `details.usage`, `details.classes`.
pub fn volume_details(snapshot: &StorageSnapshot) -> serde_json::Map<String, Value> {
    let mut details = serde_json::Map::new();
    details.insert("pvcs".into(), pvc_rows(snapshot));
    if let Some(ceph) = &snapshot.ceph {
        details.insert("ceph".into(), ceph_details(snapshot, ceph));
    }
    if let Some(sources) = &snapshot.replication_sources {
        let rows: Vec<Value> = sources
            .iter()
            .map(|s| {
                let (ns, name) = snapshot::custom_meta(s);
                json!({
                    "namespace": ns,
                    "name": name,
                    "sourcePVC": s.pointer("/spec/sourcePVC"),
                    "schedule": s.pointer("/spec/trigger/schedule"),
                    "paused": s.pointer("/spec/paused").and_then(Value::as_bool).unwrap_or(false),
                    "lastSyncTime": s.pointer("/status/lastSyncTime"),
                    "nextSyncTime": s.pointer("/status/nextSyncTime"),
                    "result": s.pointer("/status/latestMoverStatus/result"),
                })
            })
            .collect();
        let protected = backups::protected_claims(snapshot);
        let unprotected: Vec<String> = snapshot
            .claims
            .iter()
            .filter(|c| backups::wants_backup(snapshot, c))
            .map(|c| (c.metadata.namespace.clone().unwrap_or_default(), c.metadata.name.clone().unwrap_or_default()))
            .filter(|key| !protected.contains_key(key))
            .map(|(ns, name)| format!("{ns}/{name}"))
            .collect();
        details.insert("volsync".into(), json!({ "sources": rows, "unprotected": unprotected }));
    }
    let nodes: Vec<Value> = snapshot
        .node_stats
        .iter()
        .flatten()
        .map(|n| json!({ "node": n.node, "read": n.summary.is_some(), "error": n.error }))
        .collect();
    details.insert(
        "usage".into(),
        json!({ "read": snapshot.node_stats.is_some(), "reason": snapshot.usage_unavailable, "nodes": nodes }),
    );
    let defaults = default_classes(&snapshot.classes);
    let classes: Vec<Value> = snapshot
        .classes
        .iter()
        .map(|c| {
            json!({
                "name": c.metadata.name,
                "provisioner": c.provisioner,
                "default": c.metadata.name.as_ref().is_some_and(|n| defaults.contains(n)),
                "reclaimPolicy": c.reclaim_policy.as_deref().unwrap_or("Delete"),
                "volumeBindingMode": c.volume_binding_mode.as_deref().unwrap_or("Immediate"),
            })
        })
        .collect();
    details.insert("classes".into(), json!({ "items": classes, "default": defaults }));
    let mut phases: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for claim in &snapshot.claims {
        *phases.entry(claim.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".into())).or_default() += 1;
    }
    let mut volume_phases: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for volume in &snapshot.volumes {
        *volume_phases.entry(volume.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".into())).or_default() += 1;
    }
    details.insert(
        "counts".into(),
        json!({
            "pvcs": snapshot.claims.len(), "pvcsByPhase": phases,
            "pvs": snapshot.volumes.len(), "pvsByPhase": volume_phases,
            "volumeAttachments": snapshot.attachments.len(),
        }),
    );
    details
}

/// One row per claim: size, use and backup, fullest first (unknown use last).
fn pvc_rows(snapshot: &StorageSnapshot) -> Value {
    let use_by_claim = usage::volume_use(snapshot);
    let protected = backups::protected_claims(snapshot);
    let mut rows: Vec<(Option<f64>, Value)> = snapshot
        .claims
        .iter()
        .map(|c| {
            let ns = c.metadata.namespace.clone().unwrap_or_default();
            let name = c.metadata.name.clone().unwrap_or_default();
            let key = (ns.clone(), name.clone());
            let reading = use_by_claim.get(&key).copied().unwrap_or_default();
            let size = c
                .status
                .as_ref()
                .and_then(|s| s.capacity.as_ref())
                .and_then(|cap| cap.get("storage"))
                .or_else(|| c.spec.as_ref().and_then(|s| s.resources.as_ref()).and_then(|r| r.requests.as_ref()).and_then(|r| r.get("storage")))
                .map(|q| q.0.clone());
            let sources = protected.get(&key);
            let fraction = reading.fraction();
            let row = json!({
                "namespace": ns,
                "name": name,
                "class": c.spec.as_ref().and_then(|s| s.storage_class_name.clone()),
                "phase": c.status.as_ref().and_then(|s| s.phase.clone()),
                "volume": c.spec.as_ref().and_then(|s| s.volume_name.clone()),
                "size": size,
                "capacityBytes": reading.capacity_bytes,
                "usedBytes": reading.used_bytes,
                "usedPercent": fraction.map(|f| (f * 1000.0).round() / 10.0),
                "inodesPercent": reading.inode_fraction().map(|f| (f * 1000.0).round() / 10.0),
                "backup": sources.map(|s| json!({
                    "replicationSources": s.iter().map(|v| snapshot::custom_meta(v).1).collect::<Vec<_>>(),
                    "lastSyncTime": backups::last_sync(s),
                })),
                "wantsBackup": backups::wants_backup(snapshot, c),
            });
            (fraction, row)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.0.unwrap_or(-1.0).total_cmp(&a.0.unwrap_or(-1.0)).then_with(|| {
            (a.1["namespace"].as_str(), a.1["name"].as_str()).cmp(&(b.1["namespace"].as_str(), b.1["name"].as_str()))
        })
    });
    Value::Array(rows.into_iter().map(|(_, row)| row).collect())
}

fn ceph_details(snapshot: &StorageSnapshot, ceph: &CephSnapshot) -> Value {
    let clusters: Vec<Value> = ceph
        .clusters
        .iter()
        .map(|c| {
            let (ns, name) = snapshot::custom_meta(c);
            let status = c.pointer("/status/ceph").cloned().unwrap_or(Value::Null);
            let used = status.pointer("/capacity/bytesUsed").and_then(Value::as_u64);
            let total = status.pointer("/capacity/bytesTotal").and_then(Value::as_u64);
            let percent = match (used, total) {
                (Some(u), Some(t)) if t > 0 => Some((u as f64 / t as f64 * 1000.0).round() / 10.0),
                _ => None,
            };
            json!({
                "namespace": ns,
                "name": name,
                "phase": c.pointer("/status/phase"),
                "health": status.get("health"),
                "checks": status.get("details").and_then(Value::as_object).map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default(),
                "lastChecked": status.get("lastChecked"),
                "bytesUsed": used,
                "bytesTotal": total,
                "usedPercent": percent,
                "versions": status.pointer("/versions/overall"),
            })
        })
        .collect();
    let pools: Vec<Value> = ceph
        .block_pools
        .iter()
        .chain(&ceph.filesystems)
        .chain(&ceph.object_stores)
        .map(|p| {
            let (ns, name) = snapshot::custom_meta(p);
            json!({ "kind": p["kind"], "namespace": ns, "name": name, "phase": p.pointer("/status/phase") })
        })
        .collect();
    let buckets: Vec<Value> = ceph
        .object_bucket_claims
        .iter()
        .flatten()
        .map(|b| {
            let (ns, name) = snapshot::custom_meta(b);
            json!({ "namespace": ns, "name": name, "phase": b.pointer("/status/phase") })
        })
        .collect();
    let daemons: Vec<Value> = snapshot
        .deployments
        .iter()
        .filter_map(|d| {
            let app = d.metadata.labels.as_ref()?.get("app")?;
            ceph::ROOK_DAEMONS.iter().any(|(label, _)| label == app).then(|| {
                json!({
                    "namespace": d.metadata.namespace, "name": d.metadata.name, "app": app,
                    "desired": d.spec.replicas.unwrap_or(1),
                    "available": d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0),
                })
            })
        })
        .collect();
    json!({ "clusters": clusters, "pools": pools, "objectBucketClaims": buckets, "daemons": daemons })
}
