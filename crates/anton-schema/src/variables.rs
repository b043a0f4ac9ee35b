//! Flux postBuild substitution variables: `${VAR}`, `${VAR:=default}`.
//!
//! Substitution itself belongs to the build engine. Here: finding the
//! variables in a value (so validation can accept a placeholder wherever a
//! scalar goes) and reporting those that nothing defines
//! (`flux/undefined-variable`): Flux replaces them with an empty string, so a
//! name, an image tag or a port silently becomes `""`.

use std::collections::BTreeSet;

/// One `${…}` in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable<'t> {
    pub name: &'t str,
    /// Byte offset of the `$`.
    pub offset: usize,
    /// `${VAR:=x}`, `${VAR:-x}`, `${VAR=x}`, `${VAR-x}`: defined either way.
    pub has_default: bool,
}

/// Every variable reference in `text`, skipping `$${VAR}` (an escaped,
/// literal `${VAR}`).
pub fn variables(text: &str) -> Vec<Variable<'_>> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(relative) = text[from..].find("${") {
        let offset = from + relative;
        from = offset + 2;
        if offset > 0 && bytes[offset - 1] == b'$' {
            continue;
        }
        let rest = &text[offset + 2..];
        let name_len = rest
            .char_indices()
            .take_while(|(i, c)| c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
            .count();
        if name_len == 0 {
            continue;
        }
        let Some(close) = rest.find('}') else { continue };
        if close < name_len {
            continue;
        }
        let operator = &rest[name_len..close];
        if !operator.is_empty() && !operator.starts_with([':', '=', '-', '+', '/', '#', '%', '^', ',']) {
            continue;
        }
        let has_default = [":=", ":-", "=", "-"].iter().any(|op| operator.starts_with(op));
        found.push(Variable { name: &rest[..name_len], offset, has_default });
        from = offset + 2 + close + 1;
    }
    found
}

/// Whether a value holds a substitution placeholder (and so has no type
/// until Flux substitutes it).
pub fn has_placeholder(text: &str) -> bool {
    may_hold_variable(text) && !variables(text).is_empty()
}

/// Whether `text` has a `${`, the test every scalar of every applied object
/// goes through: a byte scan, where the general substring search (`contains`)
/// spent more setting itself up for a short value than the rest of the check.
pub fn may_hold_variable(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().zip(bytes.iter().skip(1)).any(|(&first, &second)| first == b'$' && second == b'{')
}

/// What one Flux Kustomization's `postBuild` defines.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    pub names: BTreeSet<String>,
    /// False when a `substituteFrom` source is not in the repository (made
    /// in the cluster, or by another tool): its keys are unknown, so nothing
    /// can be called undefined.
    pub complete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_needs_a_dollar_and_a_brace_side_by_side() {
        for (text, expected) in [("${A}", true), ("x ${", true), ("$${A}", true), ("$", false), ("{$", false), ("$ {A}", false), ("", false), ("€${A}", true)] {
            assert_eq!(may_hold_variable(text), expected, "{text:?}");
        }
    }

    #[test]
    fn finds_variables_and_their_defaults() {
        let found = variables("host: ${APP}.${DOMAIN:=example.com} ${X:-1} $${ESCAPED} ${not valid} ${{ github }}");
        let names: Vec<(&str, bool)> = found.iter().map(|v| (v.name, v.has_default)).collect();
        assert_eq!(names, [("APP", false), ("DOMAIN", true), ("X", true)]);
        assert_eq!(found[0].offset, 6);
        assert!(has_placeholder("${REPLICAS}"));
        assert!(!has_placeholder("$${REPLICAS}"));
        assert!(!has_placeholder("price: $5"));
        assert_eq!(variables("${A}${B}").len(), 2);
        assert_eq!(variables("${_under_score1}")[0].name, "_under_score1");
        assert!(variables("${1abc}").is_empty());
    }
}
