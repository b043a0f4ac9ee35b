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
    // podinfo-extras, which only cluster a's ./apps/podinfo/a lists, is
    // applied by podinfo there: not an entry point (a cluster) of its own.
    let flux = &report["details"]["repository"]["flux"];
    assert_eq!(flux["clusters"], serde_json::json!(["clusters/a/flux-system", "clusters/b/flux-system", "clusters/c/flux-system"]));
    assert_eq!(flux["kustomizations"], 13);
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

/// `anton build … --repo ROOT --json` run from `clusters/` (the repository
/// root has an `apps/` folder, which `anton build apps` would take as a folder).
fn build(repo: &common::Repo, args: &[&str]) -> common::Run {
    let root = repo.root.to_str().expect("UTF-8 path");
    let mut args = [&["build"], args, &["--repo", root]].concat();
    args.push("--json");
    common::anton_in(&repo.path("clusters"), &args)
}

fn items(run: &common::Run) -> Vec<serde_json::Value> {
    run.json()["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn build_takes_the_cluster_and_renders_it_with_its_own_variables_only() {
    let repo = fixture("substitution-three-clusters");
    let run = build(&repo, &["podinfo"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(
        run.stderr.trim(),
        "anton build: `podinfo` is applied in 3 clusters: a (clusters/a/flux-system), b (clusters/b/flux-system), \
         c (clusters/c/flux-system); pass --cluster with one of them"
    );
    for cluster in ["a", "b", "c"] {
        let run = build(&repo, &["podinfo", "--cluster", cluster]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let built = items(&run);
        let values = built.iter().find(|i| i["metadata"]["name"] == "podinfo-values").expect("podinfo-values");
        assert_eq!(values["metadata"]["namespace"], format!("apps-{cluster}"));
        assert_eq!(values["data"]["cluster"], cluster);
        assert_eq!(values["data"]["host"], format!("podinfo-{cluster}.apps-{cluster}.svc"));
    }
    // The child Flux objects as the parent applies them in cluster b.
    let run = build(&repo, &["apps", "--cluster", "clusters/b/flux-system"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let applied = items(&run);
    let podinfo = applied.iter().find(|i| i["metadata"]["name"] == "podinfo").expect("podinfo");
    assert_eq!(podinfo["spec"]["path"], "./apps/podinfo/b");
    assert_eq!(podinfo["spec"]["targetNamespace"], "apps-b");
    assert_eq!(podinfo["spec"]["dependsOn"][0]["name"], "monitoring-b");
    assert_eq!(podinfo["spec"]["sourceRef"]["namespace"], "flux-system");
    assert!(applied.iter().any(|i| i["metadata"]["name"] == "monitoring-b"), "{applied:#?}");

    let run = build(&repo, &["--all", "--summary", "--cluster", "c"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let built: Vec<String> = run.json()["kustomizations"]
        .as_array()
        .expect("kustomizations")
        .iter()
        .map(|k| format!("{} {}", k["name"].as_str().unwrap_or_default(), k["path"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(built, ["flux-system clusters/c", "apps apps", "monitoring-c apps/monitoring/app", "podinfo apps/podinfo/c"]);

    let run = build(&repo, &["podinfo-extras", "--cluster", "a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(items(&run)[0]["metadata"]["namespace"], "podinfo-extras");

    let run = build(&repo, &["podinfo", "--cluster", "staging"]);
    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr.trim(),
        "anton build: no cluster `staging`; the clusters are: a (clusters/a/flux-system), b (clusters/b/flux-system), \
         c (clusters/c/flux-system)"
    );
}

#[test]
fn an_empty_build_is_never_a_silent_success() {
    let repo = fixture("substitution-three-clusters");
    repo.write("apps/podinfo/a/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n");
    let run = build(&repo, &["podinfo", "--cluster", "a"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("anton build: Kustomization/flux-system/podinfo: built nothing: spec.path `./apps/podinfo/a` holds no objects"),
        "{}",
        run.stderr
    );
    let run = build(&repo, &["--all", "--namespace", "nowhere"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("no Flux Kustomization in namespace nowhere"), "{}", run.stderr);
}

#[test]
fn an_object_that_opts_out_of_substitution_keeps_its_variables() {
    let repo = fixture("substitution-three-clusters");
    // `kustomize.toolkit.fluxcd.io/substitute: disabled`: the parent leaves
    // podinfo as written, so Flux would look for the folder literally named
    // `${CLUSTER_NAME}` — in every cluster.
    let ks = repo.read("apps/podinfo/ks.yaml").replace(
        "  namespace: flux-system\nspec:",
        "  namespace: flux-system\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\nspec:",
    );
    repo.write("apps/podinfo/ks.yaml", &ks);
    let (code, report) = validate_json(&repo);
    let keys = finding_keys(&report);
    assert!(keys.iter().any(|key| key.ends_with("critical flux/path-missing") && key.starts_with("apps/podinfo/ks.yaml:")), "{report:#}");
    let finding = common::the_finding(&report, "flux/path-missing");
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(message.contains("${CLUSTER_NAME}"), "{message}");
    assert_eq!(code, 2);
}
