//! `flux/invalid-variable-name`: a postBuild variable name Flux refuses.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/invalid-variable-name",
    severity: Severity::Critical,
    summary: "A postBuild substitution variable has a name Flux refuses",
    doc: Doc {
        what: "Keys of `postBuild.substitute`, and of the ConfigMaps and Secrets of `postBuild.substituteFrom`, that are not valid variable names: a name starts with a letter or `_` and holds only letters, digits and `_` (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`). Dashes and dots are the usual mistake.",
        why: "kustomize-controller refuses the whole Kustomization on one invalid name (`var name is invalid`), so nothing in it is applied, not even objects that use no variables.",
        bad: "spec:\n  postBuild:\n    substitute:\n      cluster-domain: example.com\n      app.version: 1.4.2\n",
        fixed: "spec:\n  postBuild:\n    substitute:\n      CLUSTER_DOMAIN: example.com\n      APP_VERSION: 1.4.2\n",
        notes: "A ConfigMap used for substitution must follow the same rule for every key, including keys no manifest uses.",
    },
    implementation: Implementation::Structural("the Flux build (anton-build)"),
};
