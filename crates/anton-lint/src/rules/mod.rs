//! One module per family, one file per rule. Each file holds the rule's
//! documentation (in fixed sections) and, for rules this crate implements,
//! its check; the registry lists them all.

pub mod anton;
pub mod api;
pub mod flux;
pub mod helm;
pub mod ingress;
pub mod k8s;
pub mod kustomize;
pub mod schema;
pub mod secrets;
pub mod yaml;

use anton_yaml::Node;

use crate::view::ObjectView;

/// The pod template spec of a workload, or the spec of a Pod.
pub(crate) fn pod_spec<'n>(view: &ObjectView<'n>) -> Option<&'n Node> {
    let node = view.node;
    match (view.group(), view.kind) {
        ("", "Pod") => node.get("spec"),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job")
        | ("", "ReplicationController") => node.path(&["spec", "template", "spec"]),
        ("batch", "CronJob") => node.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// Containers of a workload: `(container, "containers" | "initContainers")`.
pub(crate) fn containers<'n>(view: &ObjectView<'n>, with_init: bool) -> Vec<(&'n Node, &'static str)> {
    let Some(spec) = pod_spec(view) else { return Vec::new() };
    let mut found: Vec<(&Node, &'static str)> =
        spec.get("containers").map(|c| c.items().iter().map(|n| (n, "containers")).collect()).unwrap_or_default();
    if with_init {
        found.extend(spec.get("initContainers").map(|c| c.items().iter().map(|n| (n, "initContainers"))).into_iter().flatten());
    }
    found.into_iter().filter(|(n, _)| n.is_map()).collect()
}

/// A container's name for messages.
pub(crate) fn container_name(container: &Node) -> &str {
    container.str_at(&["name"]).unwrap_or("(unnamed)")
}
