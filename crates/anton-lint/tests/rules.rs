//! Every rule fires on its `fires` fixture and stays silent on its `clean`
//! one. The diagnostics of each `fires` fixture are a snapshot.
//!
//! Fixtures: `tests/fixtures/<family>/<slug>/{fires,clean}/`, each a small
//! repository of its own (a `.anton.toml` in it is read). Snapshots:
//! `tests/snapshots/rules__<family>_<slug>.snap`.

mod common;

use anton_lint::registry::RULES;
use common::{check, fixture, render};

fn rules_with_checks() -> impl Iterator<Item = &'static anton_lint::Rule> {
    RULES.iter().copied().filter(|rule| rule.check().is_some())
}

#[test]
fn every_rule_has_both_fixtures() {
    let mut missing = Vec::new();
    for rule in rules_with_checks() {
        for case in ["fires", "clean"] {
            if !fixture(&format!("{}/{case}", rule.id)).is_dir() {
                missing.push(format!("{}/{case}", rule.id));
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures: {missing:?}");
}

#[test]
fn every_rule_fires_on_its_fixture() {
    for rule in rules_with_checks() {
        let findings = check(&fixture(&format!("{}/fires", rule.id)), Some(&[rule.id]));
        let own: Vec<_> = findings.iter().filter(|f| f.rule == rule.id).cloned().collect();
        assert!(!own.is_empty(), "{} did not fire on its fixture; all findings:\n{}", rule.id, render(&findings));
        let name = rule.id.replace('/', "_");
        insta::assert_snapshot!(name, render(&own));
    }
}

#[test]
fn no_rule_fires_on_its_clean_fixture() {
    for rule in rules_with_checks() {
        let findings = check(&fixture(&format!("{}/clean", rule.id)), Some(&[rule.id]));
        let own: Vec<_> = findings.iter().filter(|f| f.rule == rule.id).cloned().collect();
        assert!(own.is_empty(), "{} fired on its clean fixture:\n{}", rule.id, render(&own));
    }
}

#[test]
fn clean_fixtures_are_clean_of_structural_problems() {
    // A clean fixture that is itself broken would prove little.
    for rule in rules_with_checks() {
        let findings = check(&fixture(&format!("{}/clean", rule.id)), Some(&["yaml", "kustomize/missing-resource", "flux/path-missing", "flux/source-missing"]));
        let broken: Vec<_> = findings
            .iter()
            .filter(|f| f.rule.starts_with("yaml/") || f.rule == "kustomize/missing-resource" || f.rule == "flux/path-missing")
            .cloned()
            .collect();
        assert!(broken.is_empty(), "{}/clean is broken:\n{}", rule.id, render(&broken));
    }
}

#[test]
fn messages_never_quote_secret_values() {
    let findings = check(&fixture("secrets/plaintext-secret/fires"), Some(&["secrets"]));
    let text = render(&findings);
    assert!(!text.contains("not-a-real-token"), "{text}");
    assert!(!text.contains("correct-horse"), "{text}");
    let findings = check(&fixture("secrets/private-key-committed/fires"), Some(&["secrets"]));
    let text = render(&findings);
    assert!(!text.contains("QQQQQQQQ"), "{text}");
    assert!(!text.contains("QUFBQUFB"), "{text}");
}
