//! `k8s/latest-tag`: an image without a tag, or tagged `latest`.

use anton_core::{Finding, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::{container_name, containers};
use crate::util::is_substituted;

pub const RULE: Rule = Rule {
    id: "k8s/latest-tag",
    severity: Severity::Warning,
    summary: "A container image without a tag, or with the tag latest",
    doc: Doc {
        what: "`image:` of containers and init containers of workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) that has no tag and no digest, or the tag `latest`. An image pinned by digest (`@sha256:…`) is fine with any tag.",
        why: "`latest` (or no tag, which means `latest`) is whatever was pushed last: two nodes can run different code under the same manifest, a reschedule upgrades silently, and there is nothing to roll back to.",
        bad: "containers:\n  - name: app\n    image: ghcr.io/example/app:latest\n",
        fixed: "containers:\n  - name: app\n    image: ghcr.io/example/app:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
        notes: "",
    },
    implementation: Implementation::Check(check),
};

/// Why an image reference is not pinned, if it is not.
fn unpinned(image: &str) -> Option<&'static str> {
    let image = image.trim();
    if image.is_empty() || is_substituted(image) || image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("has no tag, so it means `latest`"),
        Some((_, "latest")) => Some("is tagged `latest`"),
        Some(_) => None,
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects {
        for (container, list) in containers(view, true) {
            let Some(image_node) = container.get("image") else { continue };
            let Some(image) = image_node.scalar_text() else { continue };
            let Some(why) = unpinned(image) else { continue };
            out.push(
                RULE.finding(format!(
                    "image `{image}` of {} `{}` {why}",
                    if list == "initContainers" { "init container" } else { "container" },
                    container_name(container)
                ))
                .at(ctx.span_location(image_node.span))
                .object(view.subject())
                .hint("pin a version tag, ideally with its digest: `image: repo/app:1.2.3@sha256:…`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn tags_digests_and_registries_with_ports() {
        assert!(unpinned("nginx").is_some());
        assert!(unpinned("nginx:latest").is_some());
        assert!(unpinned("registry.local:5000/team/app").is_some());
        assert!(unpinned("registry.local:5000/team/app:1.2").is_none());
        assert!(unpinned("nginx:1.27").is_none());
        assert!(unpinned("nginx@sha256:abc").is_none());
        assert!(unpinned("nginx:latest@sha256:abc").is_none());
        assert!(unpinned("${IMAGE}").is_none());
    }
}
