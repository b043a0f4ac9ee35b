//! Rule flags of `anton validate` and extra report files (`--output-file
//! FORMAT=PATH`); the rules run in `anton_engine::validate`.

use std::path::PathBuf;

use anton_core::Report;
pub use anton_engine::rules::Registry;
use anton_report::{Format, RenderOptions, SourceProvider};
use clap::Args;

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

impl LintArgs {
    /// The engine's rule options.
    pub fn rule_options(&self) -> anton_engine::validate::RuleOptions {
        anton_engine::validate::RuleOptions {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            config: self.config.clone(),
        }
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
