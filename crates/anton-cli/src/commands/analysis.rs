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
    let started = Instant::now();
    let repo = Repository::load(path, &LoadOptions::default())?;
    let loaded = started.elapsed();
    let (graph, mut findings, subjects, kustomizations) = {
        let engine = Engine::new(&repo);
        engine.build_all();
        let graph = Graph::build(&engine, GraphOptions::default());
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
