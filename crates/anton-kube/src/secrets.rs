//! Fetching a [`SecretsSnapshot`] for `anton secrets`: one list per kind, all
//! at once (Secrets as metadata only, so no value crosses the wire), then
//! 1Password Connect's `/health` through the API server's service proxy, one
//! request per Connect Service the stores name. A kind whose CRD is not
//! installed, or that the user may not list, is left out with a note.

use std::collections::BTreeSet;
use std::time::Instant;

use anton_health::secrets::{connect_service, deployment_for_checks, is_connect, pod_for_checks, secret_meta};
use anton_health::{ConnectHealth, SecretsSnapshot};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};
use serde_json::Value;

use crate::client::Cluster;
use crate::discovery::discover;
use crate::error::{LiveError, Op};
use crate::fetch::{FetchStats, PAGE_SIZE, list_dynamic, list_namespaced, spawn};

/// A list that may be refused: `Ok(Err(reason))` when the user may not list it.
type Tolerant<T> = Result<Result<T, String>, LiveError>;

async fn tolerant<T>(what: &str, future: impl std::future::Future<Output = Result<T, LiveError>>) -> Tolerant<T> {
    match future.await {
        Ok(value) => Ok(Ok(value)),
        Err(LiveError::Forbidden { .. }) => Ok(Err(format!("{what}: this user may not list them"))),
        Err(other) => Err(other),
    }
}

/// Every Secret's metadata, page by page (`PartialObjectMetadataList`).
async fn list_secret_names(cluster: Cluster) -> Result<Vec<ObjectMeta>, LiveError> {
    let api: Api<Secret> = Api::all(cluster.client.clone());
    let op = Op::new("list", "secrets", None);
    let mut params = ListParams::default().limit(PAGE_SIZE);
    let mut out = Vec::new();
    loop {
        let page = cluster.call(&op, api.list_metadata(&params)).await?;
        out.extend(page.items.into_iter().map(|item| secret_meta(item.metadata)));
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(out),
        }
    }
}

pub async fn fetch_secrets(cluster: &Cluster) -> Result<(SecretsSnapshot, FetchStats), LiveError> {
    fetch_secrets_with(cluster, true).await
}

/// [`fetch_secrets`]; without `probe_connect`, 1Password Connect's `/health`
/// is not asked (`anton check --quick`).
pub async fn fetch_secrets_with(cluster: &Cluster, probe_connect: bool) -> Result<(SecretsSnapshot, FetchStats), LiveError> {
    let started = Instant::now();
    let before = cluster.requests();
    let served = discover(cluster).await?;
    let c = || cluster.clone();
    let secrets = spawn({
        let cluster = c();
        async move { tolerant("Secrets", list_secret_names(cluster)).await }
    });
    let pods = spawn({
        let cluster = c();
        async move { tolerant("Pods", list_namespaced::<Pod>(cluster, None, None)).await }
    });
    let deployments = spawn({
        let cluster = c();
        async move { tolerant("Deployments", list_namespaced::<Deployment>(cluster, None, None)).await }
    });
    let custom = |kind: &'static str| {
        let resource = served.secrets.get(kind).cloned();
        let cluster = c();
        spawn(async move {
            match resource {
                Some(resource) => tolerant(kind, list_dynamic(cluster, resource, None)).await.map(Some),
                None => Ok(None),
            }
        })
    };
    let (es, ces, ps, stores, cluster_stores, items) = (
        custom("ExternalSecret"),
        custom("ClusterExternalSecret"),
        custom("PushSecret"),
        custom("SecretStore"),
        custom("ClusterSecretStore"),
        custom("OnePasswordItem"),
    );
    let (secrets, pods, deployments) = tokio::try_join!(secrets, pods, deployments)?;
    let (es, ces, ps, stores, cluster_stores, items) = tokio::try_join!(es, ces, ps, stores, cluster_stores, items)?;

    let mut notes = Vec::new();
    let mut unread = Vec::new();
    let mut take = |kind: &str, crd: &str, list: Option<Result<Vec<Value>, String>>| match list {
        Some(Ok(mut items)) => {
            // Who wrote which field, and kubectl's copy of the spec, say nothing the
            // checks read and would triple a recorded snapshot.
            for item in &mut items {
                if let Some(meta) = item.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("managedFields");
                    if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
                    }
                }
            }
            Some(items)
        }
        Some(Err(reason)) => {
            notes.push(format!("{reason}: not checked"));
            unread.push(reason);
            None
        }
        None => {
            notes.push(format!("{kind} CRD ({crd}) not installed: not checked"));
            None
        }
    };
    let external_secrets = take("ExternalSecret", "externalsecrets.external-secrets.io", es);
    let cluster_external_secrets = take("ClusterExternalSecret", "clusterexternalsecrets.external-secrets.io", ces);
    let push_secrets = take("PushSecret", "pushsecrets.external-secrets.io", ps);
    let secret_stores = take("SecretStore", "secretstores.external-secrets.io", stores);
    let cluster_secret_stores = take("ClusterSecretStore", "clustersecretstores.external-secrets.io", cluster_stores);
    let onepassword_items = take("OnePasswordItem", "onepassworditems.onepassword.com", items);
    let secrets = readable(secrets, "missing Secrets not checked", &mut notes, &mut unread);
    let pods = readable(pods, "pods not checked", &mut notes, &mut unread).map(|pods| pods.into_iter().map(pod_for_checks).collect::<Vec<_>>());
    let connect_deployments: Vec<Deployment> =
        readable(deployments, "1Password Connect's Deployment not checked", &mut notes, &mut unread)
            .unwrap_or_default()
            .into_iter()
            .filter(is_connect)
            .map(deployment_for_checks)
            .collect();

    // Connect's /health, once per Service the onepassword stores name.
    let mut services = BTreeSet::new();
    for store in secret_stores.iter().flatten().chain(cluster_secret_stores.iter().flatten()) {
        let namespace = store.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("");
        if let Some(host) = store.pointer("/spec/provider/onepassword/connectHost").and_then(Value::as_str)
            && let Some(service) = connect_service(host, namespace)
        {
            let https = host.trim_start().starts_with("https://");
            services.insert((service, https));
        }
    }
    if !probe_connect {
        services.clear();
    }
    let checks = services.into_iter().map(|((namespace, service, port), https)| connect_health(cluster, namespace, service, port, https));
    let connect_health = futures::future::join_all(checks).await;

    let counts = vec![
        ("ExternalSecret".to_owned(), external_secrets.as_ref().map_or(0, Vec::len)),
        ("ClusterExternalSecret".to_owned(), cluster_external_secrets.as_ref().map_or(0, Vec::len)),
        ("PushSecret".to_owned(), push_secrets.as_ref().map_or(0, Vec::len)),
        ("SecretStore".to_owned(), secret_stores.as_ref().map_or(0, Vec::len)),
        ("ClusterSecretStore".to_owned(), cluster_secret_stores.as_ref().map_or(0, Vec::len)),
        ("OnePasswordItem".to_owned(), onepassword_items.as_ref().map_or(0, Vec::len)),
        ("Secrets".to_owned(), secrets.as_ref().map_or(0, Vec::len)),
        ("Pods".to_owned(), pods.as_ref().map_or(0, Vec::len)),
        ("ConnectHealth".to_owned(), connect_health.iter().filter(|h| h.body.is_some()).count()),
    ];
    let snapshot = SecretsSnapshot {
        recorded_at: Some(k8s_openapi::jiff::Timestamp::now().to_string()),
        external_secrets,
        cluster_external_secrets,
        push_secrets,
        secret_stores,
        cluster_secret_stores,
        onepassword_items,
        secrets,
        pods,
        connect_deployments,
        connect_health,
        unread,
    };
    let stats = FetchStats { requests: cluster.requests() - before, elapsed: started.elapsed(), notes, counts };
    Ok((snapshot, stats))
}

/// The list, or `None` with a note on what it costs.
fn readable<T>(list: Result<Vec<T>, String>, consequence: &str, notes: &mut Vec<String>, unread: &mut Vec<String>) -> Option<Vec<T>> {
    match list {
        Ok(items) => Some(items),
        Err(reason) => {
            notes.push(format!("{reason}: {consequence}"));
            unread.push(reason);
            None
        }
    }
}

/// `GET /api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy/health`.
pub async fn connect_health(cluster: &Cluster, namespace: String, service: String, port: String, https: bool) -> ConnectHealth {
    let scheme = if https { "https:" } else { "" };
    let path = format!("/api/v1/namespaces/{namespace}/services/{scheme}{service}:{port}/proxy/health");
    let op = Op::new("get", "services/proxy", Some(&namespace)).named(&service);
    let mut health = ConnectHealth { namespace: namespace.clone(), service: service.clone(), port, ..ConnectHealth::default() };
    let result = async {
        let request =
            http::Request::get(&path).body(Vec::new()).map_err(|e| LiveError::Other(format!("building GET {path}: {e}")))?;
        // Without kube-rs's 503 retries: an unhealthy Connect answers 503 and must say so, not time out.
        let text = cluster.call(&op, cluster.proxy_client.request_text(request)).await?;
        serde_json::from_str::<Value>(&text)
            .map_err(|e| LiveError::Api { op: op.describe(), detail: format!("Connect answered with something that is not JSON ({e})") })
    }
    .await;
    match result {
        Ok(body) => health.body = Some(body),
        Err(LiveError::Forbidden { .. }) => {
            health.forbidden = true;
            health.error = Some(format!("this user may not get services/proxy in {namespace}"));
        }
        Err(LiveError::NotFound { .. }) => health.error = Some(format!("Service {namespace}/{service} not found")),
        Err(other) => health.error = Some(other.to_string()),
    }
    health
}

/// The field manager of anton's writes (`metadata.managedFields[].manager`).
pub const FIELD_MANAGER: &str = "anton";

/// What one server-side apply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Created,
    Configured,
    Unchanged,
    /// `--dry-run`: the server accepted it and wrote nothing.
    WouldCreate,
    WouldApply,
}

impl Applied {
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Created => "created",
            Applied::Configured => "configured",
            Applied::Unchanged => "unchanged",
            Applied::WouldCreate => "would be created",
            Applied::WouldApply => "would be applied",
        }
    }
}

fn apply_params(dry_run: bool) -> kube::api::PatchParams {
    let mut params = kube::api::PatchParams::apply(FIELD_MANAGER).force();
    params.dry_run = dry_run;
    params
}

/// Server-side apply of Namespace `name` (with the field manager `anton`).
pub async fn apply_namespace(cluster: &Cluster, name: &str, dry_run: bool) -> Result<Applied, LiveError> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: Api<Namespace> = Api::all(cluster.client.clone());
    let before = existing_version(cluster, &api, "namespaces", None, name).await?;
    let object = serde_json::json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } });
    let op = Op::new("apply", "namespaces", None).named(name);
    let after = cluster.call(&op, api.patch_metadata(name, &apply_params(dry_run), &kube::api::Patch::Apply(&object))).await?;
    Ok(outcome(before, after.metadata.resource_version, dry_run))
}

/// Server-side apply of a Secret holding one `key` with `value` (as `data`,
/// base64-encoded here once, as the API stores it). The server answers with
/// the metadata only, so the value does not come back.
///
/// Also returns the Flux Kustomization that applies the same Secret (its
/// `kustomize.toolkit.fluxcd.io/name` label), which would put its own value back.
pub async fn apply_secret(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    key: &str,
    value: &[u8],
    dry_run: bool,
) -> Result<(Applied, Option<String>), LiveError> {
    use base64::Engine as _;
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), namespace);
    let op = Op::new("get", "secrets", Some(namespace)).named(name);
    let existing = cluster.call(&op, api.get_metadata_opt(name)).await?;
    let flux = existing.as_ref().and_then(|m| {
        let labels = m.metadata.labels.as_ref()?;
        let ks = labels.get("kustomize.toolkit.fluxcd.io/name")?;
        let ks_ns = labels.get("kustomize.toolkit.fluxcd.io/namespace").map_or("flux-system", String::as_str);
        Some(format!("{ks_ns}/{ks}"))
    });
    let before = existing.map(|m| m.metadata.resource_version.unwrap_or_default());
    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
    let object = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": name, "namespace": namespace, "labels": { "app.kubernetes.io/managed-by": FIELD_MANAGER } },
        "type": "Opaque",
        "data": { key: encoded },
    });
    let op = Op::new("apply", "secrets", Some(namespace)).named(name);
    let after = cluster.call(&op, api.patch_metadata(name, &apply_params(dry_run), &kube::api::Patch::Apply(&object))).await?;
    Ok((outcome(before, after.metadata.resource_version, dry_run), flux))
}

/// The resourceVersion of an existing object (its metadata only); `None` when there is none.
async fn existing_version<K>(cluster: &Cluster, api: &Api<K>, resource: &str, namespace: Option<&str>, name: &str) -> Result<Option<String>, LiveError>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let op = Op::new("get", resource, namespace).named(name);
    match cluster.call(&op, api.get_metadata_opt(name)).await? {
        Some(meta) => Ok(Some(meta.metadata.resource_version.unwrap_or_default())),
        None => Ok(None),
    }
}

fn outcome(before: Option<String>, after: Option<String>, dry_run: bool) -> Applied {
    match (before, dry_run) {
        (None, true) => Applied::WouldCreate,
        (Some(_), true) => Applied::WouldApply,
        (None, false) => Applied::Created,
        (Some(old), false) if Some(&old) == after.as_ref() => Applied::Unchanged,
        (Some(_), false) => Applied::Configured,
    }
}

/// The 1Password Connect Deployments in `namespace`.
pub async fn connect_deployments(cluster: &Cluster, namespace: &str) -> Result<Vec<Deployment>, LiveError> {
    let all = list_namespaced::<Deployment>(cluster.clone(), Some(namespace.to_owned()), None).await?;
    Ok(all.into_iter().filter(is_connect).collect())
}

/// Whether the Namespace exists (metadata only).
pub async fn namespace_exists(cluster: &Cluster, name: &str) -> Result<bool, LiveError> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: Api<Namespace> = Api::all(cluster.client.clone());
    Ok(existing_version(cluster, &api, "namespaces", None, name).await?.is_some())
}

/// Waits between two polls (the runtime's timer, for callers without tokio).
pub async fn pause(duration: std::time::Duration) {
    tokio::time::sleep(duration).await;
}
