//! `anton diff`: what a change will do to the cluster — above all, what it
//! will delete — before Flux does it.

use std::io::Write;
use std::path::PathBuf;

use anton_core::ExitStatus;
use anton_diff::TextOptions;
use anton_engine::diff::{DiffOptions, Diffed};
use anton_report::RenderOptions;
use clap::Args;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::emit;

const TITLE: &str = "anton diff";

pub const AFTER_HELP: &str = "\
Examples:
  anton diff                                   # the work tree against its merge-base with main
  anton diff --base origin/main                # in CI, on a pull request
  anton diff --base v1.4.0 --head v1.5.0 --json
  anton diff --base origin/main --format markdown > comment.md
  anton diff --base origin/main --format github
  anton rules explain guard                    # what the guard findings mean

Exit codes: 0 nothing to worry about, 1 warnings, 2 critical findings (Flux will delete
something that matters: an app's Kustomization, a claim, a CustomResourceDefinition with every
resource of its kind, a Helm release whose chart made claims), 3 anton could not compare the
two states.";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Repository folder. Default: the `kubernetes/` folder of the git
    /// repository around the current folder, else the current folder.
    pub path: Option<PathBuf>,
    /// The state to compare against: a branch, tag or commit. Default: the
    /// merge-base of HEAD with the default branch (origin/HEAD, main or
    /// master), else HEAD.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// The new state: a branch, tag or commit. Default: the work tree as it is,
    /// uncommitted changes included.
    #[arg(long, value_name = "REF")]
    pub head: Option<String>,
    /// Size budget of `--format markdown` in bytes; a larger diff is
    /// summarised, least important parts first (deletions and critical
    /// findings are kept longest).
    #[arg(long, value_name = "BYTES", default_value_t = anton_report::DEFAULT_MARKDOWN_MAX_BYTES)]
    pub max_bytes: usize,
}

pub fn run(args: &DiffArgs, global: &GlobalArgs) -> ExitStatus {
    let options = DiffOptions { path: args.path.clone(), base: args.base.clone(), head: args.head.clone(), verbose: global.verbose };
    let Diffed { report, outcome } = match anton_engine::diff::diff(&options) {
        Ok(diffed) => diffed,
        Err(report) => return emit(&report, global, TITLE, None),
    };
    let mut out = super::stdout();
    // A closed pipe (`anton diff | head`) is not an error worth reporting.
    match global.output_format() {
        OutputFormat::Text => {
            let options = TextOptions { color: global.use_color(), quiet: global.quiet };
            let _ = anton_diff::render_text(&report, &outcome.details, options, &mut out);
        }
        OutputFormat::Markdown => {
            let options = RenderOptions { title: TITLE.to_owned(), quiet: global.quiet, ..RenderOptions::default() };
            let _ = anton_report::render_markdown(&report, &options, args.max_bytes, &mut out);
        }
        _ => {
            drop(out);
            return emit(&report, global, TITLE, None);
        }
    }
    let _ = out.flush();
    report.exit_status()
}
