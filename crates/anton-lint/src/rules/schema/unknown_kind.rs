//! `schema/unknown-kind`: no schema for an object's apiVersion and kind.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "schema/unknown-kind",
    severity: Severity::Info,
    summary: "No schema for an object's apiVersion/kind, so it is not validated (critical with --strict-kinds)",
    doc: Doc {
        what: "Objects whose apiVersion and kind have no schema: not built in, defined by no CustomResourceDefinition in the repository, found at no `--schema-location`. Also API versions the chosen Kubernetes release does not serve (removed, or added later) and versions or kinds a known API group does not have, usually a typo. Kinds of well-known operators (cert-manager, External Secrets, Prometheus Operator …) without a schema are only counted, not reported.",
        why: "Such an object is not checked at all. And an apiVersion the cluster does not serve fails to apply (`no matches for kind`), taking the whole Flux Kustomization with it: a cluster upgrade that removes a beta API breaks every manifest still written against it.",
        bad: "apiVersion: autoscaling/v2beta2   # removed in Kubernetes 1.26\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 6\n",
        fixed: "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 6\n",
        notes: "Info by default; `--strict-kinds` reports every object without a schema, well-known operators' kinds included, as critical. `--kubernetes-version` decides which API versions are served. Add the CRD to the repository or pass `--schema-location` (a kubeconform catalog, or `anton schemas pull` of the cluster) to have such objects validated.",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
