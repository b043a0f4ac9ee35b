//! `anton get ks|hr|sources`: the Flux objects in Git, in `flux get` columns.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anton_core::{Finding, Report};
use anton_flux::model::{FluxSpec, SourceRef};
use anton_flux::{FluxKind, FluxNode, Graph};
use anton_repo::Repository;
use serde_json::{Value, json};

use crate::chart::Chart;
use crate::{analysis, target};

/// Which Flux objects to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetKind {
    Kustomizations,
    HelmReleases,
    /// GitRepository, OCIRepository, HelmRepository, Bucket, HelmChart.
    Sources,
}

impl GetKind {
    /// The word that names this list on the command line (`ks`, `hr`, `sources`).
    pub fn word(self) -> &'static str {
        match self {
            GetKind::Kustomizations => "ks",
            GetKind::HelmReleases => "hr",
            GetKind::Sources => "sources",
        }
    }
}

#[derive(Debug, Clone)]
pub struct GetOptions {
    pub what: GetKind,
    /// Repository folder; `None`: as for [`crate::validate()`].
    pub path: Option<PathBuf>,
}

/// The list: the report (`details.items`, and the findings on the listed
/// objects), the rows for a table, the files that could not be read, and the
/// repository (for code frames).
pub struct Listed {
    pub report: Report,
    pub rows: Vec<Row>,
    /// The loader's findings on files it could not read or parse: objects in
    /// them are missing from the list.
    pub unread: Vec<Finding>,
    pub repository: Repository,
}

/// Lists the Flux objects; `Err` is the tool-error report when the
/// repository cannot be read or holds no manifests.
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn get(options: &GetOptions) -> Result<Listed, Report> {
    let path = target::resolve_target(options.path.as_deref());
    let (repo, loaded) = analysis::load(&path).map_err(|error| Report::tool_error(error.to_string()))?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let command = format!("anton get {}", options.what.word());
    target::require_manifests(&repo, options.path.as_deref(), &cwd, &command).map_err(|report| *report)?;
    let (rows, mut listed, mut findings) = {
        // The rows come from the graph and the findings from the builds;
        // nothing here reads the built objects, so they are built the way
        // that holds the fewest.
        let analysis = analysis::analyze_with(&repo, anton_flux::GraphOptions::default(), anton_build::Keep::FirstOfEach, loaded);
        let graph = &analysis.graph;
        let rows: Vec<Row> = graph
            .nodes
            .iter()
            .filter(|node| match options.what {
                GetKind::Kustomizations => node.kind == FluxKind::Kustomization,
                GetKind::HelmReleases => node.kind == FluxKind::HelmRelease,
                GetKind::Sources => node.kind.is_source(),
            })
            .map(|node| Row::of(analysis.repo, graph, node))
            .collect();
        let listed: BTreeSet<String> = rows.iter().map(|row| row.id.clone()).collect();
        let findings: Vec<Finding> = analysis
            .findings
            .iter()
            .filter(|f| f.object.as_ref().is_some_and(|o| listed.contains(o)))
            .cloned()
            .collect();
        (rows, listed, findings)
    };
    // A file that could not be read or parsed may hold Flux objects that are
    // then missing from the list: an empty list is not "none found".
    let unread = unread_files(&repo);
    listed.extend(unread.iter().filter_map(Finding::subject));
    findings.extend(unread.iter().cloned());
    let items: Vec<Value> = rows.iter().map(Row::to_json).collect();
    let report = Report::new(listed, findings).with_detail("items", Value::Array(items));
    Ok(Listed { report, rows, unread, repository: repo })
}

/// The loader's findings on files it could not read or parse.
fn unread_files(repo: &Repository) -> Vec<Finding> {
    let broken: BTreeSet<&str> = repo.files.iter().filter(|f| f.has_syntax_error).map(|f| f.path.as_str()).collect();
    let mut seen = BTreeSet::new();
    repo.findings
        .iter()
        .filter(|f| {
            f.rule == "yaml/unreadable"
                || (f.rule == "yaml/syntax" && f.location.as_ref().is_some_and(|l| broken.contains(l.file.as_str())))
        })
        // One per file: the first error is the one to fix.
        .filter(|f| seen.insert(f.location.as_ref().map(|l| l.file.clone())))
        .cloned()
        .collect()
}

/// One Flux object, as `anton get` lists it.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    /// Path, chart@version, or URL.
    pub target: String,
    pub source: String,
    pub depends_on: Vec<String>,
    pub interval: String,
    pub suspended: bool,
    pub location: String,
    /// The folder of the roots this object's tree grows from.
    pub cluster: String,
    /// A HelmRelease's chart.
    pub chart: Option<Chart>,
}

impl Row {
    fn of(repo: &Repository, graph: &Graph, node: &FluxNode) -> Row {
        let mut chart = None;
        let source_text = |source: &SourceRef| {
            format!("{}/{}/{}", source.kind, source.namespace.as_deref().unwrap_or(&node.namespace), source.name)
        };
        let deps = |list: &[anton_flux::model::DependsOn]| {
            list.iter()
                .map(|d| format!("{}/{}", d.namespace.as_deref().unwrap_or(&node.namespace), d.name))
                .collect::<Vec<_>>()
        };
        let (target, source, depends_on, interval, suspended) = match &node.spec {
            FluxSpec::Kustomization(ks) => (
                ks.path.as_ref().map_or_else(|| "./".to_owned(), |p| p.value.clone()),
                ks.source_ref.as_ref().map(source_text).unwrap_or_default(),
                deps(&ks.depends_on),
                ks.interval.clone().unwrap_or_default(),
                ks.suspend,
            ),
            FluxSpec::HelmRelease(hr) => {
                let source = match (&hr.chart, &hr.chart_ref) {
                    (Some(chart), _) => chart.source_ref.as_ref().map(source_text).unwrap_or_default(),
                    (None, Some(chart_ref)) => source_text(chart_ref),
                    (None, None) => String::new(),
                };
                let installs = crate::chart::of(repo, graph, node, hr);
                let text = installs.text();
                chart = Some(installs);
                (text, source, deps(&hr.depends_on), hr.interval.clone().unwrap_or_default(), hr.suspend)
            }
            FluxSpec::Source(source) => (
                source.url.clone().or_else(|| source.chart.clone()).unwrap_or_default(),
                source.reference.clone().unwrap_or_default(),
                Vec::new(),
                source.interval.clone().unwrap_or_default(),
                source.suspend,
            ),
        };
        Row {
            cluster: graph.clusters.get(node.cluster).cloned().unwrap_or_default(),
            id: node.id(),
            kind: node.kind.as_str(),
            namespace: node.namespace.clone(),
            name: node.name.clone(),
            target,
            source,
            depends_on,
            interval,
            suspended,
            location: format!("{}:{}", node.location.file, node.location.line),
            chart,
        }
    }

    /// The row as `details.items[]`.
    pub fn to_json(&self) -> Value {
        let mut item = json!({
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "target": self.target,
            "source": self.source,
            "dependsOn": self.depends_on,
            "interval": self.interval,
            "suspended": self.suspended,
            "location": self.location,
            "cluster": self.cluster,
        });
        if let Some(chart) = &self.chart {
            item["chart"] = chart.to_json();
        }
        item
    }
}
