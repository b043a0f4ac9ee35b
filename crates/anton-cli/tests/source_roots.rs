//! Issue 14 §1.1: `spec.path` is relative to the root of the source's
//! artifact, which is not always the folder holding `.git`. One fixture
//! repository per layout, each asserting the exact findings.

mod common;

use common::{finding_keys, fixture, the_finding, validate_json};

fn hint(finding: &serde_json::Value) -> String {
    finding["hint"].as_str().unwrap_or_default().to_owned()
}

/// CI pushes `./kubernetes` as the OCI artifact: paths resolve under it, and
/// only the one Kustomization whose folder is really missing is reported.
#[test]
fn an_oci_artifact_pushed_from_a_folder_roots_its_paths_there() {
    let repo = fixture("source-root-oci");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/apps/media/radarr/ks.yaml:10:9 critical flux/path-missing"]);
    let finding = the_finding(&report, "flux/path-missing");
    assert_eq!(
        finding["message"],
        "spec.path `./apps/media/radarr/app` does not exist in the artifact of OCIRepository/flux-system/flux-system"
    );
    let hint = hint(finding);
    assert!(hint.contains("which CI pushes from ./kubernetes (.github/workflows/publish.yaml:13:11)"), "{hint}");
    assert!(hint.contains("the deepest folder of it that exists is ./apps/media/radarr"), "{hint}");
    // The `.git` hint is for a GitRepository of this repository only.
    assert!(!hint.contains(".git)"), "{hint}");
}

/// Without the workflow, the root is the folder the source's paths resolve under.
#[test]
fn without_a_workflow_the_root_is_where_the_paths_resolve() {
    let repo = fixture("source-root-oci");
    std::fs::remove_dir_all(repo.path(".github")).expect("remove .github");
    let (_, report) = validate_json(&repo);
    assert_eq!(finding_keys(&report), ["kubernetes/apps/media/radarr/ks.yaml:10:9 critical flux/path-missing"]);
    let hint = hint(the_finding(&report, "flux/path-missing"));
    assert!(
        hint.contains("the root of OCIRepository/flux-system/flux-system's artifact, ./kubernetes (the folder the other paths resolve under)"),
        "{hint}"
    );
}

/// `.anton.toml` states the root; it wins over the workflow.
#[test]
fn anton_toml_states_the_root() {
    let repo = fixture("source-root-oci");
    repo.write(
        ".anton.toml",
        "[rules]\nselect = [\"structural\"]\n\n[sources]\nroots = { \"OCIRepository/flux-system/flux-system\" = \"./kubernetes\" }\n",
    );
    repo.write(".github/workflows/publish.yaml", "jobs: {}\n");
    let (_, report) = validate_json(&repo);
    assert_eq!(finding_keys(&report), ["kubernetes/apps/media/radarr/ks.yaml:10:9 critical flux/path-missing"]);
    let hint = hint(the_finding(&report, "flux/path-missing"));
    assert!(hint.contains("which .anton.toml sets to ./kubernetes"), "{hint}");
}

/// When no path of the source resolves under its root, the root is wrong:
/// one finding for the source, naming the folder that holds the paths.
#[test]
fn a_wrong_root_is_one_finding_for_the_source_naming_the_candidates() {
    let repo = fixture("source-root-oci");
    let workflow = repo.read(".github/workflows/publish.yaml").replace("--path=./kubernetes ", "--path=./kubernetes/apps ");
    repo.write(".github/workflows/publish.yaml", &workflow);
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/flux/cluster/oci.yaml:2:1 critical flux/path-missing"]);
    let finding = the_finding(&report, "flux/path-missing");
    assert_eq!(
        finding["message"],
        "none of the 3 paths of OCIRepository/flux-system/flux-system resolves under ./kubernetes/apps, where CI pushes \
         the artifact from (.github/workflows/publish.yaml:13:11): the source's root is wrong, not each path"
    );
    let hint = hint(finding);
    assert!(hint.contains("folders that hold these paths: ./kubernetes;"), "{hint}");
    assert_eq!(finding["object"], "OCIRepository/flux-system/flux-system");
}

/// A FluxInstance's sync source is an OCI artifact of `deploy/`: its own
/// sync path and the Kustomizations' paths resolve there.
#[test]
fn a_flux_instance_sync_source_is_rooted_where_its_paths_resolve() {
    let repo = fixture("source-root-fluxinstance");
    let (code, report) = validate_json(&repo);
    assert_eq!(finding_keys(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);

    let instance = repo.read("deploy/flux/instance.yaml").replace("path: clusters/home", "path: clusters/away");
    repo.write("deploy/flux/instance.yaml", &instance);
    let (_, report) = validate_json(&repo);
    assert_eq!(finding_keys(&report), ["deploy/flux/instance.yaml:15:11 critical flux/path-missing"]);
    let finding = the_finding(&report, "flux/path-missing");
    assert_eq!(
        finding["message"],
        "spec.sync.path `clusters/away` does not exist in the artifact of OCIRepository/flux-system/flux-system"
    );
    assert!(hint(finding).contains("the deepest folder of it that exists is ./clusters"), "{}", hint(finding));
}

/// `spec.ignore` leaves folders out of the artifact; `spec.include` brings
/// another repository's folder in, whose paths cannot be checked here.
#[test]
fn git_repository_ignore_and_include_filter_and_move_the_root() {
    let repo = fixture("source-root-git-filters");
    let (code, report) = validate_json(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/flux/apps.yaml:37:9 critical flux/path-missing"]);
    assert_eq!(
        the_finding(&report, "flux/path-missing")["message"],
        "spec.path `./docs/examples` is left out of the artifact by spec.ignore of GitRepository/flux-system/flux-system"
    );
}
