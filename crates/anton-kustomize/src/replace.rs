//! `replacements`: copy a field of one object into fields of others.

use anton_yaml::{Node, Value};

use crate::resource::{ResId, Resource};
use crate::select::LabelSelector;
use crate::tree;

/// An exact-match selector (`source`, `select`, `reject`).
#[derive(Debug, Default)]
struct IdSelector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

impl IdSelector {
    fn from_node(node: &Node) -> Result<IdSelector, String> {
        let text = |key: &str| node.str_at(&[key]).filter(|t| !t.is_empty()).map(str::to_owned);
        Ok(IdSelector {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: text("name"),
            namespace: text("namespace"),
            labels: text("labelSelector").as_deref().map(LabelSelector::parse).transpose()?,
            annotations: text("annotationSelector").as_deref().map(LabelSelector::parse).transpose()?,
        })
    }

    fn selects_id(&self, id: &ResId) -> bool {
        let probe = ResId { namespace: self.namespace.clone().unwrap_or_default(), ..id.clone() };
        self.name.as_ref().is_none_or(|n| *n == id.name)
            && self.namespace.as_ref().is_none_or(|_| probe.ns_equals(id))
            && self.kind.as_ref().is_none_or(|k| *k == id.kind)
            && self.group.as_ref().is_none_or(|g| g == id.group())
            && self.version.as_ref().is_none_or(|v| v == id.version())
    }

    fn selects(&self, resource: &Resource) -> bool {
        if let Some(labels) = &self.labels {
            if !labels.matches(|k| resource.label(k)) {
                return false;
            }
        }
        if let Some(annotations) = &self.annotations {
            if !annotations.matches(|k| resource.annotation(k)) {
                return false;
            }
        }
        resource.all_ids().iter().any(|id| self.selects_id(id))
    }
}

/// Splits `a.b.[name=x].c` at dots outside brackets.
fn split_field_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

fn lookup<'a>(node: &'a Node, path: &[String]) -> Option<&'a Node> {
    let Some((first, rest)) = path.split_first() else { return Some(node) };
    let next = match &node.value {
        Value::Map(_) => node.get(first.trim_start_matches('[').trim_end_matches(']'))?,
        Value::Seq(items) => {
            if let Some((key, value)) = first.strip_prefix('[').and_then(|p| p.strip_suffix(']')).and_then(|p| p.split_once('=')) {
                items.iter().find(|i| i.str_at(&[key]) == Some(value))?
            } else {
                items.get(first.parse::<usize>().ok()?)?
            }
        }
        Value::Scalar(_) => return None,
    };
    lookup(next, rest)
}

/// Every node at `path` (a `*` or `[k=*]` part matches all), creating
/// missing mapping fields when `create` is set.
fn targets<'a>(node: &'a mut Node, path: &[String], create: bool, out: &mut Vec<&'a mut Node>) {
    let Some((first, rest)) = path.split_first() else {
        out.push(node);
        return;
    };
    if tree::is_null(node) && create {
        *node = tree::empty_map(node.span);
    }
    if node.is_map() {
        if first == "*" {
            if let Value::Map(entries) = &mut node.value {
                for entry in entries.iter_mut() {
                    targets(&mut entry.value, rest, create, out);
                }
            }
            return;
        }
        let key = first.trim_start_matches('[').trim_end_matches(']');
        if node.get(key).is_none() {
            if !create {
                return;
            }
            let span = node.span;
            // A created scalar has no style of its own: the copied text then
            // reads as what it looks like (`1.27` is a number), as in kustomize.
            let value = if rest.is_empty() { tree::plain("", span) } else { tree::empty_map(span) };
            tree::set(node, key, value);
        }
        if let Some(child) = tree::get_mut(node, key) {
            targets(child, rest, create, out);
        }
        return;
    }
    match &mut node.value {
        Value::Seq(items) => {
            if let Some(selector) = first.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                let (key, value) = selector.split_once('=').unwrap_or((selector, "*"));
                for item in items.iter_mut() {
                    if value == "*" || item.str_at(&[key]) == Some(value) {
                        targets(item, rest, create, out);
                    }
                }
            } else if first == "*" {
                for item in items.iter_mut() {
                    targets(item, rest, create, out);
                }
            } else if let Ok(i) = first.parse::<usize>() {
                if let Some(item) = items.get_mut(i) {
                    targets(item, rest, create, out);
                }
            }
        }
        Value::Scalar(_) | Value::Map(_) => {}
    }
}

struct Options {
    delimiter: Option<String>,
    index: i64,
    create: bool,
}

fn options(node: Option<&Node>) -> Options {
    Options {
        delimiter: node.and_then(|o| o.str_at(&["delimiter"])).filter(|d| !d.is_empty()).map(str::to_owned),
        index: node.and_then(|o| o.get("index")).and_then(Node::as_i64).unwrap_or(0),
        create: node.and_then(|o| o.get("create")).and_then(Node::as_bool).unwrap_or(false),
    }
}

/// Applies one replacement. Errors are messages with the node they concern.
pub(crate) fn apply(resources: &mut [Resource], replacement: &Node) -> Result<(), (String, Node)> {
    let err = |message: String, node: &Node| (message, node.clone());
    let source = replacement.get("source").ok_or_else(|| err("a replacement needs a `source`".into(), replacement))?;
    let selector = IdSelector::from_node(source).map_err(|e| err(e, source))?;
    let matches: Vec<usize> = (0..resources.len()).filter(|&i| selector.selects(&resources[i])).collect();
    let index = match matches.as_slice() {
        [one] => *one,
        [] => return Err(err("the replacement source selects no object".into(), source)),
        _ => return Err(err("the replacement source selects more than one object".into(), source)),
    };
    let field_path = source.str_at(&["fieldPath"]).unwrap_or("metadata.name");
    let mut value = lookup(&resources[index].node, &split_field_path(field_path))
        .cloned()
        .ok_or_else(|| err(format!("the source has no field `{field_path}`"), source))?;
    let source_options = options(source.get("options"));
    if let Some(delimiter) = &source_options.delimiter {
        let text = value.scalar_text().unwrap_or_default().to_owned();
        let parts: Vec<&str> = text.split(delimiter.as_str()).collect();
        let part = usize::try_from(source_options.index)
            .ok()
            .and_then(|i| parts.get(i))
            .ok_or_else(|| err(format!("options.index {} is out of range", source_options.index), source))?;
        value = tree::string(part, value.span);
    }
    for target in replacement.get("targets").map(Node::items).unwrap_or_default() {
        let select = target.get("select").map(IdSelector::from_node).transpose().map_err(|e| err(e, target))?.unwrap_or_default();
        let rejects: Vec<IdSelector> = target
            .get("reject")
            .map(|r| r.items().iter().map(IdSelector::from_node).collect::<Result<_, _>>())
            .transpose()
            .map_err(|e| err(e, target))?
            .unwrap_or_default();
        let target_options = options(target.get("options"));
        for resource in resources.iter_mut() {
            if !select.selects(resource) || rejects.iter().any(|r| r.selects(resource)) {
                continue;
            }
            for path in tree::texts(target.get("fieldPaths")) {
                let mut found = Vec::new();
                targets(resource.node_mut(), &split_field_path(&path), target_options.create, &mut found);
                if found.is_empty() {
                    return Err(err(format!("target field `{path}` does not exist (set options.create to add it)"), target));
                }
                for node in found {
                    set_value(node, &value, &target_options);
                }
            }
        }
    }
    Ok(())
}

fn set_value(target: &mut Node, value: &Node, options: &Options) {
    let mut value = value.clone();
    if let Some(delimiter) = &options.delimiter {
        let current = target.scalar_text().unwrap_or_default().to_owned();
        let mut parts: Vec<String> = current.split(delimiter.as_str()).map(str::to_owned).collect();
        let v = value.scalar_text().unwrap_or_default().to_owned();
        if options.index < 0 {
            parts.insert(0, v);
        } else if options.index as usize >= parts.len() {
            parts.push(v);
        } else {
            parts[options.index as usize] = v;
        }
        value = tree::string(&parts.join(delimiter), value.span);
    }
    match (&mut target.value, &value.value) {
        // A scalar keeps its own style: only the text is copied, so `replicas:
        // 1` stays an integer when a string "3" is copied into it.
        (Value::Scalar(t), Value::Scalar(v)) => {
            t.text = v.text.clone();
            target.span = value.span;
        }
        _ => *target = value,
    }
}
