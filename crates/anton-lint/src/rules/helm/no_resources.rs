//! `helm/no-resources`: a HelmRelease whose values never set `resources`.

use anton_core::{Finding, Severity};
use anton_flux::FluxKind;
use anton_yaml::Node;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "helm/no-resources",
    severity: Severity::Info,
    summary: "A HelmRelease whose values set resources nowhere",
    doc: Doc {
        what: "HelmReleases whose `spec.values` (including values a parent Kustomization's patches set) and `spec.postRenderers` contain no `resources` key at any depth — also counting patches written as strings inside the values, such as a FluxInstance's `kustomize.patches`. Releases that also read `valuesFrom` are not judged (the values may be there), nor are charts that only install CRDs (chart names ending in `crds`).",
        why: "Three small nodes have little headroom. A pod without requests is scheduled as if it were free and can starve etcd or a Ceph OSD on the same node; a chart's defaults are usually empty. The Anton rule: requests and limits on every container, at the chart's real values path (e.g. `controller.resources` for ingress-nginx).",
        bad: "spec:\n  chart:\n    spec:\n      chart: ingress-nginx\n      version: 4.14.1\n  values:\n    controller:\n      replicaCount: 2\n",
        fixed: "spec:\n  chart:\n    spec:\n      chart: ingress-nginx\n      version: 4.14.1\n  values:\n    controller:\n      replicaCount: 2\n      resources:\n        requests:\n          cpu: 100m\n          memory: 256Mi\n        limits:\n          memory: 512Mi\n",
        notes: "This rule only sees the values, not the rendered chart: a chart whose defaults set resources is fine, which is why this is information, not a warning. `anton build` shows the rendered values.",
    },
    implementation: Implementation::Check(check),
};

/// A `resources` key anywhere below `node`, also inside patches written as
/// strings (a FluxInstance's `kustomize.patches`, a post-renderer's patch).
fn sets_resources(node: &Node) -> bool {
    if let Some(text) = node.scalar_text() {
        return text.contains('\n') && text.lines().any(|line| line.trim_start().starts_with("resources:"));
    }
    node.entries().iter().any(|entry| {
        (entry.key.scalar_text() == Some("resources") && !entry.value.is_null()) || sets_resources(&entry.value)
    }) || node.items().iter().any(sets_resources)
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (view, _) in ctx.flux_objects(FluxKind::HelmRelease) {
        if view.node.path(&["spec", "valuesFrom"]).is_some_and(|v| !v.items().is_empty()) {
            continue;
        }
        let (chart, described) = match view.node.str_at(&["spec", "chart", "spec", "chart"]) {
            Some(chart) => (chart, format!("chart `{chart}`")),
            None => {
                let reference = view.node.str_at(&["spec", "chartRef", "name"]).unwrap_or("");
                let kind = view.node.str_at(&["spec", "chartRef", "kind"]).unwrap_or("OCIRepository");
                (reference, format!("the chart of {kind} `{reference}`"))
            }
        };
        let chart_name = chart.rsplit('/').next().unwrap_or(chart);
        if chart_name.ends_with("crds") || chart_name.ends_with("crd") {
            continue;
        }
        let own = view.node.path(&["spec", "values"]).is_some_and(sets_resources)
            || view.node.path(&["spec", "postRenderers"]).is_some_and(sets_resources);
        let patched = ctx.effective(view, &["spec", "values"]).is_some_and(|f| f.patch.is_some() && sets_resources(f.value));
        if own || patched {
            continue;
        }
        out.push(
            RULE.finding(format!("the values of this HelmRelease set `resources` nowhere; {described} runs with its defaults"))
            .at(ctx.location_in(view, view.node.path(&["spec", "values"]).or(view.node.get("spec"))))
            .object(view.subject())
            .hint("set requests and limits at the chart's values path for each workload (see the chart's values.yaml)"),
        );
    }
}
