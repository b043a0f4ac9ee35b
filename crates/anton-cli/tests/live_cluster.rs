//! Cluster-wide checks against a real kube-apiserver: nodes and the control
//! plane, storage classes, node metrics, the Flux controllers and CRDs. These
//! objects are seen by every run, so the steps share one server and run in
//! order inside one test (its own binary, its own server).

mod live_support;

use live_support::*;
use serde_json::{Value, json};

static SERVER: Shared = Shared::new(1);

fn node(env: &anton_testenv::TestEnv, name: &str, control_plane: bool, kubelet: &str, ip: &str, conditions: Value) {
    let labels = if control_plane { "{node-role.kubernetes.io/control-plane: ''}" } else { "{}" };
    apply(env, &format!("apiVersion: v1\nkind: Node\nmetadata: {{name: {name}, labels: {labels}}}\n"));
    status(
        env,
        "node",
        None,
        name,
        json!({
            "conditions": conditions,
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "nodeInfo": {
                "kubeletVersion": kubelet, "osImage": "Talos (v1.11.2)", "architecture": "amd64", "bootID": "b",
                "containerRuntimeVersion": "containerd://2.1.4", "kernelVersion": "6.12.48-talos", "kubeProxyVersion": "",
                "machineID": "m", "operatingSystem": "linux", "systemUUID": "u",
            },
        }),
    );
}

fn node_condition(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({"type": type_, "status": status, "reason": reason, "message": message,
           "lastHeartbeatTime": ago(10), "lastTransitionTime": ago(600)})
}

fn healthy_conditions() -> Value {
    json!([
        node_condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        node_condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "ok"),
        node_condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "ok"),
        node_condition("PIDPressure", "False", "KubeletHasSufficientPID", "ok"),
    ])
}

fn health(env: &anton_testenv::TestEnv, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["health", "--json"];
    args.extend_from_slice(extra);
    let out = anton(env, &args);
    (code(&out), live_support::report(&out))
}

#[test]
fn cluster_wide_checks_in_order() {
    let Some(env) = SERVER.lease() else { return };

    // An empty cluster: no StorageClass, no metrics API, Flux CRDs but nothing else.
    let (_, report) = health(&env, &[]);
    expect(&report, "storage/no-default-class", "", "warning");
    let unavailable = findings(&report).into_iter().find(|f| f["rule"] == "metrics/unavailable").expect("metrics/unavailable");
    assert_eq!(unavailable["severity"], "info");
    assert_eq!(report["details"]["nodes"]["total"], 0);

    // --- Flux controllers -------------------------------------------------------
    namespace(&env, "flux-system");
    for (name, available) in [("source-controller", 1), ("kustomize-controller", 1), ("helm-controller", 0)] {
        deployment(
            &env,
            "flux-system",
            name,
            1,
            "app.kubernetes.io/part-of: flux, app.kubernetes.io/component: controller",
            json!({"observedGeneration": 1, "replicas": 1, "availableReplicas": available, "readyReplicas": available}),
        );
    }
    let out = anton(&env, &["flux", "status", "--json"]);
    let flux = live_support::report(&out);
    let message = expect(&flux, "flux/controller-unavailable", "Deployment/flux-system/helm-controller", "critical");
    assert!(message.contains("0 of 1"), "{message}");
    assert!(!findings(&flux).iter().any(|f| f["object"] == "Deployment/flux-system/source-controller"));
    assert_eq!(flux["details"]["flux"]["controllers"].as_array().unwrap().len(), 3);
    assert_eq!(code(&out), 2);
    let text = stdout(&anton(&env, &["flux", "status"]));
    assert!(text.contains("Controllers") && text.contains("✗ helm-controller 0/1"), "{text}");
    status(&env, "deployment", Some("flux-system"), "helm-controller", json!({"availableReplicas": 1, "readyReplicas": 1}));
    let out = anton(&env, &["flux", "status", "--json"]);
    assert!(!has_rule(&live_support::report(&out), "flux/controller-unavailable"));
    // Health over all namespaces finds the controllers among all Deployments.
    let (_, report) = health(&env, &[]);
    assert_eq!(report["details"]["flux"]["controllers"].as_array().unwrap().len(), 3);

    // --- Nodes and the control plane --------------------------------------------
    node(&env, "k8s-1", true, "v1.37.2", "192.168.1.98", healthy_conditions());
    node(&env, "k8s-2", true, "v1.37.2", "192.168.1.99", {
        let mut c = healthy_conditions();
        c[2] = node_condition("DiskPressure", "True", "KubeletHasDiskPressure", "ephemeral storage is low");
        c
    });
    env.kubectl(["cordon", "k8s-2"]).unwrap();
    node(&env, "k8s-3", true, "v1.33.4", "192.168.1.100", json!([node_condition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")]));
    node(&env, "worker-1", false, "v1.36.1", "192.168.1.101", {
        let mut c = healthy_conditions();
        c.as_array_mut().unwrap().push(node_condition("NetworkUnavailable", "True", "NoRouteCreated", "Cilium is not running"));
        c
    });

    let (exit, report) = health(&env, &[]);
    let not_ready = expect(&report, "node/not-ready", "Node/k8s-3", "critical");
    assert!(not_ready.contains("stopped posting"), "{not_ready}");
    assert!(finding(&report, "node/not-ready", "Node/k8s-3")["hint"].as_str().unwrap().contains("talosctl -n 192.168.1.100"));
    expect(&report, "node/cordoned", "Node/k8s-2", "warning");
    assert!(expect(&report, "node/pressure", "Node/k8s-2", "warning").contains("DiskPressure"));
    expect(&report, "node/network-unavailable", "Node/worker-1", "critical");
    assert!(expect(&report, "node/version-skew", "Node/k8s-3", "critical").contains("4 minor versions behind"));
    let skew = finding(&report, "node/version-skew", "Node/worker-1");
    assert_eq!(skew["severity"], "info");
    let quorum = findings(&report).into_iter().find(|f| f["rule"] == "controlplane/quorum").expect("quorum finding");
    assert_eq!(quorum["severity"], "warning", "2 of 3 Ready is quorum, one failure away from losing it");
    assert_eq!(exit, 2);
    let nodes = &report["details"]["nodes"];
    assert_eq!(nodes["controlPlane"], json!({"total": 3, "ready": 2, "quorum": 2}));
    assert_eq!(nodes["items"][0]["talosVersion"], "v1.11.2");

    status(&env, "node", None, "k8s-2", json!({"conditions": [node_condition("Ready", "False", "KubeletNotReady", "container runtime is down")]}));
    let (_, report) = health(&env, &[]);
    let quorum = findings(&report).into_iter().find(|f| f["rule"] == "controlplane/quorum").expect("quorum finding");
    assert_eq!(quorum["severity"], "critical");
    assert!(quorum["message"].as_str().unwrap().contains("only 1 of 3"), "{quorum}");

    // The viewer cannot list nodes: a clear 403, exit 3.
    let out = anton_viewer(&env, &["health"]);
    assert_eq!(code(&out), 3);
    assert!(stdout(&out).contains("permission denied"), "{}", stdout(&out));

    // --- Storage classes ----------------------------------------------------------
    let class = |name: &str| format!("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {name}}}\nprovisioner: rook-ceph.rbd.csi.ceph.com\n");
    apply(&env, &class("ceph-block"));
    apply(&env, &class("local-path"));
    let (_, report) = health(&env, &[]);
    assert!(expect(&report, "storage/no-default-class", "", "warning").contains("ceph-block, local-path"));
    env.kubectl(["annotate", "storageclass", "ceph-block", "storageclass.kubernetes.io/is-default-class=true"]).unwrap();
    let (_, report) = health(&env, &[]);
    assert!(!has_rule(&report, "storage/no-default-class") && !has_rule(&report, "storage/multiple-default-classes"));
    assert_eq!(report["details"]["storage"]["default"], json!(["ceph-block"]));
    env.kubectl(["annotate", "storageclass", "local-path", "storageclass.kubernetes.io/is-default-class=true"]).unwrap();
    let (_, report) = health(&env, &[]);
    expect(&report, "storage/multiple-default-classes", "", "warning");
    env.kubectl(["annotate", "storageclass", "local-path", "storageclass.kubernetes.io/is-default-class-"]).unwrap();

    // --- Node metrics: a stand-in for metrics-server's API ----------------------
    apply(
        &env,
        r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: nodes.metrics.k8s.io
  annotations: {api-approved.kubernetes.io: "unapproved, test stand-in for metrics-server"}
spec:
  group: metrics.k8s.io
  scope: Cluster
  names: {plural: nodes, singular: node, kind: NodeMetrics, listKind: NodeMetricsList}
  versions:
    - name: v1beta1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#,
    );
    env.kubectl(["wait", "--for=condition=Established", "crd/nodes.metrics.k8s.io", "--timeout=30s"]).unwrap();
    let sample = |name: &str, cpu: &str, memory: &str| {
        format!("apiVersion: metrics.k8s.io/v1beta1\nkind: NodeMetrics\nmetadata: {{name: {name}}}\ntimestamp: '{}'\nwindow: 20s\nusage: {{cpu: {cpu}, memory: {memory}}}\n", ago(5))
    };
    apply(&env, &sample("k8s-1", "3600m", "10Gi"));
    apply(&env, &sample("worker-1", "500m", "15Gi"));
    let (_, report) = health(&env, &[]);
    assert!(!has_rule(&report, "metrics/unavailable"));
    assert!(expect(&report, "metrics/cpu-high", "Node/k8s-1", "warning").contains("90 %"));
    assert!(expect(&report, "metrics/memory-high", "Node/worker-1", "warning").contains("94 %"));
    assert!(!findings(&report).iter().any(|f| f["rule"] == "metrics/memory-high" && f["object"] == "Node/k8s-1"));
    let (_, report) = health(&env, &["--cpu-threshold", "95", "--memory-threshold", "95"]);
    assert!(!has_rule(&report, "metrics/cpu-high") && !has_rule(&report, "metrics/memory-high"));
    assert_eq!(report["details"]["metrics"]["available"], true);

    // Text output: one line per area, then the findings.
    let text = stdout(&anton(&env, &["health"]));
    for line in ["Nodes", "Workloads", "Pods", "Flux", "Storage", "Usage"] {
        assert!(text.lines().any(|l| l.starts_with(line)), "no {line} line:\n{text}");
    }
    assert!(text.contains("control plane 1/3 Ready (quorum 2)"), "{text}");
    assert!(text.contains("help: "), "{text}");

    // --- Flux CRDs missing ---------------------------------------------------------
    env.kubectl(["delete", "crd", "buckets.source.toolkit.fluxcd.io"]).unwrap();
    let out = anton(&env, &["flux", "status", "--json", "-v"]);
    let flux = live_support::report(&out);
    let missing = findings(&flux).into_iter().find(|f| f["rule"] == "flux/crd-missing").expect("crd-missing");
    assert_eq!(missing["severity"], "info");
    assert!(missing["message"].as_str().unwrap().contains("Bucket"), "{missing}");
    assert!(flux["details"]["api"]["notes"].to_string().contains("Bucket CRD"), "{}", flux["details"]["api"]);
    assert_eq!(code(&out), 0);
    env.kubectl(["delete", "crd", "kustomizations.kustomize.toolkit.fluxcd.io"]).unwrap();
    let out = anton(&env, &["flux", "status", "--json"]);
    let flux = live_support::report(&out);
    assert!(findings(&flux).iter().any(|f| f["rule"] == "flux/crd-missing" && f["severity"] == "critical"
        && f["message"].as_str().unwrap().contains("Kustomization")));
    assert_eq!(code(&out), 2);
}
