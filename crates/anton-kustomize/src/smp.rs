//! Strategic merge patches, the way `kubectl kustomize` (kyaml's merge2)
//! applies them:
//!
//! * maps merge recursively; `null` deletes a field;
//! * lists of built-in types with a merge key merge element by element (see
//!   [`crate::schema`]); the merged list holds the patch's elements in the
//!   patch's order, then the target's other elements in their order;
//! * every other list — and every list of a custom resource — is replaced;
//! * `$patch: delete` removes a map, a list element or the whole object,
//!   `$patch: replace` replaces instead of merging; `$retainKeys`,
//!   `$setElementOrder/…` and `$deleteFromPrimitiveList/…` are honoured or
//!   dropped so they never reach the output.
//!
//! Values taken from the patch keep the patch's spans, so a finding about a
//! patched field points at the line of the patch.

use anton_yaml::{Node, Value};

use crate::schema::{self, ListKind, Ty};
use crate::tree;

/// What happened to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Merged,
    /// The patch said `$patch: delete` at its root.
    Deleted,
}

/// Merges `patch` into the object `target`.
pub(crate) fn apply(target: &mut Node, patch: &Node) -> Outcome {
    let ty = schema::root(
        target.str_at(&["apiVersion"]).unwrap_or_default().trim(),
        target.str_at(&["kind"]).unwrap_or_default().trim(),
    );
    match merge_map(Some(target), patch, ty) {
        Some(merged) => {
            *target = merged;
            Outcome::Merged
        }
        None => Outcome::Deleted,
    }
}

fn directive(node: &Node) -> Option<&str> {
    node.get("$patch").and_then(Node::scalar_text)
}

fn merge_value(dest: Option<&Node>, patch: &Node, ty: Ty, list: (ListKind, Ty)) -> Option<Node> {
    match &patch.value {
        Value::Scalar(_) if tree::is_null(patch) => None,
        Value::Scalar(_) => Some(patch.clone()),
        Value::Map(_) => merge_map(dest, patch, ty),
        Value::Seq(_) => merge_list(dest, patch, list),
    }
}

fn merge_map(dest: Option<&Node>, patch: &Node, ty: Ty) -> Option<Node> {
    match directive(patch) {
        Some("delete") => return None,
        Some("replace") => return Some(strip(patch)),
        _ => {}
    }
    let mut result = match dest {
        Some(dest) if dest.is_map() => dest.clone(),
        _ => tree::empty_map(patch.span),
    };
    if let Some(retain) = patch.get("$retainKeys") {
        let keep = tree::texts(Some(retain));
        if let Value::Map(entries) = &mut result.value {
            entries.retain(|e| tree::key_text(e).is_some_and(|k| keep.iter().any(|r| r == k)));
        }
    }
    for entry in patch.entries() {
        let Some(key) = entry.key.scalar_text() else { continue };
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            let remove = tree::texts(Some(&entry.value));
            if let Some(Value::Seq(items)) = tree::get_mut(&mut result, field).map(|n| &mut n.value) {
                items.retain(|i| i.scalar_text().is_none_or(|t| !remove.iter().any(|r| r == t)));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        let field_ty = schema::field(ty, key);
        let list = schema::list(ty, key);
        let merged = merge_value(result.get(key), &entry.value, field_ty, list);
        match merged {
            Some(value) => {
                if result.get(key).is_some() {
                    tree::set(&mut result, key, value);
                } else {
                    // A new field keeps the patch's key, with its position.
                    if let Value::Map(entries) = &mut result.value {
                        entries.push(anton_yaml::Entry { key: entry.key.clone(), value });
                    }
                }
            }
            None => {
                tree::remove(&mut result, key);
            }
        }
    }
    Some(result)
}

fn merge_list(dest: Option<&Node>, patch: &Node, (kind, item_ty): (ListKind, Ty)) -> Option<Node> {
    let dest_items: &[Node] = dest.map(Node::items).unwrap_or_default();
    let span = dest.filter(|d| d.is_seq()).map_or(patch.span, |d| d.span);
    let items: Vec<Node> = match kind {
        ListKind::Replace => return Some(patch.clone()),
        ListKind::Scalars => {
            let mut merged: Vec<Node> = Vec::new();
            for item in patch.items().iter().chain(dest_items) {
                if tree::is_null(item) {
                    continue;
                }
                let text = item.scalar_text();
                if text.is_some() && merged.iter().any(|m| m.scalar_text() == text) {
                    continue;
                }
                merged.push(item.clone());
            }
            merged
        }
        ListKind::Keys(keys) => {
            if patch.items().iter().any(|p| directive(p) == Some("replace")) {
                let items = patch.items().iter().filter(|p| directive(p) != Some("replace")).map(strip).collect();
                return Some(Node::new(patch.span, Value::Seq(items)));
            }
            merge_keyed(dest_items, patch.items(), keys, item_ty)
        }
    };
    if items.is_empty() {
        return None;
    }
    Some(Node::new(span, Value::Seq(items.into())))
}

fn key_tuple<'a>(item: &'a Node, keys: &[&str]) -> Vec<&'a str> {
    keys.iter().map(|k| item.get(k).and_then(Node::scalar_text).unwrap_or("")).collect()
}

fn merge_keyed(dest: &[Node], patch: &[Node], keys: &[&str], item_ty: Ty) -> Vec<Node> {
    let mut used = vec![false; dest.len()];
    let mut deleted = vec![false; dest.len()];
    let mut out: Vec<Node> = Vec::new();
    // For each element of `out`, the target element it was merged with.
    let mut sources: Vec<Option<usize>> = Vec::new();
    // Deletions first: they remove target elements whatever their position.
    for p in patch.iter().filter(|p| directive(p) == Some("delete")) {
        let wanted = key_tuple(p, keys);
        for (i, d) in dest.iter().enumerate() {
            if d.is_map() && key_tuple(d, keys) == wanted {
                deleted[i] = true;
            }
        }
    }
    for p in patch {
        if !p.is_map() {
            out.push(p.clone());
            sources.push(None);
            continue;
        }
        match directive(p) {
            Some("delete") => continue,
            _ => {}
        }
        let wanted = key_tuple(p, keys);
        let exact = dest
            .iter()
            .enumerate()
            .position(|(i, d)| !deleted[i] && !used[i] && d.is_map() && key_tuple(d, keys) == wanted);
        if let Some(i) = exact {
            used[i] = true;
            match merge_map(Some(&dest[i]), p, item_ty).filter(|m| !m.entries().is_empty()) {
                Some(merged) => {
                    out.push(merged);
                    sources.push(Some(i));
                }
                None => deleted[i] = true,
            }
            continue;
        }
        // A patch element naming only part of a compound key (a port without
        // its protocol) that meets an element differing only there is dropped
        // by kustomize (kubernetes-sigs/kustomize#4752); so it is here.
        if keys.len() > 1 {
            let partial = dest.iter().enumerate().any(|(i, d)| {
                !deleted[i]
                    && d.is_map()
                    && key_tuple(d, keys)
                        .iter()
                        .zip(&wanted)
                        .all(|(a, b)| a == b || a.is_empty() || b.is_empty())
            });
            if partial {
                continue;
            }
        }
        if let Some(new) = merge_map(None, p, item_ty).filter(|m| !m.entries().is_empty()) {
            out.push(new);
            sources.push(None);
        }
    }
    if keys.len() > 1 {
        // With a compound key kustomize puts the new elements first and keeps
        // the target's elements (merged in place) in their order.
        let mut new = Vec::new();
        let mut merged: Vec<(usize, Node)> = Vec::new();
        for (node, from) in out.into_iter().zip(sources) {
            match from {
                Some(i) => merged.push((i, node)),
                None => new.push(node),
            }
        }
        for (i, d) in dest.iter().enumerate() {
            if deleted[i] {
                continue;
            }
            match merged.iter().position(|(m, _)| *m == i) {
                Some(pos) => new.push(merged.remove(pos).1),
                None => new.push(d.clone()),
            }
        }
        return new;
    }
    for (i, d) in dest.iter().enumerate() {
        if !used[i] && !deleted[i] {
            out.push(d.clone());
        }
    }
    out
}

/// A patch value without its `$…` directives and nulls, for places where it
/// is taken whole.
fn strip(node: &Node) -> Node {
    match &node.value {
        Value::Map(entries) => node.with_value(Value::Map(
            entries
                .iter()
                .filter(|e| !e.key.scalar_text().is_some_and(|k| k.starts_with('$')))
                .map(|e| anton_yaml::Entry { key: e.key.clone(), value: strip(&e.value) })
                .collect(),
        )),
        Value::Seq(items) => node.with_value(Value::Seq(items.iter().map(strip).collect())),
        Value::Scalar(_) => node.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        std::sync::Arc::unwrap_or_clone(anton_yaml::parse_stream(text).documents.remove(0).root)
    }

    fn merged(target: &str, patch: &str) -> serde_json::Value {
        let mut target = parse(target);
        assert_eq!(apply(&mut target, &parse(patch)), Outcome::Merged);
        target.to_json()
    }

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a}\n      - {name: b, image: b}\n      - {name: c, image: c}\n      tolerations: [{key: old}]\n";

    #[test]
    fn containers_merge_by_name_patch_order_first() {
        let out = merged(
            DEPLOYMENT,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: c, image: c2}\n      - {name: x, image: x}\n      - {name: a, $patch: delete}\n      tolerations: [{key: new}]\n",
        );
        let names: Vec<&str> = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["c", "x", "b"]);
        assert_eq!(out["spec"]["template"]["spec"]["containers"][0]["image"], "c2");
        assert_eq!(out["spec"]["template"]["spec"]["tolerations"], serde_json::json!([{"key": "new"}]));
    }

    #[test]
    fn custom_resources_replace_lists_and_null_deletes() {
        let out = merged(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  values:\n    env: [{name: A}, {name: B}]\n    keep: 1\n    drop: 2\n",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  values:\n    env: [{name: C}]\n    drop: null\n",
        );
        assert_eq!(out["spec"]["values"], serde_json::json!({"env": [{"name": "C"}], "keep": 1}));
    }

    #[test]
    fn ports_merge_by_port_and_protocol() {
        let out = merged(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 80, protocol: TCP, name: http}\n",
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 80, protocol: UDP, name: dns}\n  - {port: 80, protocol: TCP, targetPort: 8080}\n",
        );
        assert_eq!(
            out["spec"]["ports"],
            serde_json::json!([{"port": 80, "protocol": "UDP", "name": "dns"}, {"port": 80, "protocol": "TCP", "name": "http", "targetPort": 8080}])
        );
    }

    #[test]
    fn patch_delete_at_the_root_deletes_the_object() {
        let mut target = parse(DEPLOYMENT);
        let patch = parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n$patch: delete\n");
        assert_eq!(apply(&mut target, &patch), Outcome::Deleted);
    }

    #[test]
    fn patched_values_keep_the_patch_position() {
        let mut target = parse(DEPLOYMENT);
        let patch = anton_yaml::parse_stream_in(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 3\n",
            7,
        )
        .documents
        .remove(0)
        .root;
        apply(&mut target, &patch);
        let replicas = target.path(&["spec", "replicas"]).unwrap();
        assert_eq!((replicas.span.file, replicas.span.line), (7, 5));
    }
}
