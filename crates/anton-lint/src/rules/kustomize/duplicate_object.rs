//! `kustomize/duplicate-object`: one build emits the same object twice.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/duplicate-object",
    severity: Severity::Critical,
    summary: "One kustomization emits the same object twice",
    doc: Doc {
        what: "Two resources of one kustomization build that end up with the same group, kind, namespace and name (after `namespace`, `namePrefix` and `nameSuffix`).",
        why: "`kustomize build` fails with \"may not add resource with an already registered id\", and the Flux Kustomization stops reconciling.",
        bad: "resources:\n  - ./configmap.yaml\n  - ./configmap-copy.yaml   # same name, same namespace\n",
        fixed: "resources:\n  - ./configmap.yaml\n",
        notes: "",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
