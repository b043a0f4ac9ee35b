//! `schema/unknown-field`: a key the object's API does not declare.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "schema/unknown-field",
    severity: Severity::Critical,
    summary: "An object has a field its API does not declare (a typo, or a field in the wrong place)",
    doc: Doc {
        what: "Keys the schema of the object's kind does not declare, reported at the key, with the closest declared field as a hint. Validation is strict: every undeclared key is reported, except under fields whose schema accepts arbitrary keys (`additionalProperties`, `x-kubernetes-preserve-unknown-fields`, such as a HelmRelease's `values`).",
        why: "kustomize-controller applies with server-side apply, which refuses the object (`field not declared in schema`) and with it the whole Flux Kustomization. Where a field is dropped silently instead, the setting simply never takes effect: a misspelt `resources` leaves the container without requests, a field indented one level too deep is ignored.",
        bad: "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/example/web:1.4.2\n          resource:            # typo: `resources`\n            requests:\n              memory: 128Mi\n",
        fixed: "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/example/web:1.4.2\n          resources:\n            requests:\n              memory: 128Mi\n",
        notes: "Schemas come from the built-in Kubernetes and Flux APIs, the CustomResourceDefinitions in the repository and `--schema-location`; kinds with none are schema/unknown-kind. `--no-schemas` turns schema validation off.",
    },
    implementation: Implementation::Structural("schema validation (anton-schema)"),
};
