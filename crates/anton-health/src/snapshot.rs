//! What the checks look at: the cluster's objects at one moment, as the API
//! server returned them. The client layer (`anton-kube`) fills it with one
//! list per kind; unit tests read it from a recorded JSON file.

use std::collections::BTreeSet;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flux::FluxKind;

/// The objects of one cluster at one moment.
///
/// `Option` fields are `None` when that kind was not looked at (a namespace-scoped
/// run does not list nodes) or cannot be (metrics.k8s.io not served); checks
/// skip them instead of reporting their absence as a problem.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Snapshot {
    /// When the objects were read (RFC 3339); a replay checks "as of" this time.
    pub recorded_at: Option<String>,
    /// `gitVersion` of the API server, e.g. `v1.37.2`.
    pub server_version: Option<String>,
    /// The namespace the run was limited to; `None` for all namespaces.
    pub namespace: Option<String>,
    pub nodes: Option<Vec<Node>>,
    pub pods: Vec<Pod>,
    pub deployments: Vec<Deployment>,
    pub stateful_sets: Vec<StatefulSet>,
    pub daemon_sets: Vec<DaemonSet>,
    pub jobs: Vec<Job>,
    pub cron_jobs: Vec<CronJob>,
    pub storage_classes: Option<Vec<StorageClass>>,
    /// `metrics.k8s.io` NodeMetrics; `None` when the metrics API is not served.
    pub node_metrics: Option<Vec<Value>>,
    /// Flux objects and controllers; `None` when Flux was not looked at.
    pub flux: Option<FluxSnapshot>,
}

/// Flux as the API server shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FluxSnapshot {
    /// Flux kinds whose CRDs are installed (served by the API server).
    pub installed: BTreeSet<FluxKind>,
    /// Every object of the installed kinds, as JSON with `apiVersion` and `kind` set.
    pub objects: Vec<Value>,
    /// Deployments labelled `app.kubernetes.io/part-of=flux`.
    pub controllers: Vec<Deployment>,
    /// Whether `controllers` were looked for (all namespaces or the controllers'
    /// own namespace); a run limited to an app namespace cannot see them.
    pub controllers_listed: bool,
}

impl Snapshot {
    /// Reads a recorded snapshot (the format of `anton health --save-snapshot`).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Objects the checks examined, as `Kind/namespace/name`: the report's `total`.
    pub fn subjects(&self) -> Vec<String> {
        use k8s_openapi::Metadata;
        fn ids<T: Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>>(
            kind: &str,
            items: &[T],
            out: &mut Vec<String>,
        ) {
            for item in items {
                let meta = item.metadata();
                out.push(crate::util::object_id(
                    kind,
                    meta.namespace.as_deref(),
                    meta.name.as_deref().unwrap_or(""),
                ));
            }
        }
        let mut out = Vec::new();
        if let Some(nodes) = &self.nodes {
            ids("Node", nodes, &mut out);
        }
        ids("Pod", &self.pods, &mut out);
        ids("Deployment", &self.deployments, &mut out);
        ids("StatefulSet", &self.stateful_sets, &mut out);
        ids("DaemonSet", &self.daemon_sets, &mut out);
        ids("Job", &self.jobs, &mut out);
        ids("CronJob", &self.cron_jobs, &mut out);
        if let Some(classes) = &self.storage_classes {
            ids("StorageClass", classes, &mut out);
        }
        if let Some(flux) = &self.flux {
            out.extend(flux.objects.iter().filter_map(crate::flux::FluxObject::parse).map(|o| o.id()));
        }
        out
    }
}
