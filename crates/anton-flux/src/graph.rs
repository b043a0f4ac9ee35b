//! Building the graph: which Flux Kustomization applies which object, with
//! the namespace each object really lands in.

use std::collections::{BTreeMap, VecDeque};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use rayon::prelude::*;

use anton_core::{Location, ObjectId};
use anton_kustomize::{Engine, Origin};
use anton_repo::{Repository, normalize_relative};

use crate::model::{FluxKind, FluxSpec, SourceRef};
use crate::sources::{self, Resolution, SourceRoot, SyncEntry};
use crate::variables::{self, AppliedSources, WrittenSources};

pub type NodeId = usize;

#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// Sources the cluster creates at bootstrap and that need not be in Git,
    /// as (kind, namespace, name). These are also taken to be this repository.
    pub bootstrap_sources: Vec<(String, String, String)>,
    /// Artifact roots stated in `.anton.toml`: (kind, namespace, name) → repository folder.
    pub source_roots: Vec<((String, String, String), String)>,
}

impl Default for GraphOptions {
    fn default() -> Self {
        let flux_system = |kind: &str| (kind.to_owned(), "flux-system".to_owned(), "flux-system".to_owned());
        Self {
            bootstrap_sources: vec![flux_system("GitRepository"), flux_system("OCIRepository")],
            source_roots: Vec::new(),
        }
    }
}

/// One Flux object as it exists in a cluster: an object of the repository,
/// in the namespace it is applied to. The same file applied by two clusters'
/// trees gives two nodes.
#[derive(Debug, Clone)]
pub struct FluxNode {
    pub object: usize,
    pub kind: FluxKind,
    pub namespace: String,
    pub name: String,
    /// The Kustomization node that applies this object; `None` for roots,
    /// which the cluster gets from bootstrap or from outside Git.
    pub applied_by: Option<NodeId>,
    /// Nodes reached from the same group of roots share a cluster id.
    pub cluster: usize,
    pub spec: FluxSpec,
    pub location: Location,
    /// The parent substitutes variables whose values anton cannot know (a
    /// `substituteFrom` object not in the repository, or SOPS-encrypted):
    /// what still reads `${…}` is checked by no graph check (the missing
    /// object has its own finding).
    pub unknown_variables: bool,
    /// The object as its parent applies it: built by the parent's kustomize
    /// (patches, replacements) with the parent's postBuild substituted.
    /// `None` for roots, which are applied as written.
    pub applied: Option<std::sync::Arc<anton_yaml::Node>>,
}

impl FluxNode {
    /// The node of repository object `object`, with its spec as read
    /// (`spec`: as the parent applies it) and the object's own name.
    fn new(repo: &Repository, object: usize, kind: FluxKind, namespace: String, cluster: usize, spec: FluxSpec) -> Self {
        let written = &repo.objects[object];
        FluxNode {
            object,
            kind,
            namespace,
            name: written.name.clone(),
            applied_by: None,
            cluster,
            spec,
            location: repo.object_location(written),
            unknown_variables: false,
            applied: None,
        }
    }

    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.kind.as_str(), self.namespace, self.name)
    }
}

/// An object applied by a Flux Kustomization, with its effective identity.
#[derive(Debug, Clone)]
pub struct Applied {
    pub id: ObjectId,
    pub origin: Origin,
}

/// An `ExternalArtifact` that an `ArtifactGenerator` (source.extensions.fluxcd.io)
/// assembles by copying folders of other sources.
#[derive(Debug, Clone)]
pub struct GeneratedArtifact {
    pub namespace: String,
    pub name: String,
    /// (folder in the source, folder in the artifact, source as (kind, name)).
    pub copies: Vec<(String, String, (String, String))>,
    pub location: Location,
}

pub struct Graph {
    pub nodes: Vec<FluxNode>,
    pub artifacts: Vec<GeneratedArtifact>,
    /// For each Kustomization node, what it applies (after `targetNamespace`).
    pub applies: BTreeMap<NodeId, Vec<Applied>>,
    /// Cluster ids with a label (the folder of their roots).
    pub clusters: Vec<String>,
    /// Sources whose artifacts are made of this repository, by (kind, name),
    /// with the folder each artifact's root is.
    pub sources: BTreeMap<(String, String), SourceRoot>,
    /// FluxInstance syncs: the sources and Kustomizations the Flux Operator creates.
    pub syncs: Vec<SyncEntry>,
    /// Files no entry point reaches: manifests inside a folder Flux builds
    /// that no kustomization.yaml lists (an entry commented out), and the
    /// files only the Kustomizations in them would apply. kustomize/orphan-file
    /// reports them; nothing else above info does, and their objects get no
    /// namespace of their own invention. Made before the Flux builds: a file
    /// only a Flux Kustomization's own `spec.components` brings in is taken
    /// out once they are made (`anton_engine::analysis::analyze_with`).
    pub unreachable_files: HashSet<String>,
    pub options: GraphOptions,
    /// Nodes by (kind, namespace, name), in node order, for lookups.
    index: HashMap<(FluxKind, String, String), Vec<NodeId>>,
    /// The first node of each (kind, namespace, name) in each cluster: a
    /// look-up from a cluster is one probe, however many clusters share the name.
    index_by_cluster: HashMap<(FluxKind, String, String, usize), NodeId>,
}

/// Where Flux puts a namespaced object that names no namespace.
pub const DEFAULT_NAMESPACE: &str = "default";

impl Graph {
    /// What each Kustomization applies, in node order (`applies` is ordered
    /// by node: a "first one wins" over a hash map's order made reports flap).
    pub fn applies_in_order(&self) -> impl Iterator<Item = (NodeId, &[Applied])> {
        self.applies.iter().map(|(id, applied)| (*id, applied.as_slice()))
    }

    pub fn build(engine: &Engine<'_>, options: GraphOptions) -> Graph {
        let (mut graph, false_roots) = Self::build_with(engine, options.clone(), &HashSet::new(), None);
        if !false_roots.is_empty() {
            // A Kustomization taken for a root because only a substituted
            // spec.path (`./apps/${CLUSTER}`) reaches it: build again with its
            // real parents applying it.
            graph = Self::build_with(engine, options.clone(), &false_roots, None).0;
        }
        // Each source's root, found again from the paths as the parents apply
        // them (patched, substituted): the first walk could only read them as written.
        let sources = graph.sources_from_applied_paths(engine);
        let same_roots = sources.len() == graph.sources.len()
            && sources.iter().zip(&graph.sources).all(|((key, found), (old_key, old))| key == old_key && found.root == old.root);
        if same_roots {
            graph.sources = sources;
            return graph;
        }
        Self::build_with(engine, options, &false_roots, Some(sources)).0
    }

    /// [`sources::resolve`] over every Kustomization's path as its parent
    /// applies it (once per object and path); those no walk reached, as written.
    fn sources_from_applied_paths(&self, engine: &Engine<'_>) -> BTreeMap<(String, String), SourceRoot> {
        let repo = engine.repository();
        let mut seen: HashSet<(usize, Option<&str>)> = HashSet::new();
        let mut specs: Vec<&FluxSpec> = Vec::new();
        for node in self.nodes.iter().filter(|n| n.kind == FluxKind::Kustomization) {
            let FluxSpec::Kustomization(ks) = &node.spec else { continue };
            if seen.insert((node.object, ks.path.as_ref().map(|p| p.value.as_str()))) {
                specs.push(&node.spec);
            }
        }
        let reached: HashSet<usize> = self.nodes.iter().map(|n| n.object).collect();
        let written: Vec<FluxSpec> = repo
            .objects
            .iter()
            .enumerate()
            .filter(|(i, o)| !reached.contains(i) && FluxKind::of(o) == Some(FluxKind::Kustomization))
            .filter(|(_, o)| !engine.is_patch_file(&repo.files[o.file].path))
            .map(|(_, o)| FluxSpec::read(FluxKind::Kustomization, repo.node(o)))
            .collect();
        specs.extend(&written);
        sources::resolve(repo, &specs, &self.options.bootstrap_sources, &self.options.source_roots, &self.syncs)
    }

    /// The graph, with `not_roots` never taken as roots (and `sources`, when
    /// given, as the sources' roots); also the roots that turned out to be
    /// applied by another Kustomization.
    fn build_with(
        engine: &Engine<'_>,
        options: GraphOptions,
        not_roots: &HashSet<usize>,
        sources: Option<BTreeMap<(String, String), SourceRoot>>,
    ) -> (Graph, HashSet<usize>) {
        let repo = engine.repository();
        let flux_objects: Vec<(usize, FluxKind)> = repo
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| !engine.is_patch_file(&repo.files[o.file].path))
            .filter_map(|(i, o)| FluxKind::of(o).map(|k| (i, k)))
            .collect();
        let kind_of: HashMap<usize, FluxKind> = flux_objects.iter().copied().collect();
        // Read on all cores; walked nodes copy their spec from the map, loose objects take it.
        let mut specs: HashMap<usize, FluxSpec> = flux_objects
            .par_iter()
            .map(|&(i, k)| (i, FluxSpec::read(k, repo.node(&repo.objects[i]))))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();

        let artifacts = generated_artifacts(repo);
        let syncs = sources::sync_entries(repo);
        let sources = sources.unwrap_or_else(|| {
            let written: Vec<&FluxSpec> = specs.values().collect();
            sources::resolve(repo, &written, &options.bootstrap_sources, &options.source_roots, &syncs)
        });

        // What each Kustomization object's path builds, independent of namespaces.
        let mut builds = HashMap::new();
        let mut emitted_by: HashMap<usize, Vec<usize>> = HashMap::new();
        for (&object, spec) in &specs {
            let FluxSpec::Kustomization(ks) = spec else { continue };
            let Some(dir) = local_path(ks, &sources, &artifacts) else { continue };
            if !repo.is_dir(&dir) {
                continue;
            }
            let build = engine.build_flux_path(&dir);
            for emitted in &build.objects {
                if let Origin::Object(index) = emitted.origin {
                    if index != object {
                        emitted_by.entry(index).or_default().push(object);
                    }
                }
            }
            builds.insert(object, (dir, build));
        }

        // Files inside a folder some Kustomization builds with a
        // kustomization.yaml that no kustomization lists: never applied.
        let referenced = engine.referenced_files();
        let managed: HashSet<&str> =
            builds.values().map(|(dir, _)| dir.as_str()).filter(|dir| engine.config(dir).is_some()).collect();
        let orphan_file = |file: usize| {
            let file = &repo.files[file];
            !referenced.contains(&file.path) && !file.is_kustomization_file() && inside_any(&managed, &file.path)
        };
        let orphans: HashSet<usize> = flux_objects
            .iter()
            .map(|(i, _)| *i)
            .filter(|&i| orphan_file(repo.objects[i].file))
            .collect();

        // Sources written in the repository, as (kind, name) → written namespaces.
        let mut source_objects: HashMap<(&str, &str), Vec<Option<&str>>> = HashMap::new();
        for object in repo.objects.iter().filter(|o| o.group() == crate::model::SOURCE_GROUP) {
            source_objects
                .entry((object.kind.as_str(), object.name.as_str()))
                .or_default()
                .push(object.namespace.as_deref());
        }
        // Sources written outside the checked folder exist too (a `clusters/`
        // folder beside `kubernetes/`): what uses them is applied.
        for (_, node) in &repo.outside_objects {
            let group = node.str_at(&["apiVersion"]).and_then(|v| v.split_once('/')).map(|(group, _)| group);
            if let (Some(crate::model::SOURCE_GROUP), Some(kind), Some(name)) =
                (group, node.str_at(&["kind"]), node.str_at(&["metadata", "name"]))
            {
                source_objects.entry((kind, name)).or_default().push(node.str_at(&["metadata", "namespace"]));
            }
        }
        let mut graph = Graph {
            nodes: Vec::new(),
            artifacts,
            applies: BTreeMap::new(),
            clusters: Vec::new(),
            sources,
            syncs,
            unreachable_files: HashSet::new(),
            options,
            index: HashMap::new(),
            index_by_cluster: HashMap::new(),
        };
        let mut cluster_of_dir: BTreeMap<String, usize> = BTreeMap::new();
        // What each cluster's walk has seen so far (objects met, variables applied).
        let mut seen: Vec<ClusterSeen> = Vec::new();
        let mut roots: Vec<usize> = flux_objects
            .iter()
            .filter(|(i, k)| {
                *k == FluxKind::Kustomization && !emitted_by.contains_key(i) && !orphans.contains(i) && !not_roots.contains(i)
            })
            .map(|(i, _)| *i)
            .collect();
        roots.sort();
        let first_roots: HashSet<usize> = roots.iter().copied().collect();
        // Kustomizations some parent's build emits, seen while walking.
        let mut emitted_kustomizations: HashSet<usize> = HashSet::new();
        let written_sources = WrittenSources::read(repo);
        let mut reached: HashSet<usize> = HashSet::new();
        loop {
            // Each root's cluster: the folder it is written in.
            let mut walks: Vec<Walk> = Vec::new();
            let mut walk_of_cluster: HashMap<usize, usize> = HashMap::new();
            let mut root_walks: Vec<usize> = Vec::with_capacity(roots.len());
            for &root in &roots {
                let object = &repo.objects[root];
                let dir = repo.files[object.file].dir().to_owned();
                let next_id = cluster_of_dir.len();
                let cluster = *cluster_of_dir.entry(dir.clone()).or_insert(next_id);
                if cluster == graph.clusters.len() {
                    graph.clusters.push(if dir.is_empty() { ".".into() } else { dir });
                    seen.push(ClusterSeen::default());
                }
                let namespace = object.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.into());
                let walk = *walk_of_cluster.entry(cluster).or_insert_with(|| {
                    walks.push(Walk::new(cluster, std::mem::take(&mut seen[cluster])));
                    walks.len() - 1
                });
                walks[walk].roots.push((root, namespace));
                root_walks.push(walk);
            }
            // Clusters do not read each other's objects (a child is in its
            // parent's cluster, substituteFrom reads its own cluster's
            // objects): each cluster is walked on its own core.
            let context = WalkContext {
                engine,
                graph: &graph,
                source_objects: &source_objects,
                kind_of: &kind_of,
                written_sources: &written_sources,
                specs: &specs,
            };
            walks.par_iter_mut().for_each(|walk| walk.run(&context));
            graph.adopt(&mut walks, &root_walks);
            for walk in walks {
                reached.extend(walk.reached);
                emitted_kustomizations.extend(walk.emitted_kustomizations);
                seen[walk.cluster] = walk.seen;
            }
            // Kustomizations that only apply each other (a cycle) have no root; start from the first.
            match flux_objects
                .iter()
                .find(|(i, k)| *k == FluxKind::Kustomization && !reached.contains(i) && !orphans.contains(i))
            {
                Some(&(next, _)) => roots = vec![next],
                None => break,
            }
        }

        // What only the orphaned Kustomizations would apply is unreachable too.
        let applied: HashSet<usize> = graph
            .applies
            .values()
            .flatten()
            .filter_map(|a| match a.origin {
                Origin::Object(index) => Some(index),
                Origin::Generated { .. } => None,
            })
            .collect();
        let mut unreachable_objects: HashSet<usize> = orphans.clone();
        let mut pending: Vec<usize> = orphans.iter().copied().collect();
        while let Some(orphan) = pending.pop() {
            let Some((_, build)) = builds.get(&orphan) else { continue };
            for emitted in &build.objects {
                if let Origin::Object(index) = emitted.origin
                    && !applied.contains(&index)
                    && unreachable_objects.insert(index)
                    && kind_of.contains_key(&index)
                {
                    pending.push(index);
                }
            }
        }
        for (index, object) in repo.objects.iter().enumerate() {
            if orphan_file(object.file) && !applied.contains(&index) {
                unreachable_objects.insert(index);
            }
        }
        let mut files_applied: HashSet<usize> = HashSet::new();
        for &index in &applied {
            files_applied.insert(repo.objects[index].file);
        }
        graph.unreachable_files = unreachable_objects
            .iter()
            .map(|&i| repo.objects[i].file)
            .filter(|file| !files_applied.contains(file))
            .map(|file| repo.files[file].path.clone())
            .collect();

        // HelmReleases and sources no Kustomization applies: loose objects
        // (a repository without Flux Kustomizations, or applied by hand).
        for &(index, kind) in &flux_objects {
            if reached.contains(&index) || unreachable_objects.contains(&index) {
                continue;
            }
            let object = &repo.objects[index];
            let dir = repo.files[object.file].dir().to_owned();
            let next_id = cluster_of_dir.len();
            let cluster = *cluster_of_dir.entry(dir.clone()).or_insert(next_id);
            if cluster == graph.clusters.len() {
                graph.clusters.push(if dir.is_empty() { ".".into() } else { dir });
            }
            let namespace = object.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.into());
            // Met for the first time here: its spec as written, read already.
            let spec = specs.remove(&index).unwrap_or_else(|| FluxSpec::read(kind, repo.node(object)));
            graph.nodes.push(FluxNode::new(repo, index, kind, namespace, cluster, spec));
        }
        for (id, node) in graph.nodes.iter().enumerate() {
            graph.index.entry((node.kind, node.namespace.clone(), node.name.clone())).or_default().push(id);
            graph.index_by_cluster.entry((node.kind, node.namespace.clone(), node.name.clone(), node.cluster)).or_insert(id);
        }
        let false_roots = first_roots.intersection(&emitted_kustomizations).copied().collect();
        (graph, false_roots)
    }

    /// Takes the walks' nodes in the order one walk over all their clusters
    /// at once would have met them: the roots in `root_walks`' order (each
    /// the next root of its walk), then breadth first, each node's children
    /// in the order its build emitted them.
    fn adopt(&mut self, walks: &mut [Walk], root_walks: &[usize]) {
        let base = self.nodes.len();
        let mut number: Vec<Vec<NodeId>> = walks.iter().map(|walk| vec![NodeId::MAX; walk.nodes.len()]).collect();
        let mut next = base;
        let mut queue: VecDeque<(usize, NodeId)> = VecDeque::new();
        let mut next_root = vec![0; walks.len()];
        for &walk in root_walks {
            let root = walks[walk].root_nodes.get(next_root[walk]).copied().flatten();
            next_root[walk] += 1;
            if let Some(root) = root {
                number[walk][root] = next;
                next += 1;
                queue.push_back((walk, root));
            }
        }
        while let Some((walk, parent)) = queue.pop_front() {
            for &child in &walks[walk].children[parent] {
                number[walk][child] = next;
                next += 1;
                if walks[walk].nodes[child].kind == FluxKind::Kustomization {
                    queue.push_back((walk, child));
                }
            }
        }
        let mut numbered: Vec<(NodeId, FluxNode)> = Vec::with_capacity(next - base);
        for (walk, numbers) in walks.iter_mut().zip(&number) {
            for (local, mut node) in std::mem::take(&mut walk.nodes).into_iter().enumerate() {
                node.applied_by = node.applied_by.map(|parent| numbers[parent]);
                numbered.push((numbers[local], node));
            }
            for (local, applied) in std::mem::take(&mut walk.applies) {
                self.applies.insert(numbers[local], applied);
            }
        }
        numbered.sort_unstable_by_key(|(id, _)| *id);
        self.nodes.extend(numbered.into_iter().map(|(_, node)| node));
    }

    /// Once the Flux builds are made: a file that only a Flux
    /// Kustomization's own `spec.components` brings in is referenced by its
    /// build, so it is applied and not unreachable (its findings count).
    pub fn take_in_built_references(&mut self, engine: &Engine<'_>) {
        let referenced = engine.referenced_files();
        self.unreachable_files.retain(|file| !referenced.contains(file));
    }

    /// Nodes of one kind, in repository order.
    pub fn of_kind(&self, kind: FluxKind) -> impl Iterator<Item = (NodeId, &FluxNode)> {
        self.nodes.iter().enumerate().filter(move |(_, n)| n.kind == kind)
    }

    /// Finds a node of `kinds` named `namespace/name` as seen from `from`:
    /// first in the same cluster, then anywhere in the repository (trees of
    /// several clusters may share sources and folders).
    pub fn lookup(&self, from: NodeId, kinds: &[FluxKind], namespace: &str, name: &str) -> Option<NodeId> {
        let cluster = self.nodes[from].cluster;
        let (namespace, name) = (namespace.to_owned(), name.to_owned());
        let mut key = (FluxKind::Kustomization, namespace, name, cluster);
        for kind in kinds {
            key.0 = *kind;
            if let Some(&node) = self.index_by_cluster.get(&key) {
                return Some(node);
            }
        }
        let (_, namespace, name, _) = key;
        let mut key = (FluxKind::Kustomization, namespace, name);
        kinds
            .iter()
            .filter_map(|kind| {
                key.0 = *kind;
                self.index.get(&key).and_then(|nodes| nodes.first().copied())
            })
            .min()
    }

    /// Whether a source reference names something the cluster has from bootstrap.
    pub fn is_bootstrap_source(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.options
            .bootstrap_sources
            .iter()
            .any(|(k, ns, n)| k == kind && ns == namespace && n == name)
    }

    /// The repository folder a Kustomization node builds, if its source is this repository.
    pub fn local_path(&self, node: NodeId) -> Option<String> {
        match &self.nodes[node].spec {
            FluxSpec::Kustomization(ks) => local_path(ks, &self.sources, &self.artifacts),
            _ => None,
        }
    }

    /// What a Kustomization node's `spec.path` is in this repository.
    pub fn resolve_path(&self, node: NodeId) -> Resolution {
        let FluxSpec::Kustomization(ks) = &self.nodes[node].spec else { return Resolution::Elsewhere };
        let Some(source) = &ks.source_ref else { return Resolution::Elsewhere };
        if source.kind == "ExternalArtifact" {
            return local_path(ks, &self.sources, &self.artifacts).map_or(Resolution::Elsewhere, Resolution::Folder);
        }
        let path = ks.path.as_ref().map_or("./", |p| p.value.as_str());
        sources::resolve_path(&self.sources, &source_key(source), path)
    }

    /// The source a Kustomization node builds from, when its artifact is made of this repository.
    pub fn source_of(&self, node: NodeId) -> Option<&SourceRoot> {
        let FluxSpec::Kustomization(ks) = &self.nodes[node].spec else { return None };
        self.sources.get(&source_key(ks.source_ref.as_ref()?))
    }
}

/// Whether `path` is inside one of `dirs` (`""`: the repository root holds
/// everything): a look-up per folder above it, not a comparison per folder.
pub(crate) fn inside_any(dirs: &HashSet<&str>, path: &str) -> bool {
    dirs.contains("") || path.match_indices('/').any(|(slash, _)| dirs.contains(&path[..slash]))
}

/// What one cluster's walks met: one node per object and namespace, and
/// the ConfigMaps and Secrets applied so far (a later walk in the same
/// cluster, from a cycle's Kustomization, goes on from there).
#[derive(Default)]
struct ClusterSeen {
    visited: HashSet<(usize, String)>,
    applied_sources: AppliedSources,
}

/// What every cluster's walk reads and none changes.
struct WalkContext<'a, 'r> {
    engine: &'a Engine<'r>,
    graph: &'a Graph,
    source_objects: &'a HashMap<(&'a str, &'a str), Vec<Option<&'a str>>>,
    kind_of: &'a HashMap<usize, FluxKind>,
    written_sources: &'a WrittenSources,
    specs: &'a HashMap<usize, FluxSpec>,
}

/// One cluster's walk from its roots, breadth first, parents before the
/// objects they apply. Its nodes are numbered in the walk's own order until
/// [`Graph::adopt`] numbers them in the order one walk over every cluster
/// would have met them.
struct Walk {
    cluster: usize,
    /// The roots, as (object, namespace), and the node each became (`None`:
    /// met already).
    roots: Vec<(usize, String)>,
    root_nodes: Vec<Option<NodeId>>,
    nodes: Vec<FluxNode>,
    /// For each node, the nodes its build created, in order.
    children: Vec<Vec<NodeId>>,
    applies: Vec<(NodeId, Vec<Applied>)>,
    seen: ClusterSeen,
    reached: HashSet<usize>,
    emitted_kustomizations: HashSet<usize>,
}

impl Walk {
    fn new(cluster: usize, seen: ClusterSeen) -> Self {
        Walk {
            cluster,
            roots: Vec::new(),
            root_nodes: Vec::new(),
            nodes: Vec::new(),
            children: Vec::new(),
            applies: Vec::new(),
            seen,
            reached: HashSet::new(),
            emitted_kustomizations: HashSet::new(),
        }
    }

    fn run(&mut self, context: &WalkContext<'_, '_>) {
        let mut queue: VecDeque<NodeId> = VecDeque::new();
        for (root, namespace) in std::mem::take(&mut self.roots) {
            let mut node = None;
            if self.seen.visited.insert((root, namespace.clone())) {
                self.reached.insert(root);
                let id = self.push(context, root, FluxKind::Kustomization, namespace, None, None);
                queue.push_back(id);
                node = Some(id);
            }
            self.root_nodes.push(node);
        }
        while let Some(parent) = queue.pop_front() {
            self.apply(context, parent, &mut queue);
        }
    }

    fn push(
        &mut self,
        context: &WalkContext<'_, '_>,
        object: usize,
        kind: FluxKind,
        namespace: String,
        applied_by: Option<NodeId>,
        spec: Option<FluxSpec>,
    ) -> NodeId {
        let repo = context.engine.repository();
        // `spec`: as a parent applies it; else as written.
        let spec = spec
            .or_else(|| context.specs.get(&object).cloned())
            .unwrap_or_else(|| FluxSpec::read(kind, repo.node(&repo.objects[object])));
        let id = self.nodes.len();
        self.nodes.push(FluxNode { applied_by, ..FluxNode::new(repo, object, kind, namespace, self.cluster, spec) });
        self.children.push(Vec::new());
        if let Some(parent) = applied_by {
            self.children[parent].push(id);
        }
        id
    }

    /// What the Kustomization node `parent` applies: its folder built, each
    /// object with its effective identity, the Flux objects among them new
    /// nodes (Kustomizations queued to be applied in turn).
    fn apply(&mut self, context: &WalkContext<'_, '_>, parent: NodeId, queue: &mut VecDeque<NodeId>) {
        let (engine, graph) = (context.engine, context.graph);
        let repo = engine.repository();
        let cluster = self.cluster;
        let parent_object = self.nodes[parent].object;
        let FluxSpec::Kustomization(ks) = &self.nodes[parent].spec else { return };
        // Flux applies nothing when the source cannot be found (in the
        // namespace it really looks in); neither does the graph.
        if !source_resolves(context.source_objects, graph, ks, &self.nodes[parent].namespace) {
            return;
        }
        let target_namespace = ks.target_namespace.clone();
        // The parent's whole postBuild, with its own cluster's
        // ConfigMaps and Secrets: what it substitutes into every
        // object it applies, the Flux objects among them.
        let (vars, unknown_variables) = variables::variables_of(
            ks,
            &self.nodes[parent].namespace,
            cluster,
            &self.seen.applied_sources,
            context.written_sources,
        );
        // The folder its spec.path names once substituted (the same
        // object may build another folder in another cluster).
        let Some(dir) = local_path(ks, &graph.sources, &graph.artifacts).filter(|dir| repo.is_dir(dir)) else { return };
        let build = engine.build_flux_path(&dir);
        let mut applied = Vec::with_capacity(build.objects.len());
        let no_vars = variables::Pairs::new();
        for emitted in &build.objects {
            // `kustomize.toolkit.fluxcd.io/substitute: disabled` keeps the
            // object as written (its `${…}` are for its own postBuild).
            let opted_out = variables::substitution_disabled(&emitted.node);
            let vars = if opted_out { &no_vars } else { &vars };
            let unknown_variables = unknown_variables && !opted_out;
            let mut id = emitted.id.clone();
            // Names often come from postBuild variables (`name: ${APP}`).
            id.name = variables::substitute_text(&id.name, vars).unwrap_or(id.name);
            id.namespace = id.namespace.map(|ns| variables::substitute_text(&ns, vars).unwrap_or(ns));
            if !engine.scopes().is_cluster_scoped(&id.group, &id.kind) {
                let namespace =
                    target_namespace.clone().or_else(|| id.namespace.clone()).unwrap_or_else(|| DEFAULT_NAMESPACE.into());
                id.namespace = Some(namespace);
            }
            if variables::is_variable_source(&emitted.node) {
                let encrypted = match emitted.origin {
                    Origin::Object(index) => repo.objects[index].sops_encrypted,
                    Origin::Generated { .. } => false,
                };
                let node = variables::substituted(&emitted.node, vars);
                self.seen.applied_sources.add(cluster, id.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE), &node, encrypted);
            }
            if let Origin::Object(index) = emitted.origin {
                if let Some(&kind) = context.kind_of.get(&index) {
                    if kind == FluxKind::Kustomization && index != parent_object {
                        self.emitted_kustomizations.insert(index);
                    }
                    let namespace = id.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.into());
                    if self.seen.visited.insert((index, namespace.clone())) {
                        self.reached.insert(index);
                        // As the parent applies it: a kustomize patch or replacement
                        // in the parent's folder may set targetNamespace, dependsOn, …
                        // and its postBuild variables fill spec.path, sourceRef, …
                        let object = variables::substituted(&emitted.node, vars);
                        let spec = FluxSpec::read(kind, &object);
                        let node = self.push(context, index, kind, namespace, Some(parent), Some(spec));
                        self.nodes[node].name = id.name.clone();
                        self.nodes[node].unknown_variables = unknown_variables;
                        self.nodes[node].applied = Some(object);
                        if kind == FluxKind::Kustomization {
                            queue.push_back(node);
                        }
                    }
                }
            }
            applied.push(Applied { id, origin: emitted.origin });
        }
        self.applies.push((parent, applied));
    }
}

fn source_resolves(
    source_objects: &HashMap<(&str, &str), Vec<Option<&str>>>,
    graph: &Graph,
    ks: &crate::model::KustomizationSpec,
    namespace: &str,
) -> bool {
    let Some(source) = &ks.source_ref else { return false };
    let namespace = source.namespace.as_deref().unwrap_or(namespace);
    if graph.is_bootstrap_source(&source.kind, namespace, &source.name) {
        return true;
    }
    if source.kind == "ExternalArtifact" {
        return graph.artifacts.iter().any(|a| a.name == source.name && a.namespace == namespace);
    }
    // A source written without a namespace lands wherever its parent puts it; accept it.
    source_objects
        .get(&(source.kind.as_str(), source.name.as_str()))
        .is_some_and(|namespaces| namespaces.iter().any(|ns| ns.is_none_or(|ns| ns == namespace)))
}

fn source_key(source: &SourceRef) -> (String, String) {
    (source.kind.clone(), source.name.clone())
}

fn local_path(
    ks: &crate::model::KustomizationSpec,
    sources: &BTreeMap<(String, String), SourceRoot>,
    artifacts: &[GeneratedArtifact],
) -> Option<String> {
    let source = ks.source_ref.as_ref()?;
    let path = ks.path.as_ref().map(|p| p.value.as_str()).unwrap_or("./");
    if source.kind != "ExternalArtifact" {
        return match sources::resolve_path(sources, &source_key(source), path) {
            Resolution::Folder(dir) => Some(dir),
            Resolution::Excluded(_) | Resolution::Elsewhere => None,
        };
    }
    let wanted = normalize_relative("", path)?;
    // Map the path inside the artifact back to the folder it was copied from;
    // the longest matching destination wins, as the most specific copy.
    let artifact = artifacts.iter().find(|a| a.name == source.name)?;
    artifact
        .copies
        .iter()
        .filter_map(|(from, to, from_source)| Some((from, to, sources.get(from_source)?.root.as_deref()?)))
        .filter(|(_, to, _)| to.is_empty() || wanted == **to || wanted.starts_with(&format!("{to}/")))
        .max_by_key(|(_, to, _)| to.len())
        .map(|(from, to, root)| {
            let rest = wanted[to.len()..].trim_start_matches('/');
            sources::join(&sources::join(root, from), rest)
        })
}

/// Reads `ArtifactGenerator` objects: each `spec.artifacts[]` entry becomes an
/// `ExternalArtifact` of that name, made of `copy` rules `@alias/dir/** → @artifact/dir/`.
fn generated_artifacts(repo: &Repository) -> Vec<GeneratedArtifact> {
    let mut artifacts = Vec::new();
    for object in repo.objects.iter().filter(|o| o.is("source.extensions.fluxcd.io", "ArtifactGenerator")) {
        let node = repo.node(object);
        let aliases: HashMap<&str, (String, String)> = node
            .path(&["spec", "sources"])
            .map(|s| s.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|source| {
                Some((
                    source.str_at(&["alias"])?,
                    (source.str_at(&["kind"])?.to_owned(), source.str_at(&["name"])?.to_owned()),
                ))
            })
            .collect();
        for artifact in node.path(&["spec", "artifacts"]).map(|a| a.items()).unwrap_or_default() {
            let Some(name) = artifact.str_at(&["name"]) else { continue };
            let mut copies = Vec::new();
            for copy in artifact.get("copy").map(|c| c.items()).unwrap_or_default() {
                let (Some(from), Some(to)) = (copy.str_at(&["from"]), copy.str_at(&["to"])) else { continue };
                let Some((alias, from_dir)) = split_artifact_path(from) else { continue };
                let Some(source) = aliases.get(alias.trim_start_matches('@')) else { continue };
                let Some((_, to_dir)) = split_artifact_path(to) else { continue };
                copies.push((from_dir, to_dir, source.clone()));
            }
            artifacts.push(GeneratedArtifact {
                namespace: object.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
                name: name.to_owned(),
                copies,
                location: repo.object_location(object),
            });
        }
    }
    artifacts
}

/// `@alias/some/dir/**` → (`@alias`, `some/dir`): the folder part before any glob.
fn split_artifact_path(text: &str) -> Option<(&str, String)> {
    let (alias, rest) = text.split_once('/').unwrap_or((text, ""));
    let folder: Vec<&str> = rest
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[']))
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    Some((alias, folder.join("/")))
}
