//! Everything a rule may look at, and the questions several rules ask.

use foldhash::HashMap;

use anton_core::Location;
use anton_flux::{FluxKind, FluxNode, Graph, NodeId};
use anton_kustomize::Engine;
use anton_repo::Repository;
use anton_yaml::{Node, Span};

use crate::config::Settings;
use crate::patches::{PatchIndex, Patched};
use crate::texts::SourceTexts;
use crate::view::ObjectView;

pub struct Context<'a> {
    pub repo: &'a Repository,
    pub engine: &'a Engine<'a>,
    pub graph: &'a Graph,
    /// The objects to check (see [`crate::view`]).
    pub objects: &'a [ObjectView<'a>],
    pub texts: &'a SourceTexts,
    pub settings: &'a Settings,
    patches: PatchIndex,
    view_of_node: HashMap<NodeId, usize>,
}

/// A field's effective value: what the object says, unless a patch of the
/// Kustomization that applies it says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Field<'c> {
    pub value: &'c Node,
    /// Set by this patch rather than by the object itself.
    pub patch: Option<&'c crate::patches::FluxPatch>,
}

impl<'a> Context<'a> {
    pub fn new(
        repo: &'a Repository,
        engine: &'a Engine<'a>,
        graph: &'a Graph,
        objects: &'a [ObjectView<'a>],
        texts: &'a SourceTexts,
        settings: &'a Settings,
    ) -> Self {
        let view_of_node: HashMap<NodeId, usize> =
            objects.iter().enumerate().filter_map(|(i, v)| v.flux_node.map(|n| (n, i))).collect();
        let patches = PatchIndex::build(repo, graph, |node| match view_of_node.get(&node) {
            Some(&view) => objects[view].node,
            None => repo.node(&repo.objects[graph.nodes[node].object]),
        });
        Self { repo, engine, graph, objects, texts, settings, patches, view_of_node }
    }

    /// The view of a Flux graph node.
    pub fn view_of(&self, node: NodeId) -> Option<&ObjectView<'a>> {
        self.view_of_node.get(&node).map(|&i| &self.objects[i])
    }

    /// Views of Flux objects of one kind, with their graph node.
    pub fn flux_objects(&self, kind: FluxKind) -> impl Iterator<Item = (&ObjectView<'a>, &FluxNode)> {
        self.objects.iter().filter_map(move |view| {
            let node = &self.graph.nodes[view.flux_node?];
            (node.kind == kind).then_some((view, node))
        })
    }

    /// The effective value at `path` of an object: set by a patch of the
    /// Kustomization that applies it (the patch wins), or by the object.
    pub fn effective<'s>(&'s self, view: &'s ObjectView<'a>, path: &[&str]) -> Option<Field<'s>> {
        if let Some(Patched { value, patch }) = self.patches.value_for(view, path) {
            return Some(Field { value, patch: Some(patch) });
        }
        view.node.path(path).filter(|n| !n.is_null()).map(|value| Field { value, patch: None })
    }

    /// Where a value is, for a finding: the patch that set it, or the node.
    pub fn field_location(&self, field: &Field<'_>) -> Location {
        match field.patch {
            Some(patch) => patch.location.clone(),
            None => self.span_location(field.value.span),
        }
    }

    /// `file:line:col` of a span of a repository file.
    pub fn span_location(&self, span: Span) -> Location {
        if (span.file as usize) < self.repo.files.len() {
            self.repo.span_location(span)
        } else {
            Location::file("")
        }
    }

    /// The location of a node of a view, falling back to the view itself.
    pub fn location_in(&self, view: &ObjectView<'_>, node: Option<&Node>) -> Location {
        node.map_or_else(|| view.location.clone(), |n| self.span_location(n.span))
    }

    /// The effective patches of a Kustomization node (its own, or pushed down by its parent).
    pub fn patches_of(&self, node: NodeId) -> &[crate::patches::FluxPatch] {
        self.patches.of(node)
    }

    /// `Kind/namespace/name` of the Kustomization applying a view, for messages.
    pub fn applier_name(&self, view: &ObjectView<'_>) -> Option<String> {
        view.applied_by.map(|node| self.graph.nodes[node].id())
    }
}
