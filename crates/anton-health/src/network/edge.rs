//! Beyond the ingress: the Cloudflare tunnel (cloudflared and its `/ready`),
//! k8s-gateway and external-dns, and what `--probe` found from outside.

use std::collections::BTreeMap;

use anton_core::{Finding, Severity};
use k8s_openapi::api::core::v1::Service;
use serde_json::{Value, json};

use super::controllers::controllers;
use super::ingresses::{class_of, hosts, ingress_id, is_external};
use super::workloads::{EDGE_APPS, Workload, edge_workloads, is_load_balancer, load_balancer_addresses, metrics_port, selects, workloads};
use super::{NOT_READY_ANSWER, NetworkConfig, NetworkSnapshot};

/// `tunnel/unavailable`, `dns/unavailable`, `tunnel/not-ready`, `tunnel/ready-unchecked`.
pub fn check_edge(snapshot: &NetworkSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    let all = workloads(snapshot);
    for (role, app) in EDGE_APPS {
        for w in edge_workloads(&all, app) {
            if w.is_available() {
                continue;
            }
            let (severity, effect) = match (app, w.available) {
                ("cloudflared", 0) => (Severity::Critical, "the tunnel is down: apps are not reachable from outside"),
                ("cloudflared", _) => (Severity::Warning, "the tunnel runs on fewer connectors"),
                ("k8s-gateway", 0) => (Severity::Critical, "internal names do not resolve"),
                ("external-dns", _) => (Severity::Warning, "new and changed DNS records are not published"),
                _ => (Severity::Warning, "fewer replicas answer"),
            };
            findings.push(
                Finding::new(
                    format!("{role}/unavailable"),
                    severity,
                    format!("{app} {} {}/{} has {} of {} replicas available: {effect}", w.kind, w.namespace, w.name, w.available, w.desired),
                )
                .object(w.id())
                .hint(format!("kubectl -n {} describe {} {}; kubectl -n {} logs {}/{}", w.namespace, w.kind.to_lowercase(), w.name, w.namespace, w.kind.to_lowercase(), w.name)),
            );
        }
    }
    if let Some(reason) = &snapshot.tunnel_unchecked {
        findings.push(
            Finding::new("tunnel/ready-unchecked", Severity::Info, format!("cloudflared's /ready was not read: {reason}"))
                .hint("a user with get on pods/proxy in cloudflared's namespace lets anton read the tunnel's connections"),
        );
    }
    for r in &snapshot.tunnel_readiness {
        let object = crate::util::object_id("Pod", Some(&r.namespace), &r.pod);
        let connections = r.body.as_ref().and_then(|b| b["readyConnections"].as_u64());
        match (connections, &r.error) {
            (Some(n), _) if n > 0 => {}
            (Some(_), _) => findings.push(
                Finding::new("tunnel/not-ready", Severity::Critical, format!("cloudflared {}/{} has no ready connection to Cloudflare's edge (/ready: readyConnections 0)", r.namespace, r.pod))
                    .object(object)
                    .hint(format!("kubectl -n {} logs {}: the tunnel token or credentials, or outbound 7844/tcp+udp blocked", r.namespace, r.pod)),
            ),
            (None, Some(error)) if r.forbidden => findings.push(
                Finding::new("tunnel/ready-unchecked", Severity::Info, format!("cloudflared {}/{}: /ready not read: {error}", r.namespace, r.pod))
                    .object(object)
                    .hint("a user with get on pods/proxy in cloudflared's namespace lets anton read the tunnel's connections"),
            ),
            (None, Some(error)) if error.starts_with(NOT_READY_ANSWER) => findings.push(
                Finding::new("tunnel/not-ready", Severity::Critical, format!("cloudflared {}/{} is not ready: {error}", r.namespace, r.pod))
                    .object(object)
                    .hint(format!("kubectl -n {} logs {}: the tunnel token or credentials, or outbound 7844/tcp+udp blocked", r.namespace, r.pod)),
            ),
            (None, error) => findings.push(
                Finding::new(
                    "tunnel/ready-unchecked",
                    Severity::Info,
                    format!("cloudflared {}/{}: /ready on port {} did not answer usefully: {}", r.namespace, r.pod, r.port, error.as_deref().unwrap_or("no readyConnections in the answer")),
                )
                .object(object)
                .hint("is --metrics set to an address the API server can reach (0.0.0.0:PORT)?"),
            ),
        }
    }
    findings
}

/// The label selectors of cloudflared's pods, by namespace: what to list
/// before [`tunnel_targets`] (the same workloads the tunnel findings read).
pub fn tunnel_pod_selectors(snapshot: &NetworkSnapshot) -> Vec<(String, String)> {
    let all = workloads(snapshot);
    let mut selectors: Vec<(String, String)> = edge_workloads(&all, "cloudflared")
        .into_iter()
        .filter_map(|w| {
            let labels = w.pod_labels.filter(|l| !l.is_empty())?;
            let selector = labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
            Some((w.namespace.to_owned(), selector))
        })
        .collect();
    selectors.sort();
    selectors.dedup();
    selectors
}

/// The cloudflared pods whose `/ready` to read: (namespace, pod, metrics port).
pub fn tunnel_targets(snapshot: &NetworkSnapshot) -> Vec<(String, String, u16)> {
    let all = workloads(snapshot);
    let mut out = Vec::new();
    for w in edge_workloads(&all, "cloudflared") {
        let Some(port) = metrics_port(&w) else { continue };
        let Some(wanted) = w.pod_labels else { continue };
        for pod in &snapshot.tunnel_pods {
            let labels = pod.metadata.labels.clone().unwrap_or_default();
            let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
            if running && pod.metadata.namespace.as_deref() == Some(w.namespace) && wanted.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                out.push((w.namespace.to_owned(), pod.metadata.name.clone().unwrap_or_default(), port));
            }
        }
    }
    out
}

/// One host to probe: its class, where its controller listens, and what DNS should say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTarget {
    pub host: String,
    pub class: Option<String>,
    /// The controller's LoadBalancer addresses.
    pub expected: Vec<String>,
    /// `address:port` of the controller's HTTPS port.
    pub https: Option<String>,
}

/// What `--probe` asks: k8s-gateway's address (`ip:port`), and every Ingress host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbePlan {
    pub dns_server: Option<String>,
    /// Why there is no DNS server to ask.
    pub dns_missing: Option<String>,
    pub targets: Vec<ProbeTarget>,
}

fn port_of(service: &Service, names: &[&str], number: i32) -> Option<i32> {
    let ports = service.spec.as_ref().and_then(|s| s.ports.as_ref())?;
    ports
        .iter()
        .find(|p| p.name.as_deref().is_some_and(|n| names.contains(&n)))
        .or_else(|| ports.iter().find(|p| p.port == number))
        .map(|p| p.port)
}

fn socket(address: &str, port: i32) -> String {
    if address.contains(':') { format!("[{address}]:{port}") } else { format!("{address}:{port}") }
}

pub fn probe_plan(snapshot: &NetworkSnapshot) -> ProbePlan {
    let all = workloads(snapshot);
    let gateways: Vec<Workload> = edge_workloads(&all, "k8s-gateway");
    let dns_service = snapshot.services.iter().find(|s| is_load_balancer(s) && gateways.iter().any(|w| selects(s, w)));
    let (dns_server, dns_missing) = match dns_service {
        None if gateways.is_empty() => (None, Some("no k8s-gateway workload found".to_owned())),
        None => (None, Some("k8s-gateway has no Service of type LoadBalancer".to_owned())),
        Some(service) => match (dns_address(&load_balancer_addresses(service)), port_of(service, &["dns", "dns-udp", "dns-tcp"], 53)) {
            // A DNS client asks an IP address; a cloud load balancer's
            // hostname would need resolving first, through some other server.
            (Some(address), Some(_)) if address.parse::<std::net::IpAddr>().is_err() => {
                (None, Some(format!("k8s-gateway's LoadBalancer address {address} is a hostname, not an IP address")))
            }
            (Some(address), Some(port)) => (Some(socket(address, port)), None),
            (None, _) => (None, Some("k8s-gateway's Service has no LoadBalancer address".to_owned())),
            (_, None) => (None, Some("k8s-gateway's Service has no DNS port".to_owned())),
        },
    };
    let by_class: BTreeMap<String, (Vec<String>, Option<String>)> = controllers(snapshot)
        .into_iter()
        .filter_map(|(class, _, service)| {
            let service = service?;
            let addresses = load_balancer_addresses(service);
            let https = addresses.first().zip(port_of(service, &["https", "websecure"], 443)).map(|(a, p)| socket(a, p));
            Some((class.metadata.name.clone()?, (addresses, https)))
        })
        .collect();
    let mut targets: Vec<ProbeTarget> = Vec::new();
    for ingress in &snapshot.ingresses {
        let class = class_of(snapshot, ingress).map(str::to_owned);
        for host in hosts(ingress) {
            if host.contains('*') || targets.iter().any(|t| t.host == host && t.class == class) {
                continue;
            }
            let (expected, https) = class.as_ref().and_then(|c| by_class.get(c)).cloned().unwrap_or_default();
            targets.push(ProbeTarget { host, class: class.clone(), expected, https });
        }
    }
    ProbePlan { dns_server, dns_missing, targets }
}

/// `probe/*`: what DNS and HTTPS answered for each host.
pub fn check_probes(snapshot: &NetworkSnapshot, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(probes) = &snapshot.probes else { return findings };
    let plan = probe_plan(snapshot);
    if let Some(reason) = &plan.dns_missing {
        findings.push(
            Finding::new("probe/unavailable", Severity::Info, format!("hosts were not resolved: {reason}"))
                .hint("--probe resolves each host through k8s-gateway's LoadBalancer address"),
        );
    }
    for probe in probes {
        let object = snapshot
            .ingresses
            .iter()
            .find(|i| hosts(i).contains(&probe.host) && class_of(snapshot, i).map(str::to_owned) == probe.class)
            .map(ingress_id);
        let severity = if is_external(config, probe.class.as_deref()) { Severity::Critical } else { Severity::Warning };
        let mut push = |rule: &str, severity: Severity, message: String, hint: &str| {
            let mut f = Finding::new(rule, severity, message).hint(hint);
            if let Some(object) = &object {
                f = f.object(object.clone());
            }
            findings.push(f);
        };
        let dns = probe.dns_server.as_deref().unwrap_or("k8s-gateway");
        if let Some(error) = &probe.dns_error {
            push("probe/dns-failed", severity, format!("{} does not resolve through {dns}: {error}", probe.host), "is the host in k8s-gateway's domain, and is its Ingress admitted (status.loadBalancer set)?");
        } else if !probe.expected.is_empty() && !probe.resolved.is_empty() && !probe.resolved.iter().any(|a| probe.expected.contains(a)) {
            push(
                "probe/dns-mismatch",
                severity,
                format!("{} resolves to {} through {dns}, not to its controller's address {}", probe.host, probe.resolved.join(", "), probe.expected.join(", ")),
                "a stale record, or the Ingress is in the wrong class; check k8s-gateway's and external-dns' sources",
            );
        }
        let target = probe.https_target.as_deref().unwrap_or("its controller");
        if probe.timed_out {
            push("probe/timeout", severity, format!("https://{}/ at {target} did not answer in time", probe.host), "is the controller's address announced (L2/BGP) and reachable from here?");
        } else if let Some(error) = &probe.tls_error {
            push("probe/tls-error", severity, format!("https://{}/ at {target}: TLS failed: {error}", probe.host), "check the Ingress's TLS Secret: the certificate must be valid, trusted and cover the host");
        } else if let Some(error) = &probe.error {
            push("probe/unreachable", severity, format!("https://{}/ at {target}: {error}", probe.host), "is the controller's address announced (L2/BGP) and reachable from here?");
        } else if let Some(error) = &probe.redirect_error {
            push("probe/http-error", severity, format!("https://{}/ at {target}: {error}", probe.host), "the app redirects in circles: check its base URL (https, the host) and whether it trusts X-Forwarded-Proto from the controller");
        } else if let Some(status) = probe.status.filter(|s| *s >= 500) {
            push("probe/http-error", severity, format!("https://{}/ at {target} answered {status}", probe.host), "the backend is down or failing: look at the Ingress's Service endpoints and the app's logs");
        }
        if let Some(location) = &probe.redirect {
            let (what, hint) = redirect_kind(location, &probe.host);
            push("probe/redirect-off-host", Severity::Info, format!("https://{}/ redirects to {location} ({what}; not followed)", probe.host), hint);
        }
    }
    findings
}

/// The address to ask: the first IP address, else the first (a hostname).
fn dns_address(addresses: &[String]) -> Option<&String> {
    addresses.iter().find(|a| a.parse::<std::net::IpAddr>().is_ok()).or(addresses.first())
}

/// What a redirect that was not followed leaves for: another host, or plain
/// HTTP on the same one (an app that does not know TLS ends at the controller).
fn redirect_kind(location: &str, host: &str) -> (&'static str, &'static str) {
    let plain = location.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
    let authority = location.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
    let same_host = authority.rsplit_once(':').map_or(authority, |(name, _)| name).eq_ignore_ascii_case(host);
    match (plain, same_host) {
        (false, true) => ("the same host on another port or in another form", "redirects are followed only to https://HOST/… on port 443"),
        (true, true) => (
            "plain HTTP on the same host",
            "the app may not know TLS ends at the controller: set its base URL to https, or trust X-Forwarded-Proto",
        ),
        (true, false) => ("another host, over plain HTTP", "an SSO login page or a canonical host; over plain HTTP it is worth a look"),
        _ => ("another host", "an SSO login page or a canonical host, usually fine"),
    }
}

/// `details.tunnel` and `details.dns`.
pub fn edge_rows(snapshot: &NetworkSnapshot) -> (Value, Value) {
    let all = workloads(snapshot);
    let rows = |app: &str| -> Vec<Value> {
        edge_workloads(&all, app)
            .iter()
            .map(|w| json!({ "app": app, "workload": w.id(), "desired": w.desired, "available": w.available }))
            .collect()
    };
    let readiness: Vec<Value> = snapshot
        .tunnel_readiness
        .iter()
        .map(|r| json!({ "namespace": r.namespace, "pod": r.pod, "port": r.port, "readyConnections": r.body.as_ref().and_then(|b| b["readyConnections"].as_u64()), "error": r.error }))
        .collect();
    let tunnel = json!({ "workloads": rows("cloudflared"), "ready": readiness, "unchecked": snapshot.tunnel_unchecked });
    let mut dns = rows("k8s-gateway");
    dns.extend(rows("external-dns"));
    let plan = probe_plan(snapshot);
    (tunnel, json!({ "workloads": dns, "server": plan.dns_server }))
}

#[cfg(test)]
mod tests {
    use super::redirect_kind;

    #[test]
    fn redirects_are_named_for_where_they_go() {
        assert_eq!(redirect_kind("https://sso.example.com/login", "app.example.com").0, "another host");
        assert_eq!(redirect_kind("http://app.example.com/", "app.example.com").0, "plain HTTP on the same host");
        assert_eq!(redirect_kind("HTTP://APP.example.com:80/x", "app.example.com").0, "plain HTTP on the same host");
        assert_eq!(redirect_kind("http://other.example.com/", "app.example.com").0, "another host, over plain HTTP");
        assert_eq!(redirect_kind("https://app.example.com:8443/", "app.example.com").0, "the same host on another port or in another form");
    }
}
