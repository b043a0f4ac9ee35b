//! `flux/invalid-component`: a Flux Kustomization component that is not a local path.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/invalid-component",
    severity: Severity::Critical,
    summary: "A Flux Kustomization's spec.components entry is remote or absolute",
    doc: Doc {
        what: "Entries of a Flux Kustomization's `spec.components` that are not local, relative paths: URLs (anything with `://`), `git@` addresses and absolute paths.",
        why: "Flux resolves components relative to `spec.path` inside the Kustomization's own source and refuses remote or absolute ones; the Kustomization fails and applies nothing.",
        bad: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./kubernetes/apps/podinfo\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  components:\n    - https://github.com/example/kustomize-components//high-availability?ref=v1.2.0\n",
        fixed: "# the component vendored into this repository\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./kubernetes/apps/podinfo\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  components:\n    - ../../components/high-availability\n",
        notes: "The build marks the Kustomization as failed; components that are local but missing are kustomize/missing-resource.",
    },
    implementation: Implementation::Structural("the Flux build (anton-build)"),
};
