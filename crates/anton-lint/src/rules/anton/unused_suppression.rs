//! `anton/unused-suppression`: a suppression that matches nothing.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "anton/unused-suppression",
    severity: Severity::Info,
    summary: "A suppression matches no finding",
    doc: Doc {
        what: "A `# anton: ignore[rule-id] reason` comment, or a rule id in an `anton.io/ignore` annotation, that suppressed nothing in this run. Suppressions of rules that are switched off are not reported.",
        why: "Suppressions outlive the problems they were written for; a stale one silently hides the next real finding on that line.",
        bad: "# anton: ignore[k8s/latest-tag] upstream only publishes latest\nimage: ghcr.io/example/app:1.4.2\n",
        fixed: "image: ghcr.io/example/app:1.4.2\n",
        notes: "",
    },
    implementation: Implementation::Engine,
};
