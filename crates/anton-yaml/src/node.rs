use serde_json::{Map, Number};

use crate::resolve::Resolved;

/// Where a node sits in its file. `line` and `column` are 1-based (columns
/// count characters); `start`/`end` are byte offsets for code frames.
///
/// `file` is an id the caller chose when parsing ([`crate::parse_stream_in`]);
/// it lets a tree assembled from several files (a resource with a patch
/// applied) still say where each value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The value after YAML escape processing, before any type resolution.
    /// Shared, not owned: the build engine copies trees many times (every
    /// kustomization level, every Flux Kustomization), and a copy of a text
    /// is then a count, not an allocation.
    pub text: std::sync::Arc<str>,
    pub style: ScalarStyle,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    /// An explicit tag as written (`!!str`, `!env_var`), if any.
    pub tag: Option<Box<str>>,
    pub value: Value,
}

/// One document of a multi-document stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based position in the stream, counting every `---` document.
    pub index: usize,
    /// Shared: the build engine starts every build of an object from this
    /// tree without copying it.
    pub root: std::sync::Arc<Node>,
}

impl Node {
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar that reads as a string (or any scalar when the
    /// caller only needs its text, see [`Node::scalar_text`]).
    pub fn as_str(&self) -> Option<&str> {
        match self.resolve()? {
            Resolved::Str => self.scalar().map(|s| &*s.text),
            _ => None,
        }
    }

    /// The source text of any scalar, whatever type it reads as. Names and
    /// versions like `1.0` or `true` are still useful as text.
    pub fn scalar_text(&self) -> Option<&str> {
        self.scalar().map(|s| &*s.text)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.resolve()? {
            Resolved::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.resolve()? {
            Resolved::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), Some(Resolved::Null))
    }

    /// How the scalar reads under Kubernetes' YAML rules; `None` for collections.
    pub fn resolve(&self) -> Option<Resolved> {
        let scalar = self.scalar()?;
        Some(Resolved::of(scalar, self.tag.as_deref()))
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// The entry whose key is the scalar `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key.scalar_text() == Some(key))
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a path of mapping keys: `node.path(&["spec", "sourceRef", "name"])`.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The string under a path of keys, when there is one. Numbers and booleans
    /// read as their text: `name: 2024` is still a name.
    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        let node = self.path(keys)?;
        if node.is_null() { None } else { node.scalar_text() }
    }

    /// The node as JSON, with Kubernetes' reading of every scalar.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Scalar(_) => match self.resolve() {
                Some(Resolved::Null) | None => serde_json::Value::Null,
                Some(Resolved::Bool(b)) => serde_json::Value::Bool(b),
                Some(Resolved::Int(i)) => serde_json::Value::Number(i.into()),
                Some(Resolved::Float(f)) => Number::from_f64(f)
                    .map(serde_json::Value::Number)
                    // JSON has no NaN or infinity; keep the text rather than lose the value.
                    .unwrap_or_else(|| serde_json::Value::String(self.scalar_text().unwrap_or_default().to_owned())),
                Some(Resolved::Str) => {
                    serde_json::Value::String(self.scalar_text().unwrap_or_default().to_owned())
                }
            },
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for entry in entries {
                    let key = match &entry.key.value {
                        Value::Scalar(s) => s.text.to_string(),
                        _ => entry.key.to_json().to_string(),
                    };
                    map.insert(key, entry.value.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}
