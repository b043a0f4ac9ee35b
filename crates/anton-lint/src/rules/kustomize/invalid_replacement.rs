//! `kustomize/invalid-replacement`: a replacement kustomize cannot carry out.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/invalid-replacement",
    severity: Severity::Critical,
    summary: "A replacements entry whose source or target kustomize cannot resolve",
    doc: Doc {
        what: "`replacements` entries (inline or from a file) that kustomize refuses: a source that selects no object or more than one, a source `fieldPath` the object does not have, an `options.index` out of range, or a target field that does not exist and is not created with `options.create: true`.",
        why: "`kustomize build` fails on the replacement, so the Flux Kustomization that builds this folder applies nothing.",
        bad: "replacements:\n  - source:\n      kind: ConfigMap\n      name: app-settings\n      fieldPath: data.hostname       # the key is `host`\n    targets:\n      - select:\n          kind: Ingress\n          name: web\n        fieldPaths:\n          - spec.rules.0.host\n",
        fixed: "replacements:\n  - source:\n      kind: ConfigMap\n      name: app-settings\n      fieldPath: data.host\n    targets:\n      - select:\n          kind: Ingress\n          name: web\n        fieldPaths:\n          - spec.rules.0.host\n",
        notes: "",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
