//! The objects rules look at.
//!
//! An [`ObjectView`] is one object as the cluster will receive it: its YAML
//! tree, its effective identity (after kustomize's `namespace` and Flux's
//! `targetNamespace`), where it is written, and which Flux Kustomization
//! applies it. Rules read objects only through this type, so what they look
//! at can change in one place.
//!
//! [`from_builds`] fills it from the build engine's output: every object a
//! Flux Kustomization applies, as built (kustomize, the parent's patches,
//! `targetNamespace`, postBuild substitution), with the spans of the lines
//! that set each value; objects no local build applies come as written.
//! [`from_repository`] is the same without builds (objects as written).

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use anton_build::{AppliedKey, FluxBuilds};
use anton_core::{Location, ObjectId};
use anton_flux::{Graph, NodeId};
use anton_kustomize::{Engine, Origin};
use anton_repo::Repository;
use anton_yaml::Node;

/// One object to check.
#[derive(Debug, Clone)]
pub struct ObjectView<'a> {
    pub node: &'a Node,
    pub api_version: &'a str,
    pub kind: &'a str,
    /// The identity it is applied with.
    pub id: ObjectId,
    /// Where it is written (the start of its document or `List` item).
    pub location: Location,
    /// The repository file its document is in.
    pub file: usize,
    /// The object of the repository it was read from.
    pub object: Option<usize>,
    /// The Flux Kustomization (graph node) that applies it, if any.
    pub applied_by: Option<NodeId>,
    /// Its own graph node when it is a Flux object.
    pub flux_node: Option<NodeId>,
    /// Its file carries SOPS metadata: values are ciphertext.
    pub sops_encrypted: bool,
}

impl ObjectView<'_> {
    pub fn group(&self) -> &str {
        anton_core::ApiVersion::parse(self.api_version).group
    }

    pub fn version(&self) -> &str {
        anton_core::ApiVersion::parse(self.api_version).version
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group() == group
    }

    /// `Kind/namespace/name`, as findings name objects.
    pub fn subject(&self) -> String {
        self.id.short()
    }
}

/// Every object of the repository, as written, once per distinct identity it
/// is applied with: Flux objects with their graph node, objects a Flux
/// Kustomization applies with that Kustomization, and the rest (applied by
/// hand, or by nothing) as written. Files used only as patches hold partial
/// objects and are left out.
pub fn from_repository<'a>(repo: &'a Repository, engine: &Engine<'_>, graph: &Graph) -> Vec<ObjectView<'a>> {
    let mut views = Vec::with_capacity(repo.objects.len());
    let mut seen: HashSet<AppliedKey> = HashSet::new();
    let mut covered = vec![false; repo.objects.len()];
    let view = |index, id, applied_by, flux_node| as_written(repo, index, id, applied_by, flux_node);
    for (node_id, node) in graph.nodes.iter().enumerate() {
        let object = &repo.objects[node.object];
        let id = ObjectId::new(&object.api_version, &object.kind, Some(&node.namespace), &object.name);
        if seen.insert(AppliedKey::object(node.object, id.clone())) {
            covered[node.object] = true;
            views.push(view(node.object, id, node.applied_by, Some(node_id)));
        }
    }
    for (applier, applied_by_applier) in graph.applies_in_order() {
        for applied in applied_by_applier {
            let Origin::Object(index) = applied.origin else { continue };
            if seen.insert(AppliedKey::object(index, applied.id.clone())) {
                covered[index] = true;
                views.push(view(index, applied.id.clone(), Some(applier), None));
            }
        }
    }
    for (index, object) in repo.objects.iter().enumerate() {
        if covered[index] || engine.is_patch_file(&repo.files[object.file].path) {
            continue;
        }
        let namespace = if engine.scopes().is_cluster_scoped(object.group(), &object.kind) {
            None
        } else {
            object.namespace.as_deref()
        };
        let id = ObjectId::new(&object.api_version, &object.kind, namespace, &object.name);
        views.push(view(index, id, None, None));
    }
    views
}

/// Every object as Flux will apply it: the built objects of every Flux
/// Kustomization whose source is this repository, once per distinct identity,
/// then (as written) the Flux objects and the other objects no build applies.
pub fn from_builds<'a>(
    repo: &'a Repository,
    engine: &Engine<'_>,
    graph: &Graph,
    builds: &'a FluxBuilds,
) -> Vec<ObjectView<'a>> {
    let mut views = Vec::with_capacity(repo.objects.len());
    let mut seen: HashSet<AppliedKey> = HashSet::new();
    let mut covered = vec![false; repo.objects.len()];
    let mut flux_node_of: HashMap<(NodeId, usize, &str), NodeId> = HashMap::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        if let Some(parent) = node.applied_by {
            flux_node_of.insert((parent, node.object, node.namespace.as_str()), id);
        }
    }
    let mut flux_node_seen = vec![false; graph.nodes.len()];
    for build in builds.builds.iter().filter(|b| b.skipped.is_none()) {
        for emitted in &build.objects {
            let key = AppliedKey::of(engine, emitted);
            if !seen.insert(key.clone()) {
                continue;
            }
            let id = key.id;
            let (file, location, object, sops_encrypted) = match emitted.origin {
                Origin::Object(index) => {
                    covered[index] = true;
                    let written = &repo.objects[index];
                    (written.file, repo.object_location(written), Some(index), written.sops_encrypted)
                }
                Origin::Generated { file, span } => (file, repo.location(file, span), None, false),
            };
            let flux_node = object.and_then(|index| {
                let namespace = id.namespace.as_deref().unwrap_or_default();
                flux_node_of.get(&(build.node, index, namespace)).copied()
            });
            if let Some(node) = flux_node {
                flux_node_seen[node] = true;
            }
            views.push(ObjectView {
                node: &emitted.node,
                api_version: emitted.api_version.as_str(),
                kind: emitted.id.kind.as_str(),
                id,
                location,
                file,
                object,
                applied_by: Some(build.node),
                flux_node,
                sops_encrypted,
            });
        }
    }
    // Flux objects no build reached (roots, and those applied by a
    // Kustomization whose source is elsewhere), as written.
    for (node_id, node) in graph.nodes.iter().enumerate() {
        if flux_node_seen[node_id] {
            continue;
        }
        let written = &repo.objects[node.object];
        let id = ObjectId::new(&written.api_version, &written.kind, Some(&node.namespace), &written.name);
        if seen.insert(AppliedKey::object(node.object, id.clone())) {
            covered[node.object] = true;
            views.push(as_written(repo, node.object, id, node.applied_by, Some(node_id)));
        }
    }
    for (index, object) in repo.objects.iter().enumerate() {
        if covered[index] || engine.is_patch_file(&repo.files[object.file].path) {
            continue;
        }
        let namespace =
            if engine.scopes().is_cluster_scoped(object.group(), &object.kind) { None } else { object.namespace.as_deref() };
        let id = ObjectId::new(&object.api_version, &object.kind, namespace, &object.name);
        views.push(as_written(repo, index, id, None, None));
    }
    views
}

fn as_written(
    repo: &Repository,
    index: usize,
    id: ObjectId,
    applied_by: Option<NodeId>,
    flux_node: Option<NodeId>,
) -> ObjectView<'_> {
    let object = &repo.objects[index];
    ObjectView {
        node: repo.node(object),
        api_version: object.api_version.as_str(),
        kind: object.kind.as_str(),
        id,
        location: repo.object_location(object),
        file: object.file,
        object: Some(index),
        applied_by,
        flux_node,
        sops_encrypted: object.sops_encrypted,
    }
}
