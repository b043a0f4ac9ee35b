use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Finding, Severity};

/// The overall verdict, named as the old scripts named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Healthy,
    Warning,
    Critical,
    /// The tool itself could not do its job (path missing, API unreachable …).
    Error,
}

impl Status {
    pub fn exit_code(self) -> ExitStatus {
        match self {
            Status::Healthy => ExitStatus::Healthy,
            Status::Warning => ExitStatus::Warnings,
            Status::Critical => ExitStatus::Critical,
            Status::Error => ExitStatus::ToolError,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Error => "error",
        }
    }
}

/// Process exit codes every anton command shares; users' pipelines rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Healthy = 0,
    Warnings = 1,
    Critical = 2,
    ToolError = 3,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub healthy: usize,
    pub warnings: usize,
    pub critical: usize,
}

/// Something the report counts: usually an object, identified the way
/// [`Finding::subject`] names it.
pub type Subject = String;

/// The JSON contract of the old Deno scripts, kept field for field:
/// `{status, timestamp, summary: {total, healthy, warnings, critical}, details, issues}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub status: Status,
    pub timestamp: String,
    pub summary: Summary,
    pub details: Map<String, Value>,
    pub issues: Vec<String>,
    /// Not part of the JSON: renderers use the structured findings directly.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

impl Report {
    /// Builds a report from everything that was checked and everything found.
    ///
    /// `total` counts the checked subjects plus any subject that only appears
    /// in findings (a file that failed to parse has no objects but still
    /// counts), so `total == healthy + warnings + critical` always holds.
    /// Subjects whose worst finding is `info` count as healthy.
    pub fn new(checked: impl IntoIterator<Item = Subject>, mut findings: Vec<Finding>) -> Self {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup();
        let mut subjects: BTreeSet<Subject> = checked.into_iter().collect();
        let mut worst: BTreeMap<Subject, Severity> = BTreeMap::new();
        for finding in &findings {
            if let Some(subject) = finding.subject() {
                subjects.insert(subject.clone());
                let entry = worst.entry(subject).or_insert(finding.severity);
                *entry = (*entry).max(finding.severity);
            }
        }
        let mut summary = Summary { total: subjects.len(), ..Summary::default() };
        for severity in worst.values() {
            match severity {
                Severity::Critical => summary.critical += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => {}
            }
        }
        summary.healthy = summary.total - summary.critical - summary.warnings;
        let worst_overall = findings.iter().map(|f| f.severity).max();
        let status = match worst_overall {
            Some(Severity::Critical) => Status::Critical,
            Some(Severity::Warning) => Status::Warning,
            _ => Status::Healthy,
        };
        let issues = findings.iter().map(Finding::issue_line).collect();
        let mut details = Map::new();
        details.insert(
            "findings".into(),
            serde_json::to_value(&findings).unwrap_or(Value::Array(Vec::new())),
        );
        Self { status, timestamp: now_rfc3339(), summary, details, issues, findings }
    }

    /// A report for when the tool could not do its job: status `error`, exit 3,
    /// and the reason as the only issue.
    pub fn tool_error(message: impl Into<String>) -> Self {
        let message = message.into();
        let mut details = Map::new();
        details.insert("error".into(), Value::String(message.clone()));
        Self {
            status: Status::Error,
            timestamp: now_rfc3339(),
            summary: Summary::default(),
            details,
            issues: vec![message],
            findings: Vec::new(),
        }
    }

    /// Adds a command-specific entry under `details` (graph statistics, timings …).
    pub fn with_detail(mut self, key: &str, value: Value) -> Self {
        self.details.insert(key.to_owned(), value);
        self
    }

    pub fn exit_status(&self) -> ExitStatus {
        self.status.exit_code()
    }

    pub fn to_json_pretty(&self) -> String {
        // A report is plain data (strings, numbers, maps); serialising it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Overrides the timestamp; snapshot tests pin it so output is stable.
    pub fn with_timestamp(mut self, timestamp: impl Into<String>) -> Self {
        self.timestamp = timestamp.into();
        self
    }
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Location;

    fn finding(severity: Severity, object: &str) -> Finding {
        Finding::new("test/rule", severity, "message")
            .at(Location::new("a.yaml", 1, 1))
            .object(object)
    }

    #[test]
    fn summary_counts_each_subject_by_its_worst_finding() {
        let checked = ["A", "B", "C", "D"].map(String::from);
        let report = Report::new(
            checked,
            vec![
                finding(Severity::Warning, "A"),
                finding(Severity::Critical, "A"),
                finding(Severity::Warning, "B"),
                finding(Severity::Info, "C"),
            ],
        );
        assert_eq!(report.summary, Summary { total: 4, healthy: 2, warnings: 1, critical: 1 });
        assert_eq!(report.status, Status::Critical);
        assert_eq!(report.exit_status() as i32, 2);
    }

    #[test]
    fn info_alone_keeps_the_report_healthy() {
        let report = Report::new(["A".to_owned()], vec![finding(Severity::Info, "A")]);
        assert_eq!(report.status, Status::Healthy);
        assert_eq!(report.exit_status() as i32, 0);
    }

    #[test]
    fn findings_without_objects_count_their_file() {
        let syntax = Finding::new("yaml/syntax", Severity::Critical, "bad")
            .at(Location::new("broken.yaml", 2, 3));
        let report = Report::new(["A".to_owned()], vec![syntax]);
        assert_eq!(report.summary.total, 2);
        assert_eq!(report.summary.critical, 1);
        assert_eq!(report.issues, vec!["broken.yaml:2:3: critical yaml/syntax: bad"]);
    }

    #[test]
    fn json_has_exactly_the_contract_keys() {
        let report = Report::new(Vec::new(), Vec::new());
        let json: Value = serde_json::from_str(&report.to_json_pretty()).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["status", "timestamp", "summary", "details", "issues"]);
        assert_eq!(json["status"], "healthy");
        let summary_keys: Vec<_> = json["summary"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(summary_keys, ["total", "healthy", "warnings", "critical"]);
    }

    #[test]
    fn tool_errors_exit_three() {
        assert_eq!(Report::tool_error("no such path").exit_status() as i32, 3);
    }
}
