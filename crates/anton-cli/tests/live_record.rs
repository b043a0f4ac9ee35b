//! Records the snapshot the pure checks' unit tests read
//! (`crates/anton-health/tests/fixtures/cluster.json`): one cluster with every
//! situation `anton health` reports, staged on the real API server and saved
//! with `anton health --save-snapshot`. Run it again after changing what the
//! snapshot holds:
//!
//! ```sh
//! cargo test -p anton-cli --test live_record -- --ignored
//! ```

mod live_support;

use std::path::Path;

use live_support::*;
use serde_json::{Value, json};

static SERVER: Shared = Shared::new(1);

#[test]
#[ignore = "writes the anton-health fixture; run by hand"]
fn record_health_fixture() {
    let Some(env) = SERVER.lease() else { return };

    // Nodes: three control-plane nodes, one NotReady, one cordoned with DiskPressure.
    for (name, ready, kubelet, ip) in [
        ("k8s-1", "True", "v1.37.2", "192.168.1.98"),
        ("k8s-2", "True", "v1.37.2", "192.168.1.99"),
        ("k8s-3", "Unknown", "v1.36.4", "192.168.1.100"),
    ] {
        apply(&env, &format!("apiVersion: v1\nkind: Node\nmetadata: {{name: {name}, labels: {{node-role.kubernetes.io/control-plane: ''}}}}\n"));
        let mut conditions = vec![json!({"type": "Ready", "status": ready, "reason": "KubeletReady", "message": if ready == "True" { "kubelet is posting ready status" } else { "Kubelet stopped posting node status." }, "lastHeartbeatTime": ago(30), "lastTransitionTime": ago(900)})];
        if name == "k8s-2" {
            conditions.push(json!({"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "ephemeral storage is low", "lastHeartbeatTime": ago(30), "lastTransitionTime": ago(900)}));
        }
        status(&env, "node", None, name, json!({
            "conditions": conditions,
            "addresses": [{"type": "InternalIP", "address": ip}],
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "nodeInfo": {"kubeletVersion": kubelet, "osImage": "Talos (v1.11.2)", "architecture": "amd64", "bootID": "", "containerRuntimeVersion": "containerd://2.1.4",
                         "kernelVersion": "6.12.48-talos", "kubeProxyVersion": "", "machineID": "", "operatingSystem": "linux", "systemUUID": ""},
        }));
    }
    env.kubectl(["cordon", "k8s-2"]).unwrap();
    apply(&env, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local-path}\nprovisioner: rancher.io/local-path\n");

    // Flux: controllers, a source, Kustomizations and a stalled HelmRelease.
    namespace(&env, "flux-system");
    for name in ["source-controller", "kustomize-controller", "helm-controller"] {
        let available = if name == "helm-controller" { 0 } else { 1 };
        deployment(&env, "flux-system", name, 1, "app.kubernetes.io/part-of: flux",
            json!({"observedGeneration": 1, "replicas": 1, "availableReplicas": available, "readyReplicas": available}));
    }
    let (old, new) = ("main@sha1:1111111111111111111111111111111111111111", "main@sha1:2222222222222222222222222222222222222222");
    git_repository(&env, "flux-system", "flux-system", new, 3600);
    for (name, suspend) in [("cluster-apps", false), ("media", false), ("paused", true)] {
        kustomization(&env, "flux-system", name, "flux-system", suspend);
    }
    status(&env, KS, Some("flux-system"), "cluster-apps", json!({"observedGeneration": 1, "lastAppliedRevision": old,
        "conditions": [condition("Ready", "True", "ReconciliationSucceeded", &format!("Applied revision: {old}"))]}));
    status(&env, KS, Some("flux-system"), "media", json!({"observedGeneration": 1, "lastAppliedRevision": new,
        "conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: accumulating resources: 'plex/ks.yaml' not found")]}));
    env.kubectl(["annotate", KS, "paused", "-n", "flux-system", &format!("anton.dev/suspended-at={}", ago(9 * 86_400))]).unwrap();
    namespace(&env, "media");
    apply(&env, "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: media}\nspec: {interval: 1h, url: https://charts.example.invalid}\n");
    helm_release(&env, "media", "plex", "charts");
    status(&env, HR, Some("media"), "plex", json!({"observedGeneration": 1,
        "conditions": [condition("Ready", "False", "UpgradeFailed", "Helm upgrade failed: timed out waiting for the condition"),
                       condition("Stalled", "True", "RetriesExceeded", "Failed to upgrade after 3 attempt(s)")]}));

    // Workloads and pods in media (ordinary) and kube-system (critical).
    deployment(&env, "media", "plex", 1, "", json!({"observedGeneration": 1, "replicas": 1, "unavailableReplicas": 1,
        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"plex-5c7\" has timed out progressing.", "lastUpdateTime": ago(600), "lastTransitionTime": ago(600)}]}));
    deployment(&env, "media", "sonarr", 2, "", json!({"observedGeneration": 1, "replicas": 2, "availableReplicas": 1, "readyReplicas": 1}));
    deployment(&env, "media", "radarr", 1, "", json!({"observedGeneration": 1, "replicas": 1, "availableReplicas": 1, "readyReplicas": 1}));
    let running = |restarts: i32, state: Value, last: Value, started: i64| {
        json!({"phase": "Running", "startTime": ago(started), "containerStatuses": [container_status("app", restarts, state, last)]})
    };
    let terminated = |reason: &str, code: i32, finished: i64| {
        json!({"terminated": {"exitCode": code, "reason": reason, "startedAt": ago(finished + 30), "finishedAt": ago(finished)}})
    };
    let up = json!({"running": {"startedAt": ago(60)}});
    pod(&env, "media", "plex-5c7-abcde", running(14, json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}), terminated("Error", 1, 45), 7200));
    pod(&env, "media", "sonarr-6f-xyz", running(0, json!({"waiting": {"reason": "ErrImagePull", "message": "manifest unknown"}}), json!({}), 300));
    pod(&env, "media", "radarr-77-qwe", running(2, up.clone(), terminated("OOMKilled", 137, 1800), 86_400));
    pod(&env, "media", "bazarr-1", running(6, up.clone(), terminated("Error", 2, 200), 1500));
    pod(&env, "media", "jellyfin-0", json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient memory.", "lastTransitionTime": ago(1200)}]}));
    pod(&env, "kube-system", "coredns-1", running(0, json!({"waiting": {"reason": "CreateContainerConfigError", "message": "configmap \"coredns\" not found"}}), json!({}), 600));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    let out = anton(&env, &["health", "--json", "--save-snapshot", &file.display().to_string()]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let mut snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    strip(&mut snapshot);
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../anton-health/tests/fixtures/cluster.json");
    std::fs::write(&target, serde_json::to_string_pretty(&snapshot).unwrap() + "\n").unwrap();
    eprintln!("wrote {}", target.display());
}

/// Drops what no check reads and changes on every recording (uids,
/// resourceVersions, managedFields of objects other than Flux's).
fn strip(value: &mut Value) {
    fn walk(value: &mut Value, keep_managed: bool) {
        match value {
            Value::Object(map) => {
                let flux = map.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.contains("toolkit.fluxcd.io"));
                if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("uid");
                    meta.remove("resourceVersion");
                    if !(keep_managed || flux) {
                        meta.remove("managedFields");
                    }
                    if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
                        if annotations.is_empty() {
                            meta.remove("annotations");
                        }
                    }
                }
                for (_, child) in map.iter_mut() {
                    walk(child, keep_managed);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, keep_managed)),
            _ => {}
        }
    }
    walk(value, false);
}
