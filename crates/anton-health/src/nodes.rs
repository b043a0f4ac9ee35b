//! Nodes and the control plane: `node/not-ready`, `node/pressure`,
//! `node/network-unavailable`, `node/cordoned`, `node/version-skew`,
//! `controlplane/quorum`.

use anton_core::{Finding, Severity};
use k8s_openapi::api::core::v1::{Node, NodeCondition};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::HealthConfig;
use crate::snapshot::Snapshot;
use crate::util::{age, human_duration, minor_version, talos_version};

const CONTROL_PLANE_LABELS: [&str; 2] =
    ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

pub fn check_nodes(snapshot: &Snapshot, now: Timestamp, config: &HealthConfig) -> Vec<Finding> {
    let Some(nodes) = &snapshot.nodes else { return Vec::new() };
    let mut findings = Vec::new();
    let server_minor = snapshot.server_version.as_deref().and_then(minor_version);
    for node in nodes {
        let name = node_name(node);
        let object = format!("Node/{name}");
        let next = node_hint(node);
        match condition(node, "Ready") {
            Some(ready) if ready.status == "True" => {}
            Some(ready) => {
                let since = ready
                    .last_transition_time
                    .as_ref()
                    .map(|t| format!(" for {}", human_duration(age(now, t.0))))
                    .unwrap_or_default();
                let why = if ready.status == "Unknown" {
                    "the kubelet stopped posting node status".to_owned()
                } else {
                    condition_text(ready)
                };
                findings.push(
                    Finding::new("node/not-ready", Severity::Critical, format!("node {name} is NotReady{since}: {why}"))
                        .object(&object)
                        .hint(next.clone()),
                );
            }
            None => findings.push(
                Finding::new("node/not-ready", Severity::Critical, format!("node {name} has no Ready condition; its kubelet never reported"))
                    .object(&object)
                    .hint(next.clone()),
            ),
        }
        for pressure in ["MemoryPressure", "DiskPressure", "PIDPressure"] {
            if let Some(c) = condition(node, pressure).filter(|c| c.status == "True") {
                findings.push(
                    Finding::new("node/pressure", Severity::Warning, format!("node {name} has {pressure}: {}", condition_text(c)))
                        .object(&object)
                        .hint(format!("the kubelet evicts pods under pressure; see `kubectl describe node {name}` and `kubectl top pods -A --sort-by=memory`")),
                );
            }
        }
        if let Some(c) = condition(node, "NetworkUnavailable").filter(|c| c.status == "True") {
            findings.push(
                Finding::new("node/network-unavailable", Severity::Critical, format!("node {name} has NetworkUnavailable: {}", condition_text(c)))
                    .object(&object)
                    .hint("the CNI (Cilium) has not configured this node's network; check `kubectl -n kube-system get pods -o wide` for the cilium pod on it"),
            );
        }
        if node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
            findings.push(
                Finding::new("node/cordoned", Severity::Warning, format!("node {name} is cordoned (SchedulingDisabled): no new pods are placed on it"))
                    .object(&object)
                    .hint(format!("when maintenance is done: `kubectl uncordon {name}`")),
            );
        }
        if let (Some(server), Some(kubelet)) = (server_minor, node_info(node).map(|i| i.kubelet_version.as_str()))
            && let Some(kubelet_minor) = minor_version(kubelet) {
                findings.extend(version_skew(&name, &object, server, kubelet_minor, kubelet, snapshot, config));
            }
    }
    findings.extend(check_quorum(nodes));
    findings
}

fn version_skew(
    name: &str,
    object: &str,
    server: (u32, u32),
    kubelet: (u32, u32),
    kubelet_text: &str,
    snapshot: &Snapshot,
    config: &HealthConfig,
) -> Option<Finding> {
    let server_text = snapshot.server_version.as_deref().unwrap_or("?");
    if kubelet.0 != server.0 || kubelet.1 > server.1 {
        return Some(
            Finding::new(
                "node/version-skew",
                Severity::Critical,
                format!("kubelet {kubelet_text} on node {name} is newer than the API server {server_text}; Kubernetes does not support that"),
            )
            .object(object)
            .hint("upgrade the control plane first (`task talos:upgrade-k8s`), then the kubelets"),
        );
    }
    let behind = server.1 - kubelet.1;
    if behind > config.max_kubelet_minor_skew {
        return Some(
            Finding::new(
                "node/version-skew",
                Severity::Critical,
                format!("kubelet {kubelet_text} on node {name} is {behind} minor versions behind the API server {server_text} (at most {} are supported)", config.max_kubelet_minor_skew),
            )
            .object(object)
            .hint("upgrade Kubernetes on this node (`task talos:upgrade-k8s`)"),
        );
    }
    if behind > 0 {
        return Some(
            Finding::new(
                "node/version-skew",
                Severity::Info,
                format!("kubelet {kubelet_text} on node {name} trails the API server {server_text} by {behind} minor version(s); supported, but finish the upgrade"),
            )
            .object(object),
        );
    }
    None
}

/// etcd on the control-plane nodes needs a majority: ⌊n/2⌋+1 of n Ready.
fn check_quorum(nodes: &[Node]) -> Vec<Finding> {
    let control_plane: Vec<&Node> = nodes.iter().filter(|n| is_control_plane(n)).collect();
    let total = control_plane.len();
    if total == 0 {
        return Vec::new();
    }
    let ready = control_plane.iter().filter(|n| is_ready(n)).count();
    let needed = total / 2 + 1;
    let not_ready: Vec<String> = control_plane.iter().filter(|n| !is_ready(n)).map(|n| node_name(n)).collect();
    if ready < needed {
        vec![
            Finding::new(
                "controlplane/quorum",
                Severity::Critical,
                format!(
                    "only {ready} of {total} control-plane nodes are Ready; etcd needs {needed} for quorum (NotReady: {})",
                    not_ready.join(", ")
                ),
            )
            .hint("bring a control-plane node back before anything else; do not reboot or upgrade another node (`talosctl -n <node-ip> health`)"),
        ]
    } else if ready == needed && ready < total {
        vec![
            Finding::new(
                "controlplane/quorum",
                Severity::Warning,
                format!(
                    "{ready} of {total} control-plane nodes are Ready: one more failure loses etcd quorum (NotReady: {})",
                    not_ready.join(", ")
                ),
            )
            .hint("do not take another node down until `anton health` is clean"),
        ]
    } else {
        Vec::new()
    }
}

pub(crate) fn node_name(node: &Node) -> String {
    node.metadata.name.clone().unwrap_or_default()
}

pub(crate) fn condition<'a>(node: &'a Node, kind: &str) -> Option<&'a NodeCondition> {
    node.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == kind)
}

pub(crate) fn is_ready(node: &Node) -> bool {
    condition(node, "Ready").is_some_and(|c| c.status == "True")
}

pub(crate) fn is_control_plane(node: &Node) -> bool {
    node.metadata
        .labels
        .as_ref()
        .is_some_and(|labels| CONTROL_PLANE_LABELS.iter().any(|l| labels.contains_key(*l)))
}

fn node_info(node: &Node) -> Option<&k8s_openapi::api::core::v1::NodeSystemInfo> {
    node.status.as_ref()?.node_info.as_ref()
}

fn internal_ip(node: &Node) -> Option<String> {
    node.status
        .as_ref()?
        .addresses
        .as_ref()?
        .iter()
        .find(|a| a.type_ == "InternalIP")
        .map(|a| a.address.clone())
}

fn is_talos(node: &Node) -> bool {
    node_info(node).is_some_and(|i| i.os_image.starts_with("Talos"))
}

fn node_hint(node: &Node) -> String {
    let name = node_name(node);
    match (is_talos(node), internal_ip(node)) {
        (true, Some(ip)) => format!("`kubectl describe node {name}`; on Talos: `talosctl -n {ip} health` and `talosctl -n {ip} dmesg`"),
        _ => format!("`kubectl describe node {name}`, then check the kubelet on the node"),
    }
}

fn condition_text(c: &NodeCondition) -> String {
    match (&c.reason, &c.message) {
        (Some(r), Some(m)) if !m.is_empty() => format!("{r}: {m}"),
        (Some(r), _) => r.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => format!("{}={}", c.type_, c.status),
    }
}

/// Per-node details for the report: readiness, roles, versions, Talos.
pub fn node_details(snapshot: &Snapshot) -> Value {
    let Some(nodes) = &snapshot.nodes else { return Value::Null };
    let items: Vec<Value> = nodes
        .iter()
        .map(|node| {
            let info = node_info(node);
            let pressures: Vec<&str> = node
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .map(|cs| {
                    cs.iter()
                        .filter(|c| c.type_ != "Ready" && c.status == "True")
                        .map(|c| c.type_.as_str())
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "name": node_name(node),
                "ready": is_ready(node),
                "controlPlane": is_control_plane(node),
                "cordoned": node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false),
                "kubeletVersion": info.map(|i| i.kubelet_version.clone()),
                "osImage": info.map(|i| i.os_image.clone()),
                "talosVersion": info.and_then(|i| talos_version(&i.os_image)),
                "internalIP": internal_ip(node),
                "conditions": pressures,
            })
        })
        .collect();
    let control_plane: Vec<&Node> = nodes.iter().filter(|n| is_control_plane(n)).collect();
    json!({
        "total": nodes.len(),
        "ready": nodes.iter().filter(|n| is_ready(n)).count(),
        "cordoned": nodes.iter().filter(|n| n.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false)).count(),
        "controlPlane": {
            "total": control_plane.len(),
            "ready": control_plane.iter().filter(|n| is_ready(n)).count(),
            "quorum": control_plane.len() / 2 + 1,
        },
        "items": items,
    })
}
