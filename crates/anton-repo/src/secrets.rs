//! Where secret values enter anton from a repository: each file's Secret
//! objects (and plaintext values in SOPS files) are registered with
//! [`anton_core::secrets`], so no output, whatever message carries them,
//! prints them.

use anton_core::secrets::{register, register_base64};
use anton_yaml::{Document, Node, Value};

/// Fields of a Secret that name or describe it; everything else is secret.
const DESCRIBING_FIELDS: [&str; 5] = ["apiVersion", "kind", "metadata", "type", "immutable"];

/// Registers the secret values of one parsed file. `text` is read as well
/// when the file did not parse: a broken Secret is still a Secret.
pub(crate) fn register_file(documents: &[Document], sops: bool, text: &str, parse_failed: bool) {
    for document in documents {
        register_document(&document.root, sops);
    }
    if parse_failed && text.contains("Secret") {
        register_broken_secret_text(text);
    }
}

fn register_document(root: &Node, sops: bool) {
    if root.str_at(&["kind"]).is_some_and(|kind| kind.ends_with("List")) {
        for item in root.get("items").map(Node::items).unwrap_or_default() {
            register_document(item, sops);
        }
    }
    if root.str_at(&["kind"]) == Some("Secret") {
        for entry in root.entries() {
            let Some(field) = entry.key.scalar_text() else { continue };
            if DESCRIBING_FIELDS.contains(&field) {
                continue;
            }
            register_leaves(&entry.value, field == "data");
        }
    } else if sops {
        // A SOPS file's values are ciphertext, except those it forgot to encrypt.
        for field in ["data", "stringData"] {
            if let Some(node) = root.get(field) {
                register_leaves(node, false);
            }
        }
    }
}

fn register_leaves(node: &Node, base64: bool) {
    match &node.value {
        Value::Scalar(scalar) => {
            if base64 {
                register_base64(&scalar.text);
            } else {
                register(&scalar.text);
            }
        }
        Value::Seq(items) => items.iter().for_each(|item| register_leaves(item, base64)),
        Value::Map(entries) => entries.iter().for_each(|entry| register_leaves(&entry.value, base64)),
    }
}

/// The values of `key: value` lines in the documents of `text` that declare
/// `kind: Secret`, read as text because the YAML is broken.
fn register_broken_secret_text(text: &str) {
    for document in text.split("\n---") {
        let is_secret = document.lines().any(|line| {
            let line = line.trim_start_matches(['"', '\'']);
            line.strip_prefix("kind")
                .map(|rest| rest.trim_start_matches(['"', '\'']).trim_start())
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|value| value.trim().trim_matches(['"', '\'']) == "Secret")
        });
        if !is_secret {
            continue;
        }
        for line in document.lines() {
            let Some((key, value)) = line.split_once(':') else { continue };
            let key = key.trim().trim_matches(['"', '\'', '-', ' ']);
            if DESCRIBING_FIELDS.contains(&key) || matches!(key, "name" | "namespace") {
                continue;
            }
            let value = value.trim().trim_matches(['"', '\'']);
            register(value);
            register_base64(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anton_core::secrets::{TEST_LOCK, redact};

    fn register_text(text: &str) {
        let output = anton_yaml::parse_stream_in(text, 0);
        let sops = output.documents.iter().any(|d| d.root.get("sops").is_some_and(Node::is_map));
        register_file(&output.documents, sops, text, !output.issues.is_empty());
    }

    #[test]
    fn secret_values_sops_plaintext_and_broken_secrets_are_registered() {
        let _lock = TEST_LOCK.lock();
        register_text(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ndata:\n  url: cmVwby1QbGFudGVkLWRhdGE=\nstringData:\n  password: repo-Planted-string\nextra: repo-Planted-extra\n",
        );
        register_text("apiVersion: v1\nkind: ConfigMap\ndata:\n  k: repo-Planted-sops\nsops:\n  version: 3.9.0\n");
        register_text("apiVersion: v1\nkind: Secret\nstringData:\n  a: repo-Planted-broken\n  b: [unclosed\n");
        for planted in ["repo-Planted-data", "repo-Planted-string", "repo-Planted-extra", "repo-Planted-sops", "repo-Planted-broken"] {
            assert_eq!(redact(&format!("x {planted} y")), "x <redacted> y", "{planted}");
        }
        assert_eq!(redact("Secret/default/db-credentials"), "Secret/default/db-credentials", "names stay");
    }
}
