//! What a Flux Kustomization's `spec.patches` do to the objects it applies,
//! including patches pushed down by its parent.
//!
//! A common layout (the Anton cluster's among them) sets cluster policy once:
//! the root Kustomization patches every child Kustomization it applies, and
//! that patch gives each child `spec.patches` of its own (HelmRelease
//! remediation defaults, say). A rule that asks "is `timeout` set on this
//! HelmRelease?" must count a value set that way. This module computes, for
//! every Kustomization of the graph, its effective `spec.patches` — its own,
//! or the ones a parent's patch gave it — and answers "what does the last
//! matching patch set at this path?".
//!
//! Patches on custom resources are merge patches: a parent patch that sets
//! `spec.patches` replaces the child's list rather than extending it, which
//! is what is modelled here. JSON 6902 `add`/`replace` operations are read
//! too. Target selectors match on group, version, kind, name and namespace
//! (anchored regular expressions, as kustomize reads them) and on equality
//! label selectors; set-based label selectors are taken to match.

use foldhash::HashMap;

use anton_core::Location;
use anton_flux::{FluxKind, Graph, NodeId};
use anton_repo::Repository;
use anton_yaml::Node;
use regex::Regex;

use crate::view::ObjectView;

/// One patch of a Flux Kustomization.
#[derive(Debug, Clone)]
pub struct FluxPatch {
    pub target: Option<Target>,
    pub body: PatchBody,
    /// Where the patch is written (the `patch:` of the Kustomization that
    /// wrote it, for patches pushed down through a parent).
    pub location: Location,
    /// `Kustomization/namespace/name` of the Kustomization that wrote it.
    pub written_by: String,
}

#[derive(Debug, Clone)]
pub enum PatchBody {
    /// A strategic-merge (merge) patch: a partial object.
    Merge(Node),
    /// JSON 6902 operations.
    Json(Vec<JsonOp>),
}

#[derive(Debug, Clone)]
pub struct JsonOp {
    pub op: String,
    pub path: Vec<String>,
    pub value: Option<Node>,
}

#[derive(Debug, Clone, Default)]
pub struct Target {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
}

/// What a patch sets for one object, and where the patch is.
#[derive(Debug, Clone, Copy)]
pub struct Patched<'a> {
    pub value: &'a Node,
    pub patch: &'a FluxPatch,
}

/// The effective `spec.patches` of every Kustomization node.
#[derive(Debug, Default)]
pub struct PatchIndex {
    by_node: HashMap<NodeId, Vec<FluxPatch>>,
}

impl PatchIndex {
    /// Computes every Kustomization's patches, parents first (graph nodes are
    /// numbered in the order Flux reaches them, so a parent comes before its
    /// children). `node_of` gives the YAML a Kustomization node is read from.
    pub fn build<'v>(repo: &Repository, graph: &Graph, node_of: impl Fn(NodeId) -> &'v Node) -> Self {
        let mut index = PatchIndex::default();
        for (id, node) in graph.nodes.iter().enumerate() {
            if node.kind != FluxKind::Kustomization {
                continue;
            }
            let written_by = node.id();
            let own = read_patch_list(node_of(id).path(&["spec", "patches"]), repo, None, &written_by);
            let mut effective = own;
            if let Some(parent) = node.applied_by {
                let subject = Subject {
                    group: anton_flux::model::KUSTOMIZE_GROUP,
                    version: "",
                    kind: "Kustomization",
                    name: &node.name,
                    namespace: Some(&node.namespace),
                    labels: labels(node_of(id)),
                };
                for patch in index.patches_for(parent, &subject) {
                    if let Some(list) = set_value(patch, &["spec", "patches"]) {
                        // A merge patch replaces the list; a JSON `add` to `/spec/patches/-` appends.
                        let pushed = read_patch_list(Some(list), repo, Some(&patch.location), &patch.written_by);
                        match &patch.body {
                            PatchBody::Json(ops) if ops.iter().any(|o| o.path.last().is_some_and(|p| p == "-")) => {
                                effective.extend(pushed)
                            }
                            _ => effective = pushed,
                        }
                    }
                }
            }
            index.by_node.insert(id, effective);
        }
        index
    }

    /// The patches of Kustomization `node` that apply to `subject`.
    fn patches_for<'s>(&'s self, node: NodeId, subject: &Subject<'_>) -> impl Iterator<Item = &'s FluxPatch> {
        let subject = subject.clone();
        self.by_node
            .get(&node)
            .into_iter()
            .flatten()
            .filter(move |patch| patch.applies_to(&subject))
    }

    /// What the patches of the Kustomization applying `view` set at `path`
    /// (the last matching patch wins), if any.
    pub fn value_for<'s>(&'s self, view: &ObjectView<'_>, path: &[&str]) -> Option<Patched<'s>> {
        let applier = view.applied_by?;
        let subject = Subject {
            group: view.group(),
            version: view.version(),
            kind: view.kind,
            name: &view.id.name,
            namespace: view.id.namespace.as_deref(),
            labels: labels(view.node),
        };
        self.patches_for(applier, &subject)
            .filter_map(|patch| set_value(patch, path).map(|value| Patched { value, patch }))
            .last()
    }

    /// The effective patches of a Kustomization node.
    pub fn of(&self, node: NodeId) -> &[FluxPatch] {
        self.by_node.get(&node).map(Vec::as_slice).unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
struct Subject<'a> {
    group: &'a str,
    version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
    labels: Vec<(&'a str, &'a str)>,
}

fn labels(node: &Node) -> Vec<(&str, &str)> {
    node.path(&["metadata", "labels"])
        .map(|l| {
            l.entries()
                .iter()
                .filter_map(|e| Some((e.key.scalar_text()?, e.value.scalar_text().unwrap_or(""))))
                .collect()
        })
        .unwrap_or_default()
}

impl FluxPatch {
    fn applies_to(&self, subject: &Subject<'_>) -> bool {
        match &self.target {
            Some(target) => target.matches(subject),
            None => match &self.body {
                // Without a target, a merge patch names its object itself.
                PatchBody::Merge(node) => {
                    let kind_ok = node.str_at(&["kind"]).is_none_or(|k| k == subject.kind);
                    let name_ok = node.str_at(&["metadata", "name"]).is_none_or(|n| n == subject.name);
                    kind_ok && name_ok
                }
                PatchBody::Json(_) => false,
            },
        }
    }
}

impl Target {
    fn matches(&self, subject: &Subject<'_>) -> bool {
        let field = |pattern: &Option<String>, value: &str| pattern.as_deref().is_none_or(|p| anchored_match(p, value));
        field(&self.group, subject.group)
            && (self.version.is_none() || subject.version.is_empty() || field(&self.version, subject.version))
            && field(&self.kind, subject.kind)
            && field(&self.name, subject.name)
            && (self.namespace.is_none() || field(&self.namespace, subject.namespace.unwrap_or("")))
            && self.label_selector.as_deref().is_none_or(|s| labels_match(s, &subject.labels))
    }
}

/// kustomize reads selector fields as anchored regular expressions.
fn anchored_match(pattern: &str, value: &str) -> bool {
    if pattern == value {
        return true;
    }
    if !pattern.contains(['.', '*', '+', '?', '[', '(', '|', '^', '$', '\\']) {
        return false;
    }
    Regex::new(&format!("^(?:{pattern})$")).map(|re| re.is_match(value)).unwrap_or(true)
}

/// Equality-based selectors (`a=b,c!=d,e`); anything set-based is taken to match.
fn labels_match(selector: &str, labels: &[(&str, &str)]) -> bool {
    if selector.contains('(') {
        return true;
    }
    selector.split(',').map(str::trim).filter(|t| !t.is_empty()).all(|term| {
        let get = |key: &str| labels.iter().find(|(k, _)| *k == key.trim()).map(|(_, v)| *v);
        if let Some((key, value)) = term.split_once("!=") {
            get(key) != Some(value.trim())
        } else if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
            get(key) == Some(value.trim())
        } else if let Some(key) = term.strip_prefix('!') {
            get(key).is_none()
        } else {
            get(term).is_some()
        }
    })
}

/// The value a patch sets at `path`, when it sets one.
fn set_value<'p>(patch: &'p FluxPatch, path: &[&str]) -> Option<&'p Node> {
    match &patch.body {
        PatchBody::Merge(node) => node.path(path).filter(|n| !n.is_null()),
        PatchBody::Json(ops) => ops.iter().rev().find_map(|op| {
            if op.op != "add" && op.op != "replace" {
                return None;
            }
            let value = op.value.as_ref()?;
            let op_path: Vec<&str> = op.path.iter().map(String::as_str).filter(|p| *p != "-").collect();
            if op_path.len() > path.len() || op_path.iter().zip(path).any(|(a, b)| a != b) {
                return None;
            }
            value.path(&path[op_path.len()..])
        }),
    }
}

/// Reads a `patches:` list. `inherited` is the location to report for
/// patches that were themselves written inside another patch.
fn read_patch_list(list: Option<&Node>, repo: &Repository, inherited: Option<&Location>, written_by: &str) -> Vec<FluxPatch> {
    let Some(list) = list else { return Vec::new() };
    list.items()
        .iter()
        .filter_map(|item| {
            let patch = item.get("patch")?;
            let location = match inherited {
                Some(location) => location.clone(),
                None => location_of(repo, patch),
            };
            let body = match (patch.scalar_text(), patch.is_map()) {
                (Some(text), _) => parse_body(text)?,
                (None, true) => PatchBody::Merge(patch.clone()),
                _ => return None,
            };
            Some(FluxPatch {
                target: item.get("target").map(read_target),
                body,
                location,
                written_by: written_by.to_owned(),
            })
        })
        .collect()
}

fn location_of(repo: &Repository, node: &Node) -> Location {
    if (node.span.file as usize) < repo.files.len() {
        repo.span_location(node.span)
    } else {
        Location::file("")
    }
}

fn parse_body(text: &str) -> Option<PatchBody> {
    let parsed = anton_yaml::parse_stream(text);
    let root = std::sync::Arc::unwrap_or_clone(parsed.documents.into_iter().next()?.root);
    if root.is_seq() {
        let ops = root
            .items()
            .iter()
            .filter_map(|op| {
                Some(JsonOp {
                    op: op.str_at(&["op"])?.to_owned(),
                    path: op.str_at(&["path"])?.split('/').filter(|p| !p.is_empty()).map(unescape_pointer).collect(),
                    value: op.get("value").cloned(),
                })
            })
            .collect();
        Some(PatchBody::Json(ops))
    } else if root.is_map() {
        Some(PatchBody::Merge(root))
    } else {
        None
    }
}

fn unescape_pointer(part: &str) -> String {
    part.replace("~1", "/").replace("~0", "~")
}

fn read_target(node: &Node) -> Target {
    let text = |key: &str| node.str_at(&[key]).filter(|v| !v.is_empty()).map(str::to_owned);
    Target {
        group: text("group"),
        version: text("version"),
        kind: text("kind"),
        name: text("name"),
        namespace: text("namespace"),
        label_selector: text("labelSelector"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selectors() {
        let labels = [("app", "web"), ("tier", "front")];
        assert!(labels_match("app=web", &labels));
        assert!(labels_match("app==web,tier", &labels));
        assert!(!labels_match("app=db", &labels));
        assert!(labels_match("app!=db,!missing", &labels));
        assert!(labels_match("app in (web, db)", &labels));
    }

    #[test]
    fn selector_fields_are_anchored_regexes() {
        assert!(anchored_match("HelmRelease", "HelmRelease"));
        assert!(!anchored_match("Helm", "HelmRelease"));
        assert!(anchored_match("app-.*", "app-web"));
        assert!(!anchored_match("app-.*", "my-app-web"));
    }

    #[test]
    fn json_ops_set_values_below_their_path() {
        let body = parse_body("- op: add\n  path: /spec/install\n  value:\n    remediation:\n      retries: -1\n").unwrap();
        let patch = FluxPatch { target: None, body, location: Location::file("x"), written_by: String::new() };
        let value = set_value(&patch, &["spec", "install", "remediation", "retries"]).unwrap();
        assert_eq!(value.as_i64(), Some(-1));
        assert!(set_value(&patch, &["spec", "upgrade"]).is_none());
    }
}
