//! `flux/substitution-failed`: a `${…}` expression Flux's substitution cannot parse.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/substitution-failed",
    severity: Severity::Critical,
    summary: "A ${...} expression that Flux's postBuild substitution cannot parse",
    doc: Doc {
        what: "Values in objects applied by a Flux Kustomization with postBuild substitution that hold a `${…}` Flux cannot parse: a missing closing brace, no variable name (`${!ref}`, `${@}`), or shell syntax Flux's envsubst does not have (`${HOSTS[@]}`). Scripts and config files embedded in ConfigMaps are the usual source.",
        why: "Flux substitutes the whole build at once, so one bad expression fails the build of the whole Kustomization and nothing in it is applied.",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backup-script\ndata:\n  backup.sh: |\n    for host in ${HOSTS[@]}; do\n      rsync -a \"$host:/data\" /backup/\n    done\n",
        fixed: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backup-script\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  backup.sh: |\n    for host in ${HOSTS[@]}; do\n      rsync -a \"$host:/data\" /backup/\n    done\n",
        notes: "`$${…}` writes a literal `${…}` when only one expression must be kept; the `kustomize.toolkit.fluxcd.io/substitute: disabled` label or annotation skips the whole object.",
    },
    implementation: Implementation::Structural("the Flux build (anton-build)"),
};
