//! What the live benchmarks (`crates/anton-kube/benches/{live,network}.rs`,
//! `crates/anton-watch/benches/watch.rs`) stage on the test API server:
//! namespaces, Ready Flux objects, app-sized pods with a kubelet-like status,
//! and Ingresses with their Services, EndpointSlices and controllers. Behind the `bench-support` feature so the tests do not pay for it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use kube::{Client, Config};
use serde_json::{Value, json};

/// How many Flux objects of each kind to stage (all in `flux-system`, all Ready).
#[derive(Debug, Clone, Copy)]
pub struct FluxCounts {
    pub git_repositories: usize,
    pub helm_repositories: usize,
    pub kustomizations: usize,
    pub helm_releases: usize,
}

impl FluxCounts {
    pub fn total(&self) -> usize {
        self.git_repositories + self.helm_repositories + self.kustomizations + self.helm_releases
    }
}

/// The pods to stage: `count` pods spread over `app-00` … in turn, on nodes
/// `k8s-1` … `k8s-{nodes}`; every `crashing_every`-th one crash-loops.
#[derive(Debug, Clone, Copy)]
pub struct PodCounts {
    pub count: usize,
    pub namespaces: usize,
    pub nodes: usize,
    pub crashing_every: Option<usize>,
}

/// An admin client for the environment's kubeconfig.
pub async fn client(kubeconfig: &Path) -> Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig).expect("read the admin kubeconfig");
    let config = Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.expect("a client config");
    Client::try_from(config).expect("a client")
}

/// Now, as the API server writes timestamps.
pub fn now() -> String {
    k8s_openapi::jiff::Timestamp::now().to_string()
}

/// Creates `app-00` … `app-{namespaces-1}` and `flux-system`.
pub async fn create_namespaces(client: &Client, namespaces: usize) {
    let api: Api<Namespace> = Api::all(client.clone());
    for name in (0..namespaces).map(|i| format!("app-{i:02}")).chain(["flux-system".to_owned()]) {
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).expect("a namespace");
        api.create(&PostParams::default(), &ns).await.expect("create the namespace");
    }
}

/// Creates the Flux objects in `flux-system` and gives each a Ready status.
/// Kustomizations point at the GitRepositories in turn, HelmReleases at the HelmRepositories.
pub async fn stage_flux(client: &Client, counts: FluxCounts) {
    let now = now();
    let kinds = [
        ("source.toolkit.fluxcd.io", "v1", "GitRepository", counts.git_repositories),
        ("source.toolkit.fluxcd.io", "v1", "HelmRepository", counts.helm_repositories),
        ("kustomize.toolkit.fluxcd.io", "v1", "Kustomization", counts.kustomizations),
        ("helm.toolkit.fluxcd.io", "v2", "HelmRelease", counts.helm_releases),
    ];
    for (group, version, kind, count) in kinds {
        let resource = ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: format!("{group}/{version}"),
            kind: kind.into(),
            plural: format!("{}s", kind.to_lowercase()).replace("repositorys", "repositories"),
        };
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "flux-system", &resource);
        for i in 0..count {
            let name = format!("{}-{i:02}", kind.to_lowercase());
            let spec = match kind {
                "GitRepository" => json!({"interval": "1m", "url": "https://example.invalid/repo.git", "ref": {"branch": "main"}}),
                "HelmRepository" => json!({"interval": "1h", "url": "https://charts.example.invalid"}),
                "Kustomization" => json!({"interval": "10m", "path": format!("./apps/{i}"), "prune": true,
                    "sourceRef": {"kind": "GitRepository", "name": format!("gitrepository-{:02}", i % counts.git_repositories.max(1))}}),
                _ => json!({"interval": "30m", "chart": {"spec": {"chart": format!("chart-{i}"), "version": "1.0.0",
                    "sourceRef": {"kind": "HelmRepository", "name": format!("helmrepository-{:02}", i % counts.helm_repositories.max(1))}}}}),
            };
            let object: DynamicObject = serde_json::from_value(json!({
                "apiVersion": resource.api_version, "kind": kind,
                "metadata": {"name": name, "namespace": "flux-system"}, "spec": spec,
            }))
            .expect("a Flux object");
            api.create(&PostParams::default(), &object).await.expect("create the Flux object");
            let revision = "main@sha1:2222222222222222222222222222222222222222";
            let status = json!({"status": {
                "observedGeneration": 1,
                "lastAppliedRevision": revision,
                "artifact": {"revision": revision, "path": "x", "url": "http://x", "digest": "sha256:00", "lastUpdateTime": now},
                "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": format!("Applied revision: {revision}"),
                                "lastTransitionTime": now, "observedGeneration": 1}],
            }});
            api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await.expect("set the Flux status");
        }
    }
}

/// Creates the pods and gives each a kubelet-like status, 32 requests in flight.
pub async fn stage_pods(client: &Client, pods: PodCounts) {
    let now = now();
    futures::stream::iter(0..pods.count)
        .map(|i| {
            let (client, now) = (client.clone(), now.clone());
            async move {
                let ns = format!("app-{:02}", i % pods.namespaces.max(1));
                let name = format!("app-{:04}-7d9f8c6b5-x{i:04}", i / 2);
                let api: Api<Pod> = Api::namespaced(client, &ns);
                api.create(&PostParams::default(), &pod(&name, i, pods.nodes.max(1))).await.expect("create the pod");
                let crashing = pods.crashing_every.is_some_and(|every| i % every == 0);
                let (ready, state) = if crashing {
                    (false, json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}))
                } else {
                    (true, json!({"running": {"startedAt": now}}))
                };
                let status = json!({"status": {
                    "phase": "Running", "hostIP": "192.168.1.98", "podIP": format!("10.244.{}.{}", i / 250, i % 250), "startTime": now,
                    "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }, "lastTransitionTime": now},
                                   {"type": "PodScheduled", "status": "True", "lastTransitionTime": now}],
                    "containerStatuses": [{"name": "app", "image": "ghcr.io/example/app:1.2.3", "imageID": "ghcr.io/example/app@sha256:00",
                        "containerID": "containerd://00", "ready": ready, "started": ready, "restartCount": if ready { 0 } else { 12 },
                        "state": state}],
                }});
                api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await.expect("set the pod status");
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
}

/// A pod about the size of a typical app pod (labels, owner, resources, probes, env, mounts).
fn pod(name: &str, i: usize, nodes: usize) -> Pod {
    serde_json::from_value(json!({
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/name": format!("app-{}", i / 2), "app.kubernetes.io/instance": format!("app-{}", i / 2), "pod-template-hash": "7d9f8c6b5"},
            "annotations": {"kubectl.kubernetes.io/default-container": "app"},
        },
        "spec": {
            "nodeName": format!("k8s-{}", i % nodes + 1),
            "containers": [{
                "name": "app",
                "image": "ghcr.io/example/app:1.2.3",
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [{"name": "TZ", "value": "Europe/Berlin"}, {"name": "LOG_LEVEL", "value": "info"}],
                "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10},
                "volumeMounts": [{"name": "config", "mountPath": "/config"}],
            }],
            "volumes": [{"name": "config", "emptyDir": {}}],
        },
    }))
    .expect("a pod")
}

/// Stages what `anton network` reads: the `network` namespace, two
/// IngressClasses (`internal`, the default, and `external`) with ready
/// ingress-nginx controllers and their LoadBalancer Services with addresses,
/// and `ingresses` apps spread over `app-00` … (created with
/// [`create_namespaces`]): each a Service, an EndpointSlice with two ready
/// endpoints and an Ingress, 16 apps in flight. The apps' Services are
/// headless: the harness's service range (a /24) has no 300 cluster IPs, and
/// `anton network` reads a Service's ports and EndpointSlices, not its IP.
pub async fn stage_ingresses(client: &Client, ingresses: usize, namespaces: usize) {
    let post = PostParams::default();
    let network: Namespace = serde_json::from_value(json!({"metadata": {"name": "network"}})).expect("a namespace");
    Api::<Namespace>::all(client.clone()).create(&post, &network).await.expect("create the network namespace");
    let classes: Api<IngressClass> = Api::all(client.clone());
    for (class, default) in [("internal", true), ("external", false)] {
        let object: IngressClass = serde_json::from_value(json!({
            "metadata": {"name": class, "annotations": {"ingressclass.kubernetes.io/is-default-class": default.to_string()}},
            "spec": {"controller": format!("k8s.io/{class}")},
        }))
        .expect("stage the network objects");
        classes.create(&post, &object).await.expect("stage the network objects");
        let name = format!("{class}-ingress-nginx-controller");
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), "network");
        let deployment: Deployment = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "controller", "image": "registry.k8s.io/ingress-nginx/controller:v1.14.0",
                    "args": ["/nginx-ingress-controller", format!("--controller-class=k8s.io/{class}"), format!("--ingress-class={class}")]}]}}},
        }))
        .expect("stage the network objects");
        deployments.create(&post, &deployment).await.expect("stage the network objects");
        let status = json!({"status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "availableReplicas": 2}});
        deployments.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await.expect("stage the network objects");
        let services: Api<Service> = Api::namespaced(client.clone(), "network");
        let service: Service = serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"type": "LoadBalancer", "selector": {"app": name}, "ports": [{"name": "https", "port": 443}]},
        }))
        .expect("stage the network objects");
        services.create(&post, &service).await.expect("stage the network objects");
        let address = if class == "internal" { "192.168.1.200" } else { "192.168.1.201" };
        let status = json!({"status": {"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}});
        services.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await.expect("stage the network objects");
    }

    // Each app: a Service, its EndpointSlice with two ready endpoints, and an Ingress; 16 apps in flight.
    futures::stream::iter(0..ingresses)
        .map(|i| {
            let client = client.clone();
            async move {
                let ns = format!("app-{:02}", i % namespaces.max(1));
                let name = format!("app-{i:03}");
                let class = if i % 3 == 0 { "external" } else { "internal" };
                let service: Service = serde_json::from_value(json!({
                    "metadata": {"name": name, "labels": {"app.kubernetes.io/name": name}},
                    "spec": {"clusterIP": "None", "selector": {"app.kubernetes.io/name": name}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
                }))
                .expect("stage the network objects");
                Api::<Service>::namespaced(client.clone(), &ns).create(&PostParams::default(), &service).await.expect("stage the network objects");
                let slice: EndpointSlice = serde_json::from_value(json!({
                    "metadata": {"name": format!("{name}-x7k2p"), "labels": {"kubernetes.io/service-name": name}},
                    "addressType": "IPv4",
                    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                    "endpoints": [
                        {"addresses": [format!("10.244.{}.{}", i / 100, i % 100 + 10)], "conditions": {"ready": true}, "nodeName": "k8s-1"},
                        {"addresses": [format!("10.245.{}.{}", i / 100, i % 100 + 10)], "conditions": {"ready": true}, "nodeName": "k8s-2"},
                    ],
                }))
                .expect("stage the network objects");
                Api::<EndpointSlice>::namespaced(client.clone(), &ns).create(&PostParams::default(), &slice).await.expect("stage the network objects");
                let ingress: Ingress = serde_json::from_value(json!({
                    "metadata": {"name": name, "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "0"}},
                    "spec": {
                        "ingressClassName": class,
                        "rules": [{"host": format!("{name}.lab.example"), "http": {"paths": [
                            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": name, "port": {"name": "http"}}}},
                        ]}}],
                    },
                }))
                .expect("stage the network objects");
                Api::<Ingress>::namespaced(client, &ns).create(&PostParams::default(), &ingress).await.expect("stage the network objects");
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
}

/// A count from the environment (`ANTON_*_BENCH_*`), or `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The middle of the times measured (sorts them).
pub fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The release `anton` to measure: `ANTON_BIN`, else `target/release/anton`.
pub fn anton_binary() -> PathBuf {
    let anton = std::env::var_os("ANTON_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/anton"));
    assert!(anton.is_file(), "no anton binary at {} (build it: cargo build --release -p anton-cli)", anton.display());
    anton
}

/// Wall time of one `anton ARGS --json --kubeconfig FILE`, the API requests
/// it reports (`details.api.requests`), and the report.
pub fn run_anton(anton: &Path, kubeconfig: &Path, args: &[&str]) -> (Duration, u64, Value) {
    let started = Instant::now();
    let out = Command::new(anton).args(args).arg("--json").arg("--kubeconfig").arg(kubeconfig).output().expect("run anton");
    let took = started.elapsed();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("anton {args:?} printed no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_ne!(report["status"], "error", "anton failed: {}", report["issues"]);
    let requests = report["details"]["api"]["requests"].as_u64().unwrap_or(0);
    (took, requests, report)
}

/// Wall time of listing `kinds` with kubectl (`get KIND [flags] -A -o json`),
/// one process per kind, one after the other, and the HTTP requests kubectl
/// logged (`-v=6` prints one line per request).
pub fn run_kubectl(kubectl: &Path, kubeconfig: &Path, cache: &Path, kinds: &[&str]) -> (Duration, u64) {
    let started = Instant::now();
    let mut requests = 0;
    for kind in kinds {
        let mut cmd = Command::new(kubectl);
        cmd.arg("get").args(kind.split_whitespace()).args(["-A", "-o", "json", "-v=6"]);
        cmd.arg("--kubeconfig").arg(kubeconfig).arg("--cache-dir").arg(cache);
        let out = cmd.output().expect("run kubectl");
        assert!(out.status.success(), "kubectl get {kind}: {}", String::from_utf8_lossy(&out.stderr));
        requests += String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("\"Response\"") || (l.contains("GET https://") && l.contains(" in ")))
            .count() as u64;
    }
    (started.elapsed(), requests)
}
