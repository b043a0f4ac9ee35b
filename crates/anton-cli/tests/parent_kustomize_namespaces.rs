//! Issue 14 §1.4: a patch in a parent kustomization that sets a child Flux
//! Kustomization's targetNamespace counts: the graph reads each Flux object
//! as the parent's kustomize build emits it, not as its file says.

mod common;

use common::{finding_keys, fixture, validate_json};

#[test]
fn a_parent_patch_that_sets_target_namespace_moves_the_child_objects() {
    let repo = fixture("parent-patch-target-namespace");
    let (code, report) = validate_json(&repo);
    // sonarr's HelmRelease lands in media (the patched targetNamespace), where radarr is.
    assert_eq!(finding_keys(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
    let run = common::anton(&repo, &["get", "hr", "--json"]);
    let items = run.json()["details"]["items"].as_array().cloned().unwrap_or_default();
    let sonarr = items.iter().find(|i| i["name"] == "sonarr").expect("sonarr");
    assert_eq!(sonarr["namespace"], "media", "{sonarr}");

    // Without the patch, sonarr is in default and its dependsOn really misses radarr.
    let parent = repo.read("kubernetes/apps/media/kustomization.yaml");
    let unpatched = parent.split("# Every app").next().unwrap_or_default().to_owned();
    repo.write("kubernetes/apps/media/kustomization.yaml", &unpatched);
    let (code, report) = validate_json(&repo);
    assert_eq!(
        finding_keys(&report),
        ["kubernetes/apps/media/sonarr/app/helmrelease.yaml:13:7 critical flux/dependson-missing"]
    );
    assert_eq!(code, 2);
}
