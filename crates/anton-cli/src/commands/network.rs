//! `anton network`: can traffic reach the apps? Ingress controllers and their
//! LoadBalancer addresses, Cilium LB-IPAM pools, Ingresses and HTTPRoutes with
//! their backends, certificates, the Cloudflare tunnel and the DNS apps, read
//! from the API; `--probe` adds DNS and HTTPS requests from this machine.
//! The run is `anton_engine::network::network`; this file reads the flags
//! and draws the tables.

use std::path::PathBuf;
use std::time::Duration;

use anton_core::{ExitStatus, Report};
use anton_engine::network::NetworkOptions;
use anton_health::util::parse_duration;
use anton_health::{NETWORK_AREAS, NetworkConfig};
use anton_kube::NetworkPlan;
use anton_kube::probe::ProbeOptions;
use anton_report::{Line, Overview, Span, Table, Tone};
use clap::Args;
use serde_json::Value;

use crate::cli::GlobalArgs;
use crate::commands::live::{KubeArgs, SnapshotArgs, api_notes, emit_live};

const TITLE: &str = "anton network";

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Also probe from this machine: resolve each Ingress host through
    /// k8s-gateway's address and GET it over HTTPS at its controller's address.
    #[arg(long)]
    pub probe: bool,
    /// --probe: the time allowed per host (DNS and HTTPS together).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub probe_timeout: Duration,
    /// --probe: hosts probed at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub probe_concurrency: u16,
    /// --probe: also trust this CA (PEM), for hosts served with a private CA's certificates.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Report critical findings only (warnings and info are left out, and do not change the exit code).
    #[arg(long)]
    pub critical_only: bool,
    #[command(flatten)]
    pub thresholds: NetworkThresholds,
    #[command(flatten)]
    pub kube: KubeArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

/// The thresholds; the defaults are anton-health's.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct NetworkThresholds {
    /// controller/no-address, lb/pending: how long a LoadBalancer Service may wait for an address.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub pending_grace: Duration,
    /// certificate/expiring, tls/expiring: a certificate expiring within this is a warning.
    #[arg(long, value_name = "DURATION", default_value = "14d", value_parser = parse_duration)]
    pub cert_warning: Duration,
    /// Within this, or expired, critical.
    #[arg(long, value_name = "DURATION", default_value = "3d", value_parser = parse_duration)]
    pub cert_critical: Duration,
    /// IngressClasses that serve the internet (comma-separated): a backend without endpoints there is critical.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "external")]
    pub external_class: Vec<String>,
}

impl NetworkThresholds {
    pub fn config(&self) -> Result<NetworkConfig, String> {
        if self.cert_critical > self.cert_warning {
            return Err("--cert-critical is longer than --cert-warning: the warning must come first".to_owned());
        }
        Ok(NetworkConfig {
            pending_grace: self.pending_grace,
            cert_warning: self.cert_warning,
            cert_critical: self.cert_critical,
            external_classes: self.external_class.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        })
    }
}

pub const AFTER_HELP: &str = "\
Examples:
  anton network                          # controllers, LB addresses, Ingresses, certificates, tunnel, DNS
  anton network --probe                  # also resolve and GET every Ingress host from here
  anton network --json | jq .status
  anton network --json | jq '.details.certificates[:5]'

Finding codes (stable; `details.findings[].rule` in --json):
  controller/missing controller/unavailable controller/no-address ingress/multiple-default-classes
  lb/pool-conflict lb/pool-exhausted lb/pending
  ingress/class-missing ingress/backend-missing ingress/no-endpoints ingress/tls-secret-missing
  ingress/duplicate-path route/not-accepted route/refs-unresolved
  certificate/not-ready certificate/expiring certificate/renewal-failing issuer/not-ready
  tls/expiring tls/host-not-covered tls/unreadable
  tunnel/unavailable tunnel/not-ready tunnel/ready-unchecked dns/unavailable network/unread
  probe/unavailable probe/dns-failed probe/dns-mismatch probe/tls-error probe/timeout
  probe/unreachable probe/http-error probe/redirect-off-host (with --probe)

Read-only. One list per kind; TLS Secrets are listed by type kubernetes.io/tls (one of another
type that an Ingress names is read by name) and only tls.crt of those Ingresses name is kept
(never the key); snapshots conceal env values and secret flags such as cloudflared's --token. cloudflared's /ready is read through the API
server's pod proxy (`get pods/proxy`); without that right it is left out with an info finding.
--probe sends DNS queries to k8s-gateway's LoadBalancer address and HTTPS requests to each
controller's address, nowhere else; redirects are followed only on the same host.

Exit codes: 0 healthy, 1 warnings, 2 critical, 3 anton could not read the cluster (unreachable,
credentials, permission).";

pub fn run(args: &NetworkArgs, global: &GlobalArgs) -> ExitStatus {
    let fail = |report: &Report| emit_live(report, &Overview::default(), global, TITLE, crate::table::terminal_width());
    let config = match args.thresholds.config() {
        Ok(config) => config,
        Err(message) => return fail(&Report::tool_error(message)),
    };
    let plan = match plan(args) {
        Ok(plan) => plan,
        Err(message) => return fail(&Report::tool_error(message)),
    };
    let options = NetworkOptions {
        critical_only: args.critical_only,
        plan,
        config,
        kube: args.kube.options(),
        snapshot: args.snapshot.options(),
    };
    let checked = match anton_engine::network::network(&options) {
        Ok(checked) => checked,
        Err(report) => return fail(&report),
    };
    emit_live(&checked.report, &overview(&checked.report, &options.config), global, TITLE, crate::table::terminal_width())
}

fn plan(args: &NetworkArgs) -> Result<NetworkPlan, String> {
    if !args.probe {
        return Ok(NetworkPlan::default());
    }
    let extra_roots = match &args.ca_file {
        Some(path) => {
            let text = anton_repo::read_regular_text(path).map_err(|e| format!("--ca-file {}: {e}", path.display()))?;
            anton_kube::probe::tls_config(Some(&text)).map_err(|e| format!("--ca-file {}: {e}", path.display()))?;
            Some(text)
        }
        None => None,
    };
    Ok(NetworkPlan {
        probe: Some(ProbeOptions { timeout: args.probe_timeout, concurrency: usize::from(args.probe_concurrency), extra_roots }),
    })
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or("-")
}

fn joined(value: &Value) -> String {
    let parts: Vec<&str> = value.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if parts.is_empty() { "-".to_owned() } else { parts.join(",") }
}

fn state(text: &str) -> Span {
    let tone = match text {
        "ok" => Tone::Good,
        "warning" => Tone::Warning,
        "critical" => Tone::Bad,
        _ => Tone::Plain,
    };
    Span::toned(text, tone)
}

fn table(title: &str, header: &[&str], rows: Vec<Vec<Span>>, empty: &str) -> Table {
    Table {
        title: Some(title.to_owned()),
        header: header.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        empty: Some(empty.to_owned()),
        ..Table::default()
    }
}

/// What is installed, then one table per area: controllers, load balancers,
/// ingresses with their state, certificates by expiry (and probes).
fn overview(report: &Report, config: &NetworkConfig) -> Overview {
    let d = &report.details;
    let installed = d.get("installed").cloned().unwrap_or(Value::Null);
    let yes_no = |key: &str, name: &str| {
        if installed[key].as_bool() == Some(true) { Span::plain(name.to_owned()) } else { Span::toned(format!("{name} not installed"), Tone::Dim) }
    };
    let mut lines = vec![Line {
        label: "Installed".into(),
        spans: vec![yes_no("ciliumLbIpam", "Cilium LB-IPAM"), Span::plain(" · "), yes_no("certManager", "cert-manager"), Span::plain(" · "), yes_no("gatewayApi", "Gateway API")],
    }];
    let apps = |key: &str| -> Vec<String> {
        d.get(key)
            .and_then(|v| v["workloads"].as_array())
            .into_iter()
            .flatten()
            .map(|w| format!("{} {}/{}", text(w, "app"), w["available"].as_i64().unwrap_or(0), w["desired"].as_i64().unwrap_or(0)))
            .collect()
    };
    let tunnel = apps("tunnel");
    lines.push(Line::new("Tunnel", if tunnel.is_empty() { "no cloudflared found".to_owned() } else { tunnel.join(", ") }));
    let dns = apps("dns");
    lines.push(Line::new("DNS", if dns.is_empty() { "no k8s-gateway or external-dns found".to_owned() } else { dns.join(", ") }));

    let mut tables = Vec::new();
    let controllers = d.get("controllers").and_then(Value::as_array).cloned().unwrap_or_default();
    tables.push(table(
        "Ingress controllers",
        &["CLASS", "DEFAULT", "CONTROLLER", "AVAILABLE", "ADDRESS"],
        controllers
            .iter()
            .map(|c| {
                let available = match (c["available"].as_i64(), c["desired"].as_i64()) {
                    (Some(a), Some(n)) => Span::toned(format!("{a}/{n}"), if a >= n.max(1) { Tone::Good } else { Tone::Bad }),
                    _ => Span::toned("not found", Tone::Warning),
                };
                let address = joined(&c["addresses"]);
                vec![
                    Span::plain(text(c, "class")),
                    Span::plain(if c["default"].as_bool() == Some(true) { "yes" } else { "" }),
                    Span::plain(text(c, "workload")),
                    available,
                    if address == "-" { Span::toned("pending", Tone::Warning) } else { Span::plain(address) },
                ]
            })
            .collect(),
        "No IngressClasses.",
    ));
    let lbs = d.get("loadBalancers").cloned().unwrap_or(Value::Null);
    tables.push(table(
        "LoadBalancer Services",
        &["NAMESPACE", "NAME", "ADDRESS", "POOL"],
        lbs["services"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let address = joined(&s["addresses"]);
                vec![
                    Span::plain(text(s, "namespace")),
                    Span::plain(text(s, "name")),
                    if address == "-" { Span::toned("pending", Tone::Warning) } else { Span::plain(address) },
                    Span::plain(joined(&s["pools"])),
                ]
            })
            .collect(),
        "No Services of type LoadBalancer.",
    ));
    if let Some(pools) = lbs["pools"].as_array() {
        tables.push(table(
            "LB-IPAM pools",
            &["POOL", "AVAILABLE", "USED", "CONFLICT"],
            pools
                .iter()
                .map(|p| {
                    let available = p["ipsAvailable"].as_u64();
                    vec![
                        Span::plain(text(p, "name")),
                        Span::toned(available.map_or("-".to_owned(), |n| n.to_string()), if available == Some(0) { Tone::Bad } else { Tone::Plain }),
                        Span::plain(p["ipsUsed"].as_u64().map_or("-".to_owned(), |n| n.to_string())),
                        if p["conflict"].as_bool() == Some(true) { Span::toned("yes", Tone::Bad) } else { Span::plain("no") },
                    ]
                })
                .collect(),
            "No CiliumLoadBalancerIPPools.",
        ));
    }
    tables.push(table(
        "Ingresses",
        &["NAMESPACE", "NAME", "CLASS", "HOSTS", "ENDPOINTS", "STATE"],
        d.get("ingresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|i| {
                let endpoints: Vec<String> =
                    i["backends"].as_array().into_iter().flatten().map(|b| format!("{}:{}", text(b, "service"), b["readyEndpoints"].as_u64().unwrap_or(0))).collect();
                vec![
                    Span::plain(text(i, "namespace")),
                    Span::plain(text(i, "name")),
                    Span::plain(text(i, "class")),
                    Span::plain(joined(&i["hosts"])),
                    Span::plain(if endpoints.is_empty() { "-".to_owned() } else { endpoints.join(",") }),
                    state(text(i, "state")),
                ]
            })
            .collect(),
        "No Ingresses.",
    ));
    tables.push(table(
        "Certificates, soonest expiry first",
        &["SOURCE", "NAMESPACE", "NAME", "READY", "EXPIRES IN"],
        d.get("certificates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let days = c["expiresInDays"].as_i64();
                // The time left against the thresholds, as the findings compare it.
                let within = |left: i64, threshold: Duration| left <= 0 || i128::from(left) <= i128::from(threshold.as_secs());
                let tone = match c["expiresInSeconds"].as_i64() {
                    Some(left) if within(left, config.cert_critical) => Tone::Bad,
                    Some(left) if within(left, config.cert_warning) => Tone::Warning,
                    _ => Tone::Plain,
                };
                vec![
                    Span::plain(text(c, "source")),
                    Span::plain(text(c, "namespace")),
                    Span::plain(text(c, "name")),
                    Span::plain(c["ready"].as_str().unwrap_or("-")),
                    Span::toned(days.map_or_else(|| c["error"].as_str().unwrap_or("-").to_owned(), |n| format!("{n}d")), tone),
                ]
            })
            .collect(),
        "No certificates.",
    ));
    if let Some(probes) = d.get("probes").and_then(Value::as_array) {
        tables.push(table(
            "Probes",
            &["HOST", "RESOLVES TO", "HTTPS"],
            probes
                .iter()
                .map(|p| {
                    let dns = match p["dnsError"].as_str() {
                        Some(e) => Span::toned(e.to_owned(), Tone::Bad),
                        None => Span::plain(joined(&p["resolved"])),
                    };
                    let https = if p["timedOut"].as_bool() == Some(true) {
                        Span::toned("timeout", Tone::Bad)
                    } else if let Some(e) = p["tlsError"].as_str().or(p["error"].as_str()) {
                        Span::toned(e.to_owned(), Tone::Bad)
                    } else {
                        let status = p["status"].as_u64().unwrap_or(0);
                        Span::toned(status.to_string(), if status >= 500 { Tone::Bad } else { Tone::Good })
                    };
                    vec![Span::plain(text(p, "host")), dns, https]
                })
                .collect(),
            "No hosts to probe.",
        ));
    }
    Overview { lines, tables, notes: api_notes(report), area_order: NETWORK_AREAS.map(str::to_owned).to_vec() }
}
