//! One state of the repository, reduced to what the comparison needs: every
//! Flux Kustomization with its settings and the objects it applies, under the
//! identity Flux applies them with, as the build engine builds them
//! (kustomize, the parent's patches, targetNamespace, substitution).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anton_build::FluxBuilds;
use anton_core::{Location, ObjectId};
use anton_flux::{FluxKind, Graph, GraphOptions};
use anton_kustomize::{Engine, Origin};
use anton_repo::{LoadError, LoadOptions, Repository};
use anton_yaml::Node;
use serde_json::Value;

pub(crate) const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
pub(crate) const PRUNE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/prune";
/// Flux recreates an object carrying it (as a label or an annotation) when
/// an immutable field changes, as `spec.force: true` does for all of them.
pub(crate) const FORCE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/force";

/// A Flux Kustomization as the cluster knows it: its identity, in one
/// cluster of the repository (trees of several clusters may share names).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct KsKey {
    pub(crate) cluster: String,
    pub(crate) id: ObjectId,
}

impl KsKey {
    pub(crate) fn name(&self) -> String {
        self.id.short()
    }

    /// `-n NAMESPACE NAME` arguments, as `flux`/`anton flux` take them.
    pub(crate) fn flux_args(&self) -> String {
        format!("{} -n {}", self.id.name, self.id.namespace.as_deref().unwrap_or("flux-system"))
    }
}

/// Values that must never be printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Redaction {
    None,
    /// A `Secret`: its `data`/`stringData` values are secret.
    Secret,
    /// A SOPS-encrypted file: its encrypted values are ciphertext.
    Sops,
}

/// An object a Flux Kustomization applies.
#[derive(Debug, Clone)]
pub(crate) struct AppliedObject {
    pub(crate) id: ObjectId,
    /// The object as JSON, with its effective name and namespace. `None` when
    /// the content is not known (generated ConfigMaps and Secrets).
    pub(crate) json: Option<Value>,
    /// The annotation that keeps Flux from ever deleting it, as
    /// `key: value` (`kustomize.toolkit.fluxcd.io/prune: disabled`).
    pub(crate) protected_by: Option<String>,
    pub(crate) redaction: Redaction,
    pub(crate) location: Option<Location>,
}

impl AppliedObject {
    pub(crate) fn is_flux_kustomization(&self) -> bool {
        self.id.group == KUSTOMIZE_GROUP && self.id.kind == "Kustomization"
    }

    /// Whether it carries `kustomize.toolkit.fluxcd.io/force: enabled`, as a
    /// label or an annotation (kustomize-controller reads both).
    pub(crate) fn forced(&self) -> bool {
        self.json.as_ref().is_some_and(|json| metadata_says(json, FORCE_ANNOTATION, "enabled"))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct KsInfo {
    pub(crate) key: KsKey,
    /// The Kustomization that applies this one; `None` for roots.
    pub(crate) parent: Option<KsKey>,
    /// A root whose own path applies it (the `flux-system` bootstrap).
    pub(crate) self_applied: bool,
    pub(crate) prune: bool,
    pub(crate) suspend: bool,
    /// `spec.force`: an object whose immutable fields change is deleted and
    /// created again instead of failing the apply.
    pub(crate) force: bool,
    /// `spec.deletionPolicy`: `MirrorPrune` (the default), `Delete`, `WaitForTermination` or `Orphan`.
    pub(crate) deletion_policy: String,
    /// `Kind/namespace/name` of `spec.sourceRef`.
    pub(crate) source: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) target_namespace: Option<String>,
    pub(crate) location: Location,
    pub(crate) objects: BTreeMap<ObjectId, AppliedObject>,
    /// Why Flux could not build this Kustomization in this state (its source
    /// or path is missing, a file under its path does not parse): it would
    /// apply nothing and prune nothing.
    pub(crate) unbuildable: Option<String>,
}

impl KsInfo {
    /// Whether deleting this Kustomization garbage-collects what it applied.
    pub(crate) fn collects_garbage(&self) -> Result<(), String> {
        if self.suspend {
            return Err(format!("{} is suspended, and Flux does not garbage-collect a suspended Kustomization", self.key.name()));
        }
        match self.deletion_policy.as_str() {
            "Orphan" => Err(format!("{} has deletionPolicy: Orphan", self.key.name())),
            "Delete" | "WaitForTermination" => Ok(()),
            _ if self.prune => Ok(()),
            _ => Err(format!("{} has prune: false", self.key.name())),
        }
    }
}

/// Everything the comparison needs of one state.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub(crate) kustomizations: BTreeMap<KsKey, KsInfo>,
    /// Which Kustomizations apply an object, per (cluster, object).
    pub(crate) owners: HashMap<(String, ObjectId), Vec<KsKey>>,
    /// Files that do not parse, with where and why (`12:3: …`): what they
    /// declared is unknown in this state, not gone.
    pub(crate) unparsable: BTreeMap<String, String>,
}

impl Snapshot {
    /// Loads `scan` (inside `root`, the top of the work tree) and reduces it.
    pub(crate) fn load(scan: &Path, root: &Path) -> Result<Snapshot, LoadError> {
        let options = LoadOptions { respect_gitignore: true, root: Some(root.to_path_buf()), other_texts: false, explicit_dir: None };
        let repo = Repository::load(scan, &options)?;
        let engine = Engine::new(&repo);
        let graph = Graph::build(&engine, GraphOptions::default());
        let builds = FluxBuilds::build(&engine, &graph);
        Ok(Snapshot::from_graph(&repo, &engine, &graph, &builds))
    }

    pub(crate) fn from_graph(repo: &Repository, engine: &Engine<'_>, graph: &Graph, builds: &FluxBuilds) -> Snapshot {
        let broken: Vec<&str> = repo.files.iter().filter(|f| f.has_syntax_error).map(|f| f.path.as_str()).collect();
        let key_of = |node_id: usize| -> Option<KsKey> {
            let node = &graph.nodes[node_id];
            (node.kind == FluxKind::Kustomization).then(|| KsKey {
                cluster: graph.clusters.get(node.cluster).cloned().unwrap_or_default(),
                id: ObjectId {
                    group: KUSTOMIZE_GROUP.to_owned(),
                    kind: "Kustomization".to_owned(),
                    namespace: Some(node.namespace.clone()),
                    name: node.name.clone(),
                },
            })
        };
        // A file that does not parse fails the build of the Kustomization
        // whose path holds it most closely (parents only list its folder).
        let paths: Vec<(usize, String)> = (0..graph.nodes.len())
            .filter(|&n| graph.nodes[n].kind == FluxKind::Kustomization)
            .filter_map(|n| graph.local_path(n).map(|dir| (n, dir)))
            .collect();
        let mut broken_in: HashMap<usize, &str> = HashMap::new();
        for file in &broken {
            let holds = |dir: &str| dir.is_empty() || file.starts_with(&format!("{dir}/"));
            let deepest = paths.iter().filter(|(_, dir)| holds(dir)).map(|(_, dir)| dir.len()).max();
            for (node, dir) in &paths {
                if Some(dir.len()) == deepest && holds(dir) {
                    broken_in.entry(*node).or_insert(file);
                }
            }
        }
        let mut snapshot = Snapshot::default();
        for file in &broken {
            let why = repo
                .findings
                .iter()
                .filter(|f| f.rule == "yaml/syntax")
                .find_map(|f| f.location.as_ref().filter(|l| l.file == *file).map(|l| format!("{}:{}: {}", l.line, l.column, f.message)))
                .unwrap_or_else(|| "syntax error".to_owned());
            snapshot.unparsable.insert((*file).to_owned(), why);
        }
        for (node_id, node) in graph.nodes.iter().enumerate() {
            let Some(key) = key_of(node_id) else { continue };
            if snapshot.kustomizations.contains_key(&key) {
                continue;
            }
            // The Kustomization as its parent applies it (the parent's
            // patches and substitutions in it), and what it applies.
            let build = builds.get(node_id);
            let raw = build.map_or_else(|| repo.node(&repo.objects[node.object]), |build| &build.object);
            let settings = Settings::read(raw);
            let built = build.filter(|build| build.skipped.is_none());
            let mut objects = BTreeMap::new();
            for emitted in built.into_iter().flat_map(|build| &build.objects) {
                let object = built_object(repo, engine, emitted);
                objects.entry(object.id.clone()).or_insert(object);
            }
            let unbuildable = if built.is_none() {
                Some("its source or its path cannot be found".to_owned())
            } else {
                broken_in.get(&node_id).map(|file| format!("{file} does not parse"))
            };
            let spec_text = |keys: &[&str]| raw.path(&["spec"]).and_then(|s| s.str_at(keys)).map(str::to_owned);
            let source = raw.path(&["spec", "sourceRef"]).map(|source| {
                format!(
                    "{}/{}/{}",
                    source.str_at(&["kind"]).unwrap_or_default(),
                    source.str_at(&["namespace"]).unwrap_or(&node.namespace),
                    source.str_at(&["name"]).unwrap_or_default()
                )
            });
            let info = KsInfo {
                parent: node.applied_by.and_then(key_of),
                self_applied: node.applied_by.is_none() && objects.contains_key(&key.id),
                prune: settings.prune,
                suspend: settings.suspend,
                force: settings.force,
                deletion_policy: settings.deletion_policy,
                source,
                path: spec_text(&["path"]).map(|p| anton_repo::normalize_relative("", &p).unwrap_or(p)),
                target_namespace: spec_text(&["targetNamespace"]),
                location: node.location.clone(),
                objects,
                unbuildable,
                key: key.clone(),
            };
            for id in info.objects.keys() {
                snapshot.owners.entry((key.cluster.clone(), id.clone())).or_default().push(key.clone());
            }
            snapshot.kustomizations.insert(key, info);
        }
        snapshot
    }
}

/// The settings of a Flux Kustomization that decide what happens on removal,
/// read from the object as its parent applies it.
struct Settings {
    prune: bool,
    suspend: bool,
    force: bool,
    deletion_policy: String,
}

impl Settings {
    fn read(node: &Node) -> Settings {
        let spec = node.get("spec");
        let flag = |key: &str| spec.and_then(|spec| spec.get(key)).and_then(Node::as_bool).unwrap_or(false);
        Settings {
            prune: flag("prune"),
            suspend: flag("suspend"),
            force: flag("force"),
            deletion_policy: spec.and_then(|spec| spec.str_at(&["deletionPolicy"])).unwrap_or("MirrorPrune").to_owned(),
        }
    }
}

/// An object as the build engine built it.
fn built_object(repo: &Repository, engine: &Engine<'_>, emitted: &anton_kustomize::Emitted) -> AppliedObject {
    let mut id = emitted.id.clone();
    if id.namespace.is_none() && !engine.scopes().is_cluster_scoped(&id.group, &id.kind) {
        id.namespace = Some(anton_flux::DEFAULT_NAMESPACE.to_owned());
    }
    let secret = id.group.is_empty() && id.kind == "Secret";
    let (sops, location) = match emitted.origin {
        Origin::Object(index) => {
            let object = &repo.objects[index];
            (object.sops_encrypted, repo.object_location(object))
        }
        Origin::Generated { file, span } => {
            // The content hash changes with every edit; compare by the name without it.
            id.name = strip_generated_hash(&id.name).to_owned();
            (false, repo.location(file, span))
        }
    };
    let mut json = emitted.node.to_json();
    normalise(&mut json, &id);
    strip_ownership_labels(&mut json);
    AppliedObject {
        protected_by: protection(&json),
        json: Some(json),
        redaction: if sops {
            Redaction::Sops
        } else if secret {
            Redaction::Secret
        } else {
            Redaction::None
        },
        location: Some(location),
        id,
    }
}

/// The `kustomize.toolkit.fluxcd.io/name|namespace` labels Flux adds say
/// which Kustomization applies an object; ownership is compared on its own,
/// so they are no content change.
fn strip_ownership_labels(json: &mut Value) {
    let Some(labels) = json.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) else { return };
    labels.remove("kustomize.toolkit.fluxcd.io/name");
    labels.remove("kustomize.toolkit.fluxcd.io/namespace");
    if labels.is_empty() {
        if let Some(metadata) = json.pointer_mut("/metadata").and_then(Value::as_object_mut) {
            metadata.remove("labels");
        }
    }
}

/// The annotations (or labels) Flux's garbage collection skips objects for,
/// on pruning and when their Kustomization is deleted.
const PROTECTING_ANNOTATIONS: [(&str, &str); 3] = [
    (PRUNE_ANNOTATION, "disabled"),
    ("kustomize.toolkit.fluxcd.io/reconcile", "disabled"),
    ("kustomize.toolkit.fluxcd.io/ssa", "ignore"),
];

fn protection(json: &Value) -> Option<String> {
    PROTECTING_ANNOTATIONS
        .iter()
        .find(|(key, value)| metadata_says(json, key, value))
        .map(|(key, value)| format!("{key}: {value}"))
}

/// Whether the object's annotations or labels set `key` to `value`: Flux's
/// `prune`, `reconcile`, `ssa` and `force` settings work as either.
fn metadata_says(json: &Value, key: &str, value: &str) -> bool {
    ["/metadata/annotations", "/metadata/labels"].iter().any(|pointer| {
        json.pointer(pointer)
            .and_then(|map| map.get(key))
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    })
}

/// The object as Flux applies it: the effective name and namespace, without
/// the SOPS metadata Flux strips when it decrypts.
fn normalise(json: &mut Value, id: &ObjectId) {
    let Some(object) = json.as_object_mut() else { return };
    object.remove("sops");
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    metadata.insert("name".into(), Value::String(id.name.clone()));
    match &id.namespace {
        Some(namespace) => {
            metadata.insert("namespace".into(), Value::String(namespace.clone()));
        }
        None => {
            metadata.remove("namespace");
        }
    }
}

/// Generated ConfigMaps and Secrets get a content hash (`settings-7f2k9m8c4t`)
/// that changes with every edit; Flux replaces the old one as a matter of
/// course, so the identity to compare is the name without it.
pub(crate) fn strip_generated_hash(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((stem, hash))
            if !stem.is_empty()
                && hash.len() == 10
                && hash.bytes().all(|b| b"bcdfghkmt2456789".contains(&b)) =>
        {
            stem
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_lose_only_kustomize_hashes() {
        assert_eq!(strip_generated_hash("settings-7f2k9m8c4t"), "settings");
        assert_eq!(strip_generated_hash("settings"), "settings");
        assert_eq!(strip_generated_hash("my-application"), "my-application");
        assert_eq!(strip_generated_hash("-7f2k9m8c4t"), "-7f2k9m8c4t");
    }
}
