//! `anton diff`: what a change will do to the cluster, as a [`Report`].

use std::path::PathBuf;

use anton_core::Report;
use anton_diff::{DiffOutcome, DiffRequest};
use serde_json::{Value, json};

/// The two states to compare; [`Default`] is `anton diff` with no flags.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Repository folder; `None`: as for [`crate::validate()`].
    pub path: Option<PathBuf>,
    /// Branch, tag or commit to compare against; `None`: the merge-base of
    /// HEAD with the default branch, else HEAD.
    pub base: Option<String>,
    /// The new state; `None`: the work tree, uncommitted changes included.
    pub head: Option<String>,
    /// Add `details.timingsMs`.
    pub verbose: bool,
}

/// A comparison: its report (`details.diff`) and the outcome the text renderer reads.
pub struct Diffed {
    pub report: Report,
    pub outcome: DiffOutcome,
}

/// Compares the two states; `Err` is the tool-error report (status error)
/// when they cannot be compared.
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn diff(options: &DiffOptions) -> Result<Diffed, Report> {
    let request = DiffRequest {
        path: crate::target::resolve_target(options.path.as_deref()),
        base: options.base.clone(),
        head: options.head.clone(),
    };
    let outcome = anton_diff::diff(&request).map_err(|error| Report::tool_error(error.to_string()))?;
    let mut report = outcome.report();
    if options.verbose {
        let timings: serde_json::Map<String, Value> = outcome
            .timings
            .iter()
            .map(|(phase, took)| ((*phase).to_owned(), json!(took.as_secs_f64() * 1000.0)))
            .collect();
        report = report.with_detail("timingsMs", Value::Object(timings));
    }
    Ok(Diffed { report, outcome })
}
