//! `schema/type`: a value of the wrong type for its field.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "schema/type",
    severity: Severity::Critical,
    summary: "A value has the wrong type for its field (a string where a number belongs, or the reverse)",
    doc: Doc {
        what: "Values whose type (string, integer, number, boolean, list, map) is not the one the schema declares. YAML is read the way Kubernetes reads it (YAML 1.1): unquoted `true`, `yes`, `on` are booleans and `1.10` is a number, so an unquoted value meant as text is reported too.",
        why: "The API server cannot decode the object, so the apply fails, and with it every object of the Flux Kustomization. Environment variable values and label values are the usual victims: they must be strings.",
        bad: "containers:\n  - name: app\n    image: ghcr.io/example/app:2.3.0\n    env:\n      - name: FEATURE_SEARCH\n        value: true        # a boolean\n      - name: PORT\n        value: 8080        # an integer\n",
        fixed: "containers:\n  - name: app\n    image: ghcr.io/example/app:2.3.0\n    env:\n      - name: FEATURE_SEARCH\n        value: \"true\"\n      - name: PORT\n        value: \"8080\"\n",
        notes: "Fields that take an integer or a string (ports, quantities) are schema/format.",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
