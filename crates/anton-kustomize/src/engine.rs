//! Resolving kustomization folders into the identities they emit.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use anton_core::{Finding, Location, ObjectId, ScopeTable, Severity};
use anton_repo::Repository;
use anton_yaml::Span;

use crate::config::{KustomizationConfig, KustomizationKind, Reference};
use crate::reference::{RemoteRef, classify_remote};

/// Where an emitted object comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An object of the repository (index into `Repository::objects`).
    Object(usize),
    /// Made by a `configMapGenerator`/`secretGenerator` entry.
    Generated { file: usize, span: Span },
}

/// One object a build produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The identity after `namespace`, `namePrefix` and `nameSuffix`. Generated
    /// names are given without kustomize's content-hash suffix.
    pub id: ObjectId,
    pub api_version: String,
    pub origin: Origin,
}

/// What one kustomization folder builds.
#[derive(Debug, Clone, Default)]
pub struct Build {
    pub dir: String,
    pub objects: Vec<Emitted>,
    /// Remote resources and components, which are not fetched: (kustomization file, entry).
    pub remote: Vec<(usize, Reference, RemoteRef)>,
}

/// Resolves kustomizations of one repository, caching each folder's build.
pub struct Engine<'r> {
    repo: &'r Repository,
    scopes: ScopeTable,
    configs: HashMap<String, KustomizationConfig>,
    objects_by_file: HashMap<usize, Vec<usize>>,
    cache: RefCell<HashMap<String, Rc<Build>>>,
    in_progress: RefCell<Vec<String>>,
    findings: RefCell<Vec<Finding>>,
    referenced: RefCell<HashSet<String>>,
    patch_only: HashSet<String>,
}

const KUSTOMIZATION_FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

impl<'r> Engine<'r> {
    pub fn new(repo: &'r Repository) -> Self {
        let mut configs: HashMap<String, KustomizationConfig> = HashMap::new();
        for (id, file) in repo.files.iter().enumerate() {
            if !file.is_kustomization_file() {
                continue;
            }
            let Some(document) = file.documents.first() else { continue };
            let config = KustomizationConfig::from_node(&document.root, file.dir(), id);
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
            cache: RefCell::default(),
            in_progress: RefCell::default(),
            findings: RefCell::default(),
            referenced: RefCell::default(),
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
    /// even in folders nothing refers to.
    pub fn build_all(&self) {
        let mut dirs: Vec<&String> = self.configs.keys().collect();
        dirs.sort();
        for dir in dirs {
            self.build_dir(dir);
        }
    }

    /// The build of a folder with a kustomization file, or `None` without one.
    pub fn build_dir(&self, dir: &str) -> Option<Rc<Build>> {
        if let Some(build) = self.cache.borrow().get(dir) {
            return Some(build.clone());
        }
        let config = self.configs.get(dir)?;
        self.in_progress.borrow_mut().push(dir.to_owned());
        let build = Rc::new(self.resolve(config));
        self.in_progress.borrow_mut().pop();
        self.cache.borrow_mut().insert(dir.to_owned(), build.clone());
        Some(build)
    }

    /// What Flux builds for `spec.path`: the folder's kustomization, or, when
    /// it has none, what Flux generates — every manifest below the folder,
    /// with sub-folders that have their own kustomization built as such.
    pub fn build_flux_path(&self, dir: &str) -> Rc<Build> {
        if let Some(build) = self.build_dir(dir) {
            return build;
        }
        let key = format!("{dir}\0flux");
        if let Some(build) = self.cache.borrow().get(&key) {
            return build.clone();
        }
        let mut build = Build { dir: dir.to_owned(), ..Build::default() };
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let mut nested: BTreeSet<&str> = BTreeSet::new();
        for nested_dir in self.configs.keys() {
            if nested_dir.starts_with(&prefix) || (dir.is_empty() && !nested_dir.is_empty()) {
                let shadowed = self.configs.keys().any(|other| {
                    other != nested_dir && nested_dir.starts_with(&format!("{other}/")) && other.starts_with(&prefix)
                });
                if !shadowed {
                    nested.insert(nested_dir);
                }
            }
        }
        for (file_id, file) in self.repo.files.iter().enumerate() {
            if !file.path.starts_with(&prefix) || file.is_kustomization_file() {
                continue;
            }
            if nested.iter().any(|n| file.path.starts_with(&format!("{n}/"))) {
                continue;
            }
            self.referenced.borrow_mut().insert(file.path.clone());
            self.emit_file(file_id, &mut build.objects);
        }
        for nested_dir in nested {
            if let Some(child) = self.build_dir(nested_dir) {
                build.objects.extend(child.objects.iter().cloned());
            }
        }
        let build = Rc::new(build);
        self.cache.borrow_mut().insert(key, build.clone());
        build
    }

    /// Files that some kustomization refers to (as a resource, patch,
    /// generator input …), plus the kustomization files themselves.
    pub fn referenced_files(&self) -> HashSet<String> {
        let mut files = self.referenced.borrow().clone();
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
        std::mem::take(&mut *self.findings.borrow_mut())
    }

    /// Where an emitted object is written.
    pub fn origin_location(&self, origin: Origin) -> Location {
        match origin {
            Origin::Object(index) => self.repo.object_location(&self.repo.objects[index]),
            Origin::Generated { file, span } => self.repo.location(file, span),
        }
    }

    fn report(&self, finding: Finding) {
        self.findings.borrow_mut().push(finding);
    }

    fn emit_file(&self, file_id: usize, into: &mut Vec<Emitted>) {
        for &index in self.objects_by_file.get(&file_id).map(Vec::as_slice).unwrap_or_default() {
            let object = &self.repo.objects[index];
            let namespace = if self.is_cluster_scoped(object.group(), &object.kind) { None } else { object.namespace.as_deref() };
            into.push(Emitted {
                id: ObjectId::new(&object.api_version, &object.kind, namespace, &object.name),
                api_version: object.api_version.clone(),
                origin: Origin::Object(index),
            });
        }
    }

    fn is_cluster_scoped(&self, group: &str, kind: &str) -> bool {
        self.scopes.is_cluster_scoped(group, kind)
    }

    fn resolve(&self, config: &KustomizationConfig) -> Build {
        let file_path = self.repo.files[config.file].path.clone();
        let at = |span: Span| Location::new(file_path.clone(), span.line, span.column);
        let mut build = Build { dir: config.dir.clone(), ..Build::default() };
        // Each part remembers the reference that brought it, for duplicate reports.
        let mut parts: Vec<(Span, Vec<Emitted>)> = Vec::new();

        for (reference, is_component) in config
            .resources
            .iter()
            .map(|r| (r, false))
            .chain(config.components.iter().map(|r| (r, true)))
        {
            if let Some(remote) = classify_remote(&reference.value) {
                build.remote.push((config.file, reference.clone(), remote));
                continue;
            }
            let what = if is_component { "component" } else { "resource" };
            let Some(path) = anton_repo::normalize_relative(&config.dir, &reference.value) else {
                self.report(
                    Finding::new(
                        "kustomize/missing-resource",
                        Severity::Critical,
                        format!("{what} `{}` points outside the repository", reference.value),
                    )
                    .at(at(reference.span))
                    .hint("keep every resource inside the repository Flux reads"),
                );
                continue;
            };
            if let Some(file_id) = self.repo.file_id(&path) {
                self.referenced.borrow_mut().insert(path.clone());
                let mut objects = Vec::new();
                self.emit_file(file_id, &mut objects);
                parts.push((reference.span, objects));
            } else if self.repo.is_dir(&path) {
                if self.in_progress.borrow().contains(&path) {
                    self.report(
                        Finding::new(
                            "kustomize/cycle",
                            Severity::Critical,
                            format!("{what} `{}` includes a kustomization that is already being built (a cycle)", reference.value),
                        )
                        .at(at(reference.span))
                        .hint("remove the reference that loops back"),
                    );
                    continue;
                }
                match self.build_dir(&path) {
                    Some(child) => {
                        if !is_component && self.configs.get(&path).is_some_and(|c| c.kind == KustomizationKind::Component) {
                            self.report(
                                Finding::new(
                                    "kustomize/not-a-kustomization",
                                    Severity::Critical,
                                    format!("`{}` is a Component, listed under resources", reference.value),
                                )
                                .at(at(reference.span))
                                .hint("list Components under `components:`"),
                            );
                        }
                        build.remote.extend(child.remote.iter().cloned());
                        parts.push((reference.span, child.objects.clone()));
                    }
                    None if has_kustomization_on_disk(self.repo, &path) => {}
                    None => self.report(
                        Finding::new(
                            "kustomize/not-a-kustomization",
                            Severity::Critical,
                            format!("folder `{}` is listed as a {what} but has no kustomization.yaml", reference.value),
                        )
                        .at(at(reference.span))
                        .hint("add a kustomization.yaml listing its manifests, or list the files themselves"),
                    ),
                }
            } else if !self.repo.exists(&path) {
                self.report(
                    Finding::new(
                        "kustomize/missing-resource",
                        Severity::Critical,
                        format!("{what} `{}` does not exist (looked for {path})", reference.value),
                    )
                    .at(at(reference.span))
                    .hint("fix the path, or remove the entry if the file was deleted on purpose"),
                );
            } else {
                // Exists but was not loaded (JSON, or excluded by an ignore file): nothing to resolve.
                self.referenced.borrow_mut().insert(path);
            }
        }

        for (what, references) in [("patch", &config.patch_files), ("file", &config.other_files)] {
            for reference in references {
                self.require_file(config, reference, what, &at);
            }
        }

        let mut generated = Vec::new();
        for generator in &config.generators {
            for source in &generator.sources {
                self.require_file(config, source, "generator input", &at);
            }
            if generator.behavior != "create" || generator.name.is_empty() {
                continue; // merge/replace modify a generated object that comes from a resource
            }
            let namespace = generator.namespace.as_deref().or(config.namespace.as_deref());
            generated.push(Emitted {
                id: ObjectId::new("v1", generator.kind, namespace, &generator.name),
                api_version: "v1".into(),
                origin: Origin::Generated { file: config.file, span: generator.span },
            });
        }
        parts.push((config.span, generated));

        for (_, objects) in &mut parts {
            for emitted in objects.iter_mut() {
                self.transform(config, emitted);
            }
        }

        let mut seen: HashMap<ObjectId, Origin> = HashMap::new();
        for (span, objects) in parts {
            for emitted in objects {
                if let Some(first) = seen.get(&emitted.id) {
                    self.report(
                        Finding::new(
                            "kustomize/duplicate-object",
                            Severity::Critical,
                            format!("{} is emitted twice by this kustomization; `kustomize build` fails on it", emitted.id),
                        )
                        .at(at(span))
                        .object(emitted.id.short())
                        .related(self.origin_location(*first), "first emitted from here")
                        .related(self.origin_location(emitted.origin), "and again from here")
                        .hint("remove one of the two, or give them different names or namespaces"),
                    );
                    continue;
                }
                seen.insert(emitted.id.clone(), emitted.origin);
                build.objects.push(emitted);
            }
        }
        if !config.helm_charts.is_empty() {
            for span in &config.helm_charts {
                self.report(
                    Finding::new(
                        "kustomize/helm-chart-not-built",
                        Severity::Info,
                        "helmCharts are rendered by Helm at build time; anton does not render them offline",
                    )
                    .at(at(*span)),
                );
            }
        }
        build
    }

    fn transform(&self, config: &KustomizationConfig, emitted: &mut Emitted) {
        let id = &mut emitted.id;
        if let Some(namespace) = &config.namespace {
            if !self.is_cluster_scoped(&id.group, &id.kind) {
                id.namespace = Some(namespace.clone());
            }
        }
        // kustomize never renames these: their names are fixed by their content or by the API.
        let keeps_name = matches!(
            (id.group.as_str(), id.kind.as_str()),
            ("apiextensions.k8s.io", "CustomResourceDefinition") | ("", "Namespace") | ("apiregistration.k8s.io", "APIService")
        );
        if !keeps_name && (!config.name_prefix.is_empty() || !config.name_suffix.is_empty()) {
            id.name = format!("{}{}{}", config.name_prefix, id.name, config.name_suffix);
        }
    }

    fn require_file(&self, config: &KustomizationConfig, reference: &Reference, what: &str, at: &dyn Fn(Span) -> Location) {
        if classify_remote(&reference.value).is_some() {
            return;
        }
        match anton_repo::normalize_relative(&config.dir, &reference.value) {
            Some(path) if self.repo.exists(&path) => {
                self.referenced.borrow_mut().insert(path);
            }
            resolved => self.report(
                Finding::new(
                    "kustomize/missing-resource",
                    Severity::Critical,
                    format!(
                        "{what} `{}` does not exist{}",
                        reference.value,
                        resolved.map(|p| format!(" (looked for {p})")).unwrap_or_default()
                    ),
                )
                .at(at(reference.span))
                .hint("fix the path, or remove the entry"),
            ),
        }
    }
}

fn has_kustomization_on_disk(repo: &Repository, dir: &str) -> bool {
    KUSTOMIZATION_FILE_NAMES.iter().any(|name| repo.absolute(dir).join(name).is_file())
}
