//! `anton validate`: every structural problem of a repository, in one run.

use anton_core::{ExitStatus, Report};

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::commands::{analysis, emit, resolve_target};

const TITLE: &str = "anton validate";

pub fn run(args: &ValidateArgs, global: &GlobalArgs) -> ExitStatus {
    let target = resolve_target(args.path.as_deref());
    match analysis::analyze(&target) {
        Ok(analysis) => {
            let mut report = Report::new(analysis.subjects.iter().cloned(), analysis.findings.clone())
                .with_detail("repository", analysis.repository_details());
            if global.verbose {
                let timings: serde_json::Map<String, serde_json::Value> = analysis
                    .timings
                    .iter()
                    .map(|(phase, took)| ((*phase).to_owned(), serde_json::json!(took.as_secs_f64() * 1000.0)))
                    .collect();
                report = report.with_detail("timingsMs", serde_json::Value::Object(timings));
            }
            emit(&report, global, TITLE, Some(&analysis.repo.root))
        }
        Err(error) => emit(&Report::tool_error(error.to_string()), global, TITLE, None),
    }
}
