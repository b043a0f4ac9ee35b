//! Flux's postBuild variable syntax (the `fluxcd/pkg/envsubst` fork of
//! drone/envsubst): only `${…}` forms are substituted — `$VAR` is left alone,
//! `$$` writes a single `$` (so `$${VAR}` prints `${VAR}`).
//!
//! Supported: `${VAR}`, `${VAR:=default}` (also `:-`, `:?`, `:+`, `=`; all
//! fall back to the default when the variable is empty or unset), `${#VAR}`,
//! `${VAR:offset}`, `${VAR:offset:length}`, `${VAR/from/to}` (`//`, `/#`,
//! `/%`), `${VAR#prefix}`, `${VAR##prefix}`, `${VAR%suffix}`,
//! `${VAR%%suffix}`, `${VAR^}`, `${VAR^^}`, `${VAR,}`, `${VAR,,}`. Defaults
//! may nest: `${A:=${B}}`.

/// The result of substituting one string.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub text: String,
    /// Variables used without a default that had no value.
    pub undefined: Vec<String>,
}

/// Substitutes `text`; `lookup` gives a variable's value, `None` when unset.
pub fn substitute(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Outcome, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parser = Parser { chars: &chars, pos: 0, lookup, undefined: Vec::new() };
    let mut out = String::with_capacity(text.len());
    while parser.pos < chars.len() {
        let c = chars[parser.pos];
        if c == '$' && parser.peek_at(1) == Some('{') {
            parser.pos += 2;
            out.push_str(&parser.function()?);
        } else if c == '$' && parser.peek_at(1) == Some('$') {
            out.push('$');
            parser.pos += 2;
        } else {
            out.push(c);
            parser.pos += 1;
        }
    }
    Ok(Outcome { text: out, undefined: parser.undefined })
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    undefined: Vec<String>,
}

const BAD: &str = "bad substitution";

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(if c == '}' { "missing closing brace".into() } else { BAD.into() })
        }
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn value(&mut self, name: &str, has_default: bool) -> String {
        match (self.lookup)(name) {
            Some(value) => value,
            None => {
                if !has_default && !self.undefined.iter().any(|u| u == name) {
                    self.undefined.push(name.to_owned());
                }
                String::new()
            }
        }
    }

    /// Text of a function argument up to (not including) one of `stops`,
    /// with nested `${…}` evaluated and `$$`, `\\`, `\/` unescaped.
    fn argument(&mut self, stops: &[char]) -> Result<String, String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if stops.contains(&c) {
                break;
            }
            match c {
                '$' if self.peek_at(1) == Some('{') => {
                    self.pos += 2;
                    out.push_str(&self.function()?);
                }
                '$' if self.peek_at(1) == Some('$') => {
                    out.push('$');
                    self.pos += 2;
                }
                '\\' if matches!(self.peek_at(1), Some('/' | '\\')) => {
                    out.push(self.peek_at(1).unwrap_or('\\'));
                    self.pos += 2;
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok(out)
    }

    /// After `${`: one expression up to and including its `}`.
    fn function(&mut self) -> Result<String, String> {
        if self.peek() == Some('#') {
            self.pos += 1;
            let name = self.ident();
            if name.is_empty() {
                return Err(BAD.into());
            }
            self.expect('}')?;
            return Ok(self.value(&name, false).len().to_string());
        }
        let name = self.ident();
        if name.is_empty() {
            return Err("unable to parse variable name".into());
        }
        match self.peek() {
            Some('}') => {
                self.pos += 1;
                Ok(self.value(&name, false))
            }
            Some(':') if matches!(self.peek_at(1), Some('=' | '-' | '?' | '+')) => {
                self.pos += 2;
                self.default(&name)
            }
            Some('=') => {
                self.pos += 1;
                self.default(&name)
            }
            Some(':') => {
                self.pos += 1;
                let offset = self.argument(&[':', '}'])?;
                let length = if self.peek() == Some(':') {
                    self.pos += 1;
                    Some(self.argument(&['}'])?)
                } else {
                    None
                };
                self.expect('}')?;
                let value = self.value(&name, false);
                Ok(substring(&value, &offset, length.as_deref()))
            }
            Some(c @ (',' | '^')) => {
                self.pos += 1;
                let all = self.peek() == Some(c);
                if all {
                    self.pos += 1;
                }
                self.expect('}')?;
                let value = self.value(&name, false);
                Ok(change_case(&value, c == '^', all))
            }
            Some('/') => {
                self.pos += 1;
                let mode = match self.peek() {
                    Some(m @ ('/' | '#' | '%')) => {
                        self.pos += 1;
                        m
                    }
                    _ => '1',
                };
                let pattern = self.argument(&['/', '}'])?;
                let replacement = if self.peek() == Some('/') {
                    self.pos += 1;
                    self.argument(&['}'])?
                } else {
                    String::new()
                };
                self.expect('}')?;
                let value = self.value(&name, false);
                Ok(replace(&value, &pattern, &replacement, mode))
            }
            Some(c @ ('#' | '%')) => {
                self.pos += 1;
                let longest = self.peek() == Some(c);
                if longest {
                    self.pos += 1;
                }
                let pattern = self.argument(&['}'])?;
                self.expect('}')?;
                let value = self.value(&name, false);
                Ok(trim(&value, &pattern, c == '#', longest))
            }
            _ => Err("missing closing brace".into()),
        }
    }

    fn default(&mut self, name: &str) -> Result<String, String> {
        let fallback = self.argument(&['}'])?;
        self.expect('}')?;
        let value = self.value(name, true);
        Ok(if value.is_empty() { fallback } else { value })
    }
}

fn substring(value: &str, offset: &str, length: Option<&str>) -> String {
    let Ok(offset) = offset.trim().parse::<i64>() else { return value.to_owned() };
    let len = value.len() as i64;
    let start = if offset < 0 { (len + offset).max(0) } else { offset };
    if start >= len {
        return String::new();
    }
    let end = match length.map(|l| l.trim().parse::<i64>()) {
        None => len,
        Some(Err(_)) => return value.to_owned(),
        Some(Ok(l)) if l < 0 => {
            let end = len + l;
            if end < start {
                return String::new();
            }
            end
        }
        Some(Ok(l)) => (start + l).min(len),
    };
    value.get(start as usize..end as usize).unwrap_or_default().to_owned()
}

fn change_case(value: &str, upper: bool, all: bool) -> String {
    let convert = |s: &str| if upper { s.to_uppercase() } else { s.to_lowercase() };
    if all {
        return convert(value);
    }
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => convert(&first.to_string()) + chars.as_str(),
        None => String::new(),
    }
}

fn replace(value: &str, pattern: &str, replacement: &str, mode: char) -> String {
    match mode {
        '/' => value.replace(pattern, replacement),
        '#' if value.starts_with(pattern) => format!("{replacement}{}", &value[pattern.len()..]),
        '%' if value.ends_with(pattern) => format!("{}{replacement}", &value[..value.len() - pattern.len()]),
        '1' => value.replacen(pattern, replacement, 1),
        _ => value.to_owned(),
    }
}

/// A shell glob (`*`, `?`, `[…]` taken literally) matched against all of `text`.
fn glob(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        Some(('?', rest)) => !text.is_empty() && glob(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

fn trim(value: &str, pattern: &str, prefix: bool, longest: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let candidates: Vec<usize> = (0..=chars.len()).collect();
    let matches = |n: usize| {
        if prefix { glob(&pattern, &chars[..n]) } else { glob(&pattern, &chars[chars.len() - n..]) }
    };
    let n = if longest { candidates.iter().rev().find(|&&n| matches(n)) } else { candidates.iter().find(|&&n| n > 0 && matches(n)) };
    match n {
        Some(&n) if n > 0 => {
            if prefix {
                chars[n..].iter().collect()
            } else {
                chars[..chars.len() - n].iter().collect()
            }
        }
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<Outcome, String> {
        substitute(text, &|name| match name {
            "APP" => Some("plex".into()),
            "EMPTY" => Some(String::new()),
            "DOMAIN" => Some("example.com".into()),
            _ => None,
        })
    }

    fn text(input: &str) -> String {
        run(input).unwrap().text
    }

    #[test]
    fn plain_and_default_forms() {
        assert_eq!(text("${APP}.${DOMAIN}"), "plex.example.com");
        assert_eq!(text("${MISSING:=fallback}"), "fallback");
        assert_eq!(text("${EMPTY:-fallback}"), "fallback");
        assert_eq!(text("${APP:=fallback}"), "plex");
        assert_eq!(text("${MISSING=x}"), "x");
        assert_eq!(text("${MISSING:=${APP}-db}"), "plex-db");
    }

    #[test]
    fn escapes_and_bare_dollars() {
        assert_eq!(text("$${APP}"), "${APP}");
        assert_eq!(text("$$APP"), "$APP");
        assert_eq!(text("echo $HOME and $1"), "echo $HOME and $1");
        assert_eq!(text("cost: 5$"), "cost: 5$");
    }

    #[test]
    fn undefined_variables_are_empty_and_recorded() {
        let outcome = run("a-${NOPE}-b-${NOPE}-${OTHER:=x}").unwrap();
        assert_eq!(outcome.text, "a--b--x");
        assert_eq!(outcome.undefined, ["NOPE"]);
    }

    #[test]
    fn string_functions() {
        assert_eq!(text("${#APP}"), "4");
        assert_eq!(text("${APP:1}"), "lex");
        assert_eq!(text("${APP:1:2}"), "le");
        assert_eq!(text("${APP:-3}"), "plex");
        assert_eq!(text("${DOMAIN/example/test}"), "test.com");
        assert_eq!(text("${DOMAIN//e/E}"), "ExamplE.com");
        assert_eq!(text("${DOMAIN#*.}"), "com");
        assert_eq!(text("${DOMAIN%.*}"), "example");
        assert_eq!(text("${APP^}"), "Plex");
        assert_eq!(text("${APP^^}"), "PLEX");
    }

    #[test]
    fn malformed_expressions_fail() {
        assert!(run("${APP").is_err());
        assert!(run("${}").is_err());
        assert!(run("${ APP}").is_err());
        assert!(run("${APP-x}").is_err());
    }
}
