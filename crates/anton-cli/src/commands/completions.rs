//! `anton completions SHELL`: a completion script generated from the clap
//! definition, so it always knows every subcommand and flag of this binary.

use std::io::Write;

use anton_core::ExitStatus;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub const AFTER_HELP: &str = "Examples:\n  source <(anton completions bash)                      # this bash session; add it to ~/.bashrc to keep it\n  anton completions zsh > \"${fpath[1]}/_anton\"           # zsh, then start a new shell\n  anton completions fish > ~/.config/fish/completions/anton.fish\n  anton completions powershell >> $PROFILE";

pub fn run(args: &CompletionsArgs) -> ExitStatus {
    let script = script(args.shell);
    let mut out = super::definition_stdout();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Ok(()) => ExitStatus::Healthy,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Healthy,
        Err(error) => {
            drop(out);
            let _ = writeln!(super::stderr(), "error: cannot write the completion script: {error}");
            ExitStatus::ToolError
        }
    }
}

/// The completion script for `shell`, for the command named `anton`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "anton", &mut script);
    script
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_script_names_every_subcommand() {
        for shell in Shell::value_variants() {
            let script = String::from_utf8(script(*shell)).expect("UTF-8 script");
            for subcommand in Cli::command().get_subcommands() {
                assert!(script.contains(subcommand.get_name()), "{shell}: no `{}`", subcommand.get_name());
            }
        }
    }
}
