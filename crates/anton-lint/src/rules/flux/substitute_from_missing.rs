//! `flux/substitute-from-missing`: postBuild.substituteFrom names an object nothing provides.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/substitute-from-missing",
    severity: Severity::Warning,
    summary: "postBuild.substituteFrom names a ConfigMap or Secret that is not in the repository",
    doc: Doc {
        what: "Entries of a Flux Kustomization's `postBuild.substituteFrom` that are not `optional: true` and name a ConfigMap or Secret (in the Kustomization's namespace) that no Kustomization of this repository applies and that no file of the repository holds (files outside the scanned folder count: a `bootstrap/` Secret the bootstrap step applies). A Secret that a controller makes in the cluster from an object of the repository — an ExternalSecret (`spec.target.name`, default its own name, in the namespace kustomize and Flux put it), a SealedSecret, a OnePasswordItem, a cert-manager Certificate (`spec.secretName`) — satisfies the entry: an info note says what makes it, as its keys cannot be checked offline.",
        why: "kustomize-controller fails the Kustomization until the object exists (`substitute from 'ConfigMap/cluster-settings' error: configmaps \"cluster-settings\" not found`), so nothing in it is applied. An object created by hand in the cluster keeps it working only until the cluster is rebuilt from Git.",
        bad: "spec:\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings   # no such ConfigMap in flux-system\n",
        fixed: "spec:\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings   # kubernetes/flux/vars/cluster-settings.yaml, applied by the flux-system Kustomization\n      - kind: Secret\n        name: cluster-secrets\n        optional: true           # created out of band; Flux carries on without it\n",
        notes: "A warning, not critical, because the object may be created outside Git on purpose. The keys of a missing source are unknown, so flux/undefined-variable stays quiet for that Kustomization.",
    },
    implementation: Implementation::Structural("the Flux build (anton-build)"),
};
