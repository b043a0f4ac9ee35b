//! `anton init-config`: writes a commented default `.anton.toml`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anton_core::ExitStatus;
use anton_lint::{CONFIG_FILE_NAME, default_config_text};
use clap::Args;

#[derive(Debug, Args)]
pub struct InitConfigArgs {
    /// Repository root to write .anton.toml into. Default: the root of the git
    /// repository around the current folder, else the current folder.
    pub path: Option<PathBuf>,
    /// Overwrite an existing .anton.toml.
    #[arg(long)]
    pub force: bool,
}

pub const AFTER_HELP: &str = "Examples:\n  anton init-config\n  anton init-config ./my-cluster --force";

pub fn run(args: &InitConfigArgs) -> ExitStatus {
    let folder = match &args.path {
        Some(path) => path.clone(),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            anton_repo::find_repository_root(&cwd).unwrap_or(cwd)
        }
    };
    if !folder.is_dir() {
        eprintln!("error: {}: no such folder", folder.display());
        return ExitStatus::ToolError;
    }
    let path = folder.join(CONFIG_FILE_NAME);
    match write_config(&path, args.force) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitStatus::Healthy
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitStatus::ToolError
        }
    }
}

/// Writes the default configuration to `path`, never through a symbolic
/// link (a `.anton.toml` linked out of the repository would make anton write,
/// or with --force overwrite, a file elsewhere) and never onto a special file.
/// The text goes to a new file beside it first and is renamed into place:
/// a rename replaces a name, it does not follow it.
fn write_config(path: &Path, force: bool) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            let target = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_else(|_| "?".into());
            return Err(format!(
                "{} is a symbolic link (to {target}); anton init-config does not write through links. Remove the link, or edit the file it points to yourself",
                path.display()
            ));
        }
        Ok(metadata) if !metadata.is_file() => {
            return Err(format!("{} exists and is not a regular file; remove it first", path.display()));
        }
        Ok(_) if !force => return Err(format!("{} already exists; pass --force to overwrite it", path.display())),
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(format!("{}: cannot be checked: {error}", path.display())),
    }
    let temporary = path.with_file_name(format!(".anton.toml.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(default_config_text().as_bytes()))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        format!("{}: cannot be written: {error}", path.display())
    })
}
