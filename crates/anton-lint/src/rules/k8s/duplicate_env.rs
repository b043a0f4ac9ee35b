//! `k8s/duplicate-env`: the same environment variable twice in one container.

use foldhash::{HashMap, HashMapExt};

use anton_core::{Finding, Severity};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::rules::{container_name, containers};

pub const RULE: Rule = Rule {
    id: "k8s/duplicate-env",
    severity: Severity::Warning,
    summary: "A container defines the same environment variable twice",
    doc: Doc {
        what: "Containers and init containers of workloads whose `env` list names the same variable more than once.",
        why: "Kubernetes keeps the last definition without a word (server-side apply even rejects the list as a duplicate key), so the value a reviewer reads at the top is not the one the container gets.",
        bad: "env:\n  - name: TZ\n    value: Europe/Berlin\n  - name: LOG_LEVEL\n    value: info\n  - name: TZ\n    value: UTC\n",
        fixed: "env:\n  - name: TZ\n    value: Europe/Berlin\n  - name: LOG_LEVEL\n    value: info\n",
        notes: "",
    },
    implementation: Implementation::Check(check),
};

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects {
        for (container, _) in containers(view, true) {
            let mut first: HashMap<&str, &anton_yaml::Node> = HashMap::new();
            for item in container.get("env").map(|e| e.items()).unwrap_or_default() {
                let Some(name_node) = item.get("name") else { continue };
                let Some(name) = name_node.scalar_text() else { continue };
                match first.get(name) {
                    None => {
                        first.insert(name, name_node);
                    }
                    Some(earlier) => out.push(
                        RULE.finding(format!(
                            "container `{}` defines env `{name}` twice; the last one wins",
                            container_name(container)
                        ))
                        .at(ctx.span_location(name_node.span))
                        .object(view.subject())
                        .related(ctx.span_location(earlier.span), "first defined here")
                        .hint("remove one of the two definitions"),
                    ),
                }
            }
        }
    }
}
