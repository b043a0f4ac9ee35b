//! `anton man`: manual pages in roff, generated from the clap definition
//! (clap_mangen), so they say exactly what `--help` says.

use std::io::Write;
use std::path::{Path, PathBuf};

use anton_core::ExitStatus;
use clap::{Args, CommandFactory};

use crate::cli::Cli;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command into this folder (anton.1, anton-validate.1,
    /// anton-flux-reconcile.1, …), creating it if needed and replacing pages
    /// of the same name. Without it, the page of `anton` itself goes to stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub const AFTER_HELP: &str = "Examples:\n  anton man | man -l -                        # read the top page now\n  anton man --dir ~/.local/share/man/man1     # every page, where `man anton-validate` finds them";

pub fn run(args: &ManArgs) -> ExitStatus {
    let result = match &args.dir {
        None => {
            let page = pages().into_iter().next().map(|(_, page)| page).unwrap_or_default();
            let mut out = super::definition_stdout();
            match out.write_all(&page).and_then(|()| out.flush()) {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("cannot write the manual page: {error}"))
                }
                _ => Ok(()),
            }
        }
        Some(dir) => write_pages(dir).map(|written| {
            let mut out = super::stdout();
            let _ = writeln!(
                out,
                "wrote {} manual pages to {} ({}); read one with `man -l {}`",
                written.len(),
                dir.display(),
                written.join(", "),
                dir.join("anton-validate.1").display()
            );
        }),
    };
    match result {
        Ok(()) => ExitStatus::Healthy,
        Err(message) => {
            let _ = writeln!(super::stderr(), "error: {message}");
            ExitStatus::ToolError
        }
    }
}

/// Every page, `anton.1` first, then its subcommands depth first: file name
/// and roff text. `help` is left out: these pages replace it.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut command = Cli::command().disable_help_subcommand(true);
    // Built, subcommands know their full names (`anton-flux-reconcile`).
    command.build();
    let mut pages = Vec::new();
    collect(command, &mut pages);
    pages
}

fn collect(command: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) {
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    // Rendering into memory cannot fail.
    let _ = man.render(&mut page);
    pages.push((man.get_filename(), page));
    for subcommand in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(subcommand.clone(), pages);
    }
}

fn write_pages(dir: &Path) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|error| format!("{}: cannot create the folder: {error}", dir.display()))?;
    let mut written = Vec::new();
    for (name, page) in pages() {
        let path = dir.join(&name);
        std::fs::write(&path, page).map_err(|error| format!("{}: cannot be written: {error}", path.display()))?;
        written.push(name);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_a_page_for_every_visible_command_and_none_for_help() {
        let names: Vec<String> = pages().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names.first().map(String::as_str), Some("anton.1"));
        for expected in ["anton-validate.1", "anton-get.1", "anton-flux.1", "anton-completions.1", "anton-man.1"] {
            assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
        }
        assert!(names.iter().any(|n| n.starts_with("anton-flux-") && n.ends_with(".1")), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }
}
