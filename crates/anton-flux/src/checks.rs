//! Findings about the Flux graph. Each check is a function from the graph
//! (and the repository it was built from) to findings.

use std::collections::BTreeMap;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use anton_core::{Finding, Location, ObjectId, Severity};
use anton_kustomize::Engine;
use anton_repo::Repository;

use crate::graph::{Graph, NodeId};
use crate::model::{FluxKind, FluxSpec};
use crate::sources::{Resolution, RootEvidence, SourceRoot};
use crate::suggest::{Suggestion, suggest};

/// Runs every graph check.
pub fn run_all(graph: &Graph, engine: &Engine<'_>) -> Vec<Finding> {
    let repo = engine.repository();
    let mut findings = Vec::new();
    findings.extend(path_missing(graph, repo));
    findings.extend(source_missing(graph, repo));
    findings.extend(depends_on_missing(graph, repo));
    findings.extend(depends_on_cycles(graph, repo));
    findings.extend(duplicate_objects(graph, engine));
    findings.extend(orphan_files(graph, engine));
    findings
}

/// Where a value of a node's spec was written: spans of built objects carry
/// their file (a patch that set the value, or the object's own file).
fn at(repo: &Repository, graph: &Graph, node: NodeId, span: anton_yaml::Span) -> Location {
    if repo.files.get(span.file as usize).is_some() {
        return repo.span_location(span);
    }
    repo.location(repo.objects[graph.nodes[node].object].file, span)
}

/// `flux/path-missing`: `spec.path` names no folder of the source's artifact.
///
/// Paths resolve under each source's root ([`crate::sources`]). When none of
/// the paths of a source resolves, the root is what is wrong: one finding for
/// the source names the folders that could be its root.
pub fn path_missing(graph: &Graph, repo: &Repository) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, node) in graph.of_kind(FluxKind::Kustomization) {
        let FluxSpec::Kustomization(ks) = &node.spec else { continue };
        let written = ks.path.as_ref().map_or("./", |p| p.value.as_str());
        if node.unknown_variables && written.contains("${") {
            continue;
        }
        let span = ks.path.as_ref().map_or(repo.node(&repo.objects[node.object]).span, |p| p.span);
        let source = graph.source_of(id);
        let location = at(repo, graph, id, span);
        let finding = match graph.resolve_path(id) {
            Resolution::Elsewhere => match source {
                // A source with no root, and this its only checkable path.
                Some(source) if source.root.is_none() && !source.unresolved() && !written.contains('$') => {
                    Some(missing_path(repo, source, "spec.path", written, None, location))
                }
                _ => None,
            },
            Resolution::Excluded(_) => source.map(|source| {
                Finding::new(
                    "flux/path-missing",
                    Severity::Critical,
                    format!("spec.path `{written}` is left out of the artifact by spec.ignore of {}", source.id()),
                )
                .at(location)
                .hint(format!("remove the pattern that excludes it from spec.ignore of {}, or point spec.path elsewhere", source.id()))
            }),
            Resolution::Folder(dir) if repo.is_dir(&dir) => None,
            Resolution::Folder(_) if source.is_some_and(|s| s.unresolved()) => None,
            Resolution::Folder(dir) => match source {
                Some(source) => Some(missing_path(repo, source, "spec.path", written, Some(&dir), location)),
                // An ExternalArtifact's copy of this repository.
                None => Some(
                    Finding::new("flux/path-missing", Severity::Critical, format!("spec.path `{written}` {}", what_is(repo, &dir)))
                        .at(location)
                        .hint(format!("the artifact maps spec.path to ./{dir}, which is not a folder of this repository")),
                ),
            },
        };
        if let Some(mut finding) = finding {
            if let Some(hint) = unresolved_variable_hint(graph, id, written) {
                finding.hint = Some(hint);
            }
            findings.push(finding.object(node.id()));
        }
    }
    for sync in graph.syncs.iter().filter(|sync| !sync.outside) {
        let Some(path) = &sync.path else { continue };
        let Some(source) = graph.sources.get(&(sync.kind.clone(), sync.namespace.clone())) else { continue };
        if path.value.contains('$') || source.unresolved() {
            continue;
        }
        let location = repo.span_location(path.span);
        match crate::sources::resolve_path(&graph.sources, &(sync.kind.clone(), sync.namespace.clone()), &path.value) {
            Resolution::Folder(dir) if !repo.is_dir(&dir) => findings.push(missing_path(repo, source, "spec.sync.path", &path.value, Some(&dir), location)),
            Resolution::Elsewhere if source.root.is_none() => findings.push(missing_path(repo, source, "spec.sync.path", &path.value, None, location)),
            _ => {}
        }
    }
    for source in graph.sources.values().filter(|s| s.unresolved()) {
        findings.push(unresolved_source(graph, repo, source));
    }
    findings
}

/// For a path still holding `${VAR}` after its parent's substitution: which
/// variables, and where they should be defined (the parent's postBuild).
fn unresolved_variable_hint(graph: &Graph, node: NodeId, written: &str) -> Option<String> {
    let mut names: Vec<&str> = written
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        // The name alone, without a default (`:=`, `:-`, `=`, `-`) or operator.
        .map(|inner| inner.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or(inner))
        .filter(|name| !name.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    let variables = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    if variables.is_empty() {
        return None;
    }
    let parent = graph.nodes[node].applied_by.map(|p| &graph.nodes[p]);
    let Some((parent, FluxSpec::Kustomization(ks))) = parent.map(|p| (p, &p.spec)) else {
        return Some(format!(
            "spec.path still holds {variables}: nothing substitutes variables here, so write the folder's path"
        ));
    };
    let mut sources = vec!["spec.postBuild.substitute".to_owned()];
    sources.extend(ks.substitute_from.iter().map(|(kind, name, _)| format!("{kind} {name}")));
    Some(format!(
        "spec.path still holds {variables} after substitution: define it in the postBuild of {} that applies this object ({})",
        parent.id(),
        sources.join(", ")
    ))
}

fn what_is(repo: &Repository, dir: &str) -> &'static str {
    if repo.exists(dir) { "is a file, not a folder" } else { "does not exist in this repository" }
}

/// One path of a source that does not resolve (`dir`: where it would be).
fn missing_path(repo: &Repository, source: &SourceRoot, field: &str, written: &str, dir: Option<&str>, location: Location) -> Finding {
    let Some(dir) = dir else {
        return Finding::new(
            "flux/path-missing",
            Severity::Critical,
            format!("{field} `{written}` is in no folder of this repository that could be the root of {}", source.id()),
        )
        .at(location)
        .hint(root_hint(source));
    };
    let root = source.root.as_deref().unwrap_or_default();
    let nearest = std::path::Path::new(dir)
        .ancestors()
        .skip(1)
        .map(|p| p.to_string_lossy().into_owned())
        .take_while(|p| p.len() > root.len() || p == root)
        .find(|p| !p.is_empty() && p != root && repo.is_dir(p))
        .map(|p| format!("./{}", p[root.len()..].trim_start_matches('/')));
    let relative_to = match &source.evidence {
        RootEvidence::GitCheckout => "the root of the repository".to_owned(),
        RootEvidence::Workflow(push) => {
            format!("the root of the OCI artifact, which CI pushes from {} ({push})", source.root_display())
        }
        RootEvidence::Configured => format!("the root of {}, which .anton.toml sets to {}", source.id(), source.root_display()),
        RootEvidence::Inferred => format!(
            "the root of {}'s artifact, {} (the folder the other paths resolve under)",
            source.id(),
            source.root_display()
        ),
    };
    let hint = match (nearest, &source.evidence) {
        (Some(parent), _) => format!("{field} is relative to {relative_to}; the deepest folder of it that exists is {parent}"),
        (None, RootEvidence::GitCheckout) => {
            "spec.path is relative to the root of the repository (the folder holding .git), e.g. ./kubernetes/apps".to_owned()
        }
        (None, _) => format!("{field} is relative to {relative_to}"),
    };
    let what = what_is(repo, dir);
    let what = if what.starts_with("does not") && !matches!(source.evidence, RootEvidence::GitCheckout) {
        format!("does not exist in the artifact of {}", source.id())
    } else {
        what.to_owned()
    };
    Finding::new("flux/path-missing", Severity::Critical, format!("{field} `{written}` {what}"))
        .at(location)
        .hint(hint)
}

/// What to do about a source none of whose paths resolve: where its root may be.
fn root_hint(source: &SourceRoot) -> String {
    let state = format!(
        "state the root in .anton.toml (`[sources] roots = {{ \"{}\" = \"./kubernetes\" }}`)",
        source.id()
    );
    let state = if source.kind == "OCIRepository" {
        format!("{state} or push the artifact with `flux push artifact --path=<folder>` in .github/workflows")
    } else {
        state
    };
    match source.candidates.as_slice() {
        [] => format!("no folder of this repository holds these paths; fix the paths, or {state}"),
        candidates => format!(
            "the artifact's root is not {}; folders that hold these paths: {}; {state}",
            source.root_display(),
            candidates.iter().map(|c| if c.is_empty() { "./".to_owned() } else { format!("./{c}") }).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// `flux/path-missing` for a source none of whose (several) paths resolves.
fn unresolved_source(graph: &Graph, repo: &Repository, source: &SourceRoot) -> Finding {
    let users: Vec<NodeId> = graph
        .of_kind(FluxKind::Kustomization)
        .filter(|(id, _)| graph.source_of(*id).is_some_and(|s| s.kind == source.kind && s.name == source.name))
        .map(|(id, _)| id)
        .collect();
    let under = match (&source.root, &source.evidence) {
        (Some(_), RootEvidence::Workflow(push)) => {
            format!(" under {}, where CI pushes the artifact from ({push})", source.root_display())
        }
        (Some(_), RootEvidence::Configured) => format!(" under {}, the root .anton.toml sets", source.root_display()),
        (Some(_), _) => format!(" under {}", source.root_display()),
        (None, _) => " under any folder of this repository".to_owned(),
    };
    let location = source.location.clone().or_else(|| {
        let first = *users.first()?;
        let FluxSpec::Kustomization(ks) = &graph.nodes[first].spec else { return None };
        Some(at(repo, graph, first, ks.path.as_ref()?.span))
    });
    let mut finding = Finding::new(
        "flux/path-missing",
        Severity::Critical,
        format!(
            "none of the {} paths of {} resolves{under}: the source's root is wrong, not each path",
            source.checkable,
            source.id()
        ),
    )
    .at_opt(location)
    .object(source.id())
    .hint(root_hint(source));
    for &user in users.iter().take(3) {
        finding = finding.related(graph.nodes[user].location.clone(), format!("{} uses it", graph.nodes[user].id()));
    }
    finding
}

/// The Flux objects of that kind and name written outside the checked
/// folder: a `clusters/` or `flux/` folder beside `kubernetes/`, a
/// `bootstrap/` folder. They exist in the cluster though the target does not
/// apply them; they are looked up, never checked.
pub fn objects_outside<'r>(repo: &'r Repository, kind: FluxKind, name: &'r str) -> impl Iterator<Item = &'r anton_yaml::Node> {
    repo.outside_objects
        .iter()
        .map(|(_, node)| node.as_ref())
        .filter(move |node| {
            node.str_at(&["kind"]) == Some(kind.as_str())
                && node.str_at(&["apiVersion"]).and_then(|v| v.split_once('/')).is_some_and(|(group, _)| group == kind.group())
                && node.str_at(&["metadata", "name"]) == Some(name)
        })
}

/// The namespaces (as written, `None` for none) of [`objects_outside`].
pub fn outside_namespaces<'r>(repo: &'r Repository, kind: FluxKind, name: &'r str) -> impl Iterator<Item = Option<&'r str>> {
    objects_outside(repo, kind, name).map(|node| node.str_at(&["metadata", "namespace"]))
}

/// Whether a Flux object of that kind and name is written outside the
/// checked folder in `namespace`. Written without a namespace, it lands
/// wherever what applies it puts it: it counts as there.
pub fn written_outside(repo: &Repository, kind: FluxKind, namespace: &str, name: &str) -> bool {
    outside_namespaces(repo, kind, name).any(|written| written.is_none_or(|ns| ns == namespace))
}

/// `flux/source-missing`: a sourceRef, chart sourceRef or chartRef names no source.
pub fn source_missing(graph: &Graph, repo: &Repository) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        for (source, field) in node.spec.source_refs() {
            let Some(kind) = FluxKind::parse_source_kind(&source.kind) else { continue };
            if node.unknown_variables && (source.name.contains("${") || source.namespace.as_ref().is_some_and(|ns| ns.contains("${"))) {
                continue;
            }
            let namespace = source.namespace.as_deref().unwrap_or(&node.namespace);
            let generated = kind == FluxKind::ExternalArtifact
                && graph.artifacts.iter().any(|a| a.name == source.name && a.namespace == namespace);
            if generated || graph.lookup(id, &[kind], namespace, &source.name).is_some()
                || graph.is_bootstrap_source(&source.kind, namespace, &source.name)
                || written_outside(repo, kind, namespace, &source.name)
            {
                continue;
            }
            let mut finding = Finding::new(
                "flux/source-missing",
                Severity::Critical,
                format!("{field} names {}/{namespace}/{}, which is not in the repository", source.kind, source.name),
            )
            .at(at(repo, graph, id, source.span))
            .object(node.id());
            let bootstrap = graph.options.bootstrap_sources.iter().filter(|(k, _, _)| *k == source.kind);
            let existing = candidates(graph, id, kind)
                .chain(bootstrap.map(|(_, ns, n)| (ns.as_str(), n.as_str())))
                .chain(graph.artifacts.iter().filter(|_| kind == FluxKind::ExternalArtifact).map(|a| (a.namespace.as_str(), a.name.as_str())));
            let suggestion = suggest(namespace, &source.name, existing);
            if let Some(found) = suggested_node(graph, id, kind, namespace, &source.name, suggestion.as_ref()) {
                let other = &graph.nodes[found];
                finding = finding.related(other.location.clone(), format!("{} exists in namespace {}", other.kind.as_str(), other.namespace));
            }
            finding = match suggestion {
                Some(Suggestion::Namespace(ns)) if source.namespace.is_none() => finding.hint(format!(
                    "sourceRef.namespace defaults to this object's namespace ({}); add `namespace: {ns}`",
                    node.namespace
                )),
                Some(suggestion) => finding.hint(reference_hint(&suggestion, &source.kind, &source.name, namespace, field)),
                None => finding.hint(
                    "no source of that kind has a similar name: add the source to the repository, fix the name, or declare it as a known external source in .anton.toml",
                ),
            };
            findings.push(finding);
        }
    }
    findings
}

fn depends_on_of(node: &crate::FluxNode) -> &[crate::model::DependsOn] {
    match &node.spec {
        FluxSpec::Kustomization(ks) => &ks.depends_on,
        FluxSpec::HelmRelease(hr) => &hr.depends_on,
        FluxSpec::Source(_) => &[],
    }
}

/// `flux/dependson-missing`: `dependsOn` names nothing in the namespace Flux searches.
pub fn depends_on_missing(graph: &Graph, repo: &Repository) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        for dependency in depends_on_of(node) {
            if node.unknown_variables
                && (dependency.name.contains("${") || dependency.namespace.as_ref().is_some_and(|ns| ns.contains("${")))
            {
                continue;
            }
            let namespace = dependency.namespace.as_deref().unwrap_or(&node.namespace);
            // What the target does not apply may be applied from outside it
            // (a Kustomization in `clusters/main/`).
            if graph.lookup(id, &[node.kind], namespace, &dependency.name).is_some()
                || written_outside(repo, node.kind, namespace, &dependency.name)
            {
                continue;
            }
            let mut finding = Finding::new(
                "flux/dependson-missing",
                Severity::Critical,
                format!(
                    "dependsOn `{}`: no {} named {} in namespace {namespace}{}",
                    dependency.name,
                    node.kind.as_str(),
                    dependency.name,
                    if dependency.namespace.is_none() { " (the namespace defaults to this object's own)" } else { "" }
                ),
            )
            .at(at(repo, graph, id, dependency.span))
            .object(node.id());
            let suggestion = suggest(namespace, &dependency.name, candidates(graph, id, node.kind));
            if let Some(found) = suggested_node(graph, id, node.kind, namespace, &dependency.name, suggestion.as_ref()) {
                let other = &graph.nodes[found];
                finding = finding.related(other.location.clone(), format!("{} exists in namespace {}", other.id(), other.namespace));
            }
            finding = match suggestion {
                Some(Suggestion::Namespace(ns)) if dependency.namespace.is_none() => {
                    finding.hint(format!("add `namespace: {ns}` to this dependsOn entry"))
                }
                Some(suggestion) => {
                    finding.hint(reference_hint(&suggestion, node.kind.as_str(), &dependency.name, namespace, "this dependsOn entry"))
                }
                None => finding.hint(format!(
                    "no {} has a similar name: fix the name, or remove the entry if that object was deleted",
                    node.kind.as_str()
                )),
            };
            findings.push(finding);
        }
    }
    findings
}

/// (namespace, name) of the nodes of `kind`, those of `from`'s cluster first.
fn candidates(graph: &Graph, from: NodeId, kind: FluxKind) -> impl Iterator<Item = (&str, &str)> {
    let this = &graph.nodes[from];
    let cluster = this.cluster;
    // Never the object itself: a dependsOn on itself is no fix.
    let is_itself = |n: &crate::FluxNode| n.kind == this.kind && n.namespace == this.namespace && n.name == this.name;
    let mut nodes: Vec<&crate::FluxNode> = graph.nodes.iter().filter(|n| n.kind == kind && !is_itself(n)).collect();
    nodes.sort_by_key(|n| n.cluster != cluster);
    nodes.into_iter().map(|n| (n.namespace.as_str(), n.name.as_str()))
}

/// The node a suggestion points at, to show where it is defined.
fn suggested_node(
    graph: &Graph,
    from: NodeId,
    kind: FluxKind,
    namespace: &str,
    name: &str,
    suggestion: Option<&Suggestion>,
) -> Option<NodeId> {
    let (namespace, name) = match suggestion? {
        Suggestion::Namespace(ns) => (ns.as_str(), name),
        Suggestion::Name(n) => (namespace, n.as_str()),
        Suggestion::NameIn { namespace, name } => (namespace.as_str(), name.as_str()),
    };
    graph.lookup(from, &[kind], namespace, name)
}

/// The hint for a reference `entry` to `namespace/name` of `kind` that names
/// nothing, given what it most likely meant.
fn reference_hint(suggestion: &Suggestion, kind: &str, name: &str, namespace: &str, entry: &str) -> String {
    match suggestion {
        Suggestion::Namespace(ns) => format!("set `namespace: {ns}` in {entry}: {kind} {name} is in namespace {ns}, not {namespace}"),
        Suggestion::Name(nearest) => {
            format!("did you mean `{nearest}`? it is the {kind} in namespace {namespace} with the nearest name")
        }
        Suggestion::NameIn { namespace: ns, name: nearest } => {
            format!("did you mean `{nearest}` in namespace {ns}? set `name: {nearest}` and `namespace: {ns}` in {entry}")
        }
    }
}

/// `flux/dependson-cycle`: objects that wait for each other never become ready.
pub fn depends_on_cycles(graph: &Graph, repo: &Repository) -> Vec<Finding> {
    let mut edges: HashMap<NodeId, Vec<(NodeId, anton_yaml::Span)>> = HashMap::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        for dependency in depends_on_of(node) {
            let namespace = dependency.namespace.as_deref().unwrap_or(&node.namespace);
            if let Some(target) = graph.lookup(id, &[node.kind], namespace, &dependency.name) {
                edges.entry(id).or_default().push((target, dependency.span));
            }
        }
    }
    // Depth-first search with colours; each back edge closes one cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; graph.nodes.len()];
    let mut findings = Vec::new();
    let mut reported: HashSet<Vec<NodeId>> = HashSet::new();
    for start in 0..graph.nodes.len() {
        if colour[start] != Colour::White {
            continue;
        }
        let mut stack: Vec<(NodeId, usize)> = vec![(start, 0)];
        let mut path: Vec<NodeId> = vec![start];
        colour[start] = Colour::Grey;
        while let Some((node, next)) = stack.last().copied() {
            let out = edges.get(&node).map(Vec::as_slice).unwrap_or_default();
            if next >= out.len() {
                colour[node] = Colour::Black;
                stack.pop();
                path.pop();
                continue;
            }
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let (target, span) = out[next];
            match colour[target] {
                Colour::White => {
                    colour[target] = Colour::Grey;
                    stack.push((target, 0));
                    path.push(target);
                }
                Colour::Grey => {
                    let begin = path.iter().position(|&n| n == target).unwrap_or(0);
                    let cycle: Vec<NodeId> = path[begin..].to_vec();
                    let mut key = cycle.clone();
                    key.sort();
                    if reported.insert(key) {
                        let names: Vec<String> = cycle
                            .iter()
                            .chain(std::iter::once(&target))
                            .map(|&n| format!("{}/{}", graph.nodes[n].namespace, graph.nodes[n].name))
                            .collect();
                        let mut finding = Finding::new(
                            "flux/dependson-cycle",
                            Severity::Critical,
                            format!("dependsOn cycle: {}", names.join(" → ")),
                        )
                        .at(at(repo, graph, node, span))
                        .object(graph.nodes[node].id())
                        .hint("none of these can become ready; remove one dependsOn entry to break the cycle");
                        for &member in &cycle {
                            finding = finding.related(graph.nodes[member].location.clone(), graph.nodes[member].id());
                        }
                        findings.push(finding);
                    }
                }
                Colour::Black => {}
            }
        }
    }
    findings
}

/// `flux/duplicate-object`: two Flux Kustomizations apply the same object and
/// fight over it on every reconcile (and one prunes it when the other lets go).
///
/// One finding per pair of Kustomizations, naming the objects they share:
/// a path that overlaps another (often a missing `spec.path`, which means the
/// whole repository) would otherwise bury the cause under one line per object.
pub fn duplicate_objects(graph: &Graph, engine: &Engine<'_>) -> Vec<Finding> {
    let mut owners: HashMap<(usize, &ObjectId), NodeId> = HashMap::new();
    let mut shared: BTreeMap<(NodeId, NodeId), Vec<&crate::Applied>> = BTreeMap::new();
    for (owner, applied_by_owner) in graph.applies_in_order() {
        let cluster = graph.nodes[owner].cluster;
        for applied in applied_by_owner {
            // A name still holding a variable is only known after substitution
            // from ConfigMaps or Secrets; comparing it would compare placeholders.
            if applied.id.name.contains("${") || applied.id.namespace.as_deref().is_some_and(|ns| ns.contains("${")) {
                continue;
            }
            match owners.get(&(cluster, &applied.id)) {
                Some(&first) if graph.nodes[first].id() != graph.nodes[owner].id() => {
                    shared.entry((first, owner)).or_default().push(applied);
                }
                Some(_) => {}
                None => {
                    owners.insert((cluster, &applied.id), owner);
                }
            }
        }
    }
    let mut findings = Vec::new();
    for ((first, second), objects) in shared {
        let (a, b) = (&graph.nodes[first], &graph.nodes[second]);
        let mut examples: Vec<String> = objects.iter().take(3).map(|o| o.id.short()).collect();
        if objects.len() > 3 {
            examples.push(format!("and {} more", objects.len() - 3));
        }
        let location = match objects.as_slice() {
            [only] => engine.origin_location(only.origin),
            _ => b.location.clone(),
        };
        let subject = match objects.as_slice() {
            [only] => only.id.short(),
            _ => b.id(),
        };
        let mut finding = Finding::new(
            "flux/duplicate-object",
            Severity::Critical,
            format!(
                "{} and {} both apply {} object{}: {}",
                a.id(),
                b.id(),
                objects.len(),
                if objects.len() == 1 { "" } else { "s" },
                examples.join(", ")
            ),
        )
        .at(location)
        .object(subject)
        .related(a.location.clone(), format!("{} is defined here", a.id()))
        .related(b.location.clone(), format!("{} is defined here", b.id()))
        .hint("let exactly one Kustomization own each object: they overwrite each other, and a prune by one deletes it for both");
        if let (FluxSpec::Kustomization(ks), Some(path)) = (&b.spec, graph.local_path(second)) {
            if ks.path.is_none() {
                finding = finding.hint(format!(
                    "{} has no spec.path, so it applies the whole source (`{}`); set spec.path to its own folder",
                    b.id(),
                    if path.is_empty() { "./" } else { &path }
                ));
            }
        }
        findings.push(finding);
    }
    findings
}

/// `kustomize/orphan-file`: a manifest inside a folder Flux builds with a
/// kustomization.yaml, that no kustomization lists — it is never applied.
pub fn orphan_files(graph: &Graph, engine: &Engine<'_>) -> Vec<Finding> {
    let repo = engine.repository();
    let referenced = engine.referenced_files();
    let managed: HashSet<String> = (0..graph.nodes.len())
        .filter_map(|id| graph.local_path(id))
        .filter(|dir| engine.config(dir).is_some())
        .collect();
    let managed: HashSet<&str> = managed.iter().map(String::as_str).collect();
    let mut findings = Vec::new();
    for (file_id, file) in repo.files.iter().enumerate() {
        if referenced.contains(&file.path) || file.is_kustomization_file() {
            continue;
        }
        let inside = crate::graph::inside_any(&managed, &file.path);
        if !inside || repo.objects_in_file(file_id).next().is_none() {
            continue;
        }
        let hint = if engine.config(file.dir()).is_some() {
            "add it to the `resources:` of the kustomization.yaml beside it, or delete it"
        } else {
            "list it (or its folder, with a kustomization.yaml of its own) in the kustomization that builds this tree, or delete it"
        };
        // The Kustomizations it holds are never applied, nor what they would apply.
        let held: Vec<String> = repo
            .objects_in_file(file_id)
            .filter(|(_, o)| o.is(crate::model::KUSTOMIZE_GROUP, "Kustomization"))
            .map(|(_, o)| {
                let path = repo.node(o).str_at(&["spec", "path"]).unwrap_or("./");
                format!("Kustomization {} (spec.path {path})", o.name)
            })
            .collect();
        let message = if held.is_empty() {
            "this manifest is inside a folder Flux applies, but no kustomization.yaml lists it, so it is never applied".to_owned()
        } else {
            format!(
                "this manifest is inside a folder Flux applies, but no kustomization.yaml lists it, so it is never applied, nor what its {} would apply",
                held.join(", ")
            )
        };
        findings.push(
            Finding::new("kustomize/orphan-file", Severity::Warning, message)
                .at(Location::file(file.path.clone()))
                .hint(hint),
        );
    }
    findings
}
