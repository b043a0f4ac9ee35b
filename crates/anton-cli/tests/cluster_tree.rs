//! The Anton cluster's own GitOps tree (`kubernetes/`): every kustomization
//! folder must build with the real kustomize (`kubectl kustomize`, with the
//! test harness's version-matched kubectl), and anton must find nothing to
//! complain about.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tree() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kubernetes")
}

fn kustomization_folders(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            kustomization_folders(&path, found);
        } else if path.file_name().is_some_and(|n| n == "kustomization.yaml") {
            found.push(dir.to_path_buf());
        }
    }
}

#[test]
fn every_kustomization_folder_of_the_cluster_builds_with_kubectl() {
    // The harness's kubectl, matching its API server (a skip is reported; in CI it fails).
    let Some(kubectl) = anton_testenv::needs::kubectl() else { return };
    let mut folders = Vec::new();
    kustomization_folders(&tree(), &mut folders);
    assert!(folders.len() > 20, "expected the cluster's kustomization folders, found {}", folders.len());
    let mut failures = Vec::new();
    for folder in &folders {
        let output = Command::new(&kubectl)
            .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
            .arg(folder)
            .output()
            .expect("kubectl runs");
        if !output.status.success() {
            failures.push(format!("{}: {}", folder.display(), String::from_utf8_lossy(&output.stderr)));
        }
    }
    assert!(failures.is_empty(), "kustomize could not build:\n{}", failures.join("\n"));
}

#[test]
fn anton_validate_finds_nothing_in_the_cluster_tree() {
    let output = assert_cmd::Command::cargo_bin("anton")
        .expect("anton binary")
        .args(["validate", "--json", "--color", "never"])
        .arg(tree())
        .output()
        .expect("anton runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["status"], "healthy", "{}", report["issues"]);
    assert_eq!(report["summary"]["warnings"], 0);
    assert_eq!(report["summary"]["critical"], 0);
    assert_eq!(output.status.code(), Some(0));
}
