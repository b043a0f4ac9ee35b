//! Starts the real kube-apiserver + etcd harness and exercises what anton's
//! live-cluster tests rely on: installed CRDs, writes, the status
//! subresource, and RBAC for the read-only user.

use anton_testenv::{TestEnv, User};
use serde_json::json;

#[test]
fn smoke() {
    let Some(env) = TestEnv::start_or_skip() else {
        return;
    };
    assert!(env.server_url().starts_with("https://127.0.0.1:"));
    for path in [
        env.kubeconfig_path(),
        env.admin_kubeconfig(),
        env.viewer_kubeconfig(),
    ] {
        assert!(path.is_file(), "{} missing", path.display());
    }

    // CRDs from every project anton reads.
    let crds = env
        .kubectl(["get", "crd", "-o", "name"])
        .expect("list CRDs");
    for crd in [
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "gitrepositories.source.toolkit.fluxcd.io",
        "ocirepositories.source.toolkit.fluxcd.io",
        "helmrepositories.source.toolkit.fluxcd.io",
        "helmreleases.helm.toolkit.fluxcd.io",
        "alerts.notification.toolkit.fluxcd.io",
        "providers.notification.toolkit.fluxcd.io",
        "receivers.notification.toolkit.fluxcd.io",
        "cephclusters.ceph.rook.io",
        "cephblockpools.ceph.rook.io",
        "cephfilesystems.ceph.rook.io",
        "cephobjectstores.ceph.rook.io",
        "externalsecrets.external-secrets.io",
        "secretstores.external-secrets.io",
        "clustersecretstores.external-secrets.io",
        "certificates.cert-manager.io",
        "certificaterequests.cert-manager.io",
        "issuers.cert-manager.io",
        "clusterissuers.cert-manager.io",
        "servicemonitors.monitoring.coreos.com",
        "podmonitors.monitoring.coreos.com",
        "prometheusrules.monitoring.coreos.com",
    ] {
        let line = format!("customresourcedefinition.apiextensions.k8s.io/{crd}");
        assert!(
            crds.lines().any(|l| l == line),
            "CRD {crd} not installed; have:\n{crds}"
        );
    }

    // A namespace, a Deployment and a Pod (no ServiceAccount controller runs,
    // so this also proves the ServiceAccount admission plugin is off).
    env.create_namespace("smoke").expect("create namespace");
    env.apply_yaml(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: smoke
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: lonely
  namespace: smoke
spec:
  containers:
    - name: c
      image: busybox
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: smoke
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"#,
    )
    .expect("apply objects");

    // Nothing reconciles, so status is whatever the test writes.
    env.set_status(
        "deployment",
        Some("smoke"),
        "web",
        &json!({"replicas": 2, "readyReplicas": 1, "observedGeneration": 1}),
    )
    .expect("set deployment status");
    let ready = env
        .kubectl([
            "get",
            "deployment",
            "web",
            "-n",
            "smoke",
            "-o",
            "jsonpath={.status.readyReplicas}",
        ])
        .expect("read deployment status");
    assert_eq!(ready, "1");

    env.set_status(
        "kustomizations.kustomize.toolkit.fluxcd.io",
        Some("smoke"),
        "apps",
        &json!({"conditions": [{
            "type": "Ready", "status": "False", "reason": "BuildFailed",
            "message": "kustomize build failed", "lastTransitionTime": "2024-01-01T00:00:00Z",
        }]}),
    )
    .expect("set kustomization status");
    let reason = env
        .kubectl([
            "get",
            "kustomization",
            "apps",
            "-n",
            "smoke",
            "-o",
            "jsonpath={.status.conditions[0].reason}",
        ])
        .expect("read kustomization status");
    assert_eq!(reason, "BuildFailed");

    // The viewer can read...
    let names = env
        .kubectl_as(
            User::Viewer,
            ["get", "deployments", "-n", "smoke", "-o", "name"],
        )
        .expect("viewer lists deployments");
    assert_eq!(names.trim(), "deployment.apps/web");
    env.kubectl_as(User::Viewer, ["get", "kustomizations", "-A"])
        .expect("viewer lists Flux Kustomizations");

    // ...but RBAC forbids writes, with a real 403 from the server.
    let out = env
        .kubectl_output(
            User::Viewer,
            [
                "patch",
                "deployment",
                "web",
                "-n",
                "smoke",
                "--type=merge",
                "-p",
                r#"{"spec":{"replicas":3}}"#,
            ],
        )
        .expect("run kubectl");
    assert!(!out.status.success(), "viewer patch unexpectedly succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("forbidden"),
        "expected a 403, got: {stderr}"
    );

    env.stop().expect("clean shutdown");
}
