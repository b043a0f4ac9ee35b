//! `kustomize/not-built`: a part of a kustomization anton's build does not apply.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/not-built",
    severity: Severity::Info,
    summary: "A kustomization uses a feature anton's build does not apply; its effect is missing from the build",
    doc: Doc {
        what: "Parts of a kustomization that anton's native build leaves out: the `vars`, `transformers`, `generators`, `validators`, `crds`, `openapi` and `helmGlobals` fields; resources that are not YAML files anton reads (JSON, or files its ignore rules exclude); and field specs of a `configurations` file other than `nameReference`, `commonLabels`, `commonAnnotations` and `images`.",
        why: "Nothing is wrong with the repository, but the objects anton checks and shows are built without that feature: a transformer's labels are missing, a JSON resource's objects are absent. Findings about those objects, and the output of `anton build`, may differ from what Flux applies.",
        bad: "resources:\n  - ./deployment.yaml\nvars:                  # deprecated; not applied by anton\n  - name: SERVICE_NAME\n    objref:\n      kind: Service\n      name: web\n      apiVersion: v1\n",
        fixed: "resources:\n  - ./deployment.yaml     # declares the env var SERVICE_NAME\nreplacements:\n  - source:\n      kind: Service\n      name: web\n      fieldPath: metadata.name\n    targets:\n      - select:\n          kind: Deployment\n          name: web\n        fieldPaths:\n          - spec.template.spec.containers.[name=web].env.[name=SERVICE_NAME].value\n",
        notes: "Info only: it never fails a run. Remote resources are kustomize/remote-not-built, `helmCharts` kustomize/helm-chart-not-built.",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
