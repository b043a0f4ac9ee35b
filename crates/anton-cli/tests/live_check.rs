//! `anton check` against the real API server, with problems staged in more
//! than one suite: each suite reports its own findings under
//! `details.suites.<name>`, the overall status and exit code are the worst,
//! and `--fail-fast` stops at the first critical suite.

mod live_support;

use live_support::*;
use serde_json::{Value, json};

static SERVER: Shared = Shared::new(2);

/// A repository with no findings above info, so the live suites decide.
const HEALTHY_REPOSITORY: &str = "tests/fixtures/pre-commit-homelab";

/// A crashlooping pod (health) and a Kustomization whose build failed (flux).
fn stage_problems(env: &anton_testenv::TestEnv, ns: &str) {
    namespace(env, ns);
    let crash = json!({"phase": "Running", "startTime": ago(7200),
        "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": ago(7200)}],
        "containerStatuses": [container_status("app", 12,
            json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}),
            json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ago(60), "finishedAt": ago(30)}}))]});
    pod(env, ns, "crash", crash);
    git_repository(env, ns, "repo", "main@sha1:2222222222222222222222222222222222222222", 60);
    kustomization(env, ns, "broken", "repo", false);
    status(env, KS, Some(ns), "broken", json!({"observedGeneration": 1,
        "conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: accumulating resources: missing.yaml")]}));
}

fn suite<'r>(report: &'r Value, name: &str) -> &'r Value {
    &report["details"]["suites"][name]
}

#[test]
fn each_suite_reports_its_own_problems_and_the_worst_decides() {
    let Some(env) = SERVER.lease() else { return };
    stage_problems(&env, "c-staged");
    let out = anton(&env, &["check", HEALTHY_REPOSITORY, "--quick", "--json"]);
    let report = report(&out);
    assert_eq!(code(&out), 2, "{report:#}");
    assert_eq!(report["status"], "critical");

    let suites: Vec<&String> = report["details"]["suites"].as_object().expect("details.suites").keys().collect();
    assert_eq!(suites, ["validate", "health", "flux", "storage", "secrets", "network"], "every suite ran");
    for name in ["validate", "health", "flux", "storage", "secrets", "network"] {
        assert!(suite(&report, name)["durationMs"].is_number(), "{name}");
        assert_ne!(suite(&report, name)["status"], "error", "{name}: {:#}", suite(&report, name));
    }
    assert_eq!(suite(&report, "validate")["status"], "healthy", "{:#}", suite(&report, "validate"));
    // The same finding each suite reports when run alone.
    expect(suite(&report, "health"), "pod/crashloop", "Pod/c-staged/crash", "warning");
    let broken = expect(suite(&report, "flux"), "flux/not-ready", "Kustomization/c-staged/broken", "critical");
    assert!(broken.contains("missing.yaml"), "{broken}");
    assert_eq!(suite(&report, "flux")["status"], "critical");
    // The overall issues hold both suites' problems.
    let issues: Vec<&str> = report["issues"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(issues.contains(&"critical flux/not-ready: Kustomization c-staged/broken is not ready (BuildFailed): kustomize build failed: accumulating resources: missing.yaml"), "{issues:#?}");
    assert!(issues.contains(&"warning pod/crashloop: container app of Pod c-staged/crash is in CrashLoopBackOff (12 restarts; last exit: Error, code 1)"), "{issues:#?}");

    // --only runs just the suites named, and the exit code follows them
    // (health also reads the Flux objects: the broken one is critical there too).
    let only_health = anton(&env, &["check", HEALTHY_REPOSITORY, "--quick", "--only", "validate,health", "--json"]);
    let only_report = report_of(&only_health);
    assert_eq!(code(&only_health), 2, "{only_report:#}");
    assert_eq!(suite(&only_report, "health")["status"], "critical", "{only_report:#}");
    let names: Vec<&String> = only_report["details"]["suites"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["validate", "health"]);
}

#[test]
fn fail_fast_stops_at_the_first_critical_suite() {
    let Some(env) = SERVER.lease() else { return };
    stage_problems(&env, "c-fast");
    let out = anton(&env, &["check", HEALTHY_REPOSITORY, "--quick", "--fail-fast", "--json"]);
    let report = report(&out);
    assert_eq!(code(&out), 2, "{report:#}");
    // A critical suite stopped the run (health and flux both see the broken Kustomization).
    let finished = report["details"]["suites"].as_object().expect("details.suites");
    assert!(finished.values().any(|s| s["status"] == "critical"), "{report:#}");
    // Every suite is either finished with its own report or said to be
    // unfinished; none is silently missing.
    for name in ["validate", "health", "flux", "storage", "secrets", "network"] {
        let finished = !suite(&report, name).is_null();
        let unfinished = report["details"]["skipped"][name].as_str().is_some_and(|why| why.starts_with("not finished"));
        assert!(finished || unfinished, "{name} is missing: {report:#}");
    }
}

fn report_of(out: &std::process::Output) -> Value {
    report(out)
}
