//! `ingress/external-dns-on-internal`: external-dns targets on the wrong side.

use anton_core::{Finding, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::ingress::{TARGET_ANNOTATION, class_of, is_ingress};

pub const RULE: Rule = Rule {
    id: "ingress/external-dns-on-internal",
    severity: Severity::Warning,
    summary: "An external-dns target on an internal Ingress, or an external Ingress without one",
    doc: Doc {
        what: "Ingresses of an internal class (`[ingress] internal-classes`, default `internal`) that carry the `external-dns.alpha.kubernetes.io/target` annotation, and Ingresses of an external class (`[ingress] external-classes`, default `external`) that do not.",
        why: "external-dns publishes what the annotation says in public DNS. On an internal Ingress it publishes a LAN-only service's name to the internet; on an external Ingress behind a tunnel, a missing target publishes the controller's private address (or nothing), and the site is unreachable from outside.",
        bad: "metadata:\n  name: grafana\n  annotations:\n    external-dns.alpha.kubernetes.io/target: external.example.com\nspec:\n  ingressClassName: internal\n",
        fixed: "metadata:\n  name: grafana\nspec:\n  ingressClassName: internal\n",
        notes: "Configure the class names in `.anton.toml`: `[ingress] internal-classes = [\"internal\"]`, `external-classes = [\"external\"]`.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let settings = ctx.settings;
    for view in ctx.objects.iter().filter(|v| is_ingress(v)) {
        let Some(class_node) = class_of(view.node) else { continue };
        let Some(class) = class_node.scalar_text() else { continue };
        let target = view.node.path(&["metadata", "annotations", TARGET_ANNOTATION]).filter(|n| !n.is_null());
        if settings.internal_classes.iter().any(|c| c == class) {
            if let Some(target) = target {
                out.push(
                    RULE.finding(format!(
                        "Ingress of internal class `{class}` has an external-dns target: its host is published in public DNS"
                    ))
                    .at(ctx.span_location(target.span))
                    .object(view.subject())
                    .hint(format!("remove the `{TARGET_ANNOTATION}` annotation, or use an external class")),
                );
            }
        } else if settings.external_classes.iter().any(|c| c == class) && target.is_none() {
            out.push(
                RULE.finding(format!(
                    "Ingress of external class `{class}` has no external-dns target annotation: external-dns publishes the controller's address, or nothing"
                ))
                .at(ctx.span_location(class_node.span))
                .object(view.subject())
                .hint(format!("add `{TARGET_ANNOTATION}: external.${{SECRET_DOMAIN}}` (the tunnel's hostname)")),
            );
        }
    }
}
