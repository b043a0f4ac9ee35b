//! `secrets/sops-not-encrypted`: a `*.sops.yaml` file that is not encrypted.

use anton_core::{Finding, Location, Severity};
use anton_repo::SourceFile;
use anton_yaml::Node;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "secrets/sops-not-encrypted",
    severity: Severity::Critical,
    summary: "A *.sops.yaml file without SOPS metadata or with nothing encrypted, or a plaintext Secret value in a SOPS file",
    doc: Doc {
        what: "Documents of files named `*.sops.yaml` / `*.sops.yml`, anywhere in the repository (outside the checked folder, every such file git tracks or leaves unignored, except in hidden folders and Helm `templates/`), that have no top-level `sops:` metadata, or that have it but no encrypted (`ENC[…]`) value anywhere — a file decrypted in place and committed. In any other file that carries SOPS metadata, a `data`/`stringData` value that is not encrypted (an `encrypted_regex` that missed it). The `.sops.yaml` configuration file itself is not a secret and is not checked.",
        why: "The name promises encryption, so nobody looks twice at the diff: a file created by hand, or decrypted with `sops -d -i` to edit it, goes to Git in clear text.",
        bad: "# cluster-secrets.sops.yaml, never encrypted\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\nstringData:\n  SECRET_DOMAIN: example.com\n",
        fixed: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\nstringData:\n  SECRET_DOMAIN: ENC[AES256_GCM,data:…,type:str]\nsops:\n  age:\n    - recipient: age1…\n  mac_only_encrypted: true\n  version: 3.10.2\n",
        notes: "Edit encrypted files with `sops file.sops.yaml`, which decrypts into the editor and re-encrypts on save.",
    },
    implementation: Implementation::Check(check),
};

fn has_ciphertext(node: &Node) -> bool {
    match node.scalar_text() {
        Some(text) => text.starts_with("ENC["),
        None => {
            node.entries().iter().any(|e| e.key.scalar_text() != Some("sops") && has_ciphertext(&e.value))
                || node.items().iter().any(has_ciphertext)
        }
    }
}

/// The first `data`/`stringData` key of a SOPS document whose value is
/// plain text (SOPS left it out, e.g. through `encrypted_regex`).
fn plaintext_value(root: &Node) -> Option<String> {
    ["stringData", "data"].into_iter().find_map(|field| {
        root.get(field)?.entries().iter().find_map(|entry| {
            let text = entry.value.scalar_text()?;
            (!text.is_empty() && !text.starts_with("ENC[")).then(|| format!("{field}.{}", entry.key.scalar_text().unwrap_or("?")))
        })
    })
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (file_id, file) in ctx.repo.files.iter().enumerate() {
        let subject = |root: &Node| {
            ctx.objects.iter().find(|v| v.file == file_id && std::ptr::eq(v.node, root)).map(|view| view.subject())
        };
        check_file(file, |span| ctx.repo.location(file_id, span), subject, out);
    }
    // Wherever it is in the repository: a `bootstrap/` secret outside the target too.
    for file in &ctx.repo.outside_files {
        let at = |span: anton_yaml::Span| Location::new(file.path.clone(), span.line, span.column);
        check_file(file, at, written_subject, out);
    }
}

/// `Kind/namespace/name` of an object as written (outside the target, no
/// build gives it another name).
pub(crate) fn written_subject(root: &Node) -> Option<String> {
    let kind = root.str_at(&["kind"])?;
    let name = root.str_at(&["metadata", "name"])?;
    Some(match root.str_at(&["metadata", "namespace"]) {
        Some(namespace) => format!("{kind}/{namespace}/{name}"),
        None => format!("{kind}/{name}"),
    })
}

fn check_file(
    file: &SourceFile,
    at: impl Fn(anton_yaml::Span) -> Location,
    subject: impl Fn(&Node) -> Option<String>,
    out: &mut Vec<Finding>,
) {
    let name = file.file_name();
    if name == ".sops.yaml" || name == ".sops.yml" {
        return;
    }
    if !(name.ends_with(".sops.yaml") || name.ends_with(".sops.yml")) {
        // Any other file that carries SOPS metadata: its Secret values must be ciphertext.
        for document in &file.documents {
            let root = &document.root;
            if !root.get("sops").is_some_and(Node::is_map) {
                continue;
            }
            let Some(key) = plaintext_value(root) else { continue };
            let span = root.path(&key.split('.').collect::<Vec<_>>()).map_or(root.span, |n| n.span);
            let mut finding = RULE
                .finding(format!("`{key}` is plain text in a SOPS-encrypted file (the value is not shown)"))
                .at(at(span))
                .hint("encrypt it again (`sops --encrypt --in-place <file>`, check `encrypted_regex` in .sops.yaml); rotate the value, it was pushed in clear text");
            if let Some(subject) = subject(root) {
                finding = finding.object(subject);
            }
            out.push(finding);
        }
        return;
    }
    for document in &file.documents {
        let root = &document.root;
        if !root.is_map() {
            continue;
        }
        let message = match root.get("sops") {
            Some(metadata) if metadata.is_map() => {
                if has_ciphertext(root) {
                    continue;
                }
                "has SOPS metadata but no encrypted value: it was decrypted in place and committed"
            }
            _ => "is named *.sops.yaml but is not SOPS-encrypted (no `sops:` metadata)",
        };
        let mut finding = RULE
            .finding(format!("this document {message}"))
            .at(at(root.span))
            .hint("encrypt it: `sops --encrypt --in-place <file>`; rotate any value that was pushed in clear text");
        if let Some(subject) = subject(root) {
            finding = finding.object(subject);
        }
        out.push(finding);
    }
}
