use std::process::ExitCode;

use anton_cli::cli::{Cli, Command};
use anton_cli::commands;
use clap::Parser;

// Many small trees are built and dropped on two or more threads; mimalloc's
// thread-local heaps keep that out of the kernel (glibc's arenas grow with
// mprotect/page faults and were a fifth of a large run's time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h, v2, as the locked
/// libmimalloc-sys builds it).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

unsafe extern "C" {
    // In the mimalloc library libmimalloc-sys links in; that crate declares
    // it only behind a feature that needs another dependency.
    fn mi_option_set_default(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// mimalloc gives freed memory back to the kernel after 10 ms; a large
/// validation frees and reuses hundreds of megabytes within a second, and
/// every page given back is zeroed again by the kernel when reused (a fifth
/// of a 10,000-file run). One second keeps a run's memory while it works and
/// still returns it in the long-running commands (watch, mcp): within a
/// second, or ten for memory in mimalloc's arenas (`arena_purge_mult`).
/// `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn keep_freed_memory_for_a_second() {
    // SAFETY: sets an integer option; any value is valid for this option.
    unsafe { mi_option_set_default(MI_OPTION_PURGE_DELAY, 1000) }
}

fn main() -> ExitCode {
    keep_freed_memory_for_a_second();
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
