//! `anton secrets`: does every secret reach its workload? External Secrets
//! Operator (ExternalSecrets, ClusterExternalSecrets, PushSecrets, stores),
//! 1Password Connect (Deployment, credentials and token Secrets, `/health`
//! through the API server's service proxy), OnePasswordItems, and pods that
//! use a Secret that does not exist. Read-only; values are never read.
//!
//! `anton secrets onepassword setup|rotate-token`: the one imperative step
//! GitOps cannot do, putting Connect's own credentials into the cluster
//! (server-side apply with the field manager `anton`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anton_core::{ExitStatus, Finding, Report, Severity};
use anton_health::secrets::connect_service;
use anton_health::util::{age, human_duration, parse_duration, parse_timestamp};
use anton_engine::secrets::SecretsOptions;
use anton_health::{Now, SECRETS_AREAS, check_secrets};
use anton_kube::secrets::{self as ops, Applied};
use anton_kube::{Cluster, LiveError, Runtime};
use anton_report::{Line, Overview, Span, Table, Tone};
use base64::Engine as _;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::live::{KubeArgs, SnapshotArgs, api_notes, emit_live, live_error, safe};

const TITLE: &str = "anton secrets";

/// Where Anton's repository keeps Connect (kubernetes/apps/external-secrets/onepassword-connect).
const DEFAULT_NAMESPACE: &str = "external-secrets";
const DEFAULT_CREDENTIALS_SECRET: &str = "onepassword-connect-credentials";
const DEFAULT_TOKEN_SECRET: &str = "onepassword-connect-token";
/// The key the Connect chart reads the credentials from (`connect.credentialsKey`).
const CREDENTIALS_KEY: &str = "1password-credentials.json";
/// The key ESO's onepassword provider reads the token from (`connectTokenSecretRef.key`).
const TOKEN_KEY: &str = "token";
/// Fields every `1password-credentials.json` has.
const CREDENTIALS_FIELDS: [&str; 5] = ["verifier", "encCredentials", "version", "deviceUuid", "uniqueKey"];
/// Far above a real credentials file (about 1 KiB) or token (about 700 bytes).
const MAX_INPUT_BYTES: u64 = 64 * 1024;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SecretsArgs {
    #[command(subcommand)]
    pub command: Option<SecretsCommand>,
    /// Report critical findings only (warnings and info are left out, and do not change the exit code).
    #[arg(long)]
    pub critical_only: bool,
    #[command(flatten)]
    pub kube: KubeArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Put 1Password Connect's credentials and token into the cluster (the one step GitOps cannot do).
    Onepassword(OnePasswordArgs),
}

#[derive(Debug, Args)]
pub struct OnePasswordArgs {
    #[command(subcommand)]
    pub command: OnePasswordCommand,
}

#[derive(Debug, Subcommand)]
pub enum OnePasswordCommand {
    /// Create or update the namespace and the two Secrets 1Password Connect expects, then wait for Connect.
    #[command(after_help = SETUP_HELP)]
    Setup(SetupArgs),
    /// Replace only the Connect token Secret (after revoking the old token in 1Password).
    #[command(after_help = ROTATE_HELP)]
    RotateToken(RotateTokenArgs),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// `1password-credentials.json`, as the 1Password web app gave it (not base64-encoded: anton does that).
    #[arg(long, value_name = "FILE")]
    pub credentials: PathBuf,
    #[command(flatten)]
    pub common: WriteArgs,
}

#[derive(Debug, Args)]
pub struct RotateTokenArgs {
    #[command(flatten)]
    pub common: WriteArgs,
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// A file holding the Connect access token (one line).
    #[arg(long, value_name = "FILE")]
    pub token_file: PathBuf,
    /// The namespace Connect runs in.
    #[arg(long, short = 'n', value_name = "NAME", default_value = DEFAULT_NAMESPACE)]
    pub namespace: String,
    /// The Secret Connect reads its credentials from (the chart's `connect.credentialsName`).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_CREDENTIALS_SECRET)]
    pub credentials_secret: String,
    /// The Secret the ClusterSecretStore reads the token from (`connectTokenSecretRef.name`).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_TOKEN_SECRET)]
    pub token_secret: String,
    /// Ask the API server to check everything (permissions, admission) without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// How long to wait for Connect to become available once the Secrets are written.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Do not wait for Connect.
    #[arg(long)]
    pub no_wait: bool,
    /// The GitOps repository searched for a ClusterSecretStore. Default: the
    /// `kubernetes/` folder of the git repository around the current folder.
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
}

pub const AFTER_HELP: &str = "\
Examples:
  anton secrets                                   # ESO, stores, 1Password Connect, missing Secrets
  anton secrets --json | jq '.details.externalSecrets[] | select(.ready != \"True\")'
  anton secrets onepassword setup --credentials 1password-credentials.json --token-file token

Finding codes (stable; `details.findings[].rule` in --json):
  externalsecret/not-ready externalsecret/store-missing externalsecret/stale
  externalsecret/target-missing externalsecret/target-not-owned
  clusterexternalsecret/not-ready pushsecret/not-ready
  store/not-ready store/unused
  connect/unavailable connect/credentials-missing connect/token-missing connect/not-found
  connect/health connect/health-unchecked
  onepassworditem/not-ready pod/missing-secret

An ExternalSecret is stale when status.refreshTime is older than twice spec.refreshInterval
(default 1h). Connect's /health is read through the API server's service proxy
(/api/v1/namespaces/NS/services/NAME:PORT/proxy/health, the Service the stores' connectHost
names); without the services/proxy permission it is left out with one info finding.
Secrets are listed as metadata only: anton never reads a value.

Exit codes: 0 healthy, 1 warnings, 2 critical, 3 anton could not read the cluster.";

const SETUP_HELP: &str = "\
Examples:
  anton secrets onepassword setup --credentials 1password-credentials.json --token-file token
  anton secrets onepassword setup --credentials 1password-credentials.json --token-file token --dry-run

Writes, with server-side apply and the field manager `anton` (running it again changes nothing):
  Namespace   external-secrets
  Secret      external-secrets/onepassword-connect-credentials  key 1password-credentials.json
              (the file base64-encoded once more: Connect reads OP_SESSION as base64 of the file,
              and a Secret created with `kubectl create secret --from-file` is one encoding short)
  Secret      external-secrets/onepassword-connect-token        key token

The files are checked before anything is written (a truncated or already-encoded credentials
file, a token that is not a Connect token); no value is printed. Then anton waits (--timeout)
for Connect to become available if Flux has deployed it, and prints the ClusterSecretStore to
commit when the repository has none.

Installing Connect stays in Git: its HelmRelease (kubernetes/apps/external-secrets/onepassword-
connect) deploys it; this command only provides its credentials. When those Secrets are also
committed SOPS-encrypted, Flux puts the committed values back: update the SOPS files instead
(docs/golden-rules/secret-management.md).

Finding codes: connect/unavailable, connect/health (Connect after the wait, or the wait
failed), connect/restart-needed (a running Connect keeps the old credentials until restarted),
secrets/flux-managed (a Flux Kustomization also applies that Secret), secrets/write-failed
(a write failed after others succeeded: the report lists what was written).

Exit codes: 0 done, 1 warnings, 2 a write failed after others succeeded or Connect did not
become healthy, 3 nothing was written (bad input, no cluster, no permission).";

const ROTATE_HELP: &str = "\
Examples:
  anton secrets onepassword rotate-token --token-file new-token
  anton secrets onepassword rotate-token --token-file new-token --dry-run

Replaces only the Secret holding the Connect token (server-side apply, field manager `anton`);
External Secrets Operator reads it on the next refresh of each ClusterSecretStore. Revoke the
old token in 1Password afterwards.";

pub fn run(args: &SecretsArgs, global: &GlobalArgs) -> ExitStatus {
    match &args.command {
        Some(SecretsCommand::Onepassword(one)) => match &one.command {
            OnePasswordCommand::Setup(setup) => write(&args.kube, Some(&setup.credentials), &setup.common, global),
            OnePasswordCommand::RotateToken(rotate) => write(&args.kube, None, &rotate.common, global),
        },
        None => check(args, global),
    }
}

fn emit(report: &Report, overview: &Overview, global: &GlobalArgs) -> ExitStatus {
    emit_live(report, overview, global, TITLE, crate::table::terminal_width())
}

// ---------------------------------------------------------------------------
// anton secrets
// ---------------------------------------------------------------------------

fn check(args: &SecretsArgs, global: &GlobalArgs) -> ExitStatus {
    let options = SecretsOptions {
        critical_only: args.critical_only,
        skip_connect_probe: false,
        kube: args.kube.options(),
        snapshot: args.snapshot.options(),
    };
    let checked = match anton_engine::secrets::secrets(&options) {
        Ok(checked) => checked,
        Err(report) => return emit(&report, &Overview::default(), global),
    };
    let overview = overview(&checked.report, checked.now);
    emit(&checked.report, &overview, global)
}

/// One line per part of the chain, and the ExternalSecrets.
pub fn overview(report: &Report, now: Now) -> Overview {
    let d = &report.details;
    let counts = d.get("counts").cloned().unwrap_or(Value::Null);
    let mut lines = Vec::new();
    let external: Vec<Value> = d.get("externalSecrets").and_then(Value::as_array).cloned().unwrap_or_default();
    if counts["externalSecrets"].is_null() {
        lines.push(Line { label: "ExternalSecrets".into(), spans: vec![Span::toned("External Secrets Operator not installed (or not readable)", Tone::Dim)] });
    } else {
        let synced = external.iter().filter(|e| e["ready"] == "True").count();
        let mut spans = vec![Span::plain(format!("{} ExternalSecrets, {synced} synced", external.len()))];
        if synced < external.len() {
            spans.push(Span::plain(" · "));
            spans.push(Span::toned(format!("{} not synced", external.len() - synced), Tone::Bad));
        }
        for (key, noun) in [("clusterExternalSecrets", "ClusterExternalSecrets"), ("pushSecrets", "PushSecrets")] {
            if let Some(n) = counts[key].as_u64().filter(|n| *n > 0) {
                spans.push(Span::plain(format!(" · {n} {noun}")));
            }
        }
        lines.push(Line { label: "ExternalSecrets".into(), spans });
    }
    let stores: Vec<Value> = d.get("stores").and_then(Value::as_array).cloned().unwrap_or_default();
    if !stores.is_empty() {
        let spans: Vec<Span> = stores
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                let name = match s["namespace"].as_str() {
                    Some(ns) => format!("{ns}/{}", s["name"].as_str().unwrap_or("")),
                    None => s["name"].as_str().unwrap_or("").to_owned(),
                };
                let (state, tone) = match s["ready"].as_str() {
                    Some("True") => ("ready", Tone::Good),
                    Some(_) => ("not ready", Tone::Bad),
                    None => ("not validated", Tone::Warning),
                };
                let mut out = Vec::new();
                if i > 0 {
                    out.push(Span::plain(" · "));
                }
                out.push(Span::plain(format!("{} {name} ({}) ", s["kind"].as_str().unwrap_or(""), s["provider"].as_str().unwrap_or("?"))));
                out.push(Span::toned(state, tone));
                out
            })
            .collect();
        lines.push(Line { label: "Stores".into(), spans });
    } else if !counts["clusterSecretStores"].is_null() {
        lines.push(Line { label: "Stores".into(), spans: vec![Span::toned("no SecretStore or ClusterSecretStore", Tone::Dim)] });
    }
    let connect = d.get("connect").cloned().unwrap_or(Value::Null);
    let deployments = connect["deployments"].as_array().cloned().unwrap_or_default();
    let health = connect["health"].as_array().cloned().unwrap_or_default();
    if deployments.is_empty() {
        lines.push(Line { label: "Connect".into(), spans: vec![Span::toned("no 1Password Connect Deployment", Tone::Dim)] });
    }
    for dep in &deployments {
        let (desired, available) = (dep["desired"].as_i64().unwrap_or(1), dep["available"].as_i64().unwrap_or(0));
        let tone = if available >= desired { Tone::Good } else { Tone::Bad };
        lines.push(Line {
            label: "Connect".into(),
            spans: vec![
                Span::plain(format!("{}/{} ", dep["namespace"].as_str().unwrap_or(""), dep["name"].as_str().unwrap_or(""))),
                Span::toned(format!("{available}/{desired} available"), tone),
            ],
        });
    }
    for h in &health {
        let target = format!("{}/{}:{}", h["namespace"].as_str().unwrap_or(""), h["service"].as_str().unwrap_or(""), h["port"].as_str().unwrap_or(""));
        let spans = match h["dependencies"].as_array() {
            Some(deps) => {
                let all_active = deps.iter().all(|x| x["status"] == "ACTIVE");
                let listed: Vec<String> =
                    deps.iter().map(|x| format!("{} {}", x["service"].as_str().unwrap_or("?"), x["status"].as_str().unwrap_or("?"))).collect();
                let mut text = format!("{target} {}", listed.join(", "));
                if let Some(version) = h["version"].as_str() {
                    text.push_str(&format!(" (Connect {version})"));
                }
                vec![Span::toned(safe(&text), if all_active { Tone::Good } else { Tone::Bad })]
            }
            None => vec![Span::toned(format!("{target} not read: {}", safe(h["error"].as_str().unwrap_or("no answer"))), Tone::Dim)],
        };
        lines.push(Line { label: "Health".into(), spans });
    }
    match d.get("onePasswordItems").and_then(Value::as_array) {
        Some(items) => {
            let ready = items.iter().filter(|i| i["ready"] == "True").count();
            lines.push(Line::new("1Password operator", format!("{} OnePasswordItems, {ready} ready", items.len())));
        }
        None => lines.push(Line { label: "1Password operator".into(), spans: vec![Span::toned("not installed", Tone::Dim)] }),
    }
    let rows = external
        .iter()
        .map(|e| {
            let ready = e["ready"].as_str().unwrap_or("-");
            let tone = match ready {
                "True" => Tone::Good,
                "False" => Tone::Bad,
                _ => Tone::Warning,
            };
            let refreshed = e["refreshTime"].as_str().and_then(parse_timestamp).map_or("never".to_owned(), |t| format!("{} ago", human_duration(age(now, t))));
            vec![
                Span::plain(e["namespace"].as_str().unwrap_or("")),
                Span::plain(e["name"].as_str().unwrap_or("")),
                Span::plain(e["store"].as_str().unwrap_or("-")),
                Span::toned(ready, tone),
                Span::plain(refreshed),
                Span::plain(safe(e["reason"].as_str().unwrap_or(""))),
            ]
        })
        .collect();
    let tables = vec![Table {
        title: Some("ExternalSecrets".into()),
        header: ["NAMESPACE", "NAME", "STORE", "READY", "REFRESHED", "REASON"].map(String::from).to_vec(),
        rows,
        empty: Some("No ExternalSecrets.".into()),
        ..Table::default()
    }];
    Overview { lines, tables, notes: api_notes(report), area_order: SECRETS_AREAS.map(str::to_owned).to_vec() }
}

// ---------------------------------------------------------------------------
// anton secrets onepassword setup | rotate-token
// ---------------------------------------------------------------------------

/// What `setup` / `rotate-token` writes, checked and encoded, before anything is sent.
struct Inputs {
    /// The Secret value for `1password-credentials.json`: the file, base64-encoded once more.
    credentials: Option<Vec<u8>>,
    token: Vec<u8>,
}

/// `FILE`: at most [`MAX_INPUT_BYTES`] of UTF-8 from a regular file.
fn read_input(path: &Path, what: &str) -> Result<String, String> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read the {what} {shown}: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("cannot read the {what} {shown}: {}", anton_repo::not_regular(&metadata)));
    }
    if metadata.len() > MAX_INPUT_BYTES {
        return Err(format!("{shown} is {} bytes: too big to be the {what}; check the path", metadata.len()));
    }
    let bytes = anton_repo::read_file(path, MAX_INPUT_BYTES).map_err(|e| format!("cannot read the {what} {shown}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{shown} is not text (not UTF-8): not the {what}"))
}

/// The credentials file as Connect expects it in its Secret: base64 of the
/// JSON file. Errors name the file (and line:column) but never its content.
fn check_credentials(path: &Path) -> Result<Vec<u8>, String> {
    let text = read_input(path, "1Password credentials file")?;
    anton_core::secrets::register(&text);
    let shown = path.display();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("{shown} is empty: download 1password-credentials.json again from 1Password (Developer → Connect server)"));
    }
    let parsed: Value = match serde_json::from_str(trimmed) {
        Ok(value) => value,
        Err(error) => {
            let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
            if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes())
                && serde_json::from_slice::<Value>(&decoded).is_ok()
            {
                return Err(format!(
                    "{shown} is already base64-encoded: pass 1password-credentials.json as 1Password gave it (plain JSON); anton encodes it for Connect itself"
                ));
            }
            let problem = match error.classify() {
                serde_json::error::Category::Eof => "the file ends in the middle of the JSON: it is truncated; download it again",
                _ => "not valid JSON: not a 1password-credentials.json file",
            };
            return Err(format!("{shown}:{}:{}: {problem}", error.line(), error.column()));
        }
    };
    let Some(object) = parsed.as_object() else {
        return Err(format!("{shown}: a JSON {} instead of an object: not a 1password-credentials.json file", json_kind(&parsed)));
    };
    let missing: Vec<&str> = CREDENTIALS_FIELDS.iter().copied().filter(|f| !object.contains_key(*f)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{shown} is JSON but not a 1Password Connect credentials file: it has no {} (a Connect token or an `op` export?); download 1password-credentials.json from 1Password",
            missing.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    anton_core::secrets::register(&encoded);
    Ok(encoded.into_bytes())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "list",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Object(_) => "object",
    }
}

/// The Connect access token: one line, a JWT (three base64url parts, a JSON header with `alg`).
fn check_token(path: &Path) -> Result<Vec<u8>, String> {
    let text = read_input(path, "Connect token file")?;
    anton_core::secrets::register(&text);
    let shown = path.display();
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("{shown} is empty: save the Connect access token from 1Password into it"));
    }
    if token.starts_with('{') {
        return Err(format!("{shown} holds JSON: that is the credentials file (--credentials), not the access token"));
    }
    if token.contains(char::is_whitespace) {
        return Err(format!("{shown} has more than one line or word: it must hold the access token alone"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let header = (parts.len() == 3)
        .then(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[0].trim_end_matches('=')).ok())
        .flatten()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    if header.as_ref().and_then(|h| h.get("alg")).is_none() {
        return Err(format!(
            "{shown} does not hold a Connect access token (a JWT: three base64url parts separated by dots, as 1Password shows it when the token is created)"
        ));
    }
    anton_core::secrets::register(token);
    Ok(token.as_bytes().to_vec())
}

fn write(kube: &KubeArgs, credentials: Option<&Path>, args: &WriteArgs, global: &GlobalArgs) -> ExitStatus {
    let fail = |message: String| emit(&Report::tool_error(message), &Overview::default(), global);
    // Every input first: nothing is written unless all of it is right.
    let credentials = match credentials.map(check_credentials).transpose() {
        Ok(c) => c,
        Err(message) => return fail(message),
    };
    let token = match check_token(&args.token_file) {
        Ok(t) => t,
        Err(message) => return fail(message),
    };
    if !is_dns_label(&args.namespace) {
        return fail(format!("--namespace {}: not a valid namespace name (lower-case letters, digits and '-', at most 63)", args.namespace));
    }
    for (flag, value) in [("--credentials-secret", &args.credentials_secret), ("--token-secret", &args.token_secret)] {
        if !is_dns_subdomain(value) {
            return fail(format!("{flag} {value}: not a valid Secret name (lower-case letters, digits, '-' and '.', at most 253)"));
        }
    }
    let inputs = Inputs { credentials, token };
    let runtime = match Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return emit(&live_error(&error), &Overview::default(), global),
    };
    let progress = global.output_format() == OutputFormat::Text && !global.quiet;
    let outcome = runtime.block_on(apply_and_wait(kube, &inputs, args, progress));
    let (mut report, mut lines) = match outcome {
        Ok(done) => done,
        Err(error) => {
            let mut message = error.to_string();
            if matches!(error, LiveError::Forbidden { .. }) {
                message.push_str(&format!(
                    "; this command needs get, create and patch on namespaces, and on secrets in {}; nothing was written",
                    args.namespace
                ));
            }
            return fail(message);
        }
    };
    // The store to commit, when the repository has none.
    let repo = args.repo.clone().unwrap_or_else(|| crate::target::default_target(&std::env::current_dir().unwrap_or_default()));
    let store = if credentials_setup(&inputs) && !repository_has_store(&repo) {
        let yaml = cluster_secret_store(&args.namespace, &args.token_secret);
        lines.push(Line {
            label: "Git".into(),
            spans: vec![Span::toned(
                format!("no ClusterSecretStore for 1Password Connect under {}: commit the one below", repo.display()),
                Tone::Info,
            )],
        });
        Some(yaml)
    } else {
        None
    };
    report = report.with_detail("clusterSecretStore", store.clone().map_or(Value::Null, Value::String));
    let overview = Overview { lines, tables: Vec::new(), notes: Vec::new(), area_order: SECRETS_AREAS.map(str::to_owned).to_vec() };
    let status = emit(&report, &overview, global);
    if let Some(yaml) = store
        && global.output_format() == OutputFormat::Text
    {
        let mut out = super::stdout();
        let _ = std::io::Write::write_all(
            &mut out,
            format!("\n# kubernetes/apps/external-secrets/onepassword-connect/store/clustersecretstore.yaml\n{yaml}").as_bytes(),
        );
        let _ = std::io::Write::flush(&mut out);
    }
    status
}

fn credentials_setup(inputs: &Inputs) -> bool {
    inputs.credentials.is_some()
}

fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// What a write run has applied so far, and what it found: kept apart from
/// the steps so that an error after the first write still reports the writes.
struct Written<'a> {
    namespace: &'a str,
    applied: Vec<Value>,
    findings: Vec<Finding>,
    lines: Vec<Line>,
    /// Every Secret is applied; what fails now is the wait for Connect.
    writes_done: bool,
    connect: Value,
}

impl Written<'_> {
    fn record(&mut self, kind: &str, name: &str, key: Option<&str>, what: Applied, flux: Option<String>) {
        let ns = self.namespace;
        let id = if kind == "Namespace" { format!("Namespace/{name}") } else { format!("{kind}/{ns}/{name}") };
        let mut text = what.as_str().to_owned();
        if let Some(key) = key {
            text.push_str(&format!(" (key {key})"));
        }
        self.lines.push(Line::new(kind, format!("{} {text}", id.split_once('/').map_or(id.as_str(), |x| x.1))));
        if let Some(ks) = &flux {
            self.findings.push(
                Finding::new(
                    "secrets/flux-managed",
                    Severity::Warning,
                    format!("{id} is also applied by the Flux Kustomization {ks}: Flux puts the committed value back at its next reconciliation"),
                )
                .object(&id)
                .hint("update the committed SOPS file instead (`sops FILE`), or remove the Secret from Git"),
            );
        }
        self.applied.push(json!({ "kind": kind, "namespace": (kind != "Namespace").then_some(ns), "name": name, "key": key, "result": what.as_str(), "fluxKustomization": flux }));
    }

    fn subjects(&self) -> Vec<String> {
        let mut subjects: Vec<String> = self
            .applied
            .iter()
            .map(|a| match a["namespace"].as_str() {
                Some(ns) => format!("{}/{ns}/{}", a["kind"].as_str().unwrap_or(""), a["name"].as_str().unwrap_or("")),
                None => format!("{}/{}", a["kind"].as_str().unwrap_or(""), a["name"].as_str().unwrap_or("")),
            })
            .collect();
        subjects.dedup();
        subjects
    }

    /// An error after something was written: a finding that says what
    /// stands, instead of "nothing was written".
    fn interrupted(&mut self, error: &LiveError) {
        let ns = self.namespace;
        if self.writes_done {
            self.findings.push(
                Finding::new("connect/unavailable", Severity::Warning, format!("the Secrets are written, but waiting for 1Password Connect in {ns} failed: {error}"))
                    .hint("`anton secrets` shows Connect once it can be read"),
            );
            self.lines.push(Line { label: "Connect".into(), spans: vec![Span::toned(format!("could not be waited for: {error}"), Tone::Warning)] });
            return;
        }
        let written: Vec<String> = self.subjects();
        let mut hint = String::from("fix the cause and run the command again: what is already applied stays unchanged");
        if matches!(error, LiveError::Forbidden { .. }) {
            hint = format!("this command needs get, create and patch on namespaces, and on secrets in {ns}; then run it again (what is already applied stays unchanged)");
        }
        self.findings.push(
            Finding::new(
                "secrets/write-failed",
                Severity::Critical,
                format!("{error}; written before it: {}; the rest was not written", written.join(", ")),
            )
            .hint(hint),
        );
        self.lines.push(Line { label: "Stopped".into(), spans: vec![Span::toned(format!("{error}; the rest was not written"), Tone::Bad)] });
    }
}

/// Whether an error in the write run still means nothing was written
/// (before the first write, or in a dry run, which never writes).
fn nothing_written(written: &Written, dry_run: bool) -> bool {
    written.applied.is_empty() || dry_run
}

/// The dry run's closing line: the server checked the Secrets only when
/// their namespace already exists.
fn dry_run_line(secrets_checkable: bool) -> &'static str {
    if secrets_checkable {
        "the API server accepted everything; nothing was written"
    } else {
        "the API server accepted the namespace; the Secrets could not be checked before it exists; nothing was written"
    }
}

/// A Secret name: a DNS subdomain, labels joined by dots, at most 253 characters.
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

/// Applies what `inputs` holds, then waits for Connect. The report's
/// details say what was written; findings, what is wrong after it. An
/// error is returned only while nothing has been written.
async fn apply_and_wait(kube: &KubeArgs, inputs: &Inputs, args: &WriteArgs, progress: bool) -> Result<(Report, Vec<Line>), LiveError> {
    let cluster = Cluster::connect(&kube.connect_options()).await?;
    let mut written = Written {
        namespace: args.namespace.as_str(),
        applied: Vec::new(),
        findings: Vec::new(),
        lines: Vec::new(),
        writes_done: false,
        connect: json!({ "deployments": [], "waited": false }),
    };
    if let Err(error) = apply_steps(&cluster, inputs, args, progress, &mut written).await {
        if nothing_written(&written, args.dry_run) {
            return Err(error);
        }
        written.interrupted(&error);
    }
    let report = Report::new(written.subjects(), written.findings)
        .with_detail("applied", Value::Array(written.applied))
        .with_detail("dryRun", json!(args.dry_run))
        .with_detail("fieldManager", json!(anton_kube::FIELD_MANAGER))
        .with_detail("connect", written.connect);
    Ok((report, written.lines))
}

async fn apply_steps(cluster: &Cluster, inputs: &Inputs, args: &WriteArgs, progress: bool, written: &mut Written<'_>) -> Result<(), LiveError> {
    let ns = args.namespace.as_str();
    let namespace_exists = ops::namespace_exists(cluster, ns).await?;
    if inputs.credentials.is_some() {
        let what = ops::apply_namespace(cluster, ns, args.dry_run).await?;
        written.record("Namespace", ns, None, what, None);
    } else if !namespace_exists {
        return Err(LiveError::NotFound {
            what: format!("namespace {ns}"),
            advice: ": rotate-token replaces the token of an existing setup; run `anton secrets onepassword setup` first".into(),
        });
    }
    // In a dry run of a namespace that does not exist yet, the server cannot
    // check Secrets in it: it has answered for the namespace, say so.
    let secrets_checkable = namespace_exists || !args.dry_run;
    let connect_before = ops::connect_deployments(cluster, ns).await.unwrap_or_default();
    let was_available = connect_before.iter().any(|d| d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0) > 0);
    let mut writes: Vec<(&str, &str, &[u8])> = Vec::new();
    if let Some(credentials) = &inputs.credentials {
        writes.push((&args.credentials_secret, CREDENTIALS_KEY, credentials));
    }
    writes.push((&args.token_secret, TOKEN_KEY, &inputs.token));
    let mut changed = false;
    for (name, key, value) in writes {
        if !secrets_checkable {
            written.record("Secret", name, Some(key), Applied::WouldCreate, None);
            continue;
        }
        let (what, flux) = ops::apply_secret(cluster, ns, name, key, value, args.dry_run).await?;
        changed |= matches!(what, Applied::Configured);
        written.record("Secret", name, Some(key), what, flux);
    }
    written.writes_done = true;
    if args.dry_run {
        written.lines.push(Line { label: "Dry run".into(), spans: vec![Span::toned(dry_run_line(secrets_checkable), Tone::Info)] });
    } else if connect_before.is_empty() {
        written.lines.push(Line {
            label: "Connect".into(),
            spans: vec![Span::toned(
                format!("not deployed in {ns} yet: Flux deploys it from Git (its HelmRelease), and it will read these Secrets"),
                Tone::Dim,
            )],
        });
    } else {
        if changed && was_available && inputs.credentials.is_some() {
            let name = connect_before[0].metadata.name.clone().unwrap_or_default();
            written.findings.push(
                Finding::new(
                    "connect/restart-needed",
                    Severity::Warning,
                    format!("1Password Connect {ns}/{name} was running with the old credentials: it reads them only when it starts"),
                )
                .object(format!("Deployment/{ns}/{name}"))
                .hint(format!("`kubectl rollout restart deployment/{name} -n {ns}`")),
            );
        }
        if !args.no_wait {
            let (waited, wait_findings, wait_lines) = wait_for_connect(cluster, ns, args.timeout, progress).await?;
            written.connect = waited;
            written.findings.extend(wait_findings);
            written.lines.extend(wait_lines);
        }
    }
    Ok(())
}

/// Polls the Connect Deployments in `ns` until all are available or
/// `timeout` passes (progress on stderr), then reads `/health` through the
/// service proxy.
async fn wait_for_connect(cluster: &Cluster, ns: &str, timeout: Duration, progress: bool) -> Result<(Value, Vec<Finding>, Vec<Line>), LiveError> {
    let started = Instant::now();
    let mut last_said = String::new();
    let deployments = loop {
        let deployments = ops::connect_deployments(cluster, ns).await?;
        let pending: Vec<String> = deployments
            .iter()
            .filter_map(|d| {
                let desired = d.spec.replicas.unwrap_or(1);
                let available = d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0);
                let current = d.status.as_ref().and_then(|s| s.observed_generation) >= d.metadata.generation;
                (available < desired || !current).then(|| format!("{}/{} {available}/{desired} available", ns, d.metadata.name.as_deref().unwrap_or("")))
            })
            .collect();
        if pending.is_empty() || started.elapsed() >= timeout {
            break deployments;
        }
        let said = pending.join(", ");
        if progress && said != last_said {
            let mut err = super::stderr();
            let _ = std::io::Write::write_all(
                &mut err,
                format!("waiting for 1Password Connect: {said} ({} of {})\n", human_duration(started.elapsed()), human_duration(timeout)).as_bytes(),
            );
            last_said = said;
        }
        ops::pause(Duration::from_secs(2)).await;
    };
    let mut findings = Vec::new();
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for d in &deployments {
        let name = d.metadata.name.clone().unwrap_or_default();
        let desired = d.spec.replicas.unwrap_or(1);
        let available = d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0);
        rows.push(json!({ "namespace": ns, "name": name, "desired": desired, "available": available }));
        if available < desired {
            findings.push(
                Finding::new(
                    "connect/unavailable",
                    Severity::Critical,
                    format!("1Password Connect {ns}/{name} has {available} of {desired} replicas available after {}", human_duration(timeout)),
                )
                .object(format!("Deployment/{ns}/{name}"))
                .hint(format!("`kubectl logs -n {ns} deploy/{name} -c connect-api`; then `anton secrets`")),
            );
            lines.push(Line { label: "Connect".into(), spans: vec![Span::toned(format!("{ns}/{name} {available}/{desired} available"), Tone::Bad)] });
        } else {
            lines.push(Line { label: "Connect".into(), spans: vec![Span::toned(format!("{ns}/{name} {available}/{desired} available"), Tone::Good)] });
        }
    }
    // The chart names its Service like the Deployment and serves the API on 8080.
    let mut health = Vec::new();
    for d in &deployments {
        let name = d.metadata.name.clone().unwrap_or_default();
        let (namespace, service, port) =
            connect_service(&format!("http://{name}.{ns}:8080"), ns).unwrap_or((ns.to_owned(), name.clone(), "8080".to_owned()));
        let h = ops::connect_health(cluster, namespace, service, port, false).await;
        let snapshot = anton_health::SecretsSnapshot { connect_health: vec![h.clone()], ..Default::default() };
        for finding in check_secrets(&snapshot, Now::now()) {
            findings.push(finding);
        }
        let text = match (&h.body, &h.error) {
            (Some(body), _) => body["dependencies"]
                .as_array()
                .map(|deps| deps.iter().map(|x| format!("{} {}", x["service"].as_str().unwrap_or("?"), x["status"].as_str().unwrap_or("?"))).collect::<Vec<_>>().join(", "))
                .unwrap_or_else(|| "answered".into()),
            (None, error) => format!("not read: {}", error.clone().unwrap_or_default()),
        };
        lines.push(Line::new("Health", safe(&text)));
        health.push(json!({ "service": h.service, "port": h.port, "dependencies": h.body.as_ref().map(|b| b["dependencies"].clone()), "error": h.error }));
    }
    Ok((json!({ "deployments": rows, "health": health, "waited": true }), findings, lines))
}

/// Whether any YAML file under `repo` defines a ClusterSecretStore for 1Password.
fn repository_has_store(repo: &Path) -> bool {
    let walker = ignore::WalkBuilder::new(repo).hidden(true).ignore(false).filter_entry(anton_repo::safe_to_enter).build();
    walker.flatten().any(|entry| {
        let path = entry.path();
        let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        yaml && anton_repo::read_file(path, 1024 * 1024)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .is_some_and(|text| text.contains("kind: ClusterSecretStore") && text.contains("onepassword:"))
    })
}

/// The ClusterSecretStore every ExternalSecret can use, for Git.
fn cluster_secret_store(namespace: &str, token_secret: &str) -> String {
    format!(
        "---\n\
# The store every ExternalSecret references; set the vault name (and its search order).\n\
apiVersion: external-secrets.io/v1\n\
kind: ClusterSecretStore\n\
metadata:\n\
\x20 name: onepassword-connect\n\
spec:\n\
\x20 provider:\n\
\x20   onepassword:\n\
\x20     connectHost: http://onepassword-connect.{namespace}.svc.cluster.local:8080\n\
\x20     vaults:\n\
\x20       VAULT: 1\n\
\x20     auth:\n\
\x20       secretRef:\n\
\x20         connectTokenSecretRef:\n\
\x20           name: {token_secret}\n\
\x20           key: {TOKEN_KEY}\n\
\x20           namespace: {namespace}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    const CREDENTIALS: &str = r#"{"verifier":{"salt":"c2FsdA","localHash":"aGFzaA"},"encCredentials":{"kid":"k","enc":"A256GCM","cty":"b5+jwk+json","iv":"aXY","data":"ZGF0YQ"},"version":"2","deviceUuid":"uuid-123","uniqueKey":{"alg":"A256GCM","ext":true,"k":"a2V5","key_ops":["decrypt","encrypt"],"kty":"oct","kid":"k"}}"#;

    #[test]
    fn credentials_are_encoded_once_more() {
        let f = file(CREDENTIALS);
        let value = check_credentials(f.path()).unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(&value).unwrap();
        assert_eq!(decoded, CREDENTIALS.as_bytes());
    }

    #[test]
    fn bad_credentials_are_named_without_their_content() {
        let truncated = file(&CREDENTIALS[..120]);
        let e = check_credentials(truncated.path()).unwrap_err();
        assert!(e.contains(":1:120: the file ends in the middle of the JSON"), "{e}");
        assert!(!e.contains("c2FsdA"), "{e}");
        let encoded = file(&base64::engine::general_purpose::STANDARD.encode(CREDENTIALS));
        assert!(check_credentials(encoded.path()).unwrap_err().contains("already base64-encoded"));
        let other = file(r#"{"token": "abc"}"#);
        let e = check_credentials(other.path()).unwrap_err();
        assert!(e.contains("no `verifier`, `encCredentials`"), "{e}");
        assert!(check_credentials(file("  \n").path()).unwrap_err().contains("is empty"));
        assert!(check_credentials(file("[1]").path()).unwrap_err().contains("a JSON list"));
    }

    #[test]
    fn tokens_are_checked() {
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","kid":"k","typ":"JWT"}"#);
        let token = format!("{header}.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        assert_eq!(check_token(file(&format!("{token}\n")).path()).unwrap(), token.as_bytes());
        assert!(check_token(file(CREDENTIALS).path()).unwrap_err().contains("credentials file"));
        assert!(check_token(file("not-a-token").path()).unwrap_err().contains("does not hold a Connect access token"));
        assert!(check_token(file(&format!("{token}\n{token}")).path()).unwrap_err().contains("more than one line"));
        assert!(check_token(file("").path()).unwrap_err().contains("is empty"));
    }

    #[test]
    fn the_store_to_commit_names_the_token_secret() {
        let yaml = cluster_secret_store("external-secrets", "onepassword-connect-token");
        assert!(yaml.contains("connectHost: http://onepassword-connect.external-secrets.svc.cluster.local:8080"));
        assert!(yaml.contains("name: onepassword-connect-token\n"));
        assert!(yaml.contains("          key: token\n"));
    }

    #[test]
    fn secret_names_may_hold_dots_namespaces_may_not() {
        assert!(is_dns_subdomain("onepassword-connect-token"));
        assert!(is_dns_subdomain("onepassword.connect.token"));
        assert!(!is_dns_subdomain("a..b") && !is_dns_subdomain(".a") && !is_dns_subdomain("A.b") && !is_dns_subdomain(""));
        assert!(!is_dns_subdomain(&"a.".repeat(127)));
        assert!(is_dns_subdomain(&format!("{}a", "a.".repeat(126))));
        assert!(!is_dns_label("onepassword.connect"));
    }

    fn written(ns: &str) -> Written<'_> {
        Written { namespace: ns, applied: Vec::new(), findings: Vec::new(), lines: Vec::new(), writes_done: false, connect: Value::Null }
    }

    fn forbidden() -> LiveError {
        LiveError::Forbidden { who: "user partial".into(), op: "get secrets".into(), detail: "no".into(), advice: String::new() }
    }

    #[test]
    fn an_error_after_a_write_reports_the_write_not_nothing_written() {
        let mut run = written("connect");
        assert!(nothing_written(&run, false), "before any write, an error means nothing was written");
        run.record("Namespace", "connect", None, Applied::Unchanged, None);
        run.record("Secret", "onepassword-connect-credentials", Some(CREDENTIALS_KEY), Applied::Configured, None);
        assert!(!nothing_written(&run, false));
        assert!(nothing_written(&run, true), "a dry run writes nothing");
        run.interrupted(&forbidden());
        let finding = &run.findings[0];
        assert_eq!(finding.rule, "secrets/write-failed");
        assert_eq!(finding.severity, Severity::Critical);
        assert!(finding.message.contains("written before it: Namespace/connect, Secret/connect/onepassword-connect-credentials"), "{}", finding.message);
        assert!(!finding.message.contains("nothing was written"), "{}", finding.message);
        assert!(finding.hint.as_deref().unwrap_or("").contains("needs get, create and patch"));
        assert!(anton_health::codes::lookup("secrets/write-failed").is_some(), "`anton rules explain` knows it");
    }

    #[test]
    fn an_error_while_waiting_is_a_warning_about_connect() {
        let mut run = written("connect");
        run.record("Secret", "onepassword-connect-token", Some(TOKEN_KEY), Applied::Configured, None);
        run.writes_done = true;
        run.interrupted(&forbidden());
        assert_eq!(run.findings[0].rule, "connect/unavailable");
        assert_eq!(run.findings[0].severity, Severity::Warning);
        assert!(run.findings[0].message.contains("the Secrets are written"), "{}", run.findings[0].message);
    }

    #[test]
    fn the_dry_run_line_says_when_the_secrets_were_not_checked() {
        assert!(dry_run_line(true).contains("accepted everything"));
        assert!(!dry_run_line(false).contains("everything"));
        assert!(dry_run_line(false).contains("could not be checked"));
    }
}
