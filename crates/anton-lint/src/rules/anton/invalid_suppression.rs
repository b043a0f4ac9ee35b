//! `anton/invalid-suppression`: a suppression without a reason, or naming no rule.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "anton/invalid-suppression",
    severity: Severity::Warning,
    summary: "A suppression has no reason, or names no rule",
    doc: Doc {
        what: "A suppression comment or `anton.io/ignore` annotation without a reason (a suppression without a reason suppresses nothing), or one naming an id that is neither a rule nor a family.",
        why: "A suppression is a decision someone else has to trust later; without the why, nobody can tell whether it still holds.",
        bad: "# anton: ignore[k8s/latest-tag]\nimage: ghcr.io/example/app:latest\n",
        fixed: "# anton: ignore[k8s/latest-tag] upstream publishes only `latest`; pinned by digest in the HelmRelease\nimage: ghcr.io/example/app:latest\n",
        notes: "For annotations, give the reason in `anton.io/ignore-reason`, or in a comment on the annotation's line.",
    },
    implementation: Implementation::Engine,
};
