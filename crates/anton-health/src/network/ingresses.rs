//! Ingresses (class, backends and their endpoints, TLS Secrets, host and path
//! claimed twice) and Gateway API HTTPRoutes.

use std::collections::BTreeMap;

use anton_core::{Finding, Severity};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{Ingress, IngressServiceBackend};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::controllers::default_classes;
use super::{NetworkConfig, NetworkSnapshot};
use crate::storage::custom_id;
use crate::util::{age, object_id, parse_timestamp};

pub fn ingress_id(ingress: &Ingress) -> String {
    object_id("Ingress", ingress.metadata.namespace.as_deref(), ingress.metadata.name.as_deref().unwrap_or(""))
}

/// The class an Ingress asks for: `spec.ingressClassName`, the old
/// `kubernetes.io/ingress.class` annotation, or the default class.
pub fn class_of<'a>(snapshot: &'a NetworkSnapshot, ingress: &'a Ingress) -> Option<&'a str> {
    ingress
        .spec
        .as_ref()
        .and_then(|s| s.ingress_class_name.as_deref())
        .or_else(|| ingress.metadata.annotations.as_ref().and_then(|a| a.get("kubernetes.io/ingress.class")).map(String::as_str))
        .or_else(|| default_classes(snapshot).first().copied())
}

/// Every `(host, path, backend)` of an Ingress (the default backend as host `*`, path `/`).
pub fn routes(ingress: &Ingress) -> Vec<(String, String, Option<&IngressServiceBackend>)> {
    let mut out = Vec::new();
    let Some(spec) = &ingress.spec else { return out };
    if let Some(backend) = &spec.default_backend {
        out.push(("*".to_owned(), "/".to_owned(), backend.service.as_ref()));
    }
    for rule in spec.rules.iter().flatten() {
        let host = rule.host.clone().unwrap_or_else(|| "*".to_owned());
        for path in rule.http.iter().flat_map(|h| h.paths.iter()) {
            out.push((host.clone(), path.path.clone().unwrap_or_else(|| "/".to_owned()), path.backend.service.as_ref()));
        }
    }
    out
}

/// The hosts of an Ingress's rules.
pub fn hosts(ingress: &Ingress) -> Vec<String> {
    let mut out: Vec<String> =
        ingress.spec.iter().flat_map(|s| s.rules.iter().flatten()).filter_map(|r| r.host.clone()).collect();
    out.dedup();
    out
}

pub fn is_external(config: &NetworkConfig, class: Option<&str>) -> bool {
    class.is_some_and(|c| config.external_classes.contains(c))
}

fn find_service<'s>(snapshot: &'s NetworkSnapshot, namespace: &str, name: &str) -> Option<&'s Service> {
    snapshot.services.iter().find(|s| s.metadata.namespace.as_deref() == Some(namespace) && s.metadata.name.as_deref() == Some(name))
}

/// Ready endpoints behind a Service (EndpointSlices labelled with its name).
pub fn ready_endpoints(snapshot: &NetworkSnapshot, namespace: &str, service: &str) -> usize {
    snapshot
        .endpoint_slices
        .iter()
        .filter(|s| {
            s.metadata.namespace.as_deref() == Some(namespace)
                && s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name")).map(String::as_str) == Some(service)
        })
        .flat_map(|s| s.endpoints.iter().flatten())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .map(|e| e.addresses.len())
        .sum()
}

/// What is wrong with a backend: the Service or its port is missing.
fn backend_problem(service: Option<&Service>, backend: &IngressServiceBackend) -> Option<String> {
    let Some(service) = service else { return Some(format!("Service {} does not exist", backend.name)) };
    let port = backend.port.as_ref()?;
    let ports = service.spec.as_ref().and_then(|s| s.ports.as_ref());
    let found = ports.into_iter().flatten().any(|p| match (&port.name, port.number) {
        (Some(name), _) => p.name.as_deref() == Some(name.as_str()),
        (None, Some(number)) => p.port == number,
        _ => true,
    });
    if found {
        return None;
    }
    let wanted = port.name.clone().or_else(|| port.number.map(|n| n.to_string())).unwrap_or_default();
    let have: Vec<String> =
        ports.into_iter().flatten().map(|p| p.name.clone().map_or(p.port.to_string(), |n| format!("{n}/{}", p.port))).collect();
    Some(format!("Service {} has no port {wanted} (it has: {})", backend.name, if have.is_empty() { "none".to_owned() } else { have.join(", ") }))
}

/// `ingress/class-missing`, `ingress/backend-missing`, `ingress/no-endpoints`,
/// `ingress/tls-secret-missing`, `ingress/duplicate-path`.
pub fn check_ingresses(snapshot: &NetworkSnapshot, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let classes: Vec<&str> = snapshot.ingress_classes.iter().filter_map(|c| c.metadata.name.as_deref()).collect();
    let mut claims: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for ingress in &snapshot.ingresses {
        let ns = ingress.metadata.namespace.as_deref().unwrap_or("");
        let id = ingress_id(ingress);
        let class = class_of(snapshot, ingress);
        match class.filter(|_| snapshot.was_read("IngressClasses")) {
            Some(class) if !classes.contains(&class) => findings.push(
                Finding::new(
                    "ingress/class-missing",
                    Severity::Critical,
                    format!("{id} asks for IngressClass {class}, which does not exist (have: {}): no controller serves it", list(&classes)),
                )
                .object(id.clone())
                .hint("fix spec.ingressClassName in Git (`kubectl get ingressclass` lists the classes)"),
            ),
            None if snapshot.was_read("IngressClasses") => findings.push(
                Finding::new(
                    "ingress/class-missing",
                    Severity::Warning,
                    format!("{id} names no IngressClass and none is marked default: no controller is bound to serve it"),
                )
                .object(id.clone())
                .hint("set spec.ingressClassName in Git (internal or external)"),
            ),
            _ => {}
        }
        let external = is_external(config, class);
        let mut seen_backends = Vec::new();
        for (host, path, backend) in routes(ingress) {
            claims.entry((class.unwrap_or("").to_owned(), host.clone(), path.clone())).or_default().push(id.clone());
            let Some(backend) = backend else { continue };
            if seen_backends.contains(&backend) {
                continue;
            }
            seen_backends.push(backend);
            if !snapshot.was_read("Services") {
                continue;
            }
            let service = find_service(snapshot, ns, &backend.name);
            if let Some(problem) = backend_problem(service, backend) {
                findings.push(
                    Finding::new("ingress/backend-missing", Severity::Critical, format!("{id} routes {host}{path} to a backend that is not there: {problem}"))
                        .object(id.clone())
                        .hint(format!("kubectl -n {ns} get service {} -o yaml; fix the backend in the Ingress or the Service in Git", backend.name)),
                );
                continue;
            }
            let external_name = service.and_then(|s| s.spec.as_ref()).and_then(|s| s.type_.as_deref()) == Some("ExternalName");
            if !external_name && snapshot.was_read("EndpointSlices") && ready_endpoints(snapshot, ns, &backend.name) == 0 {
                let severity = if external { Severity::Critical } else { Severity::Warning };
                findings.push(
                    Finding::new(
                        "ingress/no-endpoints",
                        severity,
                        format!("{id} routes {host}{path} to Service {}, which has no ready endpoints: requests get 503", backend.name),
                    )
                    .object(id.clone())
                    .hint(format!("kubectl -n {ns} get endpointslices -l kubernetes.io/service-name={}; are its pods running and Ready, and does its selector match them?", backend.name)),
                );
            }
        }
        if let Some(secrets) = &snapshot.tls_secrets {
            for tls in ingress.spec.iter().flat_map(|s| s.tls.iter().flatten()) {
                let Some(secret) = tls.secret_name.as_deref() else { continue };
                if secrets.iter().any(|s| s.namespace == ns && s.name == secret)
                    || snapshot.tls_secrets_unread.iter().any(|unread| *unread == format!("{ns}/{secret}"))
                {
                    continue;
                }
                let maker = snapshot.certificates.iter().flatten().find(|c| {
                    c.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
                        && c.pointer("/spec/secretName").and_then(Value::as_str) == Some(secret)
                });
                let why = match maker {
                    Some(c) => format!("; the Certificate {} should make it", custom_id(c)),
                    None => "; no cert-manager Certificate makes it".to_owned(),
                };
                findings.push(
                    Finding::new(
                        "ingress/tls-secret-missing",
                        if external { Severity::Critical } else { Severity::Warning },
                        format!("{id} serves TLS with Secret {secret}, which does not exist{why}: the controller serves its fallback certificate"),
                    )
                    .object(id.clone())
                    .hint(format!("kubectl -n {ns} get certificate,secret; add a Certificate for {secret}, or the cert-manager.io/cluster-issuer annotation on the Ingress")),
                );
            }
        }
    }
    for ((class, host, path), ids) in claims {
        let mut ids = ids;
        ids.dedup();
        if ids.len() > 1 {
            findings.push(
                Finding::new(
                    "ingress/duplicate-path",
                    Severity::Warning,
                    format!("{host}{path} (class {class}) is claimed by {}: the controller picks one of them", ids.join(" and ")),
                )
                .object(ids[1].clone())
                .hint("keep one Ingress per host and path in a class; remove or rename the other in Git"),
            );
        }
    }
    findings
}

fn list(items: &[&str]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

fn parent_name(status: &Value) -> String {
    let parent = &status["parentRef"];
    let name = parent["name"].as_str().unwrap_or("");
    let section = parent["sectionName"].as_str().map(|s| format!("/{s}")).unwrap_or_default();
    match parent["namespace"].as_str() {
        Some(ns) => format!("{ns}/{name}{section}"),
        None => format!("{name}{section}"),
    }
}

/// `route/not-accepted`, `route/refs-unresolved`.
pub fn check_routes(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    for route in snapshot.http_routes.iter().flatten() {
        let id = custom_id(route);
        let parents = route.pointer("/status/parents").and_then(Value::as_array).cloned().unwrap_or_default();
        if parents.is_empty() {
            let created = route.pointer("/metadata/creationTimestamp").and_then(Value::as_str).and_then(parse_timestamp);
            if created.is_none_or(|c| age(now, c) >= config.pending_grace) {
                findings.push(
                    Finding::new("route/not-accepted", Severity::Warning, format!("{id}: no Gateway reports on it (status.parents is empty): is its parentRef right?"))
                        .object(id.clone())
                        .hint("kubectl get gateways -A; the parentRefs must name a Gateway whose listeners allow this route"),
                );
            }
        }
        for parent in &parents {
            let conditions = parent["conditions"].as_array().cloned().unwrap_or_default();
            let find = |kind: &str| conditions.iter().find(|c| c["type"] == kind);
            let describe = |c: &Value| format!("{}: {}", c["reason"].as_str().unwrap_or("no reason"), c["message"].as_str().unwrap_or("no message"));
            if let Some(c) = find("Accepted").filter(|c| c["status"] != "True") {
                findings.push(
                    Finding::new("route/not-accepted", Severity::Critical, format!("{id} is not accepted by {} ({})", parent_name(parent), describe(c)))
                        .object(id.clone())
                        .hint("kubectl describe httproute; check the Gateway's listeners (hostname, allowedRoutes) and the parentRef"),
                );
            }
            if let Some(c) = find("ResolvedRefs").filter(|c| c["status"] == "False") {
                findings.push(
                    Finding::new("route/refs-unresolved", Severity::Critical, format!("{id} has backends {} cannot resolve ({})", parent_name(parent), describe(c)))
                        .object(id.clone())
                        .hint("check backendRefs: the Service and port exist, and a ReferenceGrant allows other namespaces"),
                );
            }
        }
    }
    findings
}

/// `details.routes`.
pub fn route_rows(snapshot: &NetworkSnapshot) -> Value {
    let Some(routes) = &snapshot.http_routes else { return Value::Null };
    Value::Array(
        routes
            .iter()
            .map(|r| {
                let parents: Vec<Value> = r
                    .pointer("/status/parents")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        let status = |kind: &str| p["conditions"].as_array().into_iter().flatten().find(|c| c["type"] == kind).map(|c| c["status"].clone());
                        json!({ "parent": parent_name(p), "accepted": status("Accepted"), "resolvedRefs": status("ResolvedRefs") })
                    })
                    .collect();
                json!({
                    "namespace": r.pointer("/metadata/namespace"),
                    "name": r.pointer("/metadata/name"),
                    "hostnames": r.pointer("/spec/hostnames").cloned().unwrap_or(json!([])),
                    "parents": parents,
                })
            })
            .collect(),
    )
}
