//! Findings about the Flux graph. Each check is a function from the graph
//! (and the repository it was built from) to findings.

use std::collections::{BTreeMap, HashMap, HashSet};

use anton_core::{Finding, Location, ObjectId, Severity};
use anton_kustomize::Engine;
use anton_repo::Repository;

use crate::graph::{Graph, NodeId};
use crate::model::{FluxKind, FluxSpec};

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

fn at(repo: &Repository, graph: &Graph, node: NodeId, span: anton_yaml::Span) -> Location {
    repo.location(repo.objects[graph.nodes[node].object].file, span)
}

/// `flux/path-missing`: `spec.path` names no folder of this repository.
pub fn path_missing(graph: &Graph, repo: &Repository) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, node) in graph.of_kind(FluxKind::Kustomization) {
        let FluxSpec::Kustomization(ks) = &node.spec else { continue };
        let Some(dir) = graph.local_path(id) else { continue };
        if repo.is_dir(&dir) {
            continue;
        }
        let written = ks.path.as_ref().map_or("./", |p| p.value.as_str());
        let span = ks.path.as_ref().map_or(repo.node(&repo.objects[node.object]).span, |p| p.span);
        let what = if repo.exists(&dir) { "is a file, not a folder" } else { "does not exist in this repository" };
        let nearest = std::path::Path::new(&dir)
            .ancestors()
            .skip(1)
            .map(|p| p.to_string_lossy().into_owned())
            .find(|p| !p.is_empty() && repo.is_dir(p));
        let hint = match nearest {
            Some(parent) => format!(
                "spec.path is relative to the root of the repository; the deepest folder of it that exists is ./{parent}"
            ),
            None => "spec.path is relative to the root of the repository (the folder holding .git), e.g. ./kubernetes/apps".to_owned(),
        };
        findings.push(
            Finding::new("flux/path-missing", Severity::Critical, format!("spec.path `{written}` {what}"))
                .at(at(repo, graph, id, span))
                .object(node.id())
                .hint(hint),
        );
    }
    findings
}

/// `flux/source-missing`: a sourceRef, chart sourceRef or chartRef names no source.
pub fn source_missing(graph: &Graph, repo: &Repository) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        for (source, field) in node.spec.source_refs() {
            let Some(kind) = FluxKind::parse_source_kind(&source.kind) else { continue };
            let namespace = source.namespace.as_deref().unwrap_or(&node.namespace);
            let generated = kind == FluxKind::ExternalArtifact
                && graph.artifacts.iter().any(|a| a.name == source.name && a.namespace == namespace);
            if generated || graph.lookup(id, &[kind], namespace, &source.name).is_some()
                || graph.is_bootstrap_source(&source.kind, namespace, &source.name)
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
            let elsewhere: Vec<_> = graph
                .nodes
                .iter()
                .filter(|n| n.kind == kind && n.name == source.name)
                .collect();
            if let (None, Some(other)) = (&source.namespace, elsewhere.first()) {
                finding = finding
                    .related(other.location.clone(), format!("{} exists in namespace {}", other.kind.as_str(), other.namespace))
                    .hint(format!(
                        "sourceRef.namespace defaults to this object's namespace ({}); add `namespace: {}`",
                        node.namespace, other.namespace
                    ));
            } else {
                finding = finding.hint(
                    "add the source to the repository, fix the name, or declare it as a known external source in .anton.toml",
                );
            }
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
            let namespace = dependency.namespace.as_deref().unwrap_or(&node.namespace);
            if graph.lookup(id, &[node.kind], namespace, &dependency.name).is_some() {
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
            let mut elsewhere: Vec<_> = graph
                .nodes
                .iter()
                .filter(|n| n.kind == node.kind && n.name == dependency.name && n.namespace != namespace)
                .collect();
            elsewhere.sort_by_key(|n| n.cluster != node.cluster);
            match elsewhere.first() {
                Some(other) => {
                    finding = finding
                        .related(other.location.clone(), format!("{} exists in namespace {}", other.id(), other.namespace))
                        .hint(format!("add `namespace: {}` to this dependsOn entry", other.namespace));
                }
                None => {
                    finding = finding.hint("fix the name, or remove the entry if that object was deleted");
                }
            }
            findings.push(finding);
        }
    }
    findings
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
    let mut applying: Vec<NodeId> = graph.applies.keys().copied().collect();
    applying.sort();
    for owner in applying {
        let cluster = graph.nodes[owner].cluster;
        for applied in &graph.applies[&owner] {
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
    let mut managed: Vec<String> = (0..graph.nodes.len())
        .filter_map(|id| graph.local_path(id))
        .filter(|dir| engine.config(dir).is_some())
        .collect();
    managed.sort();
    managed.dedup();
    let mut findings = Vec::new();
    for (file_id, file) in repo.files.iter().enumerate() {
        if referenced.contains(&file.path) || file.is_kustomization_file() {
            continue;
        }
        let inside = managed.iter().any(|dir| dir.is_empty() || file.path.starts_with(&format!("{dir}/")));
        if !inside || repo.objects_in_file(file_id).next().is_none() {
            continue;
        }
        let hint = if engine.config(file.dir()).is_some() {
            "add it to the `resources:` of the kustomization.yaml beside it, or delete it"
        } else {
            "list it (or its folder, with a kustomization.yaml of its own) in the kustomization that builds this tree, or delete it"
        };
        findings.push(
            Finding::new(
                "kustomize/orphan-file",
                Severity::Warning,
                "this manifest is inside a folder Flux applies, but no kustomization.yaml lists it, so it is never applied",
            )
            .at(Location::file(file.path.clone()))
            .hint(hint),
        );
    }
    findings
}
