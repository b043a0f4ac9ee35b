//! `flux/dependson-cycle`: objects that wait for each other.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/dependson-cycle",
    severity: Severity::Critical,
    summary: "dependsOn entries form a cycle",
    doc: Doc {
        what: "Kustomizations or HelmReleases whose `dependsOn` entries lead back to themselves. The finding prints the whole cycle.",
        why: "None of the objects in the cycle can ever become ready, and neither can anything that depends on them.",
        bad: "# cert-manager dependsOn external-secrets, external-secrets dependsOn cert-manager\n",
        fixed: "# remove the dependsOn entry that is not really needed\n",
        notes: "",
    },
    implementation: Implementation::Structural("the Flux graph checks (anton-flux)"),
};
