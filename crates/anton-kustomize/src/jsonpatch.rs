//! RFC 6902 JSON patches applied to positioned trees: `add`, `remove`,
//! `replace`, `move`, `copy` and `test`, with RFC 6901 pointers (`-` appends,
//! `~1` is `/`, `~0` is `~`). Values added keep the span of the patch.

use anton_yaml::{Entry, Node, Value};

use crate::tree;

/// One operation of a JSON patch.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub op: String,
    pub path: String,
    pub from: Option<String>,
    pub value: Option<Node>,
    /// The operation's own node, for error positions.
    pub node: Node,
}

/// Reads the operations of a patch document (a sequence of maps).
pub(crate) fn parse(doc: &Node) -> Result<Vec<Operation>, String> {
    let Value::Seq(items) = &doc.value else {
        return Err("a JSON patch is a list of operations".into());
    };
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let op = item.str_at(&["op"]).ok_or("a JSON patch operation needs `op`")?.to_owned();
        let path = item.str_at(&["path"]).map(str::to_owned).or_else(|| {
            // `path: ""` (the whole document) reads as null to YAML.
            item.get("path").map(|_| String::new())
        });
        let path = path.ok_or_else(|| format!("`{op}` operation needs `path`"))?;
        ops.push(Operation {
            from: item.str_at(&["from"]).map(str::to_owned),
            value: item.get("value").cloned(),
            op,
            path,
            node: item.clone(),
        });
    }
    Ok(ops)
}

fn tokens(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!("JSON pointer `{pointer}` must start with `/`"));
    };
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn index(token: &str, len: usize, allow_end: bool) -> Result<usize, String> {
    if token == "-" && allow_end {
        return Ok(len);
    }
    let i: usize = token.parse().map_err(|_| format!("`{token}` is not a list index"))?;
    let max = if allow_end { len } else { len.saturating_sub(1) };
    if i > max || (!allow_end && len == 0) {
        return Err(format!("index {i} is out of range (the list has {len} items)"));
    }
    Ok(i)
}

fn child_mut<'a>(node: &'a mut Node, token: &str) -> Result<&'a mut Node, String> {
    match &mut node.value {
        Value::Map(entries) => {
            let index = entries.iter().position(|e| tree::key_text(e) == Some(token)).ok_or_else(|| format!("no field `{token}`"))?;
            Ok(&mut entries[index].value)
        }
        Value::Seq(items) => {
            let i = index(token, items.len(), false)?;
            Ok(&mut items[i])
        }
        Value::Scalar(_) => Err(format!("cannot look up `{token}` in a scalar")),
    }
}

fn parent_mut<'a>(root: &'a mut Node, tokens: &[String]) -> Result<&'a mut Node, String> {
    let mut node = root;
    for token in &tokens[..tokens.len().saturating_sub(1)] {
        node = child_mut(node, token)?;
    }
    Ok(node)
}

fn get<'a>(root: &'a Node, tokens: &[String]) -> Result<&'a Node, String> {
    let mut node = root;
    for token in tokens {
        node = match &node.value {
            Value::Map(_) => node.get(token).ok_or_else(|| format!("no field `{token}`"))?,
            Value::Seq(items) => &items[index(token, items.len(), false)?],
            Value::Scalar(_) => return Err(format!("cannot look up `{token}` in a scalar")),
        };
    }
    Ok(node)
}

fn add(root: &mut Node, tokens: &[String], value: Node) -> Result<(), String> {
    let Some(last) = tokens.last() else {
        *root = value;
        return Ok(());
    };
    let parent = parent_mut(root, tokens)?;
    match &mut parent.value {
        Value::Map(entries) => {
            if let Some(index) = entries.iter().position(|e| tree::key_text(e) == Some(last.as_str())) {
                entries[index].value = value;
            } else {
                let key = tree::plain(last, value.span);
                entries.push(Entry { key, value });
            }
            Ok(())
        }
        Value::Seq(items) => {
            let i = index(last, items.len(), true)?;
            items.insert(i, value);
            Ok(())
        }
        Value::Scalar(_) => Err(format!("cannot add `{last}` to a scalar")),
    }
}

fn remove(root: &mut Node, tokens: &[String]) -> Result<Node, String> {
    let Some(last) = tokens.last() else {
        return Err("cannot remove the whole document".into());
    };
    let parent = parent_mut(root, tokens)?;
    match &mut parent.value {
        Value::Map(entries) => {
            let i = entries
                .iter()
                .position(|e| tree::key_text(e) == Some(last.as_str()))
                .ok_or_else(|| format!("no field `{last}` to remove"))?;
            Ok(entries.remove(i).value)
        }
        Value::Seq(items) => {
            let i = index(last, items.len(), false)?;
            Ok(items.remove(i))
        }
        Value::Scalar(_) => Err(format!("cannot remove `{last}` from a scalar")),
    }
}

fn replace(root: &mut Node, tokens: &[String], value: Node) -> Result<(), String> {
    if tokens.is_empty() {
        *root = value;
        return Ok(());
    }
    let parent = parent_mut(root, tokens)?;
    let last = &tokens[tokens.len() - 1];
    let slot = child_mut(parent, last).map_err(|_| format!("no `{last}` to replace"))?;
    *slot = value;
    Ok(())
}

/// Applies the operations in order; stops at the first that fails (as kubectl
/// does, the object is then left as it was before the patch).
pub(crate) fn apply(target: &mut Node, ops: &[Operation]) -> Result<(), (String, Node)> {
    let mut work = target.clone();
    for op in ops {
        let fail = |message: String| (message, op.node.clone());
        let path = tokens(&op.path).map_err(fail)?;
        match op.op.as_str() {
            "add" => {
                let value = op.value.clone().ok_or_else(|| fail("`add` needs a `value`".into()))?;
                add(&mut work, &path, value).map_err(fail)?;
            }
            "remove" => {
                remove(&mut work, &path).map_err(fail)?;
            }
            "replace" => {
                let value = op.value.clone().ok_or_else(|| fail("`replace` needs a `value`".into()))?;
                replace(&mut work, &path, value).map_err(fail)?;
            }
            "move" => {
                let from = tokens(op.from.as_deref().unwrap_or_default()).map_err(fail)?;
                let value = remove(&mut work, &from).map_err(fail)?;
                add(&mut work, &path, value).map_err(fail)?;
            }
            "copy" => {
                let from = tokens(op.from.as_deref().unwrap_or_default()).map_err(fail)?;
                let value = get(&work, &from).map_err(fail)?.clone();
                add(&mut work, &path, value).map_err(fail)?;
            }
            "test" => {
                let expected = op.value.as_ref().map(Node::to_json).unwrap_or(serde_json::Value::Null);
                let actual = get(&work, &path).map_err(fail)?.to_json();
                if expected != actual {
                    return Err(fail(format!("test failed: `{}` is {actual}, not {expected}", op.path)));
                }
            }
            other => return Err(fail(format!("unknown JSON patch operation `{other}`"))),
        }
    }
    *target = work;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node {
        std::sync::Arc::unwrap_or_clone(anton_yaml::parse_stream(text).documents.remove(0).root)
    }

    fn run(target: &str, patch: &str) -> Result<serde_json::Value, String> {
        let mut target = node(target);
        let ops = parse(&node(patch))?;
        apply(&mut target, &ops).map_err(|(m, _)| m)?;
        Ok(target.to_json())
    }

    #[test]
    fn every_operation() {
        let out = run(
            "a: {b: 1}\nlist: [p, q]\nmetadata: {annotations: {}}\n",
            "- {op: add, path: /list/-, value: z}\n- {op: add, path: /list/0, value: w}\n- {op: replace, path: /a/b, value: 2}\n- {op: add, path: /metadata/annotations/example.com~1x, value: \"true\"}\n- {op: copy, from: /a, path: /c}\n- {op: move, from: /c/b, path: /d}\n- {op: remove, path: /list/1}\n- {op: test, path: /d, value: 2}\n",
        )
        .unwrap();
        assert_eq!(
            out,
            serde_json::json!({"a": {"b": 2}, "list": ["w", "q", "z"], "metadata": {"annotations": {"example.com/x": "true"}}, "c": {}, "d": 2})
        );
    }

    #[test]
    fn failures_leave_the_object_untouched() {
        assert!(run("a: 1\n", "- {op: replace, path: /b, value: 2}\n").is_err());
        assert!(run("a: [1]\n", "- {op: add, path: /a/5, value: 2}\n").is_err());
        assert!(run("a: 1\n", "- {op: test, path: /a, value: 2}\n").is_err());
        assert!(run("a: 1\n", "- {op: add, path: /x/y, value: 2}\n").is_err());
    }
}
