//! Node resource use from metrics.k8s.io: `metrics/cpu-high`,
//! `metrics/memory-high`, and `metrics/unavailable` (said once) when the
//! metrics API is not served.

use anton_core::{Finding, Severity};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::HealthConfig;
use crate::nodes::node_name;
use crate::snapshot::Snapshot;
use crate::util::parse_quantity;

/// One node's use of its allocatable CPU and memory, as fractions.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeUsage {
    pub node: String,
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
}

pub fn node_usage(snapshot: &Snapshot) -> Vec<NodeUsage> {
    let (Some(nodes), Some(metrics)) = (&snapshot.nodes, &snapshot.node_metrics) else { return Vec::new() };
    let mut usage = Vec::new();
    for node in nodes {
        let name = node_name(node);
        let Some(sample) = metrics.iter().find(|m| m.pointer("/metadata/name").and_then(Value::as_str) == Some(&name))
        else {
            continue;
        };
        let allocatable = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
        let fraction = |resource: &str| -> Option<f64> {
            let used = parse_quantity(sample.pointer(&format!("/usage/{resource}"))?.as_str()?)?;
            let total = parse_quantity(&allocatable?.get(resource)?.0)?;
            (total > 0.0).then_some(used / total)
        };
        usage.push(NodeUsage { node: name.clone(), cpu: fraction("cpu"), memory: fraction("memory") });
    }
    usage
}

pub fn check_metrics(snapshot: &Snapshot, _now: Timestamp, config: &HealthConfig) -> Vec<Finding> {
    if snapshot.nodes.is_none() {
        return Vec::new();
    }
    if snapshot.node_metrics.is_none() {
        return vec![
            Finding::new(
                "metrics/unavailable",
                Severity::Info,
                "metrics.k8s.io is not served, so node CPU and memory use were not checked",
            )
            .hint("install metrics-server (kube-system) to get node resource checks and `kubectl top`"),
        ];
    }
    let mut findings = Vec::new();
    for usage in node_usage(snapshot) {
        let name = &usage.node;
        if let Some(cpu) = usage.cpu.filter(|&f| f > config.cpu_threshold) {
            findings.push(
                Finding::new(
                    "metrics/cpu-high",
                    Severity::Warning,
                    format!("node {name} uses {:.0} % of its allocatable CPU (threshold {:.0} %)", cpu * 100.0, config.cpu_threshold * 100.0),
                )
                .object(format!("Node/{name}"))
                .hint(format!("`kubectl top pods -A --sort-by=cpu` shows who; check CPU limits, or move work off {name}")),
            );
        }
        if let Some(memory) = usage.memory.filter(|&f| f > config.memory_threshold) {
            findings.push(
                Finding::new(
                    "metrics/memory-high",
                    Severity::Warning,
                    format!(
                        "node {name} uses {:.0} % of its allocatable memory (threshold {:.0} %)",
                        memory * 100.0,
                        config.memory_threshold * 100.0
                    ),
                )
                .object(format!("Node/{name}"))
                .hint("`kubectl top pods -A --sort-by=memory` shows who; the kubelet starts evicting pods under memory pressure"),
            );
        }
    }
    findings
}

pub fn metrics_details(snapshot: &Snapshot) -> Value {
    if snapshot.nodes.is_none() {
        return Value::Null;
    }
    let nodes: Vec<Value> = node_usage(snapshot)
        .into_iter()
        .map(|u| json!({"node": u.node, "cpu": u.cpu, "memory": u.memory}))
        .collect();
    json!({ "available": snapshot.node_metrics.is_some(), "nodes": nodes })
}
