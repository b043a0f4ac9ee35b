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
        // Every check of every crate is registered, so an id the registry
        // does not know selects nothing: a run that "passes" because it
        // checked nothing is worse than an error.
        let mut close: Vec<&str> = registry::RULES
            .iter()
            .map(|rule| rule.id)
            .chain(registry::families())
            .filter(|id| *id != text && id.starts_with(text))
            .take(3)
            .collect();
        if close.is_empty()
            && let Some((distance, nearest)) = registry::RULES
                .iter()
                .map(|rule| rule.id)
                .chain(registry::families())
                .map(|id| (edit_distance(id, text), id))
                .min()
            && distance <= (text.len() / 2).max(3)
        {
            close.push(nearest);
        }
        let mut message = format!("unknown rule id or family `{text}`");
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
        // An id no check reports would select nothing, and a run that checks
        // nothing must not pass: unknown ids are errors, with the nearest one.
        let error = Selector::parse("vendor/custom-check").unwrap_err();
        assert!(error.starts_with("unknown rule id or family `vendor/custom-check`"), "{error}");
        let error = Selector::parse("secret/plaintext-secret").unwrap_err();
        assert!(error.contains("did you mean secrets/plaintext-secret?"), "{error}");
        assert!(Selector::parse("vendor").is_err());
        assert_eq!(Selector::parse("all"), Ok(Selector::All));
        assert_eq!(Selector::parse("ingress"), Ok(Selector::Family("ingress".into())));
    }
}
