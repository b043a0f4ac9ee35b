//! `schema/constraint`: a value outside the bounds the schema sets.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "schema/constraint",
    severity: Severity::Critical,
    summary: "A value breaks a bound of its schema (minimum, maximum, length, uniqueness, oneOf)",
    doc: Doc {
        what: "Numbers below a minimum or above a maximum (or not a required multiple), strings and lists shorter or longer than allowed, repeated items in lists that must be unique, and field combinations the schema's `oneOf`/`not` forbid.",
        why: "The API server enforces these bounds and refuses the object, so the apply of the whole Flux Kustomization fails. They often encode a real limit: Helm release names, for instance, may have at most 53 characters.",
        bad: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: kube-prometheus-stack\n  namespace: monitoring\nspec:\n  interval: 30m\n  releaseName: kube-prometheus-stack-monitoring-production-eu-west-1-cluster   # 61 characters\n",
        fixed: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: kube-prometheus-stack\n  namespace: monitoring\nspec:\n  interval: 30m\n  releaseName: kube-prometheus-stack\n",
        notes: "The CEL rules of CustomResourceDefinitions (`x-kubernetes-validations`) are not evaluated.",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
