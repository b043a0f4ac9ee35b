//! `anton init-config`: writes a commented default `.anton.toml`.

use std::path::PathBuf;

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
    if path.exists() && !args.force {
        eprintln!("error: {} already exists; pass --force to overwrite it", path.display());
        return ExitStatus::ToolError;
    }
    match std::fs::write(&path, default_config_text()) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitStatus::Healthy
        }
        Err(error) => {
            eprintln!("error: {}: cannot be written: {error}", path.display());
            ExitStatus::ToolError
        }
    }
}
