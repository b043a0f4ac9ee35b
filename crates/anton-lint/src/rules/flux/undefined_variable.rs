//! `flux/undefined-variable`: a `${VAR}` that postBuild substitution does not define.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/undefined-variable",
    severity: Severity::Warning,
    summary: "A ${VAR} that no postBuild substitution defines; Flux substitutes an empty string",
    doc: Doc {
        what: "`${VAR}` without a default (`${VAR:=value}`) in an object applied by a Flux Kustomization with `spec.postBuild`, when neither `postBuild.substitute` nor the ConfigMaps and Secrets of `postBuild.substituteFrom` define `VAR`. A `postBuild` that a parent Kustomization's `spec.patches` adds counts. Reported at the variable.",
        why: "Flux does not fail on an undefined variable: it writes an empty string. A host `grafana.${DOMAIN}` becomes `grafana.`, an image tag becomes empty and pulls `latest`, a storage class becomes the default one; the apply may succeed and the damage shows up later.",
        bad: "# Kustomization apps: postBuild.substitute defines CLUSTER_DOMAIN only\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: grafana\nspec:\n  rules:\n    - host: grafana.${DOMAIN}\n",
        fixed: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: grafana\nspec:\n  rules:\n    - host: grafana.${CLUSTER_DOMAIN}\n",
        notes: "Objects annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are skipped. Write `$${VAR}` for a literal `${VAR}` that is not meant for Flux. When a `substituteFrom` source is not in the repository (created in the cluster, or `optional`), its keys are unknown and nothing is reported for that Kustomization; flux/substitute-from-missing reports a missing source that is not optional.",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
