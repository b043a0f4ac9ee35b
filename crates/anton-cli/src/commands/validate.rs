//! `anton validate`: every structural problem of a repository, in one run.

use anton_core::{ExitStatus, Report};

use crate::cli::{GlobalArgs, SchemaArgs, ValidateArgs};
use crate::commands::{RepositorySources, analysis, emit, emit_with, lint, resolve_target};

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
    let (repo, loaded) = match analysis::load(&target) {
        Ok(loaded) => loaded,
        Err(error) => return emit(&Report::tool_error(error.to_string()), global, TITLE, None),
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    if let Err(report) = crate::target::require_manifests(&repo, args.path.as_deref(), &cwd, "anton validate") {
        return emit(&report, global, TITLE, None);
    }
    let mut analysis = analysis::analyze_with(&repo, settings.graph_options(), loaded);
    // The analysis is borrowed from here on (the checked objects are its
    // built objects); findings and timings move out of it.
    let mut findings = std::mem::take(&mut analysis.findings);
    findings.extend(crate::target::no_objects_finding(&repo, &cwd));
    let mut timings = std::mem::take(&mut analysis.timings);
    let analysis = analysis;
    let started = std::time::Instant::now();
    // What schemas and rules check: every object Flux will apply, as built;
    // objects no local build applies, as written.
    let views = anton_lint::from_builds(analysis.repo, &analysis.engine, &analysis.graph, &analysis.builds);
    timings.push(("objects", started.elapsed()));
    // Schema validation runs on its own thread while the rules run here.
    let validate_schemas = || match &schema_options {
        None => (Vec::new(), Ok(None)),
        Some(options) => {
            let started = std::time::Instant::now();
            match analysis::check_schemas(analysis.repo, &analysis.graph, &views, options) {
                Ok((findings, details)) => (findings, Ok(Some((details, started.elapsed())))),
                Err(error) => (Vec::new(), Err(error)),
            }
        }
    };
    let started = std::time::Instant::now();
    // Rules, then configuration and suppressions over every finding of the run.
    let (findings, schemas) = lint::run(&analysis, &views, &settings, findings, validate_schemas);
    let schema_details = match schemas {
        Ok(Some((details, took))) => {
            timings.push(("schemas", took));
            Some(details)
        }
        Ok(None) => None,
        Err(error) => return emit(&Report::tool_error(error.to_string()), global, TITLE, None),
    };
    // Rules and configuration; schema validation ran at the same time.
    timings.push(("lint", started.elapsed()));
    let mut report = Report::new(analysis.subjects.iter().cloned(), findings)
        .with_detail("repository", analysis.repository_details());
    // Like the timings: part of the verbose report, so the default JSON stays as it was.
    if let (true, Some(details)) = (global.verbose, schema_details) {
        report = report.with_detail("schemas", details);
    }
    if global.verbose {
        let timings: serde_json::Map<String, serde_json::Value> = timings
            .iter()
            .map(|(phase, took)| ((*phase).to_owned(), serde_json::json!(took.as_secs_f64() * 1000.0)))
            .collect();
        report = report.with_detail("timingsMs", serde_json::Value::Object(timings));
    }
    let sources = RepositorySources::new(&repo);
    if let Err(message) = lint::write_output_files(&report, &args.lint.output_files, TITLE, &sources) {
        return emit(&Report::tool_error(message), global, TITLE, None);
    }
    let status = emit_with(&report, global, TITLE, &sources);
    // The process ends here: freeing every tree of a large repository one by
    // one would only delay the exit.
    std::mem::forget(views);
    std::mem::forget(analysis);
    std::mem::forget(repo);
    status
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
