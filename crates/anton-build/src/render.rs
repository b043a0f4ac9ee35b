//! Printing built objects: YAML like `kubectl kustomize` prints it (keys
//! sorted, block style, one document per object), or JSON. Secret values are
//! replaced with `<redacted>` unless the caller asks for them.

use std::sync::LazyLock;

use anton_yaml::{Resolved, ScalarStyle};
use regex::Regex;
use serde_json::Value;

/// What replaces a Secret's values.
pub const REDACTED: &str = "<redacted>";

/// The object as JSON, with Secret `data`/`stringData` values redacted unless `show_secrets`.
pub fn object_json(node: &anton_yaml::Node, show_secrets: bool) -> Value {
    let mut value = node.to_json();
    if !show_secrets {
        redact(&mut value);
    }
    value
}

/// Replaces every value of a Secret except what names and describes it
/// (`apiVersion`, `kind`, `metadata`, `type`, `immutable`): the values of
/// `data` and `stringData` key by key, and any other field whole — a
/// misplaced `password:` beside `data:` is as secret as the rest.
pub fn redact(object: &mut Value) {
    let is_secret = object.get("kind").and_then(Value::as_str) == Some("Secret")
        && object.get("apiVersion").and_then(Value::as_str) == Some("v1");
    let Some(fields) = object.as_object_mut().filter(|_| is_secret) else { return };
    for (field, value) in fields.iter_mut() {
        match (field.as_str(), value) {
            ("apiVersion" | "kind" | "metadata" | "type" | "immutable", _) => {}
            ("data" | "stringData", Value::Object(map)) => {
                for value in map.values_mut() {
                    *value = Value::String(REDACTED.to_owned());
                }
            }
            (_, value) => *value = Value::String(REDACTED.to_owned()),
        }
    }
}

/// A multi-document YAML stream, `---` between documents.
pub fn yaml_stream(objects: &[Value]) -> String {
    let mut out = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&yaml(object));
    }
    out
}

/// One YAML document (no `---`).
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => write_seq(items, 0, &mut out),
        other => {
            out.push_str(&inline(other, 0));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn sorted(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn write_map(map: &serde_json::Map<String, Value>, level: usize, out: &mut String) {
    for (key, value) in sorted(map) {
        indent(out, level);
        out.push_str(&scalar_string(key, level));
        out.push(':');
        write_value_after_key(value, level, out);
    }
}

/// The value of a `key:` (or a `- ` item): nested blocks go on the next lines.
fn write_value_after_key(value: &Value, level: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(map, level + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            // kubectl does not indent a list under its key.
            write_seq(items, level, out);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other, level + 2));
            out.push('\n');
        }
    }
}

fn write_seq(items: &[Value], level: usize, out: &mut String) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key goes on the dash line, the rest under it.
                let entries = sorted(map);
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i == 0 {
                        out.push(' ');
                    } else {
                        indent(out, level + 2);
                    }
                    out.push_str(&scalar_string(key, level + 2));
                    out.push(':');
                    write_value_after_key(value, level + 2, out);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(inner, level + 2, out);
            }
            other => {
                out.push(' ');
                out.push_str(&inline(other, level + 2));
                out.push('\n');
            }
        }
    }
}

/// A scalar or an empty collection on one line (block strings excepted).
fn inline(value: &Value, level: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_string(s, level),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// Whether a string can be written plain and still read back as the same
/// string, under YAML 1.1 (what Kubernetes reads) and YAML 1.2 alike.
fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if "!&*{}[]|>'\"%@`#,?:".contains(first) {
        return false;
    }
    if first == '-' && (s.len() == 1 || s[1..].starts_with(' ') || s.starts_with("---")) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains('\t') || s.chars().any(|c| c.is_control()) {
        return false;
    }
    if s == "<<" || s == "~" {
        return false;
    }
    if Resolved::of(s, ScalarStyle::Plain, None) != Resolved::Str {
        return false;
    }
    // go-yaml v2 (kubectl's writer) quotes what it would read back as a
    // timestamp or a base-60 float, and so does anton: `2024-04-01` written
    // plain turns into `2024-04-01T00:00:00Z` for many readers.
    if TIMESTAMP.is_match(s) || BASE_60_FLOAT.is_match(s) {
        return false;
    }
    // YAML 1.2 readers take `0o17` for an octal number.
    let unsigned = s.trim_start_matches(['-', '+']);
    if unsigned.strip_prefix("0o").is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_digit(8))) {
        return false;
    }
    true
}

/// YAML 1.1's timestamp (yaml.org/type/timestamp), with the one-digit month
/// and day go-yaml also accepts (`2024-4-1`).
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?(?:[ \t]*Z|[ \t]*[-+][0-9]{1,2}(?::?[0-9]{2})?)?)?$",
    )
    .expect("valid pattern")
});

/// YAML 1.1's sexagesimal float (`1:20` is 80.0), as go-yaml v2 checks it.
static BASE_60_FLOAT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").expect("valid pattern"));

fn scalar_string(s: &str, level: usize) -> String {
    if plain_safe(s) {
        return s.to_owned();
    }
    if s.contains('\n') && block_safe(s) {
        let chomp = if !s.ends_with('\n') {
            "-"
        } else if s.ends_with("\n\n") {
            "+"
        } else {
            ""
        };
        let mut out = format!("|{chomp}");
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&" ".repeat(level.max(2)));
                out.push_str(line);
            }
        }
        return out;
    }
    double_quoted(s)
}

/// A literal block keeps the text exactly when it has no leading space on
/// its first line and no characters a block cannot hold.
fn block_safe(s: &str) -> bool {
    !s.starts_with(' ') && !s.starts_with('\n') && !s.chars().any(|c| c.is_control() && c != '\n') && !s.contains(" \n")
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &Value) -> Value {
        let text = yaml(value);
        let parsed = anton_yaml::parse_stream(&text);
        assert!(parsed.issues.is_empty(), "{text}\n{:?}", parsed.issues);
        parsed.documents[0].root.to_json()
    }

    #[test]
    fn tricky_strings_survive_a_round_trip() {
        let value = json!({
            "kind": "ConfigMap",
            "data": {
                "yes": "yes", "octal": "0755", "float": "1.0", "empty": "", "null": "null", "tilde": "~",
                "colon": "a: b", "comment": "a #b", "dash": "-", "flag": "--verbose", "star": "*x",
                "multi": "line one\nline two\n", "nochomp": "a\nb", "keep": "a\n\n", "indented": " x\ny",
                "tab": "a\tb", "quote": "say \"hi\"", "unicode": "café ☕", "merge": "<<", "version": "1_000",
                "trailing": "x \ny", "eq": "=", "octal12": "0o17", "quantity": "20Gi",
                "date": "2024-04-01", "shortdate": "2024-4-1", "lastmodified": "2024-01-01T00:00:00Z",
                "spaced": "2001-12-14 21:59:43.10", "base60": "1:20", "inf": ".inf", "nan": ".NaN", "hex": "0x1F",
                "float": "1e3", "off": "Off", "y": "y"
            },
            "list": [1, 2.5, true, null, "on", [], {}],
            "nested": [{"a": 1, "b": {"c": [1, {"d": "e"}]}}, [["x"]]]
        });
        assert_eq!(round_trip(&value), value);
    }

    /// What kubectl (go-yaml v2) writes quoted, checked against `kubectl kustomize`.
    #[test]
    fn strings_that_read_as_another_type_are_quoted_as_kubectl_quotes_them() {
        for (text, written) in [
            ("2024-04-01", "\"2024-04-01\""),
            ("2024-4-1", "\"2024-4-1\""),
            ("2024-01-01T00:00:00Z", "\"2024-01-01T00:00:00Z\""),
            ("2001-12-14t21:59:43.10-05:00", "\"2001-12-14t21:59:43.10-05:00\""),
            ("2001-12-14 21:59:43.10", "\"2001-12-14 21:59:43.10\""),
            ("1:20", "\"1:20\""),
            ("-1_0:59:59.5", "\"-1_0:59:59.5\""),
            ("yes", "\"yes\""),
            ("Off", "\"Off\""),
            ("~", "\"~\""),
            (".inf", "\".inf\""),
            ("0755", "\"0755\""),
            ("1e3", "\"1e3\""),
            ("2024-04-01-backup", "2024-04-01-backup"),
            ("v2024.04.01", "v2024.04.01"),
            ("12:60", "12:60"),
            ("10.0.0.1:80", "10.0.0.1:80"),
        ] {
            assert_eq!(inline(&Value::String(text.to_owned()), 0), written, "{text}");
        }
    }

    #[test]
    fn looks_like_kubectl() {
        let value = json!({"metadata": {"name": "web", "labels": {"app": "web"}}, "apiVersion": "v1", "kind": "Service",
            "spec": {"ports": [{"port": 80, "name": "http"}]}});
        assert_eq!(
            yaml(&value),
            "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    app: web\n  name: web\nspec:\n  ports:\n  - name: http\n    port: 80\n"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "type": "Opaque",
            "data": {"a": "c2VjcmV0"}, "stringData": {"b": "secret"}, "password": "extra-field", "extra": {"k": "v"}});
        redact(&mut secret);
        assert_eq!(secret["data"]["a"], REDACTED);
        assert_eq!(secret["stringData"]["b"], REDACTED);
        assert_eq!(secret["password"], REDACTED, "a field beside data is redacted too");
        assert_eq!(secret["extra"], REDACTED);
        assert_eq!(secret["metadata"]["name"], "db");
        assert_eq!(secret["type"], "Opaque");
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "visible"}});
        redact(&mut cm);
        assert_eq!(cm["data"]["a"], "visible");
    }
}
