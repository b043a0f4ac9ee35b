//! `anton validate`: every structural problem of a repository, in one run.

use anton_core::{ExitStatus, Report};

use crate::cli::{GlobalArgs, SchemaArgs, ValidateArgs};
use crate::commands::{analysis, emit, lint, resolve_target};

const TITLE: &str = "anton validate";

pub fn run(args: &ValidateArgs, global: &GlobalArgs) -> ExitStatus {
    let target = resolve_target(args.path.as_deref());
    let schema_options = match schema_options(&args.schema) {
        Ok(options) => options,
        Err(message) => return emit(&Report::tool_error(message), global, TITLE, None),
    };
    let settings = match lint::settings(&target, &args.lint, args.schema.kubernetes_version.as_deref()) {
        Ok(settings) => settings,
        Err(message) => return emit(&Report::tool_error(message), global, TITLE, None),
    };
    match analysis::analyze_with(&target, settings.graph_options()) {
        Ok(mut analysis) => {
            let mut schema_details = None;
            if let Some(options) = &schema_options {
                let started = std::time::Instant::now();
                match analysis::check_schemas(&analysis, options) {
                    Ok((findings, details)) => {
                        analysis.findings.extend(findings);
                        schema_details = Some(details);
                    }
                    Err(error) => return emit(&Report::tool_error(error.to_string()), global, TITLE, None),
                }
                analysis.timings.push(("schemas", started.elapsed()));
            }
            let started = std::time::Instant::now();
            // Rules, then configuration and suppressions over every finding of the run.
            let findings = std::mem::take(&mut analysis.findings);
            analysis.findings = lint::run(&analysis, &settings, findings);
            analysis.timings.push(("lint", started.elapsed()));
            let mut report = Report::new(analysis.subjects.iter().cloned(), analysis.findings.clone())
                .with_detail("repository", analysis.repository_details());
            // Like the timings: part of the verbose report, so the default JSON stays as it was.
            if let (true, Some(details)) = (global.verbose, schema_details) {
                report = report.with_detail("schemas", details);
            }
            if global.verbose {
                let timings: serde_json::Map<String, serde_json::Value> = analysis
                    .timings
                    .iter()
                    .map(|(phase, took)| ((*phase).to_owned(), serde_json::json!(took.as_secs_f64() * 1000.0)))
                    .collect();
                report = report.with_detail("timingsMs", serde_json::Value::Object(timings));
            }
            if let Err(message) = lint::write_output_files(&report, &args.lint.output_files, TITLE, &analysis.repo.root) {
                return emit(&Report::tool_error(message), global, TITLE, None);
            }
            emit(&report, global, TITLE, Some(&analysis.repo.root))
        }
        Err(error) => emit(&Report::tool_error(error.to_string()), global, TITLE, None),
    }
}

/// The schema options the flags ask for; `None` with `--no-schemas`.
fn schema_options(args: &SchemaArgs) -> Result<Option<anton_schema::SchemaOptions>, String> {
    if args.no_schemas {
        return Ok(None);
    }
    let kubernetes_version = match &args.kubernetes_version {
        Some(text) => Some(anton_schema::KubernetesVersion::parse(text).ok_or_else(|| {
            format!("--kubernetes-version {text}: not a Kubernetes release; write it like 1.30 or v1.30.2")
        })?),
        None => None,
    };
    Ok(Some(anton_schema::SchemaOptions {
        kubernetes_version,
        locations: args.schema_locations.clone(),
        strict_kinds: args.strict_kinds,
        cache_dir: None,
    }))
}
