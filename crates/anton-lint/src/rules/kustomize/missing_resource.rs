//! `kustomize/missing-resource`: a kustomization refers to a path that does not exist.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/missing-resource",
    severity: Severity::Critical,
    summary: "A kustomization refers to a file or folder that does not exist",
    doc: Doc {
        what: "Entries of `resources`, `components`, `patches[].path`, `patchesStrategicMerge`, generator `files`/`envs` and the other file references of a `kustomization.yaml` that point at nothing, or outside the repository.",
        why: "`kustomize build` fails on the first missing path, and with it the whole Flux Kustomization: nothing in it reconciles until the reference is fixed.",
        bad: "resources:\n  - ./helmrelease.yaml\n  - ./secret.sops.yaml   # renamed to externalsecret.yaml last week\n",
        fixed: "resources:\n  - ./helmrelease.yaml\n  - ./externalsecret.yaml\n",
        notes: "Remote URLs are noted, not fetched (see kustomize/unpinned-remote).",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
