//! `kustomize/helm-chart-not-built`: kustomize's helmCharts are not rendered offline.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/helm-chart-not-built",
    severity: Severity::Info,
    summary: "A kustomization renders a Helm chart (helmCharts), which anton does not render",
    doc: Doc {
        what: "`helmCharts:` entries of a `kustomization.yaml`.",
        why: "kustomize renders them by running Helm; anton does not, so the objects they produce are not checked. Flux itself refuses `helmCharts` (it builds without `--enable-helm`), so in a Flux path they are a build error waiting to happen.",
        bad: "helmCharts:\n  - name: podinfo\n    repo: https://stefanprodan.github.io/podinfo\n    version: 6.7.0\n",
        fixed: "# a HelmRelease, which Flux's helm-controller installs\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  chart:\n    spec:\n      chart: podinfo\n      version: 6.7.0\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n        namespace: flux-system\n",
        notes: "",
    },
    implementation: Implementation::Structural("the kustomize engine (anton-kustomize)"),
};
