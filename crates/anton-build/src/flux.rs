//! Every Flux Kustomization built the way kustomize-controller builds it,
//! following the chain from the roots so that each child is built from the
//! object its parent applies (with the parent's patches in it).

use std::collections::BTreeMap;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;

use anton_core::{Finding, Location, ObjectId, Severity};
use anton_flux::{FluxKind, Graph, NodeId};
use anton_kustomize::{Emitted, Engine, Origin, respan};
use anton_repo::normalize_relative;
use anton_yaml::{Node, Scalar, ScalarStyle, Span, Value};
use rayon::prelude::*;

use anton_flux::envsubst;
use anton_flux::variables::{self, Pairs};

use crate::spec::{FluxSpec, SubstituteFrom};

/// The value given to variables read from SOPS-encrypted Secrets: anton
/// never decrypts, so their keys exist but their values are unknown.
pub const SOPS_PLACEHOLDER: &str = "sops-encrypted";

const GROUP: &str = "kustomize.toolkit.fluxcd.io";

/// A variable used without a default and without a value: Flux replaces it
/// with the empty string (or fails, with strict substitution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndefinedVariable {
    pub name: String,
    /// The object it was found in, after the build.
    pub object: ObjectId,
    /// Where `${NAME}` is written.
    pub span: Span,
}

/// What postBuild substitution did for one Flux Kustomization.
#[derive(Debug, Clone, Default)]
pub struct Substitution {
    /// Substitution ran: `postBuild` is set and defines at least one variable.
    pub applied: bool,
    /// The variables it had, by name (values are not kept: they may be secret).
    pub variables: Vec<String>,
    /// Variables whose values come from SOPS-encrypted Secrets (given
    /// [`SOPS_PLACEHOLDER`] as value).
    pub placeholders: Vec<String>,
    pub undefined: Vec<UndefinedVariable>,
    /// `substituteFrom` entries no ConfigMap/Secret of the repository answers.
    pub missing_sources: Vec<SubstituteFrom>,
}

/// One Flux Kustomization, built.
#[derive(Debug, Clone)]
pub struct FluxBuild {
    /// The graph node of the Flux Kustomization.
    pub node: NodeId,
    pub namespace: String,
    pub name: String,
    /// The Flux Kustomization object as the cluster gets it: after the
    /// patches and substitutions of the Kustomization that applies it.
    pub object: Node,
    /// The repository folder built, when the source is this repository.
    pub dir: Option<String>,
    /// What it applies: kustomize build, Flux's spec, substitution,
    /// `commonMetadata`, and the ownership labels Flux adds. Built with
    /// [`Keep::FirstOfEach`], only what no earlier build applies.
    pub objects: Vec<Emitted>,
    pub substitution: Substitution,
    /// Flux would fail to build this (see the findings).
    pub failed: bool,
    /// Why nothing was built, when nothing was.
    pub skipped: Option<String>,
}

impl FluxBuild {
    pub fn id(&self) -> String {
        format!("Kustomization/{}/{}", self.namespace, self.name)
    }
}

/// Which built objects [`FluxBuilds`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every object of every build: what `anton build` and `anton diff` show.
    All,
    /// Each object once, in the first build (in graph order) that applies it
    /// with that identity, which is the copy checks look at
    /// (`anton_lint::from_builds`). A file every cluster of a fleet applies
    /// is then held once, not once per cluster.
    FirstOfEach,
}

/// What makes an applied object distinct for checks: where it comes from
/// and the identity it is applied with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppliedKey {
    /// The repository object, or where the generator that made it is written.
    pub origin: (Option<usize>, usize, u32, u32),
    /// As the graph names it: a namespaced object without a namespace lands in `default`.
    pub id: ObjectId,
}

impl AppliedKey {
    /// The repository object `index`, applied as `id`.
    pub fn object(index: usize, id: ObjectId) -> Self {
        AppliedKey { origin: (Some(index), 0, 0, 0), id }
    }

    /// An object a build emitted.
    pub fn of(engine: &Engine<'_>, emitted: &Emitted) -> Self {
        let origin = match emitted.origin {
            Origin::Object(index) => (Some(index), 0, 0, 0),
            Origin::Generated { file, span } => (None, file, span.line, span.column),
        };
        let mut id = emitted.id.clone();
        if id.namespace.is_none() && !engine.scopes().is_cluster_scoped(&id.group, &id.kind) {
            id.namespace = Some(anton_flux::DEFAULT_NAMESPACE.to_owned());
        }
        AppliedKey { origin, id }
    }
}

/// The first build (by graph node) known to apply each object, for
/// [`Keep::FirstOfEach`]: shared by the clusters building at the same time.
///
/// Every entry is a fact about what the builds apply, so an object may go as
/// soon as an earlier build is known to apply it too; which build is first
/// is only known once every cluster is built ([`FirstApplier::prune`]).
#[derive(Default)]
struct FirstApplier {
    first: HashMap<AppliedKey, NodeId>,
    /// Builds that kept an object an earlier build turned out to apply too.
    overtaken: HashSet<NodeId>,
}

impl FirstApplier {
    /// Records what build `node` applies (`keys`: each object's, in order)
    /// and drops what an earlier build is known to apply too, and repeats
    /// within the build. Objects `still_needed` says stay (recorded all the
    /// same): the cluster's later builds read them.
    fn claim(&mut self, node: NodeId, objects: &mut Vec<Emitted>, keys: Vec<AppliedKey>, still_needed: impl Fn(&Emitted) -> bool) {
        let mut here = HashSet::new();
        let mut keep = Vec::with_capacity(keys.len());
        for key in keys {
            let earlier = match self.first.get_mut(&key) {
                Some(first) if *first < node => true,
                Some(first) => {
                    if *first > node {
                        self.overtaken.insert(*first);
                    }
                    *first = node;
                    false
                }
                None => {
                    self.first.insert(key.clone(), node);
                    false
                }
            };
            let repeated = !here.insert(key);
            keep.push(!(earlier || repeated));
        }
        let before = objects.len();
        let mut keep = keep.into_iter();
        objects.retain(|emitted| keep.next().unwrap_or(true) || still_needed(emitted));
        if objects.len() < before {
            objects.shrink_to_fit();
        }
    }

    /// Once every cluster is built: drops what a build kept that an earlier
    /// build (of a cluster that finished later) applies too.
    fn prune(&self, engine: &Engine<'_>, built: &mut [(FluxBuild, Vec<Finding>)]) {
        for (build, _) in built.iter_mut().filter(|(build, _)| self.overtaken.contains(&build.node)) {
            let node = build.node;
            build.objects.retain(|emitted| self.first.get(&AppliedKey::of(engine, emitted)).is_none_or(|&first| first >= node));
            build.objects.shrink_to_fit();
        }
    }
}

/// The builds of every Flux Kustomization of a repository.
pub struct FluxBuilds {
    /// With [`Keep::FirstOfEach`] a build's `objects` lack what an earlier
    /// build applies too: an empty list is then not "built nothing".
    pub builds: Vec<FluxBuild>,
    /// Which objects the builds kept.
    pub kept: Keep,
    /// Problems of the Flux layer (the engine keeps kustomize's own).
    pub findings: Vec<Finding>,
}

/// ConfigMaps and Secrets a cluster's builds applied, for `substituteFrom`,
/// by (kind, namespace, name). Kept per cluster: each cluster of a
/// repository has its own `cluster-settings` under the same name, and a
/// Kustomization reads its own cluster's.
#[derive(Default)]
struct VarSources {
    /// `None` values are SOPS placeholders.
    objects: HashMap<(String, String, String), Pairs>,
}

impl VarSources {
    fn add(&mut self, node: &Node, encrypted: bool) {
        if !variables::is_variable_source(node) {
            return;
        }
        let kind = node.str_at(&["kind"]).unwrap_or_default();
        let namespace = node.str_at(&["metadata", "namespace"]).unwrap_or("default").to_owned();
        let name = node.str_at(&["metadata", "name"]).unwrap_or_default().to_owned();
        self.objects.insert((kind.to_owned(), namespace, name), variables::data_pairs(node, encrypted || variables::is_sops(node)));
    }
}

/// The repository's own ConfigMaps and Secrets, read once, by (kind,
/// namespace, name): each with the clusters whose trees apply it (`None`:
/// none does). A cluster sees those its own tree applies and those none
/// applies; the objects outside the target come after them.
///
/// Read once for all clusters: reading the whole repository again for each
/// cluster made the builds grow with clusters × objects.
struct WrittenVarSources {
    by_key: HashMap<(String, String, String), Vec<(Option<Vec<usize>>, Pairs)>>,
    outside: HashMap<(String, String, String), Pairs>,
}

impl WrittenVarSources {
    fn read(repo: &anton_repo::Repository, applied_in: &HashMap<usize, Vec<usize>>) -> Self {
        let mut by_key: HashMap<(String, String, String), Vec<(Option<Vec<usize>>, Pairs)>> = HashMap::new();
        for (index, object) in repo.objects.iter().enumerate() {
            if object.api_version != "v1" || !(object.kind == "ConfigMap" || object.kind == "Secret") {
                continue;
            }
            let node = repo.node(object);
            let pairs = variables::data_pairs(node, object.sops_encrypted || variables::is_sops(node));
            let key = (object.kind.clone(), object.namespace.clone().unwrap_or_default(), object.name.clone());
            by_key.entry(key).or_default().push((applied_in.get(&index).cloned(), pairs));
        }
        let mut outside = HashMap::new();
        for (_, node) in &repo.outside_objects {
            if variables::is_variable_source(node) {
                let kind = node.str_at(&["kind"]).unwrap_or_default();
                let namespace = node.str_at(&["metadata", "namespace"]).unwrap_or_default().to_owned();
                let name = node.str_at(&["metadata", "name"]).unwrap_or_default().to_owned();
                outside
                    .entry((kind.to_owned(), namespace, name))
                    .or_insert_with(|| variables::data_pairs(node, variables::is_sops(node)));
            }
        }
        WrittenVarSources { by_key, outside }
    }

    fn for_cluster(&self, cluster: usize) -> WrittenFor<'_> {
        WrittenFor { sources: self, cluster }
    }
}

/// What one cluster reads from [`WrittenVarSources`].
struct WrittenFor<'w> {
    sources: &'w WrittenVarSources,
    cluster: usize,
}

impl WrittenFor<'_> {
    /// `Some(None)`: several objects answer and none is the one (written in
    /// several clusters' folders, applied by none so far).
    fn get(&self, key: &(String, String, String)) -> Option<Option<&Pairs>> {
        let mut visible = self.sources.by_key.get(key).into_iter().flatten().filter(|(clusters, _)| {
            clusters.as_ref().is_none_or(|clusters| clusters.binary_search(&self.cluster).is_ok())
        });
        match (visible.next(), visible.next()) {
            (Some((_, pairs)), None) => Some(Some(pairs)),
            (Some(_), Some(_)) => Some(None),
            (None, _) => self.sources.outside.get(key).map(Some),
        }
    }
}

/// Sets `metadata.<field>.<key>` on an object.
fn set_meta(node: &mut Node, field: &str, key: &str, value: &str, span: Span) {
    let string = |text: &str| Node::new_scalar(span, text, ScalarStyle::DoubleQuoted);
    let ensure = |node: &mut Node, key: &str| {
        let Value::Map(entries) = &mut node.value else { return };
        let index = match entries.iter().position(|e| e.key.scalar_text() == Some(key)) {
            Some(i) => i,
            None => {
                entries.push(anton_yaml::Entry { key: string(key), value: Node::new(span, Value::Map(Vec::new().into())) });
                entries.len() - 1
            }
        };
        if entries[index].value.is_null() || !entries[index].value.is_map() {
            entries[index].value = Node::new(span, Value::Map(Vec::new().into()));
        }
    };
    ensure(node, "metadata");
    let Some(metadata) = child_mut(node, "metadata") else { return };
    ensure(metadata, field);
    let Some(map) = child_mut(metadata, field) else { return };
    let Value::Map(entries) = &mut map.value else { return };
    match entries.iter().position(|e| e.key.scalar_text() == Some(key)) {
        Some(index) => entries[index].value = string(value),
        None => entries.push(anton_yaml::Entry { key: string(key), value: string(value) }),
    }
}

fn child_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().find(|e| e.key.scalar_text() == Some(key)).map(|e| &mut e.value),
        _ => None,
    }
}

/// `node` with every scalar substituted (keys too, as Flux substitutes the
/// YAML text); `None` when nothing changes. Only the mappings and lists on
/// the way to a changed scalar are copied: the rest of the object stays
/// shared with the folder's build.
fn substituted_node(
    node: &Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    undefined: &mut Vec<(String, Span)>,
    errors: &mut Vec<(String, Span)>,
) -> Option<Node> {
    node.replacing_scalars(true, &mut |node: &Node, scalar: &Scalar| {
        if !scalar.text.contains('$') {
            return None;
        }
        let outcome = match envsubst::substitute(&scalar.text, lookup) {
            Ok(outcome) => outcome,
            Err(message) => {
                errors.push((format!("`{}`: {message}", scalar.text), node.span));
                return None;
            }
        };
        if !outcome.undefined.is_empty() {
            // Flux would write an empty string. The value stays as
            // written instead, so the output shows what is missing
            // and schema validation reads it as a placeholder
            // (flux/undefined-variable reports it).
            undefined.extend(outcome.undefined.into_iter().map(|name| (name, node.span)));
            return None;
        }
        if *outcome.text == *scalar.text {
            return None;
        }
        let text = outcome.text;
        // A plain value is YAML again after substitution: a
        // flow list or map reads as one, as it does for Flux.
        if node.style == ScalarStyle::Plain && (text.starts_with('[') || text.starts_with('{')) {
            let parsed = anton_yaml::parse_stream_in(&text, node.span.file);
            if parsed.issues.is_empty() {
                if let Some(mut doc) = parsed.documents.into_iter().next().map(|d| Arc::unwrap_or_clone(d.root)) {
                    respan(&mut doc, node.span);
                    return Some(doc);
                }
            }
        }
        Some(node.with_value(Value::Scalar(anton_yaml::Scalar { text: text.into() })))
    })
}

fn valid_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

fn object_id(engine: &Engine<'_>, node: &Node) -> ObjectId {
    let api_version = node.str_at(&["apiVersion"]).unwrap_or_default();
    let kind = node.str_at(&["kind"]).unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let namespace = if engine.scopes().is_cluster_scoped(group, kind) { None } else { node.str_at(&["metadata", "namespace"]) };
    ObjectId::new(api_version, kind, namespace, node.str_at(&["metadata", "name"]).unwrap_or_default())
}

impl FluxBuilds {
    /// Builds every Flux Kustomization of `graph`, parents before children,
    /// and keeps every object they apply.
    pub fn build(engine: &Engine<'_>, graph: &Graph) -> FluxBuilds {
        Self::build_keeping(engine, graph, Keep::All)
    }

    /// Builds every Flux Kustomization of `graph`, parents before children,
    /// and keeps the objects `keep` says.
    pub fn build_keeping(engine: &Engine<'_>, graph: &Graph, keep: Keep) -> FluxBuilds {
        let repo = engine.repository();
        // The repository's own ConfigMaps and Secrets answer substituteFrom
        // until a build applies the object for real; for each cluster, those
        // no other cluster's tree applies (its own, and those none applies).
        let mut applied_in: HashMap<usize, Vec<usize>> = HashMap::new();
        for (node, applied) in &graph.applies {
            for object in applied {
                if let Origin::Object(index) = object.origin {
                    applied_in.entry(index).or_default().push(graph.nodes[*node].cluster);
                }
            }
        }
        for clusters in applied_in.values_mut() {
            clusters.sort_unstable();
            clusters.dedup();
        }
        let written = WrittenVarSources::read(repo, &applied_in);
        let made = secrets_made_in_cluster(repo, graph);
        // Clusters do not read each other's builds (a child is in its
        // parent's cluster, substituteFrom reads its own cluster's objects):
        // each cluster is built on its own core, its Kustomizations in node order.
        let mut by_cluster: BTreeMap<usize, Vec<NodeId>> = BTreeMap::new();
        for (id, node) in graph.nodes.iter().enumerate() {
            if node.kind == FluxKind::Kustomization {
                by_cluster.entry(node.cluster).or_default().push(id);
            }
        }
        let clusters: Vec<Vec<NodeId>> = by_cluster.into_values().collect();
        let applier = (keep == Keep::FirstOfEach).then(|| std::sync::Mutex::new(FirstApplier::default()));
        let mut built: Vec<(FluxBuild, Vec<Finding>)> = clusters
            .par_iter()
            .flat_map_iter(|ids| build_cluster(engine, graph, ids, &written, &made, applier.as_ref()))
            .collect();
        if let Some(applier) = applier {
            applier.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).prune(engine, &mut built);
        }
        // In node order, findings too: as one walk over the graph gives them.
        built.sort_by_key(|(build, _)| build.node);
        let mut builds = Vec::with_capacity(built.len());
        let mut findings = Vec::new();
        for (build, found) in built {
            builds.push(build);
            findings.extend(found);
        }
        FluxBuilds { builds, kept: keep, findings }
    }

    pub fn get(&self, node: NodeId) -> Option<&FluxBuild> {
        // Built in graph order, so sorted by node.
        self.builds.binary_search_by_key(&node, |b| b.node).ok().map(|i| &self.builds[i])
    }

    /// Builds of Flux Kustomizations named `name` (in `namespace`, when given).
    pub fn find(&self, name: &str, namespace: Option<&str>) -> Vec<&FluxBuild> {
        self.builds.iter().filter(|b| b.name == name && namespace.is_none_or(|ns| ns == b.namespace)).collect()
    }
}

/// One cluster's Flux Kustomizations (`ids`, in node order: parents before
/// children), each with the findings of its build.
fn build_cluster(
    engine: &Engine<'_>,
    graph: &Graph,
    ids: &[NodeId],
    written: &WrittenVarSources,
    made: &HashMap<(String, String), String>,
    applier: Option<&std::sync::Mutex<FirstApplier>>,
) -> Vec<(FluxBuild, Vec<Finding>)> {
    let claim = |node: NodeId, objects: &mut Vec<Emitted>, still_needed: &dyn Fn(&Emitted) -> bool| {
        if let Some(applier) = applier {
            // The keys are made before the lock: the other clusters wait only for the look-ups.
            let keys = objects.iter().map(|emitted| AppliedKey::of(engine, emitted)).collect();
            applier.lock().unwrap_or_else(std::sync::PoisonError::into_inner).claim(node, objects, keys, still_needed);
        }
    };
    let repo = engine.repository();
    // Every node of the call is in one cluster.
    let Some(&first) = ids.first() else { return Vec::new() };
    let written = written.for_cluster(graph.nodes[first].cluster);
    let (name_label, namespace_label) = (format!("{GROUP}/name"), format!("{GROUP}/namespace"));
    let mut builds: Vec<FluxBuild> = Vec::with_capacity(ids.len());
    let mut found: Vec<Vec<Finding>> = Vec::with_capacity(ids.len());
    let mut by_node: HashMap<NodeId, usize> = HashMap::new();
    // For each build: the Flux Kustomizations it applies, by the
    // repository object they come from (children look their object up here).
    let mut kustomizations_of: Vec<HashMap<usize, Vec<usize>>> = Vec::new();
    // What the cluster applied so far.
    let mut sources = VarSources::default();
    for &id in ids {
        let flux_node = &graph.nodes[id];
        let mut findings = Vec::new();
        // The object as applied: from the parent's build when there is one.
        let applied = flux_node.applied_by.and_then(|parent| by_node.get(&parent)).and_then(|&b| {
            let candidates: Vec<&Emitted> = kustomizations_of[b]
                .get(&flux_node.object)
                .into_iter()
                .flatten()
                .map(|&i| &builds[b].objects[i])
                .collect();
            candidates
                .iter()
                .find(|e| e.node.str_at(&["metadata", "namespace"]).unwrap_or("default") == flux_node.namespace)
                .or(candidates.first())
                .map(|e| Node::clone(&e.node))
        });
        let object = applied.unwrap_or_else(|| repo.node(&repo.objects[flux_node.object]).clone());
        let spec = FluxSpec::read(&object);
        let mut build = FluxBuild {
            node: id,
            namespace: flux_node.namespace.clone(),
            name: flux_node.name.clone(),
            object: object.clone(),
            dir: None,
            objects: Vec::new(),
            substitution: Substitution::default(),
            failed: false,
            skipped: None,
        };
        let raw_spec = anton_flux::model::FluxSpec::read(FluxKind::Kustomization, repo.node(&repo.objects[flux_node.object]));
        let raw_path = match &raw_spec {
            anton_flux::FluxSpec::Kustomization(ks) => ks.path.as_ref().map(|p| p.value.clone()),
            _ => None,
        };
        let dir = match graph.local_path(id) {
            None => {
                build.skipped = Some(format!("its source {} {} is not this repository", spec.source_kind, spec.source_name));
                None
            }
            Some(dir) if spec.path.as_ref().map(|p| &p.value) != raw_path.as_ref() => {
                normalize_relative("", spec.path.as_ref().map_or("./", |p| p.value.as_str())).or(Some(dir))
            }
            Some(dir) => Some(dir),
        };
        if let Some(dir) = dir {
            if !repo.is_dir(&dir) {
                build.skipped = Some(format!("spec.path `{dir}` is not a folder of this repository"));
            } else if !graph.applies.contains_key(&id) {
                // The graph found no source where Flux looks (flux/source-missing says where).
                build.skipped = Some(format!("its source {} {} cannot be found", spec.source_kind, spec.source_name));
            } else {
                for bad in &spec.bad_components {
                    findings.push(
                        Finding::new(
                            "flux/invalid-component",
                            Severity::Critical,
                            format!("component `{}` must be a local, relative path", bad.value),
                        )
                        .at(engine.span_location(bad.span))
                        .object(build.id())
                        .hint("Flux refuses remote or absolute components; vendor the component into the repository"),
                    );
                    build.failed = true;
                }
                let anchor = spec.path.as_ref().map_or(object.span, |p| p.span);
                let built = engine.build_overlay(&dir, &spec.overlay, anchor);
                build.failed |= built.failed;
                build.objects = built.objects;
                build.dir = Some(dir);
                post_build(engine, &spec, &mut build, &sources, &written, made, &mut findings);
                // What the cluster applied so far, for the substituteFrom of
                // its later builds (the labels below do not change it).
                for object in build.objects.iter_mut() {
                    let encrypted = match object.origin {
                        Origin::Object(i) => repo.objects[i].sops_encrypted,
                        Origin::Generated { .. } => false,
                    };
                    sources.add(&object.node, encrypted);
                    // The identity as built; the labels below leave it as it is.
                    object.id = object_id(engine, &object.node);
                }
                // Copies another build applies first go before they are
                // labelled; Kustomizations stay until the cluster is built
                // (their children are built from them).
                claim(id, &mut build.objects, &|emitted| emitted.id.kind == "Kustomization");
                let owner_span = object_name_span(&build.object);
                for object in build.objects.iter_mut() {
                    for (key, value) in &spec.labels {
                        set_meta(Arc::make_mut(&mut object.node), "labels", key, value, spec.common_metadata_span);
                    }
                    for (key, value) in &spec.annotations {
                        set_meta(Arc::make_mut(&mut object.node), "annotations", key, value, spec.common_metadata_span);
                    }
                    set_meta(Arc::make_mut(&mut object.node), "labels", &name_label, &build.name, owner_span);
                    set_meta(Arc::make_mut(&mut object.node), "labels", &namespace_label, &build.namespace, owner_span);
                }
            }
        }
        let mut kustomizations: HashMap<usize, Vec<usize>> = HashMap::new();
        for (index, emitted) in build.objects.iter().enumerate() {
            if let Origin::Object(object) = emitted.origin
                && emitted.id.kind == "Kustomization"
            {
                kustomizations.entry(object).or_default().push(index);
            }
        }
        kustomizations_of.push(kustomizations);
        by_node.insert(id, builds.len());
        builds.push(build);
        found.push(findings);
    }
    // The Kustomizations kept for the children go now if an earlier build
    // applies them too. A build that kept none has nothing to claim again:
    // what an earlier build claimed since, `FirstApplier::prune` drops.
    for build in builds.iter_mut().filter(|build| build.objects.iter().any(|o| o.id.kind == "Kustomization")) {
        claim(build.node, &mut build.objects, &|_| false);
    }
    builds.into_iter().zip(found).collect()
}

fn object_name_span(object: &Node) -> Span {
    object.path(&["metadata", "name"]).map_or(object.span, |n| n.span)
}

/// Secrets that controllers make in the cluster from objects of the
/// repository, by (namespace, name) (`""`: a namespace set later), with what
/// makes each: an ExternalSecret (`spec.target.name`, default its own name),
/// a SealedSecret, a OnePasswordItem, a cert-manager Certificate (`spec.secretName`).
/// Applied objects count in the namespace their Kustomization really puts them.
fn secrets_made_in_cluster(repo: &anton_repo::Repository, graph: &Graph) -> HashMap<(String, String), String> {
    let mut made = HashMap::new();
    let mut add = |node: &Node, namespace: String| {
        let Some((kind, secret)) = made_secret(node) else { return };
        let own = node.str_at(&["metadata", "name"]).unwrap_or_default();
        let maker = if namespace.is_empty() { format!("{kind} {own}") } else { format!("{kind} {namespace}/{own}") };
        made.entry((namespace, secret)).or_insert(maker);
    };
    for applied in graph.applies_in_order().into_iter().flat_map(|(_, applied)| applied) {
        if let Origin::Object(index) = applied.origin {
            add(repo.node(&repo.objects[index]), applied.id.namespace.clone().unwrap_or_default());
        }
    }
    for object in &repo.objects {
        add(repo.node(object), object.namespace.clone().unwrap_or_default());
    }
    for (_, node) in &repo.outside_objects {
        add(node, node.str_at(&["metadata", "namespace"]).unwrap_or_default().to_owned());
    }
    made
}

/// The kind of an object that makes a Secret, and the Secret's name.
fn made_secret(node: &Node) -> Option<(&'static str, String)> {
    let group = node.str_at(&["apiVersion"])?.split('/').next()?;
    let kind = node.str_at(&["kind"])?;
    let own = node.str_at(&["metadata", "name"]).filter(|n| !n.is_empty());
    let (label, name) = match (group, kind) {
        ("external-secrets.io", "ExternalSecret") => {
            ("ExternalSecret", node.str_at(&["spec", "target", "name"]).filter(|n| !n.is_empty()).or(own))
        }
        ("bitnami.com", "SealedSecret") => ("SealedSecret", node.str_at(&["spec", "template", "metadata", "name"]).or(own)),
        ("onepassword.com", "OnePasswordItem") => ("OnePasswordItem", own),
        ("cert-manager.io", "Certificate") => ("Certificate", node.str_at(&["spec", "secretName"])),
        _ => return None,
    };
    Some((label, name?.to_owned()))
}

/// postBuild: variables from `substituteFrom` (ConfigMaps and Secrets in the
/// Kustomization's namespace) overridden by `substitute`, then `${…}` in every
/// object that does not opt out.
fn post_build(
    engine: &Engine<'_>,
    spec: &FluxSpec,
    build: &mut FluxBuild,
    applied: &VarSources,
    written: &WrittenFor<'_>,
    made: &HashMap<(String, String), String>,
    findings: &mut Vec<Finding>,
) {
    if !spec.post_build.present {
        return;
    }
    let mut vars: Vec<(String, Option<String>)> = Vec::new();
    let set = |vars: &mut Vec<(String, Option<String>)>, key: String, value: Option<String>| {
        let value = value.map(|v| v.replace('\n', ""));
        match vars.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => vars.push((key, value)),
        }
    };
    for source in &spec.post_build.substitute_from {
        let key = (source.kind.clone(), build.namespace.clone(), source.name.clone());
        let pairs = applied.objects.get(&key).map(Some).or_else(|| written.get(&key)).or_else(|| {
            // Written without a namespace: kustomize or Flux sets it later.
            written.get(&(source.kind.clone(), String::new(), source.name.clone()))
        });
        match pairs {
            // Written in several clusters' folders and applied by none of
            // this cluster's Kustomizations so far: never another cluster's
            // values; its keys are unknown (flux/undefined-variable stays quiet).
            Some(None) => build.substitution.missing_sources.push(source.clone()),
            Some(Some(pairs)) => {
                for (k, v) in pairs {
                    set(&mut vars, k.clone(), v.clone());
                }
            }
            None => {
                // Its keys are unknown either way: flux/undefined-variable stays quiet.
                build.substitution.missing_sources.push(source.clone());
                let maker = (source.kind == "Secret")
                    .then(|| {
                        made.get(&(build.namespace.clone(), source.name.clone()))
                            .or_else(|| made.get(&(String::new(), source.name.clone())))
                    })
                    .flatten();
                if let Some(maker) = maker {
                    findings.push(
                        Finding::new(
                            "flux/substitute-from-missing",
                            Severity::Info,
                            format!(
                                "postBuild.substituteFrom names Secret {}/{}, created by {maker}; not verifiable offline",
                                build.namespace, source.name
                            ),
                        )
                        .at(engine.span_location(source.span))
                        .object(build.id())
                        .hint("make sure it is ready before this Kustomization runs (dependsOn the Kustomization that applies it)"),
                    );
                } else if !source.optional {
                    findings.push(
                        Finding::new(
                            "flux/substitute-from-missing",
                            Severity::Warning,
                            format!(
                                "postBuild.substituteFrom names {} {}/{}, which no Kustomization of this repository applies",
                                source.kind, build.namespace, source.name
                            ),
                        )
                        .at(engine.span_location(source.span))
                        .object(build.id())
                        .hint("Flux fails the Kustomization until it exists: add it to the repository, create it in the cluster, or mark the entry `optional: true`"),
                    );
                }
            }
        }
    }
    for (key, value, _) in &spec.post_build.substitute {
        set(&mut vars, key.clone(), Some(value.clone()));
    }
    let invalid: Vec<String> = vars.iter().map(|(k, _)| k.clone()).filter(|k| !valid_variable_name(k)).collect();
    if !invalid.is_empty() {
        findings.push(
            Finding::new(
                "flux/invalid-variable-name",
                Severity::Critical,
                format!("variable name(s) {} are invalid: names must match ^[_[:alpha:]][_[:alpha:][:digit:]]*$", invalid.join(", ")),
            )
            .at(engine.span_location(build.object.path(&["spec", "postBuild"]).map_or(build.object.span, |n| n.span)))
            .object(build.id())
            .hint("Flux fails the whole Kustomization on an invalid name; rename the key in substitute/substituteFrom"),
        );
        build.failed = true;
    }
    build.substitution.variables = vars.iter().map(|(k, _)| k.clone()).collect();
    build.substitution.placeholders = vars.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.clone()).collect();
    if vars.is_empty() {
        return;
    }
    build.substitution.applied = true;
    let lookup = |name: &str| -> Option<String> {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone().unwrap_or_else(|| SOPS_PLACEHOLDER.to_owned()))
    };
    for object in build.objects.iter_mut() {
        let disabled = |field: &str| {
            object.node.path(&["metadata", field, "kustomize.toolkit.fluxcd.io/substitute"]).and_then(Node::scalar_text) == Some("disabled")
        };
        if disabled("labels") || disabled("annotations") {
            continue;
        }
        let mut undefined = Vec::new();
        let mut errors = Vec::new();
        if let Some(changed) = substituted_node(&object.node, &lookup, &mut undefined, &mut errors) {
            object.node = Arc::new(changed);
        }
        object.id = object_id(engine, &object.node);
        for (name, span) in undefined {
            build.substitution.undefined.push(UndefinedVariable { name, object: object.id.clone(), span });
        }
        for (message, span) in errors {
            findings.push(
                Finding::new("flux/substitution-failed", Severity::Critical, format!("variable substitution fails on {message}"))
                    .at(engine.span_location(span))
                    .object(object.id.short())
                    .hint("fix the ${…} expression, or write $${…} to keep it literal"),
            );
            build.failed = true;
        }
    }
}

/// `file:line:col` helper for callers that only have a span.
pub fn location(engine: &Engine<'_>, span: Span) -> Location {
    engine.span_location(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cluster that comes first in graph order but finishes last: its
    /// copies win, and the last pass drops the copies kept before it finished.
    #[test]
    fn the_first_copy_wins_whichever_cluster_finishes_first() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleet");
        let options = anton_repo::LoadOptions { respect_gitignore: false, root: Some(root.clone()), ..Default::default() };
        let repo = anton_repo::Repository::load(&root, &options).unwrap();
        let engine = Engine::new(&repo);
        let graph = Graph::build(&engine, anton_flux::GraphOptions::default());
        let built = FluxBuilds::build(&engine, &graph);
        let in_order = FluxBuilds::build_keeping(&engine, &graph, Keep::FirstOfEach);
        let mut builds: Vec<(FluxBuild, Vec<Finding>)> = built.builds.into_iter().map(|b| (b, Vec::new())).collect();
        // `apps` of each cluster, then each cluster's `monitoring`.
        assert_eq!(builds.len(), 4);
        let mut applier = FirstApplier::default();
        // The second cluster is done first: nothing earlier is known, it keeps everything.
        for index in [1, 3, 0, 2] {
            let (node, objects) = (builds[index].0.node, &mut builds[index].0.objects);
            let keys = objects.iter().map(|emitted| AppliedKey::of(&engine, emitted)).collect();
            applier.claim(node, objects, keys, |_| false);
            if index == 1 {
                assert_eq!(builds[1].0.objects.len(), 4);
            }
        }
        assert!(applier.overtaken.contains(&builds[1].0.node));
        applier.prune(&engine, &mut builds);
        let ids = |objects: &[Emitted]| objects.iter().map(|o| o.id.short()).collect::<Vec<_>>();
        for ((late, _), kept) in builds.iter().zip(&in_order.builds) {
            assert_eq!(ids(&late.objects), ids(&kept.objects));
        }
        assert_eq!(ids(&builds[1].0.objects), ["ServiceAccount/web/backup"]);
    }

    fn substitute(node: &Node, vars: &[(&str, &str)]) -> (Option<Node>, Vec<(String, Span)>, Vec<(String, Span)>) {
        let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
        let (mut undefined, mut errors) = (Vec::new(), Vec::new());
        let changed = substituted_node(node, &lookup, &mut undefined, &mut errors);
        (changed, undefined, errors)
    }

    #[test]
    fn substitution_copies_only_the_way_to_what_changes() {
        let parsed = anton_yaml::parse_stream(
            "metadata:\n  name: app\n  labels: {tier: web}\nspec:\n  values:\n    host: ${APP}.example.com\n    ports: [80, 443]\n  ${KEY}: x\n  args: [\"--a=${MISSING}\", \"--b=$${KEPT}\"]\n  list: ${LIST}\n  env: [\"--c=${MISSING}\"]\n",
        );
        let root = &parsed.documents[0].root;
        let (changed, undefined, errors) = substitute(root, &[("APP", "plex"), ("KEY", "renamed"), ("LIST", "[a, b]")]);
        let copy = changed.expect("something changes");
        assert_eq!(copy.str_at(&["spec", "values", "host"]), Some("plex.example.com"));
        assert_eq!(copy.str_at(&["spec", "renamed"]), Some("x"), "keys are substituted too");
        // A plain value that becomes a flow list reads as one.
        assert_eq!(copy.path(&["spec", "list"]).map(|n| n.to_json()), Some(serde_json::json!(["a", "b"])));
        assert_eq!(root.str_at(&["spec", "values", "host"]), Some("${APP}.example.com"), "the original is left alone");
        // Beside what changed: shared with the original, not copied.
        assert!(copy.path(&["metadata"]).unwrap().shares_children_with(root.path(&["metadata"]).unwrap()));
        assert!(copy.path(&["spec", "values", "ports"]).unwrap().shares_children_with(root.path(&["spec", "values", "ports"]).unwrap()));
        assert!(copy.path(&["spec", "env"]).unwrap().shares_children_with(root.path(&["spec", "env"]).unwrap()), "nothing in it changes");
        assert!(!copy.path(&["spec", "values"]).unwrap().shares_children_with(root.path(&["spec", "values"]).unwrap()));
        // An undefined variable stays as written and is recorded where it is written.
        assert_eq!(copy.path(&["spec", "args"]).unwrap().items()[0].scalar_text(), Some("--a=${MISSING}"));
        assert_eq!(
            undefined.iter().map(|(name, span)| (name.as_str(), span.line)).collect::<Vec<_>>(),
            [("MISSING", 9), ("MISSING", 11)]
        );
        // `$$` writes a literal `$`.
        assert_eq!(copy.path(&["spec", "args"]).unwrap().items()[1].scalar_text(), Some("--b=${KEPT}"));
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn nothing_to_substitute_is_no_copy_and_a_bad_expression_is_an_error() {
        let parsed = anton_yaml::parse_stream("a: plain\nb: [x, \"${UNSET}\"]\nc: ${BAD\n");
        let root = &parsed.documents[0].root;
        let (changed, undefined, errors) = substitute(root, &[]);
        assert!(changed.is_none(), "undefined and broken expressions change nothing");
        assert_eq!(undefined.len(), 1);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].1.line, 3);
    }
}
