//! Issue 14 §1.4: patches (strategic merge, JSON 6902) and replacements in a
//! parent kustomization that set a child Flux Kustomization's `spec.path`
//! count: path-missing and the rest of the graph read the path the parent's
//! build emits, not the one its file says.

mod common;

use common::{finding_keys, fixture, the_finding, validate_json};

const PARENT: &str = "kubernetes/apps/media/kustomization.yaml";

#[test]
fn paths_set_by_the_parent_are_the_paths_checked() {
    let repo = fixture("parent-patch-spec-path");
    let (code, report) = validate_json(&repo);
    // Every ks.yaml says `./apps/<app>`, which does not exist; the parent's
    // patch, JSON 6902 patch and replacement give each its real folder.
    assert_eq!(finding_keys(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
    // What they apply is in the graph: each HelmRelease lands in media.
    let run = common::anton(&repo, &["get", "hr", "--json"]);
    let items = run.json()["details"]["items"].as_array().cloned().unwrap_or_default();
    let mut applied: Vec<String> =
        items.iter().map(|i| format!("{}/{}", i["namespace"].as_str().unwrap_or("-"), i["name"].as_str().unwrap_or("-"))).collect();
    applied.sort();
    assert_eq!(applied, ["media/lidarr", "media/radarr", "media/sonarr"]);
}

#[test]
fn a_patched_path_that_is_missing_is_reported_as_patched() {
    let repo = fixture("parent-patch-spec-path");
    let parent = repo.read(PARENT);
    repo.write(PARENT, &parent.replace("media/sonarr/app", "media/sonarr/missing"));
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    let finding = the_finding(&report, "flux/path-missing");
    assert_eq!(finding["object"], "Kustomization/flux-system/sonarr");
    assert!(finding["message"].as_str().unwrap_or_default().contains("./kubernetes/apps/media/sonarr/missing"), "{finding:#}");
    assert_eq!(finding_keys(&report), ["kubernetes/apps/media/kustomization.yaml:19:15 critical flux/path-missing"]);

    let repo = fixture("parent-patch-spec-path");
    let parent = repo.read(PARENT);
    repo.write(PARENT, &parent.replace("value: ./kubernetes/apps/media/radarr/app", "value: ./kubernetes/apps/media/radarr/gone"));
    let (_, report) = validate_json(&repo);
    assert_eq!(the_finding(&report, "flux/path-missing")["object"], "Kustomization/flux-system/radarr");

    let repo = fixture("parent-patch-spec-path");
    let paths = repo.read("kubernetes/apps/media/app-paths.yaml");
    repo.write("kubernetes/apps/media/app-paths.yaml", &paths.replace("lidarr/app", "lidarr/gone"));
    let (_, report) = validate_json(&repo);
    assert_eq!(the_finding(&report, "flux/path-missing")["object"], "Kustomization/flux-system/lidarr");
}

#[test]
fn without_the_parent_the_written_paths_are_missing() {
    let repo = fixture("parent-patch-spec-path");
    let parent = repo.read(PARENT);
    let unpatched = parent.split("# The Flux Kustomizations").next().unwrap_or_default().to_owned();
    repo.write(PARENT, &unpatched);
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(
        finding_keys(&report),
        [
            "kubernetes/apps/media/lidarr/ks.yaml:10:9 critical flux/path-missing",
            "kubernetes/apps/media/radarr/ks.yaml:10:9 critical flux/path-missing",
            "kubernetes/apps/media/sonarr/ks.yaml:10:9 critical flux/path-missing",
        ]
    );
}
