//! `kustomize/ambiguous-scalar`: YAML 1.1 values that tools read differently.

use anton_core::{Finding, Severity};
use anton_yaml::{Node, ScalarStyle, is_ambiguous_plain};

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};
use crate::view::ObjectView;

pub const RULE: Rule = Rule {
    id: "kustomize/ambiguous-scalar",
    severity: Severity::Info,
    summary: "An unquoted yes/no/on/off or octal-looking number where a string or number is expected",
    doc: Doc {
        what: "Unquoted scalars that YAML 1.1 (Kubernetes, kubectl, Helm) and YAML 1.2 (most editors, yq, formatters) read differently — `yes`, `no`, `on`, `off`, `y`, `n`, and numbers with a leading zero such as `0755` — in places where a string is expected (labels, annotations, ConfigMap `data`, Secret `stringData`, container `env[].value`, `args`, `command`, Flux `postBuild.substitute`) or where a file mode is expected (`defaultMode`, `mode`).",
        why: "Kubernetes reads `on` as the boolean true and then rejects it where a string belongs (`cannot unmarshal bool into Go struct field EnvVar.value of type string`), or stores `0755` as 493. A formatter that speaks YAML 1.2 silently changes what these values mean. Quoting says what you mean to every tool.",
        bad: "env:\n  - name: FEATURE_ENABLED\n    value: yes\nvolumes:\n  - name: scripts\n    configMap:\n      name: scripts\n      defaultMode: 0755\n",
        fixed: "env:\n  - name: FEATURE_ENABLED\n    value: \"yes\"\nvolumes:\n  - name: scripts\n    configMap:\n      name: scripts\n      defaultMode: 493  # 0755\n",
        notes: "HelmRelease `values` are not checked: Helm reads them as YAML 1.1 too, and a chart that wants a boolean gets one.",
    },
    implementation: Implementation::Check(check),
};

/// Keys whose values (a map of strings) must be strings.
const STRING_MAPS: [&str; 2] = ["labels", "annotations"];
/// Keys whose value is a file mode, where a leading zero means octal to Kubernetes only.
const MODE_KEYS: [&str; 2] = ["defaultMode", "mode"];

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for view in ctx.objects {
        if view.sops_encrypted {
            continue;
        }
        let mut found: Vec<(&Node, &'static str)> = Vec::new();
        if view.group().ends_with("toolkit.fluxcd.io") && view.kind == "HelmRelease" {
            // values go to Helm, which wants YAML 1.1 booleans; only metadata is checked.
            if let Some(metadata) = view.node.get("metadata") {
                walk(metadata, &mut found, Place::Other);
            }
        } else {
            walk(view.node, &mut found, Place::Other);
            match (view.group(), view.kind) {
                ("", "ConfigMap") => strings_of(view.node.get("data"), &mut found),
                ("", "Secret") => strings_of(view.node.get("stringData"), &mut found),
                ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                    strings_of(view.node.path(&["spec", "postBuild", "substitute"]), &mut found)
                }
                _ => {}
            }
        }
        for (node, expected) in found {
            report(ctx, view, node, expected, out);
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Place {
    Other,
    Container,
}

fn strings_of<'n>(map: Option<&'n Node>, found: &mut Vec<(&'n Node, &'static str)>) {
    for entry in map.map(Node::entries).unwrap_or_default() {
        found.push((&entry.value, "a string"));
    }
}

/// Collects the scalars below `node` that sit where a string or a mode is expected.
fn walk<'n>(node: &'n Node, found: &mut Vec<(&'n Node, &'static str)>, place: Place) {
    for entry in node.entries() {
        let key = entry.key.scalar_text().unwrap_or("");
        let value = &entry.value;
        if STRING_MAPS.contains(&key) && value.is_map() {
            strings_of(Some(value), found);
            continue;
        }
        if MODE_KEYS.contains(&key) {
            found.push((value, "a file mode"));
            continue;
        }
        if place == Place::Container {
            match key {
                "args" | "command" => {
                    found.extend(value.items().iter().map(|item| (item, "a string")));
                    continue;
                }
                "env" => {
                    for item in value.items() {
                        if let Some(v) = item.get("value") {
                            found.push((v, "a string"));
                        }
                    }
                    continue;
                }
                _ => {}
            }
        }
        let next = if matches!(key, "containers" | "initContainers" | "ephemeralContainers") { Place::Container } else { Place::Other };
        if value.is_seq() {
            for item in value.items() {
                walk(item, found, next);
            }
        } else if value.is_map() {
            walk(value, found, Place::Other);
        }
    }
}

fn report(ctx: &Context<'_>, view: &ObjectView<'_>, node: &Node, expected: &str, out: &mut Vec<Finding>) {
    let Some(scalar) = node.scalar() else { return };
    if node.style != ScalarStyle::Plain || node.tag.is_some() || !is_ambiguous_plain(&scalar.text) {
        return;
    }
    let text = &scalar.text;
    if expected == "a file mode" && node.as_i64().is_none() {
        return;
    }
    let reading = match node.as_i64() {
        Some(number) => format!("the number {number} (octal)"),
        None => match node.as_bool() {
            Some(value) => format!("the boolean {value}"),
            None => return,
        },
    };
    let (message, hint) = if expected == "a file mode" {
        (
            format!("`{text}` reads as {reading} in Kubernetes, but as {} in YAML 1.2 tools", text.trim_start_matches('0')),
            format!("write the mode in decimal, `{}`, with the octal in a comment", node.as_i64().unwrap_or_default()),
        )
    } else {
        (
            format!("`{text}` reads as {reading} in Kubernetes, where {expected} is expected"),
            format!("quote it: \"{text}\""),
        )
    };
    out.push(RULE.finding(message).at(ctx.span_location(node.span)).object(view.subject()).hint(hint));
}
