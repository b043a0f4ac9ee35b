//! `ingress/no-class`: an Ingress that names no IngressClass.

use anton_core::{Finding, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::ingress::{class_of, is_ingress};

pub const RULE: Rule = Rule {
    id: "ingress/no-class",
    severity: Severity::Warning,
    summary: "An Ingress without ingressClassName",
    doc: Doc {
        what: "Ingresses with neither `spec.ingressClassName` nor the legacy `kubernetes.io/ingress.class` annotation.",
        why: "With two controllers (`internal` and `external`), an Ingress without a class is served by whichever controller claims the default class — or by none — so a LAN-only dashboard can end up on the internet, or a public site nowhere.",
        bad: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: grafana\nspec:\n  rules:\n    - host: grafana.example.com\n",
        fixed: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: grafana\nspec:\n  ingressClassName: internal\n  rules:\n    - host: grafana.example.com\n",
        notes: "",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects.iter().filter(|v| is_ingress(v)) {
        if class_of(view.node).is_some() {
            continue;
        }
        out.push(
            RULE.finding("this Ingress names no IngressClass (spec.ingressClassName)")
                .at(ctx.location_in(view, view.node.get("spec")))
                .object(view.subject())
                .hint(format!(
                    "set spec.ingressClassName, e.g. `{}`",
                    ctx.settings.internal_classes.first().map_or("internal", String::as_str)
                )),
        );
    }
}
