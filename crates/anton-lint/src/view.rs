//! The objects rules look at.
//!
//! An [`ObjectView`] is one object as the cluster will receive it: its YAML
//! tree, its effective identity (after kustomize's `namespace` and Flux's
//! `targetNamespace`), where it is written, and which Flux Kustomization
//! applies it. Rules read objects only through this type, so what they look
//! at can change in one place.
//!
//! Today [`from_repository`] fills it from the repository's objects as
//! written. When the build engine produces built objects (with parent
//! patches and components applied), a `from_build` beside it fills the same
//! type from the build's output, and the pipeline calls that instead; no rule
//! changes.

use std::collections::HashSet;

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
    let mut seen: HashSet<(usize, ObjectId)> = HashSet::new();
    let mut covered = vec![false; repo.objects.len()];
    let view = |index: usize, id: ObjectId, applied_by: Option<NodeId>, flux_node: Option<NodeId>| {
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
    };
    for (node_id, node) in graph.nodes.iter().enumerate() {
        let object = &repo.objects[node.object];
        let id = ObjectId::new(&object.api_version, &object.kind, Some(&node.namespace), &object.name);
        if seen.insert((node.object, id.clone())) {
            covered[node.object] = true;
            views.push(view(node.object, id, node.applied_by, Some(node_id)));
        }
    }
    let mut appliers: Vec<NodeId> = graph.applies.keys().copied().collect();
    appliers.sort_unstable();
    for applier in appliers {
        for applied in &graph.applies[&applier] {
            let Origin::Object(index) = applied.origin else { continue };
            if seen.insert((index, applied.id.clone())) {
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
