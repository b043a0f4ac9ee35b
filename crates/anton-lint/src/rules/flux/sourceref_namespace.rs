//! `flux/sourceref-namespace`: a sourceRef without `namespace`, in an object
//! that is not in the source's namespace.

use std::collections::BTreeSet;

use anton_core::{Finding, Severity};
use anton_flux::FluxKind;
use anton_flux::checks::{outside_namespaces, written_outside};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/sourceref-namespace",
    severity: Severity::Critical,
    summary: "A sourceRef without namespace, in an object outside the source's namespace",
    doc: Doc {
        what: "`spec.sourceRef` of a Kustomization, `spec.chart.spec.sourceRef` and `spec.chartRef` of a HelmRelease that have no `namespace`, in an object whose (effective) namespace is not the one the source lives in. Flux then looks for the source in the object's own namespace, where it is not.",
        why: "The real failure behind \"GitRepository not found\" / \"HelmRepository not found\": the reference defaults to the referring object's namespace, and every source of the cluster lives in `flux-system`. The object never reconciles, and the message does not say which namespace was searched.",
        bad: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: plex\n  namespace: media\nspec:\n  chart:\n    spec:\n      chart: plex\n      version: 1.4.0\n      sourceRef:\n        kind: HelmRepository\n        name: plex           # lives in flux-system\n",
        fixed: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: plex\n  namespace: media\nspec:\n  chart:\n    spec:\n      chart: plex\n      version: 1.4.0\n      sourceRef:\n        kind: HelmRepository\n        name: plex\n        namespace: flux-system\n",
        notes: "The object's namespace is the one it is applied with (after kustomize `namespace` and Flux `targetNamespace`). Sources that exist nowhere are flux/source-missing; this rule reports the more specific cause, and flux/source-missing is not repeated for it. Bootstrap sources, `[sources]` of `.anton.toml` and sources written outside the checked folder (`clusters/`, `flux/`) count as existing in their namespace.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let graph = ctx.graph;
    let known = &ctx.settings.known_sources;
    for (view, node) in ctx.objects.iter().filter_map(|v| Some((v, &graph.nodes[v.flux_node?]))) {
        let Some(node_id) = view.flux_node else { continue };
        for (source, field) in node.spec.source_refs() {
            if source.namespace.is_some() {
                continue;
            }
            let Some(kind) = FluxKind::parse_source_kind(&source.kind) else { continue };
            let here = &node.namespace;
            let exists_here = graph.lookup(node_id, &[kind], here, &source.name).is_some()
                || graph.is_bootstrap_source(&source.kind, here, &source.name)
                || graph.artifacts.iter().any(|a| a.name == source.name && &a.namespace == here)
                || known.iter().any(|(k, ns, n)| *k == source.kind && ns == here && *n == source.name)
                || written_outside(ctx.repo, kind, here, &source.name);
            if exists_here {
                continue;
            }
            let mut elsewhere: BTreeSet<&str> = graph
                .nodes
                .iter()
                .filter(|n| n.kind == kind && n.name == source.name && &n.namespace != here)
                .map(|n| n.namespace.as_str())
                .collect();
            elsewhere.extend(
                graph
                    .options
                    .bootstrap_sources
                    .iter()
                    .filter(|(k, ns, n)| *k == source.kind && *n == source.name && ns != here)
                    .map(|(_, ns, _)| ns.as_str()),
            );
            elsewhere.extend(
                known
                    .iter()
                    .filter(|(k, ns, n)| *k == source.kind && *n == source.name && ns != here)
                    .map(|(_, ns, _)| ns.as_str()),
            );
            elsewhere.extend(outside_namespaces(ctx.repo, kind, &source.name).flatten().filter(|ns| ns != here));
            let Some(first) = elsewhere.iter().next() else { continue };
            let listed: Vec<&str> = elsewhere.iter().copied().collect();
            out.push(
                RULE.finding(format!(
                    "{field} {}/{} has no namespace, so Flux looks for it in `{here}` (this {}'s namespace); it is in `{}`",
                    source.kind,
                    source.name,
                    node.kind.as_str(),
                    listed.join("`, `")
                ))
                .at(ctx.span_location(source.span))
                .object(view.subject())
                .hint(format!("add `namespace: {first}` to {field}")),
            );
        }
    }
}
