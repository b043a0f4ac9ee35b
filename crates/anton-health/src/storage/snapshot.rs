//! What `anton storage` looks at: claims, volumes, attachments, classes, the
//! pods and warning events around them, the kubelets' volume statistics, and
//! the Rook-Ceph and VolSync custom resources.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass, VolumeAttachment};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The storage side of one cluster at one moment.
///
/// `Option` fields are `None` when that part was not looked at (CSIDrivers
/// without `--check-provisioner`) or does not exist (no Rook or VolSync CRDs);
/// the checks then skip it instead of reporting its absence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StorageSnapshot {
    /// When the objects were read (RFC 3339).
    pub recorded_at: Option<String>,
    pub claims: Vec<PersistentVolumeClaim>,
    pub volumes: Vec<PersistentVolume>,
    pub attachments: Vec<VolumeAttachment>,
    pub classes: Vec<StorageClass>,
    /// Registered CSI drivers; `None` unless the provisioners are checked.
    pub csi_drivers: Option<Vec<CSIDriver>>,
    /// Every pod: who mounts which claim, and who is stuck mounting.
    pub pods: Vec<Pod>,
    /// Warning events (ProvisioningFailed, FailedMount, FailedAttachVolume …).
    pub events: Vec<Event>,
    /// The storage system's own Deployments (Rook operator, mons, mgrs, OSDs;
    /// local-path-provisioner), selected by their `app` label.
    pub deployments: Vec<Deployment>,
    pub nodes: Vec<Node>,
    /// The kubelets' `stats/summary`, one per node; `None` when not readable at all.
    pub node_stats: Option<Vec<NodeStats>>,
    /// Why `node_stats` is missing (the permission that would add it).
    pub usage_unavailable: Option<String>,
    /// Rook-Ceph; `None` when its CRDs are not installed.
    pub ceph: Option<CephSnapshot>,
    /// VolSync ReplicationSources; `None` when the CRD is not installed.
    pub replication_sources: Option<Vec<Value>>,
}

/// One node's `GET /api/v1/nodes/NODE/proxy/stats/summary`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeStats {
    pub node: String,
    /// The kubelet's summary (`pods[].volume[]` is what is read).
    pub summary: Option<Value>,
    /// Why the request failed, when it did.
    pub error: Option<String>,
}

/// Rook's custom resources, as JSON with `apiVersion` and `kind` set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CephSnapshot {
    pub clusters: Vec<Value>,
    pub block_pools: Vec<Value>,
    pub filesystems: Vec<Value>,
    pub object_stores: Vec<Value>,
    /// `objectbucket.io` ObjectBucketClaims; `None` when that CRD is not installed.
    pub object_bucket_claims: Option<Vec<Value>>,
}

impl StorageSnapshot {
    /// Reads a recorded snapshot (`anton storage --save-snapshot`).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Objects the checks examined, as `Kind/namespace/name`: the report's `total`.
    pub fn subjects(&self) -> Vec<String> {
        use crate::util::object_id;
        let mut out = Vec::new();
        for c in &self.claims {
            out.push(object_id("PersistentVolumeClaim", c.metadata.namespace.as_deref(), name(&c.metadata)));
        }
        for v in &self.volumes {
            out.push(object_id("PersistentVolume", None, name(&v.metadata)));
        }
        for a in &self.attachments {
            out.push(object_id("VolumeAttachment", None, name(&a.metadata)));
        }
        for c in &self.classes {
            out.push(object_id("StorageClass", None, name(&c.metadata)));
        }
        for d in &self.deployments {
            out.push(object_id("Deployment", d.metadata.namespace.as_deref(), name(&d.metadata)));
        }
        let custom = self
            .ceph
            .iter()
            .flat_map(|c| {
                c.clusters
                    .iter()
                    .chain(&c.block_pools)
                    .chain(&c.filesystems)
                    .chain(&c.object_stores)
                    .chain(c.object_bucket_claims.iter().flatten())
            })
            .chain(self.replication_sources.iter().flatten());
        out.extend(custom.map(custom_id));
        out
    }
}

fn name(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

/// `CephCluster/storage/storage` for a custom resource as JSON.
pub fn custom_id(object: &Value) -> String {
    crate::util::object_id(
        object["kind"].as_str().unwrap_or("Object"),
        object.pointer("/metadata/namespace").and_then(Value::as_str),
        object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or(""),
    )
}

/// `namespace`, `name` of a custom resource as JSON.
pub fn custom_meta(object: &Value) -> (&str, &str) {
    (
        object.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or(""),
        object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or(""),
    )
}
