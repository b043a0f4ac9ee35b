//! `anton validate` looks at objects as Flux will apply them: built by the
//! build engine, with findings at the line that set the offending value.

mod common;

use common::{anton, finding_keys, fixture_with_all_rules};

#[test]
fn findings_in_patched_values_point_at_the_patch_and_parent_defaults_count() {
    let repo = fixture_with_all_rules("built-objects");
    let root = repo.root.to_str().expect("UTF-8 path");
    let run = anton(&repo, &["validate", root, "--json"]);
    let report = run.json();
    common::assert_contract(&report);
    assert_eq!(
        finding_keys(&report),
        [
            // `images:` of the app kustomization sets the `latest` tag.
            "kubernetes/apps/podinfo/app/kustomization.yaml:7:5 warning k8s/latest-tag",
            // The inline patch sets `replicas: "three"`; the Deployment file says 1.
            "kubernetes/apps/podinfo/app/kustomization.yaml:16:19 critical schema/type",
        ],
        "the parent's spec.patches give podinfo wait and timeout, so neither \
         flux/no-health-gate nor flux/no-timeout fires: {report:#}"
    );
    // targetNamespace is applied: the object is named where Flux puts it.
    let objects: Vec<&str> = common::findings(&report).iter().filter_map(|f| f["object"].as_str()).collect();
    assert_eq!(objects, ["Deployment/podinfo/podinfo", "Deployment/podinfo/podinfo"]);
    assert_eq!(run.code, 2);
}

#[test]
fn anton_build_prints_the_built_object() {
    let repo = fixture_with_all_rules("built-objects");
    let root = repo.root.to_str().expect("UTF-8 path");
    let run = anton(&repo, &["build", "podinfo", "--repo", root]);
    assert!(run.stdout.contains("namespace: podinfo"), "{}", run.stdout);
    assert!(run.stdout.contains("image: ghcr.io/stefanprodan/podinfo:latest"), "{}", run.stdout);
    assert!(run.stdout.contains("replicas: three"), "{}", run.stdout);
    assert!(run.stdout.contains("kustomize.toolkit.fluxcd.io/name: podinfo"), "{}", run.stdout);
}

#[test]
fn anton_build_bad_targets_are_tool_errors_with_a_way_forward() {
    let repo = fixture_with_all_rules("built-objects");
    let root = repo.root.to_str().expect("UTF-8 path");
    let unknown = anton(&repo, &["build", "podinf", "--repo", root]);
    assert_eq!(unknown.code, 3, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("no Flux Kustomization named `podinf`")
            && unknown.stderr.contains("similar: Kustomization/flux-system/podinfo"),
        "{}",
        unknown.stderr
    );
    let missing_folder = anton(&repo, &["build", "./kubernetes/apps/nope", "--repo", root]);
    assert_eq!(missing_folder.code, 3, "{}", missing_folder.stderr);
    assert!(missing_folder.stderr.contains("./kubernetes/apps/nope: no such folder"), "{}", missing_folder.stderr);
    let nothing = anton(&repo, &["build"]);
    assert_eq!(nothing.code, 3, "{}", nothing.stderr);
    assert!(nothing.stdout.is_empty(), "{}", nothing.stdout);
}

/// A problem of the folder itself (here an object listed twice) is found
/// when the folder is first built; `anton build NAME` still shows it,
/// although its Flux build (with targetNamespace) reuses that first pass.
#[test]
fn anton_build_shows_the_folders_own_problems() {
    let repo = fixture_with_all_rules("built-objects");
    let root = repo.root.to_str().expect("UTF-8 path");
    let kustomization = std::fs::read_to_string(repo.path("kubernetes/apps/podinfo/app/kustomization.yaml")).unwrap();
    repo.write(
        "kubernetes/apps/podinfo/app/kustomization.yaml",
        &kustomization.replace("  - ./deployment.yaml\n", "  - ./deployment.yaml\n  - ./deployment.yaml\n"),
    );
    let run = anton(&repo, &["build", "podinfo", "--repo", root]);
    assert!(run.stderr.contains("kustomize/duplicate-object"), "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("kubernetes/apps/podinfo/app/kustomization.yaml:6:"), "{}", run.stderr);
    assert_eq!(run.code, 2);
}
