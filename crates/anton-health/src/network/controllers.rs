//! Ingress controllers and LoadBalancer addresses (Cilium LB-IPAM).

use anton_core::{Finding, Severity};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::IngressClass;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::workloads::{Workload, controller_for, is_load_balancer, load_balancer_addresses, load_balancer_of, selects, workloads};
use super::{NetworkConfig, NetworkSnapshot, condition};
use crate::storage::custom_id;
use crate::util::{age, human_duration, object_id};

const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";

pub fn is_default(class: &IngressClass) -> bool {
    class.metadata.annotations.as_ref().and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION)).is_some_and(|v| v == "true")
}

pub fn default_classes(snapshot: &NetworkSnapshot) -> Vec<&str> {
    snapshot.ingress_classes.iter().filter(|c| is_default(c)).filter_map(|c| c.metadata.name.as_deref()).collect()
}

/// Each IngressClass with its controller workload and that workload's LoadBalancer Service.
pub fn controllers(snapshot: &NetworkSnapshot) -> Vec<(&IngressClass, Option<Workload<'_>>, Option<&Service>)> {
    let all = workloads(snapshot);
    snapshot
        .ingress_classes
        .iter()
        .map(|class| {
            let workload = controller_for(&all, class);
            let service = workload.as_ref().and_then(|w| load_balancer_of(snapshot, w));
            (class, workload, service)
        })
        .collect()
}

/// How long a Service has existed without an address, when it has none.
fn pending_for(service: &Service, now: Timestamp) -> Option<std::time::Duration> {
    if !load_balancer_addresses(service).is_empty() {
        return None;
    }
    let created = service.metadata.creation_timestamp.as_ref().map(|t| t.0)?;
    Some(age(now, created))
}

fn service_id(service: &Service) -> String {
    object_id("Service", service.metadata.namespace.as_deref(), service.metadata.name.as_deref().unwrap_or(""))
}

/// `controller/missing`, `controller/unavailable`, `controller/no-address`,
/// `ingress/multiple-default-classes`.
pub fn check_controllers(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (class, workload, service) in controllers(snapshot) {
        let name = class.metadata.name.as_deref().unwrap_or("");
        let controller = class.spec.as_ref().and_then(|s| s.controller.as_deref()).unwrap_or("(none)");
        let class_id = object_id("IngressClass", None, name);
        let Some(workload) = workload else {
            // Cilium's agent serves its IngressClass (no workload of its own);
            // without the workload lists there is nothing to compare with
            // (network/unread says so).
            if controller.starts_with("io.cilium/") || !(snapshot.was_read("Deployments") && snapshot.was_read("DaemonSets")) {
                continue;
            }
            findings.push(
                Finding::new(
                    "controller/missing",
                    Severity::Warning,
                    format!("no Deployment or DaemonSet serves IngressClass {name} (controller {controller}): its Ingresses are not served"),
                )
                .object(class_id)
                .hint(format!("install the controller, or look for it: `kubectl get deploy,ds -A | grep -i {name}`; anton looks for --controller-class={controller}, --ingress-class={name} or Traefik's --providers.kubernetesingress.ingressclass={name} in its arguments, or a workload named after the controller")),
            );
            continue;
        };
        if !workload.is_available() {
            let severity = if workload.available == 0 { Severity::Critical } else { Severity::Warning };
            findings.push(
                Finding::new(
                    "controller/unavailable",
                    severity,
                    format!(
                        "the controller of IngressClass {name}, {} {}/{}, has {} of {} replicas available",
                        workload.kind, workload.namespace, workload.name, workload.available, workload.desired
                    ),
                )
                .object(workload.id())
                .hint(format!("kubectl -n {} describe {} {}; kubectl -n {} logs {}/{}", workload.namespace, workload.kind.to_lowercase(), workload.name, workload.namespace, workload.kind.to_lowercase(), workload.name)),
            );
        }
        if let Some(service) = service
            && let Some(waiting) = pending_for(service, now)
        {
            let beyond = waiting >= config.pending_grace;
            findings.push(
                Finding::new(
                    "controller/no-address",
                    if beyond { Severity::Critical } else { Severity::Info },
                    format!(
                        "{} in front of IngressClass {name} has no LoadBalancer address after {}{}",
                        service_id(service),
                        human_duration(waiting),
                        pool_reason(snapshot, service)
                    ),
                )
                .object(service_id(service))
                .hint("no address, no traffic: check the LB-IPAM pool that should serve it (`kubectl get ciliumloadbalancerippools`) and `kubectl describe service`"),
            );
        }
    }
    let defaults = default_classes(snapshot);
    if defaults.len() > 1 {
        findings.push(
            Finding::new(
                "ingress/multiple-default-classes",
                Severity::Warning,
                format!("{} IngressClasses are marked default ({}): an Ingress without ingressClassName gets either", defaults.len(), defaults.join(", ")),
            )
            .hint(format!("keep the annotation {DEFAULT_CLASS_ANNOTATION}: \"true\" on one IngressClass only")),
        );
    }
    findings
}

/// The pools, one row each: name, disabled, conflict, IP counts.
pub fn pool_rows(snapshot: &NetworkSnapshot) -> Vec<Value> {
    snapshot
        .ip_pools
        .iter()
        .flatten()
        .map(|pool| {
            let count = |kind: &str| condition(pool, kind).and_then(|c| c["message"].as_str()).and_then(|m| m.trim().parse::<u64>().ok());
            json!({
                "name": pool.pointer("/metadata/name"),
                "disabled": pool.pointer("/spec/disabled").and_then(Value::as_bool).unwrap_or(false),
                "conflict": condition(pool, "cilium.io/PoolConflict").is_some_and(|c| c["status"] == "True"),
                "ipsTotal": count("cilium.io/IPsTotal"),
                "ipsAvailable": count("cilium.io/IPsAvailable"),
                "ipsUsed": count("cilium.io/IPsUsed"),
                "blocks": pool.pointer("/spec/blocks").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// Whether a label selector (`matchLabels`, `matchExpressions`) selects `labels`.
fn selector_matches(selector: &Value, labels: &std::collections::BTreeMap<String, String>) -> bool {
    let by_labels = selector["matchLabels"].as_object().into_iter().flatten().all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str());
    let by_expressions = selector["matchExpressions"].as_array().into_iter().flatten().all(|e| {
        let key = e["key"].as_str().unwrap_or("");
        let values: Vec<&str> = e["values"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        match e["operator"].as_str().unwrap_or("") {
            "In" => labels.get(key).is_some_and(|v| values.contains(&v.as_str())),
            "NotIn" => labels.get(key).is_none_or(|v| !values.contains(&v.as_str())),
            "Exists" => labels.contains_key(key),
            "DoesNotExist" => !labels.contains_key(key),
            _ => false,
        }
    });
    by_labels && by_expressions
}

/// The enabled pools whose `serviceSelector` selects `service` (no selector: every Service).
/// LB-IPAM also matches on `io.kubernetes.service.namespace` and `…name`.
pub fn pools_for<'s>(snapshot: &'s NetworkSnapshot, service: &Service) -> Vec<&'s Value> {
    let mut labels = service.metadata.labels.clone().unwrap_or_default();
    labels.insert("io.kubernetes.service.namespace".into(), service.metadata.namespace.clone().unwrap_or_default());
    labels.insert("io.kubernetes.service.name".into(), service.metadata.name.clone().unwrap_or_default());
    snapshot
        .ip_pools
        .iter()
        .flatten()
        .filter(|p| !p.pointer("/spec/disabled").and_then(Value::as_bool).unwrap_or(false))
        .filter(|p| match p.pointer("/spec/serviceSelector") {
            Some(selector) if !selector.is_null() => selector_matches(selector, &labels),
            _ => true,
        })
        .collect()
}

/// `: pool X (0 of 8 IPs available)` / `: no CiliumLoadBalancerIPPool selects it` /
/// LB-IPAM's own `cilium.io/IPAMRequestSatisfied` message.
fn pool_reason(snapshot: &NetworkSnapshot, service: &Service) -> String {
    let mut out = String::new();
    if snapshot.ip_pools.is_some() {
        let pools = pools_for(snapshot, service);
        if pools.is_empty() {
            out.push_str(": no enabled CiliumLoadBalancerIPPool selects it");
        } else {
            let names: Vec<String> = pools
                .iter()
                .map(|p| {
                    let name = p.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
                    match condition(p, "cilium.io/IPsAvailable").and_then(|c| c["message"].as_str()) {
                        Some(available) => format!("{name} ({available} IPs available)"),
                        None => name.to_owned(),
                    }
                })
                .collect();
            out.push_str(&format!(": the pool that should serve it is {}", names.join(", ")));
        }
    }
    let satisfied = service
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "cilium.io/IPAMRequestSatisfied" && c.status == "False");
    if let Some(c) = satisfied {
        out.push_str(&format!("; LB-IPAM says {}: {}", c.reason, c.message));
    }
    out
}

/// `lb/pool-conflict`, `lb/pool-exhausted`, `lb/pending`.
pub fn check_load_balancers(snapshot: &NetworkSnapshot, now: Timestamp, config: &NetworkConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let controller_services: Vec<String> = controllers(snapshot).iter().filter_map(|(_, _, s)| s.map(service_id)).collect();
    let pending: Vec<&Service> = snapshot
        .services
        .iter()
        .filter(|s| is_load_balancer(s) && pending_for(s, now).is_some_and(|d| d >= config.pending_grace))
        .collect();
    for pool in snapshot.ip_pools.iter().flatten() {
        let name = pool.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
        if let Some(c) = condition(pool, "cilium.io/PoolConflict").filter(|c| c["status"] == "True") {
            findings.push(
                Finding::new(
                    "lb/pool-conflict",
                    Severity::Critical,
                    format!(
                        "CiliumLoadBalancerIPPool {name} conflicts with another pool ({}): LB-IPAM allocates nothing from it",
                        c["message"].as_str().unwrap_or("no message")
                    ),
                )
                .object(custom_id(pool))
                .hint("give each pool its own CIDR blocks in Git; a conflicting pool stays unused until the overlap is gone"),
            );
        }
        let available = condition(pool, "cilium.io/IPsAvailable").and_then(|c| c["message"].as_str()).and_then(|m| m.trim().parse::<u64>().ok());
        if available == Some(0) && !pool.pointer("/spec/disabled").and_then(Value::as_bool).unwrap_or(false) {
            let waiting: Vec<String> = pending
                .iter()
                .filter(|s| pools_for(snapshot, s).iter().any(|p| p.pointer("/metadata/name") == pool.pointer("/metadata/name")))
                .map(|s| service_id(s))
                .collect();
            let (severity, tail) = if waiting.is_empty() {
                (Severity::Warning, "the next LoadBalancer Service it selects gets no address".to_owned())
            } else {
                (Severity::Critical, format!("waiting for one: {}", waiting.join(", ")))
            };
            findings.push(
                Finding::new("lb/pool-exhausted", severity, format!("CiliumLoadBalancerIPPool {name} has no IPs left: {tail}"))
                    .object(custom_id(pool))
                    .hint("add a block to the pool's spec.blocks in Git, or free addresses (`kubectl get svc -A --field-selector spec.type=LoadBalancer`)"),
            );
        }
    }
    for service in pending {
        let id = service_id(service);
        if controller_services.contains(&id) {
            continue; // controller/no-address says it, as critical
        }
        let waiting = pending_for(service, now).unwrap_or_default();
        findings.push(
            Finding::new(
                "lb/pending",
                Severity::Warning,
                format!("{id} (type LoadBalancer) has no address after {}{}", human_duration(waiting), pool_reason(snapshot, service)),
            )
            .object(id)
            .hint(format!(
                "kubectl -n {} describe service {}; a pool must select it (spec.serviceSelector) and have free IPs",
                service.metadata.namespace.as_deref().unwrap_or(""),
                service.metadata.name.as_deref().unwrap_or("")
            )),
        );
    }
    findings
}

/// `details.controllers`: one row per IngressClass.
pub fn controller_rows(snapshot: &NetworkSnapshot) -> Vec<Value> {
    controllers(snapshot)
        .into_iter()
        .map(|(class, workload, service)| {
            json!({
                "class": class.metadata.name,
                "controller": class.spec.as_ref().and_then(|s| s.controller.clone()),
                "default": is_default(class),
                "workload": workload.as_ref().map(Workload::id),
                "desired": workload.as_ref().map(|w| w.desired),
                "available": workload.as_ref().map(|w| w.available),
                "service": service.map(service_id),
                "addresses": service.map(load_balancer_addresses).unwrap_or_default(),
            })
        })
        .collect()
}

/// `details.loadBalancers.services`: every Service of type LoadBalancer.
pub fn service_rows(snapshot: &NetworkSnapshot) -> Vec<Value> {
    let all = workloads(snapshot);
    snapshot
        .services
        .iter()
        .filter(|s| is_load_balancer(s))
        .map(|s| {
            let pools: Vec<&str> = pools_for(snapshot, s).iter().filter_map(|p| p.pointer("/metadata/name").and_then(Value::as_str)).collect();
            json!({
                "namespace": s.metadata.namespace,
                "name": s.metadata.name,
                "addresses": load_balancer_addresses(s),
                "pools": if snapshot.ip_pools.is_some() { json!(pools) } else { Value::Null },
                "workload": all.iter().find(|w| selects(s, w)).map(Workload::id),
            })
        })
        .collect()
}
