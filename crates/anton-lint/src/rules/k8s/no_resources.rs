//! `k8s/no-resources`: containers without requests or limits.

use anton_core::{Finding, Severity};
use anton_yaml::Node;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::{container_name, containers};

pub const RULE: Rule = Rule {
    id: "k8s/no-resources",
    severity: Severity::Warning,
    summary: "A container in a workload sets no resource requests or limits",
    doc: Doc {
        what: "Containers (not init containers) of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Pods whose `resources` has neither `requests` nor `limits`.",
        why: "Three small nodes have little headroom. A pod without requests is scheduled as if it were free; without limits it can take a node's memory and starve etcd or a Ceph OSD beside it, taking the cluster down with it.",
        bad: "containers:\n  - name: cloudflared\n    image: cloudflare/cloudflared:2025.11.1\n",
        fixed: "containers:\n  - name: cloudflared\n    image: cloudflare/cloudflared:2025.11.1\n    resources:\n      requests:\n        cpu: 10m\n        memory: 64Mi\n      limits:\n        memory: 256Mi\n",
        notes: "A container with only requests or only limits is not reported: many operators deliberately set no CPU limit.",
    },
    implementation: Implementation::Check(check),
};

fn has_entries(node: Option<&Node>) -> bool {
    node.is_some_and(|n| !n.entries().is_empty() || n.scalar_text().is_some_and(|t| t.contains("${")))
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects {
        for (container, _) in containers(view, false) {
            let resources = container.get("resources");
            if has_entries(resources.and_then(|r| r.get("requests"))) || has_entries(resources.and_then(|r| r.get("limits"))) {
                continue;
            }
            out.push(
                RULE.finding(format!(
                    "container `{}` of {} sets no resources.requests or resources.limits",
                    container_name(container),
                    view.kind
                ))
                .at(ctx.location_in(view, container.get("name").or(Some(container))))
                .object(view.subject())
                .hint("set requests (what it needs) and a memory limit"),
            );
        }
    }
}
