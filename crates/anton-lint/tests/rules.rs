//! Every rule fires on its `fires` fixture and stays silent on its `clean`
//! one, and every `clean` fixture passes every rule (at every severity) but
//! for the few findings `EXPECTED_IN_CLEAN` names. The diagnostics of each
//! `fires` fixture are a snapshot.
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

/// Clean fixtures that must contain what another rule flags, with exactly
/// the findings they are expected to give (`file:line:col rule`, in sorted
/// order). Each fixture says why in a comment. Keep this list short.
const EXPECTED_IN_CLEAN: &[(&str, &[&str])] = &[
    // A pinned remote is still remote: anton cannot build it offline.
    (
        "kustomize/unpinned-remote",
        &[
            "kustomization.yaml:6:5 kustomize/remote-not-built",
            "kustomization.yaml:7:5 kustomize/remote-not-built",
            "kustomization.yaml:8:5 kustomize/remote-not-built",
            "kustomization.yaml:9:5 kustomize/remote-not-built",
        ],
    ),
    // Deprecated but not yet removed on the fixture's Kubernetes 1.24.
    ("api/removed", &["objects.yaml:27:13 api/deprecated"]),
];

#[test]
fn clean_fixtures_pass_every_rule() {
    // A clean fixture that trips another rule (a dangling sourceRef, a
    // container without resources) would prove little: it is clean of
    // every rule at every severity, not only of its own.
    let mut dirty = Vec::new();
    for rule in rules_with_checks() {
        let findings = check(&fixture(&format!("{}/clean", rule.id)), Some(&["ALL"]));
        let expected = EXPECTED_IN_CLEAN.iter().find(|(id, _)| *id == rule.id).map_or(&[][..], |(_, rules)| *rules);
        let got: Vec<String> = findings
            .iter()
            .map(|f| format!("{} {}", f.location.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string), f.rule))
            .collect();
        if got != expected {
            dirty.push(format!("{}/clean (expected {expected:?}):\n{}", rule.id, render(&findings)));
        }
    }
    assert!(dirty.is_empty(), "{} clean fixture(s) are not clean:\n{}", dirty.len(), dirty.join("\n"));
}

#[test]
fn expected_findings_in_clean_fixtures_name_real_rules() {
    for (id, rules) in EXPECTED_IN_CLEAN {
        assert!(rules_with_checks().any(|rule| rule.id == *id), "{id} is not a rule with a check");
        for rule in *rules {
            let rule = rule.rsplit(' ').next().unwrap_or(rule);
            assert!(anton_lint::registry::find(rule).is_some(), "{id}: unknown rule {rule}");
        }
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

/// A `*.sops.yaml` Secret left in plaintext is one finding (the file is not
/// encrypted), not that plus `secrets/plaintext-secret` for its values.
#[test]
fn a_plaintext_sops_file_is_one_finding() {
    let findings = check(&fixture("secrets/sops-not-encrypted/fires"), Some(&["secrets"]));
    let in_file: Vec<_> = findings
        .iter()
        .filter(|f| f.location.as_ref().is_some_and(|l| l.file == "cluster-secrets.sops.yaml"))
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(in_file, ["secrets/sops-not-encrypted"], "{}", render(&findings));
}
