//! `kustomize/namespace-required`: an app folder whose objects get no namespace.

use foldhash::{HashSet, HashSetExt};

use anton_core::{Finding, Severity};
use anton_flux::FluxKind;
use anton_kustomize::KustomizationKind;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/namespace-required",
    severity: Severity::Warning,
    summary: "An app kustomization.yaml without namespace, whose Flux Kustomization sets no targetNamespace",
    doc: Doc {
        what: "The `kustomization.yaml` at the `spec.path` of a Flux Kustomization, when it sets no `namespace:`, the Flux Kustomization sets no `targetNamespace` (its own or from a parent's patches), and the build really emits namespaced objects without a namespace. Folders whose objects all name their namespace, or are cluster-scoped, are fine — that is the operators' \"MUST specify namespace\" rule without its false positives.",
        why: "Objects without a namespace land wherever the applier defaults to — `default`, or an error — not in the app's namespace. The app then runs beside everything else in `default`, its NetworkPolicies and RBAC do not apply, and deleting the app's namespace leaves it running.",
        bad: "# kubernetes/apps/media/plex/app/kustomization.yaml\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml   # metadata.namespace not set\n",
        fixed: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\nresources:\n  - ./helmrelease.yaml\n",
        notes: "Setting `spec.targetNamespace` on the Flux Kustomization works too.",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut reported: HashSet<String> = HashSet::new();
    for (view, _) in ctx.flux_objects(FluxKind::Kustomization) {
        let Some(node) = view.flux_node else { continue };
        let Some(dir) = ctx.graph.local_path(node) else { continue };
        let Some(config) = ctx.engine.config(&dir) else { continue };
        if config.kind != KustomizationKind::Kustomization || config.namespace.is_some() {
            continue;
        }
        if ctx.effective(view, &["spec", "targetNamespace"]).is_some() || reported.contains(&dir) {
            continue;
        }
        let Some(build) = ctx.engine.build_dir(&dir) else { continue };
        let scopes = ctx.engine.scopes();
        let missing: Vec<String> = build
            .objects
            .iter()
            .filter(|e| e.id.namespace.is_none() && !scopes.is_cluster_scoped(&e.id.group, &e.id.kind))
            .map(|e| e.id.short())
            .collect();
        if missing.is_empty() {
            continue;
        }
        reported.insert(dir.clone());
        let mut examples: Vec<String> = missing.iter().take(3).cloned().collect();
        if missing.len() > 3 {
            examples.push(format!("and {} more", missing.len() - 3));
        }
        out.push(
            RULE.finding(format!(
                "this kustomization sets no `namespace`, and {} sets no targetNamespace: {} namespaced object{} get{} no namespace ({})",
                view.subject(),
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                if missing.len() == 1 { "s" } else { "" },
                examples.join(", ")
            ))
            .at(ctx.repo.location(config.file, config.span))
            .related(view.location.clone(), format!("{} builds this folder", view.subject()))
            .hint("add `namespace: <app namespace>` to this kustomization.yaml (or spec.targetNamespace to the Flux Kustomization)"),
        );
    }
}
