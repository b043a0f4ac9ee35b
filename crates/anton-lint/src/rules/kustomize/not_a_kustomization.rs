//! `kustomize/not-a-kustomization`: a folder listed as a resource has no kustomization file.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/not-a-kustomization",
    severity: Severity::Critical,
    summary: "A folder is listed as a resource but has no kustomization.yaml (or a Component is listed under resources)",
    doc: Doc {
        what: "A `resources:` entry naming a folder without `kustomization.yaml`, `kustomization.yml` or `Kustomization`; or a `kind: Component` folder listed under `resources:` instead of `components:`.",
        why: "kustomize only builds folders that have a kustomization file; the build fails and the Flux Kustomization stops reconciling.",
        bad: "resources:\n  - ./app        # app/ holds helmrelease.yaml but no kustomization.yaml\n",
        fixed: "resources:\n  - ./app/helmrelease.yaml\n",
        notes: "",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
