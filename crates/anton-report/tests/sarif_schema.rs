//! The SARIF output validates against the official SARIF 2.1.0 schema.

use anton_core::{Finding, Location, Report, Severity};
use anton_report::{Format, RenderOptions, RuleCatalog, RuleInfo, render_with};
use serde_json::Value;

const SCHEMA: &str = include_str!("fixtures/sarif-schema-2.1.0.json");

struct Catalog;

impl RuleCatalog for Catalog {
    fn rules(&self) -> Vec<RuleInfo> {
        vec![
            RuleInfo {
                id: "flux/infinite-retries".into(),
                severity: Severity::Warning,
                summary: "HelmRelease remediation retries is -1".into(),
                description: "HelmReleases that retry forever.".into(),
                help_markdown: "# flux/infinite-retries\n\n## Why it matters\n\nEndless loops.\n".into(),
            },
            RuleInfo {
                id: "yaml/syntax".into(),
                severity: Severity::Critical,
                summary: "A YAML document does not parse".into(),
                description: "Syntax errors.".into(),
                help_markdown: "Fix the YAML.".into(),
            },
        ]
    }
}

fn sarif(report: &Report) -> Value {
    let mut out = Vec::new();
    render_with(report, Format::Sarif, &RenderOptions::default(), &(), &Catalog, &mut out).unwrap();
    serde_json::from_slice(&out).expect("SARIF output is JSON")
}

fn assert_valid(instance: &Value) {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF output is not valid SARIF 2.1.0:\n{}", errors.join("\n"));
}

#[test]
fn findings_of_every_shape_validate() {
    let report = Report::new(
        ["HelmRelease/media/plex".to_owned()],
        vec![
            Finding::new("flux/infinite-retries", Severity::Warning, "install.remediation.retries is -1")
                .at(Location::new("kubernetes/apps/media/plex app/helmrelease.yaml", 12, 7))
                .object("HelmRelease/media/plex")
                .hint("use 3")
                .related(Location::new("kubernetes/flux/cluster/ks.yaml", 40, 9), "set by this patch"),
            Finding::new("yaml/syntax", Severity::Critical, "did not find expected key").at(Location::new("broken.yaml", 1, 1)),
            Finding::new("flux/no-timeout", Severity::Info, "no timeout"),
            Finding::new("kustomize/orphan-file", Severity::Warning, "never applied").at(Location::new("ü/x.yaml", 1, 1)),
        ],
    );
    let log = sarif(&report);
    assert_valid(&log);
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().map(Vec::len), Some(4));
    // Rules of the catalog come with their documentation; rules outside it get a descriptor too.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "flux/infinite-retries" && r["help"]["markdown"].as_str().unwrap().contains("Why it matters")));
    assert!(rules.iter().any(|r| r["id"] == "flux/no-timeout"));
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn a_clean_run_and_a_tool_error_validate() {
    assert_valid(&sarif(&Report::new(["A".to_owned()], Vec::new())));
    let error = sarif(&Report::tool_error("no such folder"));
    assert_valid(&error);
    assert_eq!(error["runs"][0]["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn the_schema_rejects_what_is_not_sarif() {
    // Guards the test itself: a validator that accepts anything proves nothing.
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut log = sarif(&Report::new(Vec::<String>::new(), vec![Finding::new("yaml/syntax", Severity::Critical, "x")]));
    log["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
    assert!(!validator.is_valid(&log));
    log["version"] = Value::String("2.0.0".into());
    assert!(!validator.is_valid(&log));
}
