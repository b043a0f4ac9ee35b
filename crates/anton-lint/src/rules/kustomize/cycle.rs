//! `kustomize/cycle`: kustomizations that include each other.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/cycle",
    severity: Severity::Critical,
    summary: "A kustomization includes itself through its resources",
    doc: Doc {
        what: "A `resources:` or `components:` entry that leads back to a kustomization already being built.",
        why: "kustomize fails with a cycle error; nothing in the Flux Kustomization reconciles.",
        bad: "# apps/kustomization.yaml\nresources:\n  - ./media\n# apps/media/kustomization.yaml\nresources:\n  - ..\n",
        fixed: "# apps/media/kustomization.yaml\nresources:\n  - ./plex\n",
        notes: "",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
