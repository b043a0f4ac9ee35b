//! The commands. Each builds one [`anton_core::Report`] and hands it to a renderer.

pub mod build;
pub mod check;
pub mod completions;
pub mod diff;
pub mod flux;
pub mod get;
pub mod health;
pub mod init_config;
pub mod lint;
pub mod live;
pub mod man;
pub mod mcp;
pub mod network;
pub mod rules;
pub mod schemas;
pub mod secrets;
pub mod storage;
pub mod validate;
pub mod watch;

/// The offline pipeline, now in the engine (kept here for the benchmarks).
pub use anton_engine::analysis;
pub use anton_engine::validate::RepositorySources;

use std::io::Write;
use std::path::{Path, PathBuf};

use anton_core::secrets::RedactingWriter;
use anton_core::{ExitStatus, Report};
use anton_report::{DiskSources, Format, RenderOptions, SourceProvider};

use crate::cli::{GlobalArgs, OutputFormat};

/// Where a command's target is, resolved against the current folder.
pub fn resolve_target(path: Option<&Path>) -> PathBuf {
    anton_engine::target::resolve_target(path)
}

/// Standard output, buffered: a report of thousands of lines is written in
/// a few system calls instead of one per line. Everything passes through
/// [`anton_core::secrets`], so no secret value reaches the terminal or a CI
/// log whichever message carries it. Dropping it flushes.
pub fn stdout() -> RedactingWriter<std::io::BufWriter<std::io::StdoutLock<'static>>> {
    RedactingWriter::new(std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()))
}

/// Standard output for text made only from anton's own command-line
/// definition (completion scripts, man pages): it holds no user data, and the
/// redaction would break it — `rotate-token:Replace only…` reads as a
/// credential key with its value.
pub fn definition_stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
}

/// Standard error (colour handled by anstream), redacted like [`stdout`].
pub fn stderr() -> RedactingWriter<anstream::Stderr> {
    RedactingWriter::new(anstream::stderr())
}

/// Renders a report to stdout in the chosen format and returns its exit status.
pub fn emit(report: &Report, global: &GlobalArgs, title: &str, source_root: Option<&Path>) -> ExitStatus {
    match source_root {
        Some(root) => emit_with(report, global, title, &DiskSources::new(root)),
        None => emit_with(report, global, title, &()),
    }
}

/// The format and render options the command line asked for; text tables
/// are fitted to `width` (`None`: full cells).
pub fn render_setup(global: &GlobalArgs, title: &str, width: Option<usize>) -> (Format, RenderOptions) {
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
        width,
    };
    (format, options)
}

/// [`emit`], with code frames from `sources`.
pub fn emit_with(report: &Report, global: &GlobalArgs, title: &str, sources: &dyn SourceProvider) -> ExitStatus {
    let (format, options) = render_setup(global, title, None);
    let mut out = stdout();
    // A closed pipe (`anton validate | head`) is not an error worth reporting.
    let _ = anton_report::render_with(report, format, &options, sources, &anton_engine::rules::Registry, &mut out);
    let _ = out.flush();
    report.exit_status()
}

/// A command line clap refused. `--help` and `--version` print and exit 0;
/// anything else is a usage error, which the contract calls "anton could not
/// do its job" (exit 3) — clap's own exit 2 would read as "critical findings"
/// to every pipeline. With `--json`/`--format json` the error is also the JSON
/// report, so a pipeline parsing stdout gets `status: error`.
pub fn usage_error(error: &clap::Error, args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitStatus {
    use clap::error::ErrorKind;
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        return ExitStatus::Healthy;
    }
    // `anton` alone prints the help too, but as what it is: a usage error.
    let _ = write!(std::io::stderr(), "{}", error.render());
    if wants_json(args) {
        let text = error.render().to_string();
        let first = text.lines().next().unwrap_or("invalid command line");
        let message = first.strip_prefix("error: ").unwrap_or(first).trim().to_owned();
        let report = Report::tool_error(format!("usage: {message} (see `anton --help`)"));
        let mut out = stdout();
        let _ = anton_report::render(&report, Format::Json, &RenderOptions::default(), &(), &mut out);
        let _ = out.flush();
    }
    ExitStatus::ToolError
}

/// Whether a raw command line asks for JSON (`--json`, `--format json`,
/// `--format=json`), read without clap since clap just refused it.
fn wants_json(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    args.iter().enumerate().any(|(i, arg)| {
        arg == "--json"
            || arg.eq_ignore_ascii_case("--format=json")
            || (arg == "--format" && args.get(i + 1).is_some_and(|v| v.eq_ignore_ascii_case("json")))
    })
}
