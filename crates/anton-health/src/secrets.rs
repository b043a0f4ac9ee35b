//! `anton secrets`: the chain that delivers secrets, checked end to end over
//! a [`SecretsSnapshot`]. External Secrets Operator's ExternalSecrets,
//! ClusterExternalSecrets, PushSecrets and stores; 1Password Connect (its
//! Deployment, the credentials and token Secrets, its `/health`); the
//! 1Password operator's OnePasswordItems; and pods that reference a Secret
//! that does not exist. Only names, conditions and timestamps are read.

mod snapshot;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anton_core::{Finding, Severity};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::storage::{custom_id, custom_meta};
use crate::util::{age, human_duration, object_id, parse_duration, parse_timestamp};

pub use snapshot::{ConnectHealth, SecretsSnapshot, deployment_for_checks, is_connect, pod_for_checks, secret_meta};

/// The areas of `anton secrets`' finding codes, in the order to show them.
pub const SECRETS_AREAS: [&str; 8] =
    ["connect", "store", "externalsecret", "clusterexternalsecret", "pushsecret", "onepassworditem", "pod", "secrets"];

/// ESO's default `spec.refreshInterval`.
const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(3_600);

/// Every check of `anton secrets`, in area order.
pub fn check_secrets(snapshot: &SecretsSnapshot, now: Timestamp) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(check_connect(snapshot));
    findings.extend(check_stores(snapshot));
    findings.extend(check_external_secrets(snapshot, now));
    findings.extend(check_cluster_external_secrets(snapshot));
    findings.extend(check_push_secrets(snapshot));
    findings.extend(check_onepassword_items(snapshot));
    findings.extend(check_pods(snapshot));
    findings
}

/// The condition `kind` of a custom resource's `status.conditions`.
fn condition<'a>(object: &'a Value, kind: &str) -> Option<&'a Value> {
    object.pointer("/status/conditions")?.as_array()?.iter().find(|c| c["type"] == kind)
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A store as an ExternalSecret names it: (kind, namespace for SecretStores, name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct StoreKey {
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl StoreKey {
    /// `secretStoreRef` (or a PushSecret's `secretStoreRefs[]` item) of an object in `namespace`.
    fn of(reference: &Value, namespace: &str) -> Option<StoreKey> {
        let name = reference["name"].as_str().filter(|n| !n.is_empty())?.to_owned();
        let kind = reference["kind"].as_str().filter(|k| !k.is_empty()).unwrap_or("SecretStore").to_owned();
        let namespace = (kind != "ClusterSecretStore").then(|| namespace.to_owned());
        Some(StoreKey { kind, namespace, name })
    }

    fn id(&self) -> String {
        object_id(&self.kind, self.namespace.as_deref(), &self.name)
    }
}

/// Whether the store exists; `None` when that kind of store was not read.
fn store_exists(snapshot: &SecretsSnapshot, key: &StoreKey) -> Option<bool> {
    let stores = if key.kind == "ClusterSecretStore" { &snapshot.cluster_secret_stores } else { &snapshot.secret_stores };
    let stores = stores.as_ref()?;
    Some(stores.iter().any(|s| {
        let (ns, name) = custom_meta(s);
        name == key.name && (key.namespace.is_none() || key.namespace.as_deref() == Some(ns))
    }))
}

/// Every store reference, with the object that makes it (`ExternalSecret/ns/name`).
fn store_references(snapshot: &SecretsSnapshot) -> Vec<(StoreKey, String)> {
    let mut out = Vec::new();
    for es in snapshot.external_secrets.iter().flatten() {
        let (ns, _) = custom_meta(es);
        if let Some(key) = es.pointer("/spec/secretStoreRef").and_then(|r| StoreKey::of(r, ns)) {
            out.push((key, custom_id(es)));
        }
        // Per-entry stores (`data[].sourceRef.storeRef`, `dataFrom[].sourceRef.storeRef`).
        for list in ["/spec/data", "/spec/dataFrom"] {
            for entry in es.pointer(list).and_then(Value::as_array).into_iter().flatten() {
                if let Some(key) = entry.pointer("/sourceRef/storeRef").and_then(|r| StoreKey::of(r, ns)) {
                    out.push((key, custom_id(es)));
                }
            }
        }
    }
    for ces in snapshot.cluster_external_secrets.iter().flatten() {
        if let Some(reference) = ces.pointer("/spec/externalSecretSpec/secretStoreRef") {
            // A ClusterExternalSecret's SecretStore is looked up in each target namespace.
            if let Some(key) = StoreKey::of(reference, "")
                && key.kind == "ClusterSecretStore"
            {
                out.push((key, custom_id(ces)));
            }
        }
    }
    for ps in snapshot.push_secrets.iter().flatten() {
        let (ns, _) = custom_meta(ps);
        for reference in ps.pointer("/spec/secretStoreRefs").and_then(Value::as_array).into_iter().flatten() {
            if let Some(key) = StoreKey::of(reference, ns) {
                out.push((key, custom_id(ps)));
            }
        }
    }
    out
}

/// `store/not-ready`, `store/unused`, `connect/token-missing`.
fn check_stores(snapshot: &SecretsSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    let used: BTreeSet<StoreKey> = store_references(snapshot).into_iter().map(|(key, _)| key).collect();
    // A ClusterExternalSecret may name a namespaced SecretStore present in each namespace it targets.
    let ces_store_names: BTreeSet<String> = snapshot
        .cluster_external_secrets
        .iter()
        .flatten()
        .filter_map(|c| text(c, "/spec/externalSecretSpec/secretStoreRef/name").map(str::to_owned))
        .collect();
    let references_read = snapshot.external_secrets.is_some();
    for (kind, stores) in [("SecretStore", &snapshot.secret_stores), ("ClusterSecretStore", &snapshot.cluster_secret_stores)] {
        for store in stores.iter().flatten() {
            let (ns, name) = custom_meta(store);
            let id = custom_id(store);
            match condition(store, "Ready") {
                Some(c) if c["status"] == "True" => {}
                Some(c) => findings.push(
                    Finding::new(
                        "store/not-ready",
                        Severity::Critical,
                        format!(
                            "{kind} {} is not ready ({}): {}",
                            display(ns, name),
                            c["reason"].as_str().unwrap_or("no reason"),
                            c["message"].as_str().unwrap_or("no message")
                        ),
                    )
                    .object(&id)
                    .hint("every ExternalSecret using this store fails until it validates: check its provider settings and the Secret holding its credentials"),
                ),
                None => findings.push(
                    Finding::new("store/not-ready", Severity::Warning, format!("{kind} {} has no Ready condition: External Secrets Operator has not validated it", display(ns, name)))
                        .object(&id)
                        .hint("check that External Secrets Operator runs (`kubectl get deploy -n external-secrets`)"),
                ),
            }
            let key = StoreKey { kind: kind.to_owned(), namespace: (kind == "SecretStore").then(|| ns.to_owned()), name: name.to_owned() };
            if references_read && !used.contains(&key) && !(kind == "SecretStore" && ces_store_names.contains(name)) {
                findings.push(
                    Finding::new("store/unused", Severity::Info, format!("{kind} {} is not used by any ExternalSecret, ClusterExternalSecret or PushSecret", display(ns, name)))
                        .object(&id)
                        .hint("remove it from Git if nothing will use it"),
                );
            }
            if let Some(token) = store.pointer("/spec/provider/onepassword/auth/secretRef/connectTokenSecretRef") {
                let token_ns = token["namespace"].as_str().filter(|s| !s.is_empty()).unwrap_or(ns);
                let token_name = token["name"].as_str().unwrap_or("");
                if snapshot.secret_exists(token_ns, token_name) == Some(false) {
                    findings.push(
                        Finding::new(
                            "connect/token-missing",
                            Severity::Critical,
                            format!(
                                "{kind} {} authenticates to 1Password Connect with Secret {token_ns}/{token_name}, which does not exist",
                                display(ns, name)
                            ),
                        )
                        .object(&id)
                        .hint(format!("put the Connect token into the cluster: `anton secrets onepassword rotate-token --token-file FILE --namespace {token_ns}` (or commit it SOPS-encrypted)")),
                    );
                }
            }
        }
    }
    findings
}

/// `namespace/name`, or `name` for cluster-scoped objects.
fn display(namespace: &str, name: &str) -> String {
    if namespace.is_empty() { name.to_owned() } else { format!("{namespace}/{name}") }
}

/// The in-cluster Service a store's `connectHost` names:
/// `http://onepassword-connect.external-secrets.svc.cluster.local:8080` →
/// (`external-secrets`, `onepassword-connect`, `8080`). A bare `name:port`
/// is in `default_namespace`; other hosts are not in the cluster (`None`).
pub fn connect_service(connect_host: &str, default_namespace: &str) -> Option<(String, String, String)> {
    let rest = connect_host.trim().trim_end_matches('/');
    let (scheme, rest) = match rest.split_once("://") {
        Some((scheme, rest)) => (scheme, rest),
        None => ("http", rest),
    };
    let authority = rest.split('/').next()?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() => (host, port.to_owned()),
        _ => (authority, if scheme == "https" { "443" } else { "80" }.to_owned()),
    };
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let (service, namespace) = match labels.as_slice() {
        [service] => (*service, default_namespace),
        [service, namespace] => (*service, *namespace),
        [service, namespace, "svc", ..] => (*service, *namespace),
        _ => return None,
    };
    if service.is_empty() || namespace.is_empty() {
        return None;
    }
    Some((namespace.to_owned(), service.to_owned(), port))
}

/// `connect/unavailable`, `connect/credentials-missing`, `connect/not-found`,
/// `connect/health`, `connect/health-unchecked`.
fn check_connect(snapshot: &SecretsSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for deployment in &snapshot.connect_deployments {
        let ns = deployment.metadata.namespace.as_deref().unwrap_or("");
        let name = deployment.metadata.name.as_deref().unwrap_or("");
        let id = object_id("Deployment", Some(ns), name);
        let desired = deployment.spec.replicas.unwrap_or(1);
        let available = deployment.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0);
        let containers = deployment.spec.template.spec.as_ref().map(|p| p.containers.as_slice()).unwrap_or_default();
        let has_sync = containers.iter().any(|c| c.image.as_deref().is_some_and(|i| i.contains("1password/connect-sync")));
        if !has_sync {
            findings.push(
                Finding::new("connect/unavailable", Severity::Critical, format!("1Password Connect {ns}/{name} has no connect-sync container: the API has no vault data to serve"))
                    .object(&id)
                    .hint("deploy Connect with its chart (api and sync containers), from Git"),
            );
        }
        if desired > 0 && available < desired {
            let not_ready = unready_containers(snapshot, deployment);
            let detail = if not_ready.is_empty() { String::new() } else { format!("; not ready: {}", not_ready.join(", ")) };
            findings.push(
                Finding::new(
                    "connect/unavailable",
                    Severity::Critical,
                    format!("1Password Connect {ns}/{name} has {available} of {desired} replicas available{detail}"),
                )
                .object(&id)
                .hint(format!("`kubectl logs -n {ns} deploy/{name} -c connect-api` (and -c connect-sync); a credentials error means the credentials Secret is wrong: `anton secrets onepassword setup`")),
            );
        }
        let mut credentials: BTreeSet<&str> = BTreeSet::new();
        for container in containers {
            for env in container.env.iter().flatten() {
                if env.name == "OP_SESSION"
                    && let Some(reference) = env.value_from.as_ref().and_then(|v| v.secret_key_ref.as_ref())
                {
                    credentials.insert(reference.name.as_str());
                }
            }
        }
        for secret in credentials {
            if snapshot.secret_exists(ns, secret) == Some(false) {
                findings.push(
                    Finding::new(
                        "connect/credentials-missing",
                        Severity::Critical,
                        format!("1Password Connect {ns}/{name} reads its credentials (OP_SESSION) from Secret {ns}/{secret}, which does not exist"),
                    )
                    .object(&id)
                    .hint(format!("`anton secrets onepassword setup --credentials 1password-credentials.json --token-file token --namespace {ns}`")),
                );
            }
        }
    }
    let onepassword_stores: Vec<&Value> = snapshot
        .secret_stores
        .iter()
        .flatten()
        .chain(snapshot.cluster_secret_stores.iter().flatten())
        .filter(|s| s.pointer("/spec/provider/onepassword").is_some())
        .collect();
    if snapshot.connect_deployments.is_empty() {
        for store in &onepassword_stores {
            let host = text(store, "/spec/provider/onepassword/connectHost").unwrap_or("");
            let (ns, _) = custom_meta(store);
            if connect_service(host, ns).is_some() {
                findings.push(
                    Finding::new(
                        "connect/not-found",
                        Severity::Critical,
                        format!("{} points at 1Password Connect on {host}, but no Deployment in the cluster runs Connect", custom_id(store).replacen('/', " ", 1)),
                    )
                    .object(custom_id(store))
                    .hint("Connect is deployed by Flux (its HelmRelease): `anton flux status` shows why it is not there"),
                );
            }
        }
    }
    for health in &snapshot.connect_health {
        let target = format!("{}/{}:{}", health.namespace, health.service, health.port);
        let object = object_id("Service", Some(&health.namespace), &health.service);
        match (&health.body, &health.error) {
            (Some(body), _) => {
                let broken: Vec<String> = body["dependencies"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|d| d["status"].as_str() != Some("ACTIVE"))
                    .map(|d| {
                        let mut line = format!("{} {}", d["service"].as_str().unwrap_or("?"), d["status"].as_str().unwrap_or("no status"));
                        if let Some(message) = d["message"].as_str().filter(|m| !m.is_empty()) {
                            line.push_str(&format!(" ({message})"));
                        }
                        line
                    })
                    .collect();
                if !broken.is_empty() {
                    findings.push(
                        Finding::new("connect/health", Severity::Critical, format!("1Password Connect {target} /health: {}", broken.join(", ")))
                            .object(object)
                            .hint("the sync container cannot reach 1Password or read its credentials: check its logs, then the credentials Secret"),
                    );
                }
            }
            (None, error) => {
                let why = error.clone().unwrap_or_else(|| "no answer".to_owned());
                findings.push(
                    Finding::new("connect/health-unchecked", Severity::Info, format!("1Password Connect {target} /health not read: {why}"))
                        .object(object)
                        .hint(if health.forbidden {
                            "reading it needs `get` on services/proxy in that namespace"
                        } else {
                            "check the Service and its endpoints: `kubectl get endpointslices -n NAMESPACE`"
                        }),
                );
            }
        }
    }
    findings
}

/// `connect-api (CrashLoopBackOff)` for the containers of the Deployment's pods that are not ready.
fn unready_containers(snapshot: &SecretsSnapshot, deployment: &k8s_openapi::api::apps::v1::Deployment) -> Vec<String> {
    let ns = deployment.metadata.namespace.as_deref();
    let Some(selector) = deployment.spec.selector.match_labels.as_ref() else { return Vec::new() };
    let mut out = BTreeSet::new();
    for pod in snapshot.pods.iter().flatten() {
        let labels = pod.metadata.labels.as_ref();
        if pod.metadata.namespace.as_deref() != ns || !selector.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v)) {
            continue;
        }
        for status in pod.status.as_ref().and_then(|s| s.container_statuses.as_ref()).into_iter().flatten() {
            if !status.ready {
                let reason = status.state.as_ref().and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.clone());
                out.insert(match reason {
                    Some(reason) => format!("{} ({reason})", status.name),
                    None => status.name.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}

/// `externalsecret/not-ready`, `/store-missing`, `/stale`, `/target-missing`, `/target-not-owned`.
fn check_external_secrets(snapshot: &SecretsSnapshot, now: Timestamp) -> Vec<Finding> {
    let mut findings = Vec::new();
    for es in snapshot.external_secrets.iter().flatten() {
        let (ns, name) = custom_meta(es);
        let id = custom_id(es);
        let ready = condition(es, "Ready");
        let synced = ready.is_some_and(|c| c["status"] == "True");
        match ready {
            Some(_) if synced => {}
            Some(c) => {
                let reason = c["reason"].as_str().unwrap_or("no reason");
                let message = c["message"].as_str().unwrap_or("no message");
                findings.push(
                    Finding::new("externalsecret/not-ready", Severity::Critical, format!("ExternalSecret {ns}/{name} is not synced ({reason}): {message}"))
                        .object(&id)
                        .hint(if reason == "SecretSyncedError" {
                            format!("the provider's message says why (an item or field missing in 1Password, a store that cannot authenticate); after fixing it: `kubectl annotate externalsecret -n {ns} {name} force-sync=$(date +%s) --overwrite`")
                        } else {
                            "check the store it uses and External Secrets Operator's logs".to_owned()
                        }),
                );
            }
            None => findings.push(
                Finding::new("externalsecret/not-ready", Severity::Warning, format!("ExternalSecret {ns}/{name} has no Ready condition: External Secrets Operator has not reconciled it"))
                    .object(&id)
                    .hint("check that External Secrets Operator runs (`kubectl get deploy -n external-secrets`)"),
            ),
        }
        if let Some(key) = es.pointer("/spec/secretStoreRef").and_then(|r| StoreKey::of(r, ns))
            && store_exists(snapshot, &key) == Some(false)
        {
            findings.push(
                Finding::new("externalsecret/store-missing", Severity::Critical, format!("ExternalSecret {ns}/{name} uses {}, which does not exist", key.id().replacen('/', " ", 1)))
                    .object(&id)
                    .hint("fix spec.secretStoreRef (name and kind: SecretStore is namespaced, ClusterSecretStore is not) or commit the store"),
            );
        }
        let interval_text = text(es, "/spec/refreshInterval");
        let interval = match interval_text {
            Some(t) => parse_duration(t).ok(),
            None => Some(DEFAULT_REFRESH_INTERVAL),
        };
        if synced
            && let Some(interval) = interval.filter(|i| !i.is_zero())
            && let Some(refreshed) = text(es, "/status/refreshTime").and_then(parse_timestamp)
        {
            let since = age(now, refreshed);
            if since > interval * 2 {
                findings.push(
                    Finding::new(
                        "externalsecret/stale",
                        Severity::Warning,
                        format!(
                            "ExternalSecret {ns}/{name} was last refreshed {} ago, more than twice its refreshInterval {}",
                            human_duration(since),
                            human_duration(interval)
                        ),
                    )
                    .object(&id)
                    .hint("External Secrets Operator has stopped refreshing it: check that it runs and its logs"),
                );
            }
        }
        let target = text(es, "/spec/target/name").unwrap_or(name);
        let policy = text(es, "/spec/target/creationPolicy").unwrap_or("Owner");
        if policy == "None" {
            continue;
        }
        match snapshot.secret(ns, target) {
            Some(None) => findings.push(
                Finding::new("externalsecret/target-missing", Severity::Critical, format!("ExternalSecret {ns}/{name} should make Secret {ns}/{target}, which does not exist"))
                    .object(&id)
                    .hint(if policy == "Merge" {
                        "creationPolicy Merge only adds keys to an existing Secret: create the Secret, or use Owner".to_owned()
                    } else {
                        format!("see why it does not sync: `kubectl describe externalsecret -n {ns} {name}`")
                    }),
            ),
            Some(Some(secret)) if policy == "Owner" => {
                let owned = secret
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.kind == "ExternalSecret" && o.name == name);
                if !owned {
                    findings.push(
                        Finding::new(
                            "externalsecret/target-not-owned",
                            Severity::Warning,
                            format!("Secret {ns}/{target} is not owned by ExternalSecret {ns}/{name} (creationPolicy Owner): another object made it"),
                        )
                        .object(&id)
                        .hint("delete the old Secret so External Secrets Operator can create and own it, or set creationPolicy: Merge"),
                    );
                }
            }
            _ => {}
        }
    }
    findings
}

/// `clusterexternalsecret/not-ready`.
fn check_cluster_external_secrets(snapshot: &SecretsSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for ces in snapshot.cluster_external_secrets.iter().flatten() {
        let (_, name) = custom_meta(ces);
        let id = custom_id(ces);
        let failed: Vec<String> = ces
            .pointer("/status/failedNamespaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|f| match f["reason"].as_str() {
                Some(reason) => format!("{} ({reason})", f["namespace"].as_str().unwrap_or("?")),
                None => f["namespace"].as_str().unwrap_or("?").to_owned(),
            })
            .collect();
        let ready = condition(ces, "Ready");
        if !failed.is_empty() || ready.is_some_and(|c| c["status"] == "False") {
            let mut message = format!("ClusterExternalSecret {name} is not ready");
            if let Some(m) = ready.and_then(|c| c["message"].as_str()).filter(|m| !m.is_empty()) {
                message.push_str(&format!(": {m}"));
            }
            if !failed.is_empty() {
                message.push_str(&format!("; failed in {}", failed.join(", ")));
            }
            findings.push(
                Finding::new("clusterexternalsecret/not-ready", Severity::Critical, message)
                    .object(id)
                    .hint("`kubectl get externalsecrets -A` shows the ExternalSecrets it made and why they fail"),
            );
        }
        if let Some(key) = ces.pointer("/spec/externalSecretSpec/secretStoreRef").and_then(|r| StoreKey::of(r, ""))
            && key.kind == "ClusterSecretStore"
            && store_exists(snapshot, &key) == Some(false)
        {
            findings.push(
                Finding::new("externalsecret/store-missing", Severity::Critical, format!("ClusterExternalSecret {name} uses ClusterSecretStore {}, which does not exist", key.name))
                    .object(custom_id(ces))
                    .hint("fix spec.externalSecretSpec.secretStoreRef or commit the store"),
            );
        }
    }
    findings
}

/// `pushsecret/not-ready` (and missing stores).
fn check_push_secrets(snapshot: &SecretsSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for ps in snapshot.push_secrets.iter().flatten() {
        let (ns, name) = custom_meta(ps);
        let id = custom_id(ps);
        if let Some(c) = condition(ps, "Ready").filter(|c| c["status"] == "False") {
            findings.push(
                Finding::new(
                    "pushsecret/not-ready",
                    Severity::Critical,
                    format!(
                        "PushSecret {ns}/{name} is not pushed ({}): {}",
                        c["reason"].as_str().unwrap_or("no reason"),
                        c["message"].as_str().unwrap_or("no message")
                    ),
                )
                .object(&id)
                .hint(format!("`kubectl describe pushsecret -n {ns} {name}`")),
            );
        }
        for reference in ps.pointer("/spec/secretStoreRefs").and_then(Value::as_array).into_iter().flatten() {
            if let Some(key) = StoreKey::of(reference, ns)
                && store_exists(snapshot, &key) == Some(false)
            {
                findings.push(
                    Finding::new("externalsecret/store-missing", Severity::Critical, format!("PushSecret {ns}/{name} uses {}, which does not exist", key.id().replacen('/', " ", 1)))
                        .object(&id)
                        .hint("fix spec.secretStoreRefs or commit the store"),
                );
            }
        }
    }
    findings
}

/// `onepassworditem/not-ready`.
fn check_onepassword_items(snapshot: &SecretsSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in snapshot.onepassword_items.iter().flatten() {
        let (ns, name) = custom_meta(item);
        if let Some(c) = condition(item, "Ready").filter(|c| c["status"] != "True") {
            findings.push(
                Finding::new(
                    "onepassworditem/not-ready",
                    Severity::Critical,
                    format!("OnePasswordItem {ns}/{name} ({}) is not ready: {}", text(item, "/spec/itemPath").unwrap_or("no itemPath"), c["message"].as_str().unwrap_or("no message")),
                )
                .object(custom_id(item))
                .hint("check spec.itemPath (vaults/VAULT/items/ITEM) and the 1Password operator's logs"),
            );
        }
    }
    findings
}

/// Where a pod uses a Secret: `env of container app`, `volume config`.
fn secret_references(pod: &Pod) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(spec) = &pod.spec else { return out };
    for container in spec.containers.iter().chain(spec.init_containers.iter().flatten()) {
        for env in container.env.iter().flatten() {
            if let Some(r) = env.value_from.as_ref().and_then(|v| v.secret_key_ref.as_ref())
                && r.optional != Some(true)
            {
                out.push((r.name.clone(), format!("env {} of container {}", env.name, container.name)));
            }
        }
        for from in container.env_from.iter().flatten() {
            if let Some(r) = from.secret_ref.as_ref().filter(|r| r.optional != Some(true)) {
                out.push((r.name.clone(), format!("envFrom of container {}", container.name)));
            }
        }
    }
    for volume in spec.volumes.iter().flatten() {
        if let Some(secret) = volume.secret.as_ref().filter(|s| s.optional != Some(true))
            && let Some(name) = &secret.secret_name
        {
            out.push((name.clone(), format!("volume {}", volume.name)));
        }
        for source in volume.projected.as_ref().and_then(|p| p.sources.as_ref()).into_iter().flatten() {
            if let Some(secret) = source.secret.as_ref().filter(|s| s.optional != Some(true)) {
                out.push((secret.name.clone(), format!("projected volume {}", volume.name)));
            }
        }
    }
    out
}

/// `pod/missing-secret`: naming the ExternalSecret (or OnePasswordItem) that should make it.
fn check_pods(snapshot: &SecretsSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    if snapshot.secrets.is_none() {
        return findings;
    }
    // (namespace, Secret name) → what should make it.
    let mut makers: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for es in snapshot.external_secrets.iter().flatten() {
        let (ns, name) = custom_meta(es);
        let target = text(es, "/spec/target/name").unwrap_or(name);
        let state = match condition(es, "Ready") {
            Some(c) if c["status"] == "True" => "Ready".to_owned(),
            Some(c) => format!("not ready: {}", c["message"].as_str().or(c["reason"].as_str()).unwrap_or("no message")),
            None => "not reconciled yet".to_owned(),
        };
        makers.insert((ns.to_owned(), target.to_owned()), (format!("ExternalSecret {ns}/{name}"), state));
    }
    for item in snapshot.onepassword_items.iter().flatten() {
        let (ns, name) = custom_meta(item);
        makers.entry((ns.to_owned(), name.to_owned())).or_insert_with(|| (format!("OnePasswordItem {ns}/{name}"), "not ready".to_owned()));
    }
    for pod in snapshot.pods.iter().flatten() {
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let ns = pod.metadata.namespace.as_deref().unwrap_or("");
        let pod_name = pod.metadata.name.as_deref().unwrap_or("");
        let mut by_secret: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (secret, place) in secret_references(pod) {
            if snapshot.secret_exists(ns, &secret) == Some(false) {
                by_secret.entry(secret).or_default().push(place);
            }
        }
        for (secret, places) in by_secret {
            let mut message = format!("Pod {ns}/{pod_name} uses Secret {ns}/{secret} ({}), which does not exist", places.join(", "));
            let hint = match makers.get(&(ns.to_owned(), secret.clone())) {
                Some((maker, state)) => {
                    message.push_str(&format!("; {maker} should make it ({state})"));
                    format!("fix {maker}: `anton secrets` lists why it does not sync")
                }
                None => "no ExternalSecret makes it: add one (docs/golden-rules/secret-management.md) or fix the name the pod uses".to_owned(),
            };
            findings.push(Finding::new("pod/missing-secret", Severity::Critical, message).object(object_id("Pod", Some(ns), pod_name)).hint(hint));
        }
    }
    findings
}

/// `details.externalSecrets`, `details.stores`, `details.connect`,
/// `details.onePasswordItems`, `details.counts`, `details.unread`.
pub fn secrets_details(snapshot: &SecretsSnapshot) -> serde_json::Map<String, Value> {
    let mut details = serde_json::Map::new();
    let conditions = |object: &Value| {
        let ready = condition(object, "Ready");
        (
            ready.and_then(|c| c["status"].as_str()).map(str::to_owned),
            ready.and_then(|c| c["reason"].as_str()).map(str::to_owned),
            ready.and_then(|c| c["message"].as_str()).map(str::to_owned),
        )
    };
    let rows: Vec<Value> = snapshot
        .external_secrets
        .iter()
        .flatten()
        .map(|es| {
            let (ns, name) = custom_meta(es);
            let (ready, reason, message) = conditions(es);
            let target = text(es, "/spec/target/name").unwrap_or(name);
            json!({
                "namespace": ns, "name": name,
                "store": text(es, "/spec/secretStoreRef/name"),
                "storeKind": text(es, "/spec/secretStoreRef/kind").unwrap_or("SecretStore"),
                "ready": ready, "reason": reason, "message": message,
                "refreshInterval": text(es, "/spec/refreshInterval").unwrap_or("1h"),
                "refreshTime": text(es, "/status/refreshTime"),
                "target": target,
                "creationPolicy": text(es, "/spec/target/creationPolicy").unwrap_or("Owner"),
                "targetExists": snapshot.secret_exists(ns, target),
            })
        })
        .collect();
    details.insert("externalSecrets".into(), Value::Array(rows));
    let used: Vec<StoreKey> = store_references(snapshot).into_iter().map(|(k, _)| k).collect();
    let stores: Vec<Value> = [("SecretStore", &snapshot.secret_stores), ("ClusterSecretStore", &snapshot.cluster_secret_stores)]
        .into_iter()
        .flat_map(|(kind, list)| list.iter().flatten().map(move |s| (kind, s)))
        .map(|(kind, store)| {
            let (ns, name) = custom_meta(store);
            let (ready, reason, message) = conditions(store);
            let key = StoreKey { kind: kind.to_owned(), namespace: (kind == "SecretStore").then(|| ns.to_owned()), name: name.to_owned() };
            json!({
                "kind": kind, "namespace": (!ns.is_empty()).then_some(ns), "name": name,
                "provider": store.pointer("/spec/provider").and_then(Value::as_object).and_then(|p| p.keys().next().cloned()),
                "ready": ready, "reason": reason, "message": message,
                "usedBy": used.iter().filter(|k| **k == key).count(),
            })
        })
        .collect();
    details.insert("stores".into(), Value::Array(stores));
    let deployments: Vec<Value> = snapshot
        .connect_deployments
        .iter()
        .map(|d| {
            json!({
                "namespace": d.metadata.namespace, "name": d.metadata.name,
                "desired": d.spec.replicas.unwrap_or(1),
                "available": d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0),
                "containers": d.spec.template.spec.as_ref().map(|p| p.containers.iter().map(|c| c.name.clone()).collect::<Vec<_>>()).unwrap_or_default(),
            })
        })
        .collect();
    let health: Vec<Value> = snapshot
        .connect_health
        .iter()
        .map(|h| {
            json!({
                "namespace": h.namespace, "service": h.service, "port": h.port,
                "version": h.body.as_ref().and_then(|b| b["version"].as_str()),
                "dependencies": h.body.as_ref().map(|b| b["dependencies"].clone()),
                "error": h.error, "forbidden": h.forbidden,
            })
        })
        .collect();
    details.insert("connect".into(), json!({ "deployments": deployments, "health": health }));
    if let Some(items) = &snapshot.onepassword_items {
        let rows: Vec<Value> = items
            .iter()
            .map(|item| {
                let (ns, name) = custom_meta(item);
                let (ready, _, message) = conditions(item);
                json!({ "namespace": ns, "name": name, "itemPath": text(item, "/spec/itemPath"), "ready": ready, "message": message })
            })
            .collect();
        details.insert("onePasswordItems".into(), Value::Array(rows));
    }
    let count = |list: &Option<Vec<Value>>| list.as_ref().map(Vec::len);
    details.insert(
        "counts".into(),
        json!({
            "externalSecrets": count(&snapshot.external_secrets),
            "clusterExternalSecrets": count(&snapshot.cluster_external_secrets),
            "pushSecrets": count(&snapshot.push_secrets),
            "secretStores": count(&snapshot.secret_stores),
            "clusterSecretStores": count(&snapshot.cluster_secret_stores),
            "onePasswordItems": count(&snapshot.onepassword_items),
            "secrets": snapshot.secrets.as_ref().map(Vec::len),
            "pods": snapshot.pods.as_ref().map(Vec::len),
        }),
    );
    details.insert("unread".into(), json!(snapshot.unread));
    details
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_service_from_connect_host() {
        let svc = |h: &str| connect_service(h, "here");
        assert_eq!(
            svc("http://onepassword-connect.external-secrets.svc.cluster.local:8080"),
            Some(("external-secrets".into(), "onepassword-connect".into(), "8080".into()))
        );
        assert_eq!(svc("http://onepassword-connect:8080/"), Some(("here".into(), "onepassword-connect".into(), "8080".into())));
        assert_eq!(svc("http://connect.ops"), Some(("ops".into(), "connect".into(), "80".into())));
        assert_eq!(svc("https://connect.example.com"), None);
        assert_eq!(svc("http://10.0.0.5:8080"), None);
    }
}
