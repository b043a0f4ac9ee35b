//! postBuild variables as the graph needs them: the values a Flux
//! Kustomization substitutes into the Flux objects it applies, read from
//! `substitute` and the ConfigMaps and Secrets `substituteFrom` names — those
//! its own cluster applies, never another cluster's of the same name.

use std::cell::Cell;
use foldhash::HashMap;
use std::sync::Arc;

use anton_kustomize::base64_decode;
use anton_repo::Repository;
use anton_yaml::{Node, Value};

use crate::envsubst;
use crate::model::KustomizationSpec;

/// Key/value pairs of a ConfigMap or Secret; `None` values are SOPS-encrypted
/// (their keys are known, their values are not).
pub type Pairs = Vec<(String, Option<String>)>;

/// The data of a v1 ConfigMap or Secret as substitution variables.
pub fn data_pairs(node: &Node, encrypted: bool) -> Pairs {
    let kind = node.str_at(&["kind"]).unwrap_or_default();
    let mut pairs = Vec::new();
    let fields: &[&str] = if kind == "Secret" { &["data", "stringData"] } else { &["data"] };
    for field in fields {
        for entry in node.get(field).map(Node::entries).unwrap_or_default() {
            let Some(key) = entry.key.scalar_text() else { continue };
            if encrypted {
                pairs.push((key.to_owned(), None));
                continue;
            }
            let raw = entry.value.scalar_text().unwrap_or_default();
            let value = if kind == "Secret" && *field == "data" {
                match base64_decode(raw).and_then(|b| String::from_utf8(b).ok()) {
                    Some(v) => v,
                    None => continue,
                }
            } else {
                raw.to_owned()
            };
            pairs.push((key.to_owned(), Some(value)));
        }
    }
    pairs
}

/// Whether an object carries SOPS metadata (its values are ciphertext).
pub fn is_sops(node: &Node) -> bool {
    node.get("sops").is_some_and(Node::is_map)
}

/// Whether `node` is a v1 ConfigMap or Secret (what `substituteFrom` reads).
/// Whether the object opts out of its parent's postBuild substitution
/// (`kustomize.toolkit.fluxcd.io/substitute: disabled`, label or annotation).
pub fn substitution_disabled(node: &Node) -> bool {
    ["labels", "annotations"].iter().any(|field| {
        node.str_at(&["metadata", field, "kustomize.toolkit.fluxcd.io/substitute"]) == Some("disabled")
    })
}

pub fn is_variable_source(node: &Node) -> bool {
    let kind = node.str_at(&["kind"]).unwrap_or_default();
    node.str_at(&["apiVersion"]) == Some("v1") && (kind == "ConfigMap" || kind == "Secret")
}

/// A written object's namespace (if it names one) and its variables.
type NamespacedPairs = (Option<String>, Pairs);

/// The ConfigMaps and Secrets written in the repository, by (kind, name),
/// each with the namespace it names (if any) and its variables.
#[derive(Default)]
pub(crate) struct WrittenSources {
    by_name: HashMap<(String, String), Vec<NamespacedPairs>>,
}

impl WrittenSources {
    pub(crate) fn read(repo: &Repository) -> Self {
        let mut written = WrittenSources::default();
        for object in &repo.objects {
            if object.api_version == "v1" && (object.kind == "ConfigMap" || object.kind == "Secret") {
                let node = repo.node(object);
                let pairs = data_pairs(node, object.sops_encrypted || is_sops(node));
                written.by_name.entry((object.kind.clone(), object.name.clone())).or_default().push((object.namespace.clone(), pairs));
            }
        }
        // A `bootstrap/` Secret outside the target exists as well.
        for (_, node) in &repo.outside_objects {
            if is_variable_source(node) {
                let kind = node.str_at(&["kind"]).unwrap_or_default().to_owned();
                let name = node.str_at(&["metadata", "name"]).unwrap_or_default().to_owned();
                let namespace = node.str_at(&["metadata", "namespace"]).map(str::to_owned);
                written.by_name.entry((kind, name)).or_default().push((namespace, data_pairs(node, is_sops(node))));
            }
        }
        written
    }

    /// The one object of that kind and name in `namespace` (or written
    /// without one). Several — each cluster's own `cluster-settings` — answer
    /// nothing: which one applies is for the cluster's tree to say.
    fn unique(&self, kind: &str, namespace: &str, name: &str) -> Option<&Pairs> {
        let candidates: Vec<&Pairs> = self
            .by_name
            .get(&(kind.to_owned(), name.to_owned()))
            .into_iter()
            .flatten()
            .filter(|(ns, _)| ns.as_deref().is_none_or(|ns| ns == namespace))
            .map(|(_, pairs)| pairs)
            .collect();
        match candidates.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// The ConfigMaps and Secrets each cluster's Kustomizations applied so far,
/// by (cluster, kind, namespace, name).
#[derive(Default)]
pub(crate) struct AppliedSources {
    objects: HashMap<(usize, String, String, String), Pairs>,
}

impl AppliedSources {
    pub(crate) fn add(&mut self, cluster: usize, namespace: &str, node: &Node, encrypted: bool) {
        let kind = node.str_at(&["kind"]).unwrap_or_default().to_owned();
        let name = node.str_at(&["metadata", "name"]).unwrap_or_default().to_owned();
        self.objects.insert((cluster, kind, namespace.to_owned(), name), data_pairs(node, encrypted || is_sops(node)));
    }
}

/// The variables a Kustomization substitutes, in Flux's order: every
/// `substituteFrom` entry in list order (later entries override earlier
/// ones), then `substitute` over all of them. A ConfigMap or Secret is looked
/// up in what the same cluster applies, then among the repository's objects
/// when exactly one answers; one that is not found gives no variables (its
/// keys are unknown, so what uses them stays as written). The flag says
/// whether some variables are unknown that way (or SOPS-encrypted).
pub(crate) fn variables_of(
    ks: &KustomizationSpec,
    namespace: &str,
    cluster: usize,
    applied: &AppliedSources,
    written: &WrittenSources,
) -> (Pairs, bool) {
    let mut unknown = false;
    let mut vars: Pairs = Vec::new();
    let mut set = |key: &str, value: Option<String>| {
        let value = value.map(|v| v.replace('\n', ""));
        match vars.iter_mut().find(|(k, _)| k == key) {
            Some(existing) => existing.1 = value,
            None => vars.push((key.to_owned(), value)),
        }
    };
    for (kind, name, _optional) in &ks.substitute_from {
        let key = (cluster, kind.clone(), namespace.to_owned(), name.clone());
        let Some(pairs) = applied.objects.get(&key).or_else(|| written.unique(kind, namespace, name)) else {
            unknown = true;
            continue;
        };
        for (k, v) in pairs {
            set(k, v.clone());
        }
    }
    for (k, v) in &ks.substitute {
        set(k, Some(v.clone()));
    }
    unknown |= vars.iter().any(|(_, v)| v.is_none());
    (vars, unknown)
}

/// Substitutes `vars` into every scalar of `node` as Flux's envsubst does.
/// A scalar that uses a variable with no known value (undefined, or from a
/// SOPS-encrypted Secret) stays as written: the checks skip what still holds
/// `${…}` rather than guess. Returns the substituted copy, or `None` when
/// nothing changes; only the mappings and lists on the way to a changed
/// scalar are copied, the rest stays shared with `node` (most objects hold
/// no `$` at all).
fn substituted_copy(node: &Node, vars: &Pairs) -> Option<Node> {
    node.replacing_scalars(false, &mut |node: &Node, scalar: &anton_yaml::Scalar| {
        if !scalar.text.contains('$') {
            return None;
        }
        let text = substitute_text(&scalar.text, vars).filter(|text| **text != *scalar.text)?;
        Some(node.with_value(Value::Scalar(anton_yaml::Scalar { text: text.into() })))
    })
}

/// `text` with `vars` substituted; `None` when it uses a variable with no
/// known value or does not parse (it then stays as written).
pub(crate) fn substitute_text(text: &str, vars: &Pairs) -> Option<String> {
    if !text.contains('$') {
        return Some(text.to_owned());
    }
    let unknown = Cell::new(false);
    let lookup = |name: &str| -> Option<String> {
        match vars.iter().find(|(k, _)| k == name) {
            Some((_, Some(value))) => Some(value.clone()),
            Some((_, None)) => {
                unknown.set(true);
                Some(String::new())
            }
            None => None,
        }
    };
    let outcome = envsubst::substitute(text, &lookup).ok()?;
    (outcome.undefined.is_empty() && !unknown.get()).then_some(outcome.text)
}

/// `node` with `vars` substituted (shared when nothing changes).
pub(crate) fn substituted(node: &Arc<Node>, vars: &Pairs) -> Arc<Node> {
    if vars.is_empty() {
        return node.clone();
    }
    substituted_copy(node, vars).map_or_else(|| node.clone(), Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Option<&str>)]) -> Pairs {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned))).collect()
    }

    fn substitute(yaml: &str, values: &Pairs) -> String {
        let parsed = anton_yaml::parse_stream(yaml);
        let node = substituted_copy(&parsed.documents[0].root, values).unwrap_or_else(|| Node::clone(&parsed.documents[0].root));
        node.str_at(&["spec", "path"]).unwrap_or_default().to_owned()
    }

    /// Whether the mappings at `path` of two trees share their entries.
    fn shared_at(a: &Node, b: &Node, path: &[&str]) -> bool {
        a.path(path).expect("path").shares_children_with(b.path(path).expect("path"))
    }

    #[test]
    fn substitution_copies_only_the_way_to_what_changes() {
        let parsed = anton_yaml::parse_stream(
            "metadata:\n  name: app\n  labels: {tier: web}\nspec:\n  path: ./apps/${CLUSTER}\n  values: {replicas: 2}\n",
        );
        let root = &parsed.documents[0].root;
        let copy = substituted(root, &vars(&[("CLUSTER", Some("a"))]));
        assert_eq!(copy.str_at(&["spec", "path"]), Some("./apps/a"));
        assert_eq!(root.str_at(&["spec", "path"]), Some("./apps/${CLUSTER}"), "the original is left alone");
        // Beside the changed scalar: shared with the original, not copied.
        assert!(shared_at(&copy, root, &["metadata"]));
        assert!(shared_at(&copy, root, &["spec", "values"]));
        assert!(!shared_at(&copy, root, &["spec"]));
        // Nothing to substitute (no `$`, or only unknown variables): the same tree.
        let unchanged = substituted(root, &vars(&[("OTHER", Some("b"))]));
        assert!(Arc::ptr_eq(&unchanged, root));
    }

    #[test]
    fn known_values_are_substituted_and_unknown_ones_stay_as_written() {
        let values = vars(&[("CLUSTER", Some("a")), ("TOKEN", None)]);
        assert_eq!(substitute("spec:\n  path: ./apps/${CLUSTER}\n", &values), "./apps/a");
        assert_eq!(substitute("spec:\n  path: ./apps/${ENV:=prod}\n", &values), "./apps/prod");
        assert_eq!(substitute("spec:\n  path: ./apps/${MISSING}\n", &values), "./apps/${MISSING}");
        assert_eq!(substitute("spec:\n  path: ./apps/${TOKEN}\n", &values), "./apps/${TOKEN}");
        assert_eq!(substitute("spec:\n  path: ./apps/$${CLUSTER}\n", &values), "./apps/${CLUSTER}");
        assert_eq!(substitute_text("${APP}-config", &vars(&[("APP", Some("sonarr"))])).as_deref(), Some("sonarr-config"));
        assert_eq!(substitute_text("${NS:=media}", &Vec::new()).as_deref(), Some("media"));
        assert_eq!(substitute_text("${broken", &Vec::new()), None);
    }
}
