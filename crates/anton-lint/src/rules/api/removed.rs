//! `api/removed`: an API version the target release no longer serves.

use anton_core::{Finding, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::api::pinned_flux::PinsByCluster;
use crate::rules::api::table::{Product, Status, status};

pub const RULE: Rule = Rule {
    id: "api/removed",
    severity: Severity::Critical,
    summary: "An object uses an API version that is removed in the target release",
    doc: Doc {
        what: "Objects whose `apiVersion` is no longer served: Kubernetes built-in APIs removed at or before the target Kubernetes version (`kubernetes-version` in `.anton.toml` or `--kubernetes-version`, default the newest the table knows), Flux APIs removed at or before `flux-version` (v1beta1/v2beta1 in Flux 2.7; `kustomize.toolkit.fluxcd.io/v1beta2`, `helm.toolkit.fluxcd.io/v2beta2`, `source.toolkit.fluxcd.io/v1beta2` in Flux 2.8; `image.toolkit.fluxcd.io/v1beta2` in Flux 2.9), External Secrets `external-secrets.io/v1beta1` (removed in v0.17), cert-manager's pre-v1 APIs (removed in 1.7) and Flux v1's `helm.fluxcd.io`. The finding names the release and the replacement.",
        why: "The API server (or the controller's CRD) rejects the object: the whole Flux Kustomization fails to apply after the upgrade that removed the version, often discovered only when the cluster is already upgraded.",
        bad: "apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\n",
        fixed: "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n",
        notes: "Versions that are deprecated but still served are api/deprecated. When the cluster that applies the object pins an older Flux (a FluxInstance's `spec.distribution.version` such as `2.3.x`, the `flux-instance` chart's `instance.distribution.version`, or the `# Flux Version: v2.1.2` header of `gotk-components.yaml`) that still serves the version, the finding is a warning naming both releases: it breaks on the upgrade, not today. In a repository with several clusters each cluster's own pin counts.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut pinned = None;
    for view in ctx.objects {
        let Some(Status::Removed(entry)) = status(view, ctx.settings) else { continue };
        let mut finding = match (entry.product, entry.removed_in) {
            (Product::Kubernetes, Some(removed)) => RULE.finding(format!(
                "{} {} was removed in Kubernetes {removed} (target: {})",
                view.api_version, view.kind, ctx.settings.kubernetes_version
            )),
            (Product::Flux, Some(removed)) => {
                let pins = pinned.get_or_insert_with(|| PinsByCluster::new(ctx));
                match pins.of(ctx, view).filter(|pin| pin.version < removed) {
                    // The Flux the repository runs still serves it: it breaks
                    // on the upgrade, not today.
                    Some(pin) => {
                        let mut finding = RULE.finding(format!(
                            "{} {} is removed in Flux {removed}, after the Flux {} that {} pins",
                            view.api_version, view.kind, pin.written, pin.file
                        ));
                        finding.severity = Severity::Warning;
                        finding.hint(format!("{} before upgrading Flux to {removed}", entry.replacement_hint(view.kind)))
                    }
                    None => RULE
                        .finding(format!(
                            "{} {} was removed in Flux {removed} (target: {})",
                            view.api_version, view.kind, ctx.settings.flux_version
                        ))
                        .hint(entry.replacement_hint(view.kind)),
                }
            }
            _ => RULE.finding(format!("{} {} is no longer served ({})", view.api_version, view.kind, entry.note)),
        };
        if finding.hint.is_none() {
            finding = finding.hint(entry.replacement_hint(view.kind));
        }
        out.push(finding.at(ctx.location_in(view, view.node.get("apiVersion"))).object(view.subject()));
    }
}
