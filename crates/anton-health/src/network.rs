//! `anton network`: can traffic reach the apps? Ingress controllers and their
//! LoadBalancer addresses (Cilium LB-IPAM), Ingresses and HTTPRoutes, their
//! backends' endpoints, certificates (cert-manager and the X.509 in TLS
//! Secrets), the Cloudflare tunnel and the DNS apps, over a
//! [`NetworkSnapshot`]; with `--probe`, what DNS and HTTPS answered.

pub mod certificates;
mod controllers;
mod edge;
mod ingresses;
mod snapshot;
mod workloads;

use std::collections::BTreeSet;
use std::time::Duration;

use anton_core::{Finding, Report, Severity};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

pub use edge::{ProbePlan, ProbeTarget, probe_plan, tunnel_pod_selectors, tunnel_targets};
pub use snapshot::{HostProbe, NOT_READY_ANSWER, NetworkSnapshot, TlsSecret, TunnelReadiness};

/// The areas of `anton network`'s finding codes, in the order to show them.
pub const NETWORK_AREAS: [&str; 11] =
    ["network", "controller", "lb", "ingress", "route", "certificate", "issuer", "tls", "tunnel", "dns", "probe"];

/// Thresholds of `anton network`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfig {
    /// How long a LoadBalancer Service (or an HTTPRoute) may wait for its address (or a Gateway).
    pub pending_grace: Duration,
    /// A certificate expiring within this is a warning.
    pub cert_warning: Duration,
    /// Within this, or expired, critical.
    pub cert_critical: Duration,
    /// IngressClasses that serve the internet: no endpoints there is critical.
    pub external_classes: BTreeSet<String>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            pending_grace: Duration::from_secs(5 * 60),
            cert_warning: Duration::from_secs(14 * 86_400),
            cert_critical: Duration::from_secs(3 * 86_400),
            external_classes: BTreeSet::from(["external".to_owned()]),
        }
    }
}

/// The condition `kind` of a custom resource's `status.conditions`.
pub(crate) fn condition<'a>(object: &'a Value, kind: &str) -> Option<&'a Value> {
    object.pointer("/status/conditions")?.as_array()?.iter().find(|c| c["type"] == kind)
}

/// Every check of `anton network`, in area order.
pub fn check_network(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    for reason in &snapshot.unread {
        findings.push(
            Finding::new("network/unread", Severity::Info, format!("{reason}: not checked"))
                .hint("use a context whose user may list it, or read the rest as this one"),
        );
    }
    findings.extend(controllers::check_controllers(snapshot, now, config));
    findings.extend(controllers::check_load_balancers(snapshot, now, config));
    findings.extend(ingresses::check_ingresses(snapshot, config));
    findings.extend(ingresses::check_routes(snapshot, now, config));
    findings.extend(certificates::check_certificates(snapshot, now, config));
    findings.extend(certificates::check_tls_secrets(snapshot, now, config));
    findings.extend(edge::check_edge(snapshot));
    findings.extend(edge::check_probes(snapshot, config));
    findings
}

/// The whole `anton network` report of a snapshot: findings and `details`
/// (`controllers`, `loadBalancers`, `ingresses`, `routes`, `certificates`,
/// `issuers`, `tunnel`, `dns`, `probes`). The command adds `details.api`.
pub fn network_report(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig) -> Report {
    let findings = check_network(snapshot, now, config);
    let details = network_details(snapshot, now, config, &findings);
    let mut report = Report::new(snapshot.subjects(), findings);
    for (key, value) in details {
        report = report.with_detail(&key, value);
    }
    report
}

/// `details.*` of the report; `findings` give each Ingress its state.
pub fn network_details(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig, findings: &[Finding]) -> serde_json::Map<String, Value> {
    let mut details = serde_json::Map::new();
    details.insert("controllers".into(), Value::Array(controllers::controller_rows(snapshot)));
    details.insert(
        "loadBalancers".into(),
        json!({
            "pools": snapshot.ip_pools.as_ref().map(|_| controllers::pool_rows(snapshot)),
            "services": controllers::service_rows(snapshot),
        }),
    );
    details.insert("ingresses".into(), ingress_rows(snapshot, config, findings));
    details.insert("routes".into(), ingresses::route_rows(snapshot));
    details.insert("certificates".into(), certificates::certificate_rows(snapshot, now));
    details.insert("issuers".into(), certificates::issuer_rows(snapshot));
    let (tunnel, dns) = edge::edge_rows(snapshot);
    details.insert("tunnel".into(), tunnel);
    details.insert("dns".into(), dns);
    if let Some(probes) = &snapshot.probes {
        details.insert("probes".into(), serde_json::to_value(probes).unwrap_or(Value::Null));
    }
    details.insert(
        "installed".into(),
        json!({
            "ciliumLbIpam": snapshot.ip_pools.is_some(),
            "certManager": snapshot.certificates.is_some(),
            "gatewayApi": snapshot.http_routes.is_some(),
        }),
    );
    details
}

/// One row per Ingress: class, hosts, backends with their ready endpoints,
/// TLS Secrets, and its state (the worst finding about it, or `ok`).
fn ingress_rows(snapshot: &NetworkSnapshot, config: &NetworkConfig, findings: &[Finding]) -> Value {
    let rows: Vec<Value> = snapshot
        .ingresses
        .iter()
        .map(|ingress| {
            let id = ingresses::ingress_id(ingress);
            let ns = ingress.metadata.namespace.as_deref().unwrap_or("");
            let class = ingresses::class_of(snapshot, ingress);
            let mut backends: Vec<Value> = Vec::new();
            for (_, _, backend) in ingresses::routes(ingress) {
                let Some(backend) = backend else { continue };
                let row = json!({
                    "service": backend.name,
                    "port": backend.port.as_ref().and_then(|p| p.name.clone().map(Value::from).or(p.number.map(Value::from))),
                    "readyEndpoints": ingresses::ready_endpoints(snapshot, ns, &backend.name),
                });
                if !backends.contains(&row) {
                    backends.push(row);
                }
            }
            let tls: Vec<Value> = ingress
                .spec
                .iter()
                .flat_map(|s| s.tls.iter().flatten())
                .map(|t| json!({ "secret": t.secret_name, "hosts": t.hosts.clone().unwrap_or_default() }))
                .collect();
            let worst = findings.iter().filter(|f| f.object.as_deref() == Some(id.as_str())).map(|f| f.severity).max();
            let state = match worst {
                Some(Severity::Critical) => "critical",
                Some(Severity::Warning) => "warning",
                _ => "ok",
            };
            json!({
                "namespace": ns,
                "name": ingress.metadata.name,
                "class": class,
                "external": ingresses::is_external(config, class),
                "hosts": ingresses::hosts(ingress),
                "backends": backends,
                "tls": tls,
                "addresses": ingress.status.as_ref().and_then(|s| s.load_balancer.as_ref()).and_then(|lb| lb.ingress.as_ref())
                    .map(|i| i.iter().filter_map(|a| a.ip.clone().or_else(|| a.hostname.clone())).collect::<Vec<_>>()).unwrap_or_default(),
                "state": state,
            })
        })
        .collect();
    Value::Array(rows)
}
