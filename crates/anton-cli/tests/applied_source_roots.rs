//! Issue 14 §1.1 and §1.3 together: a source's root is inferred from its
//! Kustomizations' paths as their parents apply them (substituted), and the
//! undefined-variable check reads each Kustomization's postBuild as applied
//! (`substituteFrom: ${CLUSTER}-settings` names `main-settings`).

mod common;

use common::{finding_keys, fixture, the_finding, validate_json};

#[test]
fn a_root_only_substituted_paths_reveal_is_found_and_its_folders_applied() {
    let repo = fixture("applied-source-roots");
    let (code, report) = validate_json(&repo);
    // As written, `./${CLUSTER}/sonarr` says nothing about where OCIRepository
    // apps' artifact comes from; as applied, `./main/sonarr` and `./main/radarr`
    // both resolve under kubernetes/deploy. sonarr's HelmRelease then lands in
    // media beside radarr (no dependsOn-missing), and main-settings defines
    // DOMAIN but not SONARR_PORT.
    assert_eq!(
        finding_keys(&report),
        ["kubernetes/deploy/main/sonarr/helmrelease.yaml:16:11 warning flux/undefined-variable"],
        "{report:#}"
    );
    assert_eq!(code, 1);
    let finding = the_finding(&report, "flux/undefined-variable");
    assert!(
        finding["message"].as_str().unwrap_or_default().contains("`${SONARR_PORT}` is not defined by the postBuild of Kustomization flux-system/sonarr"),
        "{finding:#}"
    );
    let run = common::anton(&repo, &["get", "hr", "--json"]);
    let items = run.json()["details"]["items"].as_array().cloned().unwrap_or_default();
    let sonarr = items.iter().find(|i| i["name"] == "sonarr").expect("sonarr");
    assert_eq!(sonarr["namespace"], "media", "{sonarr}");
}

#[test]
fn without_the_substitution_the_source_is_not_known_to_be_this_repository() {
    let repo = fixture("applied-source-roots");
    let cluster = repo.read("kubernetes/flux/cluster.yaml");
    repo.write("kubernetes/flux/cluster.yaml", cluster.split("  postBuild:").next().unwrap_or_default());
    let (_, report) = validate_json(&repo);
    // Nothing says where `./${CLUSTER}/sonarr` is: the Kustomizations apply
    // nothing anton can see, and their HelmReleases are loose objects in the
    // namespaces they name (sonarr: default, where radarr is not).
    assert_eq!(
        finding_keys(&report),
        ["kubernetes/deploy/main/sonarr/helmrelease.yaml:13:7 critical flux/dependson-missing"],
        "{report:#}"
    );
}
