//! `schema/required`: a field the schema requires is missing.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "schema/required",
    severity: Severity::Critical,
    summary: "An object lacks a field its API requires",
    doc: Doc {
        what: "Mappings that lack a field their schema lists as required, reported at the mapping that should hold it: a container without `name`, a Flux Kustomization without `interval` or `prune`, a HelmRepository without `url`.",
        why: "The API server refuses the object, so the Flux Kustomization that applies it fails; nothing else in it is applied either.",
        bad: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./kubernetes/apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        fixed: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./kubernetes/apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        notes: "A field that a parent Kustomization's `spec.patches` adds counts: the objects are checked as Flux builds them.",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
