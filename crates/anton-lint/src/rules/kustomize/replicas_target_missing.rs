//! `kustomize/replicas-target-missing`: a `replicas` entry names no workload.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/replicas-target-missing",
    severity: Severity::Critical,
    summary: "A replicas entry names no Deployment, StatefulSet, ReplicaSet or ReplicationController",
    doc: Doc {
        what: "Entries of a kustomization's `replicas` whose `name` matches no Deployment, StatefulSet, ReplicaSet or ReplicationController the kustomization builds.",
        why: "kustomize refuses the build, so the Flux Kustomization applies nothing; and the replica count you meant to set is not set.",
        bad: "resources:\n  - ./statefulset.yaml    # a StatefulSet named `postgres`\nreplicas:\n  - name: postgresql\n    count: 3\n",
        fixed: "resources:\n  - ./statefulset.yaml\nreplicas:\n  - name: postgres\n    count: 3\n",
        notes: "",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
