//! `anton get ks|hr|sources`: the Flux graph from Git, in `flux get` columns.

use std::collections::BTreeSet;
use std::io::Write;

use anton_core::ExitStatus;
use anton_engine::get::{GetKind, GetOptions, Row};

use crate::cli::{GetArgs, GetWhat, GlobalArgs, OutputFormat};
use crate::commands::emit;
use crate::table::{Fit, Table};

const TITLE: &str = "anton get";

pub fn run(args: &GetArgs, global: &GlobalArgs) -> ExitStatus {
    let what = match args.what {
        GetWhat::Ks => GetKind::Kustomizations,
        GetWhat::Hr => GetKind::HelmReleases,
        GetWhat::Sources => GetKind::Sources,
    };
    let listed = match anton_engine::get::get(&GetOptions { what, path: args.path.clone() }) {
        Ok(listed) => listed,
        Err(report) => return emit(&report, global, TITLE, None),
    };
    let report = &listed.report;
    if global.output_format() != OutputFormat::Text {
        return super::emit_with(report, global, TITLE, &super::RepositorySources::new(&listed.repository));
    }
    let mut out = super::stdout();
    let _ = print_table(&mut out, args.what, &listed.rows, args.table.width());
    for finding in &listed.unread {
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
