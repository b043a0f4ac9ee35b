//! The commands. Each builds one [`anton_core::Report`] and hands it to a renderer.

pub mod analysis;
pub mod build;
pub mod diff;
pub mod flux;
pub mod get;
pub mod health;
pub mod init_config;
pub mod lint;
pub mod rules;
pub mod schemas;
pub mod validate;

use std::io::Write;
use std::path::{Path, PathBuf};

use anton_core::{ExitStatus, Report};
use anton_report::{DiskSources, Format, RenderOptions};

use crate::cli::{GlobalArgs, OutputFormat};

/// Where a command's target is, resolved against the current folder.
pub fn resolve_target(path: Option<&Path>) -> PathBuf {
    match path {
        Some(path) => path.to_path_buf(),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            crate::target::default_target(&cwd)
        }
    }
}

/// Renders a report to stdout in the chosen format and returns its exit status.
pub fn emit(report: &Report, global: &GlobalArgs, title: &str, source_root: Option<&Path>) -> ExitStatus {
    let format = match global.output_format() {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Github => Format::Github,
        OutputFormat::Markdown => Format::Markdown,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
    };
    let options = RenderOptions {
        color: global.use_color(),
        verbose: global.verbose,
        quiet: global.quiet,
        title: title.to_owned(),
    };
    let sources: Box<dyn anton_report::SourceProvider> = match source_root {
        Some(root) => Box::new(DiskSources::new(root)),
        None => Box::new(()),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A closed pipe (`anton validate | head`) is not an error worth reporting.
    let _ = anton_report::render_with(report, format, &options, sources.as_ref(), &lint::Registry, &mut out);
    let _ = out.flush();
    report.exit_status()
}
