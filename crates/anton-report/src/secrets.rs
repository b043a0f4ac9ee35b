//! Which source lines a code frame may quote.
//!
//! Findings never carry secret values, but a code frame prints source lines,
//! so the frame is where a secret could leak into a terminal or a CI log. The
//! rule is deliberately blunt, and errs towards showing nothing:
//!
//! * a SOPS-encrypted file (a top-level `sops:` key) is never quoted;
//! * no line of a document whose `kind` is `Secret` is ever quoted — not only
//!   its `data:`/`stringData:` block, since a broken indent can move a value
//!   anywhere in the document.
//!
//! Documents are separated by lines starting with `---` (or ending with `...`),
//! scanned as text so the rule also holds for files that do not parse.

/// The quotable lines of one file.
#[derive(Debug)]
pub(crate) struct Quotable {
    /// `secret[i]` is true when line `i + 1` belongs to a `kind: Secret` document.
    secret: Vec<bool>,
    sops: bool,
}

impl Quotable {
    pub(crate) fn scan(source: &str) -> Self {
        let lines: Vec<&str> = source.lines().collect();
        let sops = lines.iter().any(|line| is_sops_key(line));
        let mut secret = vec![false; lines.len()];
        let mut start = 0;
        for end in 1..=lines.len() {
            let at_boundary = end == lines.len()
                || lines[end].starts_with("---")
                || lines[end - 1].starts_with("...");
            if at_boundary {
                let document = start..end;
                if lines[document.clone()]
                    .iter()
                    .any(|line| declares_secret_kind(line))
                {
                    secret[document].fill(true);
                }
                start = end;
            }
        }
        Self { secret, sops }
    }

    /// Whether 1-based `line` may be shown. Lines past the end have nothing to show.
    pub(crate) fn line(&self, line: usize) -> bool {
        !self.sops && line >= 1 && self.secret.get(line - 1).is_some_and(|secret| !secret)
    }

    /// Whether every line from `first` to `last` (1-based, inclusive) may be shown.
    pub(crate) fn lines(&self, first: usize, last: usize) -> bool {
        (first..=last).all(|line| self.line(line))
    }
}

fn is_sops_key(line: &str) -> bool {
    // YAML at column 0; JSON files put the key on an indented line.
    line.starts_with("sops:") || line.trim_start().starts_with("\"sops\":")
}

/// `kind: Secret` as a top-level block key, or anywhere in a flow or JSON
/// mapping (`{"kind": "Secret", …}`), quoted or not.
fn declares_secret_kind(line: &str) -> bool {
    if !line.starts_with([' ', '\t']) && kind_value(line) == Some("Secret") {
        return true;
    }
    if !line.contains('{') {
        return false;
    }
    line.match_indices("kind").any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let is_key_start = matches!(before, None | Some('{' | ',' | ' ' | '\t' | '"' | '\''));
        is_key_start && kind_value(&line[at..]) == Some("Secret")
    })
}

/// For text starting with a `kind` key (optionally quoted), the key's scalar value.
fn kind_value(text: &str) -> Option<&str> {
    let text = text.trim_start_matches(['"', '\'']);
    let rest = text.strip_prefix("kind")?;
    let rest = rest.trim_start_matches(['"', '\'']).trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '}' | '#'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sops_files_are_never_quoted() {
        let source = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: ENC[AES256_GCM,data:xyz]\nsops:\n  version: 3.9.0\n";
        let quotable = Quotable::scan(source);
        assert!(!quotable.line(1));
        assert!(!quotable.line(4));
    }

    #[test]
    fn a_nested_sops_key_is_not_a_sops_file() {
        let quotable = Quotable::scan("spec:\n  decryption:\n    sops: {}\n");
        assert!(quotable.line(1));
    }

    #[test]
    fn secret_documents_are_never_quoted_but_their_neighbours_are() {
        let source = "\
apiVersion: v1
kind: ConfigMap
data:
  a: b
---
apiVersion: v1
kind: Secret
stringData:
  password: hunter2
---
kind: \"Secret\" # quoted
data: {token: aGVsbG8=}
---
apiVersion: v1
kind: ConfigMap
";
        let quotable = Quotable::scan(source);
        assert!(quotable.lines(1, 4));
        assert!((5..=12).all(|line| !quotable.line(line)));
        assert!(quotable.lines(13, 15));
        assert!(!quotable.lines(4, 13));
        assert!(!quotable.line(16), "past the end");
        assert!(!quotable.line(0));
    }

    #[test]
    fn secret_kind_in_flow_and_json_mappings_counts() {
        assert!(declares_secret_kind(
            r#"{"apiVersion": "v1", "kind": "Secret", "data": {}}"#
        ));
        assert!(declares_secret_kind("- {kind: Secret, name: x}"));
        assert!(!declares_secret_kind(r#"{"kind": "SecretStore"}"#));
        assert!(!declares_secret_kind("{subkind: Secret}"));
    }

    #[test]
    fn references_to_secrets_do_not_hide_a_document() {
        // A HelmRelease's `valuesFrom: [{kind: Secret, name: x}]` is indented block style.
        let source = "kind: HelmRelease\nspec:\n  valuesFrom:\n    - kind: Secret\n      name: x\n";
        assert!(Quotable::scan(source).lines(1, 5));
        assert!(!declares_secret_kind("kind: SecretStore"));
    }
}
