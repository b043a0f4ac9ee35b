//! `anton mcp`: anton over the Model Context Protocol, for AI agents.
//!
//! The server speaks MCP over stdio (the official Rust SDK, `rmcp`). Every
//! tool is a thin adapter over an [`anton_engine`] call — the same functions
//! the commands run — and answers with the report contract
//! (`{status, timestamp, summary, details, issues}`) as structured content
//! plus a short text an agent can quote. Long lists are paged, never cut
//! silently; every string is redacted as the CLI's output is, so no Secret
//! value leaves the process.
//!
//! Read-only by default: the write tools (`flux_reconcile`, `flux_suspend`,
//! `flux_resume`) exist only when the server was started with
//! [`ServeOptions::allow_writes`].
//!
//! Stdout is the protocol channel; nothing else may write to it. anton's
//! engine prints nothing, and this crate logs to stderr only.

mod page;
mod server;
mod tools;

use std::time::Duration;

use anton_engine::live::KubeOptions;

pub use server::AntonServer;

/// How `anton mcp` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Offer the tools that change the cluster (Flux reconcile, suspend, resume).
    pub allow_writes: bool,
    /// How every live tool reaches the cluster.
    pub kube: KubeOptions,
    /// Upper bound for one tool call; a call still running then answers
    /// with an error report (its work is abandoned, not waited for).
    pub call_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { allow_writes: false, kube: KubeOptions::default(), call_timeout: Duration::from_secs(300) }
    }
}

/// The names of the tools that read (`writes: false`) or the ones that
/// change the cluster (`writes: true`), in the order they are listed.
pub fn tool_names(writes: bool) -> Vec<&'static str> {
    tools::TOOLS.iter().filter(|tool| tool.writes == writes).map(|tool| tool.name).collect()
}

/// Serves MCP on stdin/stdout until the client closes the connection.
/// `Err`: the server could not start or the transport failed.
pub fn serve_stdio(options: ServeOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the MCP server's runtime: {e}"))?;
    runtime.block_on(async move {
        use rmcp::ServiceExt;
        let service = AntonServer::new(options)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("MCP initialization failed: {e}"))?;
        service.waiting().await.map_err(|e| format!("the MCP server stopped: {e}"))?;
        Ok(())
    })
}
