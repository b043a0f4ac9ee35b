//! Fetching a [`StorageSnapshot`] for `anton storage`: one list per kind, all
//! at once, then one `stats/summary` request per Ready node through the API
//! server's node proxy, all at once.

use std::time::Instant;

use anton_health::{CephSnapshot, NodeStats, StorageSnapshot};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass, VolumeAttachment};
use kube::api::{Api, ListParams};
use serde_json::Value;

use crate::client::Cluster;
use crate::discovery::discover;
use crate::error::{LiveError, Op};
use crate::fetch::{FetchStats, list_cluster_scoped, list_dynamic, list_namespaced, list_with, optional, resource_name, spawn};

/// The Deployments the storage checks look at, by their `app` label.
pub const STORAGE_DEPLOYMENT_SELECTOR: &str =
    "app in (rook-ceph-operator,rook-ceph-mon,rook-ceph-mgr,rook-ceph-osd,local-path-provisioner)";

/// What to fetch besides the always-read kinds.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoragePlan {
    /// CSIDrivers, for `--check-provisioner`.
    pub csi_drivers: bool,
    /// Leave out volume use (one kubelet request per node; `anton check --quick`).
    pub skip_volume_usage: bool,
}

pub async fn fetch_storage(cluster: &Cluster, plan: StoragePlan) -> Result<(StorageSnapshot, FetchStats), LiveError> {
    let started = Instant::now();
    let before = cluster.requests();
    let served = discover(cluster).await?;
    let c = || cluster.clone();
    let claims = spawn(list_namespaced::<PersistentVolumeClaim>(c(), None, None));
    let volumes = spawn(list_cluster_scoped::<PersistentVolume>(c()));
    let attachments = spawn(list_cluster_scoped::<VolumeAttachment>(c()));
    let classes = spawn(list_cluster_scoped::<StorageClass>(c()));
    let drivers = spawn(optional(plan.csi_drivers, list_cluster_scoped::<CSIDriver>(c())));
    let pods = spawn(list_namespaced::<Pod>(c(), None, None));
    let events = spawn({
        let cluster = c();
        async move {
            let op = Op::new("list", resource_name::<Event>(), None);
            let params = ListParams::default().fields("type=Warning");
            list_with(&cluster, Api::<Event>::all(cluster.client.clone()), op, params).await
        }
    });
    let deployments = spawn(list_namespaced::<Deployment>(c(), None, Some(STORAGE_DEPLOYMENT_SELECTOR)));
    // Nodes first, then their kubelets: a user without the right to list
    // nodes still gets everything but volume use.
    let skip_usage = plan.skip_volume_usage;
    let usage = spawn({
        let cluster = c();
        async move {
            match list_cluster_scoped::<Node>(cluster.clone()).await {
                Ok(nodes) => {
                    let stats = if skip_usage { Ok(None) } else { node_stats(&cluster, &nodes).await.map(Some) };
                    Ok((nodes, stats))
                }
                Err(LiveError::Forbidden { .. }) => {
                    Ok((Vec::new(), Err("this user may not list nodes (and so cannot read the kubelets' statistics)".to_owned())))
                }
                Err(other) => Err(other),
            }
        }
    });
    let custom = |kind: &'static str| {
        let resource = served.storage.get(kind).cloned();
        let cluster = c();
        spawn(async move {
            match resource {
                Some(resource) => list_dynamic(cluster, resource, None).await.map(Some),
                None => Ok(None),
            }
        })
    };
    let (ceph_clusters, pools, filesystems, stores, buckets, sources) = (
        custom("CephCluster"),
        custom("CephBlockPool"),
        custom("CephFilesystem"),
        custom("CephObjectStore"),
        custom("ObjectBucketClaim"),
        custom("ReplicationSource"),
    );
    let (claims, volumes, attachments, classes, drivers, pods, events, deployments, (nodes, stats)) =
        tokio::try_join!(claims, volumes, attachments, classes, drivers, pods, events, deployments, usage)?;
    let (ceph_clusters, pools, filesystems, stores, buckets, sources) =
        tokio::try_join!(ceph_clusters, pools, filesystems, stores, buckets, sources)?;

    let mut notes = Vec::new();
    let ceph = ceph_clusters.map(|clusters| CephSnapshot {
        clusters,
        block_pools: pools.unwrap_or_default(),
        filesystems: filesystems.unwrap_or_default(),
        object_stores: stores.unwrap_or_default(),
        object_bucket_claims: buckets,
    });
    if ceph.is_none() {
        notes.push("CephCluster CRD (cephclusters.ceph.rook.io) not installed: Ceph not checked".to_owned());
    }
    if sources.is_none() {
        notes.push("ReplicationSource CRD (replicationsources.volsync.backube) not installed: backups not checked".to_owned());
    }
    let (node_stats, usage_unavailable) = match stats {
        Ok(Some(stats)) => (Some(stats), None),
        Ok(None) => {
            notes.push("volume use not read (quick run)".to_owned());
            (None, None)
        }
        Err(reason) => {
            notes.push(format!("volume use not read: {reason}"));
            (None, Some(reason))
        }
    };
    let counts = vec![
        ("PersistentVolumeClaim".to_owned(), claims.len()),
        ("PersistentVolume".to_owned(), volumes.len()),
        ("VolumeAttachment".to_owned(), attachments.len()),
        ("StorageClass".to_owned(), classes.len()),
        ("Pod".to_owned(), pods.len()),
        ("Event".to_owned(), events.len()),
        ("Node".to_owned(), nodes.len()),
        ("NodeStats".to_owned(), node_stats.as_ref().map_or(0, |s: &Vec<NodeStats>| s.iter().filter(|n| n.summary.is_some()).count())),
    ];
    let snapshot = StorageSnapshot {
        recorded_at: Some(k8s_openapi::jiff::Timestamp::now().to_string()),
        claims,
        volumes,
        attachments,
        classes,
        csi_drivers: drivers,
        pods,
        events,
        deployments,
        nodes,
        node_stats,
        usage_unavailable,
        ceph,
        replication_sources: sources,
    };
    let stats = FetchStats { requests: cluster.requests() - before, elapsed: started.elapsed(), notes, counts };
    Ok((snapshot, stats))
}

/// One `stats/summary` per Ready node, concurrently. `Err` when the user may
/// not use the node proxy at all (the one permission that adds volume use).
async fn node_stats(cluster: &Cluster, nodes: &[Node]) -> Result<Vec<NodeStats>, String> {
    let requests = nodes.iter().map(|node| {
        let cluster = cluster.clone();
        let name = node.metadata.name.clone().unwrap_or_default();
        let ready = node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        async move {
            if !ready {
                return (name.clone(), Ok(None));
            }
            let path = format!("/api/v1/nodes/{name}/proxy/stats/summary");
            let op = Op::new("get", "nodes/proxy", None).named(&name);
            let result = async {
                let request = http::Request::get(&path)
                    .body(Vec::new())
                    .map_err(|e| LiveError::Other(format!("building GET {path}: {e}")))?;
                let text = cluster.call(&op, cluster.client.request_text(request)).await?;
                serde_json::from_str::<Value>(&text).map_err(|e| LiveError::Api { op: op.describe(), detail: format!("invalid JSON: {e}") })
            }
            .await;
            (name, result.map(Some))
        }
    });
    let results = futures::future::join_all(requests).await;
    let mut out = Vec::new();
    for (node, result) in results {
        match result {
            Ok(Some(summary)) => out.push(NodeStats { node, summary: Some(summary), error: None }),
            Ok(None) => out.push(NodeStats { node, summary: None, error: Some("the node is not Ready: skipped".to_owned()) }),
            Err(LiveError::Forbidden { .. }) => {
                return Err("this user may not get nodes/proxy (the kubelets' statistics through the API server)".to_owned());
            }
            Err(error) => out.push(NodeStats { node, summary: None, error: Some(error.to_string()) }),
        }
    }
    Ok(out)
}
