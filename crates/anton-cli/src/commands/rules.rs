//! `anton rules`: every rule with its severity and summary; `anton rules
//! explain <id>` prints a rule's documentation.

use std::io::Write;

use anton_core::ExitStatus;
use anton_diff::rules::GuardRule;
use anton_lint::registry::{self, RULES};
use anton_lint::{Implementation, Rule};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

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

fn json_of(rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "family": rule.family(),
        "severity": rule.severity,
        "summary": rule.summary,
        "checkedBy": match rule.implementation {
            Implementation::Check(_) => "anton-lint".to_owned(),
            Implementation::Structural(place) => place.to_owned(),
            Implementation::Engine => "anton-lint (suppressions)".to_owned(),
        },
        "doc": {
            "what": rule.doc.what,
            "why": rule.doc.why,
            "bad": rule.doc.bad,
            "fixed": rule.doc.fixed,
            "notes": rule.doc.notes,
        },
    })
}

/// `anton diff`'s guard rules, documented like the lint rules.
fn guard_json(rule: &GuardRule) -> Value {
    json!({
        "id": rule.id,
        "family": "guard",
        "severity": rule.severity,
        "summary": rule.summary,
        "checkedBy": "anton diff",
        "doc": { "what": rule.what, "why": rule.why, "bad": rule.bad, "fixed": rule.fixed, "notes": "" },
    })
}

const GUARD_FAMILY: &str = "guard";

pub fn run(args: &RulesArgs, global: &GlobalArgs) -> ExitStatus {
    let json = !matches!(global.output_format(), OutputFormat::Text | OutputFormat::Github);
    let guards = anton_diff::rules::ALL;
    let mut out = super::stdout();
    let written = match &args.action {
        None if json => {
            let all = RULES.iter().map(|r| json_of(r)).chain(guards.iter().map(|r| guard_json(r))).collect();
            writeln!(out, "{}", pretty(&Value::Array(all)))
        }
        None => list(&mut out, args.table.width()),
        Some(RulesAction::Explain { id }) => {
            let chosen: Vec<&Rule> = match registry::find(id) {
                Some(rule) => vec![rule],
                None => RULES.iter().copied().filter(|rule| rule.family() == id).collect(),
            };
            let chosen_guards: Vec<&GuardRule> = match anton_diff::rules::find(id) {
                Some(rule) => vec![rule],
                None if id == GUARD_FAMILY => guards.to_vec(),
                None => Vec::new(),
            };
            if chosen.is_empty() && chosen_guards.is_empty() {
                let _ = out.flush();
                eprintln!("error: `{id}` is no rule or family; `anton rules` lists them");
                return ExitStatus::ToolError;
            }
            if json {
                let mut values: Vec<Value> = chosen.iter().map(|r| json_of(r)).collect();
                values.extend(chosen_guards.iter().map(|r| guard_json(r)));
                let value = if values.len() == 1 { values.remove(0) } else { Value::Array(values) };
                writeln!(out, "{}", pretty(&value))
            } else {
                let mut text: Vec<String> = chosen.iter().map(|rule| rule.explain()).collect();
                text.extend(chosen_guards.iter().map(|rule| rule.explain()));
                write!(out, "{}", text.join("\n"))
            }
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
