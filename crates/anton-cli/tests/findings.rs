//! One fixture per finding: the exact rule id, severity, `file:line:col`,
//! and exit code, plus what the message and hint must tell the user.

mod common;

use common::{anton, finding_keys, fixture, the_finding, validate_json};

fn text_output(repo: &common::Repo) -> String {
    anton(repo, &["validate", repo.root.to_str().expect("UTF-8 path")]).stdout
}

#[test]
fn yaml_syntax_reports_every_broken_file_with_line_and_column() {
    let repo = fixture("yaml-syntax");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(report["status"], "critical");
    assert_eq!(
        finding_keys(&report),
        [
            // `   prune: true` indented one space too far: the `:` is where it breaks.
            "apps/media/plex/ks.yaml:10:9 critical yaml/syntax",
            // The quote that is never closed.
            "apps/media/sonarr/ks.yaml:9:9 critical yaml/syntax",
        ]
    );
    for finding in common::findings(&report) {
        assert!(
            !finding["message"].as_str().unwrap_or_default().is_empty(),
            "the parser says what is wrong: {finding}"
        );
    }
}

#[test]
fn yaml_syntax_error_does_not_hide_the_next_document_of_the_same_file() {
    let repo = fixture("yaml-syntax");
    let run = anton(&repo, &["get", "ks", repo.root.to_str().expect("UTF-8 path"), "--json"]);
    let report = run.json();
    common::assert_contract(&report);
    let names: Vec<&str> =
        report["details"]["items"].as_array().expect("items").iter().filter_map(|item| item["name"].as_str()).collect();
    // `plex` is the broken first document of apps/media/plex/ks.yaml; `plex-volsync`
    // is the valid second one, read and resolved.
    assert!(names.contains(&"plex-volsync"), "{names:?}");
    assert!(!names.contains(&"plex"), "{names:?}");
}

#[test]
fn yaml_duplicate_key_points_at_the_second_key() {
    let repo = fixture("yaml-duplicate-key");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["apps/default/echo/deployment.yaml:21:11 critical yaml/duplicate-key"]);
    let finding = the_finding(&report, "yaml/duplicate-key");
    assert_eq!(finding["message"], "key `image` appears twice in this mapping (first at line 18)");
    assert!(text_output(&repo).contains("first defined here"));
}

#[test]
fn kustomize_missing_resource_covers_resources_patches_and_generator_files() {
    let repo = fixture("kustomize-missing-resource");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    let file = "apps/network/cloudflared/app/kustomization.yaml";
    assert_eq!(
        finding_keys(&report),
        [
            format!("{file}:7:5 critical kustomize/missing-resource"),
            format!("{file}:9:11 critical kustomize/missing-resource"),
            format!("{file}:16:9 critical kustomize/missing-resource"),
        ]
    );
    let messages: Vec<&str> = common::findings(&report).iter().filter_map(|f| f["message"].as_str()).collect();
    assert!(messages[0].starts_with("resource `./externalsecret.yaml` does not exist"), "{messages:?}");
    assert!(messages[1].starts_with("patch `./patches/replicas.yaml` does not exist"), "{messages:?}");
    assert!(messages[2].starts_with("generator input `./config/config.yml` does not exist"), "{messages:?}");
}

#[test]
fn kustomize_not_a_kustomization_for_a_plain_folder_and_a_component_under_resources() {
    let repo = fixture("kustomize-not-a-kustomization");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    let file = "apps/media/jellyfin/app/kustomization.yaml";
    assert_eq!(
        finding_keys(&report),
        [
            format!("{file}:7:5 critical kustomize/not-a-kustomization"),
            format!("{file}:8:5 critical kustomize/not-a-kustomization"),
            // The folder's manifest is never applied either: a consequence, reported as such.
            "apps/media/jellyfin/app/volsync/replicationsource.yaml:1:1 warning kustomize/orphan-file".to_owned(),
        ]
    );
    let messages: Vec<&str> = common::findings(&report).iter().filter_map(|f| f["message"].as_str()).collect();
    assert_eq!(messages[0], "folder `./volsync` is listed as a resource but has no kustomization.yaml");
    assert_eq!(messages[1], "`../../../../components/gatus` is a Component, listed under resources");
}

#[test]
fn kustomize_duplicate_object_names_both_origins() {
    let repo = fixture("kustomize-duplicate-object");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(
        finding_keys(&report),
        ["apps/media/plex/app/kustomization.yaml:8:5 critical kustomize/duplicate-object"]
    );
    let finding = the_finding(&report, "kustomize/duplicate-object");
    assert_eq!(finding["object"], "Service/media/plex");
    let text = text_output(&repo);
    assert!(text.contains("related: apps/media/plex/app/service.yaml:2:1  first emitted from here"), "{text}");
    assert!(text.contains("related: apps/media/plex/app/service-lb.yaml:3:1  and again from here"), "{text}");
}

#[test]
fn kustomize_orphan_file_is_a_warning_and_exits_one() {
    let repo = fixture("kustomize-orphan-file");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 1);
    assert_eq!(report["status"], "warning");
    assert_eq!(report["summary"]["warnings"], 1);
    assert_eq!(report["summary"]["critical"], 0);
    assert_eq!(finding_keys(&report), ["apps/home/mosquitto/app/pvc.yaml:1:1 warning kustomize/orphan-file"]);
}

#[test]
fn flux_path_missing_points_at_spec_path() {
    let repo = fixture("flux-path-missing");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/apps/media/sonarr/ks.yaml:10:9 critical flux/path-missing"]);
    let finding = the_finding(&report, "flux/path-missing");
    assert_eq!(finding["message"], "spec.path `./kubernetes/apps/sonarr/app` does not exist in this repository");
    assert_eq!(finding["object"], "Kustomization/flux-system/sonarr");
}

#[test]
fn flux_source_missing_plain_and_without_namespace() {
    let repo = fixture("flux-source-missing");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(
        finding_keys(&report),
        [
            "apps/media/overseerr/app/helmrelease.yaml:15:9 critical flux/source-missing",
            "apps/media/sabnzbd/app/helmrelease.yaml:14:9 critical flux/source-missing",
        ]
    );
    let findings = common::findings(&report);
    let (no_namespace, plain) = (&findings[0], &findings[1]);
    assert_eq!(no_namespace["object"], "HelmRelease/media/overseerr");
    assert!(
        no_namespace["message"].as_str().unwrap_or_default().contains("HelmRepository/media/bjw-s"),
        "{no_namespace}"
    );
    assert_eq!(
        no_namespace["hint"],
        "sourceRef.namespace defaults to this object's namespace (media); add `namespace: flux-system`"
    );
    assert_eq!(plain["object"], "HelmRelease/media/sabnzbd");
    assert!(
        plain["message"].as_str().unwrap_or_default().contains("HelmRepository/flux-system/k8s-at-home"),
        "{plain}"
    );
    assert!(!plain["hint"].as_str().unwrap_or_default().contains("namespace:"), "{plain}");
    assert!(
        text_output(&repo)
            .contains("related: flux/repos/bjw-s.yaml:2:1  HelmRepository exists in namespace flux-system")
    );
}

#[test]
fn flux_dependson_missing_names_the_searched_namespace_and_where_it_exists() {
    let repo = fixture("flux-dependson-missing");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/apps/media/plex/ks.yaml:14:7 critical flux/dependson-missing"]);
    let finding = the_finding(&report, "flux/dependson-missing");
    assert_eq!(
        finding["message"],
        "dependsOn `cert-manager`: no Kustomization named cert-manager in namespace media \
         (the namespace defaults to this object's own)"
    );
    assert_eq!(finding["object"], "Kustomization/media/plex");
    assert_eq!(finding["hint"], "add `namespace: flux-system` to this dependsOn entry");
    let text = text_output(&repo);
    assert!(
        text.contains(
            "related: kubernetes/apps/cert-manager/cert-manager/ks.yaml:2:1  \
             Kustomization/flux-system/cert-manager exists in namespace flux-system"
        ),
        "{text}"
    );
}

#[test]
fn flux_dependson_cycle_shows_the_whole_cycle() {
    let repo = fixture("flux-dependson-cycle");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["flux/apps.yaml:50:7 critical flux/dependson-cycle"]);
    let finding = the_finding(&report, "flux/dependson-cycle");
    assert_eq!(
        finding["message"],
        "dependsOn cycle: flux-system/databases → flux-system/monitoring → flux-system/auth → flux-system/databases"
    );
}

#[test]
fn flux_duplicate_object_when_two_kustomization_paths_include_the_same_file() {
    let repo = fixture("flux-duplicate-object");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/apps/media/plex/app/pvc.yaml:2:1 critical flux/duplicate-object"]);
    let finding = the_finding(&report, "flux/duplicate-object");
    assert_eq!(
        finding["message"],
        "Kustomization/flux-system/cluster-apps and Kustomization/flux-system/plex both apply 1 object: \
         PersistentVolumeClaim/media/plex-config"
    );
    assert_eq!(finding["object"], "PersistentVolumeClaim/media/plex-config");
}

#[test]
fn a_path_that_does_not_exist_is_a_tool_error_with_exit_three() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let run = common::anton_in(dir.path(), &["validate", "/no/such/path", "--json"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    let report = run.json();
    common::assert_contract(&report);
    assert_eq!(report["status"], "error");
    assert_eq!(report["summary"], serde_json::json!({"total": 0, "healthy": 0, "warnings": 0, "critical": 0}));
    let issue = report["issues"][0].as_str().unwrap_or_default();
    assert!(issue.starts_with("/no/such/path: no such file or folder"), "{issue}");

    let text = common::anton_in(dir.path(), &["validate", "/no/such/path"]);
    assert_eq!(text.code, 3);
    assert!(text.stdout.contains("error: /no/such/path: no such file or folder"), "{}", text.stdout);
    assert!(text.stdout.contains("anton validate did not finish (status: error)"), "{}", text.stdout);
}
