//! `anton health` against a real kube-apiserver: each test stages one
//! situation in its own namespace (objects plus status written through the
//! status subresource) and runs `anton health -n NS`, so tests do not see each
//! other. Cluster-wide checks (nodes, storage, metrics) are in live_cluster.rs.

mod live_support;

use live_support::*;
use serde_json::json;

static SERVER: Shared = Shared::new(11);

#[test]
fn deployments_past_their_progress_deadline_or_unavailable() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-deploy";
    namespace(&env, ns);
    deployment(
        &env,
        ns,
        "web",
        2,
        "",
        json!({
            "observedGeneration": 1, "replicas": 2, "readyReplicas": 1, "availableReplicas": 1, "unavailableReplicas": 1,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                            "message": "ReplicaSet \"web-7d9f\" has timed out progressing.",
                            "lastUpdateTime": ago(120), "lastTransitionTime": ago(120)}],
        }),
    );
    deployment(&env, ns, "down", 1, "", json!({"observedGeneration": 1, "replicas": 1, "unavailableReplicas": 1}));
    deployment(&env, ns, "idle", 0, "", json!({"observedGeneration": 1}));

    let out = anton(&env, &["health", "-n", ns, "--json"]);
    let report = report(&out);
    let message = expect(&report, "workload/progress-deadline", "Deployment/h-deploy/web", "critical");
    assert!(message.contains("timed out progressing"), "{message}");
    expect(&report, "workload/unavailable", "Deployment/h-deploy/web", "warning");
    let down = expect(&report, "workload/unavailable", "Deployment/h-deploy/down", "critical");
    assert!(down.contains("0 of 1"), "{down}");
    assert!(findings(&report).iter().all(|f| f["object"] != "Deployment/h-deploy/idle"), "scaled to zero is fine");
    assert_eq!(code(&out), 2);
    assert_eq!(report["status"], "critical");
    assert_eq!(report["details"]["workloads"]["deployments"], 3);
    assert!(report["details"]["api"]["requests"].as_u64().unwrap() >= 7, "{}", report["details"]["api"]);
}

#[test]
fn statefulsets_and_daemonsets_weigh_more_in_critical_namespaces() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-sets";
    namespace(&env, ns);
    apply(
        &env,
        &format!(
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: {ns}}}
spec:
  replicas: 3
  serviceName: db
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec: {{containers: [{{name: db, image: postgres:17}}]}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec: {{containers: [{{name: agent, image: agent:1}}]}}
"#
        ),
    );
    status(&env, "statefulset", Some(ns), "db", json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 2, "availableReplicas": 2, "currentReplicas": 3, "updatedReplicas": 3}));
    status(
        &env,
        "daemonset",
        Some(ns),
        "agent",
        json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "numberAvailable": 2, "numberUnavailable": 1, "numberMisscheduled": 0, "updatedNumberScheduled": 3}),
    );

    let out = anton(&env, &["health", "-n", ns, "--json"]);
    let ordinary = report(&out);
    expect(&ordinary, "workload/unavailable", "StatefulSet/h-sets/db", "warning");
    expect(&ordinary, "workload/unavailable", "DaemonSet/h-sets/agent", "warning");
    assert_eq!(code(&out), 1);

    let out = anton(&env, &["health", "-n", ns, "--json", "--critical-namespaces", "kube-system,h-sets"]);
    let critical = report(&out);
    expect(&critical, "workload/unavailable", "StatefulSet/h-sets/db", "critical");
    expect(&critical, "workload/unavailable", "DaemonSet/h-sets/agent", "critical");
    assert_eq!(code(&out), 2);
}

#[test]
fn failed_jobs_and_cronjobs_whose_last_run_failed() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-jobs";
    namespace(&env, ns);
    let job = |name: &str, owner: Option<(&str, &str)>| {
        let owner = owner
            .map(|(cron, uid)| {
                format!("\n  ownerReferences: [{{apiVersion: batch/v1, kind: CronJob, name: {cron}, uid: {uid}, controller: true}}]")
            })
            .unwrap_or_default();
        apply(
            &env,
            &format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  namespace: {ns}{owner}\nspec:\n  backoffLimit: 1\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: main, image: busybox}}]\n"
            ),
        );
    };
    // A Job that started `started` seconds ago and ended 100 s later.
    let failed = |name: &str, started: i64| {
        status(
            &env,
            "job",
            Some(ns),
            name,
            json!({
                "startTime": ago(started), "failed": 2,
                "conditions": [
                    {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastTransitionTime": ago(started - 100), "lastProbeTime": ago(started - 100)},
                    {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastTransitionTime": ago(started - 100), "lastProbeTime": ago(started - 100)},
                ],
            }),
        );
    };
    let succeeded = |name: &str, started: i64| {
        status(
            &env,
            "job",
            Some(ns),
            name,
            json!({
                "startTime": ago(started), "completionTime": ago(started - 100), "succeeded": 1,
                "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": ago(started - 100), "lastProbeTime": ago(started - 100)},
                    {"type": "Complete", "status": "True", "lastTransitionTime": ago(started - 100), "lastProbeTime": ago(started - 100)},
                ],
            }),
        );
    };
    job("migrate", None);
    failed("migrate", 600);
    for cron in ["backup", "report"] {
        apply(
            &env,
            &format!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: {cron}, namespace: {ns}}}\nspec:\n  schedule: '0 3 * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{{name: main, image: busybox}}]\n"
            ),
        );
    }
    let uid = |cron: &str| field(&env, "cronjob", ns, cron, "{.metadata.uid}");
    // The last run is the Job created last. The staging makes every other
    // order disagree with it: the API lists Jobs by name, and the start and
    // end times run the other way, so picking by name (first or last), by
    // start or by end time gets one of the two CronJobs wrong.
    // backup: `backup-z` (created first) succeeded, `backup-a` (created last) failed.
    let backup = uid("backup");
    job("backup-z", Some(("backup", &backup)));
    succeeded("backup-z", 300);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    job("backup-a", Some(("backup", &backup)));
    failed("backup-a", 900);
    // report: `report-a` (created first) failed, `report-z` (created last) succeeded.
    let report_uid = uid("report");
    job("report-a", Some(("report", &report_uid)));
    failed("report-a", 300);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    job("report-z", Some(("report", &report_uid)));
    succeeded("report-z", 900);
    let created = |name: &str| field(&env, "job", ns, name, "{.metadata.creationTimestamp}");
    assert!(created("backup-z") < created("backup-a") && created("report-a") < created("report-z"), "creation order as staged");

    let out = anton(&env, &["health", "-n", ns, "--json"]);
    let report = report(&out);
    let message = expect(&report, "job/failed", "Job/h-jobs/migrate", "warning");
    assert!(message.contains("BackoffLimitExceeded"), "{message}");
    let message = expect(&report, "cronjob/last-run-failed", "CronJob/h-jobs/backup", "warning");
    assert!(message.contains("Job backup-a"), "the Job created last is the last run: {message}");
    assert!(findings(&report).iter().all(|f| f["object"] != "CronJob/h-jobs/report"), "a later success clears an old failure");
    assert!(findings(&report).iter().all(|f| f["rule"] != "job/failed" || f["object"] == "Job/h-jobs/migrate"), "CronJob runs are judged by their CronJob");
    assert_eq!(code(&out), 1);
}

#[test]
fn pods_crashloop_image_pull_config_error_oom_unschedulable_restart_rate() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-pods";
    namespace(&env, ns);
    let running = |restarts: i32, state: serde_json::Value, last: serde_json::Value, started: i64| {
        json!({"phase": "Running", "startTime": ago(started),
               "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": ago(started)}],
               "containerStatuses": [container_status("app", restarts, state, last)]})
    };
    let terminated = |reason: &str, code: i32, finished: i64| {
        json!({"terminated": {"exitCode": code, "reason": reason, "startedAt": ago(finished + 30), "finishedAt": ago(finished)}})
    };
    let waiting = |reason: &str, message: &str| json!({"waiting": {"reason": reason, "message": message}});
    let up = json!({"running": {"startedAt": ago(60)}});

    pod(&env, ns, "crash", running(12, waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container"), terminated("Error", 1, 30), 7200));
    pod(&env, ns, "pull", running(0, waiting("ImagePullBackOff", "Back-off pulling image \"registry.example/app:1.0\""), json!({}), 600));
    pod(&env, ns, "config", running(0, waiting("CreateContainerConfigError", "secret \"app-secret\" not found"), json!({}), 600));
    pod(&env, ns, "oom", running(1, up.clone(), terminated("OOMKilled", 137, 600), 86_400));
    pod(&env, ns, "oom-old", running(1, up.clone(), terminated("OOMKilled", 137, 3 * 86_400), 30 * 86_400));
    pod(&env, ns, "flappy", running(5, up.clone(), terminated("Error", 2, 120), 1200));
    pod(&env, ns, "veteran", running(200, up.clone(), terminated("Error", 2, 3 * 3600), 30 * 86_400));
    let pending = |since: i64| {
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient memory.", "lastTransitionTime": ago(since), "lastProbeTime": null}]})
    };
    pod(&env, ns, "stuck", pending(900));
    pod(&env, ns, "just-created", pending(30));

    let out = anton(&env, &["health", "-n", ns, "--json"]);
    let report = report(&out);
    let crash = expect(&report, "pod/crashloop", "Pod/h-pods/crash", "warning");
    assert!(crash.contains("12 restarts"), "{crash}");
    assert!(finding(&report, "pod/crashloop", "Pod/h-pods/crash")["hint"].as_str().unwrap().contains("--previous"));
    assert!(expect(&report, "pod/image-pull", "Pod/h-pods/pull", "warning").contains("ImagePullBackOff"));
    assert!(expect(&report, "pod/config-error", "Pod/h-pods/config", "warning").contains("app-secret"));
    expect(&report, "pod/oom-killed", "Pod/h-pods/oom", "warning");
    let rate = expect(&report, "pod/restart-rate", "Pod/h-pods/flappy", "warning");
    assert!(rate.contains("5 times"), "{rate}");
    assert!(expect(&report, "pod/unschedulable", "Pod/h-pods/stuck", "warning").contains("Insufficient memory"));
    for quiet in ["oom-old", "veteran", "just-created"] {
        let object = format!("Pod/h-pods/{quiet}");
        assert!(findings(&report).iter().all(|f| f["object"] != object.as_str()), "{quiet} must not be reported: {report}");
    }
    assert!(!findings(&report).iter().any(|f| f["rule"] == "pod/restart-rate" && f["object"] == "Pod/h-pods/crash"), "crashloop already says it");
    assert_eq!(code(&out), 1);
    assert_eq!(report["details"]["pods"]["total"], 9);
}

#[test]
fn a_crashloop_in_a_critical_namespace_is_critical() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-crit";
    namespace(&env, ns);
    pod(
        &env,
        ns,
        "dns",
        json!({"phase": "Running", "startTime": ago(3600),
               "containerStatuses": [container_status("app", 9,
                    json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}}),
                    json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ago(100), "finishedAt": ago(60)}}))]}),
    );
    let out = anton(&env, &["health", "-n", ns, "--json"]);
    expect(&report(&out), "pod/crashloop", "Pod/h-crit/dns", "warning");
    assert_eq!(code(&out), 1);
    let out = anton(&env, &["health", "-n", ns, "--json", "--critical-namespaces", "h-crit"]);
    expect(&report(&out), "pod/crashloop", "Pod/h-crit/dns", "critical");
    assert_eq!(code(&out), 2);
    // --critical-only keeps exactly the critical ones.
    let out = anton(&env, &["health", "-n", ns, "--json", "--critical-only"]);
    assert!(findings(&report(&out)).is_empty());
    assert_eq!(code(&out), 0);
}

#[test]
fn flux_objects_by_flux_readiness() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-flux";
    namespace(&env, ns);
    let old = "main@sha1:1111111111111111111111111111111111111111";
    let new = "main@sha1:2222222222222222222222222222222222222222";
    git_repository(&env, ns, "repo", new, 3600);
    git_repository(&env, ns, "repo-fresh", new, 60);
    let ready = |name: &str, applied: &str| {
        status(&env, KS, Some(ns), name, json!({"observedGeneration": 1, "lastAppliedRevision": applied,
            "conditions": [condition("Ready", "True", "ReconciliationSucceeded", &format!("Applied revision: {applied}"))]}));
    };
    kustomization(&env, ns, "lagging", "repo", false);
    ready("lagging", old);
    kustomization(&env, ns, "catching-up", "repo-fresh", false);
    ready("catching-up", old);
    kustomization(&env, ns, "current", "repo", false);
    ready("current", new);
    kustomization(&env, ns, "broken", "repo", false);
    status(&env, KS, Some(ns), "broken", json!({"observedGeneration": 1,
        "conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: accumulating resources: missing.yaml")]}));
    kustomization(&env, ns, "waiting", "repo", false);
    status(&env, KS, Some(ns), "waiting", json!({"observedGeneration": 1,
        "conditions": [condition("Ready", "False", "DependencyNotReady", "dependency 'h-flux/broken' is not ready")]}));
    kustomization(&env, ns, "stale", "repo", false);
    ready("stale", new);
    env.kubectl(["patch", KS, "stale", "-n", ns, "--type=merge", "-p", r#"{"spec":{"path":"./other"}}"#]).unwrap();
    kustomization(&env, ns, "never-reconciled", "repo", false);
    kustomization(&env, ns, "paused-long", "repo", true);
    env.kubectl(["annotate", KS, "paused-long", "-n", ns, &format!("anton.dev/suspended-at={}", ago(10 * 86_400))]).unwrap();
    kustomization(&env, ns, "paused-now", "repo", true);
    env.kubectl(["annotate", KS, "paused-now", "-n", ns, &format!("anton.dev/suspended-at={}", ago(3600))]).unwrap();
    apply(&env, &format!("apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {{name: charts, namespace: {ns}}}\nspec: {{interval: 1h, url: https://charts.example.invalid}}\n"));
    helm_release(&env, ns, "db", "charts");
    status(&env, HR, Some(ns), "db", json!({"observedGeneration": 1, "failures": 4, "installFailures": 4,
        "conditions": [
            condition("Ready", "False", "InstallFailed", "Helm install failed for release h-flux/db with chart app@1.2.3: context deadline exceeded"),
            condition("Stalled", "True", "RetriesExceeded", "Failed to install after 3 attempt(s)"),
        ]}));

    for args in [vec!["health", "-n", ns, "--json"], vec!["flux", "status", "-n", ns, "--json"]] {
        let out = anton(&env, &args);
        let report = report(&out);
        let lag = expect(&report, "flux/revision-lag", "Kustomization/h-flux/lagging", "warning");
        assert!(lag.contains(old) && lag.contains(new), "{lag}");
        assert!(!findings(&report).iter().any(|f| f["object"] == "Kustomization/h-flux/catching-up"), "a new artifact gets a grace period");
        assert!(!findings(&report).iter().any(|f| f["object"] == "Kustomization/h-flux/current"));
        assert!(expect(&report, "flux/not-ready", "Kustomization/h-flux/broken", "critical").contains("missing.yaml"));
        expect(&report, "flux/not-ready", "Kustomization/h-flux/waiting", "warning");
        expect(&report, "flux/stale-generation", "Kustomization/h-flux/stale", "warning");
        expect(&report, "flux/not-ready", "Kustomization/h-flux/never-reconciled", "warning");
        let long = expect(&report, "flux/suspended", "Kustomization/h-flux/paused-long", "warning");
        assert!(long.contains("10d"), "{long}");
        expect(&report, "flux/suspended", "Kustomization/h-flux/paused-now", "info");
        let stalled = finding(&report, "flux/stalled", "HelmRelease/h-flux/db");
        assert_eq!(stalled["severity"], "critical");
        assert!(stalled["message"].as_str().unwrap().contains("RetriesExceeded"), "{stalled}");
        assert!(stalled["hint"].as_str().unwrap().contains("anton flux reconcile hr db -n h-flux --reset"), "{stalled}");
        assert_eq!(code(&out), 2, "{args:?}");
    }

    // The table reads like `flux get all -A`.
    let out = anton(&env, &["flux", "status", "-n", ns]);
    let text = stdout(&out);
    let header = text.lines().find(|l| l.starts_with("KIND")).unwrap_or_else(|| panic!("no table:\n{text}"));
    for column in ["KIND", "NAMESPACE", "NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"] {
        assert!(header.contains(column), "{header}");
    }
    let row = text.lines().find(|l| l.starts_with("HelmRelease") && l.contains(" db ")).unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("False") && row.contains("context deadline exceeded"), "{row}");
    assert!(text.contains("flux/stalled"), "{text}");
    let json = report(&anton(&env, &["flux", "status", "-n", ns, "--json"]));
    let objects = json["details"]["flux"]["objects"].as_array().unwrap();
    // 2 GitRepositories, 9 Kustomizations, 1 HelmRepository, 1 HelmRelease.
    assert_eq!(objects.len(), 13);
    assert_eq!(json["summary"]["total"], 13);
}

#[test]
fn a_healthy_namespace_exits_zero() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-ok";
    namespace(&env, ns);
    deployment(&env, ns, "web", 1, "", json!({"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "updatedReplicas": 1}));
    pod(&env, ns, "web-1", json!({"phase": "Running", "startTime": ago(3600),
        "containerStatuses": [{"name": "app", "image": "registry.example/app:1.0", "imageID": "", "ready": true, "started": true,
                               "restartCount": 0, "state": {"running": {"startedAt": ago(3600)}}}]}));
    let out = anton(&env, &["health", "-n", ns, "--json"]);
    let report = report(&out);
    assert_eq!(code(&out), 0, "{report}");
    assert_eq!(report["status"], "healthy");
    assert_eq!(report["summary"], json!({"total": 2, "healthy": 2, "warnings": 0, "critical": 0}));
    let out = anton(&env, &["health", "-n", ns]);
    assert!(stdout(&out).contains("2 objects checked, no problems (status: healthy)"), "{}", stdout(&out));
}

#[test]
fn the_read_only_user_gets_a_clear_403() {
    let Some(env) = SERVER.lease() else { return };
    // The built-in `view` role has no access to nodes or storage classes.
    let out = anton_viewer(&env, &["health", "--json"]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let report = report(&out);
    assert_eq!(report["status"], "error");
    let issue = report["issues"][0].as_str().unwrap();
    assert!(issue.contains("permission denied: context \"viewer\" may not list"), "{issue}");
    assert!(issue.contains("nodes") || issue.contains("storageclasses"), "{issue}");
    assert!(issue.contains("-n"), "{issue}");
    // Narrowed to a namespace, the viewer can read everything it needs.
    namespace(&env, "h-view");
    let out = anton_viewer(&env, &["health", "-n", "h-view", "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn an_unreachable_server_exits_three_and_says_where() {
    let Some(env) = SERVER.lease() else { return };
    // A loopback port that nothing listens on: bind, note, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let text = std::fs::read_to_string(env.admin_kubeconfig()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closed.kubeconfig");
    std::fs::write(&path, text.replace(env.server_url(), &format!("https://127.0.0.1:{port}"))).unwrap();
    let path = path.display().to_string();

    let out = anton_with(&path, &["health"]);
    assert_eq!(code(&out), 3);
    let text = stdout(&out);
    assert!(text.contains(&format!("cannot reach the API server at https://127.0.0.1:{port}")), "{text}");
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("--context / KUBECONFIG"), "{text}");
    let out = anton_with(&path, &["flux", "status", "--json"]);
    assert_eq!(code(&out), 3);
    assert_eq!(report(&out)["status"], "error");
}

#[test]
fn bad_credentials_and_unknown_contexts_exit_three() {
    let Some(env) = SERVER.lease() else { return };
    let text = std::fs::read_to_string(env.viewer_kubeconfig()).unwrap();
    let token = text.lines().find_map(|l| l.trim().strip_prefix("token: ")).expect("a token kubeconfig").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("expired.kubeconfig");
    std::fs::write(&path, text.replace(&token, "0000expired0000")).unwrap();
    let out = anton_with(&path.display().to_string(), &["health", "-n", "default"]);
    assert_eq!(code(&out), 3);
    let text = stdout(&out);
    assert!(text.contains("401 Unauthorized") && text.contains("expired or is invalid"), "{text}");

    let out = anton(&env, &["health", "--context", "nope"]);
    assert_eq!(code(&out), 3);
    assert!(stdout(&out).contains("the kubeconfig has no context \"nope\" (it has: admin)"), "{}", stdout(&out));
}

#[test]
fn a_saved_snapshot_replays_offline() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "h-replay";
    namespace(&env, ns);
    deployment(&env, ns, "api", 2, "", json!({"observedGeneration": 1, "replicas": 2, "availableReplicas": 1, "readyReplicas": 1}));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    let file = file.display().to_string();
    let live = report(&anton(&env, &["health", "-n", ns, "--json", "--save-snapshot", &file]));
    let mut cmd = assert_cmd::Command::cargo_bin("anton").unwrap();
    let replay = cmd.args(["health", "--json", "--from-snapshot", &file]).output().unwrap();
    assert_eq!(code(&replay), 1);
    let replay = report(&replay);
    assert_eq!(findings(&live), findings(&replay));
    assert_eq!(replay["details"]["api"]["requests"], 0);
}
