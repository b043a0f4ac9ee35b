//! Tables for people (`anton get`, `anton flux status`, `anton build --summary`,
//! `anton rules`): columns aligned like `kubectl get`, fitted to the terminal.
//!
//! On a terminal a table wider than the window gives up width in the columns
//! that may be shortened, widest first, and a shortened cell ends (or, for a
//! path, starts) with `…`. Names, namespaces and flags are never shortened.
//! `-o wide`, and any stdout that is not a terminal (a pipe, a file, CI),
//! get every cell in full: what a script reads must be the whole value.

use std::io::IsTerminal;

use clap::{Args, ValueEnum};
pub use anton_report::table::{Fit, Table};

/// `-o wide`, for every command that prints a table.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct TableArgs {
    /// `wide`: print every cell in full. Otherwise a table is fitted to the
    /// terminal and long cells end in `…`; when stdout is not a terminal
    /// (a pipe, a file), cells are always printed in full.
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
    pub output: Option<TableOutput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOutput {
    /// Every cell in full, however wide the terminal.
    Wide,
}

impl TableArgs {
    /// The width to fit tables to: `None` for full cells.
    pub fn width(&self) -> Option<usize> {
        if self.output == Some(TableOutput::Wide) {
            return None;
        }
        terminal_width()
    }
}

/// The width of the terminal stdout is, or `None` when stdout is not a
/// terminal. `COLUMNS` (as `ls` and clap honour it) overrides the size the
/// terminal reports.
pub fn terminal_width() -> Option<usize> {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let from_env = std::env::var("COLUMNS").ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|&w| w > 0);
    from_env.or_else(|| terminal_size::terminal_size_of(&stdout).map(|(width, _)| usize::from(width.0)))
}

