//! `anton validate` with schema validation: the flags, the JSON contract of
//! schema findings, and `flux/undefined-variable` through the whole pipeline
//! (the Flux graph decides which Kustomization's postBuild applies).
//!
//! Fixture repositories live with the schema crate
//! (`crates/anton-schema/tests/fixtures/`); each test copies one into a
//! temporary folder outside git, so Flux paths are relative to it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../anton-schema/tests/fixtures").join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

struct Run {
    code: i32,
    stdout: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// Runs anton on a copy of a fixture, with a private cache folder.
fn anton(name: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    copy_dir(&fixture(name), &repo);
    let mut command = Command::cargo_bin("anton").expect("the anton binary");
    command.current_dir(&repo).env("XDG_CACHE_HOME", dir.path().join("cache")).env("NO_COLOR", "1");
    command.arg("validate").arg(&repo).args(args);
    let output = command.output().expect("anton runs");
    Run { code: output.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&output.stdout).into_owned() }
}

/// `file:line:col severity rule: message` for the findings of some rules.
fn lines(report: &Value, prefix: &str) -> Vec<String> {
    report["details"]["findings"]
        .as_array()
        .expect("details.findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with(prefix)))
        .map(|f| {
            format!(
                "{}:{}:{} {} {}: {}",
                f["file"].as_str().unwrap_or("-"),
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap_or("-"),
                f["rule"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn undefined_variables_are_reported_at_their_line() {
    let run = anton("undefined-variable", &["--json", "-v"]);
    let report = run.json();
    insta::assert_snapshot!(lines(&report, "flux/undefined-variable").join("\n"));
    // Undefined variables are warnings; placeholders validate leniently
    // (`replicas: ${MISSING_REPLICAS}` is no schema/type error).
    assert!(lines(&report, "schema/").is_empty(), "{:#?}", lines(&report, "schema/"));
    assert!(run.code >= 1, "{}", run.stdout);
    assert!(report["details"]["schemas"]["validated"]["builtin"].as_u64().is_some_and(|n| n >= 5));
}

#[test]
fn schema_findings_follow_the_report_contract() {
    let run = anton("unknown-field", &["--json", "-v"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let report = run.json();
    let findings = lines(&report, "schema/");
    assert!(findings.iter().any(|l| l.starts_with("helmrelease.yaml:9:3 critical schema/unknown-field: `spec.retryInterval`")), "{findings:#?}");
    assert!(!findings.iter().any(|l| l.starts_with("kustomization.yaml")), "Kustomization v1 has retryInterval: {findings:#?}");
    let finding = &report["details"]["findings"].as_array().unwrap()[0];
    assert!(finding["object"].as_str().is_some_and(|o| !o.is_empty()));
    assert_eq!(report["details"]["schemas"]["kubernetesVersion"], "1.37");
}

#[test]
fn no_schemas_skips_the_phase() {
    let run = anton("unknown-field", &["--json", "-v", "--no-schemas"]);
    let report = run.json();
    assert!(lines(&report, "schema/").is_empty());
    assert!(report["details"]["schemas"].is_null());
    // Other rules (lint) may still report; the schema phase did not run.
    assert!(report["details"]["findings"].as_array().is_some_and(|f| f.iter().all(|f| f["rule"] != "flux/undefined-variable")));
}

#[test]
fn kubernetes_version_decides_which_api_versions_exist() {
    let newest = anton("unknown-kind", &["--json"]).json();
    let psp = |report: &Value| lines(report, "schema/unknown-kind").iter().any(|l| l.contains("PodSecurityPolicy"));
    assert!(psp(&newest));
    let old = anton("unknown-kind", &["--json", "-v", "--kubernetes-version", "1.24"]);
    assert!(!psp(&old.json()), "policy/v1beta1 is served by 1.24");
    assert_eq!(old.json()["details"]["schemas"]["kubernetesVersion"], "1.24");
}

#[test]
fn strict_kinds_makes_unknown_kinds_critical() {
    let severities = |args: &[&str]| -> Vec<String> {
        let report = anton("unknown-kind", args).json();
        lines(&report, "schema/unknown-kind").iter().map(|l| l.split(' ').nth(1).unwrap_or_default().to_owned()).collect()
    };
    let default = severities(&["--json"]);
    assert!(!default.is_empty() && default.iter().all(|s| s == "info"), "{default:?}");
    let strict = severities(&["--json", "--strict-kinds"]);
    assert!(!strict.is_empty() && strict.iter().all(|s| s == "critical"), "{strict:?}");
}

#[test]
fn bad_flags_are_tool_errors() {
    let run = anton("unknown-kind", &["--json", "--kubernetes-version", "banana"]);
    assert_eq!(run.code, 3);
    assert!(run.json()["issues"][0].as_str().is_some_and(|i| i.contains("--kubernetes-version banana")));
    let run = anton("unknown-kind", &["--json", "--kubernetes-version", "1.99"]);
    assert_eq!(run.code, 3);
    let run = anton("unknown-kind", &["--json", "--schema-location", "/definitely/not/here"]);
    assert_eq!(run.code, 3);
    assert!(run.json()["issues"][0].as_str().is_some_and(|i| i.contains("no such folder")));
}

#[test]
fn schema_locations_from_the_command_line() {
    let catalog = fixture("schema-location/catalog");
    let run = anton("schema-location/repo", &["--json", "--schema-location", catalog.to_str().expect("UTF-8")]);
    let findings = lines(&run.json(), "schema/");
    assert!(findings.iter().any(|l| l.contains("`spec.shape` is not a field of Widget")), "{findings:#?}");
}

#[test]
fn help_says_what_kubernetes_version_changes_and_that_cel_is_not_evaluated() {
    let output = Command::cargo_bin("anton").expect("binary").args(["validate", "--help"]).output().expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--kubernetes-version"));
    assert!(help.contains("Fields are always checked against the bundled"));
    assert!(help.contains("x-kubernetes-validations"));
}
