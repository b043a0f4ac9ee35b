//! SARIF 2.1.0, for code-scanning UIs (GitHub code scanning, VS Code's SARIF
//! viewer). Every rule of the catalog is described in `tool.driver.rules`
//! with its documentation, so the UI can show why a finding matters and how
//! to fix it next to the line.
//!
//! The output validates against the OASIS SARIF 2.1.0 schema (see
//! `tests/sarif_schema.rs`).

use std::collections::BTreeMap;
use std::io;

use anton_core::{Finding, Location, Report, Severity, Status};
use serde_json::{Map, Value, json};

use crate::{RuleCatalog, RuleInfo};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Locations are repository-relative; consumers resolve them against the checkout.
const SRCROOT: &str = "%SRCROOT%";

pub(crate) fn render(report: &Report, catalog: &dyn RuleCatalog, out: &mut dyn io::Write) -> io::Result<()> {
    let log = sarif_log(report, catalog);
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A repository-relative path as a URI reference: `/`-separated, with
/// everything outside RFC 3986's unreserved characters percent-encoded.
pub(crate) fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn physical(location: &Location) -> Value {
    json!({
        "artifactLocation": { "uri": uri_reference(&location.file), "uriBaseId": SRCROOT },
        "region": { "startLine": location.line.max(1), "startColumn": location.column.max(1) },
    })
}

fn descriptor(rule: &RuleInfo) -> Value {
    let family = rule.id.split_once('/').map_or(rule.id.as_str(), |(family, _)| family);
    json!({
        "id": rule.id,
        "name": rule.id.replace(['/', '-'], "_"),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.description },
        "help": { "text": rule.help_markdown, "markdown": rule.help_markdown },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": { "tags": [family], "problem.severity": level(rule.severity) },
    })
}

fn result(finding: &Finding, rule_index: usize) -> Value {
    let mut text = finding.message.clone();
    if let Some(hint) = &finding.hint {
        text.push_str("\nHint: ");
        text.push_str(hint);
    }
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(finding.rule));
    result.insert("ruleIndex".into(), json!(rule_index));
    result.insert("level".into(), json!(level(finding.severity)));
    result.insert("message".into(), json!({ "text": text }));
    let mut location = Map::new();
    if let Some(at) = &finding.location {
        location.insert("physicalLocation".into(), physical(at));
    }
    if let Some(object) = &finding.object {
        location.insert("logicalLocations".into(), json!([{ "fullyQualifiedName": object, "kind": "resource" }]));
    }
    if !location.is_empty() {
        result.insert("locations".into(), json!([Value::Object(location)]));
    }
    if !finding.related.is_empty() {
        let related: Vec<Value> = finding
            .related
            .iter()
            .enumerate()
            .map(|(id, (at, label))| json!({ "id": id, "physicalLocation": physical(at), "message": { "text": label } }))
            .collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
    // Stable across runs and unrelated edits elsewhere in the file, so code
    // scanning can tell a finding that moved from a new one.
    let fingerprint = format!(
        "{}|{}|{}",
        finding.rule,
        finding.location.as_ref().map_or("", |l| l.file.as_str()),
        finding.object.as_deref().unwrap_or(&finding.message)
    );
    result.insert("partialFingerprints".into(), json!({ "antonFinding/v1": fingerprint }));
    Value::Object(result)
}

pub(crate) fn sarif_log(report: &Report, catalog: &dyn RuleCatalog) -> Value {
    let mut rules: Vec<RuleInfo> = catalog.rules();
    let mut index: BTreeMap<String, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
    // A finding of a rule the catalog does not describe still gets a descriptor.
    for finding in &report.findings {
        if !index.contains_key(&finding.rule) {
            index.insert(finding.rule.clone(), rules.len());
            rules.push(RuleInfo {
                id: finding.rule.clone(),
                severity: finding.severity,
                summary: finding.rule.clone(),
                description: finding.rule.clone(),
                help_markdown: format!("`{}`", finding.rule),
            });
        }
    }
    let results: Vec<Value> = report.findings.iter().map(|f| result(f, index[&f.rule])).collect();
    let mut invocation = json!({ "executionSuccessful": report.status != Status::Error });
    if report.status == Status::Error {
        let reason = report.issues.first().map_or("anton could not run", String::as_str);
        invocation["toolExecutionNotifications"] = json!([{ "level": "error", "message": { "text": reason } }]);
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "anton",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(descriptor).collect::<Vec<_>>(),
                }
            },
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "status": report.status.as_str(),
                "summary": {
                    "total": report.summary.total,
                    "healthy": report.summary.healthy,
                    "warnings": report.summary.warnings,
                    "critical": report.summary.critical,
                },
            },
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("kubernetes/apps/a b.yaml"), "kubernetes/apps/a%20b.yaml");
        assert_eq!(uri_reference("ü.yaml"), "%C3%BC.yaml");
    }

    #[test]
    fn findings_become_results_with_rules() {
        let finding = Finding::new("flux/no-timeout", Severity::Info, "no timeout")
            .at(Location::new("ks.yaml", 3, 1))
            .object("Kustomization/flux-system/apps");
        let report = Report::new(["Kustomization/flux-system/apps".to_owned()], vec![finding]);
        let log = sarif_log(&report, &());
        let run = &log["runs"][0];
        assert_eq!(run["results"][0]["level"], "note");
        assert_eq!(run["results"][0]["ruleIndex"], 0);
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "flux/no-timeout");
        assert_eq!(run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
    }
}
