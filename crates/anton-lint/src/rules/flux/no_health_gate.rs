//! `flux/no-health-gate`: a Kustomization that is Ready before what it applies is.

use foldhash::{HashSet, HashSetExt};

use anton_core::{Finding, Severity};
use anton_flux::{FluxKind, FluxSpec, NodeId};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/no-health-gate",
    severity: Severity::Warning,
    summary: "A Flux Kustomization with neither wait: true nor healthChecks",
    doc: Doc {
        what: "Flux Kustomizations that set neither `spec.wait: true` nor `spec.healthChecks` — one of the two is enough. Values set by a parent Kustomization's `spec.patches` count. It is a warning when another Kustomization `dependsOn` this one (the dependents start too early), and information otherwise (a failed rollout still shows as Ready). When both are set, a note says that `wait: true` makes `healthChecks` ignored. An explicit `wait: false` is a decision, not an omission, and is not reported. `healthCheckExprs` alone is no gate: kustomize-controller evaluates the expressions only while it runs a health check, which it does with `wait: true` or `healthChecks`; the finding says they are ignored.",
        why: "Without a health gate a Kustomization turns Ready as soon as its objects are applied, not when they work. Everything that `dependsOn` it starts against a database that is still crash-looping, and a broken rollout shows up as a green Kustomization.",
        bad: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: plex\n  namespace: flux-system\nspec:\n  path: ./kubernetes/apps/media/plex/app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        fixed: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: plex\n  namespace: flux-system\nspec:\n  path: ./kubernetes/apps/media/plex/app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  wait: true\n",
        notes: "Write `wait: false` (with a comment saying why) for Kustomizations that only apply other Flux objects or sources, where waiting would serialise the cluster.",
    },
    implementation: Implementation::Check(check),
};

/// Kustomization nodes that some other Kustomization `dependsOn` (in the
/// namespace Flux searches).
fn depended_on(ctx: &Context<'_>) -> HashSet<NodeId> {
    let graph = ctx.graph;
    let mut targets = HashSet::new();
    for (id, node) in graph.of_kind(FluxKind::Kustomization) {
        let FluxSpec::Kustomization(ks) = &node.spec else { continue };
        for dependency in &ks.depends_on {
            let namespace = dependency.namespace.as_deref().unwrap_or(&node.namespace);
            if let Some(target) = graph.lookup(id, &[FluxKind::Kustomization], namespace, &dependency.name) {
                targets.insert(target);
            }
        }
    }
    targets
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let dependencies = depended_on(ctx);
    for (view, _) in ctx.flux_objects(FluxKind::Kustomization) {
        let wait = ctx.effective(view, &["spec", "wait"]);
        let health = ctx
            .effective(view, &["spec", "healthChecks"])
            .filter(|f| !f.value.items().is_empty());
        match (wait.as_ref().and_then(|f| f.value.as_bool()), &health) {
            (Some(true), Some(health)) => out.push(
                Finding::new(RULE.id, Severity::Info, "both wait: true and healthChecks are set; with wait: true, healthChecks are ignored")
                    .at(ctx.field_location(health))
                    .object(view.subject())
                    .hint("remove healthChecks, or set wait: false to check only the listed objects"),
            ),
            (Some(_), _) | (None, Some(_)) => {}
            (None, None) if wait.is_some() => {}
            (None, None) => {
                let has_dependents = view.flux_node.is_some_and(|node| dependencies.contains(&node));
                let (severity, consequence) = if has_dependents {
                    (RULE.severity, "Kustomizations that dependsOn it start before what it applies is healthy")
                } else {
                    (Severity::Info, "it turns Ready as soon as its objects are applied, even when they never become healthy")
                };
                // kustomize-controller runs no health check without `wait: true`
                // or `healthChecks`; the expressions only say how to read a kind.
                let exprs = ctx
                    .effective(view, &["spec", "healthCheckExprs"])
                    .is_some_and(|f| !f.value.items().is_empty());
                let (message, hint) = if exprs {
                    (
                        format!("`healthCheckExprs` is set but neither `wait: true` nor `healthChecks` is, so the expressions are ignored: {consequence}"),
                        "add `wait: true` (or list the objects under healthChecks): healthCheckExprs only say how to read the health of a kind, they run no check",
                    )
                } else {
                    (
                        format!("neither `wait: true` nor `healthChecks` is set: {consequence}"),
                        "add `wait: true`, or list the objects to wait for under healthChecks (or write `wait: false` if that is deliberate)",
                    )
                };
                out.push(
                    Finding::new(RULE.id, severity, message)
                        .at(view.location.clone())
                        .object(view.subject())
                        .hint(hint),
                )
            }
        }
    }
}
