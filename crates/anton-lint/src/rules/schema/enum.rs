//! `schema/enum`: a value outside the set the schema allows.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "schema/enum",
    severity: Severity::Critical,
    summary: "A value is not one of those its field allows",
    doc: Doc {
        what: "Values of fields whose schema lists the allowed values (`enum`) that are none of them, with the closest allowed value as a hint. The comparison is exact: `Delete` is allowed, `delete` is not.",
        why: "The API server refuses the object, so the apply of the whole Flux Kustomization fails.",
        bad: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: media\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./kubernetes/apps/media\n  sourceRef:\n    kind: Gitrepository\n    name: flux-system\n",
        fixed: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: media\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./kubernetes/apps/media\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        notes: "",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
