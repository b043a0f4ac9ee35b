//! Fetching a [`NetworkSnapshot`] for `anton network`: one list per kind, all
//! at once; then cloudflared's `/ready` through the API server's pod proxy,
//! and with `--probe` the DNS and HTTPS probes of [`crate::probe`].
//!
//! TLS Secrets are listed with `type=kubernetes.io/tls` and only `tls.crt`
//! (the public certificate) of those an Ingress names is kept; the key is
//! dropped as soon as the list is decoded and never recorded.

use std::collections::BTreeSet;
use std::time::Instant;

use anton_health::network::{
    HostProbe, NOT_READY_ANSWER, NetworkSnapshot, TlsSecret, TunnelReadiness, probe_plan, tunnel_pod_selectors, tunnel_targets,
};
use futures::StreamExt;
use http_body_util::BodyExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{Pod, Secret, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use kube::api::{Api, ListParams};
use serde_json::Value;

use crate::client::Cluster;
use crate::discovery::discover;
use crate::error::{LiveError, Op};
use crate::fetch::{FetchStats, list_cluster_scoped, list_dynamic, list_namespaced, list_with, spawn};
use crate::probe::{ProbeOptions, run_probes};

/// What to do besides reading the API.
#[derive(Debug, Clone, Default)]
pub struct NetworkPlan {
    /// `--probe`: resolve and GET every Ingress host from this machine.
    pub probe: Option<ProbeOptions>,
}

/// A list that may be refused: `Ok(Err(reason))` when the user may not list it.
type Tolerant<T> = Result<Result<T, String>, LiveError>;

async fn tolerant<T>(what: &str, resource: &str, future: impl std::future::Future<Output = Result<T, LiveError>>) -> Tolerant<T> {
    match future.await {
        Ok(value) => Ok(Ok(value)),
        Err(LiveError::Forbidden { .. }) => Ok(Err(format!("{what}: this user may not list {resource} (403)"))),
        Err(other) => Err(other),
    }
}

fn name_of<T: kube::Resource>(object: &T) -> (String, String) {
    let meta = object.meta();
    (meta.namespace.clone().unwrap_or_default(), meta.name.clone().unwrap_or_default())
}

pub async fn fetch_network(cluster: &Cluster, plan: &NetworkPlan) -> Result<(NetworkSnapshot, FetchStats), LiveError> {
    let started = Instant::now();
    let before = cluster.requests();
    let served = discover(cluster).await?;
    let c = || cluster.clone();
    let classes = spawn({
        let cluster = c();
        async move { tolerant("IngressClasses", "ingressclasses.networking.k8s.io", list_cluster_scoped::<IngressClass>(cluster)).await }
    });
    macro_rules! namespaced {
        ($kind:ty, $what:expr, $resource:expr) => {
            spawn({
                let cluster = c();
                async move { tolerant($what, $resource, list_namespaced::<$kind>(cluster, None, None)).await }
            })
        };
    }
    let ingresses = namespaced!(Ingress, "Ingresses", "ingresses.networking.k8s.io");
    let services = namespaced!(Service, "Services", "services");
    let slices = namespaced!(EndpointSlice, "EndpointSlices", "endpointslices.discovery.k8s.io");
    let deployments = namespaced!(Deployment, "Deployments", "deployments.apps");
    let daemon_sets = namespaced!(DaemonSet, "DaemonSets", "daemonsets.apps");
    let secrets = spawn({
        let cluster = c();
        async move {
            let op = Op::new("list", "secrets", None);
            let params = ListParams::default().fields("type=kubernetes.io/tls");
            let list = list_with(&cluster, Api::<Secret>::all(cluster.client.clone()), op, params);
            tolerant("TLS Secrets (certificates, and whether Ingresses' TLS Secrets exist)", "secrets", async {
                // Keep the certificates only; tls.key goes out of scope here,
                // and so does a key bundled into tls.crt.
                Ok(list.await?.into_iter().map(|s| {
                    let (namespace, name) = name_of(&s);
                    let certificate =
                        s.data.as_ref().and_then(|d| d.get("tls.crt")).map(|b| certificate_blocks(&String::from_utf8_lossy(&b.0)));
                    TlsSecret { namespace, name, certificate }
                }).collect::<Vec<_>>())
            })
            .await
        }
    });
    let custom = |kind: &'static str| {
        let resource = served.network.get(kind).cloned();
        let cluster = c();
        spawn(async move {
            match resource {
                Some(resource) => {
                    let plural = format!("{}.{}", resource.plural, resource.group);
                    tolerant(kind, &plural, list_dynamic(cluster, resource, None)).await.map(Some)
                }
                None => Ok(None),
            }
        })
    };
    let (pools, certificates, requests, issuers, cluster_issuers, routes) = (
        custom("CiliumLoadBalancerIPPool"),
        custom("Certificate"),
        custom("CertificateRequest"),
        custom("Issuer"),
        custom("ClusterIssuer"),
        custom("HTTPRoute"),
    );
    let (classes, ingresses, services, slices, deployments, daemon_sets, secrets) =
        tokio::try_join!(classes, ingresses, services, slices, deployments, daemon_sets, secrets)?;
    let (pools, certificates, requests, issuers, cluster_issuers, routes) =
        tokio::try_join!(pools, certificates, requests, issuers, cluster_issuers, routes)?;

    let mut notes = Vec::new();
    let mut unread = Vec::new();
    let mut snapshot = NetworkSnapshot {
        recorded_at: Some(k8s_openapi::jiff::Timestamp::now().to_string()),
        ingress_classes: readable(classes, &mut unread),
        ingresses: readable(ingresses, &mut unread),
        services: readable(services, &mut unread),
        endpoint_slices: readable(slices, &mut unread),
        deployments: readable(deployments, &mut unread),
        daemon_sets: readable(daemon_sets, &mut unread),
        ..NetworkSnapshot::default()
    };
    let mut take = |kind: &str, crd: &str, list: Option<Result<Vec<Value>, String>>| match list {
        Some(Ok(mut items)) => {
            for item in &mut items {
                strip(item);
            }
            Some(items)
        }
        Some(Err(reason)) => {
            unread.push(reason);
            None
        }
        None => {
            notes.push(format!("{kind} CRD ({crd}) not installed: not checked"));
            None
        }
    };
    snapshot.ip_pools = take("CiliumLoadBalancerIPPool", "ciliumloadbalancerippools.cilium.io", pools);
    snapshot.certificates = take("Certificate", "certificates.cert-manager.io", certificates);
    snapshot.certificate_requests = take("CertificateRequest", "certificaterequests.cert-manager.io", requests);
    snapshot.issuers = take("Issuer", "issuers.cert-manager.io", issuers);
    snapshot.cluster_issuers = take("ClusterIssuer", "clusterissuers.cert-manager.io", cluster_issuers);
    snapshot.http_routes = take("HTTPRoute", "httproutes.gateway.networking.k8s.io", routes);
    let used: BTreeSet<(String, String)> = snapshot
        .ingresses
        .iter()
        .flat_map(|i| {
            let ns = i.metadata.namespace.clone().unwrap_or_default();
            i.spec.iter().flat_map(|s| s.tls.iter().flatten()).filter_map(move |t| Some((ns.clone(), t.secret_name.clone()?)))
        })
        .collect();
    snapshot.tls_secrets = match secrets {
        Ok(all) => {
            let mut kept: Vec<TlsSecret> = all.into_iter().filter(|s| used.contains(&(s.namespace.clone(), s.name.clone()))).collect();
            // ingress-nginx also serves a Secret of another type (Opaque) that
            // holds tls.crt and tls.key: read those an Ingress names by name (8
            // at once), so only a Secret that is really absent counts as missing.
            let listed: BTreeSet<(String, String)> = kept.iter().map(|s| (s.namespace.clone(), s.name.clone())).collect();
            let others = used.difference(&listed).map(|(namespace, name)| other_tls_secret(cluster, namespace, name));
            let answers: Vec<_> = futures::stream::iter(others).buffer_unordered(8).collect().await;
            for answer in answers {
                match answer {
                    Ok(Some(secret)) => kept.push(secret),
                    Ok(None) => {}
                    Err((name, reason)) => {
                        snapshot.tls_secrets_unread.push(name);
                        unread.push(reason);
                    }
                }
            }
            snapshot.tls_secrets_unread.sort();
            kept.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
            Some(kept)
        }
        Err(reason) => {
            unread.push(reason);
            None
        }
    };
    // The kubectl-apply copy and field managers say nothing the checks read;
    // env values and secret flags (cloudflared's `--token`) are not for a snapshot.
    let workloads = snapshot.deployments.iter_mut().map(|d| (&mut d.metadata, &mut d.spec.template.spec));
    let workloads = workloads.chain(snapshot.daemon_sets.iter_mut().map(|d| (&mut d.metadata, &mut d.spec.template.spec)));
    for (metadata, pod_spec) in workloads {
        trim_meta(metadata);
        if let Some(spec) = pod_spec {
            conceal_containers(spec);
        }
    }
    for s in &mut snapshot.services {
        trim_meta(&mut s.metadata);
    }
    for i in &mut snapshot.ingresses {
        trim_meta(&mut i.metadata);
    }
    for s in &mut snapshot.endpoint_slices {
        trim_meta(&mut s.metadata);
    }

    // cloudflared: its pods (by the workload's own selector), then `/ready` on each.
    snapshot.tunnel_pods = tunnel_pods(cluster, &snapshot, &mut unread).await?;
    let targets = tunnel_targets(&snapshot);
    let checks = targets.into_iter().map(|(namespace, pod, port)| tunnel_ready(cluster, namespace, pod, port));
    snapshot.tunnel_readiness = futures::future::join_all(checks).await;
    if snapshot.tunnel_readiness.iter().any(|r| r.forbidden) {
        let namespaces: BTreeSet<&str> = snapshot.tunnel_readiness.iter().filter(|r| r.forbidden).map(|r| r.namespace.as_str()).collect();
        snapshot.tunnel_unchecked = Some(format!(
            "this user may not get pods/proxy in {} (403)",
            namespaces.into_iter().collect::<Vec<_>>().join(", ")
        ));
        snapshot.tunnel_readiness.retain(|r| !r.forbidden);
    }
    snapshot.unread = unread;

    if let Some(options) = &plan.probe {
        let probes: Vec<HostProbe> = run_probes(&probe_plan(&snapshot), options).await;
        snapshot.probes = Some(probes);
    }

    let counts = vec![
        ("IngressClass".to_owned(), snapshot.ingress_classes.len()),
        ("Ingress".to_owned(), snapshot.ingresses.len()),
        ("Service".to_owned(), snapshot.services.len()),
        ("EndpointSlice".to_owned(), snapshot.endpoint_slices.len()),
        ("Deployment".to_owned(), snapshot.deployments.len()),
        ("DaemonSet".to_owned(), snapshot.daemon_sets.len()),
        ("TlsCertificate".to_owned(), snapshot.tls_secrets.as_ref().map_or(0, Vec::len)),
        ("CiliumLoadBalancerIPPool".to_owned(), snapshot.ip_pools.as_ref().map_or(0, Vec::len)),
        ("Certificate".to_owned(), snapshot.certificates.as_ref().map_or(0, Vec::len)),
        ("HTTPRoute".to_owned(), snapshot.http_routes.as_ref().map_or(0, Vec::len)),
    ];
    let stats = FetchStats { requests: cluster.requests() - before, elapsed: started.elapsed(), notes, counts };
    Ok((snapshot, stats))
}

/// The list, or an empty one and the reason in `unread`.
fn readable<T>(list: Result<Vec<T>, String>, unread: &mut Vec<String>) -> Vec<T> {
    list.unwrap_or_else(|reason| {
        unread.push(reason);
        Vec::new()
    })
}

fn trim_meta(meta: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) {
    meta.managed_fields = None;
    if let Some(annotations) = &mut meta.annotations {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

/// What replaces a secret flag's value in a snapshot.
const CONCEALED: &str = "<concealed>";

/// Whether a command-line flag carries a credential (`--token`,
/// `--client-secret`, `--password-file` names a file and is kept).
fn is_secret_flag(flag: &str) -> bool {
    let name = flag.trim_start_matches('-').to_ascii_lowercase();
    let name = name.split('=').next().unwrap_or_default();
    !name.ends_with("-file")
        && !name.ends_with("-path")
        && ["token", "secret", "password", "passwd", "credential", "api-key", "apikey"].iter().any(|word| name.contains(word))
}

/// Drops env values (names and `valueFrom` references stay) and conceals the
/// values of secret flags, in `--flag=value` and `--flag value` form, across
/// `command` and `args` (the container runs them as one list) and inside
/// shell strings (`sh -c "cloudflared tunnel run --token …"`).
fn conceal_containers(spec: &mut k8s_openapi::api::core::v1::PodSpec) {
    let containers = spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten());
    for container in containers {
        conceal_process(&mut container.env, &mut container.command, &mut container.args);
    }
    for container in spec.ephemeral_containers.iter_mut().flatten() {
        conceal_process(&mut container.env, &mut container.command, &mut container.args);
    }
}

fn conceal_process(
    env: &mut Option<Vec<k8s_openapi::api::core::v1::EnvVar>>,
    command: &mut Option<Vec<String>>,
    args: &mut Option<Vec<String>>,
) {
    for variable in env.iter_mut().flatten() {
        if variable.value.is_some() {
            variable.value = Some(CONCEALED.to_owned());
        }
    }
    let mut conceal_next = false;
    for word in command.iter_mut().flatten().chain(args.iter_mut().flatten()) {
        if word.contains(char::is_whitespace) {
            // A shell string: its own words, with its own flags.
            let mut inner_next = false;
            let words: Vec<String> = word.split_whitespace().map(|w| conceal_word(w, &mut inner_next)).collect();
            if words.iter().any(|w| w.contains(CONCEALED)) {
                *word = words.join(" ");
            }
            conceal_next = false;
            continue;
        }
        *word = conceal_word(word, &mut conceal_next);
    }
}

/// One word of a command line: concealed when it is a secret flag's value.
fn conceal_word(word: &str, conceal_next: &mut bool) -> String {
    if std::mem::take(conceal_next) && !word.starts_with('-') {
        return CONCEALED.to_owned();
    }
    if word.starts_with('-') && is_secret_flag(word) {
        match word.split_once('=') {
            Some((flag, _)) => return format!("{flag}={CONCEALED}"),
            None => *conceal_next = true,
        }
    }
    word.to_owned()
}

/// A Secret an Ingress names that is not of type `kubernetes.io/tls`:
/// its `tls.crt` certificates when it has the key, `None` when it is absent,
/// or (`namespace/name`, why) when it could not be read.
async fn other_tls_secret(cluster: &Cluster, namespace: &str, name: &str) -> Result<Option<TlsSecret>, (String, String)> {
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), namespace);
    let op = Op::new("get", "secrets", Some(namespace)).named(name);
    let shown = format!("{namespace}/{name}");
    match cluster.call(&op, api.get_opt(name)).await {
        Ok(found) => Ok(found.map(|s| {
            let certificate = s.data.as_ref().and_then(|d| d.get("tls.crt")).map(|b| certificate_blocks(&String::from_utf8_lossy(&b.0)));
            TlsSecret { namespace: namespace.to_owned(), name: name.to_owned(), certificate }
        })),
        Err(LiveError::Forbidden { .. }) => {
            let reason = format!("TLS Secret {shown}: this user may not get secrets in {namespace} (403)");
            Err((shown, reason))
        }
        Err(other) => {
            let reason = format!("TLS Secret {shown}: {other}");
            Err((shown, reason))
        }
    }
}

fn strip(item: &mut Value) {
    if let Some(meta) = item.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
}

/// The pods of each cloudflared workload: one list per workload, by its pod labels.
async fn tunnel_pods(cluster: &Cluster, snapshot: &NetworkSnapshot, unread: &mut Vec<String>) -> Result<Vec<Pod>, LiveError> {
    let selectors = tunnel_pod_selectors(snapshot);
    let mut pods = Vec::new();
    for (namespace, selector) in selectors {
        let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &namespace);
        let op = Op::new("list", "pods", Some(&namespace));
        match list_with(cluster, api, op, ListParams::default().labels(&selector)).await {
            Ok(found) => pods.extend(found),
            Err(LiveError::Forbidden { .. }) => unread.push(format!("cloudflared's pods: this user may not list pods in {namespace} (403)")),
            Err(other) => return Err(other),
        }
    }
    for pod in &mut pods {
        trim_meta(&mut pod.metadata);
        // Only where it runs matters; env values and secret flags are not for a snapshot.
        if let Some(spec) = &mut pod.spec {
            for container in &mut spec.containers {
                container.env = None;
                container.env_from = None;
            }
            conceal_containers(spec);
        }
    }
    Ok(pods)
}

/// Only the `CERTIFICATE` blocks of a PEM text, in their order: a private key
/// bundled into `tls.crt` is never kept (nor saved with a snapshot). Text
/// that holds no PEM block at all is kept as it is, for the check to call it
/// unreadable.
fn certificate_blocks(pem: &str) -> String {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    if !pem.contains("-----BEGIN ") {
        return pem.to_owned();
    }
    let mut kept = String::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let Some(length) = rest[start..].find(END) else { break };
        kept.push_str(&rest[start..start + length + END.len()]);
        kept.push('\n');
        rest = &rest[start + length + END.len()..];
    }
    kept
}

/// The most of `/ready`'s answer read.
const READY_BODY_LIMIT: usize = 64 * 1024;

/// `GET /api/v1/namespaces/NS/pods/POD:PORT/proxy/ready`.
async fn tunnel_ready(cluster: &Cluster, namespace: String, pod: String, port: u16) -> TunnelReadiness {
    let path = format!("/api/v1/namespaces/{namespace}/pods/{pod}:{port}/proxy/ready");
    let op = Op::new("get", "pods/proxy", Some(&namespace)).named(&pod);
    let mut readiness = TunnelReadiness { namespace: namespace.clone(), pod: pod.clone(), port, ..TunnelReadiness::default() };
    let request = match http::Request::get(&path).body(Vec::new()) {
        Ok(request) => request,
        Err(e) => {
            readiness.error = Some(format!("building GET {path}: {e}"));
            return readiness;
        }
    };
    let response = match cluster.call(&op, cluster.proxy_client.send(request.map(kube::client::Body::from))).await {
        Ok(response) => response,
        Err(e) => {
            readiness.error = Some(e.to_string());
            return readiness;
        }
    };
    let status = response.status();
    // cloudflared's answer is a few dozen bytes; a proxy that streams
    // something else is not read without end.
    let body = match http_body_util::Limited::new(response.into_body(), READY_BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let too_long = e.downcast_ref::<http_body_util::LengthLimitError>().is_some();
            readiness.error = Some(if too_long {
                format!("reading /ready: the answer is longer than {} KiB", READY_BODY_LIMIT / 1024)
            } else {
                format!("reading /ready: {e}")
            });
            return readiness;
        }
    };
    if status == http::StatusCode::FORBIDDEN {
        readiness.forbidden = true;
        readiness.error = Some(format!("this user may not get pods/proxy in {namespace} (403)"));
        return readiness;
    }
    // cloudflared answers JSON both when ready (200) and not (503); a
    // `kind: Status` body is the API server's own answer: it could not reach
    // the pod (e.g. --metrics bound to localhost), which says nothing about
    // the tunnel.
    match serde_json::from_slice::<Value>(&body) {
        Ok(json) if json.get("readyConnections").is_some() => readiness.body = Some(json),
        Ok(json) if json.get("kind").and_then(Value::as_str) == Some("Status") => {
            let message = json.get("message").and_then(Value::as_str).unwrap_or("no message");
            let message: String = message.chars().take(200).collect();
            readiness.error = Some(format!("the API server could not reach it ({status}): {message}"));
        }
        _ if status == http::StatusCode::SERVICE_UNAVAILABLE => readiness.error = Some(format!("{NOT_READY_ANSWER} ({status})")),
        _ => {
            let text = String::from_utf8_lossy(&body);
            let text: String = text.chars().take(200).collect();
            readiness.error = Some(format!("answered {status}: {}", text.trim()));
        }
    }
    readiness
}

#[cfg(test)]
mod certificate_blocks_tests {
    use super::certificate_blocks;

    #[test]
    fn a_key_bundled_into_tls_crt_is_dropped() {
        let bundle = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
                      -----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n\
                      -----BEGIN RSA PRIVATE KEY-----\nCCCC\n-----END RSA PRIVATE KEY-----\n\
                      -----BEGIN CERTIFICATE-----\nDDDD\n-----END CERTIFICATE-----\n";
        let kept = certificate_blocks(bundle);
        assert_eq!(kept, "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nDDDD\n-----END CERTIFICATE-----\n");
        assert!(!kept.contains("PRIVATE") && !kept.contains("AAAA") && !kept.contains("CCCC"));
    }

    #[test]
    fn text_without_pem_is_kept_and_a_lone_key_is_not() {
        assert_eq!(certificate_blocks("not pem"), "not pem");
        assert_eq!(certificate_blocks("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"), "");
    }
}

#[cfg(test)]
mod conceal_tests {
    use super::{CONCEALED, conceal_containers, is_secret_flag};
    use k8s_openapi::api::core::v1::PodSpec;
    use serde_json::json;

    #[test]
    fn secret_flags_are_told_from_the_others() {
        for flag in ["--token", "--token=x", "-token", "--client-secret", "--api-key", "--TUNNEL-TOKEN", "--password"] {
            assert!(is_secret_flag(flag), "{flag}");
        }
        for flag in ["--metrics", "--controller-class=k8s.io/internal", "--token-file", "--credentials-path", "--password-file=/run/x"] {
            assert!(!is_secret_flag(flag), "{flag}");
        }
    }

    #[test]
    fn env_values_and_secret_flag_values_are_concealed_the_rest_kept() {
        let mut spec: PodSpec = serde_json::from_value(json!({
            "containers": [{
                "name": "cloudflared",
                "args": ["tunnel", "--metrics", "0.0.0.0:2000", "run", "--token", "abc123", "--no-autoupdate", "--api-key=k3y"],
                "env": [{"name": "TUNNEL_TOKEN", "value": "abc123"}, {"name": "FROM", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
            }],
            "initContainers": [{"name": "init", "command": ["sh", "--password", "hunter2"]}],
        }))
        .unwrap();
        conceal_containers(&mut spec);
        let text = serde_json::to_string(&spec).unwrap();
        assert!(!text.contains("abc123") && !text.contains("k3y") && !text.contains("hunter2"), "{text}");
        let args = spec.containers[0].args.clone().unwrap();
        assert_eq!(args, ["tunnel", "--metrics", "0.0.0.0:2000", "run", "--token", CONCEALED, "--no-autoupdate", &format!("--api-key={CONCEALED}")]);
        let env = spec.containers[0].env.clone().unwrap();
        assert_eq!((env[0].name.as_str(), env[0].value.as_deref()), ("TUNNEL_TOKEN", Some(CONCEALED)));
        assert!(env[1].value.is_none() && env[1].value_from.is_some(), "references are kept");
        // A flag in `command` and its value in `args`; a shell string.
        let mut spec: PodSpec = serde_json::from_value(json!({
            "containers": [{"name": "c", "command": ["cloudflared", "--token"], "args": ["abc123", "run"]}],
            "ephemeralContainers": [{"name": "debug", "command": ["sh", "-c", "cloudflared tunnel run --token abc123 --metrics 0.0.0.0:2000"]}],
        }))
        .unwrap();
        conceal_containers(&mut spec);
        assert_eq!(spec.containers[0].args.clone().unwrap(), [CONCEALED, "run"]);
        let shell = spec.ephemeral_containers.clone().unwrap()[0].command.clone().unwrap();
        assert_eq!(shell[2], format!("cloudflared tunnel run --token {CONCEALED} --metrics 0.0.0.0:2000"));
        // A flag right after a secret flag is not taken for its value.
        let mut spec: PodSpec = serde_json::from_value(json!({"containers": [{"name": "c", "args": ["--token", "--metrics", "x"]}]})).unwrap();
        conceal_containers(&mut spec);
        assert_eq!(spec.containers[0].args.clone().unwrap(), ["--token", "--metrics", "x"]);
    }
}
