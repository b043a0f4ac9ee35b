//! `flux/dependson-missing`: a dependsOn entry names nothing.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/dependson-missing",
    severity: Severity::Critical,
    summary: "A dependsOn entry names an object that does not exist in the namespace Flux searches",
    doc: Doc {
        what: "`spec.dependsOn` entries of Kustomizations and HelmReleases that name no object of the same kind in the namespace Flux searches: the entry's `namespace`, or the object's own namespace when it has none. Objects written anywhere in the repository count, also outside the checked folder (a Kustomization in `clusters/main/` or `flux/` beside `kubernetes/`; hidden folders such as `.archive/` do not count, nothing applies them). When an object of that name exists elsewhere, the finding says where.",
        why: "The dependent waits forever for a dependency that \"does not exist\" — the Anton operators' most frequent mistake, and nothing says why until someone reads the conditions.",
        bad: "# a HelmRelease in namespace media\nspec:\n  dependsOn:\n    - name: rook-ceph-cluster   # lives in namespace storage\n",
        fixed: "spec:\n  dependsOn:\n    - name: rook-ceph-cluster\n      namespace: storage\n",
        notes: "",
    },
    implementation: Implementation::Structural("the Flux graph checks (anton-flux)"),
};
