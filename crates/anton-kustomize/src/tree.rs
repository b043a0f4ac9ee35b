//! Small editing helpers for [`anton_yaml::Node`] trees.
//!
//! Built objects stay positioned YAML trees: a value written by a patch keeps
//! the span of the patch, and a value set by a transformer gets the span of
//! the kustomization field that set it.

use anton_yaml::{Entry, Node, ScalarStyle, Span, Value};

/// A string scalar (double-quoted style, so it always reads as a string).
pub(crate) fn string(text: &str, span: Span) -> Node {
    Node::new_scalar(span, text, ScalarStyle::DoubleQuoted)
}

/// A plain scalar: it reads as whatever its text resolves to (`3` is an integer).
pub(crate) fn plain(text: &str, span: Span) -> Node {
    Node::new_scalar(span, text, ScalarStyle::Plain)
}

pub(crate) fn empty_map(span: Span) -> Node {
    Node::new(span, Value::Map(Vec::new().into()))
}

pub(crate) fn empty_seq(span: Span) -> Node {
    Node::new(span, Value::Seq(Vec::new().into()))
}

pub(crate) fn is_null(node: &Node) -> bool {
    matches!(node.value, Value::Scalar(_)) && node.is_null()
}

/// The text of a scalar key.
pub(crate) fn key_text(entry: &Entry) -> Option<&str> {
    entry.key.scalar_text()
}

/// The value under `key`, made this tree's own to change (a mapping shared
/// with other trees is copied only when it holds `key`).
pub(crate) fn get_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => {
            let index = entries.iter().position(|e| key_text(e) == Some(key))?;
            Some(&mut entries[index].value)
        }
        _ => None,
    }
}

pub(crate) fn path_mut<'a>(node: &'a mut Node, keys: &[&str]) -> Option<&'a mut Node> {
    let mut current = node;
    for key in keys {
        current = get_mut(current, key)?;
    }
    Some(current)
}

/// Sets `key` in a mapping: the value is replaced in place (the key keeps its
/// position), or a new entry is appended whose key carries the value's span.
/// A node that is not a mapping is left alone.
pub(crate) fn set(node: &mut Node, key: &str, value: Node) {
    let Value::Map(entries) = &mut node.value else { return };
    if let Some(index) = entries.iter().position(|e| key_text(e) == Some(key)) {
        entries[index].value = value;
        return;
    }
    let key_node = plain(key, value.span);
    entries.push(Entry { key: key_node, value });
}

pub(crate) fn remove(node: &mut Node, key: &str) -> Option<Node> {
    let Value::Map(entries) = &mut node.value else { return None };
    let index = entries.iter().position(|e| key_text(e) == Some(key))?;
    Some(entries.remove(index).value)
}

/// The mapping under `key`, created (or a null there turned into an empty
/// mapping) when missing. `None` when `node` is not a mapping or the field
/// holds something other than a mapping or null.
pub(crate) fn ensure_map<'a>(node: &'a mut Node, key: &str, span: Span) -> Option<&'a mut Node> {
    if !node.is_map() {
        return None;
    }
    let exists = node.get(key).is_some();
    if !exists {
        set(node, key, empty_map(span));
    }
    let field = get_mut(node, key)?;
    if is_null(field) {
        *field = empty_map(field.span);
    }
    if field.is_map() { Some(field) } else { None }
}

/// The string under `metadata.<key>` as a map of labels or annotations.
pub(crate) fn string_map(node: &Node, keys: &[&str]) -> Vec<(String, String)> {
    node.path(keys)
        .map(|m| {
            m.entries()
                .iter()
                .filter_map(|e| Some((e.key.scalar_text()?.to_owned(), e.value.scalar_text().unwrap_or_default().to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces every span in a tree (used for values a transformer creates from
/// a field of the kustomization: they point at that field).
pub fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| respan(i, span)),
        Value::Map(entries) => {
            for entry in entries {
                respan(&mut entry.key, span);
                respan(&mut entry.value, span);
            }
        }
    }
}

/// Shifts the spans of a tree parsed from a string that sits inside a file
/// (an inline patch): line `1` of the string is `first_line` of the file and
/// columns move right by `indent`.
pub(crate) fn shift(node: &mut Node, file: u32, first_line: u32, indent: u32) {
    let adjust = |span: &mut Span| {
        span.file = file;
        span.column += indent;
        span.line += first_line.saturating_sub(1);
        span.start = 0;
        span.end = 0;
    };
    adjust(&mut node.span);
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| shift(i, file, first_line, indent)),
        Value::Map(entries) => {
            for entry in entries {
                shift(&mut entry.key, file, first_line, indent);
                shift(&mut entry.value, file, first_line, indent);
            }
        }
    }
}

/// The scalar values of a sequence, as text.
pub(crate) fn texts(node: Option<&Node>) -> Vec<String> {
    node.map(|n| n.items().iter().filter_map(|i| i.scalar_text().map(str::to_owned)).collect()).unwrap_or_default()
}
