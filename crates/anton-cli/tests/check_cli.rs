//! `anton check` with no cluster: the offline suite runs, and the live
//! suites are either left out (`--ci`, which says so) or `error` with the
//! message of each, never a crash. Against a real API server: live_check.rs.

use assert_cmd::Command;
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/flux-dependson-missing";

/// `anton check ARGS…` as a new user without a kubeconfig would run it.
fn check(args: &[&str]) -> (i32, String) {
    let home = tempfile::tempdir().expect("temporary home");
    let output = Command::cargo_bin("anton")
        .expect("the anton binary is built")
        .arg("check")
        .arg(FIXTURE)
        .args(args)
        .env("HOME", home.path())
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("NO_COLOR", "1")
        .output()
        .expect("run anton");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The report with what changes from run to run replaced.
fn stable(text: &str) -> Value {
    let mut report: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    report["timestamp"] = "[timestamp]".into();
    for (_, suite) in report["details"]["suites"].as_object_mut().expect("details.suites").iter_mut() {
        assert!(suite["durationMs"].is_number(), "{suite}");
        suite["durationMs"] = "[ms]".into();
        suite["timestamp"] = "[timestamp]".into();
        if let Some(repository) = suite["details"].get_mut("repository") {
            repository["root"] = "[root]".into();
            repository["scanned"] = "[scanned]".into();
        }
    }
    report
}

#[test]
fn with_ci_and_no_cluster_only_the_offline_suite_runs_and_it_says_why() {
    let (code, stdout) = check(&["--ci", "--json"]);
    let report = stable(&stdout);
    assert_eq!(code, 2, "the worst suite, validate, is critical:\n{stdout}");
    let skipped = report["details"]["skipped"].as_object().expect("details.skipped");
    assert_eq!(skipped.keys().collect::<Vec<_>>(), ["flux", "health", "network", "secrets", "storage"]);
    assert!(skipped["health"].as_str().unwrap().contains("no cluster reachable"), "{skipped:?}");
    insta::assert_json_snapshot!("check_ci_no_cluster", report);
}

#[test]
fn without_ci_and_no_cluster_each_live_suite_is_an_error_with_its_message() {
    let (code, stdout) = check(&["--json"]);
    let report = stable(&stdout);
    assert_eq!(code, 3, "{stdout}");
    assert_eq!(report["status"], "error");
    for suite in ["health", "flux", "storage", "secrets", "network"] {
        let own = &report["details"]["suites"][suite];
        assert_eq!(own["status"], "error", "{suite}: {own}");
        assert!(own["issues"][0].as_str().unwrap().contains("no kubeconfig"), "{suite}: {own}");
    }
    assert_eq!(report["details"]["suites"]["validate"]["status"], "critical");
    assert!(report["issues"][0].as_str().unwrap().starts_with("health: no kubeconfig"), "{}", report["issues"]);
    insta::assert_json_snapshot!("check_no_cluster", report);
}

#[test]
fn text_is_a_line_per_suite_then_the_findings() {
    let (code, stdout) = check(&[]);
    assert_eq!(code, 3);
    insta::with_settings!({filters => vec![(r"\(\d+\.\ds\)", "([duration])")]}, {
        insta::assert_snapshot!("check_text_no_cluster", stdout);
    });
}

#[test]
fn only_picks_suites_and_junit_has_one_testsuite_per_suite() {
    let (code, stdout) = check(&["--only", "validate,flux", "--ci", "--format", "junit"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(stdout.matches("<testsuite ").count(), 2, "{stdout}");
    assert!(stdout.contains(r#"<testsuite name="validate" tests="8" failures="2""#), "{stdout}");
    assert!(stdout.contains(r#"<testsuite name="flux" tests="1" failures="0" errors="0" skipped="1""#), "{stdout}");
    let (code, stdout) = check(&["--only", "dns"]);
    assert_eq!(code, 3, "an unknown suite is a usage error: {stdout}");
    let (code, stdout) = check(&["--only", "network", "--ci", "--json"]);
    let report = stable(&stdout);
    assert_eq!(code, 0, "nothing ran, nothing failed: {report:#}");
    assert!(report["details"]["suites"].as_object().unwrap().is_empty(), "{report:#}");
    assert!(report["details"]["skipped"]["network"].as_str().unwrap().contains("no cluster reachable"), "{report:#}");
}
