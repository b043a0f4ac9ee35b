//! Fetching a [`Snapshot`]: one list per kind, all kinds in parallel, each
//! list paginated (500 objects a page, like kubectl).

use std::fmt::Debug;
use std::time::{Duration, Instant};

use anton_health::{FluxKind, FluxSnapshot, Snapshot};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Cluster;
use crate::discovery::{Served, discover};
use crate::error::{LiveError, Op};

/// Objects per list page.
pub const PAGE_SIZE: u32 = 500;

/// The Flux controllers' label (set by `flux install` and the Flux Operator).
pub const FLUX_CONTROLLER_SELECTOR: &str = "app.kubernetes.io/part-of=flux";

/// What to fetch.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Limit namespaced kinds to this namespace; cluster-scoped kinds (nodes,
    /// storage classes, metrics) are then left out.
    pub namespace: Option<String>,
    /// Nodes, workloads, pods, storage classes, metrics (`anton health`).
    pub cluster: bool,
    /// Flux objects and controllers.
    pub flux: bool,
}

/// How the fetch went, for `details.api` and verbose output.
#[derive(Debug, Clone, Default)]
pub struct FetchStats {
    pub requests: u64,
    pub elapsed: Duration,
    /// What was skipped and why ("HelmRelease CRD not installed").
    pub notes: Vec<String>,
    /// Objects per kind.
    pub counts: Vec<(String, usize)>,
}

/// Lists every object of `api`, page by page.
pub async fn list_all<K>(cluster: &Cluster, api: Api<K>, op: Op, selector: Option<&str>) -> Result<Vec<K>, LiveError>
where
    K: Clone + DeserializeOwned + Debug,
{
    let mut params = ListParams::default();
    if let Some(selector) = selector {
        params = params.labels(selector);
    }
    list_with(cluster, api, op, params).await
}

/// Lists every object of `api` that `params` selects, page by page.
pub async fn list_with<K>(cluster: &Cluster, api: Api<K>, op: Op, params: ListParams) -> Result<Vec<K>, LiveError>
where
    K: Clone + DeserializeOwned + Debug,
{
    let mut params = params.limit(PAGE_SIZE);
    let mut items = Vec::new();
    loop {
        let page = cluster.call(&op, api.list(&params)).await?;
        items.extend(page.items);
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(items),
        }
    }
}

pub(crate) fn typed_api<K>(cluster: &Cluster, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(cluster.client.clone(), ns),
        None => Api::all(cluster.client.clone()),
    }
}

pub(crate) fn resource_name<K: kube::Resource>() -> String
where
    <K as kube::Resource>::DynamicType: Default,
{
    let dt = Default::default();
    let group = K::group(&dt);
    let plural = K::plural(&dt);
    if group.is_empty() { plural.into_owned() } else { format!("{plural}.{group}") }
}

pub(crate) async fn list_namespaced<K>(cluster: Cluster, namespace: Option<String>, selector: Option<&'static str>) -> Result<Vec<K>, LiveError>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
    <K as kube::Resource>::DynamicType: Default,
{
    let api = typed_api::<K>(&cluster, namespace.as_deref());
    let op = Op::new("list", resource_name::<K>(), namespace.as_deref());
    list_all(&cluster, api, op, selector).await
}

pub(crate) async fn list_cluster_scoped<K>(cluster: Cluster) -> Result<Vec<K>, LiveError>
where
    K: kube::Resource<Scope = k8s_openapi::ClusterResourceScope> + Clone + DeserializeOwned + Debug,
    <K as kube::Resource>::DynamicType: Default,
{
    let api = Api::<K>::all(cluster.client.clone());
    let op = Op::new("list", resource_name::<K>(), None);
    list_all(&cluster, api, op, None).await
}

/// Lists one dynamic kind (a Flux CRD, NodeMetrics) as JSON objects with
/// `apiVersion` and `kind` set.
pub async fn list_dynamic(cluster: Cluster, resource: ApiResource, namespace: Option<String>) -> Result<Vec<Value>, LiveError> {
    let api: Api<DynamicObject> = match &namespace {
        Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &resource),
        None => Api::all_with(cluster.client.clone(), &resource),
    };
    let name = if resource.group.is_empty() { resource.plural.clone() } else { format!("{}.{}", resource.plural, resource.group) };
    let op = Op::new("list", name, namespace.as_deref());
    let objects = list_all(&cluster, api, op, None).await?;
    Ok(objects
        .into_iter()
        .filter_map(|object| {
            let mut value = serde_json::to_value(object).ok()?;
            if let Some(map) = value.as_object_mut() {
                map.entry("apiVersion").or_insert_with(|| Value::String(resource.api_version.clone()));
                map.entry("kind").or_insert_with(|| Value::String(resource.kind.clone()));
            }
            Some(value)
        })
        .collect())
}

/// Runs a future on the runtime's worker threads, so JSON decoding of the
/// big lists (pods) happens in parallel with the others.
pub(crate) fn spawn<T: Send + 'static>(
    future: impl std::future::Future<Output = Result<T, LiveError>> + Send + 'static,
) -> impl std::future::Future<Output = Result<T, LiveError>> {
    let handle = tokio::spawn(future);
    async move { handle.await.map_err(|e| LiveError::Other(format!("a list task failed: {e}")))? }
}

/// Fetches everything `plan` asks for. Discovery first (which Flux CRDs exist,
/// whether metrics.k8s.io is served), then every list at once.
pub async fn fetch_snapshot(cluster: &Cluster, plan: &Plan) -> Result<(Snapshot, FetchStats, Served), LiveError> {
    let started = Instant::now();
    let before = cluster.requests();
    let all_namespaces = plan.namespace.is_none();
    let ns = plan.namespace.clone();
    let mut notes = Vec::new();

    let version = {
        let cluster = cluster.clone();
        let wanted = plan.cluster && all_namespaces;
        spawn(async move {
            if !wanted {
                return Ok(None);
            }
            let op = Op::new("get", "/version", None);
            let info = cluster.call(&op, cluster.client.apiserver_version()).await?;
            Ok(Some(info.git_version))
        })
    };
    let served = discover(cluster).await?;

    let c = || cluster.clone();
    let cluster_wide = plan.cluster && all_namespaces;
    let nodes = spawn(optional(cluster_wide, list_cluster_scoped::<Node>(c())));
    let storage = spawn(optional(cluster_wide, list_cluster_scoped::<StorageClass>(c())));
    let metrics = spawn({
        let resource = served.node_metrics.clone().filter(|_| cluster_wide);
        let cluster = c();
        async move {
            match resource {
                Some(resource) => list_dynamic(cluster, resource, None).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let pods = spawn(optional(plan.cluster, list_namespaced::<Pod>(c(), ns.clone(), None)));
    let deployments = spawn(optional(plan.cluster, list_namespaced::<Deployment>(c(), ns.clone(), None)));
    let stateful_sets = spawn(optional(plan.cluster, list_namespaced::<StatefulSet>(c(), ns.clone(), None)));
    let daemon_sets = spawn(optional(plan.cluster, list_namespaced::<DaemonSet>(c(), ns.clone(), None)));
    let jobs = spawn(optional(plan.cluster, list_namespaced::<Job>(c(), ns.clone(), None)));
    let cron_jobs = spawn(optional(plan.cluster, list_namespaced::<CronJob>(c(), ns.clone(), None)));
    // `anton health` over all namespaces finds the controllers among all
    // Deployments; otherwise they are one label-selected list.
    let controllers_listed = plan.flux && (all_namespaces || ns.as_deref() == Some("flux-system"));
    let controllers_separately = controllers_listed && !plan.cluster && !served.flux.is_empty();
    let controllers = spawn(optional(
        controllers_separately,
        list_namespaced::<Deployment>(c(), ns.clone(), Some(FLUX_CONTROLLER_SELECTOR)),
    ));
    let flux_lists: Vec<_> = if plan.flux {
        served
            .flux
            .iter()
            .map(|(kind, resource)| {
                let kind = *kind;
                let list = spawn(list_dynamic(c(), resource.clone(), ns.clone()));
                async move { list.await.map(|objects| (kind, objects)) }
            })
            .collect()
    } else {
        Vec::new()
    };

    let (version, nodes, storage, metrics, pods, deployments, stateful_sets, daemon_sets, jobs, cron_jobs, controllers, flux) = tokio::try_join!(
        version,
        nodes,
        storage,
        metrics,
        pods,
        deployments,
        stateful_sets,
        daemon_sets,
        jobs,
        cron_jobs,
        controllers,
        futures::future::try_join_all(flux_lists),
    )?;

    let deployments = deployments.unwrap_or_default();
    let flux_snapshot = if plan.flux && (!served.flux.is_empty() || !plan.cluster) {
        let controllers = if controllers_separately {
            controllers.unwrap_or_default()
        } else if controllers_listed {
            deployments.iter().filter(|d| is_flux_controller(d)).cloned().collect()
        } else {
            Vec::new()
        };
        let mut counts = Vec::new();
        let mut objects = Vec::new();
        for (kind, list) in flux {
            counts.push((kind.kind().to_owned(), list.len()));
            objects.extend(list);
        }
        for kind in FluxKind::ALL {
            if !served.flux.contains_key(&kind) {
                notes.push(format!("{} CRD ({}) not installed: skipped", kind.kind(), kind.resource()));
            }
        }
        Some((
            FluxSnapshot {
                installed: served.flux.keys().copied().collect(),
                objects,
                controllers,
                controllers_listed,
            },
            counts,
        ))
    } else {
        if plan.flux {
            notes.push("no Flux CRDs (*.toolkit.fluxcd.io) installed: Flux not checked".to_owned());
        }
        None
    };
    if plan.cluster {
        if !all_namespaces {
            notes.push(format!(
                "limited to namespace {}: nodes, storage classes, node metrics and the Flux controllers (unless -n flux-system) not checked",
                ns.as_deref().unwrap_or("")
            ));
        } else if served.node_metrics.is_none() {
            notes.push("metrics.k8s.io not served: node CPU/memory use not checked".to_owned());
        }
    }

    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut count = |kind: &str, n: Option<usize>| {
        if let Some(n) = n {
            counts.push((kind.to_owned(), n));
        }
    };
    count("Node", nodes.as_ref().map(Vec::len));
    count("Pod", pods.as_ref().map(Vec::len));
    count("Deployment", plan.cluster.then_some(deployments.len()));
    count("StatefulSet", stateful_sets.as_ref().map(Vec::len));
    count("DaemonSet", daemon_sets.as_ref().map(Vec::len));
    count("Job", jobs.as_ref().map(Vec::len));
    count("CronJob", cron_jobs.as_ref().map(Vec::len));
    count("StorageClass", storage.as_ref().map(Vec::len));
    count("NodeMetrics", metrics.as_ref().map(Vec::len));
    let flux = flux_snapshot.map(|(snapshot, flux_counts)| {
        counts.extend(flux_counts);
        snapshot
    });

    let snapshot = Snapshot {
        recorded_at: Some(k8s_openapi::jiff::Timestamp::now().to_string()),
        server_version: version,
        namespace: ns,
        nodes,
        pods: pods.unwrap_or_default(),
        deployments,
        stateful_sets: stateful_sets.unwrap_or_default(),
        daemon_sets: daemon_sets.unwrap_or_default(),
        jobs: jobs.unwrap_or_default(),
        cron_jobs: cron_jobs.unwrap_or_default(),
        storage_classes: storage,
        node_metrics: metrics,
        flux,
    };
    let stats = FetchStats { requests: cluster.requests() - before, elapsed: started.elapsed(), notes, counts };
    Ok((snapshot, stats, served))
}

pub(crate) async fn optional<T>(wanted: bool, future: impl std::future::Future<Output = Result<T, LiveError>>) -> Result<Option<T>, LiveError> {
    if wanted { future.await.map(Some) } else { Ok(None) }
}

fn is_flux_controller(deployment: &Deployment) -> bool {
    let (key, value) = FLUX_CONTROLLER_SELECTOR.split_once('=').unwrap_or_default();
    deployment.metadata.labels.as_ref().is_some_and(|l| l.get(key).is_some_and(|v| v == value))
}
