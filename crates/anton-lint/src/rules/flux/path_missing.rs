//! `flux/path-missing`: a Flux Kustomization's `spec.path` is not in the repository.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/path-missing",
    severity: Severity::Critical,
    summary: "A Flux Kustomization's spec.path does not exist",
    doc: Doc {
        what: "`spec.path` of a Flux Kustomization whose source is this repository names no folder. Paths are relative to the root of the source (the repository root), not to the file.",
        why: "kustomize-controller reports `kustomization path not found` and applies nothing; everything that depends on the Kustomization waits.",
        bad: "spec:\n  path: ./apps/media/plex   # the folder is kubernetes/apps/media/plex/app\n",
        fixed: "spec:\n  path: ./kubernetes/apps/media/plex/app\n",
        notes: "Paths of Kustomizations whose source is another repository cannot be checked and are left alone.",
    },
    implementation: Implementation::Structural("the Flux graph checks (anton-flux)"),
};
