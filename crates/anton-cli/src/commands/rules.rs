//! `anton rules`: every rule with its severity and summary; `anton rules
//! explain <id>` prints a rule's documentation.

use std::io::Write;

use anton_core::ExitStatus;
use anton_lint::registry::RULES;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::table::{Fit, Table};

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,
    #[command(flatten)]
    pub table: crate::table::TableArgs,
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Print the documentation of a rule, or of every rule of a family.
    #[command(
        after_help = "Examples:\n  anton rules explain flux/infinite-retries\n  anton rules explain secrets\n  anton rules explain guard      # what anton diff guards against\n  anton rules explain api/removed --format json"
    )]
    Explain {
        /// A rule id (flux/no-timeout) or a family (flux).
        id: String,
    },
}

pub const AFTER_HELP: &str = "Examples:\n  anton rules\n  anton rules --format json | jq '.[].id'\n  anton rules explain flux/sourceref-namespace";

pub fn run(args: &RulesArgs, global: &GlobalArgs) -> ExitStatus {
    let json = !matches!(global.output_format(), OutputFormat::Text | OutputFormat::Github);
    let mut out = super::stdout();
    let written = match &args.action {
        None if json => writeln!(out, "{}", pretty(&anton_engine::rules::list())),
        None => list(&mut out, args.table.width()),
        Some(RulesAction::Explain { id }) => {
            let Some(explained) = anton_engine::rules::explain(id) else {
                let _ = out.flush();
                eprintln!("error: `{id}` is no rule or family; `anton rules` lists them");
                return ExitStatus::ToolError;
            };
            if json { writeln!(out, "{}", pretty(&explained.json())) } else { write!(out, "{}", explained.text()) }
        }
    };
    let _ = written.and_then(|()| out.flush());
    ExitStatus::Healthy
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| "[]".to_owned())
}

fn list(out: &mut dyn Write, width: Option<usize>) -> std::io::Result<()> {
    let mut table = Table::new([("RULE", Fit::Keep), ("SEVERITY", Fit::Keep), ("SUMMARY", Fit::End)]);
    for rule in RULES {
        table.row([rule.id.to_owned(), rule.severity.as_str().to_owned(), rule.summary.to_owned()]);
    }
    for rule in anton_diff::rules::ALL {
        table.row([rule.id.to_owned(), rule.severity.as_str().to_owned(), rule.summary.to_owned()]);
    }
    table.write(out, width)?;
    writeln!(
        out,
        "\n{} rules, {} of them the guard rules of `anton diff`. `anton rules explain <id>` prints what a rule checks, why, and a fixed example.",
        RULES.len() + anton_diff::rules::ALL.len(),
        anton_diff::rules::ALL.len()
    )
}
