//! The offline pipeline every repository command shares: load, resolve
//! kustomizations, build the Flux graph, run the checks.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anton_core::Finding;
use anton_flux::{FluxKind, Graph, GraphOptions};
use anton_kustomize::Engine;
use anton_repo::{LoadError, LoadOptions, Repository};
use serde_json::{Value, json};

pub struct Analysis {
    pub repo: Repository,
    pub graph: Graph,
    pub findings: Vec<Finding>,
    /// Every object checked, named as findings name objects.
    pub subjects: BTreeSet<String>,
    pub kustomizations: usize,
    pub timings: Vec<(&'static str, Duration)>,
}

pub fn analyze(path: &Path) -> Result<Analysis, LoadError> {
    analyze_with(path, GraphOptions::default())
}

/// [`analyze`] with graph options (the sources `.anton.toml` declares).
pub fn analyze_with(path: &Path, graph_options: GraphOptions) -> Result<Analysis, LoadError> {
    let started = Instant::now();
    let repo = Repository::load(path, &LoadOptions::default())?;
    let loaded = started.elapsed();
    let (graph, mut findings, subjects, kustomizations) = {
        let engine = Engine::new(&repo);
        engine.build_all();
        let graph = Graph::build(&engine, graph_options);
        let mut findings = anton_flux::checks::run_all(&graph, &engine);
        findings.extend(engine.take_findings());
        let subjects = subjects(&repo, &graph);
        let kustomizations = engine.configs().count();
        (graph, findings, subjects, kustomizations)
    };
    findings.extend(repo.findings.iter().cloned());
    let analysed = started.elapsed() - loaded;
    Ok(Analysis {
        repo,
        graph,
        findings,
        subjects,
        kustomizations,
        timings: vec![("load", loaded), ("analyse", analysed)],
    })
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
    for applied in graph.applies.values().flatten() {
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
    for applied in graph.applies.values().flatten() {
        if let anton_kustomize::Origin::Object(index) = applied.origin {
            names[index].get_or_insert_with(|| applied.id.short());
        }
    }
    names.into_iter().zip(&repo.objects).map(|(name, object)| name.unwrap_or_else(|| object.id().short())).collect()
}

/// Schema validation and undefined postBuild variables (`anton-schema`).
///
/// This is the one place that chooses which objects are validated: today the
/// repository's objects as written (files used only as patches, and
/// kustomization files, are not objects). When the build engine lands, pass
/// its built objects here instead — their spans already point at the lines
/// that set each value — and take undefined variables from its record.
pub fn check_schemas(analysis: &Analysis, options: &anton_schema::SchemaOptions) -> Result<(Vec<Finding>, Value), anton_schema::SchemaError> {
    let repo = &analysis.repo;
    let mut schemas = anton_schema::SchemaSet::new(options)?;
    schemas.learn_repository_crds(repo);
    let names = object_names(repo, &analysis.graph);
    let engine = Engine::new(repo);
    let targets: Vec<anton_schema::Target<'_>> = repo
        .objects
        .iter()
        .enumerate()
        .filter(|(_, object)| !engine.is_patch_file(&repo.files[object.file].path))
        .map(|(index, object)| anton_schema::Target { node: repo.node(object), subject: Some(names[index].as_str()) })
        .collect();
    let outcome = schemas.validate(repo, &targets);
    let mut findings = outcome.findings.clone();
    let mut applied = Vec::new();
    for (node_id, objects) in &analysis.graph.applies {
        let Some(kustomization) = analysis.graph.nodes.get(*node_id) else { continue };
        let kustomization_node = repo.node(&repo.objects[kustomization.object]);
        // The Kustomization that applies this one may patch a postBuild into it.
        let parents: Vec<&anton_yaml::Node> = kustomization
            .applied_by
            .and_then(|parent| analysis.graph.nodes.get(parent))
            .map(|parent| repo.node(&repo.objects[parent.object]))
            .into_iter()
            .collect();
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

impl Analysis {
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
