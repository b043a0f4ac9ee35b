//! How a scalar reads, following go-yaml v2 (YAML 1.1), which
//! `sigs.k8s.io/yaml` uses to turn manifests into JSON for the API server.

use crate::node::ScalarStyle;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// The tags of YAML's core schema, which decide how a scalar reads; any
/// other tag (`!env_var`) leaves that to the text.
#[derive(Clone, Copy)]
enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
}

fn core_tag(tag: Option<&str>) -> Option<CoreTag> {
    match tag? {
        "!!str" | "tag:yaml.org,2002:str" => Some(CoreTag::Str),
        "!!int" | "tag:yaml.org,2002:int" => Some(CoreTag::Int),
        "!!float" | "tag:yaml.org,2002:float" => Some(CoreTag::Float),
        "!!bool" | "tag:yaml.org,2002:bool" => Some(CoreTag::Bool),
        "!!null" | "tag:yaml.org,2002:null" => Some(CoreTag::Null),
        _ => None,
    }
}

impl Resolved {
    /// How a scalar with `text`, written in `style` with `tag`, reads.
    pub fn of(text: &str, style: ScalarStyle, tag: Option<&str>) -> Resolved {
        match core_tag(tag) {
            Some(CoreTag::Str) => return Resolved::Str,
            Some(CoreTag::Int) => return parse_int(text).map_or(Resolved::Str, Resolved::Int),
            Some(CoreTag::Float) => return parse_float(text).map_or(Resolved::Str, Resolved::Float),
            Some(CoreTag::Bool) => return parse_bool(text).map_or(Resolved::Str, Resolved::Bool),
            Some(CoreTag::Null) => return Resolved::Null,
            None => {}
        }
        if style != ScalarStyle::Plain {
            return Resolved::Str;
        }
        resolve_plain(text)
    }

    /// Whether [`Resolved::of`] answers `Null`, without reading numbers:
    /// lookups ask it of every value they return.
    pub fn reads_as_null(text: &str, style: ScalarStyle, tag: Option<&str>) -> bool {
        match core_tag(tag) {
            Some(CoreTag::Null) => true,
            Some(_) => false,
            None => style == ScalarStyle::Plain && is_null_plain(text),
        }
    }
}

fn is_null_plain(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Resolves a plain (unquoted, untagged) scalar.
pub fn resolve_plain(text: &str) -> Resolved {
    if is_null_plain(text) {
        return Resolved::Null;
    }
    if let Some(b) = parse_bool(text) {
        return Resolved::Bool(b);
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.') {
        if let Some(i) = parse_int(text) {
            return Resolved::Int(i);
        }
        if let Some(f) = parse_float(text) {
            return Resolved::Float(f);
        }
    }
    Resolved::Str
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// `text` without YAML 1.1's digit separators (`1_000`), copied only when it has any.
fn without_separators(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('_') { text.replace('_', "").into() } else { text.into() }
}

/// Integers as go-yaml v2 reads them: optional sign, `_` separators, `0x` hex,
/// `0b` binary, and a leading `0` meaning octal (`0755` is 493).
fn parse_int(text: &str) -> Option<i64> {
    let cleaned = without_separators(text);
    let (negative, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, &*cleaned),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        (16, hex)
    } else if let Some(bin) = digits.strip_prefix("0b").or_else(|| digits.strip_prefix("0B")) {
        (2, bin)
    } else if let Some(oct) = digits.strip_prefix("0o").or_else(|| digits.strip_prefix("0O")) {
        (8, oct)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// Floats in YAML's notation: `1.5`, `-.5`, `6.02e23`, `.inf`, `.NaN`.
fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let cleaned = without_separators(text);
    let bytes = cleaned.as_bytes();
    // Accept only YAML's float shape: Rust would also read "inf" or "1e5" without digits checks.
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return None;
    }
    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
        i += 1;
        if i < bytes.len() && matches!(bytes[i], b'+' | b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    cleaned.parse().ok()
}

/// True when YAML 1.1 (Kubernetes) and YAML 1.2 (most other tools, Helm's
/// newer parsers, editors) read this plain scalar differently — `yes`, `on`,
/// `0755`. Used by the ambiguous-scalar lint.
pub fn is_ambiguous_plain(text: &str) -> bool {
    let yaml11_only_bool = parse_bool(text).is_some()
        && !matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE");
    let legacy_octal = {
        let digits = text.trim_start_matches(['+', '-']);
        digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
    };
    yaml11_only_bool || legacy_octal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        for yes in ["yes", "Yes", "on", "ON", "y", "true"] {
            assert_eq!(resolve_plain(yes), Resolved::Bool(true), "{yes}");
        }
        for no in ["no", "Off", "n", "FALSE"] {
            assert_eq!(resolve_plain(no), Resolved::Bool(false), "{no}");
        }
        assert_eq!(resolve_plain("~"), Resolved::Null);
        assert_eq!(resolve_plain(""), Resolved::Null);
        assert_eq!(resolve_plain("yesterday"), Resolved::Str);
    }

    #[test]
    fn integers_in_every_base() {
        assert_eq!(resolve_plain("42"), Resolved::Int(42));
        assert_eq!(resolve_plain("-7"), Resolved::Int(-7));
        assert_eq!(resolve_plain("0755"), Resolved::Int(0o755));
        assert_eq!(resolve_plain("0x1F"), Resolved::Int(31));
        assert_eq!(resolve_plain("0b101"), Resolved::Int(5));
        assert_eq!(resolve_plain("1_000"), Resolved::Int(1000));
        assert_eq!(resolve_plain("0"), Resolved::Int(0));
        // Not octal, so go-yaml falls through to its float reading.
        assert_eq!(resolve_plain("08"), Resolved::Float(8.0));
    }

    #[test]
    fn floats_and_things_that_only_look_like_numbers() {
        assert_eq!(resolve_plain("1.5"), Resolved::Float(1.5));
        assert_eq!(resolve_plain("6.02e23"), Resolved::Float(6.02e23));
        assert_eq!(resolve_plain(".inf"), Resolved::Float(f64::INFINITY));
        assert_eq!(resolve_plain("1.2.3"), Resolved::Str);
        assert_eq!(resolve_plain("="), Resolved::Str);
        assert_eq!(resolve_plain("-"), Resolved::Str);
        assert_eq!(resolve_plain("."), Resolved::Str);
        assert_eq!(resolve_plain("5m"), Resolved::Str);
        assert_eq!(resolve_plain("${REPLICAS}"), Resolved::Str);
        assert_eq!(resolve_plain("2024-01-01"), Resolved::Str);
        assert_eq!(resolve_plain("1e"), Resolved::Str);
    }

    #[test]
    fn tags_and_quotes_decide_before_content() {
        assert_eq!(Resolved::of("yes", ScalarStyle::DoubleQuoted, None), Resolved::Str);
        assert_eq!(Resolved::of("123", ScalarStyle::Plain, Some("!!str")), Resolved::Str);
        assert_eq!(Resolved::of("123", ScalarStyle::Plain, Some("!env_var")), Resolved::Int(123));
    }

    #[test]
    fn reads_as_null_answers_as_the_full_reading_does() {
        let texts = ["", "~", "null", "Null", "NULL", "nULL", "0", "1_000", "0x1F", "1.5", ".inf", "yes", "off", "name", "null "];
        let styles = [ScalarStyle::Plain, ScalarStyle::SingleQuoted, ScalarStyle::DoubleQuoted, ScalarStyle::Literal, ScalarStyle::Folded];
        let tags = [None, Some("!!null"), Some("tag:yaml.org,2002:null"), Some("!!str"), Some("!!int"), Some("!!float"), Some("!!bool"), Some("!env_var")];
        for text in texts {
            for style in styles {
                for tag in tags {
                    let full = Resolved::of(text, style, tag) == Resolved::Null;
                    assert_eq!(Resolved::reads_as_null(text, style, tag), full, "{text:?} {style:?} {tag:?}");
                }
            }
        }
        assert_eq!(Resolved::of("1_000", ScalarStyle::Plain, None), Resolved::Int(1000), "separators still read");
        assert_eq!(Resolved::of("1_0.5", ScalarStyle::Plain, None), Resolved::Float(10.5));
    }

    #[test]
    fn ambiguity_between_yaml_versions() {
        assert!(is_ambiguous_plain("yes"));
        assert!(is_ambiguous_plain("off"));
        assert!(is_ambiguous_plain("0755"));
        assert!(!is_ambiguous_plain("true"));
        assert!(!is_ambiguous_plain("0"));
        assert!(!is_ambiguous_plain("755"));
    }
}
