//! `schema/format`: a value that does not parse in its field's format.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "schema/format",
    severity: Severity::Critical,
    summary: "A value is not in the format its field needs (quantity, duration, timestamp, base64, pattern)",
    doc: Doc {
        what: "Values that do not parse in the format the schema declares: resource quantities (`512Mi`), durations (`5m`, `1h30m`), RFC 3339 timestamps, base64 data of Secrets, 32-bit integers, int-or-string fields (ports) given a boolean or a list, and strings that do not match the field's pattern.",
        why: "The API server cannot decode the value and refuses the object (`quantities must match the regular expression`), or the Flux CRD rejects it (`interval: 5 minutes`); either way the Flux Kustomization that applies it fails.",
        bad: "resources:\n  requests:\n    cpu: 1 core\n    memory: 512MB\n",
        fixed: "resources:\n  requests:\n    cpu: \"1\"\n    memory: 512Mi\n",
        notes: "",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
