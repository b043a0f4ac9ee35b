//! `kustomize/patch-target-missing`: a strategic-merge patch matches no object.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/patch-target-missing",
    severity: Severity::Critical,
    summary: "A strategic-merge patch without a target matches no object of the kustomization",
    doc: Doc {
        what: "Strategic-merge patches without a `target` (in `patches` or `patchesStrategicMerge`) whose apiVersion, kind, name and namespace match no object the kustomization builds. Objects are matched by their current or any earlier name, so a patch written before a `namePrefix` still applies.",
        why: "kustomize refuses the build (`no matches for Id …; failed to find unique target for patch`), so the Flux Kustomization applies nothing. It usually follows a rename, or a resource removed from `resources` while its patch stayed.",
        bad: "resources:\n  - ./deployment.yaml     # a Deployment named `web`\npatches:\n  - patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: frontend     # renamed to `web` last month\n      spec:\n        replicas: 3\n",
        fixed: "resources:\n  - ./deployment.yaml\npatches:\n  - patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: web\n      spec:\n        replicas: 3\n",
        notes: "A patch with a `target` that selects nothing is not an error for kustomize and is not reported. A patch that matches several objects is kustomize/invalid-patch.",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
