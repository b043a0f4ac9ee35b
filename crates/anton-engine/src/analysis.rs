//! The offline pipeline every repository command shares: load, resolve
//! kustomizations, build the Flux graph, run the checks.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anton_build::{FluxBuilds, Keep};
use anton_core::Finding;
use anton_flux::{FluxKind, Graph, GraphOptions};
use anton_kustomize::Engine;
use anton_repo::{LoadError, LoadOptions, Repository};
use foldhash::{HashSet, HashSetExt};
use serde_json::{Value, json};

/// A loaded repository, analysed: the kustomize engine (with every folder's
/// build cached), the Flux graph and every Flux Kustomization built.
pub struct Analysis<'r> {
    pub repo: &'r Repository,
    /// The engine every later phase asks (views, rules): its builds are cached.
    pub engine: Engine<'r>,
    pub graph: Graph,
    /// Every Flux Kustomization built: what Flux will apply (every object,
    /// or each once: `builds.kept` says which).
    pub builds: FluxBuilds,
    pub findings: Vec<Finding>,
    /// Every object checked, named as findings name objects.
    pub subjects: BTreeSet<String>,
    pub kustomizations: usize,
    pub timings: Vec<(&'static str, Duration)>,
}

/// Reads the repository at `path`, with the time it took.
pub fn load(path: &Path) -> Result<(Repository, Duration), LoadError> {
    let started = Instant::now();
    let repo = Repository::load(path, &LoadOptions::default())?;
    Ok((repo, started.elapsed()))
}

/// Loads and analyses `path` with the default options, building as
/// `anton validate` does (each applied object kept once), and hands the
/// analysis to `inspect` (it borrows the repository, which lives only here).
pub fn with_analysis<T>(path: &Path, inspect: impl FnOnce(&Analysis<'_>) -> T) -> Result<T, LoadError> {
    let (repo, loaded) = load(path)?;
    Ok(inspect(&analyze_with(&repo, GraphOptions::default(), Keep::FirstOfEach, loaded)))
}

/// Resolves kustomizations, builds the Flux graph, builds every Flux
/// Kustomization (keeping the built objects `keep` says) and runs the
/// structural checks (`loaded`: the load's time, for the timings).
pub fn analyze_with(repo: &Repository, graph_options: GraphOptions, keep: Keep, loaded: Duration) -> Analysis<'_> {
    let started = Instant::now();
    let engine = Engine::new(repo);
    engine.build_all();
    let mut graph = Graph::build(&engine, graph_options);
    let graphed = started.elapsed();
    let builds = FluxBuilds::build_keeping(&engine, &graph, keep);
    let built_at = started.elapsed();
    // After the builds, which reference the files of a Flux Kustomization's
    // own `spec.components`: neither kustomize/orphan-file nor unreachable.
    graph.take_in_built_references(&engine);
    let mut findings = anton_flux::checks::run_all(&graph, &engine);
    let analysed = graphed + (started.elapsed() - built_at);
    findings.extend(builds.findings.iter().cloned());
    findings.extend(engine.take_findings());
    findings.extend(repo.findings.iter().cloned());
    let subjects = subjects(repo, &graph);
    let kustomizations = engine.configs().count();
    let built = started.elapsed() - analysed;
    Analysis {
        repo,
        engine,
        graph,
        builds,
        findings,
        subjects,
        kustomizations,
        timings: vec![("load", loaded), ("analyse", analysed), ("build", built)],
    }
}

/// Names every object the way findings name it: the effective identity when
/// a Flux Kustomization applies it, else as written.
fn subjects(repo: &Repository, graph: &Graph) -> BTreeSet<String> {
    let mut named = vec![false; repo.objects.len()];
    let mut subjects = BTreeSet::new();
    for node in &graph.nodes {
        subjects.insert(node.id());
        named[node.object] = true;
    }
    for applied in graph.applies_in_order().into_iter().flat_map(|(_, applied)| applied) {
        if let anton_kustomize::Origin::Object(index) = applied.origin {
            if !named[index] {
                subjects.insert(applied.id.short());
                named[index] = true;
            }
        }
    }
    for (index, object) in repo.objects.iter().enumerate() {
        if !named[index] {
            subjects.insert(object.id().short());
        }
    }
    subjects
}

/// The name findings give each object (by index into `repo.objects`), the
/// first of the names [`subjects`] gives it.
fn object_names(repo: &Repository, graph: &Graph) -> Vec<String> {
    let mut names: Vec<Option<String>> = vec![None; repo.objects.len()];
    for node in &graph.nodes {
        names[node.object].get_or_insert_with(|| node.id());
    }
    for applied in graph.applies_in_order().into_iter().flat_map(|(_, applied)| applied) {
        if let anton_kustomize::Origin::Object(index) = applied.origin {
            names[index].get_or_insert_with(|| applied.id.short());
        }
    }
    names.into_iter().zip(&repo.objects).map(|(name, object)| name.unwrap_or_else(|| object.id().short())).collect()
}

/// Schema validation and undefined postBuild variables (`anton-schema`).
///
/// The objects validated are what Flux will apply, as the build engine built
/// them (their spans point at the line that set each value: the resource
/// file, or the patch); objects no local build applies are validated as
/// written. Kustomization files and files used only as patches are not objects.
pub fn check_schemas(
    repo: &Repository,
    graph: &Graph,
    views: &[anton_lint::ObjectView<'_>],
    options: &anton_schema::SchemaOptions,
) -> Result<(Vec<Finding>, Value), anton_schema::SchemaError> {
    let mut schemas = anton_schema::SchemaSet::new(options)?;
    schemas.learn_repository_crds(repo);
    let names = object_names(repo, graph);
    let subjects: Vec<String> = views.iter().map(|view| view.subject()).collect();
    let targets: Vec<anton_schema::Target<'_>> = views
        .iter()
        .zip(&subjects)
        .map(|(view, subject)| anton_schema::Target { node: view.node, subject: Some(subject.as_str()) })
        .collect();
    let outcome = schemas.validate(repo, &targets);
    // An object written once and applied by two clusters is validated twice.
    let mut seen = HashSet::new();
    let mut findings: Vec<Finding> = outcome
        .findings
        .iter()
        .filter(|f| seen.insert((f.rule.clone(), f.location.clone(), f.message.clone())))
        .cloned()
        .collect();
    let mut applied = Vec::new();
    for (node_id, objects) in graph.applies_in_order() {
        let Some(kustomization) = graph.nodes.get(node_id) else { continue };
        // Each Kustomization as its parent applies it (built, substituted).
        fn as_applied<'a>(repo: &'a Repository, node: &'a anton_flux::FluxNode) -> &'a anton_yaml::Node {
            node.applied.as_deref().unwrap_or_else(|| repo.node(&repo.objects[node.object]))
        }
        let kustomization_node = as_applied(repo, kustomization);
        // The Kustomization that applies this one may patch a postBuild into it.
        let parents: Vec<&anton_yaml::Node> =
            kustomization.applied_by.and_then(|parent| graph.nodes.get(parent)).map(|parent| as_applied(repo, parent)).into_iter().collect();
        for object in objects {
            if let anton_kustomize::Origin::Object(index) = object.origin {
                applied.push(anton_schema::Applied {
                    object: repo.node(&repo.objects[index]),
                    subject: Some(names[index].as_str()),
                    kustomization: kustomization_node,
                    namespace: kustomization.namespace.as_str(),
                    parents: parents.clone(),
                });
            }
        }
    }
    findings.extend(anton_schema::undefined_variables(repo, &applied));
    Ok((findings, outcome.details(&schemas)))
}

impl Analysis<'_> {
    /// Counts for the report's `details.repository`.
    pub fn repository_details(&self) -> Value {
        let count = |kind: FluxKind| self.graph.nodes.iter().filter(|n| n.kind == kind).count();
        let sources = self.graph.nodes.iter().filter(|n| n.kind.is_source()).count();
        json!({
            "root": self.repo.root.display().to_string(),
            "scanned": self.repo.scan_root.display().to_string(),
            "files": self.repo.files.len(),
            "objects": self.repo.objects.len(),
            "kustomizations": self.kustomizations,
            "helmCharts": self.repo.helm_charts.len(),
            "flux": {
                "kustomizations": count(FluxKind::Kustomization),
                "helmReleases": count(FluxKind::HelmRelease),
                "sources": sources,
                "clusters": self.graph.clusters,
            }
        })
    }
}
