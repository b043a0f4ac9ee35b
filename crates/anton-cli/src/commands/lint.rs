//! The rule engine in the validate pipeline: lint flags, `.anton.toml`,
//! running the rules over an analysis, and extra report files
//! (`--output-file FORMAT=PATH`).

use std::path::{Path, PathBuf};

use anton_core::{Finding, Report};
use anton_lint::{CliOverrides, ObjectView, Settings, SourceTexts};
use anton_report::{Format, RenderOptions, RuleCatalog, RuleInfo, SourceProvider};
use clap::Args;

use crate::commands::analysis::Analysis;

/// Rule selection and configuration for `anton validate`.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Rules")]
pub struct LintArgs {
    /// Run only these rules: ids (flux/no-timeout), families (flux), ALL, or
    /// `structural` (only the structural checks); comma-separated or repeated.
    /// Replaces `rules.select` of .anton.toml.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Skip these rules or families; comma-separated or repeated. Added to
    /// `rules.ignore` of .anton.toml.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Configuration file (default: .anton.toml at the repository root, if any).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also write the report as FORMAT (text, json, github, sarif, junit) to
    /// PATH; repeatable, e.g. `--output-file sarif=anton.sarif`.
    #[arg(long = "output-file", value_name = "FORMAT=PATH", value_parser = parse_output_file)]
    pub output_files: Vec<OutputFile>,
}

/// One `--output-file FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub format: Format,
    pub path: PathBuf,
}

fn parse_output_file(text: &str) -> Result<OutputFile, String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: write FORMAT=PATH, e.g. sarif=anton.sarif"))?;
    let format: Format = format.trim().parse().map_err(|e: anton_report::UnknownFormat| e.to_string())?;
    if path.trim().is_empty() {
        return Err(format!("`{text}`: the path is empty"));
    }
    Ok(OutputFile { format, path: PathBuf::from(path) })
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

/// The settings for a run over `target`: `.anton.toml` (or `--config`) with the flags on top.
pub fn settings(target: &Path, args: &LintArgs, kubernetes_version: Option<&str>) -> Result<Settings, String> {
    let overrides = CliOverrides {
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        ignore: args.ignore.clone(),
        kubernetes_version: kubernetes_version.map(str::to_owned),
    };
    Settings::load(&repository_root(target), args.config.as_deref(), overrides).map_err(|error| error.to_string())
}

/// Runs the rules over `objects` (the analysis' built objects) while
/// `alongside` (schema validation) runs on another thread, then applies the
/// configuration and suppressions to all of the run's findings: `findings`,
/// those `alongside` returns and the rules'.
pub fn run<T: Send>(
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

/// The rule registry, as renderers see it.
pub struct Registry;

impl RuleCatalog for Registry {
    fn rules(&self) -> Vec<RuleInfo> {
        anton_lint::registry::RULES
            .iter()
            .map(|rule| RuleInfo {
                id: rule.id.to_owned(),
                severity: rule.severity,
                summary: rule.summary.to_owned(),
                description: rule.doc.what.to_owned(),
                help_markdown: rule.explain(),
            })
            .collect()
    }
}

/// Writes the report to every `--output-file`.
pub fn write_output_files(
    report: &Report,
    files: &[OutputFile],
    title: &str,
    sources: &dyn SourceProvider,
) -> Result<(), String> {
    let options = RenderOptions { title: title.to_owned(), ..RenderOptions::default() };
    for file in files {
        let mut out = Vec::new();
        anton_report::render_with(report, file.format, &options, sources, &Registry, &mut out)
            .and_then(|()| std::fs::write(&file.path, anton_core::secrets::redact(&String::from_utf8_lossy(&out)).as_bytes()))
            .map_err(|error| format!("--output-file {}={}: {error}", file.format, file.path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_files_are_format_equals_path() {
        assert_eq!(
            parse_output_file("sarif=out/anton.sarif"),
            Ok(OutputFile { format: Format::Sarif, path: PathBuf::from("out/anton.sarif") })
        );
        assert!(parse_output_file("anton.sarif").unwrap_err().contains("FORMAT=PATH"));
        assert!(parse_output_file("xml=a.xml").unwrap_err().contains("unknown output format"));
    }
}
