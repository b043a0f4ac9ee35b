//! Issue 14 §1.8: the default target stays `kubernetes/`, but what exists is
//! looked up in the whole repository (a source or a substituteFrom ConfigMap
//! in `clusters/`), and the secret rules check every file git tracks,
//! wherever it is (a `bootstrap/` Secret, a key pasted into `docs/`).

mod common;

use std::process::Command;

use common::{Repo, anton, assert_contract, finding_keys, fixture};

/// A fake age key, written by the tests (never committed).
fn age_key() -> String {
    format!("AGE-SECRET-KEY-1{}", "Q".repeat(58))
}

/// `anton validate --json` from the repository root: the default target, `kubernetes/`.
fn validate_default_target(repo: &Repo) -> (i32, serde_json::Value) {
    let run = anton(repo, &["validate", "--json"]);
    let report = run.json();
    assert_contract(&report);
    (run.code, report)
}

fn git(repo: &Repo, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(&repo.root)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn secrets_outside_the_target_are_reported_and_what_exists_there_is_found() {
    let repo = fixture("secrets-outside-target");
    repo.write("docs/restore.md", &format!("# Restore\n\nThe key, for now:\n\n    {}\n", age_key()));
    let (code, report) = validate_default_target(&repo);
    assert_eq!(code, 2);
    // The GitRepository and the ConfigMap in clusters/main exist: no
    // flux/source-missing, no flux/substitute-from-missing.
    assert_eq!(
        finding_keys(&report),
        [
            "bootstrap/cluster-secrets.yaml:7:1 critical secrets/plaintext-secret",
            "bootstrap/talos.sops.yaml:2:1 critical secrets/sops-not-encrypted",
            "docs/restore.md:5:5 critical secrets/private-key-committed",
        ],
        "{report:#}"
    );
    // What was checked is still the target: the outside files are no objects of it.
    assert_eq!(report["details"]["repository"]["objects"], 3, "{:#}", report["details"]["repository"]);
    // The value itself is never printed.
    assert!(!report.to_string().contains("8f2c0b1e9d7a44e1b6c3"));
}

#[test]
fn without_the_outside_folders_the_references_are_missing() {
    let repo = fixture("secrets-outside-target");
    std::fs::remove_dir_all(repo.path("clusters")).expect("remove clusters/");
    std::fs::remove_dir_all(repo.path("bootstrap")).expect("remove bootstrap/");
    let (_, report) = validate_default_target(&repo);
    // Without the GitRepository nothing is applied (Flux would apply nothing
    // either): the missing source is the finding, once per reference.
    let files: Vec<(String, String)> = common::findings(&report)
        .iter()
        .map(|f| (f["file"].as_str().unwrap_or("-").to_owned(), f["rule"].as_str().unwrap_or("-").to_owned()))
        .collect();
    let expected = [("kubernetes/apps/default/echo/ks.yaml", "flux/source-missing"), ("kubernetes/flux/apps.yaml", "flux/source-missing")];
    assert_eq!(files, expected.map(|(file, rule)| (file.to_owned(), rule.to_owned())), "{report:#}");
}

/// In a git repository, the files git tracks (and untracked ones it does not
/// ignore) are checked; ignored and `.antonignore`d ones are not.
#[test]
fn in_a_git_repository_what_git_tracks_is_checked() {
    let repo = fixture("secrets-outside-target");
    std::fs::remove_dir_all(repo.path(".git")).expect("remove the fixture's .git");
    git(&repo, &["init", "--quiet"]);
    repo.write(".gitignore", "/secrets/\n");
    repo.write("secrets/age.key", &format!("{}\n", age_key()));
    repo.write(".antonignore", "/docs/examples/\n");
    repo.write("docs/examples/key.txt", &format!("{}\n", age_key()));
    repo.write(".github/notes.txt", &format!("{}\n", age_key()));
    git(&repo, &["add", "--all"]);
    // Untracked, not ignored: git would commit it with the next `git add`.
    repo.write("bootstrap/untracked.txt", &format!("{}\n", age_key()));
    let (code, report) = validate_default_target(&repo);
    assert_eq!(code, 2);
    assert_eq!(
        finding_keys(&report),
        [
            ".github/notes.txt:1:1 critical secrets/private-key-committed",
            "bootstrap/cluster-secrets.yaml:7:1 critical secrets/plaintext-secret",
            "bootstrap/talos.sops.yaml:2:1 critical secrets/sops-not-encrypted",
            "bootstrap/untracked.txt:1:1 critical secrets/private-key-committed",
        ],
        "{report:#}"
    );
    // A file deleted from the work tree but still in the index is not read.
    std::fs::remove_file(repo.path("bootstrap/untracked.txt")).expect("remove");
    std::fs::remove_file(repo.path(".github/notes.txt")).expect("remove");
    let (_, report) = validate_default_target(&repo);
    assert_eq!(
        finding_keys(&report),
        [
            "bootstrap/cluster-secrets.yaml:7:1 critical secrets/plaintext-secret",
            "bootstrap/talos.sops.yaml:2:1 critical secrets/sops-not-encrypted",
        ],
        "{report:#}"
    );
}

/// dependsOn targets written outside the target (a Kustomization in
/// `clusters/main/`, a HelmRelease in `infrastructure/`) exist; one only in
/// a hidden `.archive/` folder does not (nothing applies it).
#[test]
fn depends_on_finds_what_is_written_outside_the_target() {
    let repo = fixture("dependson-outside-target");
    let (code, report) = validate_default_target(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/apps/podinfo/ks.yaml:16:7 critical flux/dependson-missing"], "{report:#}");
    let finding = common::the_finding(&report, "flux/dependson-missing");
    assert_eq!(
        finding["message"],
        "dependsOn `monitoring`: no Kustomization named monitoring in namespace flux-system (the namespace defaults to this object's own)"
    );
    // Without clusters/ and infrastructure/, the other two are missing too.
    std::fs::remove_dir_all(repo.path("clusters")).expect("remove clusters/");
    std::fs::remove_dir_all(repo.path("infrastructure")).expect("remove infrastructure/");
    let (_, report) = validate_default_target(&repo);
    let missing: Vec<&str> = common::findings(&report)
        .iter()
        .filter(|f| f["rule"] == "flux/dependson-missing")
        .filter_map(|f| f["message"].as_str())
        .filter_map(|message| message.strip_prefix("dependsOn `")?.split('`').next())
        .collect();
    assert_eq!(missing, ["cert-manager", "infra-controllers", "infra-configs", "monitoring"], "{report:#}");
}

/// The bootstrap GitRepository lives in `clusters/main/flux-system`: its
/// `spec.include` (another repository's folder at `./shared`) and
/// `spec.ignore` (only `kubernetes/`) decide what the paths can name.
#[test]
fn include_and_ignore_of_a_source_outside_the_target_count() {
    let repo = fixture("source-details-outside-target");
    let (code, report) = validate_default_target(&repo);
    assert_eq!(code, 2);
    // ./shared/prometheus comes from shared-config: not checked, no finding.
    // ./docs/examples exists, but spec.ignore leaves it out of the artifact.
    assert_eq!(finding_keys(&report), ["kubernetes/flux/apps.yaml:36:9 critical flux/path-missing"], "{report:#}");
    let finding = common::the_finding(&report, "flux/path-missing");
    assert_eq!(
        finding["message"],
        "spec.path `./docs/examples` is left out of the artifact by spec.ignore of GitRepository/flux-system/flux-system"
    );
}

/// An OCIRepository written in `clusters/main/flux-system` names the artifact
/// CI pushes from `./kubernetes` (of two pushes in the workflow): its paths
/// resolve there, and the one that does not is reported with that root.
#[test]
fn the_url_of_an_oci_source_outside_the_target_finds_its_ci_push() {
    let repo = fixture("source-oci-outside-target");
    let (code, report) = validate_default_target(&repo);
    assert_eq!(code, 2);
    assert_eq!(finding_keys(&report), ["kubernetes/flux/apps.yaml:22:9 critical flux/path-missing"], "{report:#}");
    let finding = common::the_finding(&report, "flux/path-missing");
    assert_eq!(finding["message"], "spec.path `./apps/games` does not exist in the artifact of OCIRepository/flux-system/manifests");
    let hint = finding["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("which CI pushes from ./kubernetes (.github/workflows/publish.yaml:13:"), "{hint}");

    // The same source made by a FluxInstance written outside the target:
    // its sync url finds the same push.
    repo.remove("clusters/main/flux-system/manifests.yaml");
    repo.write(
        "clusters/main/flux-system/flux-instance.yaml",
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  distribution:\n    version: 2.x\n    registry: ghcr.io/fluxcd\n  sync:\n    kind: OCIRepository\n    url: oci://ghcr.io/example/home-ops-manifests\n    ref: latest\n    path: ./flux\n",
    );
    let apps = repo.read("kubernetes/flux/apps.yaml").replace("name: manifests", "name: flux-system");
    repo.write("kubernetes/flux/apps.yaml", &apps);
    let (_, report) = validate_default_target(&repo);
    assert_eq!(finding_keys(&report), ["kubernetes/flux/apps.yaml:22:9 critical flux/path-missing"], "{report:#}");
    let hint = common::the_finding(&report, "flux/path-missing")["hint"].as_str().unwrap_or_default().to_owned();
    assert!(hint.contains("which CI pushes from ./kubernetes (.github/workflows/publish.yaml:13:"), "{hint}");
}

/// Hidden folders and Helm chart templates are in Git too: a plaintext
/// Secret there is found (in a template, only its literal values), a
/// template action is never a finding, and neither is a broken template.
#[test]
fn secrets_in_hidden_folders_and_chart_templates_are_found() {
    let repo = fixture("secrets-hidden-and-templates");
    let (code, report) = validate_default_target(&repo);
    assert_eq!(code, 2);
    assert_eq!(
        finding_keys(&report),
        [
            ".archive/old-app/secret.sops.yaml:1:1 critical secrets/sops-not-encrypted",
            ".github/ci/test-secret.yaml:7:1 critical secrets/plaintext-secret",
            "charts/internal/templates/secret.yaml:8:1 critical secrets/plaintext-secret",
            "kubernetes/.archive/secret.yaml:7:1 critical secrets/plaintext-secret",
        ],
        "{report:#}"
    );
    let template = common::findings(&report)
        .iter()
        .find(|f| f["file"] == "charts/internal/templates/secret.yaml")
        .expect("the template's finding");
    assert_eq!(template["message"], "Secret has 1 value in clear text under stringData (key: api-key)");
    // The values themselves are never printed.
    let printed = report.to_string();
    for value in ["3f9a1c7e5b2d48a6b0c4", "ghp_9fQ2mX7vL4kR8sT1wZ6yB3nD5hJ0cA2eG4iK", "Zq8Xv2Lm9Pt4Rw7K", "Hq3Vn8Rt1Yw6Ku2Z"] {
        assert!(!printed.contains(value), "{value} printed");
    }
}
