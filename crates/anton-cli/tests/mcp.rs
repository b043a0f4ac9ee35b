//! `anton mcp` from the outside: the real binary as a subprocess, driven by
//! the official Rust MCP SDK's client (rmcp) and once by the official
//! Python SDK's client. Offline tools on fixture repositories (compared
//! with the same command's `--json`), live tools and the writes on the real
//! test API server.

mod live_support;

#[path = "../../anton-diff/tests/common/mod.rs"]
mod diff_common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use live_support::*;
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::TokioChildProcess;
use rmcp::{ServiceExt, ErrorData};
use serde_json::{Value, json};

static SERVER: Shared = Shared::new(2);

const READ_TOOLS: [&str; 11] =
    ["build", "check", "diff", "explain_rule", "flux_status", "get", "health", "network", "secrets", "storage", "validate"];
/// The suites of `anton check`, in its order.
const SUITES: [&str; 6] = ["validate", "health", "flux", "storage", "secrets", "network"];
const WRITE_TOOLS: [&str; 3] = ["flux_reconcile", "flux_resume", "flux_suspend"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn anton_binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("anton")
}

/// A client connected to `anton mcp ARGS…` (kubeconfig: none unless given).
struct Client {
    service: RunningService<RoleClient, ()>,
}

impl Client {
    async fn start(args: &[&str], kubeconfig: Option<&Path>) -> Client {
        let mut command = tokio::process::Command::new(anton_binary());
        command.arg("mcp").args(args).env_remove("KUBECONFIG").env("NO_COLOR", "1");
        match kubeconfig {
            Some(path) => {
                command.arg("--kubeconfig").arg(path);
            }
            // No cluster: a kubeconfig that does not exist.
            None => {
                command.env("KUBECONFIG", "/nonexistent/anton-mcp-test-kubeconfig");
            }
        }
        let transport = TokioChildProcess::new(command).expect("start anton mcp");
        let service = ().serve(transport).await.expect("MCP initialize");
        Client { service }
    }

    async fn tools(&self) -> Vec<Tool> {
        self.service.list_all_tools().await.expect("tools/list")
    }

    async fn try_call(&self, tool: &str, arguments: Value) -> Result<CallToolResult, ServiceError> {
        let Value::Object(arguments) = arguments else { panic!("arguments are an object") };
        self.service.call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments)).await
    }

    /// A call that must answer (maybe with a tool error): structured report and text.
    async fn call(&self, tool: &str, arguments: Value) -> (Value, String, bool) {
        let result = self.try_call(tool, arguments.clone()).await.unwrap_or_else(|e| panic!("{tool} {arguments}: {e}"));
        let text = result.content.iter().filter_map(|c| c.as_text()).map(|t| t.text.clone()).collect::<Vec<_>>().join("\n");
        let structured = result.structured_content.clone().unwrap_or_else(|| panic!("{tool}: no structured content: {text}"));
        for key in ["status", "timestamp", "summary", "details", "issues"] {
            assert!(structured.get(key).is_some(), "{tool}: the report has no {key}: {structured}");
        }
        (structured, text, result.is_error == Some(true))
    }

    /// A call that must be refused as a bad request; the message.
    async fn refused(&self, tool: &str, arguments: Value) -> String {
        match self.try_call(tool, arguments.clone()).await {
            Err(ServiceError::McpError(ErrorData { message, .. })) => message.into_owned(),
            other => panic!("{tool} {arguments}: expected a JSON-RPC error, got {other:?}"),
        }
    }

    async fn stop(self) {
        let _ = self.service.cancel().await;
    }
}

fn names(tools: &[Tool]) -> Vec<String> {
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    names
}

/// The `anton ARGS… --json` report, with no cluster (as the server started without one).
fn cli_json(args: &[&str]) -> Value {
    let output = std::process::Command::new(anton_binary())
        .args(args)
        .arg("--json")
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", "/nonexistent/anton-mcp-test-kubeconfig")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .expect("run anton");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("anton {args:?} --json is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// What two reports of the same run share (the timestamp and paging aside).
fn comparable(report: &Value) -> Value {
    let mut report = report.clone();
    report.as_object_mut().map(|r| r.remove("timestamp"));
    report["details"].as_object_mut().map(|d| {
        d.remove("page");
        d.remove("api");
        d.remove("timingsMs");
    });
    report
}

/// A check report without what changes between runs: timestamps, durations, paging.
fn comparable_check(report: &Value) -> Value {
    let mut report = comparable(report);
    if let Some(suites) = report["details"]["suites"].as_object_mut() {
        for suite in suites.values_mut() {
            *suite = comparable_suite(suite);
        }
    }
    report
}

/// One suite's report of a check, without its timestamp and duration.
fn comparable_suite(suite: &Value) -> Value {
    let mut suite = comparable(suite);
    suite.as_object_mut().map(|s| s.remove("durationMs"));
    suite
}

/// The suites a check ran, in the report's order.
fn suites_of(report: &Value) -> Vec<String> {
    report["details"]["suites"].as_object().map(|s| s.keys().cloned().collect()).unwrap_or_default()
}

fn rules(report: &Value) -> Vec<String> {
    let mut rules: Vec<String> =
        findings(report).iter().map(|f| f["rule"].as_str().unwrap_or("").to_owned()).collect();
    rules.sort();
    rules
}

#[tokio::test]
async fn read_only_by_default_and_writes_only_with_the_flag() {
    let client = Client::start(&[], None).await;
    let info = client.service.peer_info().expect("server info");
    assert_eq!(info.server_info.as_ref().map(|i| i.name.as_str()), Some("anton"));
    let tools = client.tools().await;
    assert_eq!(names(&tools), READ_TOOLS);
    for tool in &tools {
        let annotations = tool.annotations.as_ref().unwrap_or_else(|| panic!("{} has no annotations", tool.name));
        assert_eq!(annotations.read_only_hint, Some(true), "{}", tool.name);
        assert_eq!(annotations.destructive_hint, Some(false), "{}", tool.name);
        assert!(tool.description.as_ref().is_some_and(|d| d.len() > 60), "{} needs a precise description", tool.name);
        assert_eq!(tool.input_schema.get("type"), Some(&json!("object")), "{}", tool.name);
        assert!(tool.output_schema.is_some(), "{}", tool.name);
    }
    let get = tools.iter().find(|t| t.name == "get").unwrap();
    assert_eq!(get.input_schema["required"], json!(["what"]), "{:?}", get.input_schema);
    // check's `only` lists the engine's suites, so a client can offer them.
    let check = tools.iter().find(|t| t.name == "check").unwrap();
    assert_eq!(check.input_schema["properties"]["only"]["items"]["enum"], json!(SUITES), "{:?}", check.input_schema);
    // Not listed, and not callable either.
    let refused = client.refused("flux_suspend", json!({"kind": "Kustomization", "name": "apps"})).await;
    assert!(refused.contains("--allow-writes"), "{refused}");
    client.stop().await;

    let client = Client::start(&["--allow-writes"], None).await;
    let tools = client.tools().await;
    let mut all: Vec<&str> = READ_TOOLS.iter().chain(WRITE_TOOLS.iter()).copied().collect();
    all.sort();
    assert_eq!(names(&tools), all);
    for name in WRITE_TOOLS {
        let tool = tools.iter().find(|t| t.name == name).unwrap();
        let annotations = tool.annotations.as_ref().unwrap();
        assert_eq!(annotations.read_only_hint, Some(false), "{name}");
        assert_eq!(annotations.destructive_hint, Some(true), "{name}");
        assert!(tool.description.as_ref().unwrap().starts_with("CHANGES THE CLUSTER"), "{name}");
    }
    client.stop().await;
}

#[tokio::test]
async fn offline_tools_answer_what_the_commands_answer() {
    let client = Client::start(&[], None).await;

    // validate: the same findings as `anton validate --json`.
    let repo = fixture("flux-source-missing");
    let path = repo.display().to_string();
    let (report, text, failed) = client.call("validate", json!({"path": path, "page_size": 500})).await;
    let cli = cli_json(&["validate", &path]);
    assert!(!failed);
    assert_eq!(comparable(&report), comparable(&cli));
    assert!(rules(&report).iter().any(|r| r == "flux/source-missing"), "{report}");
    assert!(text.starts_with(&format!("anton validate: {}", cli["status"].as_str().unwrap())), "{text}");
    // select narrows the rules, as --select does.
    let (selected, _, _) = client.call("validate", json!({"path": path, "select": ["yaml"]})).await;
    assert_eq!(comparable(&selected), comparable(&cli_json(&["validate", &path, "--select", "yaml"])));

    // get: the same list as `anton get hr --json`.
    let layout = fixture("layout-anton").display().to_string();
    let (listed, _, _) = client.call("get", json!({"what": "hr", "path": layout})).await;
    assert_eq!(comparable(&listed), comparable(&cli_json(&["get", "hr", &layout])));
    assert!(!listed["details"]["items"].as_array().unwrap().is_empty(), "{listed}");

    // build: a folder, counts by default, the objects with items.
    let folder = fixture("layout-anton").join("kubernetes/apps/media/plex/app").display().to_string();
    // (`anton build --json` prints the objects as a kubectl List.)
    let listed_by_cli = cli_json(&["build", &folder]);
    let cli_items = listed_by_cli["items"].as_array().unwrap();
    let (built, _, failed) = client.call("build", json!({"target": folder})).await;
    assert!(!failed, "{built}");
    assert_eq!(built["details"]["kustomizations"][0]["objects"], cli_items.len());
    assert!(built["details"].get("items").is_none(), "counts only by default: {built}");
    let (with_items, _, _) = client.call("build", json!({"target": folder, "items": true})).await;
    let objects: Vec<&Value> = with_items["details"]["items"].as_array().unwrap().iter().map(|i| &i["object"]).collect();
    assert_eq!(objects, cli_items.iter().collect::<Vec<_>>());

    // explain_rule: the documentation, as text and data; an unknown id is a tool error.
    let (explained, text, failed) = client.call("explain_rule", json!({"id": "flux/source-missing"})).await;
    assert!(!failed);
    assert_eq!(explained["details"]["rules"][0]["id"], "flux/source-missing");
    assert!(text.contains("flux/source-missing"), "{text}");
    let (unknown, text, failed) = client.call("explain_rule", json!({"id": "no/such-rule"})).await;
    assert!(failed);
    assert_eq!(unknown["status"], "error");
    assert!(text.contains("no rule or family named `no/such-rule`"), "{text}");

    // diff: two commits of a repository.
    let git = diff_common::base_repo();
    git.remove("kubernetes/apps/media/jellyfin/app/pvc.yaml");
    git.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./pvc.yaml\n", "");
    git.commit("head");
    let kubernetes = git.path("kubernetes").display().to_string();
    let (diffed, _, _) = client.call("diff", json!({"path": kubernetes, "base": "base", "head": "head"})).await;
    let cli = cli_json(&["diff", &kubernetes, "--base", "base", "--head", "head"]);
    assert_eq!(comparable(&diffed), comparable(&cli));
    assert_ne!(diffed["status"], "healthy", "deleting a claim is reported: {diffed}");
    let (bad_ref, _, failed) = client.call("diff", json!({"path": kubernetes, "base": "no-such-ref"})).await;
    assert!(failed && bad_ref["status"] == "error", "{bad_ref}");
    client.stop().await;
}

#[tokio::test]
async fn check_with_ci_and_no_cluster_runs_the_offline_suite_and_says_why() {
    let client = Client::start(&[], None).await;
    let repo = fixture("flux-dependson-missing").display().to_string();
    let (checked, text, failed) = client.call("check", json!({"path": repo, "ci": true, "page_size": 500})).await;
    let cli = cli_json(&["check", &repo, "--ci"]);
    assert!(!failed, "{checked}");
    assert_eq!(comparable_check(&checked), comparable_check(&cli));
    assert_eq!(checked["status"], "critical", "validate is critical: {checked}");
    assert_eq!(suites_of(&checked), ["validate"]);
    assert!(rules(&checked["details"]["suites"]["validate"]).iter().any(|r| r == "flux/dependson-missing"), "{checked}");
    let skipped = checked["details"]["skipped"].as_object().expect("details.skipped");
    assert_eq!(skipped.keys().collect::<Vec<_>>(), ["flux", "health", "network", "secrets", "storage"]);
    assert!(skipped["health"].as_str().unwrap().contains("no cluster reachable"), "{skipped:?}");
    // The text: the verdict, then a line per suite in the suites' order.
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("anton check: critical"), "{text}");
    assert!(lines[1].starts_with("validate: critical — "), "{text}");
    assert!(lines[2].starts_with("health: skipped — no cluster reachable"), "{text}");
    assert!(lines[5].starts_with("secrets: skipped"), "{text}");

    // only: just those suites; fail_fast and quick are accepted as the CLI's flags are.
    let (only, _, _) = client.call("check", json!({"path": repo, "only": ["validate"], "fail_fast": true, "quick": true})).await;
    assert_eq!(suites_of(&only), ["validate"]);
    assert!(only["details"].get("skipped").is_none(), "{only}");
    assert_eq!(comparable_check(&only), comparable_check(&cli_json(&["check", &repo, "--only", "validate", "--fail-fast", "--quick"])));

    // Without ci and with no cluster, each live suite is an error with its message: a tool error.
    let (errored, text, failed) = client.call("check", json!({"path": repo, "only": ["validate", "flux"]})).await;
    assert!(failed && errored["status"] == "error", "{errored}");
    assert_eq!(errored["details"]["suites"]["flux"]["status"], "error", "{errored}");
    assert!(text.contains("flux: error — could not run"), "{text}");
    assert!(errored["issues"][0].as_str().unwrap().starts_with("flux: "), "{errored}");
    client.stop().await;
}

#[tokio::test]
async fn long_lists_are_paged_and_say_so() {
    let client = Client::start(&[], None).await;
    let (all, _, _) = client.call("explain_rule", json!({"page_size": 500})).await;
    let total = all["details"]["rules"].as_array().unwrap().len();
    assert!(total > 10 && all["details"].get("page").is_none(), "{total}");

    let (first, text, _) = client.call("explain_rule", json!({"page_size": 10})).await;
    assert_eq!(first["details"]["rules"].as_array().unwrap().len(), 10);
    assert_eq!(first["details"]["page"]["lengths"]["details.rules"], total);
    assert_eq!(first["details"]["page"]["pages"], total.div_ceil(10));
    assert!(text.contains("call again with page: 2"), "{text}");
    let (second, _, _) = client.call("explain_rule", json!({"page": 2, "page_size": 10})).await;
    assert_eq!(second["details"]["rules"][0], all["details"]["rules"][10]);
    client.stop().await;
}

#[tokio::test]
async fn bad_arguments_are_errors_and_the_server_goes_on() {
    let client = Client::start(&[], None).await;
    for (tool, arguments, wanted) in [
        ("get", json!({}), "missing field `what`"),
        ("get", json!({"what": "pods"}), "unknown variant `pods`"),
        ("validate", json!({"paht": "."}), "unknown field `paht`"),
        ("validate", json!({"page": 0}), "page counts from 1"),
        ("validate", json!({"page_size": 100000}), "page_size must be between 1 and 500"),
        ("build", json!({}), "build needs `target`"),
        ("health", json!({"namespace": 7}), "invalid type"),
        ("check", json!({"only": ["heath"]}), "no suite named `heath`; the suites are validate, health, flux, storage, secrets, network"),
        ("check", json!({"only": "validate"}), "invalid type"),
        ("no_such_tool", json!({}), "no tool named `no_such_tool`"),
    ] {
        let message = client.refused(tool, arguments.clone()).await;
        assert!(message.contains(wanted), "{tool} {arguments}: {message}");
    }
    // A path that does not exist is the tool's error report, not a crash.
    let (report, _, failed) = client.call("validate", json!({"path": "/nonexistent/anton-repo"})).await;
    assert!(failed && report["status"] == "error", "{report}");
    // No cluster: the live tools say so as a report.
    let (report, text, failed) = client.call("health", json!({})).await;
    assert!(failed && report["status"] == "error", "{report}");
    assert!(text.starts_with("anton health: error"), "{text}");
    // Still serving.
    assert_eq!(names(&client.tools().await), READ_TOOLS);
    client.stop().await;
}

/// Stdout carries the protocol and nothing else: every line a client reads
/// is a JSON-RPC message, even when a tool fails.
#[test]
fn stdout_is_only_the_protocol() {
    let mut child = std::process::Command::new(anton_binary())
        .arg("mcp")
        .env("KUBECONFIG", "/nonexistent/anton-mcp-test-kubeconfig")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start anton mcp");
    let mut stdin = child.stdin.take().unwrap();
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "health", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "validate", "arguments": {"path": fixture("yaml-syntax")}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "get", "arguments": {"what": 1}}}),
    ];
    for message in &messages {
        writeln!(stdin, "{message}").unwrap();
    }
    let mut answered = std::collections::BTreeMap::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while answered.len() < 4 {
        let line = lines.next().expect("an answer").expect("read stdout");
        let message: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON-RPC on stdout ({e}): {line}"));
        assert_eq!(message["jsonrpc"], "2.0", "{line}");
        if let Some(id) = message["id"].as_u64() {
            answered.insert(id, message);
        }
    }
    drop(stdin);
    let _ = child.wait();
    assert_eq!(answered[&2]["result"]["isError"], true);
    assert_eq!(answered[&3]["result"]["structuredContent"]["status"], "critical", "{}", answered[&3]);
    assert_eq!(answered[&4]["error"]["code"], -32602, "{}", answered[&4]);
}

/// The official Python SDK's client (from PyPI) lists and calls the tools.
#[test]
fn the_python_sdk_client_works() {
    let Some(python) = anton_testenv::needs::python_package("mcp", MCP_PYTHON_VERSION) else { return };
    let script = r#"
import asyncio, json, sys
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

async def main():
    params = StdioServerParameters(command=sys.argv[1], args=["mcp"], env={"KUBECONFIG": "/nonexistent/kubeconfig"})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            result = await session.call_tool("validate", {"path": sys.argv[2]})
            print(json.dumps({
                "tools": sorted(t.name for t in tools.tools),
                "status": result.structured_content["status"],
                "isError": result.is_error,
                "text": result.content[0].text,
            }))

asyncio.run(main())
"#;
    let output = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(anton_binary())
        .arg(fixture("flux-source-missing"))
        .output()
        .expect("run python");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).expect("the script printed JSON");
    assert_eq!(answer["tools"], json!(READ_TOOLS));
    assert_eq!(answer["isError"], false);
    let cli = cli_json(&["validate", &fixture("flux-source-missing").display().to_string()]);
    assert_eq!(answer["status"], cli["status"]);
    assert!(answer["text"].as_str().unwrap().starts_with("anton validate:"), "{answer}");
}

/// The version of the Python SDK the test installs.
const MCP_PYTHON_VERSION: &str = "2.3.0";

#[tokio::test]
async fn live_tools_read_the_test_api_server() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "mcp-live";
    namespace(&env, ns);
    git_repository(&env, ns, "repo", "main@sha1:1111111111111111111111111111111111111111", 600);
    kustomization(&env, ns, "broken", "repo", false);
    status(&env, KS, Some(ns), "broken", json!({"observedGeneration": 1,
        "conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: missing.yaml")]}));
    // A Secret whose value must never come back, and a pod using one that does not exist.
    let secret_value = "mcp-test-Zq8vX2-value";
    apply(&env, &format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: app-credentials, namespace: {ns}}}\nstringData: {{password: {secret_value}}}\n"));
    apply(&env, &format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: needs-secret, namespace: {ns}}}\nspec:\n  containers: [{{name: app, image: 'registry.example/app:1.0', envFrom: [{{secretRef: {{name: missing-secret}}}}]}}]\n"));

    let kubeconfig = env.admin_kubeconfig();
    let client = Client::start(&[], Some(&kubeconfig)).await;
    let mut everything = String::new();

    let (flux, text, _) = client.call("flux_status", json!({"namespace": ns})).await;
    let cli = report(&anton(&env, &["flux", "status", "-n", ns, "--json"]));
    assert_eq!(rules(&flux), rules(&cli));
    expect(&flux, "flux/not-ready", &format!("Kustomization/{ns}/broken"), "critical");
    assert!(text.starts_with("anton flux_status: critical"), "{text}");
    everything.push_str(&flux.to_string());

    let (health, _, failed) = client.call("health", json!({"namespace": ns})).await;
    assert!(!failed, "{health}");
    assert_eq!(rules(&health), rules(&report(&anton(&env, &["health", "-n", ns, "--json"]))));
    everything.push_str(&health.to_string());

    let (storage, _, failed) = client.call("storage", json!({})).await;
    assert!(!failed, "{storage}");
    assert_eq!(rules(&storage), rules(&report(&anton(&env, &["storage", "--json"]))));
    everything.push_str(&storage.to_string());

    let (secrets, _, failed) = client.call("secrets", json!({})).await;
    assert!(!failed, "{secrets}");
    assert_eq!(rules(&secrets), rules(&report(&anton(&env, &["secrets", "--json"]))));
    assert!(findings(&secrets).iter().any(|f| f["message"].as_str().is_some_and(|m| m.contains("missing-secret"))), "{secrets}");
    everything.push_str(&secrets.to_string());

    let (network, text, failed) = client.call("network", json!({})).await;
    assert!(!failed, "{network}");
    assert_eq!(rules(&network), rules(&report(&anton(&env, &["network", "--json"]))));
    assert!(network["details"]["ingresses"].is_array(), "{network}");
    assert!(text.starts_with("anton network: "), "{text}");
    everything.push_str(&network.to_string());

    // check: the repository and the cluster in one call, each suite's own
    // report under details.suites (flux is cluster-wide, so only this
    // namespace's finding is looked for: the writes test runs beside it).
    let repo = fixture("pre-commit-homelab").display().to_string();
    let arguments = json!({"path": repo, "quick": true, "only": ["validate", "flux"], "context": "admin", "page_size": 500});
    let (checked, text, failed) = client.call("check", arguments).await;
    assert!(!failed, "{text}");
    let cli = report(&anton(&env, &["check", &repo, "--quick", "--only", "validate,flux", "--context", "admin", "--json"]));
    assert_eq!(suites_of(&checked), ["validate", "flux"]);
    assert_eq!(comparable_suite(&checked["details"]["suites"]["validate"]), comparable_suite(&cli["details"]["suites"]["validate"]));
    assert_eq!(checked["details"]["suites"]["validate"]["status"], "healthy", "{checked}");
    expect(&checked["details"]["suites"]["flux"], "flux/not-ready", &format!("Kustomization/{ns}/broken"), "critical");
    expect(&checked, "flux/not-ready", &format!("Kustomization/{ns}/broken"), "critical");
    assert_eq!(checked["status"], "critical");
    assert!(text.starts_with("anton check: critical") && text.contains("\nflux: critical — "), "{text}");
    everything.push_str(&checked.to_string());
    // The context argument reaches the live suites: one that does not exist is their error.
    let (elsewhere, _, failed) = client.call("check", json!({"path": repo, "only": ["flux"], "context": "no-such-context"})).await;
    assert!(failed, "{elsewhere}");
    let why = elsewhere["details"]["suites"]["flux"]["issues"][0].as_str().unwrap_or_default();
    assert!(why.contains("no-such-context"), "{elsewhere}");

    assert!(!everything.contains(secret_value), "a Secret value left the server");
    client.stop().await;
}

#[tokio::test]
async fn writes_change_the_object_on_the_server() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "mcp-writes";
    namespace(&env, ns);
    git_repository(&env, ns, "repo", "main@sha1:1111111111111111111111111111111111111111", 600);
    kustomization(&env, ns, "apps", "repo", false);
    status(&env, KS, Some(ns), "apps", json!({"observedGeneration": 1,
        "conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Applied revision: main@sha1:1111")]}));
    let kubeconfig = env.admin_kubeconfig();

    // Without the flag the server refuses, and the object is untouched.
    let client = Client::start(&[], Some(&kubeconfig)).await;
    let refused = client.refused("flux_suspend", json!({"kind": "Kustomization", "name": "apps", "namespace": ns})).await;
    assert!(refused.contains("--allow-writes"), "{refused}");
    assert_eq!(object(&env, KS, ns, "apps")["spec"]["suspend"], false);
    client.stop().await;

    let client = Client::start(&["--allow-writes"], Some(&kubeconfig)).await;
    let (suspended, text, failed) =
        client.call("flux_suspend", json!({"kind": "Kustomization", "name": "apps", "namespace": ns})).await;
    assert!(!failed, "{text}");
    assert_eq!(suspended["details"]["actions"][0]["action"], "suspend");
    assert_eq!(object(&env, KS, ns, "apps")["spec"]["suspend"], true);

    let (resumed, text, failed) =
        client.call("flux_resume", json!({"kind": "Kustomization", "name": "apps", "namespace": ns, "no_wait": true})).await;
    assert!(!failed, "{text}");
    assert_eq!(resumed["details"]["actions"][0]["action"], "resume");
    assert_eq!(object(&env, KS, ns, "apps")["spec"]["suspend"], false);

    // Reconcile, with a test playing the controller.
    let before = object(&env, KS, ns, "apps")["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].as_str().map(str::to_owned);
    let controller = play_controller(env.env, KS, ns, "apps", before, true, "Applied revision: main@sha1:2222");
    let (reconciled, text, failed) = client
        .call("flux_reconcile", json!({"kind": "Kustomization", "name": "apps", "namespace": ns, "timeout_seconds": 60}))
        .await;
    let handled = controller.join().unwrap().expect("the request reached the server");
    assert!(!failed, "{text}");
    assert_eq!(reconciled["status"], "healthy", "{reconciled}");
    assert_eq!(reconciled["details"]["actions"][0]["result"], "ready");
    let server = object(&env, KS, ns, "apps");
    assert_eq!(server["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"], handled.as_str());

    // A write on an object that does not exist is the tool's error, not a crash.
    let (missing, _, failed) =
        client.call("flux_suspend", json!({"kind": "HelmRelease", "name": "nope", "namespace": ns})).await;
    assert!(failed && missing["status"] == "error", "{missing}");
    let message = client.refused("flux_reconcile", json!({"kind": "Kustomization", "name": "apps", "force": true})).await;
    assert!(message.contains("HelmReleases only"), "{message}");
    client.stop().await;
}
