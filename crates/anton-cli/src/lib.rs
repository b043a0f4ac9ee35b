//! The `anton` command line: flags, the default target, and the commands
//! that wire the repository engine to the renderers.

pub mod cli;
pub mod commands;
pub mod table;
pub use anton_engine::target;
