//! `anton mcp`: serve anton to AI agents over the Model Context Protocol
//! (stdio). The server is `anton-mcp`; this file only turns flags into its
//! options. Stdout is the protocol channel: nothing here writes to it.

use std::io::Write;
use std::time::Duration;

use anton_core::ExitStatus;
use clap::Args;

use crate::commands::live::KubeArgs;

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Also offer the tools that change the cluster: flux_reconcile,
    /// flux_suspend and flux_resume. Without it they do not exist.
    #[arg(long)]
    pub allow_writes: bool,
    /// Upper bound for one tool call; a call still running then answers with
    /// an error (and runs on: at most 8 calls run at once, more are answered
    /// "busy"). A write waits at least as long as its own timeout.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = anton_health::util::parse_duration)]
    pub timeout: Duration,
    #[command(flatten)]
    pub kube: KubeArgs,
}

/// `--help`'s epilogue; the tool names come from the server's table.
pub fn after_help() -> String {
    format!(
        "Register it with an MCP client, e.g.:\n  claude mcp add anton -- anton mcp\n  claude mcp add anton-admin -- anton mcp --allow-writes --context home\n\n\
Tools: {}.\nWith --allow-writes also {}.\nEach answers with the --json report contract as structured content and a short text.",
        anton_mcp::tool_names(false).join(", "),
        anton_mcp::tool_names(true).join(", ")
    )
}

pub fn run(args: &McpArgs) -> ExitStatus {
    let options = anton_mcp::ServeOptions { allow_writes: args.allow_writes, kube: args.kube.options(), call_timeout: args.timeout };
    match anton_mcp::serve_stdio(options) {
        Ok(()) => ExitStatus::Healthy,
        Err(message) => {
            let _ = writeln!(super::stderr(), "anton mcp: {message}");
            ExitStatus::ToolError
        }
    }
}
