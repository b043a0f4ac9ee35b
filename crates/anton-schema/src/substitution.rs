//! `flux/undefined-variable`: a `${VAR}` that the applying Flux
//! Kustomization's `postBuild` does not define.
//!
//! Interim: this reads the repository's objects as written and the
//! `postBuild.substitute` / `substituteFrom` of the Kustomization that applies
//! each one, as its own parent applies it (ConfigMaps and Secrets found
//! anywhere in the repository). Once the build
//! engine records the variables it could not substitute, that record is the
//! better source and this pass goes.

use std::collections::BTreeSet;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use anton_core::{Finding, Location, Severity};
use anton_repo::Repository;
use anton_yaml::{Node, ScalarStyle, Value};
use rayon::prelude::*;

use crate::variables::{Definitions, variables};

/// An object and the Flux Kustomization that applies it.
#[derive(Debug, Clone)]
pub struct Applied<'a> {
    pub object: &'a Node,
    pub subject: Option<&'a str>,
    /// The applying Kustomization's node (as its parent applies it: built,
    /// with the parent's postBuild substituted) and its namespace.
    pub kustomization: &'a Node,
    pub namespace: &'a str,
    /// The Kustomizations that apply that Kustomization: their `spec.patches`
    /// may push a `postBuild` into it (the usual way a cluster's root
    /// Kustomization gives every app `substituteFrom: cluster-settings`).
    pub parents: Vec<&'a Node>,
}

const DISABLED_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// Every variable that stays undefined after Flux's substitution, at its line.
pub fn undefined_variables(repo: &Repository, applied: &[Applied<'_>]) -> Vec<Finding> {
    // What each Kustomization defines, worked out once per Kustomization.
    let sources = SubstitutionSources::index(repo);
    let mut pushed = PushedPostBuilds::default();
    let mut definitions: HashMap<usize, Option<Definitions>> = HashMap::new();
    for item in applied {
        definitions
            .entry(item.kustomization as *const Node as usize)
            .or_insert_with(|| postbuild_definitions(&sources, &mut pushed, item.kustomization, &item.parents, item.namespace));
    }
    // Which objects are checked, and against what.
    let checked: Vec<(usize, &Definitions)> = applied
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let defined = definitions.get(&(item.kustomization as *const Node as usize)).and_then(Option::as_ref)?;
            (defined.complete && !substitution_disabled(item.object)).then_some((index, defined))
        })
        .collect();
    // An object written once is applied by every cluster that uses it: its
    // variables are read once (in parallel), each application filters them.
    let mut distinct: Vec<&Node> = Vec::new();
    let mut seen: HashSet<usize> = HashSet::new();
    for &(index, _) in &checked {
        let object = applied[index].object;
        if seen.insert(object as *const Node as usize) {
            distinct.push(object);
        }
    }
    let read: HashMap<usize, Vec<Occurrence<'_>>> = distinct
        .par_iter()
        .map(|object| {
            let mut found = Vec::new();
            occurrences(object, &mut found);
            (*object as *const Node as usize, found)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let mut missing: Vec<(usize, &Node, &str, usize)> = Vec::new();
    for (index, defined) in checked {
        let Some(found) = read.get(&(applied[index].object as *const Node as usize)) else { continue };
        for occurrence in found {
            if !occurrence.has_default && !defined.names.contains(occurrence.name) {
                missing.push((index, occurrence.node, occurrence.name, occurrence.nth));
            }
        }
    }
    let mut findings = Vec::with_capacity(missing.len());
    for (index, node, name, occurrence) in missing {
        let item = &applied[index];
        let location = position(repo, node, name, occurrence);
        let ks_name = item.kustomization.str_at(&["metadata", "name"]).unwrap_or("?");
        let mut finding = Finding::new(
            crate::rules::UNDEFINED_VARIABLE,
            Severity::Warning,
            format!(
                "`${{{name}}}` is not defined by the postBuild of Kustomization {}/{ks_name}: Flux substitutes an empty string",
                item.namespace
            ),
        )
        .at(location)
        .hint(format!(
            "define {name} in spec.postBuild.substitute or in a substituteFrom ConfigMap/Secret, give it a default \
             (${{{name}:=value}}), or write $${{{name}}} if it is not meant for Flux"
        ));
        // The built node's spans point at the lines that set each value.
        if let Some(post_build) = item.kustomization.path(&["spec", "postBuild"]).filter(|p| (p.span.file as usize) < repo.files.len()) {
            finding = finding.related(repo.span_location(post_build.span), "the postBuild that applies");
        }
        if let Some(subject) = item.subject {
            finding = finding.object(subject);
        }
        findings.push(finding);
    }
    findings
}

fn substitution_disabled(object: &Node) -> bool {
    object
        .path(&["metadata", "annotations"])
        .and_then(|a| a.get(DISABLED_ANNOTATION))
        .and_then(Node::scalar_text)
        .is_some_and(|v| v == "disabled")
}

/// The repository's ConfigMaps and Secrets by name, for `substituteFrom`:
/// those of the checked folder and those written outside it (a
/// `clusters/<name>/cluster-settings.yaml` beside `kubernetes/`).
struct SubstitutionSources<'r> {
    by_name: HashMap<(&'r str, &'r str), Vec<(Option<&'r str>, &'r Node)>>,
}

impl<'r> SubstitutionSources<'r> {
    fn index(repo: &'r Repository) -> Self {
        let mut by_name: HashMap<(&str, &str), Vec<(Option<&str>, &Node)>> = HashMap::new();
        for object in &repo.objects {
            if object.group().is_empty() && matches!(object.kind.as_str(), "ConfigMap" | "Secret") {
                by_name
                    .entry((object.kind.as_str(), object.name.as_str()))
                    .or_default()
                    .push((object.namespace.as_deref(), repo.node(object)));
            }
        }
        for (_, node) in &repo.outside_objects {
            let (Some("v1"), Some(kind @ ("ConfigMap" | "Secret")), Some(name)) =
                (node.str_at(&["apiVersion"]), node.str_at(&["kind"]), node.str_at(&["metadata", "name"]))
            else {
                continue;
            };
            by_name.entry((kind, name)).or_default().push((node.str_at(&["metadata", "namespace"]), &**node));
        }
        Self { by_name }
    }

    /// The keys of the ConfigMap or Secret `kind/name` Flux would read from
    /// `namespace`; `None` when the repository does not have it.
    fn keys(&self, kind: &str, name: &str, namespace: &str) -> Option<Vec<String>> {
        let candidates = self.by_name.get(&(kind, name))?;
        let (_, node) = candidates
            .iter()
            .find(|(ns, _)| *ns == Some(namespace))
            .or_else(|| candidates.iter().find(|(ns, _)| ns.is_none()))
            .or_else(|| candidates.first())?;
        let mut keys = Vec::new();
        for field in ["data", "stringData", "binaryData"] {
            if let Some(data) = node.get(field) {
                keys.extend(data.entries().iter().filter_map(|e| e.key.scalar_text().map(str::to_owned)));
            }
        }
        Some(keys)
    }
}

/// What a Kustomization's postBuild defines — its own, merged with what its
/// parents' `spec.patches` push into it; `None` without any postBuild (Flux
/// then substitutes nothing at all).
fn postbuild_definitions(
    sources: &SubstitutionSources<'_>,
    pushed: &mut PushedPostBuilds,
    kustomization: &Node,
    parents: &[&Node],
    namespace: &str,
) -> Option<Definitions> {
    let mut post_builds: Vec<Node> = kustomization.path(&["spec", "postBuild"]).cloned().into_iter().collect();
    let mut complete = true;
    let name = kustomization.str_at(&["metadata", "name"]).unwrap_or_default();
    for parent in parents {
        for patch in pushed.of(parent).iter() {
            if !patch.target.matches(name) {
                continue;
            }
            post_builds.extend(patch.post_builds.iter().cloned());
            complete &= !patch.opaque;
        }
    }
    if post_builds.is_empty() {
        return None;
    }
    let mut names = BTreeSet::new();
    for post_build in &post_builds {
        if let Some(substitute) = post_build.get("substitute") {
            names.extend(substitute.entries().iter().filter_map(|e| e.key.scalar_text().map(str::to_owned)));
        }
        for reference in post_build.get("substituteFrom").map(Node::items).unwrap_or_default() {
            let kind = reference.str_at(&["kind"]).unwrap_or_default();
            let name = reference.str_at(&["name"]).unwrap_or_default();
            match sources.keys(kind, name, namespace).filter(|_| !name.contains("${")) {
                Some(keys) => names.extend(keys),
                // Made elsewhere (in the cluster, by a generator, by bootstrap):
                // its keys are unknown. `optional: true` does not mean absent —
                // the common `cluster-secrets` pattern is optional and created
                // out of band.
                None => complete = false,
            }
        }
    }
    Some(Definitions { names, complete })
}

/// A parent Kustomization's `spec.patches` entry that writes a `postBuild`.
struct PushedPostBuild {
    target: PatchTarget,
    /// The `spec.postBuild` of each strategic-merge document of the patch.
    post_builds: Vec<Node>,
    /// A JSON 6902 patch could add anything: what it defines is not known here.
    opaque: bool,
}

/// The postBuilds each parent pushes into its children, read once per parent
/// (a cluster root patches every Kustomization it applies with the same text).
#[derive(Default)]
struct PushedPostBuilds {
    by_parent: HashMap<usize, std::rc::Rc<Vec<PushedPostBuild>>>,
}

impl PushedPostBuilds {
    fn of(&mut self, parent: &Node) -> std::rc::Rc<Vec<PushedPostBuild>> {
        let key = parent as *const Node as usize;
        std::rc::Rc::clone(self.by_parent.entry(key).or_insert_with(|| std::rc::Rc::new(Self::read(parent))))
    }

    fn read(parent: &Node) -> Vec<PushedPostBuild> {
        let mut pushed = Vec::new();
        for patch in parent.path(&["spec", "patches"]).map(Node::items).unwrap_or_default() {
            let Some(text) = patch.get("patch").and_then(Node::scalar_text) else { continue };
            if !text.contains("postBuild") {
                continue;
            }
            let mut post_builds = Vec::new();
            let mut opaque = false;
            for document in anton_yaml::parse_stream(text).documents {
                match &document.root.value {
                    Value::Map(_) => post_builds.extend(document.root.path(&["spec", "postBuild"]).cloned()),
                    Value::Seq(_) => opaque = true,
                    _ => {}
                }
            }
            pushed.push(PushedPostBuild { target: PatchTarget::of(patch.get("target")), post_builds, opaque });
        }
        pushed
    }
}

/// A Flux patch `target`, as far as it can select a Kustomization by name.
enum PatchTarget {
    /// No target, or one whose name pattern does not compile: every Kustomization.
    Any,
    /// Another kind or group: none.
    None,
    Named(regex::Regex),
}

impl PatchTarget {
    /// Label and annotation selectors cannot be evaluated here; they count as
    /// a match, which can only make fewer variables undefined.
    fn of(target: Option<&Node>) -> Self {
        let Some(target) = target else { return Self::Any };
        let kind_ok = target.str_at(&["kind"]).is_none_or(|kind| kind == "Kustomization");
        let group_ok = target.str_at(&["group"]).is_none_or(|group| group == "kustomize.toolkit.fluxcd.io");
        if !(kind_ok && group_ok) {
            return Self::None;
        }
        match target.str_at(&["name"]).map(|pattern| regex::Regex::new(&format!("^(?:{pattern})$"))) {
            Some(Ok(regex)) => Self::Named(regex),
            Some(Err(_)) | None => Self::Any,
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Self::Any => true,
            Self::None => false,
            Self::Named(regex) => regex.is_match(name),
        }
    }
}

/// A `${name}` in a scalar: the `nth` use of that name in it.
struct Occurrence<'n> {
    node: &'n Node,
    name: &'n str,
    nth: usize,
    has_default: bool,
}

/// Every variable used in keys and values, in document order.
fn occurrences<'n>(node: &'n Node, out: &mut Vec<Occurrence<'n>>) {
    match &node.value {
        Value::Scalar(scalar) => {
            if !crate::variables::may_hold_variable(&scalar.text) {
                return;
            }
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for variable in variables(&scalar.text) {
                let nth = seen.entry(variable.name).or_default();
                out.push(Occurrence { node, name: variable.name, nth: *nth, has_default: variable.has_default });
                *nth += 1;
            }
        }
        Value::Seq(items) => items.iter().for_each(|item| occurrences(item, out)),
        Value::Map(entries) => {
            for entry in entries {
                occurrences(&entry.key, out);
                occurrences(&entry.value, out);
            }
        }
    }
}

/// The line and column of the `occurrence`-th `${name` in a scalar: from the
/// source text when it can be read (block scalars span lines), else counted
/// from the scalar's start.
fn position(repo: &Repository, node: &Node, name: &str, occurrence: usize) -> Location {
    let span = node.span;
    let needle = format!("${{{name}");
    // The text the load read (a node comes from a file it could read).
    let text = repo.files.get(span.file as usize).map(|file| &*file.text).filter(|text| !text.is_empty());
    if let Some(text) = text {
        let start = (span.start as usize).min(text.len());
        let end = (span.end as usize).clamp(start, text.len());
        if let Some(offset) = text.get(start..end).and_then(|slice| slice.match_indices(&needle).nth(occurrence).map(|(i, _)| start + i)) {
            let before = &text[..offset];
            let line = before.matches('\n').count() as u32 + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            return repo.location(span.file as usize, anton_yaml::Span { line, column, ..span });
        }
    }
    let mut at = span;
    if let Some(scalar) = node.scalar() {
        if !scalar.text.contains('\n') {
            if let Some(offset) = scalar.text.match_indices(&needle).nth(occurrence).map(|(i, _)| i) {
                let quote = u32::from(matches!(node.style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted));
                at.column += quote + scalar.text[..offset].chars().count() as u32;
            }
        }
    }
    repo.span_location(at)
}
