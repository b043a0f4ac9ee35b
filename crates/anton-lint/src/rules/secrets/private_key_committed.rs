//! `secrets/private-key-committed`: a private key in the repository.

use anton_core::{Finding, Location, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::util::decode_base64;

pub const RULE: Rule = Rule {
    id: "secrets/private-key-committed",
    severity: Severity::Critical,
    summary: "An age private key, a PEM private key, or an age.key file is in the repository",
    doc: Doc {
        what: "Any text file of the repository, wherever it is (not only YAML, not only the checked folder: every file git tracks and every untracked file it does not ignore, or every file not ignored outside git; untracked `.gitignore`d files and `.antonignore`d files are skipped) that contains an age secret key (`AGE-SECRET-KEY-1…`), an unencrypted PEM private key (`-----BEGIN … PRIVATE KEY-----` followed by key material, also when base64-encoded in a Secret's `data`), or that is named `age.key` / `*.agekey` without being SOPS-encrypted. The finding names the file and line, never the key.",
        why: "The age key decrypts every SOPS file in the repository's history; a TLS or SSH key lets anyone impersonate the service or the machine. Once pushed, a key is compromised: it must be rotated, and everything it protected re-encrypted.",
        bad: "# age.key, committed next to .sops.yaml\n# created: 2025-01-01T00:00:00Z\n# public key: age1…\nAGE-SECRET-KEY-1…\n",
        fixed: "# .gitignore\nage.key\n*.agekey\n# the key lives in ~/.config/sops/age/keys.txt and in the cluster Secret flux-system/sops-age\n",
        notes: "Passphrase-protected keys (`BEGIN ENCRYPTED PRIVATE KEY`) and public keys are not reported.",
    },
    implementation: Implementation::Check(check),
};

const AGE_PREFIX: &str = "AGE-SECRET-KEY-1";
/// age keys are bech32: 58 characters after the prefix.
const AGE_MIN_BODY: usize = 50;
const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_PRIVATE: &str = "PRIVATE KEY-----";
/// `-----BEGIN ` in base64, at the three possible alignments a value can start with.
const PEM_BASE64: &str = "LS0tLS1CRUdJTi";

#[derive(Debug, PartialEq)]
enum Hit {
    Age,
    Pem(String),
    Base64Pem(String),
}

fn describe(hit: &Hit) -> String {
    match hit {
        Hit::Age => "an age secret key".to_owned(),
        Hit::Pem(kind) => format!("a PEM {kind}private key in clear text"),
        Hit::Base64Pem(kind) => format!("a base64-encoded PEM {kind}private key"),
    }
}

/// Every key in a text, as (1-based line, 1-based column, what).
fn scan(text: &str) -> Vec<(u32, u32, Hit)> {
    let mut hits = Vec::new();
    // Almost no file holds a key: one pass over the whole text per marker
    // spares the per-line searches.
    if ![AGE_PREFIX, PEM_BEGIN, PEM_BASE64].iter().any(|marker| text.contains(marker)) {
        return hits;
    }
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let at = |byte: usize| (index as u32 + 1, line[..byte].chars().count() as u32 + 1);
        let mut offset = 0;
        while let Some(found) = line[offset..].find(AGE_PREFIX) {
            let start = offset + found;
            let body = &line[start + AGE_PREFIX.len()..];
            let length = body.chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit()).count();
            if length >= AGE_MIN_BODY {
                let (l, c) = at(start);
                hits.push((l, c, Hit::Age));
            }
            offset = start + AGE_PREFIX.len();
        }
        if let Some(start) = line.find(PEM_BEGIN) {
            let header = &line[start + PEM_BEGIN.len()..];
            if let Some(end) = header.find(PEM_PRIVATE) {
                let kind = header[..end].trim();
                // Key material must follow: a template or a doc that only names the marker is no key.
                let mut material = 0;
                let mut encrypted = kind == "ENCRYPTED";
                for following in lines[index + 1..].iter().take(200) {
                    let following = following.trim();
                    if following.contains("-----END") {
                        break;
                    }
                    if following.contains("ENCRYPTED") {
                        encrypted = true;
                    }
                    let base64 = !following.is_empty()
                        && following.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='));
                    if base64 {
                        material += following.len();
                    } else if material > 0 {
                        break;
                    }
                }
                let inline = header[end + PEM_PRIVATE.len()..].trim().len();
                if !encrypted && (material >= 64 || inline >= 64) {
                    let (l, c) = at(start);
                    hits.push((l, c, Hit::Pem(if kind.is_empty() { String::new() } else { format!("{kind} ") })));
                }
            }
        }
        if let Some(start) = line.find(PEM_BASE64) {
            let token: String = line[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                .collect();
            if let Some(decoded) = decode_base64(&token).and_then(|bytes| String::from_utf8(bytes).ok())
                && let Some(Hit::Pem(kind)) = scan(&decoded).into_iter().map(|(_, _, hit)| hit).next()
            {
                let (l, c) = at(start);
                hits.push((l, c, Hit::Base64Pem(kind)));
            }
        }
    }
    hits
}

fn is_sops_file(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("sops:") || l.trim_start().starts_with("\"sops\":") || l.starts_with("sops_mac="))
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (path, text) in ctx.texts.all() {
        let name = path.rsplit('/').next().unwrap_or(path);
        let hits = scan(text);
        for (line, column, hit) in &hits {
            out.push(
                RULE.finding(format!("{} is committed here", describe(hit)))
                    .at(Location::new(path, *line, *column))
                    .hint("remove the file from Git (and from its history), add it to .gitignore, and rotate the key: it is compromised"),
            );
        }
        let key_file = name == "age.key" || name.ends_with(".agekey");
        if key_file && hits.is_empty() && !text.trim().is_empty() && !is_sops_file(text) {
            out.push(
                RULE.finding(format!("`{name}` is an age key file and is tracked in the repository"))
                    .at(Location::file(path))
                    .hint("remove it from Git, add it to .gitignore, and rotate the key if it was ever pushed"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_age_key() -> String {
        format!("{AGE_PREFIX}{}", "Q".repeat(58))
    }

    #[test]
    fn finds_age_and_pem_keys_without_false_alarms() {
        let text = format!("# public key: age1abc\n{}\n", fake_age_key());
        assert_eq!(scan(&text), vec![(2, 1, Hit::Age)]);
        let pem = format!("tls.key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  {}\n  -----END RSA PRIVATE KEY-----\n", "A".repeat(64));
        assert_eq!(scan(&pem), vec![(2, 3, Hit::Pem("RSA ".into()))]);
        assert!(scan("# paste your -----BEGIN PRIVATE KEY----- here\n").is_empty());
        assert!(scan(&format!("-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n", "A".repeat(64))).is_empty());
        assert!(scan(&format!("{AGE_PREFIX}XXXX\n")).is_empty());
    }

    #[test]
    fn finds_base64_encoded_pem_keys() {
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", "B".repeat(64));
        let encoded = encode(pem.as_bytes());
        let text = format!("data:\n  tls.key: {encoded}\n");
        assert_eq!(scan(&text), vec![(2, 12, Hit::Base64Pem(String::new()))]);
    }

    fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
