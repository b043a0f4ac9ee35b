//! Checks on a kubeconfig file before kube-rs reads it, where the input
//! enters: only regular files are opened (a FIFO would block forever), its
//! credentials are registered as secrets (so no message prints them), and
//! values that end up in HTTP headers must be valid there (a token pasted
//! with its line break used to panic inside the HTTP auth layer).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anton_yaml::Node;

use crate::error::LiveError;

/// Keys whose values are credentials, wherever they sit in a kubeconfig
/// (users, auth-provider config, exec env).
const CREDENTIAL_KEYS: [&str; 9] = [
    "token",
    "password",
    "client-key-data",
    "id-token",
    "refresh-token",
    "access-token",
    "client-secret",
    "secret",
    "value",
];

/// Reads a kubeconfig file for checking: it must be a regular file.
pub(crate) fn read_checked(path: &Path) -> Result<String, LiveError> {
    let text = read_regular(path, "kubeconfig")?;
    register_credentials(&text);
    check_header_values(&text, path)?;
    Ok(text)
}

/// The files kube-rs will read without `--kubeconfig`: the `KUBECONFIG` list,
/// else `~/.kube/config` if it exists.
pub(crate) fn default_paths() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()).collect();
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".kube").join("config"))
        .filter(|path| path.exists())
        .into_iter()
        .collect()
}

/// A file's text, refusing anything but a regular file (after symlinks):
/// reading a FIFO or a device would block or never end.
pub(crate) fn read_regular(path: &Path, what: &str) -> Result<String, LiveError> {
    anton_repo::read_regular_text(path)
        .map_err(|e| LiveError::Config(format!("cannot read the {what} {}: {e}; pass the path of a file", path.display())))
}

/// Every credential value, as written and (when the file parses) as read,
/// is registered with [`anton_core::secrets`]. The text scan also covers a
/// file that does not parse, whose error message may quote a line.
fn register_credentials(text: &str) {
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim().trim_start_matches("- ").trim_matches(['"', '\'']);
        if CREDENTIAL_KEYS.contains(&key) {
            anton_core::secrets::register(value.trim().trim_end_matches(',').trim_matches(['"', '\'']));
        }
    }
    for document in anton_yaml::parse_stream_in(text, 0).documents {
        register_nodes(&document.root, false);
    }
}

fn register_nodes(node: &Node, credential: bool) {
    match &node.value {
        anton_yaml::Value::Scalar(scalar) if credential => anton_core::secrets::register(&scalar.text),
        anton_yaml::Value::Scalar(_) => {}
        anton_yaml::Value::Seq(items) => items.iter().for_each(|item| register_nodes(item, credential)),
        anton_yaml::Value::Map(entries) => {
            for entry in entries.iter() {
                let key = entry.key.scalar_text().unwrap_or("");
                register_nodes(&entry.value, credential || CREDENTIAL_KEYS.contains(&key));
            }
        }
    }
}

/// `users[].user` values kube-rs sends as HTTP headers (`Authorization`,
/// `Impersonate-*`) must not hold control characters.
fn check_header_values(text: &str, path: &Path) -> Result<(), LiveError> {
    for document in anton_yaml::parse_stream_in(text, 0).documents {
        for user in document.root.get("users").map(Node::items).unwrap_or_default() {
            let name = user.str_at(&["name"]).unwrap_or("(unnamed)");
            let Some(fields) = user.get("user") else { continue };
            for field in ["token", "username", "password", "as", "as-uid"] {
                if let Some(node) = fields.get(field) {
                    check_value(node, path, name, field)?;
                }
            }
            for group in fields.get("as-groups").map(Node::items).unwrap_or_default() {
                check_value(group, path, name, "as-groups")?;
            }
        }
    }
    Ok(())
}

fn check_value(node: &Node, path: &Path, user: &str, field: &str) -> Result<(), LiveError> {
    let Some(text) = node.scalar_text() else { return Ok(()) };
    let Some(bad) = text.chars().find(|c| c.is_control() && *c != '\t') else { return Ok(()) };
    let what = match bad {
        '\n' | '\r' => "a line break".to_owned(),
        other => format!("a control character (U+{:04X})", other as u32),
    };
    Err(LiveError::Config(format!(
        "{}:{}:{}: kubeconfig user \"{user}\": the {field} contains {what}, which no HTTP header may carry; remove it (often a line break pasted with the value)",
        path.display(),
        node.span.line,
        node.span.column
    )))
}

/// `--request-timeout`: a duration from 1 second to 1 day. Anything longer
/// is a typo, and a value near the limit of a `Duration` would overflow the
/// deadline arithmetic.
pub fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    const MAX: Duration = Duration::from_secs(24 * 3600);
    let duration = anton_health::util::parse_duration(text)?;
    if duration < Duration::from_secs(1) {
        return Err(format!("`{text}` is shorter than 1s; give the API server at least a second (e.g. 30s)"));
    }
    if duration > MAX {
        return Err(format!("`{text}` is longer than a day; use e.g. 30s, 2m or 1h"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeouts_are_bounded() {
        assert_eq!(parse_request_timeout("30s"), Ok(Duration::from_secs(30)));
        assert!(parse_request_timeout("18446744073709551615s").unwrap_err().contains("longer than 100 years"));
        assert!(parse_request_timeout("2d").unwrap_err().contains("longer than a day"));
        assert!(parse_request_timeout("99999999999999999999999s").is_err());
        assert!(parse_request_timeout("0s").unwrap_err().contains("shorter than 1s"));
        assert!(parse_request_timeout("abc").is_err());
    }

    #[test]
    fn a_token_with_a_line_break_is_named_with_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let text = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: \"kube-Planted-tok\\n\"\n";
        std::fs::write(&path, text).unwrap();
        let error = read_checked(&path).unwrap_err().to_string();
        assert!(error.contains(":6:12: kubeconfig user \"admin\": the token contains a line break"), "{error}");
        assert!(!error.contains("kube-Planted-tok"), "{error}");
        assert_eq!(anton_core::secrets::redact("kube-Planted-tok"), "<redacted>");
    }

    #[test]
    fn a_fifo_is_refused_without_opening_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(status.success());
        let error = read_checked(&path).unwrap_err().to_string();
        assert!(error.contains("a named pipe (FIFO), not a regular file"), "{error}");
    }
}
