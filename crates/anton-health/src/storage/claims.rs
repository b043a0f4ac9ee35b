//! Claims and volumes: `pvc/pending`, `pvc/lost`, `pv/released`, `pv/failed`,
//! `volume/attach-error`, `volume/mount-stuck`.

use anton_core::{Finding, Severity};
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use k8s_openapi::jiff::Timestamp;

use super::StorageSnapshot;
use super::classes::default_class_names;
use crate::config::StorageConfig;
use crate::util::{age, human_duration, object_id};

pub fn check_claims(snapshot: &StorageSnapshot, now: Timestamp, config: &StorageConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let defaults = default_class_names(&snapshot.classes);
    for claim in &snapshot.claims {
        let (ns, name) = (claim.metadata.namespace.as_deref().unwrap_or(""), claim.metadata.name.as_deref().unwrap_or(""));
        let object = object_id("PersistentVolumeClaim", Some(ns), name);
        match claim.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Lost") => findings.push(
                Finding::new(
                    "pvc/lost",
                    Severity::Critical,
                    format!(
                        "PersistentVolumeClaim {ns}/{name} is Lost: its PersistentVolume {} is gone, the data with it unless the disk was kept",
                        claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).unwrap_or("(none)")
                    ),
                )
                .object(&object)
                .hint("restore the volume from its VolSync backup (a ReplicationDestination), or recreate the claim; `kubectl get pv` shows what is left"),
            ),
            Some("Pending") => {
                if let Some(finding) = pending(snapshot, claim, &defaults, now, config) {
                    findings.push(finding.object(&object));
                }
            }
            _ => {}
        }
    }
    for volume in &snapshot.volumes {
        let name = volume.metadata.name.as_deref().unwrap_or("");
        let object = object_id("PersistentVolume", None, name);
        let status = volume.status.as_ref();
        let claim = volume
            .spec
            .as_ref()
            .and_then(|s| s.claim_ref.as_ref())
            .map(|r| format!("{}/{}", r.namespace.as_deref().unwrap_or(""), r.name.as_deref().unwrap_or("")))
            .unwrap_or_else(|| "no claim".to_owned());
        let policy = volume.spec.as_ref().and_then(|s| s.persistent_volume_reclaim_policy.as_deref()).unwrap_or("Retain");
        match status.and_then(|s| s.phase.as_deref()) {
            Some("Released") if policy == "Delete" => findings.push(
                Finding::new(
                    "pv/released",
                    Severity::Warning,
                    format!("PersistentVolume {name} (was {claim}) is Released with reclaimPolicy Delete, but its provisioner has not deleted it"),
                )
                .object(&object)
                .hint(format!("check the provisioner's logs; `kubectl describe pv {name}`")),
            ),
            Some("Released") => findings.push(
                Finding::new(
                    "pv/released",
                    Severity::Info,
                    format!("PersistentVolume {name} (was {claim}) is Released and kept (reclaimPolicy {policy}): its disk space is still used"),
                )
                .object(&object)
                .hint(format!("once its data is not needed: `kubectl delete pv {name}` (and the image or folder behind it)")),
            ),
            Some("Failed") => findings.push(
                Finding::new(
                    "pv/failed",
                    Severity::Warning,
                    format!(
                        "PersistentVolume {name} (was {claim}) Failed: {}",
                        status.and_then(|s| s.message.as_deref()).unwrap_or("automatic reclamation failed")
                    ),
                )
                .object(&object)
                .hint(format!("`kubectl describe pv {name}`; reclaim it by hand")),
            ),
            _ => {}
        }
    }
    for attachment in &snapshot.attachments {
        let name = attachment.metadata.name.as_deref().unwrap_or("");
        let volume = attachment.spec.source.persistent_volume_name.as_deref().unwrap_or("(inline)");
        let node = &attachment.spec.node_name;
        let status = attachment.status.as_ref();
        if let Some(error) = status.and_then(|s| s.attach_error.as_ref()) {
            findings.push(
                Finding::new(
                    "volume/attach-error",
                    Severity::Critical,
                    format!(
                        "PersistentVolume {volume} cannot attach to node {node}: {}",
                        error.message.as_deref().unwrap_or("no message")
                    ),
                )
                .object(object_id("VolumeAttachment", None, name))
                .hint(format!("`kubectl describe volumeattachment {name}`; check the {} CSI driver's node plugin on {node}", attachment.spec.attacher)),
            );
        }
        if let Some(error) = status.and_then(|s| s.detach_error.as_ref()) {
            findings.push(
                Finding::new(
                    "volume/attach-error",
                    Severity::Warning,
                    format!(
                        "PersistentVolume {volume} cannot detach from node {node}: {}",
                        error.message.as_deref().unwrap_or("no message")
                    ),
                )
                .object(object_id("VolumeAttachment", None, name))
                .hint("a volume that stays attached cannot move to another node; check the node and the CSI driver"),
            );
        }
    }
    findings.extend(stuck_mounts(snapshot, now, config));
    findings
}

/// A Pending claim: fine while it waits for its first consumer or its grace
/// period; a finding with the reason once something is wrong.
fn pending(
    snapshot: &StorageSnapshot,
    claim: &PersistentVolumeClaim,
    defaults: &[String],
    now: Timestamp,
    config: &StorageConfig,
) -> Option<Finding> {
    let (ns, name) = (claim.metadata.namespace.as_deref().unwrap_or(""), claim.metadata.name.as_deref().unwrap_or(""));
    let spec = claim.spec.as_ref();
    let waited = claim.metadata.creation_timestamp.as_ref().map(|t| age(now, t.0)).unwrap_or_default();
    let class_name = spec.and_then(|s| s.storage_class_name.clone());
    let class_name = match class_name {
        Some(class) => class,
        None if spec.and_then(|s| s.volume_name.as_deref()).is_some() => String::new(),
        None => match defaults {
            [] => {
                return Some(
                    Finding::new(
                        "pvc/pending",
                        Severity::Critical,
                        format!("PersistentVolumeClaim {ns}/{name} is Pending: it names no storageClassName and no StorageClass is the default"),
                    )
                    .hint("set spec.storageClassName in Git, or mark one StorageClass default (storageclass.kubernetes.io/is-default-class: \"true\")"),
                );
            }
            [one, ..] => one.clone(),
        },
    };
    let class = snapshot.classes.iter().find(|c| c.metadata.name.as_deref() == Some(class_name.as_str()));
    if !class_name.is_empty() && class.is_none() {
        return Some(
            Finding::new(
                "pvc/pending",
                Severity::Critical,
                format!("PersistentVolumeClaim {ns}/{name} is Pending: its StorageClass {class_name} does not exist"),
            )
            .hint(format!("fix spec.storageClassName in Git (have: {})", class_names(snapshot))),
        );
    }
    if let Some(event) = newest_event(&snapshot.events, "PersistentVolumeClaim", ns, name, &["ProvisioningFailed", "FailedBinding"]) {
        return Some(
            Finding::new(
                "pvc/pending",
                Severity::Critical,
                format!(
                    "PersistentVolumeClaim {ns}/{name} is Pending ({}): {}",
                    event.reason.as_deref().unwrap_or(""),
                    event.message.as_deref().unwrap_or("").trim()
                ),
            )
            .hint(format!("`kubectl -n {ns} describe pvc {name}`; the provisioner of {class_name} says why")),
        );
    }
    let waits_for_consumer = class.and_then(|c| c.volume_binding_mode.as_deref()) == Some("WaitForFirstConsumer");
    let consumers = consumers(&snapshot.pods, ns, name);
    if waits_for_consumer && consumers.is_empty() {
        return None; // by design: bound when a pod first uses it
    }
    if waited < config.pending_grace {
        return None;
    }
    let provisioner = class.map(|c| c.provisioner.as_str()).unwrap_or("(none: a matching PersistentVolume)");
    let mut message = format!("PersistentVolumeClaim {ns}/{name} has been Pending for {}, waiting for {provisioner}", human_duration(waited));
    if !consumers.is_empty() {
        message.push_str(&format!("; pod {} waits for it", consumers.join(", ")));
    }
    Some(
        Finding::new("pvc/pending", config.weigh(ns, Severity::Warning), message)
            .hint(format!("`kubectl -n {ns} describe pvc {name}`; is the provisioner running? (`anton storage --check-provisioner`)")),
    )
}

fn class_names(snapshot: &StorageSnapshot) -> String {
    let names: Vec<&str> = snapshot.classes.iter().filter_map(|c| c.metadata.name.as_deref()).collect();
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

/// Pods (in `ns`) that mount claim `name`.
pub(crate) fn consumers(pods: &[Pod], ns: &str, name: &str) -> Vec<String> {
    pods.iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(ns))
        .filter(|p| {
            p.spec.iter().flat_map(|s| s.volumes.iter().flatten()).any(|v| {
                v.persistent_volume_claim.as_ref().is_some_and(|c| c.claim_name == name)
            })
        })
        .filter_map(|p| p.metadata.name.clone())
        .collect()
}

/// The newest event about `kind ns/name` with one of `reasons`.
fn newest_event<'e>(events: &'e [Event], kind: &str, ns: &str, name: &str, reasons: &[&str]) -> Option<&'e Event> {
    events
        .iter()
        .filter(|e| {
            let o = &e.involved_object;
            o.kind.as_deref() == Some(kind)
                && o.namespace.as_deref() == Some(ns)
                && o.name.as_deref() == Some(name)
                && e.reason.as_deref().is_some_and(|r| reasons.contains(&r))
        })
        .max_by_key(|e| event_time(e))
}

fn event_time(event: &Event) -> Option<Timestamp> {
    event
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| event.event_time.as_ref().map(|t| t.0))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// Pods that have waited beyond the grace period for their volumes to attach or mount.
fn stuck_mounts(snapshot: &StorageSnapshot, now: Timestamp, config: &StorageConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    for pod in &snapshot.pods {
        let (ns, name) = (pod.metadata.namespace.as_deref().unwrap_or(""), pod.metadata.name.as_deref().unwrap_or(""));
        let status = pod.status.as_ref();
        if status.and_then(|s| s.phase.as_deref()) != Some("Pending") {
            continue;
        }
        let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) else { continue };
        let waited = pod.metadata.creation_timestamp.as_ref().map(|t| age(now, t.0)).unwrap_or_default();
        if waited < config.pending_grace {
            continue;
        }
        let Some(event) = newest_event(&snapshot.events, "Pod", ns, name, &["FailedMount", "FailedAttachVolume", "FailedMapVolume"]) else {
            continue;
        };
        findings.push(
            Finding::new(
                "volume/mount-stuck",
                config.weigh(ns, Severity::Warning),
                format!(
                    "pod {ns}/{name} has waited {} on {node} for its volumes ({}): {}",
                    human_duration(waited),
                    event.reason.as_deref().unwrap_or(""),
                    event.message.as_deref().unwrap_or("").trim()
                ),
            )
            .object(object_id("Pod", Some(ns), name))
            .hint(format!("`kubectl -n {ns} describe pod {name}`; a Ceph volume still mapped on another node blocks RWO volumes")),
        );
    }
    findings
}
