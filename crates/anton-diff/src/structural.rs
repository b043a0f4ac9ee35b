//! The structural diff of two versions of one object.
//!
//! Not a text diff: lists of named items are matched by their key
//! (containers, env, volumes by `name`; ports by `containerPort`/`port`), so
//! reordering them or inserting one in the middle reads as what it is. A
//! HelmRelease's `values` are diffed as data. Versions get the size of their
//! bump. Secret data and SOPS ciphertext are never shown: only that they changed.

use serde_json::Value;

use crate::model::{FieldChange, Op};
use crate::semver;
use crate::state::Redaction;

/// More than this many changes in one object are not listed one by one.
const MAX_CHANGES: usize = 200;
/// Values longer than this are cut.
const MAX_VALUE_CHARS: usize = 80;

/// One step of a path: a mapping key, or a list item named by its key or position.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Item(String),
}

struct Walker {
    redaction: Redaction,
    /// HelmRelease paths read below `spec`: `values.x`, `chart.spec.version`.
    strip_spec: bool,
    changes: Vec<FieldChange>,
}

/// The changes from `before` to `after` of an object of `group`/`kind`.
pub(crate) fn diff(group: &str, kind: &str, before: &Value, after: &Value, redaction: Redaction) -> Vec<FieldChange> {
    let mut walker = Walker {
        redaction,
        strip_spec: group == "helm.toolkit.fluxcd.io" && kind == "HelmRelease",
        changes: Vec::new(),
    };
    let mut path = Vec::new();
    walker.walk(&mut path, before, after);
    if walker.changes.len() > MAX_CHANGES {
        let more = walker.changes.len() - MAX_CHANGES;
        walker.changes.truncate(MAX_CHANGES);
        walker.changes.push(FieldChange {
            path: "…".into(),
            op: Op::Changed,
            before: None,
            after: None,
            note: Some(format!("{more} more changes not listed")),
        });
    }
    walker.changes
}

impl Walker {
    fn walk(&mut self, path: &mut Vec<Step>, before: &Value, after: &Value) {
        if before == after {
            return;
        }
        match (before, after) {
            (Value::Object(b), Value::Object(a)) => {
                for (key, old) in b {
                    path.push(Step::Key(key.clone()));
                    match a.get(key) {
                        Some(new) => self.walk(path, old, new),
                        None => self.push(path, Op::Removed, Some(old), None),
                    }
                    path.pop();
                }
                for (key, new) in a {
                    if !b.contains_key(key) {
                        path.push(Step::Key(key.clone()));
                        self.push(path, Op::Added, None, Some(new));
                        path.pop();
                    }
                }
            }
            (Value::Array(b), Value::Array(a)) => self.walk_list(path, b, a),
            _ => self.push(path, Op::Changed, Some(before), Some(after)),
        }
    }

    fn walk_list(&mut self, path: &mut Vec<Step>, before: &[Value], after: &[Value]) {
        if let Some(key) = list_key(before, after) {
            let name = |item: &Value| item.get(key).map(scalar_text).unwrap_or_default();
            let before_names: Vec<String> = before.iter().map(name).collect();
            let after_names: Vec<String> = after.iter().map(name).collect();
            for (old, old_name) in before.iter().zip(&before_names) {
                path.push(Step::Item(old_name.clone()));
                match after_names.iter().position(|n| n == old_name) {
                    Some(at) => self.walk(path, old, &after[at]),
                    None => self.push(path, Op::Removed, Some(old), None),
                }
                path.pop();
            }
            for (new, new_name) in after.iter().zip(&after_names) {
                if !before_names.contains(new_name) {
                    path.push(Step::Item(new_name.clone()));
                    self.push(path, Op::Added, None, Some(new));
                    path.pop();
                }
            }
            let common_before: Vec<&String> = before_names.iter().filter(|n| after_names.contains(n)).collect();
            let common_after: Vec<&String> = after_names.iter().filter(|n| before_names.contains(n)).collect();
            if common_before != common_after {
                self.push(path, Op::Reordered, None, None);
            }
            return;
        }
        if before.iter().chain(after).all(|v| !v.is_object() && !v.is_array()) {
            // Lists of scalars (args, accessModes, hosts): what left and what came.
            let mut remaining: Vec<&Value> = after.iter().collect();
            let mut removed = Vec::new();
            for old in before {
                match remaining.iter().position(|v| *v == old) {
                    Some(at) => {
                        remaining.remove(at);
                    }
                    None => removed.push(old),
                }
            }
            if removed.is_empty() && remaining.is_empty() {
                self.push(path, Op::Reordered, None, None);
                return;
            }
            for old in removed {
                self.push(path, Op::Removed, Some(old), None);
            }
            for new in remaining {
                self.push(path, Op::Added, None, Some(new));
            }
            return;
        }
        for index in 0..before.len().max(after.len()) {
            path.push(Step::Item(index.to_string()));
            match (before.get(index), after.get(index)) {
                (Some(old), Some(new)) => self.walk(path, old, new),
                (Some(old), None) => self.push(path, Op::Removed, Some(old), None),
                (None, Some(new)) => self.push(path, Op::Added, None, Some(new)),
                (None, None) => {}
            }
            path.pop();
        }
    }

    fn push(&mut self, path: &[Step], op: Op, before: Option<&Value>, after: Option<&Value>) {
        let shown = render_path(path, self.strip_spec);
        let hidden = self.hides(path, before) || self.hides(path, after);
        if hidden {
            let credential = matches!(path.last(), Some(Step::Key(key)) if anton_core::secrets::is_credential_key(key));
            let note = if (self.redaction == Redaction::Secret && is_secret_data(path)) || credential { "value hidden" } else { "encrypted" };
            self.changes.push(FieldChange { path: shown, op, before: None, after: None, note: Some(note.into()) });
            return;
        }
        let mut note = None;
        if let (Op::Changed, Some(Value::String(old)), Some(Value::String(new))) = (op, before, after) {
            note = version_note(path, old, new).or_else(|| lines_note(old, new));
        }
        self.changes.push(FieldChange { path: shown, op, before: before.map(short), after: after.map(short), note });
    }

    /// Secret data, and anything that is or holds SOPS ciphertext, is never shown.
    fn hides(&self, path: &[Step], value: Option<&Value>) -> bool {
        if self.redaction == Redaction::Secret && is_secret_data(path) {
            return true;
        }
        // A credential-named field (`password:` in a ConfigMap or Helm values).
        if matches!(path.last(), Some(Step::Key(key)) if anton_core::secrets::is_credential_key(key)) {
            return true;
        }
        value.is_some_and(holds_ciphertext)
    }
}

/// The field of an item that names it, when every item of both lists has a
/// distinct one: `name` (containers, env, volumes), then the port numbers,
/// then `mountPath`, then `key`.
fn list_key(before: &[Value], after: &[Value]) -> Option<&'static str> {
    const KEYS: [&str; 6] = ["name", "containerPort", "port", "mountPath", "key", "id"];
    let items: Vec<&Value> = before.iter().chain(after).collect();
    if items.is_empty() || !items.iter().all(|v| v.is_object()) {
        return None;
    }
    KEYS.into_iter().find(|key| {
        let distinct = |list: &[Value]| {
            let names: Vec<String> = list.iter().filter_map(|v| v.get(*key)).map(scalar_text).collect();
            names.len() == list.len() && (1..names.len()).all(|i| !names[..i].contains(&names[i]))
        };
        items.iter().all(|v| v.get(*key).is_some_and(|k| !k.is_object() && !k.is_array()))
            && distinct(before)
            && distinct(after)
    })
}

fn is_secret_data(path: &[Step]) -> bool {
    matches!(path.first(), Some(Step::Key(key)) if key == "data" || key == "stringData" || key == "binaryData")
}

fn holds_ciphertext(value: &Value) -> bool {
    match value {
        Value::String(text) => text.starts_with("ENC[") || text.contains("-----BEGIN AGE ENCRYPTED FILE-----"),
        Value::Array(items) => items.iter().any(holds_ciphertext),
        Value::Object(map) => map.values().any(holds_ciphertext),
        _ => false,
    }
}

fn render_path(path: &[Step], strip_spec: bool) -> String {
    let steps = match path.first() {
        Some(Step::Key(first)) if strip_spec && first == "spec" && path.len() > 1 => &path[1..],
        _ => path,
    };
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(key) if key.contains(['.', '/', ' ', '[', ']', '"']) || key.is_empty() => {
                out.push_str(&format!("[{}]", serde_json::Value::String(key.clone())));
            }
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Item(name) => out.push_str(&format!("[{name}]")),
        }
    }
    if out.is_empty() { "(object)".into() } else { out }
}

fn last_key(path: &[Step]) -> Option<&str> {
    path.iter().rev().find_map(|step| match step {
        Step::Key(key) => Some(key.as_str()),
        Step::Item(_) => None,
    })
}

/// `minor` for `version: 1.2.3 → 1.3.0` and `image: app:1.2.3 → app:1.3.0`.
fn version_note(path: &[Step], old: &str, new: &str) -> Option<String> {
    match last_key(path)? {
        "version" | "tag" | "semver" => semver::bump(old, new).map(str::to_owned),
        "image" => {
            let (old_repo, old_tag) = semver::split_image(old);
            let (new_repo, new_tag) = semver::split_image(new);
            if old_repo != new_repo {
                return Some("another image".into());
            }
            semver::bump(old_tag?, new_tag?).map(str::to_owned)
        }
        _ => None,
    }
}

/// `+3 −1 lines` for multi-line text (config files in ConfigMaps, scripts).
fn lines_note(old: &str, new: &str) -> Option<String> {
    if !old.contains('\n') && !new.contains('\n') {
        return None;
    }
    let mut remaining: Vec<&str> = new.lines().collect();
    let mut removed = 0;
    for line in old.lines() {
        match remaining.iter().position(|l| *l == line) {
            Some(at) => {
                remaining.remove(at);
            }
            None => removed += 1,
        }
    }
    Some(format!("+{} −{removed} lines", remaining.len()))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A value on one line: text as it is, lists and maps as compact JSON, long
/// or multi-line values cut.
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(text) if text.contains('\n') => return format!("({} lines)", text.lines().count()),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE_CHARS {
        let cut: String = text.chars().take(MAX_VALUE_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(group: &str, kind: &str, before: Value, after: Value, redaction: Redaction) -> Vec<String> {
        diff(group, kind, &before, &after, redaction).iter().map(FieldChange::line).collect()
    }

    #[test]
    fn containers_and_env_match_by_name() {
        let before = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "ghcr.io/a/app:1.2.3", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "sidecar", "image": "busybox:1.36"}
        ]}}}});
        let after = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "image": "busybox:1.36"},
            {"name": "app", "image": "ghcr.io/a/app:1.3.0", "env": [{"name": "C", "value": "3"}, {"name": "A", "value": "1"}]}
        ]}}}});
        assert_eq!(
            lines("apps", "Deployment", before, after, Redaction::None),
            [
                "spec.template.spec.containers[app].image: ghcr.io/a/app:1.2.3 → ghcr.io/a/app:1.3.0 (minor)",
                "spec.template.spec.containers[app].env[B]: removed {\"name\":\"B\",\"value\":\"2\"}",
                "spec.template.spec.containers[app].env[C]: added {\"name\":\"C\",\"value\":\"3\"}",
                "spec.template.spec.containers: reordered",
            ]
        );
    }

    #[test]
    fn ports_match_by_number() {
        let before = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}});
        let after = json!({"spec": {"ports": [{"port": 443, "targetPort": 9443}, {"port": 80, "targetPort": 8080}]}});
        assert_eq!(
            lines("", "Service", before, after, Redaction::None),
            ["spec.ports[443].targetPort: 8443 → 9443", "spec.ports: reordered"]
        );
    }

    #[test]
    fn helm_values_and_chart_versions_read_below_spec() {
        let before = json!({"spec": {"chart": {"spec": {"version": "v1.2.3"}}, "values": {"resources": {"limits": {"memory": "512Mi"}}}}});
        let after = json!({"spec": {"chart": {"spec": {"version": "v2.0.0"}}, "values": {"resources": {"limits": {"memory": "1Gi"}}, "replicas": 2}}});
        assert_eq!(
            lines("helm.toolkit.fluxcd.io", "HelmRelease", before, after, Redaction::None),
            [
                "chart.spec.version: v1.2.3 → v2.0.0 (major)",
                "values.resources.limits.memory: 512Mi → 1Gi",
                "values.replicas: added 2",
            ]
        );
    }

    #[test]
    fn secrets_and_ciphertext_are_never_shown() {
        let before = json!({"metadata": {"labels": {"a": "1"}}, "stringData": {"password": "hunter2"}});
        let after = json!({"metadata": {"labels": {"a": "2"}}, "stringData": {"password": "correct horse", "token": "t0ken"}});
        let shown = lines("", "Secret", before, after, Redaction::Secret);
        assert_eq!(
            shown,
            [
                "metadata.labels.a: 1 → 2",
                "stringData.password: changed (value hidden)",
                "stringData.token: added (value hidden)",
            ]
        );
        let sops_before = json!({"data": {"key": "ENC[AES256_GCM,data:abc,tag:x]"}});
        let sops_after = json!({"data": {"key": "ENC[AES256_GCM,data:def,tag:y]"}});
        let shown = lines("", "ConfigMap", sops_before, sops_after, Redaction::Sops);
        assert_eq!(shown, ["data.key: changed (encrypted)"]);
        assert!(!shown.concat().contains("ENC["));
    }

    #[test]
    fn keys_with_dots_are_quoted_and_text_is_summarised() {
        let before = json!({"metadata": {"annotations": {"kustomize.toolkit.fluxcd.io/prune": "disabled"}}, "data": {"conf": "a\nb\nc"}});
        let after = json!({"metadata": {"annotations": {}}, "data": {"conf": "a\nc\nd\ne"}});
        assert_eq!(
            lines("", "ConfigMap", before, after, Redaction::None),
            [
                "metadata.annotations[\"kustomize.toolkit.fluxcd.io/prune\"]: removed disabled",
                "data.conf: (3 lines) → (4 lines) (+2 −1 lines)",
            ]
        );
    }

    #[test]
    fn scalar_lists_say_what_left_and_came() {
        let before = json!({"spec": {"accessModes": ["ReadWriteOnce"], "args": ["--a", "--b"]}});
        let after = json!({"spec": {"accessModes": ["ReadWriteMany"], "args": ["--b", "--a"]}});
        assert_eq!(
            lines("", "PersistentVolumeClaim", before, after, Redaction::None),
            [
                "spec.accessModes: removed ReadWriteOnce",
                "spec.accessModes: added ReadWriteMany",
                "spec.args: reordered",
            ]
        );
    }

    #[test]
    fn equal_objects_have_no_changes_whatever_the_key_order() {
        let before = json!({"a": 1, "b": {"c": [1, 2]}});
        let after = json!({"b": {"c": [1, 2]}, "a": 1});
        assert!(diff("", "ConfigMap", &before, &after, Redaction::None).is_empty());
    }
}
