//! Volume use from the kubelets' statistics: `pvc/usage-high`,
//! `pvc/inodes-high`, `usage/unavailable`.
//!
//! Each node's `stats/summary` lists, per pod, the volumes it mounts with
//! `pvcRef`, `usedBytes`/`capacityBytes` and `inodesUsed`/`inodes`. A claim
//! mounted by several pods appears several times: the fullest reading counts.

use std::collections::BTreeMap;

use anton_core::{Finding, Severity};

use super::StorageSnapshot;
use crate::config::StorageConfig;
use crate::util::object_id;

/// One claim's use as a kubelet measured it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VolumeUse {
    pub used_bytes: Option<u64>,
    pub capacity_bytes: Option<u64>,
    pub inodes_used: Option<u64>,
    pub inodes: Option<u64>,
}

impl VolumeUse {
    /// Used bytes over capacity, when both are known.
    pub fn fraction(&self) -> Option<f64> {
        ratio(self.used_bytes, self.capacity_bytes)
    }

    pub fn inode_fraction(&self) -> Option<f64> {
        ratio(self.inodes_used, self.inodes)
    }
}

fn ratio(used: Option<u64>, total: Option<u64>) -> Option<f64> {
    match (used, total) {
        (Some(used), Some(total)) if total > 0 => Some(used as f64 / total as f64),
        _ => None,
    }
}

/// `(namespace, claim)` → its use, from every node that answered.
pub fn volume_use(snapshot: &StorageSnapshot) -> BTreeMap<(String, String), VolumeUse> {
    let mut out: BTreeMap<(String, String), VolumeUse> = BTreeMap::new();
    for stats in snapshot.node_stats.iter().flatten() {
        let Some(summary) = &stats.summary else { continue };
        for pod in summary["pods"].as_array().into_iter().flatten() {
            for volume in pod["volume"].as_array().into_iter().flatten() {
                let Some(claim) = volume.get("pvcRef") else { continue };
                let (Some(ns), Some(name)) = (claim["namespace"].as_str(), claim["name"].as_str()) else { continue };
                let reading = VolumeUse {
                    used_bytes: volume["usedBytes"].as_u64(),
                    capacity_bytes: volume["capacityBytes"].as_u64(),
                    inodes_used: volume["inodesUsed"].as_u64(),
                    inodes: volume["inodes"].as_u64(),
                };
                let entry = out.entry((ns.to_owned(), name.to_owned())).or_insert(reading);
                if reading.fraction().unwrap_or(0.0) > entry.fraction().unwrap_or(0.0) {
                    *entry = reading;
                }
            }
        }
    }
    out
}

pub fn check_usage(snapshot: &StorageSnapshot, config: &StorageConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(reason) = &snapshot.usage_unavailable {
        findings.push(
            Finding::new("usage/unavailable", Severity::Info, format!("volume use was not read: {reason}"))
                .hint("grant `get` on `nodes/proxy` (and `list` on nodes) to add how full each PersistentVolumeClaim is"),
        );
    }
    for stats in snapshot.node_stats.iter().flatten() {
        if let Some(error) = &stats.error {
            findings.push(
                Finding::new("usage/unavailable", Severity::Info, format!("node {}: the kubelet's statistics were not read: {error}", stats.node))
                    .object(object_id("Node", None, &stats.node))
                    .hint("volumes on this node were not checked for fullness; is the node Ready?"),
            );
        }
    }
    let listed: std::collections::BTreeSet<(&str, &str)> = snapshot
        .claims
        .iter()
        .map(|c| (c.metadata.namespace.as_deref().unwrap_or(""), c.metadata.name.as_deref().unwrap_or("")))
        .collect();
    for ((ns, name), reading) in volume_use(snapshot) {
        // A kubelet may still report a claim deleted since: only listed claims count.
        if !listed.contains(&(ns.as_str(), name.as_str())) {
            continue;
        }
        let object = object_id("PersistentVolumeClaim", Some(&ns), &name);
        if let Some(fraction) = reading.fraction()
            && let Some(severity) = level(fraction, config)
        {
            findings.push(
                Finding::new(
                    "pvc/usage-high",
                    severity,
                    format!(
                        "PersistentVolumeClaim {ns}/{name} is {:.0} % full ({} of {})",
                        fraction * 100.0,
                        bytes(reading.used_bytes.unwrap_or(0)),
                        bytes(reading.capacity_bytes.unwrap_or(0))
                    ),
                )
                .object(&object)
                .hint(format!(
                    "expand it: raise spec.resources.requests.storage in Git (the class must allow volume expansion), or clean up; `kubectl -n {ns} get pvc {name}`"
                )),
            );
        }
        if let Some(fraction) = reading.inode_fraction()
            && let Some(severity) = level(fraction, config)
        {
            findings.push(
                Finding::new(
                    "pvc/inodes-high",
                    severity,
                    format!(
                        "PersistentVolumeClaim {ns}/{name} has used {:.0} % of its inodes ({} of {})",
                        fraction * 100.0,
                        reading.inodes_used.unwrap_or(0),
                        reading.inodes.unwrap_or(0)
                    ),
                )
                .object(&object)
                .hint("many small files: clean up (caches, thumbnails), or expand the volume (more inodes come with size)"),
            );
        }
    }
    findings
}

fn level(fraction: f64, config: &StorageConfig) -> Option<Severity> {
    if fraction >= config.pvc_critical {
        Some(Severity::Critical)
    } else if fraction >= config.pvc_warning {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// `9.3 GiB`, `512 MiB`, `0 B`.
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut amount = value as f64;
    let mut unit = 0;
    while amount >= 1024.0 && unit + 1 < UNITS.len() {
        amount /= 1024.0;
        unit += 1;
    }
    if unit == 0 || amount >= 100.0 {
        format!("{amount:.0} {}", UNITS[unit])
    } else {
        format!("{amount:.1} {}", UNITS[unit])
    }
}
