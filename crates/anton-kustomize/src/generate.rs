//! `configMapGenerator` / `secretGenerator`, and the content-hash name
//! suffix kustomize gives generated objects.

use anton_yaml::{Entry, Node, Span, Value};
use sha2::{Digest, Sha256};

use crate::config::{GeneratorConfig, Reference};
use crate::tree;

/// One key of a generated object, with the entry that produced it.
struct Pair {
    key: String,
    value: Vec<u8>,
    span: Span,
}

/// The most data a ConfigMap or Secret may hold (the API server's validation).
const MAX_DATA_BYTES: usize = 1024 * 1024;

/// Reads a file named in the kustomization (relative to its folder).
pub(crate) type Loader<'a> = dyn Fn(&Reference) -> Result<Vec<u8>, String> + 'a;

/// Builds the object a generator entry describes.
pub(crate) fn generate(generator: &GeneratorConfig, load: &Loader<'_>) -> Result<Node, (String, Span)> {
    let secret = generator.kind == "Secret";
    // A secretGenerator's inputs are secrets before they are a Secret: they
    // are registered as read, so no message about a broken input prints them.
    let register = |bytes: &[u8]| {
        if secret {
            let text = String::from_utf8_lossy(bytes);
            anton_core::secrets::register(&text);
            for line in text.lines() {
                anton_core::secrets::register(line.split_once('=').map_or(line, |(_, value)| value));
            }
        }
    };
    let mut pairs: Vec<Pair> = Vec::new();
    for env in &generator.envs {
        let content = load(env).map_err(|e| (e, env.span))?;
        register(&content);
        pairs.extend(env_pairs(&content, env.span).map_err(|e| (e, env.span))?);
    }
    for literal in &generator.literals {
        register(literal.value.as_bytes());
        let (key, value) = parse_literal(&literal.value).ok_or_else(|| {
            let shown = if secret { "of a secretGenerator".to_owned() } else { format!("`{}`", literal.value) };
            (format!("literal {shown} is not `key=value`"), literal.span)
        })?;
        pairs.push(Pair { key, value: value.into_bytes(), span: literal.span });
    }
    for file in &generator.files {
        let (key, path) = parse_file_source(&file.value).map_err(|e| (e, file.span))?;
        // A URL is fetched by kustomize, not here: the key is there, its value unknown (empty).
        let content = if crate::reference::classify_remote(&path).is_some() {
            Vec::new()
        } else {
            load(&Reference { value: path, span: file.span }).map_err(|e| (e, file.span))?
        };
        register(&content);
        pairs.push(Pair { key, value: content, span: file.span });
    }
    for (i, pair) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|p| p.key == pair.key) {
            return Err((
                format!("{} `{}` has the key `{}` twice", generator.kind, generator.name, pair.key),
                pair.span,
            ));
        }
    }

    // The API server refuses a ConfigMap or Secret whose data exceeds 1 MiB
    // (keys and values, before base64): kustomize builds it, Flux fails to apply it.
    let size: usize = pairs.iter().map(|p| p.key.len() + p.value.len()).sum();
    if size > MAX_DATA_BYTES {
        return Err((
            format!(
                "the generated {} `{}` holds {size} bytes of data; the API server rejects a {} over 1 MiB ({MAX_DATA_BYTES} bytes)",
                generator.kind, generator.name, generator.kind
            ),
            generator.span,
        ));
    }
    let span = generator.span;
    let mut node = tree::empty_map(span);
    tree::set(&mut node, "apiVersion", tree::string("v1", span));
    tree::set(&mut node, "kind", tree::string(generator.kind, span));
    let mut metadata = tree::empty_map(span);
    tree::set(&mut metadata, "name", tree::string(&generator.name, span));
    if let Some(namespace) = &generator.namespace {
        tree::set(&mut metadata, "namespace", tree::string(namespace, span));
    }
    for (field, values) in [("labels", &generator.labels), ("annotations", &generator.annotations)] {
        if !values.is_empty() {
            let mut map = tree::empty_map(span);
            for (key, value) in values {
                tree::set(&mut map, key, tree::string(value, span));
            }
            tree::set(&mut metadata, field, map);
        }
    }
    tree::set(&mut node, "metadata", metadata);
    if generator.kind == "Secret" {
        let secret_type = generator.secret_type.as_deref().unwrap_or("Opaque");
        tree::set(&mut node, "type", tree::string(secret_type, span));
    }
    let mut data: Vec<Entry> = Vec::new();
    let mut binary: Vec<Entry> = Vec::new();
    for pair in pairs {
        let key = tree::string(&pair.key, pair.span);
        if generator.kind == "Secret" {
            data.push(Entry { key, value: tree::string(&base64_lines(&pair.value), pair.span) });
        } else {
            match String::from_utf8(pair.value) {
                Ok(text) => data.push(Entry { key, value: tree::string(&text, pair.span) }),
                Err(bytes) => binary.push(Entry { key, value: tree::string(&base64_lines(bytes.as_bytes()), pair.span) }),
            }
        }
    }
    if !data.is_empty() {
        tree::set(&mut node, "data", Node::new(span, Value::Map(data.into())));
    }
    if !binary.is_empty() {
        tree::set(&mut node, "binaryData", Node::new(span, Value::Map(binary.into())));
    }
    if generator.immutable {
        tree::set(&mut node, "immutable", tree::plain("true", span));
    }
    Ok(node)
}

/// `KEY=value` lines; blank lines and `#` comments are skipped, a line
/// without `=` gives an empty value.
fn env_pairs(content: &[u8], span: Span) -> Result<Vec<Pair>, String> {
    let text = std::str::from_utf8(content).map_err(|_| "env file is not UTF-8".to_owned())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            // The line is not quoted: in a secretGenerator's env file it may be the secret.
            return Err(format!(
                "line {} of the env file is not `KEY=value` (the key is empty or has a space)",
                number + 1
            ));
        }
        pairs.push(Pair { key: key.to_owned(), value: value.as_bytes().to_vec(), span });
    }
    Ok(pairs)
}

/// `key=value`, with one pair of matching quotes around the value removed.
fn parse_literal(source: &str) -> Option<(String, String)> {
    let (key, value) = source.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let bytes = value.as_bytes();
    let unquoted = if bytes.len() >= 2 && bytes[0] == bytes[bytes.len() - 1] && matches!(bytes[0], b'"' | b'\'') {
        &value[1..value.len() - 1]
    } else {
        value
    };
    Some((key.to_owned(), unquoted.to_owned()))
}

/// `[key=]path`: the key defaults to the file name.
fn parse_file_source(source: &str) -> Result<(String, String), String> {
    match source.matches('=').count() {
        0 => {
            let name = source.rsplit('/').next().unwrap_or(source);
            Ok((name.to_owned(), source.to_owned()))
        }
        1 => {
            let (key, path) = source.split_once('=').unwrap_or_default();
            if key.is_empty() {
                return Err(format!("missing key name in `{source}`"));
            }
            if path.is_empty() {
                return Err(format!("missing file path in `{source}`"));
            }
            Ok((key.to_owned(), path.to_owned()))
        }
        _ => Err(format!("key names or file paths cannot contain `=`: `{source}`")),
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(BASE64[(n >> 18) as usize & 63] as char);
        out.push(BASE64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { BASE64[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { BASE64[n as usize & 63] as char } else { '=' });
    }
    out
}

/// Base64 the way kustomize writes generated values: lines of 70
/// characters, each ending in a newline, once the text is 70 or longer.
fn base64_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Decodes standard base64 (whitespace ignored); `None` when it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            break;
        }
        let value = BASE64.iter().position(|&b| b == c)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// JSON text exactly as Go's `encoding/json` writes it (keys sorted, `<`,
/// `>` and `&` escaped), since the hash is taken over that text.
fn go_json(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Null => out.push_str("null"),
        serde_json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        serde_json::Value::Number(n) => out.push_str(&n.to_string()),
        serde_json::Value::String(s) => go_string(s, out),
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(key, out);
                out.push(':');
                go_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// kustomize's content hash of a ConfigMap or Secret (kind and data; plus
/// type for Secrets), as the 10 characters it appends to the name.
pub(crate) fn content_hash(node: &Node) -> String {
    let kind = node.str_at(&["kind"]).unwrap_or_default();
    let field = |key: &str| -> serde_json::Value {
        match node.get(key) {
            None => serde_json::Value::String(String::new()),
            Some(v) if v.is_map() => v.to_json(),
            Some(v) => serde_json::Value::String(v.scalar_text().unwrap_or_default().to_owned()),
        }
    };
    // kustomize looks the name up as the single key "metadata/name", which
    // never exists: the name it hashes is always empty. Matching names
    // depend on doing the same.
    let name = "";
    let mut map = serde_json::Map::new();
    map.insert("kind".into(), kind.into());
    map.insert("name".into(), name.into());
    map.insert("data".into(), field("data"));
    match kind {
        "ConfigMap" => {
            if node.get("binaryData").is_some_and(Node::is_map) {
                map.insert("binaryData".into(), field("binaryData"));
            }
        }
        "Secret" => {
            map.insert("type".into(), field("type"));
            if node.get("stringData").is_some_and(Node::is_map) {
                map.insert("stringData".into(), field("stringData"));
            }
        }
        _ => {
            map = match node.to_json() {
                serde_json::Value::Object(m) => m,
                _ => serde_json::Map::new(),
            };
        }
    }
    let mut text = String::new();
    go_json(&serde_json::Value::Object(map), &mut text);
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node {
        std::sync::Arc::unwrap_or_clone(anton_yaml::parse_stream(text).documents.remove(0).root)
    }

    #[test]
    fn hashes_match_kubectl() {
        // Values checked against `kubectl kustomize` (kustomize v5.5.0).
        let empty = node("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p-empty}\n");
        assert_eq!(content_hash(&empty), "6ct58987ht");
        let secret = node("apiVersion: v1\nkind: Secret\nmetadata: {name: sec}\ntype: Opaque\ndata: {a: MQ==}\n");
        assert_eq!(content_hash(&secret), "25khgmg44c");
        let env = node("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p-envcm}\ndata: {A: \"1\", B: \"\", C: x=y}\n");
        assert_eq!(content_hash(&env), "78mbh2gbg6");
    }

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "hello world", "\u{1F600}"] {
            assert_eq!(base64_decode(&base64(text.as_bytes())).unwrap(), text.as_bytes());
        }
        assert_eq!(base64(b"hello"), "aGVsbG8=");
    }

    #[test]
    fn sources_parse_like_kustomize() {
        assert_eq!(parse_literal("a=\"two\""), Some(("a".into(), "two".into())));
        assert_eq!(parse_literal("a=b=c"), Some(("a".into(), "b=c".into())));
        assert_eq!(parse_literal("=x"), None);
        assert_eq!(parse_file_source("dir/app.conf").unwrap(), ("app.conf".into(), "dir/app.conf".into()));
        assert_eq!(parse_file_source("k=dir/app.conf").unwrap(), ("k".into(), "dir/app.conf".into()));
        assert!(parse_file_source("a=b=c").is_err());
    }

    #[test]
    fn env_files() {
        let pairs = env_pairs(b"# comment\n  A=1\nB\nC=x=y\n\n", Span::default()).unwrap();
        let got: Vec<(String, String)> =
            pairs.into_iter().map(|p| (p.key, String::from_utf8(p.value).unwrap())).collect();
        assert_eq!(got, [("A".into(), "1".into()), ("B".into(), "".into()), ("C".into(), "x=y".into())]);
    }
}

#[cfg(test)]
mod secret_input_tests {
    use super::*;

    #[test]
    fn generated_data_over_one_mebibyte_is_refused() {
        let config = |name: &str| GeneratorConfig {
            kind: "ConfigMap",
            name: name.to_owned(),
            namespace: None,
            behavior: "create".into(),
            sources: Vec::new(),
            disable_name_suffix_hash: false,
            span: Span::default(),
            literals: Vec::new(),
            files: Vec::new(),
            envs: Vec::new(),
            labels: Vec::new(),
            annotations: Vec::new(),
            immutable: false,
            secret_type: None,
        };
        let big = vec![b'x'; MAX_DATA_BYTES];
        let load = |_: &Reference| Ok(big.clone());
        let mut generator = config("big");
        generator.files.push(Reference { value: "blob.bin".into(), span: Span::default() });
        let (message, _) = generate(&generator, &load).unwrap_err();
        assert!(message.contains("the API server rejects a ConfigMap over 1 MiB"), "{message}");
        let small = |_: &Reference| Ok(b"x".to_vec());
        assert!(generate(&generator, &small).is_ok());
    }

    #[test]
    fn a_broken_env_line_is_named_by_number_not_quoted() {
        let error = env_pairs(b"GOOD=1\nhunter2 planted secret\n", Span::default()).err().unwrap();
        assert_eq!(error, "line 2 of the env file is not `KEY=value` (the key is empty or has a space)");
        assert!(!error.contains("hunter2"));
    }
}
