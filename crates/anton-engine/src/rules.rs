//! The rules: every lint rule of `anton validate` and guard rule of `anton
//! diff`, as JSON and as documentation (`anton rules`, `anton rules explain`).

use anton_diff::rules::GuardRule;
use anton_lint::registry::{self, RULES};
use anton_lint::{Implementation, Rule};
use anton_report::{RuleCatalog, RuleInfo};
use serde_json::{Value, json};

/// The family name of `anton diff`'s guard rules.
const GUARD_FAMILY: &str = "guard";

/// Every rule as JSON: id, family, severity, summary, checkedBy, doc.
pub fn list() -> Value {
    let lint = RULES.iter().map(|r| json_of(r));
    let guards = anton_diff::rules::ALL.iter().map(|r| guard_json(r));
    Value::Array(lint.chain(guards).collect())
}

/// The rules a rule id or a family names (`flux/no-timeout`, `flux`, `guard`).
pub struct Explained {
    lint: Vec<&'static Rule>,
    guards: Vec<&'static GuardRule>,
}

/// The documentation of rule or family `id`; `None` when it names neither.
pub fn explain(id: &str) -> Option<Explained> {
    let lint: Vec<&'static Rule> = match registry::find(id) {
        Some(rule) => vec![rule],
        None => RULES.iter().copied().filter(|rule| rule.family() == id).collect(),
    };
    let guards: Vec<&'static GuardRule> = match anton_diff::rules::find(id) {
        Some(rule) => vec![rule],
        None if id == GUARD_FAMILY => anton_diff::rules::ALL.to_vec(),
        None => Vec::new(),
    };
    (!lint.is_empty() || !guards.is_empty()).then_some(Explained { lint, guards })
}

impl Explained {
    /// One rule as an object, several as an array.
    pub fn json(&self) -> Value {
        let mut values: Vec<Value> = self.lint.iter().map(|r| json_of(r)).collect();
        values.extend(self.guards.iter().map(|r| guard_json(r)));
        if values.len() == 1 { values.remove(0) } else { Value::Array(values) }
    }

    /// What each rule checks, why, and a fixed example, as text.
    pub fn text(&self) -> String {
        let mut text: Vec<String> = self.lint.iter().map(|rule| rule.explain()).collect();
        text.extend(self.guards.iter().map(|rule| rule.explain()));
        text.join("\n")
    }
}

fn json_of(rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "family": rule.family(),
        "severity": rule.severity,
        "summary": rule.summary,
        "checkedBy": match rule.implementation {
            Implementation::Check(_) => "anton-lint".to_owned(),
            Implementation::Structural(place) => place.to_owned(),
            Implementation::Engine => "anton-lint (suppressions)".to_owned(),
        },
        "doc": {
            "what": rule.doc.what,
            "why": rule.doc.why,
            "bad": rule.doc.bad,
            "fixed": rule.doc.fixed,
            "notes": rule.doc.notes,
        },
    })
}

/// `anton diff`'s guard rules, documented like the lint rules.
fn guard_json(rule: &GuardRule) -> Value {
    json!({
        "id": rule.id,
        "family": GUARD_FAMILY,
        "severity": rule.severity,
        "summary": rule.summary,
        "checkedBy": "anton diff",
        "doc": { "what": rule.what, "why": rule.why, "bad": rule.bad, "fixed": rule.fixed, "notes": "" },
    })
}

/// The rule registry, as renderers see it (SARIF rule documentation).
pub struct Registry;

impl RuleCatalog for Registry {
    fn rules(&self) -> Vec<RuleInfo> {
        RULES
            .iter()
            .map(|rule| RuleInfo {
                id: rule.id.to_owned(),
                severity: rule.severity,
                summary: rule.summary.to_owned(),
                description: rule.doc.what.to_owned(),
                help_markdown: rule.explain(),
            })
            .collect()
    }
}
