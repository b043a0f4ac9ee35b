//! `anton build`: the objects a Flux Kustomization (by name) or a
//! kustomization folder (by path) produces — offline, like
//! `flux build kustomization --dry-run` and `kubectl kustomize`.

use std::io::Write;
use std::path::PathBuf;

use anton_build::render;
use anton_core::ExitStatus;
use anton_engine::build::{BuildOptions, Output};
use clap::Args;
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::table::{Fit, Table};

pub const AFTER_HELP: &str = "Examples:\n  anton build cluster-apps                 # a Flux Kustomization, by name\n  anton build cloudflared -n flux-system --json\n  anton build ./kubernetes/apps/network/cloudflared/app   # a kustomization folder, like kubectl kustomize\n  anton build --all --summary              # objects by kind, per Flux Kustomization\n  anton build podinfo --cluster staging    # in a repository with several clusters\n\nSecret values print as <redacted> unless --show-secrets is given.";

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// A Flux Kustomization's name, or the path of a kustomization folder.
    pub target: Option<String>,
    /// The Flux Kustomization's namespace, when its name is not unique.
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// Repository folder to read (default: as for `anton validate`; for a
    /// folder target, the git repository around it).
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Build every Flux Kustomization.
    #[arg(long, conflicts_with = "target")]
    pub all: bool,
    /// Only this cluster's Flux Kustomizations, built with its own variables
    /// (a repository with several clusters): the cluster's name, e.g.
    /// `staging`, or the folder of its entry point, e.g. `clusters/staging/flux-system`.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Print the count of objects by kind instead of the objects.
    #[arg(long)]
    pub summary: bool,
    /// Print Secret values (they are `<redacted>` by default).
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub table: crate::table::TableArgs,
}

fn fail(message: impl std::fmt::Display) -> ExitStatus {
    let _ = writeln!(super::stderr(), "anton build: {message}");
    ExitStatus::ToolError
}

pub fn run(args: &BuildArgs, global: &GlobalArgs) -> ExitStatus {
    anton_core::secrets::reveal(args.show_secrets);
    let json = global.output_format() == OutputFormat::Json;
    let options = BuildOptions {
        target: args.target.clone(),
        namespace: args.namespace.clone(),
        repo: args.repo.clone(),
        all: args.all,
        cluster: args.cluster.clone(),
        items: !args.summary,
        show_secrets: args.show_secrets,
    };
    let built = match anton_engine::build::build(&options) {
        Ok(built) => built,
        Err(message) => return fail(message),
    };
    let mut stderr = super::stderr();
    for finding in &built.findings {
        let _ = writeln!(stderr, "{}", finding.issue_line());
    }
    for note in &built.notes {
        let _ = writeln!(stderr, "{note}");
    }
    drop(stderr);
    write(&built.outputs, args, json);
    built.status
}

fn write(outputs: &[Output], args: &BuildArgs, json: bool) {
    let mut out = super::stdout();
    // A closed pipe (`anton build … | head`) is not an error worth reporting.
    let _ = if json { write_json(&mut out, outputs, args) } else { write_text(&mut out, outputs, args) };
    let _ = out.flush();
}

fn write_json(out: &mut dyn Write, outputs: &[Output], args: &BuildArgs) -> std::io::Result<()> {
    let value = if !args.all && outputs.len() == 1 && !args.summary {
        json!({"apiVersion": "v1", "kind": "List", "items": outputs[0].items})
    } else {
        let entries: Vec<Value> = outputs.iter().map(|o| o.to_json(!args.summary)).collect();
        json!({ "kustomizations": entries })
    };
    writeln!(out, "{}", serde_json::to_string_pretty(&value).unwrap_or_default())
}

fn write_text(out: &mut dyn Write, outputs: &[Output], args: &BuildArgs) -> std::io::Result<()> {
    if args.summary {
        let mut table = Table::new([
            ("NAMESPACE", Fit::Keep),
            ("NAME", Fit::Keep),
            ("PATH", Fit::Start),
            ("OBJECTS", Fit::Keep),
            ("KINDS", Fit::End),
        ])
        .droppable(&["PATH"]);
        for o in outputs {
            let kinds: Vec<String> = o.kinds.iter().map(|(kind, n)| format!("{kind}={n}")).collect();
            table.row([
                o.namespace.clone().unwrap_or_else(|| "-".into()),
                o.name.clone(),
                o.path.as_deref().map(|p| if p.is_empty() { "." } else { p }).unwrap_or("-").to_owned(),
                o.objects.to_string(),
                match &o.skipped {
                    Some(reason) => format!("not built: {reason}"),
                    None => kinds.join(", "),
                },
            ]);
        }
        table.write(out, args.table.width())?;
        return Ok(());
    }
    let many = args.all || outputs.len() > 1;
    let mut first = true;
    for o in outputs {
        let items = &o.items;
        if many {
            if !first {
                writeln!(out, "---")?;
            }
            writeln!(
                out,
                "# Kustomization {}/{} ({})",
                o.namespace.as_deref().unwrap_or("-"),
                o.name,
                o.skipped.as_deref().map(|r| format!("not built: {r}")).or_else(|| o.path.clone()).unwrap_or_default()
            )?;
        } else if !first {
            writeln!(out, "---")?;
        }
        if !items.is_empty() {
            write!(out, "{}", render::yaml_stream(items))?;
            first = false;
        } else if many {
            first = false;
        }
    }
    Ok(())
}
