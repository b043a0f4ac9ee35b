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
