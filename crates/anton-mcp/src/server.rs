//! The MCP server: the tool list (the write tools only with writes
//! allowed), argument checks, and each call on its own thread with a
//! timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anton_core::Report;
use rmcp::ErrorData;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler};
use serde_json::Value;

use crate::ServeOptions;
use crate::page;
use crate::tools::{self, Answer, ToolSpec};

/// Slack on top of a write's own wait before the call is given up.
const WRITE_SLACK: Duration = Duration::from_secs(30);

/// Calls that may run at once, those given up after their timeout included
/// (their threads run on): beyond it a call is refused, not queued, so a
/// client that keeps retrying a call that hangs cannot pile up threads.
const MAX_RUNNING: usize = 8;

/// The calls running now, counted across the server's clones.
#[derive(Debug, Clone, Default)]
struct Running(Arc<AtomicUsize>);

/// One running call; the count goes down when its thread ends.
struct Slot(Arc<AtomicUsize>);

impl Running {
    /// A slot, or `None` when `limit` calls are running.
    fn take(&self, limit: usize) -> Option<Slot> {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |running| (running < limit).then_some(running + 1))
            .ok()
            .map(|_| Slot(Arc::clone(&self.0)))
    }

    #[cfg(test)]
    fn count(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// anton as an MCP server ([`rmcp::ServerHandler`]).
#[derive(Debug, Clone)]
pub struct AntonServer {
    options: ServeOptions,
    running: Running,
}

impl AntonServer {
    pub fn new(options: ServeOptions) -> Self {
        Self { options, running: Running::default() }
    }

    fn offered(&self) -> impl Iterator<Item = &'static ToolSpec> + '_ {
        tools::TOOLS.iter().filter(|tool| self.options.allow_writes || !tool.writes)
    }

    fn tool(spec: &ToolSpec) -> Tool {
        let annotations = ToolAnnotations::with_title(spec.title)
            .read_only(!spec.writes)
            .destructive(spec.writes)
            // Reconcile and suspend may be repeated to the same effect; reading always can.
            .idempotent(true)
            .open_world(spec.live);
        Tool::new(spec.name, spec.description, (spec.schema)())
            .with_title(spec.title)
            .with_raw_output_schema(report_schema())
            .with_annotations(annotations)
    }

    async fn run(&self, spec: &'static ToolSpec, arguments: Value) -> Result<CallToolResult, ErrorData> {
        let call = tools::prepare(spec, arguments, &self.options.kube)
            .map_err(|message| ErrorData::invalid_params(message, None))?;
        let limit = match call.wait {
            Some(wait) => self.options.call_timeout.max(wait + WRITE_SLACK),
            None => self.options.call_timeout,
        };
        let Some(slot) = self.running.take(MAX_RUNNING) else {
            let busy = Report::tool_error(format!(
                "anton is busy: {MAX_RUNNING} calls are still running (calls that timed out run on until they end); try again later"
            ));
            return Ok(respond(spec.name, &Answer::from(busy), call.paging));
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let run = call.run;
        // Its own thread, not the runtime's: the engine's calls block and
        // start their own small runtime. A call that times out is left to
        // finish (holding its slot); its answer is dropped.
        let spawned = std::thread::Builder::new().name(format!("mcp-{}", spec.name)).spawn(move || {
            let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
            // Free before answering: a client may call again at once.
            drop(slot);
            let _ = sender.send(answer);
        });
        if let Err(error) = spawned {
            return Err(ErrorData::internal_error(format!("cannot start the call: {error}"), None));
        }
        let answer = match tokio::time::timeout(limit, receiver).await {
            Ok(Ok(Ok(answer))) => answer,
            Ok(Ok(Err(_))) | Ok(Err(_)) => Answer::from(Report::tool_error(format!(
                "anton {} failed unexpectedly (a bug in anton: please report it with the arguments used)",
                spec.name
            ))),
            Err(_) => Answer::from(Report::tool_error(format!(
                "anton {} did not finish within {}s (anton mcp --timeout); narrow the call (a namespace, a path) or raise the timeout",
                spec.name,
                limit.as_secs()
            ))),
        };
        Ok(respond(spec.name, &answer, call.paging))
    }
}

/// The answer as a tool result: structured report, text summary; a report
/// with status `error` is a tool error.
fn respond(tool: &str, answer: &Answer, paging: page::Paging) -> CallToolResult {
    let (structured, note) = page::structured(&answer.report, paging);
    let text = page::text(tool, &answer.report, answer.text.as_deref(), &answer.lines, note.as_deref());
    let failed = answer.report.status == anton_core::Status::Error;
    let mut result = if failed { CallToolResult::error(vec![ContentBlock::text(text)]) } else { CallToolResult::success(vec![ContentBlock::text(text)]) };
    result.structured_content = Some(structured);
    result
}

/// The report contract as a JSON schema: what every tool's structured content is.
fn report_schema() -> std::sync::Arc<rmcp::model::JsonObject> {
    let schema = serde_json::json!({
        "type": "object",
        "description": "anton's report contract, as every command's --json writes it.",
        "properties": {
            "status": {"type": "string", "enum": ["healthy", "warning", "critical", "error"]},
            "timestamp": {"type": "string", "description": "RFC 3339"},
            "summary": {
                "type": "object",
                "properties": {
                    "total": {"type": "integer"},
                    "healthy": {"type": "integer"},
                    "warnings": {"type": "integer"},
                    "critical": {"type": "integer"}
                },
                "required": ["total", "healthy", "warnings", "critical"]
            },
            "details": {"type": "object", "description": "The command's own data: findings, items, …; `page` when long lists were paged."},
            "issues": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["status", "timestamp", "summary", "details", "issues"]
    });
    match schema {
        Value::Object(map) => std::sync::Arc::new(map),
        _ => std::sync::Arc::new(serde_json::Map::new()),
    }
}

/// What the server tells the client about itself; the tool names come from the table.
fn instructions(allow_writes: bool) -> String {
    let names = |live: bool| {
        tools::TOOLS.iter().filter(|t| !t.writes && t.live == live).map(|t| t.name).collect::<Vec<_>>().join(", ")
    };
    let mut text = format!(
        "anton checks a Flux GitOps repository offline ({}) and a live cluster ({}); check runs validate and every \
live suite at once. Every tool answers with anton's report contract {{status, timestamp, summary, details, issues}}; \
details.findings carry a rule, severity, object or file:line:col, message and hint. Long lists are paged: \
details.page says so; pass page to read on. Secret values are never returned.",
        names(false),
        names(true)
    );
    if allow_writes {
        text.push_str(&format!(" Writes are allowed: {} change the cluster.", crate::tool_names(true).join(", ")));
    } else {
        text.push_str(" Read-only: the server was started without --allow-writes.");
    }
    text
}

impl ServerHandler for AntonServer {
    fn get_info(&self) -> ServerConfig {
        let mut info = Implementation::new("anton", env!("CARGO_PKG_VERSION"));
        info.title = Some("anton".into());
        let instructions = instructions(self.options.allow_writes);
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(info)
            .with_instructions(instructions)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.offered().map(Self::tool).collect()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.offered().find(|tool| tool.name == name).map(Self::tool)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        let Some(spec) = tools::find(name) else {
            return Err(ErrorData::invalid_params(format!("no tool named `{name}`; tools/list names them"), None));
        };
        if spec.writes && !self.options.allow_writes {
            return Err(ErrorData::invalid_params(
                format!("`{name}` changes the cluster and is not offered: start the server with `anton mcp --allow-writes`"),
                None,
            ));
        }
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        self.run(spec, arguments).await.map(CallToolResponse::from)
    }
}

#[cfg(test)]
mod tests {
    use super::Running;

    #[test]
    fn calls_beyond_the_limit_are_refused_until_one_ends() {
        let running = Running::default();
        let first = running.take(2).expect("a first slot");
        let second = running.take(2).expect("a second slot");
        assert!(running.take(2).is_none(), "a third call must be refused");
        assert_eq!(running.count(), 2);
        drop(first);
        let third = running.take(2).expect("a slot again once a call ended");
        drop((second, third));
        assert_eq!(running.count(), 0);
    }
}
