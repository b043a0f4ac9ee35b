//! `yaml/duplicate-key`: the same key twice in one mapping.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "yaml/duplicate-key",
    severity: Severity::Critical,
    summary: "The same key appears twice in one mapping",
    doc: Doc {
        what: "A mapping that defines a key twice. The finding points at the second definition and names the first.",
        why: "The API server rejects objects with duplicate keys, and tools that accept them silently keep only one of the two values — usually not the one the reviewer read.",
        bad: "spec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      image: nginx:1.25\n",
        fixed: "spec:\n  containers:\n    - name: web\n      image: nginx:1.27\n",
        notes: "",
    },
    implementation: Implementation::Structural("the repository loader (anton-repo)"),
};
