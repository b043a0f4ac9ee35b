//! `flux/prune-unset`: a Kustomization that leaves `prune` to the default.

use anton_core::{Finding, Severity};
use anton_flux::FluxKind;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/prune-unset",
    severity: Severity::Info,
    summary: "A Flux Kustomization without an explicit prune",
    doc: Doc {
        what: "Flux Kustomizations without `spec.prune` (true or false), counting a value set by a parent Kustomization's `spec.patches`. `prune` is required in the v1 API; older APIs default it to false.",
        why: "Whether Flux deletes what was removed from Git is the most consequential setting of a Kustomization. Left implicit, objects deleted from Git keep running unnoticed (prune false) — or a reviewer assumes they do when they will in fact be garbage-collected. Say which one you mean.",
        bad: "spec:\n  interval: 30m\n  path: ./kubernetes/apps/media/plex/app\n",
        fixed: "spec:\n  interval: 30m\n  path: ./kubernetes/apps/media/plex/app\n  prune: true\n",
        notes: "When schema validation runs and reports the missing field as schema/required (the v1 API), that is the one finding, with this rule's hint; this rule reports the older APIs and runs without schemas.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (view, _) in ctx.flux_objects(FluxKind::Kustomization) {
        if ctx.effective(view, &["spec", "prune"]).is_some() {
            continue;
        }
        out.push(
            RULE.finding("spec.prune is not set: say whether Flux deletes what is removed from Git")
                .at(view.location.clone())
                .object(view.subject())
                .hint("set `prune: true` (Flux garbage-collects removed objects) or `prune: false`"),
        );
    }
}
