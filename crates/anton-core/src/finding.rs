use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::Location;

/// How much a finding matters. `Info` never changes a report's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "critical" | "error" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem, with everything a person or an agent needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable id `family/slug`, e.g. `kustomize/missing-resource`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    /// The object concerned, as `Kind/namespace/name`.
    pub object: Option<String>,
    /// What to do next.
    pub hint: Option<String>,
    /// Other places that explain the finding (the first definition of a
    /// duplicate key, the other object of a conflict), with a short label.
    pub related: Vec<(Location, String)>,
}

impl Finding {
    pub fn new(rule: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            rule: rule.into(),
            severity,
            message: message.into(),
            location: None,
            object: None,
            hint: None,
            related: Vec::new(),
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn related(mut self, location: Location, label: impl Into<String>) -> Self {
        self.related.push((location, label.into()));
        self
    }

    /// What the report counts this finding against: the object if there is
    /// one, otherwise the file (a file that does not parse has no objects).
    pub fn subject(&self) -> Option<String> {
        self.object
            .clone()
            .or_else(|| self.location.as_ref().map(|l| l.file.clone()))
    }

    /// The one-line form used in the report's `issues` list and in plain logs:
    /// `path:line:col: severity rule-id: message`.
    pub fn issue_line(&self) -> String {
        match &self.location {
            Some(loc) => format!("{loc}: {} {}: {}", self.severity, self.rule, self.message),
            None => format!("{} {}: {}", self.severity, self.rule, self.message),
        }
    }

    /// Ordering for output: by file, then position, then rule.
    pub fn sort_key(&self) -> (Option<&Location>, &str, &str) {
        (self.location.as_ref(), self.rule.as_str(), self.message.as_str())
    }
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Finding", 8)?;
        s.serialize_field("rule", &self.rule)?;
        s.serialize_field("severity", &self.severity)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("file", &self.location.as_ref().map(|l| &l.file))?;
        s.serialize_field("line", &self.location.as_ref().map(|l| l.line))?;
        s.serialize_field("column", &self.location.as_ref().map(|l| l.column))?;
        s.serialize_field("object", &self.object)?;
        s.serialize_field("hint", &self.hint)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_line_has_position_severity_and_rule() {
        let finding = Finding::new("yaml/syntax", Severity::Critical, "did not find expected key")
            .at(Location::new("apps/a.yaml", 3, 7));
        assert_eq!(
            finding.issue_line(),
            "apps/a.yaml:3:7: critical yaml/syntax: did not find expected key"
        );
    }

    #[test]
    fn serializes_the_contract_fields() {
        let finding = Finding::new("flux/path-missing", Severity::Critical, "no such folder")
            .at(Location::new("ks.yaml", 9, 9))
            .object("Kustomization/flux-system/apps")
            .hint("fix spec.path");
        let json = serde_json::to_value(&finding).unwrap();
        assert_eq!(json["file"], "ks.yaml");
        assert_eq!(json["line"], 9);
        assert_eq!(json["severity"], "critical");
        assert_eq!(json["object"], "Kustomization/flux-system/apps");
    }

    #[test]
    fn severities_order_by_weight() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Critical);
        assert_eq!(Severity::parse("ERROR"), Some(Severity::Critical));
    }
}
