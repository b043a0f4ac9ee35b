//! Shared by the `live_*` test binaries: one real API server per binary
//! (startup is slow), running the `anton` binary against it, and staging
//! situations by creating objects and writing their status through the
//! status subresource, as the missing controllers and kubelets would.
#![allow(dead_code)]

use std::process::Output;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use anton_testenv::TestEnv;
use assert_cmd::Command;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// One API server for all tests of a binary. Each test holds a [`Lease`];
/// when the last of `tests` leases is dropped the server is stopped, so the
/// process does not leave its temporary folder behind.
pub struct Shared {
    env: OnceLock<TestEnv>,
    remaining: Mutex<usize>,
}

impl Shared {
    pub const fn new(tests: usize) -> Self {
        Self { env: OnceLock::new(), remaining: Mutex::new(tests) }
    }

    /// The server, or `None` when ANTON_TESTENV_SKIP=1 outside CI (each
    /// skipped test reports its skip; in CI it fails instead).
    pub fn lease(&'static self) -> Option<Lease> {
        if !anton_testenv::needs::live_cluster() {
            return None;
        }
        let env = self.env.get_or_init(|| {
            TestEnv::start().unwrap_or_else(|err| panic!("starting the Kubernetes test environment failed: {err:#}"))
        });
        Some(Lease { shared: self, env })
    }
}

pub struct Lease {
    shared: &'static Shared,
    pub env: &'static TestEnv,
}

impl std::ops::Deref for Lease {
    type Target = TestEnv;
    fn deref(&self) -> &TestEnv {
        self.env
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut remaining = self.shared.remaining.lock().unwrap_or_else(|e| e.into_inner());
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            // Statics are never dropped, so TestEnv's own Drop would not run.
            stop(self.env);
        }
    }
}

/// Stops the server and removes its folder (what `TestEnv`'s Drop does), for
/// an environment held in a static.
fn stop(env: &TestEnv) {
    // `ready` holds the server's pid; SIGTERM makes it shut down gracefully.
    let ready = env.dir().join("ready");
    if let Some(pid) = std::fs::read_to_string(&ready)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["pid"].as_u64())
    {
        let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
        for _ in 0..100 {
            let alive = std::process::Command::new("kill").args(["-0", &pid.to_string()]).status().is_ok_and(|s| s.success());
            if !alive {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    if std::env::var_os("ANTON_TESTENV_KEEP").is_none_or(|v| v != "1") {
        let _ = std::fs::remove_dir_all(env.dir());
    }
}

/// `anton ARGS… --kubeconfig <admin>`.
pub fn anton(env: &TestEnv, args: &[&str]) -> Output {
    anton_with(&env.admin_kubeconfig().display().to_string(), args)
}

/// `anton ARGS… --kubeconfig <viewer>` (read-only RBAC).
pub fn anton_viewer(env: &TestEnv, args: &[&str]) -> Output {
    anton_with(&env.viewer_kubeconfig().display().to_string(), args)
}

pub fn anton_with(kubeconfig: &str, args: &[&str]) -> Output {
    let mut cmd = Command::cargo_bin("anton").expect("the anton binary is built");
    cmd.args(args).args(["--kubeconfig", kubeconfig, "--color", "never"]);
    cmd.env_remove("KUBECONFIG").env("NO_COLOR", "1");
    cmd.timeout(Duration::from_secs(120));
    cmd.output().expect("run anton")
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a JSON report ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The findings of a JSON report.
pub fn findings(report: &Value) -> Vec<Value> {
    report["details"]["findings"].as_array().cloned().unwrap_or_default()
}

/// The one finding with this rule and object (`""`: a finding about the whole
/// cluster, without an object); panics with the report otherwise.
pub fn finding(report: &Value, rule: &str, object: &str) -> Value {
    findings(report)
        .into_iter()
        .find(|f| f["rule"] == rule && (f["object"] == object || (object.is_empty() && f["object"].is_null())))
        .unwrap_or_else(|| panic!("no {rule} on {object} in:\n{}", serde_json::to_string_pretty(&report["details"]["findings"]).unwrap()))
}

pub fn has_rule(report: &Value, rule: &str) -> bool {
    findings(report).iter().any(|f| f["rule"] == rule)
}

/// Asserts a finding's severity and returns its message.
pub fn expect(report: &Value, rule: &str, object: &str, severity: &str) -> String {
    let f = finding(report, rule, object);
    assert_eq!(f["severity"], severity, "{rule} on {object}: {f}");
    assert!(f["hint"].as_str().is_some_and(|h| !h.is_empty()), "{rule} has no hint: {f}");
    f["message"].as_str().unwrap_or("").to_owned()
}

/// RFC 3339, whole seconds, `seconds` ago (negative: in the future).
pub fn ago(seconds: i64) -> String {
    let now = Timestamp::now().as_second();
    Timestamp::from_second(now - seconds).expect("valid time").to_string()
}

pub fn now_plus(offset: SignedDuration) -> String {
    (Timestamp::now() + offset).to_string()
}

/// `kubectl apply` as admin; panics with kubectl's output on failure.
pub fn apply(env: &TestEnv, yaml: &str) {
    env.apply_yaml(yaml).unwrap_or_else(|e| panic!("apply failed: {e:#}\n{yaml}"));
}

pub fn status(env: &TestEnv, resource: &str, namespace: Option<&str>, name: &str, status: Value) {
    env.set_status(resource, namespace, name, &status)
        .unwrap_or_else(|e| panic!("setting the status of {resource} {name} failed: {e:#}"));
}

pub fn namespace(env: &TestEnv, name: &str) {
    env.create_namespace(name).unwrap_or_else(|e| panic!("create namespace {name}: {e:#}"));
}

/// A container status as a kubelet writes it.
pub fn container_status(name: &str, restarts: i32, state: Value, last_state: Value) -> Value {
    json!({
        "name": name,
        "image": "registry.example/app:1.0",
        "imageID": "",
        "ready": false,
        "started": false,
        "restartCount": restarts,
        "state": state,
        "lastState": last_state,
    })
}

/// A Pod with one container `app`, and its status.
pub fn pod(env: &TestEnv, ns: &str, name: &str, pod_status: Value) {
    apply(
        env,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  containers: [{{name: app, image: 'registry.example/app:1.0'}}]\n"
        ),
    );
    status(env, "pod", Some(ns), name, pod_status);
}

/// A Deployment with `replicas` and its status.
pub fn deployment(env: &TestEnv, ns: &str, name: &str, replicas: i32, labels: &str, deployment_status: Value) {
    apply(
        env,
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: app, image: 'registry.example/app:1.0'}}]}}\n"
        ),
    );
    status(env, "deployment", Some(ns), name, deployment_status);
}

/// A Flux condition.
pub fn condition(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": ago(60),
        "observedGeneration": 1,
    })
}

pub const KS: &str = "kustomizations.kustomize.toolkit.fluxcd.io";
pub const HR: &str = "helmreleases.helm.toolkit.fluxcd.io";
pub const GIT: &str = "gitrepositories.source.toolkit.fluxcd.io";
pub const HELMREPO: &str = "helmrepositories.source.toolkit.fluxcd.io";
pub const CHART: &str = "helmcharts.source.toolkit.fluxcd.io";

/// A GitRepository with an artifact at `revision`, Ready.
pub fn git_repository(env: &TestEnv, ns: &str, name: &str, revision: &str, artifact_age_seconds: i64) {
    apply(
        env,
        &format!(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  interval: 1m\n  url: https://example.invalid/repo.git\n  ref: {{branch: main}}\n"
        ),
    );
    status(
        env,
        GIT,
        Some(ns),
        name,
        json!({
            "observedGeneration": 1,
            "conditions": [condition("Ready", "True", "Succeeded", &format!("stored artifact for revision '{revision}'"))],
            "artifact": {
                "revision": revision,
                "path": "gitrepository/x.tar.gz",
                "url": "http://source-controller/x.tar.gz",
                "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "lastUpdateTime": ago(artifact_age_seconds),
            },
        }),
    );
}

/// A Kustomization of GitRepository `source` (same namespace).
pub fn kustomization(env: &TestEnv, ns: &str, name: &str, source: &str, suspend: bool) {
    apply(
        env,
        &format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  suspend: {suspend}\n  sourceRef: {{kind: GitRepository, name: {source}}}\n"
        ),
    );
}

/// A HelmRelease with an inline chart from HelmRepository `repo`.
pub fn helm_release(env: &TestEnv, ns: &str, name: &str, repo: &str) {
    apply(
        env,
        &format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: app\n      version: 1.2.3\n      sourceRef: {{kind: HelmRepository, name: {repo}}}\n"
        ),
    );
}

/// Reads one field of an object with kubectl's jsonpath.
pub fn field(env: &TestEnv, resource: &str, ns: &str, name: &str, jsonpath: &str) -> String {
    env.kubectl(["get", resource, name, "-n", ns, "-o", &format!("jsonpath={jsonpath}")])
        .unwrap_or_else(|e| panic!("reading {jsonpath} of {resource} {name}: {e:#}"))
}

/// The object as JSON.
pub fn object(env: &TestEnv, resource: &str, ns: &str, name: &str) -> Value {
    let text = env
        .kubectl(["get", resource, name, "-n", ns, "-o", "json"])
        .unwrap_or_else(|e| panic!("reading {resource} {name}: {e:#}"));
    serde_json::from_str(&text).expect("kubectl printed JSON")
}

/// Plays the Flux controller for one object: waits until its
/// `reconcile.fluxcd.io/requestedAt` annotation changes from `before`, then
/// reports it handled with Ready=`ready` (the status a controller would write).
pub fn play_controller(
    env: &'static TestEnv,
    resource: &'static str,
    ns: &str,
    name: &str,
    before: Option<String>,
    ready: bool,
    message: &'static str,
) -> std::thread::JoinHandle<Option<String>> {
    let (ns, name) = (ns.to_owned(), name.to_owned());
    std::thread::spawn(move || {
        for _ in 0..200 {
            let current = object(env, resource, &ns, &name);
            let requested = current["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].as_str().map(str::to_owned);
            if requested.is_some() && requested != before {
                let generation = current["metadata"]["generation"].as_i64().unwrap_or(1);
                let (s, reason) = if ready { ("True", "ReconciliationSucceeded") } else { ("False", "ReconciliationFailed") };
                status(
                    env,
                    resource,
                    Some(&ns),
                    &name,
                    json!({
                        "observedGeneration": generation,
                        "lastHandledReconcileAt": requested,
                        "lastAppliedRevision": "main@sha1:2222222222222222222222222222222222222222",
                        "conditions": [condition("Ready", s, reason, message)],
                    }),
                );
                return requested;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    })
}
