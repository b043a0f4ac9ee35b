//! `secrets/plaintext-secret`: a Secret whose values are in Git in clear text.

use anton_core::{Finding, Location, Severity};
use anton_yaml::Node;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::secrets::sops_format::is_sops_encrypted;
use crate::rules::secrets::sops_not_encrypted::written_subject;
use crate::util::{decode_base64, is_substituted};

pub const RULE: Rule = Rule {
    id: "secrets/plaintext-secret",
    severity: Severity::Critical,
    summary: "A Secret with data or stringData that is not SOPS-encrypted",
    doc: Doc {
        what: "`kind: Secret` objects with values under `data` or `stringData` in a file without SOPS metadata (anywhere in the repository: outside the checked folder, in every YAML file git tracks or leaves unignored, except in hidden folders and Helm `templates/`), and `secretGenerator` `literals` of kustomizations (a Secret generated from `files`/`envs` that SOPS encrypted — YAML, JSON, dotenv, INI or binary — is encrypted, Flux decrypts it). Values that are not secrets in Git are not reported: empty values, values that are entirely `${VAR}` substitutions (filled from an encrypted Secret at apply time), references resolved elsewhere (1Password `op://…`, vals `ref+…`, argocd-vault-plugin `<path:…>`, templates), certificates (`tls.crt`, `ca.crt`), and the placeholder words of examples and tests (`secret`, `changeme`, `foo` …, also as a docker config's password). The finding names the keys, never the values.",
        why: "Git history is forever and copied to every clone, fork and CI runner: a token committed once must be rotated, not deleted. `data` is base64, not encryption. The Anton rule: a Secret in Git is always SOPS-encrypted; everything else comes from an ExternalSecret.",
        bad: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cloudflare\n  namespace: network\nstringData:\n  api-token: 8f2c…\n",
        fixed: "# an ExternalSecret that reads the token from 1Password\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: cloudflare\n  namespace: network\nspec:\n  secretStoreRef:\n    kind: ClusterSecretStore\n    name: onepassword-connect\n  target:\n    name: cloudflare\n  dataFrom:\n    - extract:\n        key: cloudflare\n",
        notes: "Or encrypt the file in place with `sops --encrypt --in-place secret.sops.yaml` (bootstrap secrets only). Code frames never quote a Secret document.",
    },
    implementation: Implementation::Check(check),
};

/// Keys of a `data`/`stringData` map whose values are real clear-text values.
fn clear_keys(map: &Node, base64: bool) -> Vec<&str> {
    // A secretGenerator's `envs` file encrypted by SOPS in dotenv format
    // gives its metadata as keys too; Flux decrypts the file and drops them.
    let has_key = |name: &str| map.entries().iter().any(|entry| entry.key.scalar_text() == Some(name));
    let from_sops_dotenv = has_key("sops_version") && has_key("sops_mac");
    map.entries()
        .iter()
        .filter(|entry| {
            let (Some(key), Some(value)) = (entry.key.scalar_text(), entry.value.scalar_text()) else { return false };
            if from_sops_dotenv && key.starts_with("sops_") {
                return false;
            }
            let decoded = base64.then(|| decode_base64(value.trim()).and_then(|b| String::from_utf8(b).ok())).flatten();
            is_secret_value(key, decoded.as_deref().unwrap_or(value))
        })
        .filter_map(|entry| entry.key.scalar_text())
        .collect()
}

/// Words that examples and test fixtures use instead of real values.
const PLACEHOLDERS: &[&str] = &[
    "secret", "password", "passwd", "pass", "changeme", "change-me", "changeit", "replaceme", "replace-me", "foo", "bar",
    "baz", "foobar", "test", "testing", "example", "dummy", "placeholder", "redacted", "value", "todo", "fixme", "none",
    "null", "empty", "token", "mytoken", "mypassword", "admin",
];

/// Whether a clear-text value is a secret in Git: not empty, not SOPS
/// ciphertext, not a reference resolved elsewhere (`${VAR}` substitution,
/// 1Password `op://`, vals `ref+…`, argocd-vault-plugin `<path:…>`, a
/// template), not a placeholder word, and not a certificate (public).
fn is_secret_value(key: &str, value: &str) -> bool {
    // A secretGenerator `files` input that SOPS encrypted (YAML, JSON,
    // dotenv, INI or a binary's JSON envelope): Flux decrypts it in the cluster.
    if is_sops_encrypted(value) {
        return false;
    }
    let value = value.trim().trim_matches(['"', '\'']);
    if value.is_empty() || value.starts_with("ENC[") || only_substitutions(value) {
        return false;
    }
    if value.starts_with("op://") || value.starts_with("ref+") || value.starts_with("<path:") || value.starts_with("vault:") {
        return false;
    }
    if value.contains("{{") && value.contains("}}") {
        return false;
    }
    let lower_key = key.to_ascii_lowercase();
    let certificate = lower_key.ends_with("crt") || lower_key.ends_with("cert") || lower_key.ends_with("certificate");
    if certificate && !value.contains("PRIVATE KEY") {
        return false;
    }
    if is_placeholder(value) {
        return false;
    }
    // A docker config whose passwords are all placeholders.
    if value.starts_with('{') && value.contains("\"auths\"") {
        return docker_passwords(value).iter().any(|password| !is_placeholder(password));
    }
    true
}

fn is_placeholder(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches(['-', '_']);
    PLACEHOLDERS.contains(&stem) || (!lower.is_empty() && lower.chars().all(|c| matches!(c, 'x' | '*' | '.' | '-')))
}

/// The passwords of a `.dockerconfigjson`: `password`, and the part after `:` of `auth`.
fn docker_passwords(json: &str) -> Vec<String> {
    let parsed = anton_yaml::parse_stream(json);
    let Some(root) = parsed.documents.first().map(|d| &d.root) else { return vec![json.to_owned()] };
    let mut passwords = Vec::new();
    for registry in root.get("auths").map(Node::entries).unwrap_or_default() {
        if let Some(password) = registry.value.str_at(&["password"]) {
            passwords.push(password.to_owned());
        }
        if let Some(auth) = registry.value.str_at(&["auth"]) {
            let decoded = decode_base64(auth).and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
            passwords.push(decoded.split_once(':').map_or(decoded.clone(), |(_, p)| p.to_owned()));
        }
    }
    if passwords.is_empty() { vec![json.to_owned()] } else { passwords }
}

/// `${A}`, `${A}:${B}` … with nothing but substitutions and punctuation.
fn only_substitutions(value: &str) -> bool {
    if !is_substituted(value) {
        return false;
    }
    let mut rest = value;
    let mut literal = String::new();
    while let Some(start) = rest.find("${") {
        literal.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => rest = &rest[start + end + 1..],
            None => return false,
        }
    }
    literal.push_str(rest);
    literal.chars().all(|c| !c.is_alphanumeric())
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects.iter().filter(|v| v.is("", "Secret") && !v.sops_encrypted) {
        check_secret(view.node, |span| ctx.span_location(span), &view.subject(), out);
    }
    let mut configs: Vec<_> = ctx.engine.configs().collect();
    configs.sort_by_key(|c| c.file);
    for config in configs {
        let file = &ctx.repo.files[config.file];
        if let (Some(document), false) = (file.documents.first(), file.sops_encrypted) {
            check_literals(&document.root, |span| ctx.repo.location(config.file, span), out);
        }
    }
    // Wherever it is in the repository: a `bootstrap/` Secret outside the target too.
    for file in ctx.repo.outside_files.iter().filter(|file| !file.sops_encrypted) {
        let at = |span: anton_yaml::Span| Location::new(file.path.clone(), span.line, span.column);
        if file.is_kustomization_file() {
            if let Some(document) = file.documents.first() {
                check_literals(&document.root, at, out);
            }
            continue;
        }
        for document in &file.documents {
            let root = &document.root;
            if root.str_at(&["apiVersion"]) == Some("v1") && root.str_at(&["kind"]) == Some("Secret") {
                let subject = written_subject(root).unwrap_or_else(|| "Secret".to_owned());
                check_secret(root, at, &subject, out);
            }
        }
    }
}

/// A Secret's `stringData` and `data` values in clear text.
fn check_secret(secret: &Node, at: impl Fn(anton_yaml::Span) -> Location, subject: &str, out: &mut Vec<Finding>) {
    for field in ["stringData", "data"] {
        let Some(entry) = secret.entry(field) else { continue };
        let keys = clear_keys(&entry.value, field == "data");
        if keys.is_empty() {
            continue;
        }
        out.push(
            RULE.finding(format!(
                "Secret has {} value{} in clear text under {field} (key{}: {})",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" },
                if keys.len() == 1 { "" } else { "s" },
                keys.join(", ")
            ))
            .at(at(entry.key.span))
            .object(subject)
            .hint("move the values to 1Password and read them with an ExternalSecret, or encrypt this file with SOPS; then rotate them, they are in Git history"),
        );
    }
}

/// `secretGenerator` `literals` of a kustomization in clear text.
fn check_literals(kustomization: &Node, at: impl Fn(anton_yaml::Span) -> Location, out: &mut Vec<Finding>) {
    for generator in kustomization.get("secretGenerator").map(Node::items).unwrap_or_default() {
        let name = generator.str_at(&["name"]).unwrap_or("?");
        for literal in generator.get("literals").map(Node::items).unwrap_or_default() {
            let Some(text) = literal.scalar_text() else { continue };
            let (key, value) = text.split_once('=').unwrap_or((text, ""));
            if !is_secret_value(key, value) {
                continue;
            }
            out.push(
                RULE.finding(format!("secretGenerator `{name}` has the literal `{key}` in clear text"))
                    .at(at(literal.span))
                    .hint("generate the Secret from a SOPS-encrypted file, or use an ExternalSecret; then rotate the value"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::only_substitutions;

    #[test]
    fn references_placeholders_and_certificates_are_not_secrets() {
        use super::is_secret_value;
        assert!(!is_secret_value("token", "op://Automation/1password/token"));
        assert!(!is_secret_value("PWD", "secret"));
        assert!(!is_secret_value("SECRET_DOMAIN3", "SECRET"));
        assert!(!is_secret_value("crt", "value-2"));
        assert!(!is_secret_value("tls.crt", "-----BEGIN CERTIFICATE-----"));
        assert!(!is_secret_value(".dockerconfigjson", r#"{"auths":{"ghcr.io":{"username":"flux","password":"foo","auth":"Zmx1eDpmb28="}}}"#));
        assert!(is_secret_value(".dockerconfigjson", r#"{"auths":{"ghcr.io":{"username":"flux","password":"ghp_realLookingToken1234"}}}"#));
        assert!(is_secret_value("api-token", "8f2c0b1e9d7a"));
        assert!(!is_secret_value("password", "{{ .Values.password }}"));
    }

    #[test]
    fn substitutions_are_not_secrets() {
        assert!(only_substitutions("${SECRET_TOKEN}"));
        assert!(only_substitutions("${USER}:${PASSWORD}"));
        assert!(!only_substitutions("postgres://app:${PASSWORD}@db"));
        assert!(!only_substitutions("hunter2"));
    }
}
