//! The one-line verdict every human-readable format ends with.

use anton_core::{Report, Severity, Status};

/// How many findings of each severity the report holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) critical: usize,
    pub(crate) warnings: usize,
    pub(crate) info: usize,
}

impl Counts {
    pub(crate) fn of(report: &Report) -> Self {
        let mut counts = Self::default();
        for finding in &report.findings {
            match finding.severity {
                Severity::Critical => counts.critical += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.info += 1,
            }
        }
        counts
    }
}

/// `3 critical findings, 2 warnings, 1 info across 412 objects checked (status: critical)`,
/// `412 objects checked, no problems (status: healthy)`, or for a tool error
/// `anton validate did not finish (status: error)`.
pub(crate) fn verdict(report: &Report, title: &str) -> String {
    let status = report.status.as_str();
    if report.status == Status::Error {
        let what = if title.is_empty() { "anton" } else { title };
        return format!("{what} did not finish (status: {status})");
    }
    let objects = plural(report.summary.total, "object", "objects");
    let counts = Counts::of(report);
    let mut parts = Vec::new();
    if counts.critical > 0 {
        parts.push(plural(counts.critical, "critical finding", "critical findings"));
    }
    if counts.warnings > 0 {
        parts.push(plural(counts.warnings, "warning", "warnings"));
    }
    if counts.info > 0 {
        parts.push(format!("{} info", counts.info));
    }
    if parts.is_empty() {
        format!("{objects} checked, no problems (status: {status})")
    } else {
        // "across", not "in": findings are counted, objects are what was checked.
        format!("{} across {objects} checked (status: {status})", parts.join(", "))
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anton_core::{Finding, Location};

    fn finding(severity: Severity, object: &str) -> Finding {
        Finding::new("test/rule", severity, "m")
            .at(Location::new("a.yaml", 1, 1))
            .object(object)
    }

    #[test]
    fn counts_findings_by_severity_over_checked_objects() {
        let report = Report::new(
            ["A", "B", "C"].map(String::from),
            vec![
                finding(Severity::Critical, "A"),
                finding(Severity::Warning, "B"),
                finding(Severity::Info, "C"),
            ],
        );
        assert_eq!(
            verdict(&report, ""),
            "1 critical finding, 1 warning, 1 info across 3 objects checked (status: critical)"
        );
    }

    #[test]
    fn healthy_and_error_verdicts() {
        let healthy = Report::new(["A".to_owned()], Vec::new());
        assert_eq!(
            verdict(&healthy, ""),
            "1 object checked, no problems (status: healthy)"
        );
        let error = Report::tool_error("no such path");
        assert_eq!(
            verdict(&error, "anton validate"),
            "anton validate did not finish (status: error)"
        );
    }
}
