//! Issue 14 §1.7: a generator `files:` entry with an http(s) URL is fetched
//! by kustomize: anton notes it is not fetched (info), warns when it follows
//! a branch, and never calls it a generator error.

mod common;

use common::{finding_keys, validate_json};

#[test]
fn remote_generator_files_are_noted_and_unpinned_ones_warned_never_critical() {
    let repo = common::fixture_with_all_rules("remote-generator-files");
    let (code, report) = validate_json(&repo);
    let file = "kubernetes/apps/dashboards/kustomization.yaml";
    assert_eq!(
        finding_keys(&report),
        [
            format!("{file}:7:9 info kustomize/remote-not-built"),
            format!("{file}:9:9 info kustomize/remote-not-built"),
            format!("{file}:9:9 warning kustomize/unpinned-remote"),
            "kubernetes/flux/apps.yaml:2:1 info flux/no-health-gate".to_owned(),
            "kubernetes/flux/apps.yaml:2:1 info flux/no-timeout".to_owned(),
        ]
    );
    assert_eq!(code, 1);
    let unpinned = common::the_finding(&report, "kustomize/unpinned-remote");
    assert_eq!(
        unpinned["message"],
        "remote generator input `https://raw.githubusercontent.com/fluxcd/flux2-monitoring-example/main/monitoring/configs/dashboards/cluster.json` follows a branch (`main` in its path), not a tag or commit"
    );

    // The ConfigMap is still built, with both keys (their values are not known offline).
    let run = common::anton(&repo, &["build", "dashboards"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("  cluster.json: \"\"\n  control-plane.json: \"\"\n"), "{}", run.stdout);
    assert!(run.stdout.contains("namespace: monitoring"), "{}", run.stdout);
}
