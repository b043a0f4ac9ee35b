//! `flux/no-timeout`: a Kustomization or HelmRelease without an explicit timeout.

use anton_core::{Finding, Severity};
use anton_flux::FluxKind;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/no-timeout",
    severity: Severity::Info,
    summary: "A Flux Kustomization or HelmRelease without spec.timeout",
    doc: Doc {
        what: "Flux Kustomizations and HelmReleases without `spec.timeout`, counting a value set by the `spec.patches` of the Flux Kustomization that applies them (and patches pushed down from its parent).",
        why: "The default timeout (the reconcile interval for Kustomizations, 5m for HelmReleases) rarely fits: a Kustomization with a 1h interval waits an hour for a health check that will never pass, and a big chart times out mid-install at 5m. An explicit timeout is a decision someone made about how long this component may take.",
        bad: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: rook-ceph\nspec:\n  interval: 30m\n",
        fixed: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: rook-ceph\nspec:\n  interval: 30m\n  timeout: 15m\n",
        notes: "",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for kind in [FluxKind::Kustomization, FluxKind::HelmRelease] {
        for (view, _) in ctx.flux_objects(kind) {
            if ctx.effective(view, &["spec", "timeout"]).is_some() {
                continue;
            }
            out.push(
                RULE.finding(format!("{} has no spec.timeout", kind.as_str()))
                    .at(view.location.clone())
                    .object(view.subject())
                    .hint("set spec.timeout to how long this may take to become ready, e.g. `timeout: 10m`"),
            );
        }
    }
}
