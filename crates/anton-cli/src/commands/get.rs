//! `anton get ks|hr|sources`: the Flux graph from Git, in `flux get` columns.

use std::collections::BTreeSet;
use std::io::Write;

use anton_core::{ExitStatus, Report};
use anton_flux::model::{FluxSpec, SourceRef};
use anton_flux::{FluxKind, FluxNode, Graph};
use serde_json::{Value, json};

use crate::cli::{GetArgs, GetWhat, GlobalArgs, OutputFormat};
use crate::commands::chart::Chart;
use crate::commands::{analysis, emit, resolve_target};
use crate::table::{Fit, Table};

const TITLE: &str = "anton get";

pub fn run(args: &GetArgs, global: &GlobalArgs) -> ExitStatus {
    let target = resolve_target(args.path.as_deref());
    let (repo, loaded) = match analysis::load(&target) {
        Ok(loaded) => loaded,
        Err(error) => return emit(&Report::tool_error(error.to_string()), global, TITLE, None),
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let command = format!("anton get {}", args.what.word());
    if let Err(report) = crate::target::require_manifests(&repo, args.path.as_deref(), &cwd, &command) {
        return emit(&report, global, TITLE, None);
    }
    let analysis = analysis::analyze_with(&repo, anton_flux::GraphOptions::default(), loaded);
    let graph = &analysis.graph;
    let rows: Vec<Row> = graph
        .nodes
        .iter()
        .filter(|node| match args.what {
            GetWhat::Ks => node.kind == FluxKind::Kustomization,
            GetWhat::Hr => node.kind == FluxKind::HelmRelease,
            GetWhat::Sources => node.kind.is_source(),
        })
        .map(|node| Row::of(analysis.repo, graph, node))
        .collect();
    let mut listed: BTreeSet<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut findings: Vec<anton_core::Finding> = analysis
        .findings
        .iter()
        .filter(|f| f.object.as_ref().is_some_and(|o| listed.contains(o)))
        .cloned()
        .collect();
    // A file that could not be read or parsed may hold Flux objects that are
    // then missing from the list: an empty list is not "none found".
    let unread = unread_files(&repo);
    listed.extend(unread.iter().filter_map(anton_core::Finding::subject));
    findings.extend(unread.iter().cloned());
    let items: Vec<Value> = rows.iter().map(Row::to_json).collect();
    let report = Report::new(listed, findings).with_detail("items", Value::Array(items));
    if global.output_format() != OutputFormat::Text {
        return super::emit_with(&report, global, TITLE, &super::RepositorySources::new(analysis.repo));
    }
    let mut out = super::stdout();
    let _ = print_table(&mut out, args.what, &rows, args.table.width());
    for finding in &unread {
        let _ = writeln!(out, "{}; objects in this file are not listed", finding.issue_line());
    }
    if !report.findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{} finding(s) on these objects; run `anton validate` for details.",
            report.findings.len()
        );
    }
    report.exit_status()
}

/// The loader's findings on files it could not read or parse.
fn unread_files(repo: &anton_repo::Repository) -> Vec<anton_core::Finding> {
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

struct Row {
    id: String,
    kind: &'static str,
    namespace: String,
    name: String,
    /// Path, chart@version, or URL.
    target: String,
    source: String,
    depends_on: Vec<String>,
    interval: String,
    suspended: bool,
    location: String,
    /// The folder of the roots this object's tree grows from.
    cluster: String,
    /// A HelmRelease's chart.
    chart: Option<Chart>,
}

impl Row {
    fn of(repo: &anton_repo::Repository, graph: &Graph, node: &FluxNode) -> Row {
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
                let installs = super::chart::of(repo, graph, node, hr);
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

    fn to_json(&self) -> Value {
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

fn print_table(out: &mut dyn Write, what: GetWhat, rows: &[Row], width: Option<usize>) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "No {} found.", match what {
            GetWhat::Ks => "Flux Kustomizations",
            GetWhat::Hr => "HelmReleases",
            GetWhat::Sources => "Flux sources",
        });
    }
    let mut columns = match what {
        GetWhat::Ks => vec![("NAMESPACE", Fit::Keep), ("NAME", Fit::Keep), ("PATH", Fit::Start), ("SOURCE", Fit::End)],
        GetWhat::Hr => vec![("NAMESPACE", Fit::Keep), ("NAME", Fit::Keep), ("CHART", Fit::End), ("SOURCE", Fit::End)],
        GetWhat::Sources => {
            vec![("KIND", Fit::Keep), ("NAMESPACE", Fit::Keep), ("NAME", Fit::Keep), ("URL", Fit::Start), ("REF", Fit::End)]
        }
    };
    if what != GetWhat::Sources {
        columns.push(("DEPENDS ON", Fit::End));
    }
    columns.extend([("INTERVAL", Fit::Keep), ("SUSPENDED", Fit::Keep), ("FILE", Fit::Start)]);
    // Several clusters in one repository: say which tree each row belongs to.
    let clusters: BTreeSet<&str> = rows.iter().map(|r| r.cluster.as_str()).collect();
    let many_clusters = clusters.len() > 1;
    if many_clusters {
        columns.push(("CLUSTER", Fit::Start));
    }
    let droppable: &[&str] = match what {
        GetWhat::Sources => &["FILE", "INTERVAL", "SUSPENDED"],
        _ => &["FILE", "SOURCE", "INTERVAL", "SUSPENDED"],
    };
    let mut table = Table::new(columns).droppable(droppable);
    for row in rows {
        let mut cells = Vec::with_capacity(9);
        if what == GetWhat::Sources {
            cells.push(row.kind.to_owned());
        }
        // A chart whose source is not in Git is unknown, not blank.
        let target = if row.target.is_empty() && what == GetWhat::Hr { "-".to_owned() } else { row.target.clone() };
        cells.extend([row.namespace.clone(), row.name.clone(), target, row.source.clone()]);
        if what != GetWhat::Sources {
            // A dependency in the row's own namespace by name alone, as
            // kubectl prints names: the NAMESPACE column already says it.
            let own = format!("{}/", row.namespace);
            let names: Vec<&str> = row.depends_on.iter().map(|d| d.strip_prefix(&own).unwrap_or(d)).collect();
            cells.push(if names.is_empty() { "-".into() } else { names.join(",") });
        }
        cells.extend([row.interval.clone(), row.suspended.to_string(), row.location.clone()]);
        if many_clusters {
            cells.push(row.cluster.clone());
        }
        table.row(cells);
    }
    table.write(out, width)
}
