//! Issue 14 §1.2: a file no entry point reaches (an entry commented out) is
//! reported once, as kustomize/orphan-file, and gets no other finding above
//! info; what only it would apply is not checked as if it were applied.

mod common;

use common::{anton, assert_contract, findings};

#[test]
fn a_commented_out_entry_is_one_orphan_finding_and_nothing_else() {
    let repo = common::fixture_with_all_rules("reachability-commented-out");
    let run = anton(&repo, &["validate", "--json"]);
    let report = run.json();
    assert_contract(&report);
    let above_info: Vec<String> = findings(&report)
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| format!("{}:{} {} {}", f["file"].as_str().unwrap_or_default(), f["line"], f["severity"].as_str().unwrap_or_default(), f["rule"].as_str().unwrap_or_default()))
        .collect();
    // Not flux/dependson-missing for radarr's stale dependsOn: radarr is never applied.
    assert_eq!(above_info, ["kubernetes/apps/media/radarr/ks.yaml:1 warning kustomize/orphan-file"]);
    assert_eq!(run.code, 1);
    let orphan = findings(&report).iter().find(|f| f["rule"] == "kustomize/orphan-file").expect("the orphan finding");
    assert_eq!(
        orphan["message"],
        "this manifest is inside a folder Flux applies, but no kustomization.yaml lists it, so it is never applied, \
         nor what its Kustomization radarr (spec.path ./kubernetes/apps/media/radarr/app) would apply"
    );
    // radarr's objects are not applied anywhere: no finding names them, in
    // no namespace (neither media from the orphan's targetNamespace nor an invented default).
    for finding in findings(&report) {
        let object = finding["object"].as_str().unwrap_or_default();
        assert!(!object.contains("radarr"), "{finding}");
        assert!(!finding["file"].as_str().unwrap_or_default().contains("radarr/app"), "{finding}");
    }
    // sonarr, listed, is checked as usual.
    assert!(findings(&report).iter().any(|f| f["object"] == "HelmRelease/media/sonarr"));
}

#[test]
fn a_component_only_a_flux_kustomization_adds_is_applied_not_orphaned() {
    // `spec.components` of a Flux Kustomization bring in files no
    // kustomization.yaml lists: Flux applies them all the same.
    let repo = common::fixture("reachability-flux-components");
    let run = anton(&repo, &["validate", "--json"]);
    let report = run.json();
    assert_contract(&report);
    let found: Vec<String> = findings(&report)
        .iter()
        .map(|f| format!("{}:{} {}", f["file"].as_str().unwrap_or_default(), f["line"], f["rule"].as_str().unwrap_or_default()))
        .collect();
    // Not orphaned, and not unreachable either: its own problems are reported.
    assert_eq!(found, ["kubernetes/apps/app/components/extra/extra.yaml:9 schema/type"]);
    assert_eq!(run.code, 2, "{report}");
    let built = anton(&repo, &["build", "app"]);
    assert!(built.stdout.contains("name: extra"), "the component's ConfigMap is applied:\n{}", built.stdout);
}
