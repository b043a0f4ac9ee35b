//! `kustomize/orphan-file`: a manifest Flux will never apply.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/orphan-file",
    severity: Severity::Warning,
    summary: "A manifest inside a Flux-managed folder that no kustomization lists",
    doc: Doc {
        what: "A file with Kubernetes objects inside a folder a Flux Kustomization builds with a `kustomization.yaml`, that no kustomization lists (as a resource, patch or generator input, or as a component of a Flux Kustomization's own `spec.components`).",
        why: "The file looks deployed to a reviewer but is never applied; changes to it do nothing. Usually a forgotten `resources:` entry.",
        bad: "# app/kustomization.yaml\nresources:\n  - ./helmrelease.yaml\n# app/externalsecret.yaml exists but is not listed\n",
        fixed: "resources:\n  - ./helmrelease.yaml\n  - ./externalsecret.yaml\n",
        notes: "Real repositories comment entries out all the time: the orphaned file is reported once, here, and neither it nor what only its Flux Kustomizations would apply gets any other finding above info (no dependsOn, path or namespace findings for objects Flux never sees; committed secrets are still reported). Its Kustomizations are not entry points of the graph.",
    },
    implementation: Implementation::Structural("the Flux graph checks (anton-flux)"),
};
