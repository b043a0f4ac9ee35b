//! Building kustomization folders: resources, components, generators,
//! transformers and patches, as `kubectl kustomize` does — but in-process,
//! on positioned trees, collecting findings instead of stopping at the first
//! error.

use std::cell::{Cell, RefCell};
use std::collections::hash_map::Entry;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anton_core::{Finding, Location, ObjectId, ScopeTable, Severity};
use anton_repo::Repository;
use anton_yaml::{Node, Span, Value};
use rayon::prelude::*;

use crate::config::{FieldSpec, ImageSpec, KustomizationConfig, KustomizationKind, PatchSource, PatchSpec, Reference, ReplacementSource, Spanned};
use crate::reference::{RemoteRef, classify_remote};
use crate::resource::{Behavior, ResId, Resource};
use crate::select::Selector;
use crate::{generate, jsonpatch, nameref, replace, smp, transform, tree};

/// Where an emitted object comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An object of the repository (index into `Repository::objects`).
    Object(usize),
    /// Made by a `configMapGenerator`/`secretGenerator` entry.
    Generated { file: usize, span: Span },
}

/// One object a build produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    /// The identity the object is applied with: after `namespace`,
    /// `namePrefix`/`nameSuffix` and the content hash of generated names.
    /// Cluster-scoped kinds (as anton knows them) have no namespace.
    pub id: ObjectId,
    pub api_version: String,
    pub origin: Origin,
    /// The built object. Every value keeps the span of where it was written:
    /// the resource file, the patch that set it, or the kustomization field
    /// (`namespace`, `labels`, `images` …) that set it. Shared with the
    /// engine's other builds until changed (`Arc::make_mut`).
    pub node: Arc<Node>,
}

/// What one kustomization folder builds.
#[derive(Debug, Clone, Default)]
pub struct Build {
    pub dir: String,
    /// In the order the kustomization declares them (resources, generators,
    /// components); [`sort_for_output`] gives `kubectl kustomize`'s order.
    pub objects: Vec<Emitted>,
    /// Remote resources and components, which are not fetched: (kustomization file, entry).
    pub remote: Vec<(usize, Reference, RemoteRef)>,
    /// `kubectl kustomize` would refuse to build this folder; the findings say why.
    pub failed: bool,
}

/// Extra kustomization directives applied on top of a folder's own, the way
/// Flux's kustomize-controller merges a Flux Kustomization's spec into the
/// `kustomization.yaml` of `spec.path` before building it.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// `spec.targetNamespace`: replaces `namespace:`.
    pub namespace: Option<Spanned>,
    /// `spec.namePrefix` / `spec.nameSuffix`: replace the folder's own.
    pub name_prefix: Option<Spanned>,
    pub name_suffix: Option<Spanned>,
    /// `spec.patches`, appended to the folder's `patches`.
    pub patches: Vec<PatchSpec>,
    pub patches_strategic_merge: Vec<PatchSpec>,
    pub patches_json6902: Vec<PatchSpec>,
    /// `spec.components`, relative to the folder.
    pub components: Vec<Reference>,
    pub ignore_missing_components: bool,
    /// `spec.images`: merged into `images:` by name.
    pub images: Vec<ImageSpec>,
}

impl Overlay {
    /// Nothing to merge: the folder builds as it is.
    pub fn is_empty(&self) -> bool {
        self.namespace.is_none()
            && self.name_prefix.is_none()
            && self.name_suffix.is_none()
            && self.patches.is_empty()
            && self.patches_strategic_merge.is_empty()
            && self.patches_json6902.is_empty()
            && self.components.is_empty()
            && self.images.is_empty()
    }
}

/// Field specs added by `configurations:` files. kustomize merges them from
/// every kustomization of a build: a nested one's apply to its parents too.
#[derive(Debug, Clone, Default)]
struct TransformerConfig {
    /// (referred kind, group, version, referrer field specs).
    name_references: Vec<(String, Option<String>, Option<String>, Vec<FieldSpec>)>,
    common_labels: Vec<FieldSpec>,
    common_annotations: Vec<FieldSpec>,
    images: Vec<FieldSpec>,
}

impl TransformerConfig {
    fn merge(&mut self, other: &TransformerConfig) {
        self.name_references.extend(other.name_references.iter().cloned());
        self.common_labels.extend(other.common_labels.iter().cloned());
        self.common_annotations.extend(other.common_annotations.iter().cloned());
        self.images.extend(other.images.iter().cloned());
    }

    fn name_rules(&self) -> Vec<nameref::Rule> {
        self.name_references
            .iter()
            .map(|(kind, group, version, specs)| {
                let fields = specs
                    .iter()
                    .filter_map(|spec| {
                        Some(nameref::Field {
                            path: spec.path.clone(),
                            kind: spec.kind.clone()?,
                            group: spec.group.clone(),
                            version: spec.version.clone(),
                            segments: Default::default(),
                        })
                    })
                    .collect();
                nameref::rule(kind, group.as_deref(), version.as_deref(), fields)
            })
            .collect()
    }
}

/// Resources of a folder after its own directives ran (kustomize's
/// accumulated target: hashes and name references come at the very end).
#[derive(Debug, Clone, Default)]
struct Accumulated {
    resources: Vec<Resource>,
    remote: Vec<(usize, Reference, RemoteRef)>,
    failed: bool,
    config: TransformerConfig,
    /// The identities of `resources` ([`ResId::key`]), each with the index
    /// of the first resource that has it, while only `append` adds to them;
    /// `None` after anything else may have changed them.
    ids: Option<HashMap<(String, String, String, String), usize>>,
}

/// Resolves kustomizations of one repository, caching each folder's build.
pub struct Engine<'r> {
    repo: &'r Repository,
    scopes: ScopeTable,
    configs: HashMap<String, KustomizationConfig>,
    objects_by_file: HashMap<usize, Vec<usize>>,
    /// Files read from disk for generators and configurations, by path.
    files_read: Mutex<HashMap<String, Vec<u8>>>,
    cache: Mutex<HashMap<String, Arc<Build>>>,
    accumulated: Mutex<HashMap<String, Arc<Accumulated>>>,
    /// Each folder's objects before its own transformers ([`Engine::gathered_dir`]).
    gathered: Mutex<HashMap<String, Arc<Accumulated>>>,
    /// Each folder's objects after its own patches only ([`Engine::patched_dir`]).
    patched: Mutex<HashMap<String, Arc<Accumulated>>>,
    /// Findings by (rule, location, message): a folder read by several
    /// builds reports each problem once, also across [`Engine::take_findings`].
    findings: Mutex<FindingsSeen>,
    referenced: Mutex<HashSet<String>>,
    patch_only: HashSet<String>,
}

/// (rule, location, message): what makes two findings the same problem.
type FindingKey = (String, Option<Location>, String);

#[derive(Default)]
struct FindingsSeen {
    /// Not yet taken.
    pending: HashMap<FindingKey, Finding>,
    /// Taken already: met again (an overlay build transforms the folder
    /// again), they are not new.
    taken: HashSet<FindingKey>,
}

thread_local! {
    /// The folders being built on this thread, innermost last: a folder that
    /// reaches itself again is a cycle. Per thread, because folders without
    /// references to other folders are built on all cores.
    static IN_PROGRESS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// While set, findings are not recorded (see [`Engine::build_flux_path`]).
    static MUTED: Cell<bool> = const { Cell::new(false) };
}

/// The engine's caches are shared by the threads that build; a panic in
/// one build leaves them as valid as before it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A folder's entry in one of the engine's caches, made by `make` on a miss
/// (`None`, no kustomization there, is not cached). The lock is not held
/// while `make` runs: it builds other folders, on this thread and others.
fn cached<T>(cache: &Mutex<HashMap<String, Arc<T>>>, dir: &str, make: impl FnOnce() -> Option<Arc<T>>) -> Option<Arc<T>> {
    if let Some(hit) = lock(cache).get(dir) {
        return Some(hit.clone());
    }
    let made = make()?;
    lock(cache).insert(dir.to_owned(), made.clone());
    Some(made)
}

const KUSTOMIZATION_FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Where a build is: the kustomization file (or, for a folder without one,
/// the folder) and the reference that brought us here.
struct Ctx<'c> {
    config: &'c KustomizationConfig,
    path: String,
}

impl<'r> Engine<'r> {
    pub fn new(repo: &'r Repository) -> Self {
        // Read on all cores (a large repository has thousands), kept in file order.
        let read: Vec<KustomizationConfig> = repo
            .files
            .par_iter()
            .enumerate()
            .filter(|(_, file)| file.is_kustomization_file())
            .filter_map(|(id, file)| Some(KustomizationConfig::from_node(&file.documents.first()?.root, file.dir(), id)))
            .collect();
        let mut configs: HashMap<String, KustomizationConfig> = HashMap::with_capacity(read.len());
        for config in read {
            let file = &repo.files[config.file];
            // kustomize prefers kustomization.yaml, then .yml, then Kustomization.
            let rank = |name: &str| KUSTOMIZATION_FILE_NAMES.iter().position(|n| *n == name);
            match configs.get(file.dir()) {
                Some(existing) if rank(repo.files[existing.file].file_name()) <= rank(file.file_name()) => {}
                _ => {
                    configs.insert(file.dir().to_owned(), config);
                }
            }
        }
        let mut objects_by_file: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut scopes = ScopeTable::new();
        for (index, object) in repo.objects.iter().enumerate() {
            objects_by_file.entry(object.file).or_default().push(index);
            if object.is("apiextensions.k8s.io", "CustomResourceDefinition") {
                let node = repo.node(object);
                if let (Some(group), Some(kind)) = (node.str_at(&["spec", "group"]), node.str_at(&["spec", "names", "kind"])) {
                    scopes.learn(group, kind, node.str_at(&["spec", "scope"]) == Some("Cluster"));
                }
            }
        }
        // Files used as patches hold partial objects; unless some kustomization
        // also lists them as resources, they are not objects of their own.
        let mut patch_only: HashSet<String> = HashSet::new();
        let mut resources: HashSet<String> = HashSet::new();
        for config in configs.values() {
            for patch in &config.patch_files {
                patch_only.extend(anton_repo::normalize_relative(&config.dir, &patch.value));
            }
            for resource in &config.resources {
                resources.extend(anton_repo::normalize_relative(&config.dir, &resource.value));
            }
        }
        patch_only.retain(|path| !resources.contains(path));
        Self {
            repo,
            scopes,
            patch_only,
            configs,
            objects_by_file,
            files_read: Mutex::default(),
            cache: Mutex::default(),
            accumulated: Mutex::default(),
            patched: Mutex::default(),
            gathered: Mutex::default(),
            findings: Mutex::default(),
            referenced: Mutex::default(),
        }
    }

    pub fn repository(&self) -> &'r Repository {
        self.repo
    }

    pub fn scopes(&self) -> &ScopeTable {
        &self.scopes
    }

    /// Every kustomization of the repository, by folder.
    pub fn configs(&self) -> impl Iterator<Item = &KustomizationConfig> {
        self.configs.values()
    }

    pub fn config(&self, dir: &str) -> Option<&KustomizationConfig> {
        self.configs.get(dir)
    }

    /// Builds every kustomization folder, so that every problem is found
    /// even in folders nothing refers to. Components are built where they are
    /// used: on their own their patches have nothing to patch.
    pub fn build_all(&self) {
        let mut dirs: Vec<&String> =
            self.configs.iter().filter(|(_, c)| c.kind != KustomizationKind::Component).map(|(dir, _)| dir).collect();
        dirs.sort();
        // A folder is built after the folders it reads, on all cores: folders
        // of one level read only folders of lower levels (already built and
        // cached), so no two threads build the same folder (a Component listed
        // under resources may be read by two at once: the same result, twice
        // the work). Folders that reach a cycle are built last, one at a time
        // in order, so the cycle is always reported from the same folder.
        let mut levels: Vec<Vec<&String>> = Vec::new();
        let mut cyclic: Vec<&String> = Vec::new();
        let mut memo: HashMap<String, Option<usize>> = HashMap::new();
        for dir in dirs {
            match self.level(dir, &mut memo, &mut Vec::new()) {
                Some(level) => {
                    if levels.len() <= level {
                        levels.resize_with(level + 1, Vec::new);
                    }
                    levels[level].push(dir);
                }
                None => cyclic.push(dir),
            }
        }
        for level in levels {
            level.par_iter().for_each(|dir| {
                self.build_dir(dir);
            });
        }
        for dir in cyclic {
            self.build_dir(dir);
        }
    }

    /// How many folders deep a folder's build reads (0: only files), or
    /// `None` when some folder it reads leads back to one on `path`.
    fn level(&self, dir: &str, memo: &mut HashMap<String, Option<usize>>, path: &mut Vec<String>) -> Option<usize> {
        if let Some(level) = memo.get(dir) {
            return *level;
        }
        if path.iter().any(|on_path| on_path == dir) {
            return None;
        }
        let config = self.configs.get(dir)?;
        path.push(dir.to_owned());
        let mut level = Some(0);
        for reference in config.resources.iter().chain(&config.components) {
            let Some(folder) = anton_repo::normalize_relative(&config.dir, &reference.value) else { continue };
            if !self.configs.contains_key(&folder) {
                continue;
            }
            level = match (level, self.level(&folder, memo, path)) {
                (Some(level), Some(read)) => Some(level.max(read + 1)),
                _ => None,
            };
        }
        path.pop();
        memo.insert(dir.to_owned(), level);
        level
    }

    /// The build of a folder with a kustomization file, or `None` without one.
    pub fn build_dir(&self, dir: &str) -> Option<Arc<Build>> {
        cached(&self.cache, dir, || {
            let config = self.configs.get(dir)?;
            let accumulated = self.accumulate_dir(dir)?;
            Some(Arc::new(self.finish(config, (*accumulated).clone())))
        })
    }

    /// What Flux builds for `spec.path`: the folder's kustomization, or, when
    /// it has none, what Flux generates — every manifest below the folder,
    /// with sub-folders that have their own kustomization built as such.
    pub fn build_flux_path(&self, dir: &str) -> Arc<Build> {
        if let Some(build) = self.build_dir(dir) {
            return build;
        }
        let key = format!("{dir}\0flux");
        if let Some(build) = lock(&self.cache).get(&key) {
            return build.clone();
        }
        let config = self.flux_generated_config(dir, Span::default());
        // The generated kustomization has no file to point at, and whether
        // Flux ever builds it depends on the Flux Kustomization's source;
        // its own problems are reported by the Flux build (`build_overlay`,
        // located at `spec.path`). The nested kustomizations are built first,
        // unmuted, so their findings are kept.
        for resource in &config.resources {
            if let Some(nested) = anton_repo::normalize_relative(dir, &resource.value) {
                self.build_dir(&nested);
            }
        }
        MUTED.set(true);
        let accumulated = self.accumulate(&config, Accumulated::default());
        let build = Arc::new(self.finish(&config, accumulated));
        MUTED.set(false);
        lock(&self.cache).insert(key, build.clone());
        build
    }

    /// Builds `dir` the way Flux does for a Flux Kustomization: the folder's
    /// kustomization (or the one Flux generates) with `overlay` merged in.
    /// `span` locates findings about the generated kustomization (the Flux
    /// Kustomization's `spec.path`).
    pub fn build_overlay(&self, dir: &str, overlay: &Overlay, span: Span) -> Build {
        // The usual case: the folder's own build, already made (and cached)
        // while the Flux graph was built.
        if overlay.is_empty() {
            if let Some(build) = self.build_dir(dir) {
                return (*build).clone();
            }
        }
        let mut config = match self.configs.get(dir) {
            Some(config) => config.clone(),
            None => self.flux_generated_config(dir, span),
        };
        if let Some(namespace) = &overlay.namespace {
            config.namespace = Some(namespace.value.clone()).filter(|n| !n.is_empty());
            config.namespace_span = namespace.span;
        }
        if let Some(prefix) = &overlay.name_prefix {
            config.name_prefix = prefix.value.clone();
            config.name_prefix_span = prefix.span;
        }
        if let Some(suffix) = &overlay.name_suffix {
            config.name_suffix = suffix.value.clone();
            config.name_suffix_span = suffix.span;
        }
        config.patches.extend(overlay.patches.iter().cloned());
        config.patches_strategic_merge.extend(overlay.patches_strategic_merge.iter().cloned());
        config.patches_json6902.extend(overlay.patches_json6902.iter().cloned());
        for component in &overlay.components {
            let missing = anton_repo::normalize_relative(dir, &component.value).is_none_or(|p| !self.repo.is_dir(&p));
            if overlay.ignore_missing_components && missing {
                continue;
            }
            config.components.push(component.clone());
        }
        for image in &overlay.images {
            match config.images.iter_mut().find(|i| i.name == image.name) {
                None => config.images.push(image.clone()),
                Some(existing) => {
                    // Fields merge like an overlay; tag and digest go together.
                    if image.new_name.is_some() {
                        existing.new_name = image.new_name.clone();
                    }
                    if image.new_tag.is_some() || image.digest.is_some() {
                        existing.new_tag = image.new_tag.clone();
                        existing.digest = image.digest.clone();
                    }
                    existing.span = image.span;
                }
            }
        }
        // Without components of its own, the overlay changes only what the
        // transformers do. Its `patches` run after the folder's own, and
        // everything else it sets after all patches (kustomize's order), so
        // without strategic-merge patches of its own it starts from the
        // folder's patched objects; else from the folder's gathered ones.
        if overlay.components.is_empty() {
            let own_patches = self.configs.get(dir).map(|own| own.patches.len());
            if overlay.patches_strategic_merge.is_empty()
                && let Some(own_patches) = own_patches
                && let Some(patched) = self.patched_dir(dir)
            {
                let mut accumulated = (*patched).clone();
                let ctx = self.ctx(&config);
                self.run_patches(&ctx, &mut accumulated, &[], &config.patches[own_patches..]);
                let accumulated = self.transform_after_patches(&ctx, accumulated);
                return self.finish(&config, accumulated);
            }
            if let Some(gathered) = self.gathered_dir(dir) {
                let accumulated = self.transform(&config, (*gathered).clone());
                return self.finish(&config, accumulated);
            }
        }
        let accumulated = self.accumulate(&config, Accumulated::default());
        self.finish(&config, accumulated)
    }

    /// Files that some kustomization refers to (as a resource, patch,
    /// generator input …), plus the kustomization files themselves.
    pub fn referenced_files(&self) -> HashSet<String> {
        let mut files = lock(&self.referenced).clone();
        for config in self.configs.values() {
            files.insert(self.repo.files[config.file].path.clone());
        }
        files
    }

    /// Whether a file is only ever used as a patch (so its documents are
    /// partial objects, not objects to apply or check on their own).
    pub fn is_patch_file(&self, path: &str) -> bool {
        self.patch_only.contains(path)
    }

    /// The findings of every build so far.
    pub fn take_findings(&self) -> Vec<Finding> {
        // Folders build on several threads: the order found is not the order
        // reported.
        let mut seen = lock(&self.findings);
        let pending = std::mem::take(&mut seen.pending);
        seen.taken.extend(pending.keys().cloned());
        drop(seen);
        let mut findings: Vec<Finding> = pending.into_values().collect();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings
    }

    /// Where an emitted object is written.
    pub fn origin_location(&self, origin: Origin) -> Location {
        match origin {
            Origin::Object(index) => self.repo.object_location(&self.repo.objects[index]),
            Origin::Generated { file, span } => self.repo.location(file, span),
        }
    }

    /// `file:line:col` of any span of a built object (files outside the
    /// repository's list fall back to the first line of the repository).
    pub fn span_location(&self, span: Span) -> Location {
        match self.repo.files.get(span.file as usize) {
            Some(file) => Location::new(file.path.clone(), span.line, span.column),
            None => Location::new(String::new(), span.line, span.column),
        }
    }

    fn report(&self, finding: Finding) {
        if MUTED.get() {
            return;
        }
        let key = (finding.rule.clone(), finding.location.clone(), finding.message.clone());
        // Of two findings with one key (the same problem met from two
        // builds, which threads reach in any order), the more severe, then
        // the one that sorts first: the same on every run.
        let mut seen = lock(&self.findings);
        if seen.taken.contains(&key) {
            return;
        }
        match seen.pending.entry(key) {
            Entry::Vacant(vacant) => {
                vacant.insert(finding);
            }
            Entry::Occupied(mut kept) => {
                let order = |f: &Finding| (std::cmp::Reverse(f.severity), f.object.clone(), f.hint.clone(), f.related.clone());
                if order(&finding) < order(kept.get()) {
                    kept.insert(finding);
                }
            }
        }
    }

    fn ctx<'c>(&self, config: &'c KustomizationConfig) -> Ctx<'c> {
        let path = if config.generated {
            config.dir.clone()
        } else {
            self.repo.files.get(config.file).map(|f| f.path.clone()).unwrap_or_else(|| config.dir.clone())
        };
        Ctx { config, path }
    }

    fn at(&self, ctx: &Ctx<'_>, span: Span) -> Location {
        if ctx.config.generated {
            // The span is the Flux Kustomization's, in its own file.
            return self.span_location(span);
        }
        Location::new(ctx.path.clone(), span.line, span.column)
    }

    /// The kustomization Flux generates for a folder without one.
    fn flux_generated_config(&self, dir: &str, span: Span) -> KustomizationConfig {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        // Folders below `dir` with a kustomization of their own, except those
        // inside another such folder (that one's build includes them). Found
        // by looking up each folder's parents, not by comparing every pair.
        let has_config_between = |path: &str| {
            path.match_indices('/').any(|(slash, _)| slash >= prefix.len() && self.configs.contains_key(&path[..slash]))
        };
        let nested: HashSet<&str> = self
            .configs
            .keys()
            .filter(|nested_dir| *nested_dir != dir && nested_dir.starts_with(&prefix))
            .filter(|nested_dir| !has_config_between(nested_dir))
            .map(String::as_str)
            .collect();
        let in_nested = |path: &str| path.match_indices('/').any(|(slash, _)| nested.contains(&path[..slash]));
        let mut entries: Vec<String> = Vec::new();
        for file in &self.repo.files {
            if !file.path.starts_with(&prefix) || file.is_kustomization_file() {
                continue;
            }
            if in_nested(&file.path) {
                continue;
            }
            if !(file.path.ends_with(".yaml") || file.path.ends_with(".yml")) {
                continue;
            }
            // Only manifests: Flux fails on YAML that is not Kubernetes
            // objects; anton skips it, as it does everywhere.
            let Some(id) = self.repo.file_id(&file.path) else { continue };
            if !self.objects_by_file.contains_key(&id) {
                continue;
            }
            entries.push(file.path[prefix.len()..].to_owned());
        }
        entries.extend(nested.iter().map(|n| n[prefix.len()..].to_owned()));
        // Flux walks the folder in lexical order.
        entries.sort();
        let resources = entries.into_iter().map(|value| Reference { value: format!("./{value}"), span }).collect();
        KustomizationConfig::generated(dir, 0, resources, span)
    }

    fn accumulate_dir(&self, dir: &str) -> Option<Arc<Accumulated>> {
        cached(&self.accumulated, dir, || {
            let config = self.configs.get(dir)?;
            let patched = self.patched_dir(dir)?;
            Some(Arc::new(self.transform_after_patches(&self.ctx(config), (*patched).clone())))
        })
    }

    /// A folder's objects after its own patches (`patchesStrategicMerge`,
    /// `patches`) and before its other transformers, cached: a Flux
    /// Kustomization's overlay changes only what comes after them, so its
    /// build starts here instead of patching the folder's objects again.
    fn patched_dir(&self, dir: &str) -> Option<Arc<Accumulated>> {
        cached(&self.patched, dir, || {
            let config = self.configs.get(dir)?;
            let gathered = self.gathered_dir(dir)?;
            // Most folders patch nothing: the same objects, not a copy of them.
            if config.patches_strategic_merge.is_empty() && config.patches.is_empty() {
                return Some(gathered);
            }
            let mut acc = (*gathered).clone();
            self.run_patches(&self.ctx(config), &mut acc, &config.patches_strategic_merge, &config.patches);
            Some(Arc::new(acc))
        })
    }

    /// A folder's objects before its own transformers run (resources,
    /// generators, components), cached: a Flux Kustomization's overlay
    /// changes only what the transformers do, so its build starts here.
    fn gathered_dir(&self, dir: &str) -> Option<Arc<Accumulated>> {
        cached(&self.gathered, dir, || {
            let config = self.configs.get(dir)?;
            IN_PROGRESS.with_borrow_mut(|stack| stack.push(dir.to_owned()));
            let acc = self.gather(config, Accumulated::default());
            IN_PROGRESS.with_borrow_mut(|stack| stack.pop());
            Some(Arc::new(acc))
        })
    }

    /// kustomize's `accumulateTarget`: resources, generators, components,
    /// then the transformers. Components run on `acc`, the resources of the
    /// kustomization that lists them.
    fn accumulate(&self, config: &KustomizationConfig, acc: Accumulated) -> Accumulated {
        let acc = self.gather(config, acc);
        self.transform(config, acc)
    }

    /// The first half of [`Engine::accumulate`]: resources, generators, components.
    fn gather(&self, config: &KustomizationConfig, mut acc: Accumulated) -> Accumulated {
        let ctx = self.ctx(config);
        acc.ids = None;
        for reference in &config.resources {
            self.add_resource(&ctx, reference, &mut acc);
        }
        // Generators, components and transformers change objects in place.
        acc.ids = None;
        for reference in &config.other_files {
            self.require_file(&ctx, &mut acc, reference, "file");
        }
        for reference in &config.configurations {
            self.load_configuration(&ctx, &mut acc, reference);
        }
        self.run_generators(&ctx, &mut acc);
        for reference in &config.components {
            acc = self.add_component(&ctx, reference, acc);
        }
        // Only `append` reads the identities, and only while gathering; the
        // caches keep every folder's objects and need not keep these too.
        acc.ids = None;
        acc
    }

    /// The second half of [`Engine::accumulate`]: the transformers.
    fn transform(&self, config: &KustomizationConfig, mut acc: Accumulated) -> Accumulated {
        let ctx = self.ctx(config);
        self.run_patches(&ctx, &mut acc, &config.patches_strategic_merge, &config.patches);
        self.transform_after_patches(&ctx, acc)
    }

    /// [`Engine::transform`] from the objects its patches made.
    fn transform_after_patches(&self, ctx: &Ctx<'_>, mut acc: Accumulated) -> Accumulated {
        let config = ctx.config;
        self.run_transformers_after_patches(ctx, &mut acc);
        if !config.helm_charts.is_empty() {
            for span in &config.helm_charts {
                self.report(
                    Finding::new(
                        "kustomize/helm-chart-not-built",
                        Severity::Info,
                        "helmCharts are rendered by Helm at build time; anton does not render them offline",
                    )
                    .at(self.at(ctx, *span)),
                );
            }
        }
        for (key, span) in &config.unsupported {
            self.report(
                Finding::new(
                    "kustomize/not-built",
                    Severity::Info,
                    format!("`{key}` is not applied by anton's build; objects it would change are shown without it"),
                )
                .at(self.at(ctx, *span)),
            );
        }
        acc
    }

    fn fail(&self, acc: &mut Accumulated, finding: Finding) {
        acc.failed = true;
        self.report(finding);
    }

    fn append(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, resource: Resource, span: Span) {
        let key = resource.id().key();
        let resources = &acc.resources;
        let ids = acc.ids.get_or_insert_with(|| {
            let mut ids = HashMap::with_capacity(resources.len());
            for (index, resource) in resources.iter().enumerate() {
                ids.entry(resource.id().key()).or_insert(index);
            }
            ids
        });
        // Equal keys are equal identities: the first object emitted with it.
        let first = ids.get(&key).map(|&index| &acc.resources[index]);
        if let Some(first) = first {
            let object = self.effective_id(ctx.config, &resource.node);
            let finding = Finding::new(
                "kustomize/duplicate-object",
                Severity::Critical,
                format!("{object} is emitted twice by this kustomization; `kustomize build` fails on it"),
            )
            .at(self.at(ctx, span))
            .object(object.short())
            .related(self.origin_location(first.origin), "first emitted from here")
            .related(self.origin_location(resource.origin), "and again from here")
            .hint("remove one of the two, or give them different names or namespaces");
            self.fail(acc, finding);
            return;
        }
        if let Some(ids) = acc.ids.as_mut() {
            ids.insert(key, acc.resources.len());
        }
        acc.resources.push(resource);
    }

    fn add_resource(&self, ctx: &Ctx<'_>, reference: &Reference, acc: &mut Accumulated) {
        if let Some(remote) = classify_remote(&reference.value) {
            self.report(
                Finding::new(
                    "kustomize/remote-not-built",
                    Severity::Info,
                    format!("remote resource `{}` is not fetched; anton builds offline without it", reference.value),
                )
                .at(self.at(ctx, reference.span)),
            );
            acc.remote.push((ctx.config.file, reference.clone(), remote));
            return;
        }
        let Some(path) = anton_repo::normalize_relative(&ctx.config.dir, &reference.value) else {
            let finding = Finding::new(
                "kustomize/missing-resource",
                Severity::Critical,
                format!("resource `{}` points outside the repository", reference.value),
            )
            .at(self.at(ctx, reference.span))
            .hint("keep every resource inside the repository Flux reads");
            self.fail(acc, finding);
            return;
        };
        if let Some(file_id) = self.repo.file_id(&path) {
            lock(&self.referenced).insert(path.clone());
            if self.repo.files[file_id].has_syntax_error {
                acc.failed = true;
            }
            for &index in self.objects_by_file.get(&file_id).map(Vec::as_slice).unwrap_or_default() {
                let node = self.repo.shared_node(&self.repo.objects[index]);
                self.append(ctx, acc, Resource::new(node, Origin::Object(index)), reference.span);
            }
        } else if self.repo.is_dir(&path) {
            if IN_PROGRESS.with_borrow(|stack| stack.contains(&path)) {
                let finding = Finding::new(
                    "kustomize/cycle",
                    Severity::Critical,
                    format!("resource `{}` includes a kustomization that is already being built (a cycle)", reference.value),
                )
                .at(self.at(ctx, reference.span))
                .hint("remove the reference that loops back");
                self.fail(acc, finding);
                return;
            }
            match self.accumulate_dir(&path) {
                Some(child) => {
                    if self.configs.get(&path).is_some_and(|c| c.kind == KustomizationKind::Component) {
                        let finding = Finding::new(
                            "kustomize/not-a-kustomization",
                            Severity::Critical,
                            format!("`{}` is a Component, listed under resources", reference.value),
                        )
                        .at(self.at(ctx, reference.span))
                        .hint("list Components under `components:`");
                        self.fail(acc, finding);
                    }
                    acc.remote.extend(child.remote.iter().cloned());
                    acc.failed |= child.failed;
                    acc.config.merge(&child.config);
                    for resource in child.resources.iter().cloned() {
                        self.append(ctx, acc, resource, reference.span);
                    }
                }
                None if has_kustomization_on_disk(self.repo, &path) => acc.failed = true,
                None => {
                    let finding = Finding::new(
                        "kustomize/not-a-kustomization",
                        Severity::Critical,
                        format!("folder `{}` is listed as a resource but has no kustomization.yaml", reference.value),
                    )
                    .at(self.at(ctx, reference.span))
                    .hint("add a kustomization.yaml listing its manifests, or list the files themselves");
                    self.fail(acc, finding);
                }
            }
        } else if !self.repo.exists(&path) {
            let finding = Finding::new(
                "kustomize/missing-resource",
                Severity::Critical,
                format!("resource `{}` does not exist (looked for {path})", reference.value),
            )
            .at(self.at(ctx, reference.span))
            .hint("fix the path, or remove the entry if the file was deleted on purpose");
            self.fail(acc, finding);
        } else {
            // Exists but was not loaded (JSON, or excluded by an ignore file).
            lock(&self.referenced).insert(path.clone());
            self.report(
                Finding::new(
                    "kustomize/not-built",
                    Severity::Info,
                    format!("resource `{}` is not a YAML file anton reads; its objects are not in the build", reference.value),
                )
                .at(self.at(ctx, reference.span)),
            );
        }
    }

    fn add_component(&self, ctx: &Ctx<'_>, reference: &Reference, mut acc: Accumulated) -> Accumulated {
        if let Some(remote) = classify_remote(&reference.value) {
            self.report(
                Finding::new(
                    "kustomize/remote-not-built",
                    Severity::Info,
                    format!("remote component `{}` is not fetched; anton builds offline without it", reference.value),
                )
                .at(self.at(ctx, reference.span)),
            );
            acc.remote.push((ctx.config.file, reference.clone(), remote));
            return acc;
        }
        let path = anton_repo::normalize_relative(&ctx.config.dir, &reference.value);
        let Some(config) = path.as_deref().and_then(|p| self.configs.get(p)) else {
            let (message, rule) = match &path {
                Some(p) if self.repo.is_dir(p) && !has_kustomization_on_disk(self.repo, p) => (
                    format!("folder `{}` is listed as a component but has no kustomization.yaml", reference.value),
                    "kustomize/not-a-kustomization",
                ),
                Some(p) if self.repo.is_dir(p) => {
                    acc.failed = true;
                    return acc;
                }
                Some(p) => (format!("component `{}` does not exist (looked for {p})", reference.value), "kustomize/missing-resource"),
                None => (format!("component `{}` points outside the repository", reference.value), "kustomize/missing-resource"),
            };
            let finding = Finding::new(rule, Severity::Critical, message)
                .at(self.at(ctx, reference.span))
                .hint("fix the path, or remove the entry");
            self.fail(&mut acc, finding);
            return acc;
        };
        if IN_PROGRESS.with_borrow(|stack| stack.contains(&config.dir)) {
            let finding = Finding::new(
                "kustomize/cycle",
                Severity::Critical,
                format!("component `{}` includes a kustomization that is already being built (a cycle)", reference.value),
            )
            .at(self.at(ctx, reference.span))
            .hint("remove the reference that loops back");
            self.fail(&mut acc, finding);
            return acc;
        }
        if config.kind != KustomizationKind::Component {
            let finding = Finding::new(
                "kustomize/not-a-kustomization",
                Severity::Critical,
                format!("`{}` is listed under components but is a Kustomization, not a Component", reference.value),
            )
            .at(self.at(ctx, reference.span))
            .hint("give it `kind: Component` (apiVersion kustomize.config.k8s.io/v1alpha1), or list it under `resources:`");
            self.fail(&mut acc, finding);
        }
        lock(&self.referenced).insert(self.repo.files[config.file].path.clone());
        IN_PROGRESS.with_borrow_mut(|stack| stack.push(config.dir.clone()));
        let acc = self.accumulate(config, acc);
        IN_PROGRESS.with_borrow_mut(|stack| stack.pop());
        acc
    }

    /// Reads a file a kustomization names (generator inputs, patch files).
    fn load(&self, ctx: &Ctx<'_>, reference: &Reference) -> Result<Vec<u8>, String> {
        let path = anton_repo::normalize_relative(&ctx.config.dir, &reference.value)
            .ok_or_else(|| format!("`{}` points outside the repository", reference.value))?;
        lock(&self.referenced).insert(path.clone());
        // Loaded YAML files are in memory; generator inputs are read once
        // (a folder is built again for each Flux Kustomization of it).
        if let Some(file) = self.repo.file_id(&path).map(|id| &self.repo.files[id])
            && !file.text.is_empty()
        {
            return Ok(file.text.as_bytes().to_vec());
        }
        if let Some(text) = self.repo.other_text(&path) {
            return Ok(text.as_bytes().to_vec());
        }
        if let Some(bytes) = lock(&self.files_read).get(&path) {
            return Ok(bytes.clone());
        }
        let bytes = anton_repo::read_file(&self.repo.absolute(&path), u64::MAX)
            .map_err(|e| format!("cannot read `{}`: {e}", reference.value))?;
        lock(&self.files_read).insert(path, bytes.clone());
        Ok(bytes)
    }

    /// Checks that a file the kustomization names exists.
    fn require_file(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, reference: &Reference, what: &str) -> bool {
        if classify_remote(&reference.value).is_some() {
            return true;
        }
        match anton_repo::normalize_relative(&ctx.config.dir, &reference.value) {
            Some(path) if self.repo.exists(&path) => {
                lock(&self.referenced).insert(path);
                true
            }
            resolved => {
                let finding = Finding::new(
                    "kustomize/missing-resource",
                    Severity::Critical,
                    format!(
                        "{what} `{}` does not exist{}",
                        reference.value,
                        resolved.map(|p| format!(" (looked for {p})")).unwrap_or_default()
                    ),
                )
                .at(self.at(ctx, reference.span))
                .hint("fix the path, or remove the entry");
                self.fail(acc, finding);
                false
            }
        }
    }

    /// Reads a `configurations:` file into the build's transformer config.
    fn load_configuration(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, reference: &Reference) {
        let specs = |node: Option<&Node>| -> Vec<FieldSpec> {
            node.map(|n| n.items().iter().map(FieldSpec::from_node).collect()).unwrap_or_default()
        };
        for doc in self.load_docs(ctx, reference) {
            for entry in doc.entries() {
                let Some(key) = entry.key.scalar_text() else { continue };
                match key {
                    "nameReference" => {
                        for item in entry.value.items() {
                            let text = |k: &str| item.str_at(&[k]).filter(|t| !t.is_empty()).map(str::to_owned);
                            let Some(kind) = text("kind") else { continue };
                            acc.config.name_references.push((kind, text("group"), text("version"), specs(item.get("fieldSpecs"))));
                        }
                    }
                    "commonLabels" => acc.config.common_labels.extend(specs(Some(&entry.value))),
                    "commonAnnotations" => acc.config.common_annotations.extend(specs(Some(&entry.value))),
                    "images" => acc.config.images.extend(specs(Some(&entry.value))),
                    _ if entry.value.items().is_empty() => {}
                    other => self.report(
                        Finding::new(
                            "kustomize/not-built",
                            Severity::Info,
                            format!("`{other}` field specs of a configurations file are not applied by anton's build"),
                        )
                        .at(self.span_location(entry.key.span)),
                    ),
                }
            }
        }
    }

    fn run_generators(&self, ctx: &Ctx<'_>, acc: &mut Accumulated) {
        for generator in &ctx.config.generators {
            let mut complete = true;
            for source in &generator.sources {
                if classify_remote(&source.value).is_some() {
                    // kustomize fetches it at build time; anton builds offline.
                    self.report(
                        Finding::new(
                            "kustomize/remote-not-built",
                            Severity::Info,
                            format!(
                                "generator input `{}` is remote: kustomize fetches it when it builds, anton does not, so its content is not checked",
                                source.value
                            ),
                        )
                        .at(self.at(ctx, source.span)),
                    );
                    continue;
                }
                complete &= self.require_file(ctx, acc, source, "generator input");
            }
            if !complete {
                continue;
            }
            let loader = |r: &Reference| self.load(ctx, r);
            let node = match generate::generate(generator, &loader) {
                Ok(node) => node,
                Err((message, span)) => {
                    let finding = Finding::new("kustomize/generator-error", Severity::Critical, message)
                        .at(self.at(ctx, span))
                        .hint("fix the generator entry; kustomize refuses to build it");
                    self.fail(acc, finding);
                    continue;
                }
            };
            let mut resource = Resource::new(Arc::new(node), Origin::Generated { file: ctx.config.file, span: generator.span });
            resource.needs_hash = !generator.disable_name_suffix_hash;
            resource.behavior = match generator.behavior.as_str() {
                "merge" => Behavior::Merge,
                "replace" => Behavior::Replace,
                _ => Behavior::Create,
            };
            self.absorb(ctx, acc, resource, generator.span);
        }
    }

    /// Adds a generated object, or merges it into / replaces the object of
    /// the same identity (`behavior: merge|replace`).
    fn absorb(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, mut resource: Resource, span: Span) {
        let id = resource.id();
        let matches: Vec<usize> =
            (0..acc.resources.len()).filter(|&i| acc.resources[i].all_ids().iter().any(|other| other.equals(&id))).collect();
        let problem = match (matches.as_slice(), resource.behavior) {
            ([], Behavior::Create) => {
                acc.resources.push(resource);
                return;
            }
            ([], _) => format!("{} does not exist; a generator cannot merge into or replace it", id.display()),
            ([_], Behavior::Create) => {
                format!("{} already exists; use `behavior: merge` or `behavior: replace` to change it", id.display())
            }
            ([index], behavior) => {
                let old = acc.resources[*index].clone();
                merge_metadata(resource.node_mut(), &old.node);
                if behavior == Behavior::Merge {
                    for field in ["data", "binaryData"] {
                        merge_string_map(resource.node_mut(), &old.node, field);
                    }
                }
                resource.prev_ids = old.prev_ids;
                resource.prefixes = old.prefixes;
                resource.suffixes = old.suffixes;
                acc.resources[*index] = resource;
                return;
            }
            _ => format!("several objects match {}", id.display()),
        };
        let finding = Finding::new("kustomize/generator-error", Severity::Critical, problem)
            .at(self.at(ctx, span))
            .hint("kustomize refuses to build this; check the generator's name, namespace and behavior");
        self.fail(acc, finding);
    }

    /// The first transformers of a kustomization, in kustomize's order.
    fn run_patches(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, strategic: &[PatchSpec], patches: &[PatchSpec]) {
        for spec in strategic {
            self.apply_patch(ctx, acc, spec, PatchKind::StrategicMerge);
        }
        for spec in patches {
            self.apply_patch(ctx, acc, spec, PatchKind::Any);
        }
    }

    /// The transformers after the patches, in kustomize's order.
    fn run_transformers_after_patches(&self, ctx: &Ctx<'_>, acc: &mut Accumulated) {
        let config = ctx.config;
        if let Some(namespace) = &config.namespace {
            transform::namespace(&mut acc.resources, namespace, config.namespace_span);
            self.check_unique(ctx, acc, "namespace", config.namespace_span);
        }
        if !config.name_prefix.is_empty() || !config.name_suffix.is_empty() {
            transform::prefix_suffix(
                &mut acc.resources,
                &config.name_prefix,
                &config.name_suffix,
                config.name_prefix_span,
                config.name_suffix_span,
            );
            self.check_unique(ctx, acc, "namePrefix/nameSuffix", config.name_prefix_span);
        }
        let extra = acc.config.clone();
        for label in &config.labels {
            transform::labels(&mut acc.resources, label, &extra.common_labels);
        }
        transform::common_labels(&mut acc.resources, &config.common_labels, config.common_labels_span, &extra.common_labels);
        transform::common_annotations(
            &mut acc.resources,
            &config.common_annotations,
            config.common_annotations_span,
            &extra.common_annotations,
        );
        for spec in &config.patches_json6902 {
            self.apply_patch(ctx, acc, spec, PatchKind::Json6902);
        }
        for replica in &config.replicas {
            if !transform::replicas(&mut acc.resources, replica) {
                let finding = Finding::new(
                    "kustomize/replicas-target-missing",
                    Severity::Critical,
                    format!("`replicas` names `{}`, but no Deployment, StatefulSet, ReplicaSet or ReplicationController has that name", replica.name),
                )
                .at(self.at(ctx, replica.span))
                .hint("fix the name; kustomize refuses to build this");
                self.fail(acc, finding);
            }
        }
        for image in &config.images {
            transform::images(&mut acc.resources, image, &extra.images);
        }
        for source in &config.replacements {
            let replacements: Vec<Node> = match source {
                ReplacementSource::Inline(node) => vec![node.clone()],
                ReplacementSource::File(reference) => {
                    let docs = self.load_docs(ctx, reference);
                    docs.into_iter()
                        .flat_map(|doc| if doc.is_seq() { doc.items().to_vec() } else { vec![doc] })
                        .collect()
                }
            };
            for replacement in replacements {
                if let Err((message, node)) = replace::apply(&mut acc.resources, &replacement) {
                    let finding = Finding::new("kustomize/invalid-replacement", Severity::Critical, message)
                        .at(self.span_location(node.span))
                        .hint("fix the replacement; kustomize refuses to build this");
                    self.fail(acc, finding);
                }
            }
        }
    }

    fn check_unique(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, what: &str, span: Span) {
        let mut seen = HashSet::with_capacity(acc.resources.len());
        for resource in &acc.resources {
            if !seen.insert(resource.id().key()) {
                let id = resource.id();
                let finding = Finding::new(
                    "kustomize/duplicate-object",
                    Severity::Critical,
                    format!("`{what}` makes two objects {}; `kustomize build` fails on it", id.display()),
                )
                .at(self.at(ctx, span))
                .hint("give them different names or namespaces");
                self.report(finding);
                acc.failed = true;
                return;
            }
        }
    }

    /// Parses YAML documents out of a string that sits in a repository file,
    /// giving every node its real position in that file.
    fn parse_inline(&self, text: &str, span: Span, block: bool) -> Result<Vec<Node>, (String, Span)> {
        let output = anton_yaml::parse_stream_in(text, span.file);
        // A block scalar's span starts at its first content line and column;
        // a quoted one's at its opening quote.
        let (first_line, indent) = if block { (span.line, span.column.saturating_sub(1)) } else { (span.line, span.column) };
        let mut docs: Vec<Node> = output.documents.into_iter().map(|d| Arc::unwrap_or_clone(d.root)).collect();
        for doc in &mut docs {
            tree::shift(doc, span.file, first_line, indent);
        }
        if let Some(issue) = output.issues.first() {
            let mut at = issue.span;
            at.line += first_line.saturating_sub(1);
            at.column += indent;
            at.file = span.file;
            return Err((issue.message.clone(), at));
        }
        Ok(docs)
    }

    /// The documents of a file a kustomization names.
    fn load_docs(&self, ctx: &Ctx<'_>, reference: &Reference) -> Vec<Node> {
        let Some(path) = anton_repo::normalize_relative(&ctx.config.dir, &reference.value) else { return Vec::new() };
        lock(&self.referenced).insert(path.clone());
        if let Some(id) = self.repo.file_id(&path) {
            return self.repo.files[id].documents.iter().map(|d| Node::clone(&d.root)).collect();
        }
        // Not a file the repository loaded (e.g. `patch.json`): parse it, and
        // point every value at the reference, since the file has no id.
        let Ok(text) = std::fs::read_to_string(self.repo.absolute(&path)) else { return Vec::new() };
        let mut docs: Vec<Node> = anton_yaml::parse_stream(&text).documents.into_iter().map(|d| Arc::unwrap_or_clone(d.root)).collect();
        for doc in &mut docs {
            tree::respan(doc, reference.span);
        }
        docs
    }

    /// Why a patch file that gave no object is not YAML, when it is not
    /// (a syntax error, or plain text that reads as one scalar); `None` for
    /// a file that is really empty.
    fn not_yaml(&self, path: &str, docs: &[Node]) -> Option<String> {
        if let Some(id) = self.repo.file_id(path)
            && self.repo.files[id].has_syntax_error
        {
            let why = self.repo.findings.iter().find_map(|f| {
                let at = f.location.as_ref().filter(|l| l.file == path && f.rule == "yaml/syntax")?;
                Some(format!("line {}: {}", at.line, f.message))
            });
            return Some(why.unwrap_or_else(|| "it does not parse".to_owned()));
        }
        if docs.iter().any(|d| d.scalar().is_some() && !tree::is_null(d)) {
            return Some("it reads as plain text, not as an object or a list of operations".to_owned());
        }
        let text = std::fs::read(self.repo.absolute(path)).ok()?;
        let Ok(text) = String::from_utf8(text) else { return Some("it is not UTF-8 text".to_owned()) };
        let issue = anton_yaml::parse_stream(&text).issues.into_iter().next()?;
        Some(format!("line {}: {}", issue.span.line, issue.message))
    }

    fn patch_docs(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, spec: &PatchSpec) -> Option<Vec<Node>> {
        let docs = match &spec.source {
            PatchSource::Inline { text, span, block } => match self.parse_inline(text, *span, *block) {
                Ok(docs) => docs,
                Err((message, at)) => {
                    let finding = Finding::new("kustomize/invalid-patch", Severity::Critical, format!("the patch is not valid YAML: {message}"))
                        .at(self.span_location(at))
                        .hint("fix the patch; kustomize refuses to build this");
                    self.fail(acc, finding);
                    return None;
                }
            },
            PatchSource::Tree(node) => vec![node.clone()],
            PatchSource::File(reference) => {
                let path = anton_repo::normalize_relative(&ctx.config.dir, &reference.value);
                if !path.as_deref().is_some_and(|p| self.repo.exists(p)) {
                    let finding = Finding::new(
                        "kustomize/missing-resource",
                        Severity::Critical,
                        format!(
                            "patch `{}` does not exist{}",
                            reference.value,
                            path.map(|p| format!(" (looked for {p})")).unwrap_or_default()
                        ),
                    )
                    .at(self.at(ctx, reference.span))
                    .hint("fix the path, or remove the entry");
                    self.fail(acc, finding);
                    return None;
                }
                let docs = self.load_docs(ctx, reference);
                let parsed_as_text = docs.iter().all(|d| tree::is_null(d) || d.scalar().is_some());
                if let (true, Some(path)) = (parsed_as_text, path.as_deref())
                    && let Some(why) = self.not_yaml(path, &docs)
                {
                    let finding = Finding::new(
                        "kustomize/invalid-patch",
                        Severity::Critical,
                        format!("patch `{}` is not YAML: {why}", reference.value),
                    )
                    .at(self.at(ctx, reference.span))
                    .hint("fix the patch file; kustomize refuses to build this");
                    self.fail(acc, finding);
                    return None;
                }
                docs
            }
        };
        let docs: Vec<Node> = docs.into_iter().filter(|d| !tree::is_null(d)).collect();
        if docs.is_empty() {
            let finding = Finding::new("kustomize/invalid-patch", Severity::Critical, "the patch is empty")
                .at(self.at(ctx, spec.span))
                .hint("write the patch, or remove the entry");
            self.fail(acc, finding);
            return None;
        }
        Some(docs)
    }

    fn apply_patch(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, spec: &PatchSpec, kind: PatchKind) {
        let Some(docs) = self.patch_docs(ctx, acc, spec) else { return };
        let is_json = docs[0].is_seq();
        let invalid = |message: String, span: Span| {
            Finding::new("kustomize/invalid-patch", Severity::Critical, message)
                .at(self.span_location(span))
                .hint("fix the patch; kustomize refuses to build this")
        };
        if is_json || kind == PatchKind::Json6902 {
            let ops = match jsonpatch::parse(&docs[0]) {
                Ok(ops) => ops,
                Err(message) => {
                    self.fail(acc, invalid(message, docs[0].span));
                    return;
                }
            };
            let Some(target) = &spec.target else {
                self.fail(acc, invalid("a JSON patch needs a `target`".into(), spec.span));
                return;
            };
            let Some(selector) = self.selector(ctx, acc, target) else { return };
            for i in 0..acc.resources.len() {
                if !selector.matches(&acc.resources[i]) {
                    continue;
                }
                if let Err((message, node)) = jsonpatch::apply(acc.resources[i].node_mut(), &ops) {
                    let object = acc.resources[i].id().display();
                    self.fail(acc, invalid(format!("JSON patch on {object} failed: {message}"), node.span));
                }
            }
            return;
        }
        if let Some(target) = &spec.target {
            if docs.len() > 1 {
                self.fail(acc, invalid("a patch with a `target` may hold only one document".into(), spec.span));
                return;
            }
            let Some(selector) = self.selector(ctx, acc, target) else { return };
            let patch = &docs[0];
            let mut i = 0;
            while i < acc.resources.len() {
                if selector.matches(&acc.resources[i]) && !self.apply_smp(&mut acc.resources[i], patch, spec) {
                    acc.resources.remove(i);
                    continue;
                }
                i += 1;
            }
            return;
        }
        for patch in &docs {
            if !patch.is_map() {
                self.fail(acc, invalid("a strategic-merge patch must be an object".into(), patch.span));
                continue;
            }
            let wanted = ResId::of(patch);
            let matches: Vec<usize> =
                (0..acc.resources.len()).filter(|&i| acc.resources[i].all_ids().iter().any(|id| id.equals(&wanted))).collect();
            match matches.as_slice() {
                [index] => {
                    if !self.apply_smp(&mut acc.resources[*index], patch, spec) {
                        acc.resources.remove(*index);
                    }
                }
                [] => {
                    let finding = Finding::new(
                        "kustomize/patch-target-missing",
                        Severity::Critical,
                        format!("no object matches the patch for {} (apiVersion, kind, name and namespace must match)", wanted.display()),
                    )
                    .at(self.span_location(patch.span))
                    .hint("fix the patch's apiVersion, kind, name or namespace, or give the patch a `target`");
                    self.fail(acc, finding);
                }
                _ => {
                    let finding = Finding::new(
                        "kustomize/invalid-patch",
                        Severity::Critical,
                        format!("several objects match the patch for {}", wanted.display()),
                    )
                    .at(self.span_location(patch.span))
                    .hint("add the namespace to the patch, or use a `target`");
                    self.fail(acc, finding);
                }
            }
        }
    }

    fn selector(&self, ctx: &Ctx<'_>, acc: &mut Accumulated, target: &crate::select::TargetSpec) -> Option<Selector> {
        match Selector::new(target) {
            Ok(selector) => Some(selector),
            Err(message) => {
                let finding = Finding::new("kustomize/invalid-patch", Severity::Critical, format!("invalid patch target: {message}"))
                    .at(self.at(ctx, target.span))
                    .hint("fix the target; kustomize refuses to build this");
                self.fail(acc, finding);
                None
            }
        }
    }

    /// Applies a strategic-merge patch; `false` when the patch deleted the object.
    fn apply_smp(&self, resource: &mut Resource, patch: &Node, spec: &PatchSpec) -> bool {
        let before = resource.node.clone();
        if spec.allow_name_change || spec.allow_kind_change {
            resource.store_previous_id();
        }
        if smp::apply(resource.node_mut(), patch) == smp::Outcome::Deleted {
            return false;
        }
        if resource.node.entries().is_empty() {
            return false;
        }
        // kustomize keeps the target's apiVersion, kind, name and namespace.
        let restore = |node: &mut Node, keys: &[&str]| {
            let original = before.path(keys).cloned();
            let (parent_keys, last) = keys.split_at(keys.len() - 1);
            let parent = if parent_keys.is_empty() { Some(&mut *node) } else { tree::path_mut(node, parent_keys) };
            let Some(parent) = parent else { return };
            match original {
                Some(value) => tree::set(parent, last[0], value),
                None => {
                    tree::remove(parent, last[0]);
                }
            }
        };
        restore(resource.node_mut(), &["apiVersion"]);
        if !spec.allow_kind_change {
            restore(resource.node_mut(), &["kind"]);
        }
        if !spec.allow_name_change {
            restore(resource.node_mut(), &["metadata", "name"]);
        }
        restore(resource.node_mut(), &["metadata", "namespace"]);
        true
    }

    /// The last steps of a top-level build: content hashes on generated
    /// names, name references, `local-config` objects dropped, legacy order.
    fn finish(&self, config: &KustomizationConfig, acc: Accumulated) -> Build {
        let mut resources = acc.resources;
        for resource in resources.iter_mut().filter(|r| r.needs_hash) {
            let hash = generate::content_hash(&resource.node);
            resource.store_previous_id();
            let name = format!("{}-{hash}", resource.name());
            if let Some(node) = tree::path_mut(resource.node_mut(), &["metadata", "name"]) {
                if let Value::Scalar(scalar) = &mut node.value {
                    scalar.text = name.into();
                }
            }
        }
        nameref::fix(&mut resources, acc.config.name_rules());
        resources.retain(|r| r.annotation("config.kubernetes.io/local-config") != Some("true"));
        let objects = resources
            .into_iter()
            .map(|r| {
                let id = self.object_id(&r.node);
                Emitted { api_version: r.node.str_at(&["apiVersion"]).unwrap_or_default().trim().to_owned(), id, origin: r.origin, node: r.node }
            })
            .collect();
        Build { dir: config.dir.clone(), objects, remote: acc.remote, failed: acc.failed }
    }

    /// The identity an object will have once this kustomization's
    /// `namespace`, `namePrefix` and `nameSuffix` apply (for messages about it
    /// before they do).
    fn effective_id(&self, config: &KustomizationConfig, node: &Node) -> ObjectId {
        let mut id = self.object_id(node);
        if id.namespace.is_some() || !self.scopes.is_cluster_scoped(&id.group, &id.kind) {
            if let Some(namespace) = &config.namespace {
                id.namespace = Some(namespace.clone());
            }
        }
        let keeps_name = matches!(id.kind.as_str(), "CustomResourceDefinition" | "Namespace")
            || (id.kind == "APIService" && id.group == "apiregistration.k8s.io");
        if !keeps_name {
            id.name = format!("{}{}{}", config.name_prefix, id.name, config.name_suffix);
        }
        id
    }

    /// anton's identity of a built object (cluster-scoped kinds, as the
    /// repository's CRDs say, have no namespace).
    fn object_id(&self, node: &Node) -> ObjectId {
        // As `ResId::of` reads them, without copying them twice.
        let api_version = node.str_at(&["apiVersion"]).unwrap_or_default().trim();
        let kind = node.str_at(&["kind"]).unwrap_or_default().trim();
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        let metadata = node.get("metadata");
        let field = |key: &str| metadata.and_then(|metadata| metadata.str_at(&[key])).unwrap_or_default();
        let namespace = if self.scopes.is_cluster_scoped(group, kind) { None } else { Some(field("namespace")) };
        ObjectId::new(api_version, kind, namespace, field("name"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatchKind {
    StrategicMerge,
    Json6902,
    /// `patches:`: a JSON patch when it is a list, else strategic merge.
    Any,
}

/// Sorts built objects the way `kubectl kustomize` prints them (kustomize's
/// legacy order): by kind rank — Namespaces first, webhooks last — then
/// group/version/kind, namespace and name.
pub fn sort_for_output(objects: &mut [Emitted]) {
    let key = |o: &Emitted| {
        let id = ResId::of(&o.node);
        let gvk = format!(
            "{}_{}_{}",
            if id.group().is_empty() { "~G" } else { id.group() },
            if id.version().is_empty() { "~V" } else { id.version() },
            if id.kind.is_empty() { "~K" } else { &id.kind }
        );
        (crate::schema::legacy_rank(&id.kind), gvk, id.namespace.clone(), id.name.clone())
    };
    objects.sort_by_cached_key(key);
}

/// Labels and annotations of `old` under those of `new`; name and namespace from `old`.
fn merge_metadata(new: &mut Node, old: &Node) {
    for field in ["labels", "annotations"] {
        let mut merged = tree::string_map(old, &["metadata", field]);
        for (key, value) in tree::string_map(new, &["metadata", field]) {
            match merged.iter_mut().find(|(k, _)| *k == key) {
                Some(existing) => existing.1 = value,
                None => merged.push((key, value)),
            }
        }
        let span = new.span;
        if let Some(metadata) = tree::ensure_map(new, "metadata", span) {
            if merged.is_empty() {
                tree::remove(metadata, field);
            } else {
                let mut map = tree::empty_map(span);
                for (key, value) in merged {
                    tree::set(&mut map, &key, tree::string(&value, span));
                }
                tree::set(metadata, field, map);
            }
        }
    }
    for field in ["name", "namespace"] {
        let value = old.path(&["metadata", field]).cloned();
        let span = new.span;
        if let Some(metadata) = tree::ensure_map(new, "metadata", span) {
            match value {
                Some(v) => tree::set(metadata, field, v),
                None => {
                    tree::remove(metadata, field);
                }
            }
        }
    }
}

/// `field` of `old`, overridden by `field` of `new`.
fn merge_string_map(new: &mut Node, old: &Node, field: &str) {
    let Some(old_map) = old.get(field).filter(|m| m.is_map()) else { return };
    let mut merged = old_map.clone();
    if let Some(new_map) = new.get(field) {
        for entry in new_map.entries() {
            if let Some(key) = entry.key.scalar_text() {
                tree::set(&mut merged, key, entry.value.clone());
            }
        }
    }
    tree::set(new, field, merged);
}

fn has_kustomization_on_disk(repo: &Repository, dir: &str) -> bool {
    KUSTOMIZATION_FILE_NAMES.iter().any(|name| repo.absolute(dir).join(name).is_file())
}
