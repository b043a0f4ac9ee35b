//! `flux/duplicate-object`: two Flux Kustomizations apply the same object.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/duplicate-object",
    severity: Severity::Critical,
    summary: "Two Flux Kustomizations apply the same object",
    doc: Doc {
        what: "An object (after namespaces are applied) that two Flux Kustomizations of one cluster both apply. One finding per pair of Kustomizations, naming the objects they share.",
        why: "They overwrite each other on every reconcile, and when one of them stops applying the object it prunes it — for both.",
        bad: "# apps/ks.yaml: path ./apps           (includes apps/media/namespace.yaml)\n# media/ks.yaml: path ./apps/media    (includes it again)\n",
        fixed: "# give each Kustomization its own folder, e.g. apps/media/plex/app\n",
        notes: "A Kustomization without spec.path applies the whole source, which overlaps everything else; the hint says so.",
    },
    implementation: Implementation::Structural("the Flux graph checks (anton-flux)"),
};
