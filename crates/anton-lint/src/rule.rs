//! What a rule is: an id, a default severity, a one-line summary, its
//! documentation in fixed sections, and (for rules this crate implements) a
//! check function.

use anton_core::{Finding, Severity};

use crate::context::Context;

/// A rule's documentation, written beside the rule in fixed sections.
/// `anton rules explain`, `anton rules --format json` and the SARIF output are
/// generated from it, so the documentation cannot drift from the code.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    /// What it checks.
    pub what: &'static str,
    /// Why it matters: the incident or failure it prevents.
    pub why: &'static str,
    /// A bad example (YAML).
    pub bad: &'static str,
    /// The same example, fixed (YAML).
    pub fixed: &'static str,
    /// Anything else worth knowing: options, limits, related rules. May be empty.
    pub notes: &'static str,
}

/// A check: a pure function from the context to findings.
pub type Check = fn(&Context<'_>, &mut Vec<Finding>);

/// Where a rule's findings come from.
#[derive(Debug, Clone, Copy)]
pub enum Implementation {
    /// A check of this crate, run by [`crate::lint`].
    Check(Check),
    /// A structural check implemented where the data is (the loader, the
    /// kustomize engine, the Flux graph); registered here for its
    /// documentation, selection and severity overrides.
    Structural(&'static str),
    /// Produced by the engine itself (suppressions).
    Engine,
}

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable id `family/slug`.
    pub id: &'static str,
    pub severity: Severity,
    /// One line, shown by `anton rules`.
    pub summary: &'static str,
    pub doc: Doc,
    pub implementation: Implementation,
}

impl Rule {
    pub fn family(&self) -> &'static str {
        family_of(self.id)
    }

    pub fn check(&self) -> Option<Check> {
        match self.implementation {
            Implementation::Check(check) => Some(check),
            _ => None,
        }
    }

    /// A finding of this rule at its default severity; the engine applies
    /// configured severities afterwards.
    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.id, self.severity, message)
    }

    /// The documentation as Markdown, as `anton rules explain` prints it.
    pub fn explain(&self) -> String {
        let mut out = format!("# {} ({})\n\n{}\n", self.id, self.severity, self.summary);
        out.push_str("\n## What it checks\n\n");
        out.push_str(self.doc.what.trim());
        out.push_str("\n\n## Why it matters\n\n");
        out.push_str(self.doc.why.trim());
        out.push_str("\n\n## Bad example\n\n```yaml\n");
        out.push_str(self.doc.bad.trim_matches('\n'));
        out.push_str("\n```\n\n## Fixed example\n\n```yaml\n");
        out.push_str(self.doc.fixed.trim_matches('\n'));
        out.push_str("\n```\n");
        if !self.doc.notes.trim().is_empty() {
            out.push_str("\n## Notes\n\n");
            out.push_str(self.doc.notes.trim());
            out.push('\n');
        }
        if let Implementation::Structural(place) = self.implementation {
            out.push_str(&format!("\n(Checked by {place}.)\n"));
        }
        out
    }
}

/// `flux` of `flux/path-missing`.
pub fn family_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(family, _)| family)
}
