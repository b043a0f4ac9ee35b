//! `anton get ks|hr|sources`: the Flux graph from Git, in `flux get` columns.

use std::collections::BTreeSet;
use std::io::Write;

use anton_core::{ExitStatus, Report};
use anton_flux::model::{FluxSpec, SourceRef};
use anton_flux::{FluxKind, FluxNode, Graph};
use serde_json::{Value, json};

use crate::cli::{GetArgs, GetWhat, GlobalArgs, OutputFormat};
use crate::commands::{analysis, emit, resolve_target};

const TITLE: &str = "anton get";

pub fn run(args: &GetArgs, global: &GlobalArgs) -> ExitStatus {
    let target = resolve_target(args.path.as_deref());
    let (repo, loaded) = match analysis::load(&target) {
        Ok(loaded) => loaded,
        Err(error) => return emit(&Report::tool_error(error.to_string()), global, TITLE, None),
    };
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
        .map(|node| Row::of(graph, node))
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
    let _ = print_table(&mut out, args.what, &rows);
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
}

impl Row {
    fn of(graph: &Graph, node: &FluxNode) -> Row {
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
                let (chart, source) = match (&hr.chart, &hr.chart_ref) {
                    (Some(chart), _) => (
                        match &chart.version {
                            Some(version) => format!("{}@{version}", chart.chart),
                            None => chart.chart.clone(),
                        },
                        chart.source_ref.as_ref().map(source_text).unwrap_or_default(),
                    ),
                    (None, Some(chart_ref)) => (String::new(), source_text(chart_ref)),
                    (None, None) => (String::new(), String::new()),
                };
                (chart, source, deps(&hr.depends_on), hr.interval.clone().unwrap_or_default(), hr.suspend)
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
        }
    }

    fn to_json(&self) -> Value {
        json!({
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
        })
    }
}

fn print_table(out: &mut dyn Write, what: GetWhat, rows: &[Row]) -> std::io::Result<()> {
    let (target_header, source_header) = match what {
        GetWhat::Ks => ("PATH", "SOURCE"),
        GetWhat::Hr => ("CHART", "SOURCE"),
        GetWhat::Sources => ("URL", "REF"),
    };
    let mut table: Vec<Vec<String>> = vec![
        ["NAMESPACE", "NAME", target_header, source_header, "DEPENDS ON", "INTERVAL", "SUSPENDED", "FILE"]
            .map(String::from)
            .to_vec(),
    ];
    if what == GetWhat::Sources {
        table[0][0] = "KIND".into();
        table[0].insert(1, "NAMESPACE".into());
        table[0].remove(5);
    }
    for row in rows {
        let mut cells = vec![
            row.namespace.clone(),
            row.name.clone(),
            row.target.clone(),
            row.source.clone(),
            if row.depends_on.is_empty() { "-".into() } else { row.depends_on.join(",") },
            row.interval.clone(),
            row.suspended.to_string(),
            row.location.clone(),
        ];
        if what == GetWhat::Sources {
            cells.insert(0, row.kind.to_owned());
            cells.remove(5);
        }
        table.push(cells);
    }
    if rows.is_empty() {
        return writeln!(out, "No {} found.", match what {
            GetWhat::Ks => "Flux Kustomizations",
            GetWhat::Hr => "HelmReleases",
            GetWhat::Sources => "Flux sources",
        });
    }
    // Several clusters in one repository: say which tree each row belongs to.
    let clusters: BTreeSet<&str> = rows.iter().map(|r| r.cluster.as_str()).collect();
    if clusters.len() > 1 {
        table[0].push("CLUSTER".into());
        for (row, cells) in rows.iter().zip(table.iter_mut().skip(1)) {
            cells.push(row.cluster.clone());
        }
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|col| table.iter().map(|r| r[col].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &table {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| if i + 1 == row.len() { cell.clone() } else { format!("{cell:<width$}", width = widths[i]) })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}
