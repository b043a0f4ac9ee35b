//! `flux/source-missing`: a sourceRef or chartRef names no source.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/source-missing",
    severity: Severity::Critical,
    summary: "A sourceRef, chart sourceRef or chartRef names a source that does not exist",
    doc: Doc {
        what: "`spec.sourceRef` (Kustomization), `spec.chart.spec.sourceRef` and `spec.chartRef` (HelmRelease) that name no source in the namespace Flux looks in — the reference's `namespace`, or the referring object's own namespace when it has none. Sources written anywhere in the repository count, also outside the checked folder (`clusters/`, `flux/`, `bootstrap/`), but not in hidden folders.",
        why: "Flux reports `GitRepository.source.toolkit.fluxcd.io \"x\" not found` and the object never reconciles.",
        bad: "spec:\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo-charts   # the HelmRepository is called podinfo\n        namespace: flux-system\n",
        fixed: "spec:\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n        namespace: flux-system\n",
        notes: "Sources the cluster creates at bootstrap (GitRepository and OCIRepository `flux-system/flux-system`) are known; declare others under `[sources] known` in `.anton.toml`. When the source exists in another namespace, flux/sourceref-namespace reports the cause instead.",
    },
    implementation: Implementation::Structural("the Flux graph checks (anton-flux)"),
};
