//! `anton validate`'s pipeline: load, analyse, schemas and rules, one
//! [`Report`]. Rendering it is the caller's.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anton_core::{Finding, Report};
use anton_lint::{CliOverrides, ObjectView, Settings, SourceTexts};
use anton_repo::Repository;
use serde_json::{Value, json};

use crate::analysis::{self, Analysis};
use crate::target;

/// What to validate and how; [`Default`] is `anton validate` with no flags.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// Repository folder or file. `None`: the `kubernetes/` folder of the git
    /// repository around the current folder, else the current folder.
    pub path: Option<PathBuf>,
    pub rules: RuleOptions,
    pub schemas: SchemaOptions,
    /// Add `details.schemas` and `details.timingsMs` (the verbose report).
    pub verbose: bool,
    /// The process ends after this run: do not free the analysis of a large
    /// repository tree by tree (a long-running caller leaves this off).
    pub exiting: bool,
}

/// Rule selection and configuration (`--select`, `--ignore`, `--config`).
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// Only these rules: ids, families, `ALL` or `structural`. Empty: as configured.
    pub select: Vec<String>,
    /// Skip these rules or families, on top of the configuration's.
    pub ignore: Vec<String>,
    /// Configuration file; `None`: `.anton.toml` at the repository root, if any.
    pub config: Option<PathBuf>,
}

/// Schema validation (`--kubernetes-version`, `--schema-location`, `--strict-kinds`, `--no-schemas`).
#[derive(Debug, Clone, Default)]
pub struct SchemaOptions {
    /// Kubernetes release to check against, e.g. `1.30`.
    pub kubernetes_version: Option<String>,
    /// Where to look for schemas of kinds anton does not know.
    pub locations: Vec<String>,
    /// Objects without any schema are critical.
    pub strict_kinds: bool,
    /// Skip schema validation.
    pub skip: bool,
}

/// A validation: the report, and the repository it read (for code frames:
/// [`RepositorySources`]); `None` when the run stopped before loading.
pub struct Validated {
    pub report: Report,
    pub repository: Option<Repository>,
}

impl Validated {
    fn failed(report: Report) -> Self {
        Self { report, repository: None }
    }
}

/// Validates a repository. Every problem, including one that stops the run
/// (a bad flag, an unreadable path), comes back in the report.
pub fn validate(options: &ValidateOptions) -> Validated {
    let target = target::resolve_target(options.path.as_deref());
    let schema_options = match schema_options(&options.schemas) {
        Ok(schema_options) => schema_options,
        Err(message) => return Validated::failed(Report::tool_error(message)),
    };
    let settings = match settings(&target, &options.rules, options.schemas.kubernetes_version.as_deref()) {
        Ok(settings) => settings,
        Err(message) => return Validated::failed(Report::tool_error(message)),
    };
    let (repo, loaded) = match analysis::load(&target) {
        Ok(loaded) => loaded,
        Err(error) => return Validated::failed(Report::tool_error(error.to_string())),
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Err(report) = target::require_manifests(&repo, options.path.as_deref(), &cwd, "anton validate") {
        return Validated::failed(*report);
    }
    // Checks look at each applied object once; a fleet's copies of a shared
    // file need not be held.
    let mut analysis = analysis::analyze_with(&repo, settings.graph_options(), anton_build::Keep::FirstOfEach, loaded);
    // The analysis is borrowed from here on (the checked objects are its
    // built objects); findings and timings move out of it.
    let mut findings = std::mem::take(&mut analysis.findings);
    findings.extend(target::no_objects_finding(&repo, &cwd));
    let mut timings = std::mem::take(&mut analysis.timings);
    let analysis = analysis;
    let started = Instant::now();
    // What schemas and rules check: every object Flux will apply, as built;
    // objects no local build applies, as written.
    let views = anton_lint::from_builds(analysis.repo, &analysis.engine, &analysis.graph, &analysis.builds);
    timings.push(("objects", started.elapsed()));
    // Schema validation runs on its own thread while the rules run here.
    let validate_schemas = || match &schema_options {
        None => (Vec::new(), Ok(None)),
        Some(schema_options) => {
            let started = Instant::now();
            match analysis::check_schemas(analysis.repo, &analysis.graph, &views, schema_options) {
                Ok((findings, details)) => (findings, Ok(Some((details, started.elapsed())))),
                Err(error) => (Vec::new(), Err(error)),
            }
        }
    };
    let started = Instant::now();
    // Rules, then configuration and suppressions over every finding of the run.
    let (findings, schemas) = run_rules(&analysis, &views, &settings, findings, validate_schemas);
    let schema_details = match schemas {
        Ok(Some((details, took))) => {
            timings.push(("schemas", took));
            Some(details)
        }
        Ok(None) => None,
        Err(error) => return Validated::failed(Report::tool_error(error.to_string())),
    };
    // Rules and configuration; schema validation ran at the same time.
    timings.push(("lint", started.elapsed()));
    let mut report = Report::new(analysis.subjects.iter().cloned(), findings)
        .with_detail("repository", analysis.repository_details());
    // Like the timings: part of the verbose report, so the default JSON stays as it was.
    if let (true, Some(details)) = (options.verbose, schema_details) {
        report = report.with_detail("schemas", details);
    }
    if options.verbose {
        let timings: serde_json::Map<String, Value> =
            timings.iter().map(|(phase, took)| ((*phase).to_owned(), json!(took.as_secs_f64() * 1000.0))).collect();
        report = report.with_detail("timingsMs", Value::Object(timings));
    }
    if options.exiting {
        // Freeing every tree of a large repository one by one would only delay the exit.
        std::mem::forget(views);
        std::mem::forget(analysis);
    } else {
        drop(views);
        drop(analysis);
    }
    Validated { report, repository: Some(repo) }
}

/// The schema options asked for; `None` when schema validation is skipped.
fn schema_options(options: &SchemaOptions) -> Result<Option<anton_schema::SchemaOptions>, String> {
    if options.skip {
        return Ok(None);
    }
    let kubernetes_version = match &options.kubernetes_version {
        Some(text) => Some(anton_schema::KubernetesVersion::parse(text).ok_or_else(|| {
            format!("--kubernetes-version {text}: not a Kubernetes release; write it like 1.30 or v1.30.2")
        })?),
        None => None,
    };
    Ok(Some(anton_schema::SchemaOptions {
        kubernetes_version,
        locations: options.locations.clone(),
        strict_kinds: options.strict_kinds,
        cache_dir: None,
    }))
}

/// The root `.anton.toml` is read from: the root the loader will use (the
/// enclosing git repository, else the folder checked).
fn repository_root(target: &Path) -> PathBuf {
    let target = target.canonicalize().unwrap_or_else(|_| target.to_path_buf());
    anton_repo::find_repository_root(&target).unwrap_or_else(|| {
        // A file (or a FIFO, which the loader then refuses) has its folder as the root.
        if target.is_dir() { target } else { target.parent().map(Path::to_path_buf).unwrap_or(target) }
    })
}

/// The settings for a run over `target`: `.anton.toml` (or `config`) with the options on top.
pub fn settings(target: &Path, rules: &RuleOptions, kubernetes_version: Option<&str>) -> Result<Settings, String> {
    let overrides = CliOverrides {
        select: (!rules.select.is_empty()).then(|| rules.select.clone()),
        ignore: rules.ignore.clone(),
        kubernetes_version: kubernetes_version.map(str::to_owned),
    };
    Settings::load(&repository_root(target), rules.config.as_deref(), overrides).map_err(|error| error.to_string())
}

/// Runs the rules over `objects` (the analysis' built objects) while
/// `alongside` (schema validation) runs on another thread, then applies the
/// configuration and suppressions to all of the run's findings: `findings`,
/// those `alongside` returns and the rules'.
fn run_rules<T: Send>(
    analysis: &Analysis<'_>,
    objects: &[ObjectView<'_>],
    settings: &Settings,
    mut findings: Vec<Finding>,
    alongside: impl FnOnce() -> (Vec<Finding>, T) + Send,
) -> (Vec<Finding>, T) {
    let texts = SourceTexts::read(analysis.repo);
    let ctx = anton_lint::Context::new(analysis.repo, &analysis.engine, &analysis.graph, objects, &texts, settings);
    let (rules, (more, extra)) = std::thread::scope(|scope| {
        let other = scope.spawn(alongside);
        let rules = anton_lint::lint(&ctx);
        (rules, other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    findings.extend(more);
    findings.extend(rules);
    (anton_lint::finish(findings, &ctx), extra)
}

/// Code frames from the texts a load already read, and from disk for any
/// other file: a report over a large repository reads nothing twice.
pub struct RepositorySources<'r> {
    repo: &'r Repository,
    disk: anton_report::DiskSources,
}

impl<'r> RepositorySources<'r> {
    pub fn new(repo: &'r Repository) -> Self {
        Self { repo, disk: anton_report::DiskSources::new(&repo.root) }
    }
}

impl anton_report::SourceProvider for RepositorySources<'_> {
    fn source(&self, file: &str) -> Option<std::borrow::Cow<'_, str>> {
        match self.repo.text(file) {
            Some(text) => Some(std::borrow::Cow::Borrowed(text)),
            None => self.disk.source(file),
        }
    }
}
