use std::process::ExitCode;

use anton_cli::cli::{Cli, Command};
use anton_cli::commands;
use clap::Parser;

// Many small trees are built and dropped on two or more threads; mimalloc's
// thread-local heaps keep that out of the kernel (glibc's arenas grow with
// mprotect/page faults and were a fifth of a large run's time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(commands::usage_error(&error, std::env::args_os().skip(1)) as u8),
    };
    let status = match &cli.command {
        Command::Validate(args) => commands::validate::run(args, &cli.global),
        Command::Get(args) => commands::get::run(args, &cli.global),
        Command::Diff(args) => commands::diff::run(args, &cli.global),
        Command::Rules(args) => commands::rules::run(args, &cli.global),
        Command::InitConfig(args) => commands::init_config::run(args),
        Command::Check(args) => commands::check::run(args, &cli.global),
        Command::Health(args) => commands::health::run(args, &cli.global),
        Command::Storage(args) => commands::storage::run(args, &cli.global),
        Command::Network(args) => commands::network::run(args, &cli.global),
        Command::Secrets(args) => commands::secrets::run(args, &cli.global),
        Command::Flux(args) => commands::flux::run(args, &cli.global),
        Command::Schemas(args) => commands::schemas::run(args, &cli.global),
        Command::Watch(args) => commands::watch::run(args, &cli.global),
        Command::Build(args) => commands::build::run(args, &cli.global),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
        Command::Mcp(args) => commands::mcp::run(args),
    };
    ExitCode::from(status as u8)
}
