//! Which objects a patch `target` (or a replacement's `select`) picks:
//! group, version, kind, name and namespace as anchored regular expressions,
//! plus label and annotation selectors in Kubernetes syntax.

use std::sync::Arc;

use anton_yaml::{Node, Span};
use regex::Regex;

use crate::resource::Resource;

/// A `target:` as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetSpec {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
    pub span: Span,
}

impl TargetSpec {
    pub fn from_node(node: &Node) -> TargetSpec {
        let text = |key: &str| node.str_at(&[key]).filter(|t| !t.is_empty()).map(str::to_owned);
        TargetSpec {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: text("name"),
            namespace: text("namespace"),
            label_selector: text("labelSelector"),
            annotation_selector: text("annotationSelector"),
            span: node.span,
        }
    }
}

/// One field of a target: kustomize reads it as an anchored regular
/// expression; most are plain names (`HelmRelease`, `my-app`), compared as
/// text without a regex.
#[derive(Debug, Clone)]
enum Pattern {
    Literal(String),
    /// Shared, not cloned: a cloned `Regex` starts an empty pool of match
    /// caches, and building a cache on every first match cost more than the
    /// matching itself.
    Regex(Arc<Regex>),
}

impl Pattern {
    fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Literal(literal) => literal == text,
            Pattern::Regex(regex) => regex.is_match(text),
        }
    }
}

fn anchored(pattern: &Option<String>) -> Result<Option<Pattern>, String> {
    thread_local! {
        // The same few targets (`kind: Namespace`, a parent's patch on every
        // HelmRelease) are compiled once per folder and per Flux
        // Kustomization otherwise.
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Arc<Regex>>> = Default::default();
    }
    let Some(p) = pattern else { return Ok(None) };
    // Characters that mean nothing special in a regex outside a class.
    if p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | ':' | '@')) {
        return Ok(Some(Pattern::Literal(p.clone())));
    }
    if let Some(regex) = COMPILED.with(|compiled| compiled.borrow().get(p).cloned()) {
        return Ok(Some(Pattern::Regex(regex)));
    }
    let regex = Arc::new(Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("invalid regular expression `{p}`: {e}"))?);
    COMPILED.with(|compiled| compiled.borrow_mut().insert(p.clone(), Arc::clone(&regex)));
    Ok(Some(Pattern::Regex(regex)))
}

/// A compiled selector.
#[derive(Debug)]
pub(crate) struct Selector {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

impl Selector {
    pub(crate) fn new(spec: &TargetSpec) -> Result<Selector, String> {
        Ok(Selector {
            group: anchored(&spec.group)?,
            version: anchored(&spec.version)?,
            kind: anchored(&spec.kind)?,
            name: anchored(&spec.name)?,
            namespace: anchored(&spec.namespace)?,
            labels: spec.label_selector.as_deref().map(LabelSelector::parse).transpose()?,
            annotations: spec.annotation_selector.as_deref().map(LabelSelector::parse).transpose()?,
        })
    }

    /// kustomize's `Select`: name and namespace may match the original or
    /// the current identity; group, version and kind the current one.
    pub(crate) fn matches(&self, resource: &Resource) -> bool {
        // Most selectors name a kind: most objects fail here, before their
        // identity is copied out.
        if self.kind.as_ref().is_some_and(|kind| !kind.is_match(resource.kind().trim())) {
            return false;
        }
        let current = resource.id();
        let original = resource.prev_ids.first().unwrap_or(&current);
        let is = |pattern: &Option<Pattern>, text: &str| pattern.as_ref().is_none_or(|p| p.is_match(text));
        if !(is(&self.namespace, original.effective_namespace()) || is(&self.namespace, current.effective_namespace())) {
            return false;
        }
        if !(is(&self.name, &original.name) || is(&self.name, &current.name)) {
            return false;
        }
        if !is(&self.group, current.group()) || !is(&self.version, current.version()) || !is(&self.kind, &current.kind) {
            return false;
        }
        if let Some(labels) = &self.labels {
            if !labels.matches(|key| resource.label(key)) {
                return false;
            }
        }
        if let Some(annotations) = &self.annotations {
            if !annotations.matches(|key| resource.annotation(key)) {
                return false;
            }
        }
        true
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A Kubernetes label selector: `app=web,tier!=db,env in (a,b),!legacy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    pub(crate) fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut parts = Vec::new();
        let mut depth = 0;
        let mut current = String::new();
        for c in text.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current);
        let mut requirements = Vec::new();
        for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            requirements.push(parse_requirement(part).ok_or_else(|| format!("invalid label selector `{text}`"))?);
        }
        Ok(LabelSelector(requirements))
    }

    pub(crate) fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
        })
    }
}

fn parse_set(text: &str) -> Option<Vec<String>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect())
}

fn parse_requirement(part: &str) -> Option<Requirement> {
    if let Some(key) = part.strip_prefix('!') {
        return Some(Requirement::NotExists(key.trim().to_owned()));
    }
    if let Some((key, value)) = part.split_once("!=") {
        return Some(Requirement::NotEquals(key.trim().to_owned(), value.trim().to_owned()));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Some(Requirement::Equals(key.trim().to_owned(), value.trim().to_owned()));
    }
    let words: Vec<&str> = part.splitn(3, char::is_whitespace).filter(|w| !w.is_empty()).collect();
    if words.len() >= 2 {
        let rest = part[part.find(words[1])? + words[1].len()..].trim();
        match words[1] {
            "in" => return Some(Requirement::In(words[0].to_owned(), parse_set(rest)?)),
            "notin" => return Some(Requirement::NotIn(words[0].to_owned(), parse_set(rest)?)),
            _ => {}
        }
        if let Some(set) = words[1].strip_prefix("in(").map(|s| format!("({s}")) {
            return Some(Requirement::In(words[0].to_owned(), parse_set(&set)?));
        }
    }
    if words.len() == 1 && !part.contains(['(', ')', ' ']) {
        return Some(Requirement::Exists(part.to_owned()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selectors() {
        let labels = [("app", "web"), ("tier", "front")];
        let get = |k: &str| labels.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let sel = |s: &str| LabelSelector::parse(s).unwrap().matches(get);
        assert!(sel("app=web"));
        assert!(sel("app==web,tier"));
        assert!(!sel("app!=web"));
        assert!(sel("tier in (front, back)"));
        assert!(!sel("tier notin (front)"));
        assert!(sel("!legacy"));
        assert!(!sel("legacy"));
        assert!(LabelSelector::parse("a in b").is_err());
    }

    #[test]
    fn plain_names_match_as_text_and_patterns_as_anchored_regexes() {
        let pattern = |p: &str| anchored(&Some(p.to_owned())).unwrap().unwrap();
        assert!(matches!(pattern("HelmRelease"), Pattern::Literal(_)));
        assert!(matches!(pattern("my-app"), Pattern::Literal(_)));
        assert!(pattern("my-app").is_match("my-app") && !pattern("my-app").is_match("my-app-2"));
        assert!(matches!(pattern("app.*"), Pattern::Regex(_)));
        assert!(pattern("app-.*").is_match("app-1") && !pattern("app-.*").is_match("my-app-1"), "anchored");
        // `.` is a regex metacharacter: `a.b` matches `axb`, as in kustomize.
        assert!(pattern("a.b").is_match("axb"));
        assert!(pattern("Deployment|StatefulSet").is_match("StatefulSet"));
        assert!(anchored(&Some("(".to_owned())).is_err());
    }
}
