//! `secrets/sops-without-decryption`: encrypted files applied without decrypting them.

use anton_core::{Finding, Severity};
use foldhash::{HashMap, HashMapExt};
use anton_kustomize::Origin;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::secrets::sops_format::is_sops_encrypted;

pub const RULE: Rule = Rule {
    id: "secrets/sops-without-decryption",
    severity: Severity::Critical,
    summary: "A Flux Kustomization applies SOPS-encrypted files but has no spec.decryption",
    doc: Doc {
        what: "Flux Kustomizations that apply SOPS-encrypted objects (files with `sops:` metadata), or generate Secrets from SOPS-encrypted files, without an effective `spec.decryption` — their own, or one set by a parent Kustomization's `spec.patches` (as the Anton cluster's cluster-apps does for every app).",
        why: "Without decryption, kustomize-controller applies the ciphertext: the build fails on the `sops` field, or (with `mac_only_encrypted`) a Secret full of `ENC[…]` strings reaches the workload, which then fails to authenticate with a confusing error.",
        bad: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cluster-meta\n  namespace: flux-system\nspec:\n  path: ./kubernetes/flux/meta   # holds cluster-secrets.sops.yaml\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        fixed: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cluster-meta\n  namespace: flux-system\nspec:\n  path: ./kubernetes/flux/meta\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n",
        notes: "",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let repo = ctx.repo;
    // Generator sources read as SOPS or not, by path: every cluster of a
    // fleet generates from the same files, and reading one is four scans.
    let mut sops_text: HashMap<String, bool> = HashMap::new();
    for (applier, applied_by_applier) in ctx.graph.applies_in_order() {
        let mut encrypted: Vec<String> = Vec::new();
        for applied in applied_by_applier {
            match applied.origin {
                Origin::Object(index) if repo.objects[index].sops_encrypted => {
                    encrypted.push(format!("{} ({})", applied.id.short(), repo.files[repo.objects[index].file].path));
                }
                Origin::Generated { file, span } => {
                    // The kustomization of that file: the one of its folder.
                    let Some(config) = ctx.engine.config(repo.files[file].dir()).filter(|c| c.file == file) else { continue };
                    let Some(generator) = config.generators.iter().find(|g| g.span == span) else { continue };
                    let sops_source = generator.sources.iter().find(|source| {
                        let path = anton_repo::normalize_relative(&config.dir, &source.value).unwrap_or_default();
                        if path.contains(".sops.") || repo.file(&path).is_some_and(|f| f.sops_encrypted) {
                            return true;
                        }
                        if let Some(&known) = sops_text.get(&path) {
                            return known;
                        }
                        let encrypted = ctx.texts.get(&path).is_some_and(is_sops_encrypted);
                        sops_text.insert(path, encrypted);
                        encrypted
                    });
                    if let Some(source) = sops_source {
                        encrypted.push(format!("{} (generated from {})", applied.id.short(), source.value));
                    }
                }
                _ => {}
            }
        }
        if encrypted.is_empty() {
            continue;
        }
        let Some(view) = ctx.view_of(applier) else { continue };
        if ctx.effective(view, &["spec", "decryption"]).is_some() {
            continue;
        }
        let count = encrypted.len();
        encrypted.truncate(3);
        if count > 3 {
            encrypted.push(format!("and {} more", count - 3));
        }
        out.push(
            RULE.finding(format!(
                "applies {count} SOPS-encrypted object{} but has no spec.decryption, so Flux applies the ciphertext: {}",
                if count == 1 { "" } else { "s" },
                encrypted.join(", ")
            ))
            .at(view.location.clone())
            .object(view.subject())
            .hint("add `spec.decryption: {provider: sops, secretRef: {name: sops-age}}` (or set it for every child with a patch on the parent Kustomization)"),
        );
    }
}
