//! Issue 14 §1.3: a parent's whole postBuild (`substitute` and every
//! `substituteFrom`) fills the child Flux Kustomizations it applies — their
//! spec.path, targetNamespace, dependsOn and sourceRef — and every graph
//! check reads them as applied. Three clusters share one apps tree, each with
//! its own `cluster-settings` under the same name: each resolves from its own.

mod common;

use common::{anton, finding_keys, fixture, validate_json};

#[test]
fn each_cluster_resolves_the_shared_tree_from_its_own_settings() {
    let repo = fixture("substitution-three-clusters");
    let (code, report) = validate_json(&repo);
    // podinfo's path is ./apps/podinfo/${CLUSTER_NAME}, its dependsOn
    // monitoring-${CLUSTER_NAME}, its sourceRef namespace ${FLUX_NAMESPACE}:
    // all resolve in every cluster.
    assert_eq!(finding_keys(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn a_variable_that_names_a_missing_folder_in_one_cluster_is_reported_for_that_cluster_only() {
    let repo = fixture("substitution-three-clusters");
    repo.remove("apps/podinfo/c/kustomization.yaml");
    repo.remove("apps/podinfo/c/configmap.yaml");
    std::fs::remove_dir(repo.path("apps/podinfo/c")).expect("remove the folder");
    let (code, report) = validate_json(&repo);
    assert_eq!(finding_keys(&report), ["apps/podinfo/ks.yaml:10:9 critical flux/path-missing"], "{report:#}");
    let finding = common::the_finding(&report, "flux/path-missing");
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(message.contains("./apps/podinfo/c"), "{message}");
    assert_eq!(code, 2);
}

#[test]
fn a_cluster_without_its_settings_never_takes_another_clusters() {
    let repo = fixture("substitution-three-clusters");
    repo.remove("clusters/c/cluster-settings.yaml");
    let (code, report) = validate_json(&repo);
    // The missing ConfigMap is the one finding: cluster c's podinfo is not
    // built with a's or b's values (which would hide the problem).
    assert_eq!(finding_keys(&report), ["clusters/c/apps.yaml:17:9 warning flux/substitute-from-missing"], "{report:#}");
    assert_eq!(code, 1);
    let run = anton(&repo, &["build", "podinfo", "--cluster", "a", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
