//! `flux/path-missing`: a Flux Kustomization's `spec.path` is not in the repository.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/path-missing",
    severity: Severity::Critical,
    summary: "A Flux Kustomization's spec.path does not exist",
    doc: Doc {
        what: "`spec.path` of a Flux Kustomization whose source is this repository names no folder of the source's artifact (also a FluxInstance's `spec.sync.path`). Paths are relative to the root of the artifact, not to the file: the folder holding .git for a GitRepository of this repository; for an OCI artifact the folder CI pushes (`flux push artifact --path=./kubernetes` in .github/workflows), the root `[sources] roots` in .anton.toml states, or else the folder the source's paths resolve under. A folder the GitRepository's `spec.ignore` leaves out is missing too; one that `spec.include` copies in from another repository is not checked. The source's `url`, `spec.ignore` and `spec.include` are read wherever it is written, also outside the checked folder (`clusters/main/flux-system/gotk-sync.yaml`). When none of a source's paths resolves, one finding for the source names the folders that could be its root.",
        why: "kustomize-controller reports `kustomization path not found` and applies nothing; everything that depends on the Kustomization waits.",
        bad: "spec:\n  path: ./apps/media/plex   # the folder is kubernetes/apps/media/plex/app\n",
        fixed: "spec:\n  path: ./kubernetes/apps/media/plex/app\n",
        notes: "Paths of Kustomizations whose source is another repository cannot be checked and are left alone. `spec.ignore` is matched as source-controller matches it (go-git: the last pattern that matches the folder or a parent decides).",
    },
    implementation: Implementation::Structural("the Flux graph checks (anton-flux)"),
};
