//! `kustomize/invalid-patch`: a patch kustomize cannot apply.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/invalid-patch",
    severity: Severity::Critical,
    summary: "A patch of a kustomization is malformed or cannot be applied",
    doc: Doc {
        what: "Entries of `patches`, `patchesStrategicMerge` and `patchesJson6902` that kustomize refuses: an inline patch that is not valid YAML or is empty, a JSON patch without a `target` or with malformed operations, a JSON patch operation that fails on an object (`replace` or `remove` of a path that is not there), a patch with a `target` that holds several documents, a strategic-merge patch that is not a mapping or matches several objects, and an invalid `target` selector.",
        why: "`kustomize build` fails on the patch, so the Flux Kustomization that builds this folder applies nothing until it is fixed.",
        bad: "patches:\n  - target:\n      kind: Deployment\n      name: web\n    patch: |\n      - op: replace\n        path: /spec/template/spec/containers/0/resources/limits/memory   # the container has no limits\n        value: 512Mi\n",
        fixed: "patches:\n  - target:\n      kind: Deployment\n      name: web\n    patch: |\n      - op: add\n        path: /spec/template/spec/containers/0/resources/limits\n        value:\n          memory: 512Mi\n",
        notes: "A strategic-merge patch whose object does not exist is kustomize/patch-target-missing; a patch file that does not exist is kustomize/missing-resource.",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
