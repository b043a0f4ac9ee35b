//! `flux/infinite-retries`: a HelmRelease that retries a failed install or upgrade forever.

use anton_core::{Finding, Severity};
use anton_flux::FluxKind;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "flux/infinite-retries",
    severity: Severity::Warning,
    summary: "HelmRelease install or upgrade remediation retries is -1 (forever)",
    doc: Doc {
        what: "HelmReleases whose effective `spec.install.remediation.retries` or `spec.upgrade.remediation.retries` is negative (-1 means retry forever). The effective value counts `spec.patches` of the Flux Kustomization that applies the HelmRelease, including patches a parent Kustomization pushes down into it: a patch that sets the value wins over the file.",
        why: "Infinite retries turn a broken release into an endless install/rollback loop that hammers the API server and buries the first, useful error under thousands of identical events. A release that fails three times needs a human.",
        bad: "spec:\n  install:\n    remediation:\n      retries: -1\n  upgrade:\n    remediation:\n      retries: -1\n",
        fixed: "spec:\n  install:\n    remediation:\n      retries: 3\n  upgrade:\n    remediation:\n      retries: 3\n      strategy: rollback\n",
        notes: "Set the retries once for every release with a patch on the parent Kustomization, as the Anton cluster does in kubernetes/flux/cluster/ks.yaml.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (view, _) in ctx.flux_objects(FluxKind::HelmRelease) {
        for action in ["install", "upgrade"] {
            let Some(field) = ctx.effective(view, &["spec", action, "remediation", "retries"]) else { continue };
            let Some(retries) = field.value.as_i64() else { continue };
            if retries >= 0 {
                continue;
            }
            let origin = match field.patch {
                Some(patch) => format!(" (set by a patch of {})", patch.written_by),
                None => String::new(),
            };
            out.push(
                RULE.finding(format!(
                    "{action}.remediation.retries is {retries}{origin}: a failing {action} is retried forever"
                ))
                .at(ctx.field_location(&field))
                .object(view.subject())
                .hint(format!("use a small finite number, e.g. `{action}.remediation.retries: 3`")),
            );
        }
    }
}
