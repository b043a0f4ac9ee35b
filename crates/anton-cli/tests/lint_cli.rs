//! The rule engine from the command line: `anton rules`, `anton rules
//! explain`, `--select`/`--ignore`, `.anton.toml`, suppressions,
//! `anton init-config`, `--output-file`, and the bundled tree being clean.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn anton() -> Command {
    let mut command = Command::cargo_bin("anton").expect("the anton binary is built");
    command.env("NO_COLOR", "1");
    command
}

/// A throwaway repository (no `.git`, so the folder is its own root).
fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("a parent folder")).expect("folders");
        std::fs::write(full, text).expect("a fixture file");
    }
    dir
}

fn validate_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let output = anton().arg("validate").arg(dir).args(args).arg("--json").output().expect("anton runs");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    });
    (output.status.code().unwrap_or(-1), json)
}

/// (rule, severity, line) of every finding whose rule is not schema validation's.
fn findings(json: &Value) -> Vec<(String, String, u64)> {
    json["details"]["findings"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter(|f| !f["rule"].as_str().unwrap_or("").starts_with("schema/"))
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_owned(),
                        f["severity"].as_str().unwrap_or("").to_owned(),
                        f["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rules_of(json: &Value) -> Vec<String> {
    findings(json).into_iter().map(|(rule, _, _)| rule).collect()
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
";

#[test]
fn rules_lists_every_rule_with_severity_and_summary() {
    let output = anton().arg("rules").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for id in ["flux/sourceref-namespace", "secrets/private-key-committed", "api/removed", "yaml/syntax", "anton/unused-suppression"] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    assert!(text.contains("critical") && text.contains("warning") && text.contains("info"));

    let output = anton().args(["rules", "--format", "json"]).output().unwrap();
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert!(rules.len() >= 35, "{}", rules.len());
    for rule in rules {
        for section in ["what", "why", "bad", "fixed"] {
            assert!(!rule["doc"][section].as_str().unwrap_or("").is_empty(), "{} has no {section}", rule["id"]);
        }
    }
}

#[test]
fn rules_explain_prints_the_documentation() {
    let output = anton().args(["rules", "explain", "flux/infinite-retries"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for section in ["# flux/infinite-retries (warning)", "## What it checks", "## Why it matters", "## Bad example", "## Fixed example", "retries: -1"] {
        assert!(text.contains(section), "{section} missing from:\n{text}");
    }
    let family = anton().args(["rules", "explain", "ingress"]).output().unwrap();
    let text = String::from_utf8(family.stdout).unwrap();
    assert!(text.contains("# ingress/no-class") && text.contains("# ingress/external-dns-on-internal"));
    let unknown = anton().args(["rules", "explain", "flux/nope"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("anton rules"));
}

#[test]
fn select_and_ignore_take_ids_and_families() {
    let dir = repository(&[("deployment.yaml", DEPLOYMENT)]);
    let (_, all) = validate_json(dir.path(), &[]);
    let all = rules_of(&all);
    assert!(all.contains(&"k8s/latest-tag".to_owned()) && all.contains(&"k8s/no-resources".to_owned()), "{all:?}");

    let (code, json) = validate_json(dir.path(), &["--select", "k8s/latest-tag"]);
    assert_eq!(rules_of(&json), ["k8s/latest-tag"]);
    assert_eq!(code, 1);

    let (_, json) = validate_json(dir.path(), &["--ignore", "k8s"]);
    assert!(rules_of(&json).iter().all(|rule| !rule.starts_with("k8s/")), "{:?}", rules_of(&json));

    let (_, json) = validate_json(dir.path(), &["--select", "k8s", "--ignore", "k8s/no-resources"]);
    assert_eq!(rules_of(&json), ["k8s/latest-tag"]);

    let (code, json) = validate_json(dir.path(), &["--select", "k8s/latest"]);
    assert_eq!(code, 3);
    assert!(json["issues"][0].as_str().unwrap().contains("unknown rule"), "{json}");
}

#[test]
fn the_config_file_sets_severities_and_per_path_overrides() {
    let dir = repository(&[
        ("apps/deployment.yaml", DEPLOYMENT),
        ("sandbox/deployment.yaml", &DEPLOYMENT.replace("name: web\n  namespace", "name: play\n  namespace")),
        (
            ".anton.toml",
            "[rules]\nselect = [\"k8s\"]\nseverity = { \"k8s/latest-tag\" = \"critical\" }\n\n[[overrides]]\npaths = [\"sandbox/**\"]\nignore = [\"k8s/latest-tag\"]\nseverity = { \"k8s/no-resources\" = \"info\" }\n",
        ),
    ]);
    let (code, json) = validate_json(dir.path(), &[]);
    let found = findings(&json);
    assert!(found.contains(&("k8s/latest-tag".into(), "critical".into(), 15)), "{found:?}");
    assert_eq!(found.iter().filter(|(rule, _, _)| rule == "k8s/latest-tag").count(), 1, "{found:?}");
    assert!(found.contains(&("k8s/no-resources".into(), "info".into(), 14)), "{found:?}");
    assert_eq!(code, 2);

    std::fs::write(dir.path().join(".anton.toml"), "[rules]\nignore = [\"k8s/no-resource\"]\n").unwrap();
    let (code, json) = validate_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert!(json["issues"][0].as_str().unwrap().contains(".anton.toml"), "{json}");
}

#[test]
fn suppressions_need_a_reason_and_unused_ones_are_reported() {
    let suppressed = DEPLOYMENT.replace(
        "          image: nginx:latest\n",
        "          # anton: ignore[k8s/latest-tag] the upstream image is only published as latest\n          image: nginx:latest\n",
    );
    let unexplained = DEPLOYMENT
        .replace("name: web\n  namespace", "name: api\n  namespace")
        .replace("image: nginx:latest", "image: nginx:latest  # anton: ignore[k8s/latest-tag]");
    let stale = DEPLOYMENT
        .replace("name: web\n  namespace", "name: old\n  namespace")
        .replace("image: nginx:latest", "image: nginx:1.27  # anton: ignore[k8s/latest-tag] was latest once");
    let annotated = DEPLOYMENT.replace("name: web\n  namespace: default\n", "name: annotated\n  namespace: default\n  annotations:\n    anton.io/ignore: \"k8s/latest-tag\"\n    anton.io/ignore-reason: a test image\n");
    let dir = repository(&[
        ("suppressed.yaml", &suppressed),
        ("unexplained.yaml", &unexplained),
        ("stale.yaml", &stale),
        ("annotated.yaml", &annotated),
    ]);
    let (_, json) = validate_json(dir.path(), &["--select", "k8s/latest-tag,anton"]);
    let mut found: Vec<(String, String)> = json["details"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap().to_owned(), f["rule"].as_str().unwrap().to_owned()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("stale.yaml".into(), "anton/unused-suppression".into()),
            ("unexplained.yaml".into(), "anton/invalid-suppression".into()),
            ("unexplained.yaml".into(), "k8s/latest-tag".into()),
        ]
    );
}

#[test]
fn init_config_writes_a_default_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    anton().arg("init-config").arg(dir.path()).assert().success();
    let path = dir.path().join(".anton.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[rules]") && text.contains("kubernetes-version") && text.starts_with('#'));
    std::fs::write(&path, "# mine\n").unwrap();
    let refused = anton().arg("init-config").arg(dir.path()).output().unwrap();
    assert_eq!(refused.status.code(), Some(3));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    anton().arg("init-config").arg(dir.path()).arg("--force").assert().success();
    assert!(std::fs::read_to_string(&path).unwrap().contains("[rules]"));
    // The written default is a valid configuration.
    std::fs::write(dir.path().join("deployment.yaml"), DEPLOYMENT).unwrap();
    let (code, _) = validate_json(dir.path(), &[]);
    assert_ne!(code, 3);
}

#[test]
fn output_files_write_several_formats_at_once() {
    let dir = repository(&[("deployment.yaml", DEPLOYMENT)]);
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("anton.sarif");
    let junit = out.path().join("anton.xml");
    anton()
        .arg("validate")
        .arg(dir.path())
        .arg("--output-file")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--output-file")
        .arg(format!("junit={}", junit.display()))
        .assert()
        .code(1);
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "k8s/latest-tag" && r["help"]["markdown"].as_str().unwrap().contains("## Why it matters")));
    assert!(log["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "k8s/latest-tag"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains(r#"<testsuite name="k8s""#) && xml.contains("<failure"), "{xml}");

    let bad = anton().arg("validate").arg(dir.path()).args(["--output-file", "anton.sarif"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(3), "a malformed --output-file is a usage error (exit 3, issue 23)");
}

#[test]
fn the_bundled_tree_is_clean_under_the_default_configuration() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kubernetes");
    let (code, json) = validate_json(&tree, &[]);
    let found = findings(&json);
    assert!(found.is_empty(), "the kubernetes/ tree has findings: {found:?}");
    assert_eq!(code, 0);
}

#[test]
fn select_structural_gives_validate_without_the_rules() {
    let dir = repository(&[
        ("deployment.yaml", DEPLOYMENT),
        ("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./deployment.yaml\n  - ./missing.yaml\n"),
    ]);
    let (code, json) = validate_json(dir.path(), &["--select", "structural"]);
    assert_eq!(rules_of(&json), ["kustomize/missing-resource"]);
    assert_eq!(code, 2);
}
