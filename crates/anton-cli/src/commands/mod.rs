//! The commands. Each builds one [`anton_core::Report`] and hands it to a renderer.

pub mod analysis;
pub mod build;
pub mod diff;
pub mod flux;
pub mod get;
pub mod health;
pub mod init_config;
pub mod lint;
pub mod live;
pub mod rules;
pub mod schemas;
pub mod storage;
pub mod validate;

use std::io::Write;
use std::path::{Path, PathBuf};

use anton_core::{ExitStatus, Report};
use anton_report::{DiskSources, Format, RenderOptions, SourceProvider};

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

/// Standard output, buffered: a report of thousands of lines is written in
/// a few system calls instead of one per line. Dropping it flushes.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
}

/// Code frames from the texts a load already read, and from disk for any
/// other file: a report over a large repository reads nothing twice.
pub struct RepositorySources<'r> {
    repo: &'r anton_repo::Repository,
    disk: DiskSources,
}

impl<'r> RepositorySources<'r> {
    pub fn new(repo: &'r anton_repo::Repository) -> Self {
        Self { repo, disk: DiskSources::new(&repo.root) }
    }
}

impl SourceProvider for RepositorySources<'_> {
    fn source(&self, file: &str) -> Option<std::borrow::Cow<'_, str>> {
        match self.repo.text(file) {
            Some(text) => Some(std::borrow::Cow::Borrowed(text)),
            None => self.disk.source(file),
        }
    }
}

/// Renders a report to stdout in the chosen format and returns its exit status.
pub fn emit(report: &Report, global: &GlobalArgs, title: &str, source_root: Option<&Path>) -> ExitStatus {
    match source_root {
        Some(root) => emit_with(report, global, title, &DiskSources::new(root)),
        None => emit_with(report, global, title, &()),
    }
}

/// [`emit`], with code frames from `sources`.
pub fn emit_with(report: &Report, global: &GlobalArgs, title: &str, sources: &dyn SourceProvider) -> ExitStatus {
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
    let mut out = stdout();
    // A closed pipe (`anton validate | head`) is not an error worth reporting.
    let _ = anton_report::render_with(report, format, &options, sources, &lint::Registry, &mut out);
    let _ = out.flush();
    report.exit_status()
}
