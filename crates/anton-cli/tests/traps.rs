//! Repositories that are correct but easy to misread. Each fixture is one
//! trap real homelab repositories contain; anton must report nothing.

mod common;

use common::{Repo, anton, findings, fixture, validate_json};
use serde_json::Value;

/// Exit 0 and zero findings, in every output format.
fn assert_healthy(repo: &Repo, scan: &str) -> Value {
    let target = repo.path(scan);
    let target = target.to_str().expect("UTF-8 path");

    let json_run = anton(repo, &["validate", target, "--json"]);
    let report = json_run.json();
    common::assert_contract(&report);
    assert_eq!(findings(&report), &Vec::<Value>::new(), "no findings expected:\n{}", json_run.stdout);
    assert_eq!(json_run.code, 0, "exit code:\n{}", json_run.stdout);
    assert_eq!(report["status"], "healthy");
    assert_eq!(report["issues"], serde_json::json!([]));
    assert_eq!(report["summary"]["warnings"], 0);
    assert_eq!(report["summary"]["critical"], 0);
    assert!(report["summary"]["total"].as_u64().is_some_and(|total| total > 0), "objects were checked");

    let text = anton(repo, &["validate", target]);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(text.stdout.trim_end().ends_with("checked, no problems (status: healthy)"), "{}", text.stdout);

    let github = anton(repo, &["validate", target, "--format", "github"]);
    assert_eq!(github.code, 0, "{}", github.stdout);
    assert!(!github.stdout.contains("::error") && !github.stdout.contains("::warning"), "{}", github.stdout);
    report
}

fn get_items(repo: &Repo, what: &str) -> Vec<Value> {
    let run = anton(repo, &["get", what, repo.root.to_str().expect("UTF-8 path"), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    common::assert_contract(&report);
    report["details"]["items"].as_array().expect("details.items").clone()
}

fn item<'a>(items: &'a [Value], namespace: &str, name: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["namespace"] == namespace && i["name"] == name)
        .unwrap_or_else(|| panic!("no item {namespace}/{name} in {items:#?}"))
}

#[test]
fn redefined_anchors_are_legal_and_aliases_read_the_latest_definition() {
    let repo = fixture("redefined-anchors");
    assert_healthy(&repo, ".");
    let releases = get_items(&repo, "hr");
    assert_eq!(item(&releases, "media", "plex")["target"], "app-template@3.7.3");
}

#[test]
fn merge_keys_single_and_list_forms_are_applied_like_go_yaml() {
    let repo = fixture("merge-keys");
    assert_healthy(&repo, ".");
    let kustomizations = get_items(&repo, "ks");
    // `<<: *base` with explicit keys winning.
    let apps = item(&kustomizations, "flux-system", "apps");
    assert_eq!(apps["target"], "./apps");
    assert_eq!(apps["interval"], "30m");
    assert_eq!(apps["source"], "GitRepository/flux-system/flux-system");
    assert_eq!(apps["dependsOn"], serde_json::json!(["flux-system/infra"]));
    // `<<: [*apps, *base]`: the earlier map wins (interval 30m, not 1h).
    let echo = item(&kustomizations, "flux-system", "echo");
    assert_eq!(echo["target"], "./apps/default/echo");
    assert_eq!(echo["interval"], "30m");
    assert_eq!(echo["source"], "GitRepository/flux-system/flux-system");
    assert_eq!(echo["dependsOn"], serde_json::json!(["flux-system/apps"]));
}

#[test]
fn custom_tags_in_a_configmapgenerator_input_are_not_errors() {
    let repo = fixture("custom-tags");
    let config = repo.read("apps/home-automation/home-assistant/app/config/configuration.yaml");
    assert!(config.contains("!env_var") && config.contains("!secret") && config.contains("!include"));
    assert_healthy(&repo, ".");
}

#[test]
fn plain_equals_scalar_in_alertmanagerconfig_is_a_string() {
    let repo = fixture("plain-equals");
    assert!(repo.read("apps/monitoring/alertmanager/app/alertmanagerconfig.yaml").contains("matchType: =\n"));
    assert_healthy(&repo, ".");
}

#[test]
fn schema_modeline_comment_before_the_document_is_ignored() {
    let repo = fixture("schema-modeline");
    assert_healthy(&repo, ".");
    // The HelmRelease file starts with the modeline *before* `---`: it must still be read.
    let releases = get_items(&repo, "hr");
    assert_eq!(item(&releases, "default", "whoami")["source"], "OCIRepository/default/whoami");
}

#[test]
fn helm_chart_templates_next_to_chart_yaml_are_skipped() {
    let repo = fixture("helm-chart");
    let report = assert_healthy(&repo, ".");
    assert_eq!(report["details"]["repository"]["helmCharts"], 1);
}

#[test]
fn helm_chart_fixture_templates_really_are_invalid_yaml() {
    // Without Chart.yaml the templates are ordinary files, and they do not parse:
    // this proves the fixture above tests the skip and not a lucky template.
    let repo = fixture("helm-chart");
    repo.remove("charts/whoami/Chart.yaml");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    let files: Vec<&str> =
        findings(&report).iter().filter(|f| f["rule"] == "yaml/syntax").filter_map(|f| f["file"].as_str()).collect();
    assert!(files.contains(&"charts/whoami/templates/deployment.yaml"), "{report:#}");
}

const SOPS_CIPHERTEXT: [&str; 4] =
    ["ENC[", "AES256_GCM", "7PbzEvcwE6KqN2Y=", "kV3m9Qx1Zr7T0pL2wY8cN4bF6hJ5dS3aG1eR0tU9iO8="];

fn assert_no_ciphertext(output: &str) {
    for secret in SOPS_CIPHERTEXT {
        assert!(!output.contains(secret), "output contains {secret:?}:\n{output}");
    }
}

#[test]
fn sops_encrypted_secrets_are_read_as_objects_and_never_printed() {
    let repo = fixture("sops-file");
    let report = assert_healthy(&repo, ".");
    // Two Flux Kustomizations, two SOPS Secrets, one Deployment.
    assert_eq!(report["details"]["repository"]["objects"], 5);
    let root = repo.root.to_str().expect("UTF-8 path");
    for args in [
        vec!["validate", root],
        vec!["validate", root, "--verbose"],
        vec!["validate", root, "--json"],
        vec!["validate", root, "--format", "github"],
    ] {
        assert_no_ciphertext(&anton(&repo, &args).stdout);
    }
}

#[test]
fn sops_ciphertext_stays_hidden_when_a_finding_points_into_the_encrypted_file() {
    let repo = fixture("sops-file");
    let secret = "kubernetes/apps/default/paperless/app/secret.sops.yaml";
    // A duplicate key is a framed finding: the renderer would quote source lines.
    repo.write(secret, &repo.read(secret).replace("type: Opaque\n", "type: Opaque\ntype: Opaque\n"));
    // Control: a framed finding in an ordinary file does show its source line.
    let deployment = "kubernetes/apps/default/paperless/app/deployment.yaml";
    repo.write(deployment, &repo.read(deployment).replace("  replicas: 1\n", "  replicas: 1\n  replicas: 2\n"));

    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(
        common::finding_keys(&report),
        [
            "kubernetes/apps/default/paperless/app/deployment.yaml:8:3 critical yaml/duplicate-key",
            "kubernetes/apps/default/paperless/app/secret.sops.yaml:6:1 critical yaml/duplicate-key",
        ]
    );
    let root = repo.root.to_str().expect("UTF-8 path");
    let verbose = anton(&repo, &["validate", root, "--verbose"]).stdout;
    assert!(verbose.contains("replicas: 2"), "ordinary files get code frames:\n{verbose}");
    for output in [
        anton(&repo, &["validate", root]).stdout,
        verbose,
        anton(&repo, &["validate", root, "--json"]).stdout,
        anton(&repo, &["validate", root, "--format", "github"]).stdout,
    ] {
        assert_no_ciphertext(&output);
    }
}

#[test]
fn taskfiles_sops_config_and_app_configs_are_not_objects() {
    let repo = fixture("non-objects");
    let report = assert_healthy(&repo, ".");
    // Only the Flux Kustomization and the Deployment are Kubernetes objects.
    assert_eq!(report["details"]["repository"]["objects"], 2);
}

#[test]
fn flux_substitution_variables_in_strings_and_integer_fields_are_accepted() {
    let repo = fixture("substitution-vars");
    let deployment = repo.read("kubernetes/apps/media/sonarr/app/deployment.yaml");
    assert!(deployment.contains("replicas: ${REPLICAS:=1}") && deployment.contains("${TIMEZONE}"));
    assert_healthy(&repo, ".");
}

#[test]
fn flux_substitution_variables_in_names_shared_by_two_apps_are_not_duplicates() {
    let repo = fixture("substitution-shared-names");
    assert_healthy(&repo, ".");
}

#[test]
fn anton_layout_is_healthy_from_the_kubernetes_folder_and_from_the_root() {
    let repo = fixture("layout-anton");
    let report = assert_healthy(&repo, "kubernetes");
    let flux = &report["details"]["repository"]["flux"];
    assert_eq!(flux["kustomizations"], 4);
    assert_eq!(flux["helmReleases"], 2);
    assert_eq!(flux["sources"], 2);
    assert_healthy(&repo, ".");
}

#[test]
fn fluxcd_example_layout_with_base_and_overlay_patch_is_healthy() {
    let repo = fixture("layout-fluxcd-example");
    let report = assert_healthy(&repo, ".");
    let flux = &report["details"]["repository"]["flux"];
    assert_eq!(flux["kustomizations"], 4);
    // apps/production/podinfo-values.yaml is a patch, not a second HelmRelease.
    assert_eq!(flux["helmReleases"], 2);
    assert_eq!(flux["sources"], 3);
    let releases = get_items(&repo, "hr");
    assert_eq!(item(&releases, "podinfo", "podinfo")["location"], "apps/base/podinfo/release.yaml:1");
}

#[test]
fn multi_cluster_layout_sharing_infrastructure_is_not_a_duplicate() {
    let repo = fixture("layout-multi-cluster");
    let report = assert_healthy(&repo, ".");
    assert_eq!(
        report["details"]["repository"]["flux"]["clusters"],
        serde_json::json!(["clusters/production/flux-system", "clusters/staging/flux-system"])
    );
    let kustomizations = get_items(&repo, "ks");
    for name in ["flux-system", "infra-controllers", "infra-configs", "apps"] {
        let mut files: Vec<&str> = kustomizations
            .iter()
            .filter(|k| k["name"] == name)
            .filter_map(|k| k["location"].as_str())
            .map(|location| location.split('/').nth(1).unwrap_or_default())
            .collect();
        files.sort();
        assert_eq!(files, ["production", "staging"], "{name} is defined once per cluster");
    }
    let mut releases: Vec<String> = get_items(&repo, "hr")
        .iter()
        .map(|r| format!("{}/{}", r["namespace"].as_str().unwrap_or("-"), r["name"].as_str().unwrap_or("-")))
        .collect();
    releases.sort();
    releases.dedup();
    assert_eq!(releases, ["cert-manager/cert-manager", "podinfo/podinfo"]);
}
