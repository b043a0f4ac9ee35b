//! The one place secret values are kept out of anton's output.
//!
//! Findings, code frames, built YAML, diffs and error messages come from many
//! places; patching each message is how a secret slips through the one that
//! was forgotten. Instead, two things hold for every byte anton writes:
//!
//! 1. **Where a secret enters, it is registered** ([`register`]): the values of
//!    Secret objects (and their base64-decoded form), the inputs of
//!    secretGenerators, kubeconfig credentials. Registration is cheap and
//!    happens once, when the value is read.
//! 2. **Every output goes through [`redact`]** (the command line wraps stdout,
//!    stderr and `--output-file` in a [`RedactingWriter`]): each registered
//!    value is replaced by `<redacted>`, and so is anything that *looks*
//!    secret whatever its origin — a private-key block (`-----BEGIN … PRIVATE
//!    KEY-----`), an age identity (`AGE-SECRET-KEY-1…`), and the value of a
//!    credential-named key (`password:`, `token:`, `client-key-data:` …) in a
//!    quoted line.
//!
//! `anton build --show-secrets` is the one way to turn this off ([`reveal`]).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// What a secret value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Registered values shorter than this are not replaced in output: a
/// two-letter value would blank out unrelated words. Secrets that short are
/// kept out by the structural rules (no Secret document is ever quoted).
pub const MIN_REGISTERED_LEN: usize = 6;

static REVEAL: AtomicBool = AtomicBool::new(false);

struct Registry {
    values: BTreeSet<String>,
    /// Built on first use after a change.
    matcher: Option<Arc<AhoCorasick>>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry { values: BTreeSet::new(), matcher: None });

/// Registers a secret value: it (each of its lines, and its JSON-escaped
/// form) is never printed.
pub fn register(value: &str) {
    let mut forms: Vec<String> = Vec::new();
    let mut add = |text: &str| {
        let text = text.trim();
        if text.chars().count() >= MIN_REGISTERED_LEN && !is_placeholder(text) {
            forms.push(text.to_owned());
        }
    };
    add(value);
    for line in value.lines() {
        add(line);
    }
    // How the value looks inside a JSON string (a quote or backslash escaped).
    if let Ok(escaped) = serde_json::to_string(value) {
        add(&escaped[1..escaped.len() - 1]);
    }
    if forms.is_empty() {
        return;
    }
    let Ok(mut registry) = REGISTRY.write() else { return };
    let mut changed = false;
    for form in forms {
        changed |= registry.values.insert(form);
    }
    if changed {
        registry.matcher = None;
    }
}

/// Registers a base64-encoded secret value (a Secret's `data`): the text as
/// written and what it decodes to.
pub fn register_base64(encoded: &str) {
    register(encoded);
    use base64::Engine as _;
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes())
        && let Ok(text) = String::from_utf8(bytes)
    {
        register(&text);
    }
}

/// `anton build --show-secrets`: the user asked to see the values.
pub fn reveal(show: bool) {
    REVEAL.store(show, Ordering::Relaxed);
}

/// Values that are not secrets themselves: substitution variables, SOPS
/// ciphertext, the redaction marker.
fn is_placeholder(text: &str) -> bool {
    (text.starts_with("${") && text.ends_with('}')) || text.starts_with("ENC[") || text == REDACTED
}

fn matcher() -> Option<Arc<AhoCorasick>> {
    {
        let registry = REGISTRY.read().ok()?;
        if registry.values.is_empty() {
            return None;
        }
        if let Some(matcher) = &registry.matcher {
            return Some(matcher.clone());
        }
    }
    let mut registry = REGISTRY.write().ok()?;
    let built = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(registry.values.iter())
        .ok()
        .map(Arc::new)?;
    registry.matcher = Some(built.clone());
    Some(built)
}

/// Words that make the value after them a credential when they end a key.
const CREDENTIAL_KEYS: [&str; 14] = [
    "password",
    "passwd",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "clientsecret",
    "client_secret",
    "client-secret",
    "secretkey",
    "secret_key",
    "privatekey",
    "private_key",
    "client-key-data",
];

static PATTERNS: std::sync::LazyLock<AhoCorasick> = std::sync::LazyLock::new(|| {
    let mut needles: Vec<&str> = vec!["age-secret-key-1", "-----begin ", "secret"];
    needles.extend(CREDENTIAL_KEYS);
    // Built from constants; it cannot fail.
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(needles)
        .unwrap_or_else(|_| AhoCorasick::new(["\u{0}"]).unwrap_or_else(|_| unreachable!()))
});

/// `text` with every secret replaced by `<redacted>`. Multi-line private-key
/// blocks are handled by [`RedactingWriter`]; this function also removes
/// those that sit on one line (JSON strings with `\n` escapes).
pub fn redact(text: &str) -> Cow<'_, str> {
    if REVEAL.load(Ordering::Relaxed) {
        return Cow::Borrowed(text);
    }
    let mut state = PemState::Outside;
    let mut out = String::new();
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        match redact_line(line, &mut state) {
            Some(Cow::Borrowed(same)) => out.push_str(same),
            Some(Cow::Owned(new)) => {
                changed = true;
                out.push_str(&new);
            }
            None => changed = true,
        }
    }
    if changed { Cow::Owned(out) } else { Cow::Borrowed(text) }
}

/// Whether the lines being read are inside a PEM private-key block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PemState {
    Outside,
    Inside,
}

/// One line (with its line break), redacted; `None` drops the line (the body
/// of a private-key block).
fn redact_line<'a>(line: &'a str, state: &mut PemState) -> Option<Cow<'a, str>> {
    if *state == PemState::Inside {
        let lower = line.to_ascii_lowercase();
        match find_pem_end(&lower) {
            Some(end) => {
                *state = PemState::Outside;
                let rest = &line[end..];
                if rest.trim().is_empty() {
                    return None;
                }
                return Some(Cow::Owned(redact_line(rest, state)?.into_owned()));
            }
            None if is_key_body(line) => return None,
            // Not key material after all (a marker quoted in prose): carry on.
            None => *state = PemState::Outside,
        }
    }
    let mut text = Cow::Borrowed(line);
    if let Some(matcher) = matcher()
        && matcher.is_match(text.as_ref())
    {
        text = replace_registered(&matcher, line);
    }
    if !PATTERNS.is_match(text.as_ref()) {
        return Some(text);
    }
    let mut owned = text.into_owned();
    redact_pem(&mut owned, state);
    redact_age(&mut owned);
    redact_credential_values(&mut owned);
    Some(Cow::Owned(owned))
}

/// Registered values shorter than this may be left where they are only a
/// part of a substitution variable's name (`${SECRET_DOMAIN}` when a Secret
/// holds `SECRET`) or of a file name (`cluster-secrets.yaml` when it holds
/// `secret`): neither is ever the value itself. Anywhere else, and always
/// for longer values, a registered value is replaced.
const EMBEDDED_MATCH_MAX_LEN: usize = 16;

fn replace_registered<'a>(matcher: &AhoCorasick, line: &'a str) -> Cow<'a, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while from < line.len() {
        let Some(found) = matcher.find(aho_corasick::Input::new(line).span(from..line.len())) else { break };
        let (start, end) = (found.start(), found.end());
        if end - start < EMBEDDED_MATCH_MAX_LEN && is_part_of_a_name(line, start, end) {
            // Look again from the next character: a longer value may begin
            // inside the one left alone.
            from = start + line[start..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        out.push_str(&line[copied..start]);
        out.push_str(REDACTED);
        copied = end;
        from = end;
    }
    if copied == 0 {
        return Cow::Borrowed(line);
    }
    out.push_str(&line[copied..]);
    Cow::Owned(out)
}

/// Whether `line[start..end]` is a strict part of a `${NAME}` variable
/// reference or of a file name ending in `.yaml`, `.yml` or `.json`.
fn is_part_of_a_name(line: &str, start: usize, end: usize) -> bool {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let value = &line[start..end];
    // Inside `${…}`: the variable's name holds the value and nothing else.
    if value.chars().all(is_name_char)
        && let Some(open) = line[..start].rfind("${")
        && line[open + 2..start].chars().all(is_name_char)
        && let Some(close) = line[end..].find('}')
        && line[end..end + close].chars().all(is_name_char)
        && (open + 2 < start || close > 0)
    {
        return true;
    }
    // A file name: the token around the match, up to whitespace, quotes or
    // brackets, ends in a manifest extension and is longer than the value.
    let is_token_char = |c: char| !c.is_whitespace() && !"\"'`()[]{}<>,;=".contains(c);
    let token_start = line[..start].rfind(|c: char| !is_token_char(c)).map_or(0, |at| at + 1);
    let token_end = line[end..].find(|c: char| !is_token_char(c)).map_or(line.len(), |at| end + at);
    let token = &line[token_start..token_end];
    // `path:line:col:` as diagnostics write it.
    let token = token.trim_end_matches(|c: char| c.is_ascii_digit() || c == ':');
    let touches = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    token.len() > value.len()
        && [".yaml", ".yml", ".json"].iter().any(|ext| token.ends_with(ext))
        && !token.contains("://")
        && (touches(line[..start].chars().next_back()) || touches(line[end..].chars().next()))
}

/// A line of a PEM body (base64), possibly behind a code frame's `12 |` gutter.
fn is_key_body(line: &str) -> bool {
    let text = line.trim();
    let text = match text.split_once('|') {
        Some((gutter, rest)) if gutter.trim().chars().all(|c| c.is_ascii_digit()) => rest.trim(),
        _ => text,
    };
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | ':' | '-' | ','))
}

/// The byte offset just after an `-----END … PRIVATE KEY-----` marker.
fn find_pem_end(lower: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = lower[from..].find("-----end ") {
        let start = from + at;
        let rest = &lower[start + 9..];
        let close = rest.find("-----")?;
        if rest[..close].ends_with("private key") {
            return Some(start + 9 + close + 5);
        }
        from = start + 9;
    }
    None
}

fn redact_pem(line: &mut String, state: &mut PemState) {
    loop {
        let lower = line.to_ascii_lowercase();
        let Some(begin) = lower.find("-----begin ") else { return };
        let after = &lower[begin + 11..];
        let Some(close) = after.find("-----") else { return };
        if !after[..close].ends_with("private key") {
            return;
        }
        match find_pem_end(&lower[begin..]) {
            Some(end) => line.replace_range(begin..begin + end, REDACTED),
            None => {
                // Inside a JSON string (`"…\n…"`), the key ends where the string does.
                if let Some(quote) = line[begin..].find('"') {
                    line.replace_range(begin..begin + quote, REDACTED);
                    continue;
                }
                let newline = if line.ends_with('\n') { "\n" } else { "" };
                line.replace_range(begin.., REDACTED);
                line.push_str(newline);
                *state = PemState::Inside;
                return;
            }
        }
    }
}

fn redact_age(line: &mut String) {
    const PREFIX: &str = "age-secret-key-1";
    loop {
        let lower = line.to_ascii_lowercase();
        let Some(at) = lower.find(PREFIX) else { return };
        let end = line[at + PREFIX.len()..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(line.len(), |n| at + PREFIX.len() + n);
        line.replace_range(at..end, REDACTED);
    }
}

/// Whether a key names a credential (`password`, `dbPassword`, `API_TOKEN`,
/// `client-key-data`, `secret`), whose value is never shown.
pub fn is_credential_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower == "secret" || CREDENTIAL_KEYS.iter().any(|word| lower.ends_with(word))
}

/// `password: hunter2`, `"token": "abc"`, `API_KEY=abc`: the value goes.
fn redact_credential_values(line: &mut String) {
    let mut search_from = 0;
    while search_from < line.len() {
        let lower = line.to_ascii_lowercase();
        let Some(word_end) = next_credential_key(&lower, search_from) else { return };
        search_from = word_end;
        let bytes = line.as_bytes();
        let mut at = word_end;
        if at < bytes.len() && matches!(bytes[at], b'"' | b'\'') {
            at += 1;
        }
        while at < bytes.len() && bytes[at] == b' ' {
            at += 1;
        }
        if at >= bytes.len() || !matches!(bytes[at], b':' | b'=') {
            continue;
        }
        at += 1;
        while at < bytes.len() && bytes[at] == b' ' {
            at += 1;
        }
        let Some(value) = value_span(line, at) else { continue };
        let shown = &line[value.clone()];
        // A diff line that already hides it: `password: changed (value hidden)`.
        let already_hidden = shown.contains("(value hidden)") || shown.contains("(encrypted)") || shown == "changed";
        if shown.is_empty() || is_placeholder(shown) || is_not_a_value(shown) || already_hidden {
            continue;
        }
        line.replace_range(value.clone(), REDACTED);
        search_from = value.start + REDACTED.len();
    }
}

/// The next credential key that ends a key name (`dbPassword`, not `passwordRef`).
fn next_credential_key(lower: &str, from: usize) -> Option<usize> {
    let mut from = from;
    loop {
        let found = PATTERNS.find(&lower[from..])?;
        let (start, end) = (from + found.start(), from + found.end());
        let word = &lower[start..end];
        let next = lower.as_bytes().get(end).copied();
        let ends_key = !matches!(next, Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        let is_key = CREDENTIAL_KEYS.contains(&word) || (word == "secret" && is_whole_key(lower, start));
        if is_key && ends_key {
            return Some(end);
        }
        from = start + 1;
        if from >= lower.len() {
            return None;
        }
    }
}

/// `secret:` alone (a webhook's `secret`), not `existingSecret:` (a name).
fn is_whole_key(lower: &str, start: usize) -> bool {
    start == 0 || !matches!(lower.as_bytes()[start - 1], c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// The byte range of the scalar starting at `at`: quoted up to its closing
/// quote, plain up to the end of the line, a comment, or a flow separator.
fn value_span(line: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let rest = &line[at..];
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let mut escaped = false;
        for (i, c) in rest[1..].char_indices() {
            if quote == '"' && c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if c == quote && !escaped {
                return Some(at + 1..at + 1 + i);
            }
            escaped = false;
        }
        return Some(at + 1..line.trim_end_matches(['\n', '\r']).len());
    }
    // A `${VAR}` reference holds a `}` that does not end a flow mapping.
    let skip = if rest.starts_with("${") { rest.find('}').map_or(0, |at| at + 1) } else { 0 };
    // Inside a JSON string a YAML line ends at an escaped line break, the string at its quote.
    let end = rest[skip..]
        .find([',', '}', ']', '\n', '\r', '"'])
        .map_or(rest.len(), |at| skip + at);
    let end = ["\\n", "\\r", "\\\""].iter().filter_map(|escape| rest[..end].find(escape)).min().unwrap_or(end);
    // The backslash of an escaped quote (`\"`) that ended the search belongs to the quote.
    let end = if rest[..end].ends_with('\\') { end - 1 } else { end };
    let end = rest[..end].find(" #").unwrap_or(end);
    let value = rest[..end].trim_end();
    Some(at..at + value.len())
}

/// Block scalar indicators, flow openers, booleans and null say
/// nothing secret (and hiding them would hide the structure).
fn is_not_a_value(text: &str) -> bool {
    matches!(text, "|" | "|-" | "|+" | ">" | ">-" | ">+" | "{" | "[" | "{}" | "[]" | "~" | "null" | "true" | "false")
        || text.starts_with('&')
        || text.starts_with('*')
        || text.starts_with('!')
        || text.starts_with('<')
}

/// A writer that redacts what passes through it, line by line (so a
/// private-key block split across writes is still recognised). Dropping it
/// flushes.
pub struct RedactingWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    state: PemState,
}

impl<W: Write> RedactingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self { inner, pending: Vec::new(), state: PemState::Outside }
    }

    fn write_lines(&mut self, upto: usize) -> io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        if REVEAL.load(Ordering::Relaxed) {
            return self.inner.write_all(&chunk);
        }
        let text = String::from_utf8_lossy(&chunk);
        for line in text.split_inclusive('\n') {
            if let Some(line) = redact_line(line, &mut self.state) {
                self.inner.write_all(line.as_bytes())?;
            }
        }
        Ok(())
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.write_lines(last + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let all = self.pending.len();
        if all > 0 {
            self.write_lines(all)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Tests register values into the process-wide registry; a lock keeps them apart.
#[doc(hidden)]
pub static TEST_LOCK: Mutex<()> = Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(text: &str) -> String {
        redact(text).into_owned()
    }

    #[test]
    fn registered_values_are_replaced_everywhere() {
        let _lock = TEST_LOCK.lock();
        register("s3cr3t-Planted-1");
        register_base64("czNjcjN0LVBsYW50ZWQtMg=="); // s3cr3t-Planted-2
        assert_eq!(redacted("url: postgres://u:s3cr3t-Planted-1@db"), "url: postgres://u:<redacted>@db");
        assert_eq!(redacted("value s3cr3t-Planted-2 and czNjcjN0LVBsYW50ZWQtMg=="), "value <redacted> and <redacted>");
        register("short");
        assert_eq!(redacted("a short word"), "a short word", "too short to register");
        register("${DB_PASSWORD}");
        assert_eq!(redacted("x ${DB_PASSWORD}"), "x ${DB_PASSWORD}");
    }

    #[test]
    fn a_short_value_inside_a_longer_name_is_left_alone() {
        // Registrations last for the process: values no other test prints.
        let _lock = TEST_LOCK.lock();
        register("qsecretq");
        register("QSECRETQ");
        register("corp.zzinternal");
        register("prod-zzdb");
        register("zzdb-password-9f8e7d6c5b4a");
        // Part of a variable's name or of a file name: left alone.
        assert_eq!(redacted("tests/cluster-qsecretqs.yaml"), "tests/cluster-qsecretqs.yaml");
        assert_eq!(redacted("tests/cluster-qsecretqs.yaml:8:8: critical"), "tests/cluster-qsecretqs.yaml:8:8: critical");
        assert_eq!(redacted("note: ${QSECRETQ_DOMAIN} has no value"), "note: ${QSECRETQ_DOMAIN} has no value");
        // Anywhere else it is replaced, glued to other text or not.
        assert_eq!(redacted("PWD=qsecretq"), "PWD=<redacted>");
        assert_eq!(redacted("not the string \"qsecretq\"."), "not the string \"<redacted>\".");
        assert_eq!(redacted("https://user:qsecretq@corp.zzinternal/x"), "https://user:<redacted>@<redacted>/x");
        assert_eq!(redacted("host: grafana.corp.zzinternal"), "host: grafana.<redacted>");
        assert_eq!(redacted(r#""a\nqsecretq\n""#), r#""a\n<redacted>\n""#);
        assert_eq!(redacted("x%21qsecretq"), "x%21<redacted>");
        assert_eq!(redacted("prefixqsecretq"), "prefix<redacted>");
        assert_eq!(redacted("${QSECRETQ}"), "${<redacted>}");
        assert_eq!(redacted("qsecretq.yaml"), "<redacted>.yaml");
        // A long value that begins inside a short one left alone is still found.
        assert_eq!(redacted("xprod-zzdb-password-9f8e7d6c5b4a.yaml"), "xprod-<redacted>.yaml");
    }

    #[test]
    fn an_escaped_quote_inside_a_json_string_stays_whole() {
        // An ESO condition message: `NAME-token: secrets "NAME-token" not found`.
        let line = r#"  "message": "could not get secret connect-token: secrets \"connect-token\" not found","#;
        let out = redacted(line);
        assert!(out.contains(r#"\"connect-token\" not found","#), "{out}");
        let json = format!("{{{}}}", out.trim().trim_end_matches(','));
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "the JSON broke: {json}");
    }

    #[test]
    fn multi_line_values_are_registered_line_by_line() {
        let _lock = TEST_LOCK.lock();
        register("line-one-Planted\nline-two-Planted\n");
        assert_eq!(redacted("  line-two-Planted\n"), "  <redacted>\n");
    }

    #[test]
    fn private_keys_and_age_identities_never_pass() {
        let pem = "key: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n  b3BlbnNzaC1rZXktdjEAAAAA\n  -----END OPENSSH PRIVATE KEY-----\nnext: 1\n";
        assert_eq!(redacted(pem), "key: |\n  <redacted>\nnext: 1\n");
        let json = r#"{"k": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"}"#;
        assert_eq!(redacted(json), r#"{"k": "<redacted>\n"}"#);
        let truncated = r#"{"bad": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl…\n", "x": 1}"#;
        assert_eq!(redacted(truncated), r#"{"bad": "<redacted>", "x": 1}"#, "the JSON string ends the key");
        let prose = "see -----BEGIN RSA PRIVATE KEY----- in the docs\nnext: line\n";
        assert_eq!(redacted(prose), "see <redacted>\nnext: line\n", "prose after a marker is not swallowed");
        let age = "+ data.key: AGE-SECRET-KEY-1QQQSYQCYQ5RQQQSYQCYQ5RQQQSYQCYQ5RQQQSYQCYQ5RQQQSYQCYQ5";
        assert_eq!(redacted(age), "+ data.key: <redacted>");
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert_eq!(redacted(cert), cert, "certificates are public");
    }

    #[test]
    fn credential_named_keys_lose_their_values() {
        assert_eq!(redacted("  password: hunter2"), "  password: <redacted>");
        assert_eq!(redacted("  dbPassword: \"hun ter\" # x"), "  dbPassword: \"<redacted>\" # x");
        assert_eq!(redacted(r#"{"token": "abc.def", "user": "bob"}"#), r#"{"token": "<redacted>", "user": "bob"}"#);
        assert_eq!(redacted("API_KEY=abc123"), "API_KEY=<redacted>");
        assert_eq!(
            redacted(r#""bad": "kind: Secret\nstringData:\n  api-token: 5f2e\nnext: 1\n","#),
            r#""bad": "kind: Secret\nstringData:\n  api-token: <redacted>\nnext: 1\n","#,
            "a YAML line inside a JSON string ends at the escaped line break"
        );
        assert_eq!(redacted("4 |   client-key-data: LS0tLS1CRUdJTg=="), "4 |   client-key-data: <redacted>");
        assert_eq!(redacted("  secret: whsec_abc"), "  secret: <redacted>");
        // Names, references and structure stay.
        for same in [
            "  existingSecret: plex-secret",
            "  passwordSecretRef:",
            "  password: ${DB_PASSWORD}",
            "  password: |",
            "the token contains a newline; remove it",
            "  password: <redacted>",
            "    stringData.api-key: changed (value hidden)",
            "    - `data.password: added (value hidden)`",
        ] {
            assert_eq!(redacted(same), same);
        }
    }

    #[test]
    fn the_writer_redacts_across_writes_and_drops_key_bodies() {
        let mut out = Vec::new();
        {
            let mut writer = RedactingWriter::new(&mut out);
            writer.write_all(b"a: 1\n-----BEGIN EC PRIV").unwrap();
            writer.write_all(b"ATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\npassword: x").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "a: 1\n<redacted>\npassword: <redacted>");
    }
}
