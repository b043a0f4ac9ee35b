//! `--select` / `--ignore`: rule ids, whole families, or `ALL`.
//!
//! The most specific selector wins, as in ruff: `select = ["flux"]` with
//! `ignore = ["flux/prune-unset"]` runs every flux rule but that one, and
//! `select = ["flux/prune-unset"]` with `ignore = ["flux"]` runs just that one.
//! On a tie, ignore wins.

use crate::registry;
use crate::rule::family_of;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    All,
    /// Every check that is not a rule of this crate: the loader's, the
    /// kustomize engine's, the Flux graph's, schema validation's, and the
    /// engine's own suppression findings. `--select structural` gives
    /// `anton validate` as it was before the rules.
    Structural,
    Family(String),
    Rule(String),
}

impl Selector {
    /// Reads a selector, accepting only ids and families the registry knows,
    /// so a typo is an error rather than a silently ignored setting.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(Selector::All);
        }
        if text.eq_ignore_ascii_case("structural") {
            return Ok(Selector::Structural);
        }
        if registry::find(text).is_some() {
            return Ok(Selector::Rule(text.to_owned()));
        }
        if !text.contains('/') && registry::families().any(|family| family == text) {
            return Ok(Selector::Family(text.to_owned()));
        }
        // The structural checks of other crates (the loader, the kustomize
        // and Flux build, the Flux graph, schema validation) are registered
        // too; an id the registry does not know may still come from a check
        // that is not registered (yet), so a well-formed id is accepted —
        // unless it looks like a typo of a registered one.
        let close: Vec<&str> = registry::RULES
            .iter()
            .map(|rule| rule.id)
            .chain(registry::families())
            .filter(|id| *id != text && (id.starts_with(text) || edit_distance(id, text) <= 2))
            .take(3)
            .collect();
        if is_well_formed(text) && close.is_empty() {
            return Ok(if text.contains('/') { Selector::Rule(text.to_owned()) } else { Selector::Family(text.to_owned()) });
        }
        let mut message = format!("unknown rule or family `{text}`");
        if !close.is_empty() {
            message.push_str(&format!(" (did you mean {}?)", close.join(", ")));
        }
        message.push_str("; `anton rules` lists them");
        Err(message)
    }

    pub fn matches(&self, rule: &str) -> bool {
        match self {
            Selector::All => true,
            Selector::Structural => registry::find(rule).is_none_or(|r| r.check().is_none()),
            Selector::Family(family) => family_of(rule) == family,
            Selector::Rule(id) => id == rule,
        }
    }

    pub fn specificity(&self) -> u8 {
        match self {
            Selector::All | Selector::Structural => 0,
            Selector::Family(_) => 1,
            Selector::Rule(_) => 2,
        }
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `family` or `family/slug`, lowercase words with dashes.
pub(crate) fn is_well_formed(text: &str) -> bool {
    let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    match text.split_once('/') {
        Some((family, slug)) => word(family) && word(slug),
        None => word(text),
    }
}

#[derive(Debug, Clone)]
pub struct Selection {
    select: Vec<Selector>,
    ignore: Vec<Selector>,
}

impl Selection {
    pub fn new(select: Vec<Selector>, ignore: Vec<Selector>) -> Self {
        Self { select, ignore }
    }

    pub fn is_enabled(&self, rule: &str) -> bool {
        let best = |list: &[Selector]| list.iter().filter(|s| s.matches(rule)).map(Selector::specificity).max();
        match (best(&self.select), best(&self.ignore)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(selected), Some(ignored)) => selected > ignored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(select: &[&str], ignore: &[&str]) -> Selection {
        let parse = |list: &[&str]| list.iter().map(|s| Selector::parse(s).unwrap()).collect();
        Selection::new(parse(select), parse(ignore))
    }

    #[test]
    fn the_most_specific_selector_wins() {
        let s = selection(&["flux"], &["flux/prune-unset"]);
        assert!(s.is_enabled("flux/no-timeout"));
        assert!(!s.is_enabled("flux/prune-unset"));
        assert!(!s.is_enabled("k8s/latest-tag"));
        let s = selection(&["flux/prune-unset"], &["flux"]);
        assert!(s.is_enabled("flux/prune-unset"));
        assert!(!s.is_enabled("flux/no-timeout"));
        let s = selection(&["structural"], &[]);
        assert!(s.is_enabled("yaml/syntax") && s.is_enabled("flux/path-missing") && s.is_enabled("schema/type"));
        assert!(!s.is_enabled("flux/no-timeout") && !s.is_enabled("k8s/latest-tag"));
        let s = selection(&["structural", "k8s/latest-tag"], &["yaml"]);
        assert!(s.is_enabled("k8s/latest-tag") && !s.is_enabled("yaml/syntax") && s.is_enabled("kustomize/cycle"));
        let s = selection(&["ALL"], &["secrets"]);
        assert!(!s.is_enabled("secrets/plaintext-secret"));
        assert!(s.is_enabled("yaml/syntax"));
    }

    #[test]
    fn unknown_names_are_errors_with_suggestions() {
        let error = Selector::parse("flux/prune").unwrap_err();
        assert!(error.contains("unknown rule") && error.contains("flux/prune-unset"), "{error}");
        assert!(Selector::parse("flux/infinte-retries").is_err());
        assert!(Selector::parse("fluxx").is_err());
        assert!(Selector::parse("Nope!").is_err());
        // The structural checks of other crates are registered: the build's and schema validation's.
        for id in ["kustomize/patch-target-missing", "flux/substitution-failed", "schema/unknown-kind"] {
            assert!(registry::find(id).is_some(), "{id} is not registered");
            assert_eq!(Selector::parse(id), Ok(Selector::Rule(id.into())));
        }
        assert!(registry::families().any(|family| family == "schema"));
        assert_eq!(Selector::parse("schema"), Ok(Selector::Family("schema".into())));
        // A typo of a newly registered id is an error, not a silently unknown id.
        let error = Selector::parse("schema/unknown-kinds").unwrap_err();
        assert!(error.contains("schema/unknown-kind"), "{error}");
        // Well-formed ids and families the registry does not know are accepted as written.
        assert_eq!(Selector::parse("vendor/custom-check"), Ok(Selector::Rule("vendor/custom-check".into())));
        assert_eq!(Selector::parse("vendor"), Ok(Selector::Family("vendor".into())));
        assert_eq!(Selector::parse("all"), Ok(Selector::All));
        assert_eq!(Selector::parse("ingress"), Ok(Selector::Family("ingress".into())));
    }
}
