//! `api/deprecated`: an API version that is deprecated in the target release.

use anton_core::{Finding, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::api::table::{Status, status};

pub const RULE: Rule = Rule {
    id: "api/deprecated",
    severity: Severity::Warning,
    summary: "An object uses an API version that is deprecated in the target release",
    doc: Doc {
        what: "Objects whose `apiVersion` is deprecated, but still served, in the target Kubernetes version (`kubernetes-version`, `--kubernetes-version`) or Flux version (`flux-version`): for example `notification.toolkit.fluxcd.io/v1beta2` Alerts, or core `v1` Endpoints since Kubernetes 1.33. The finding says when the version was deprecated, when it is removed if that is known, and what replaces it.",
        why: "Deprecated versions disappear in a later upgrade, and objects using them stop reconciling then. Moving now is a reviewed one-line change; moving during an upgrade is an outage.",
        bad: "apiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Alert\n",
        fixed: "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\n",
        notes: "Set the versions your cluster runs in `.anton.toml`: with `kubernetes-version = \"1.21\"`, `batch/v1beta1` CronJobs are deprecated rather than removed.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects {
        let Some(Status::Deprecated(entry)) = status(view, ctx.settings) else { continue };
        let product = entry.product_name();
        let since = entry.deprecated_in.map(|v| format!(" since {product} {v}")).unwrap_or_default();
        let removal = match entry.removed_in {
            Some(removed) => format!(" and removed in {product} {removed}"),
            None => String::new(),
        };
        out.push(
            RULE.finding(format!("{} {} is deprecated{since}{removal}", view.api_version, view.kind))
                .at(ctx.location_in(view, view.node.get("apiVersion")))
                .object(view.subject())
                .hint(entry.replacement_hint(view.kind)),
        );
    }
}
