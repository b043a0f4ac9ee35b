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

/// A scalar's text. How it was written (its [`ScalarStyle`]) is on the
/// [`Node`]: without it a `Value` is 24 bytes and a node 48, not 64.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The value after YAML escape processing, before any type resolution.
    /// Texts up to 24 bytes (nearly every key and most values) are stored
    /// in place, without an allocation of their own.
    pub text: compact_str::CompactString,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Children<Node>),
    Map(Children<Entry>),
}

/// An explicit tag (`!!str`, `!env_var`), interned: two bytes in every
/// node. Tags are rare and a repository uses a handful of different ones.
///
/// The table is the process's and never shrinks (a long-running `watch` or
/// MCP server keeps what it has seen). Past 65,535 different tags (only a
/// crafted stream has that many) a new tag is kept as `!`, YAML's
/// non-specific tag, and reads as an untagged value of its style would:
/// the standard tags, the only ones that change how a scalar reads, are in
/// the table from the start and keep their meaning.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(std::num::NonZeroU16);

struct TagTable {
    names: Vec<&'static str>,
    ids: std::collections::HashMap<&'static str, Tag>,
}

impl TagTable {
    /// `!` takes the first id: the tag a full table hands out.
    const NON_SPECIFIC: Tag = Tag(std::num::NonZeroU16::MIN);

    fn with_standard_tags() -> TagTable {
        let mut table = TagTable { names: Vec::new(), ids: std::collections::HashMap::new() };
        table.intern("!");
        for standard in ["str", "int", "float", "bool", "null", "merge", "map", "seq", "binary", "timestamp"] {
            table.intern(&format!("!!{standard}"));
            table.intern(&format!("tag:yaml.org,2002:{standard}"));
        }
        table
    }

    fn intern(&mut self, text: &str) -> Tag {
        if let Some(&tag) = self.ids.get(text) {
            return tag;
        }
        let Some(id) = u16::try_from(self.names.len() + 1).ok().and_then(std::num::NonZeroU16::new) else {
            return Self::NON_SPECIFIC;
        };
        let name: &'static str = Box::leak(text.into());
        self.names.push(name);
        self.ids.insert(name, Tag(id));
        Tag(id)
    }
}

fn tag_table() -> &'static std::sync::RwLock<TagTable> {
    static TABLE: std::sync::OnceLock<std::sync::RwLock<TagTable>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::sync::RwLock::new(TagTable::with_standard_tags()))
}

impl Tag {
    pub fn new(text: &str) -> Tag {
        let table = tag_table();
        if let Some(&tag) = table.read().unwrap_or_else(std::sync::PoisonError::into_inner).ids.get(text) {
            return tag;
        }
        table.write().unwrap_or_else(std::sync::PoisonError::into_inner).intern(text)
    }

    pub fn as_str(self) -> &'static str {
        tag_table().read().unwrap_or_else(std::sync::PoisonError::into_inner).names[usize::from(self.0.get()) - 1]
    }
}

impl std::ops::Deref for Tag {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Tag").field(&self.as_str()).finish()
    }
}

impl From<&str> for Tag {
    fn from(text: &str) -> Self {
        Tag::new(text)
    }
}

impl From<String> for Tag {
    fn from(text: String) -> Self {
        Tag::new(&text)
    }
}

/// The items of a sequence or the entries of a mapping, shared between
/// copies of a tree and copied one level at a time when changed.
///
/// Builds copy every object many times (each kustomization level, each
/// Flux Kustomization) and change a few fields of it (a namespace, labels):
/// with shared children a copy is a count, and a change copies only the
/// mappings on the way to the changed field. Reading derefs to the `Vec`;
/// writing (`DerefMut`) first makes this level's `Vec` unshared.
#[derive(Clone, PartialEq, Default)]
pub struct Children<T>(std::sync::Arc<Vec<T>>);

impl<T> std::ops::Deref for Children<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T: Clone> std::ops::DerefMut for Children<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        std::sync::Arc::make_mut(&mut self.0)
    }
}

impl<T> From<Vec<T>> for Children<T> {
    fn from(items: Vec<T>) -> Self {
        Children(std::sync::Arc::new(items))
    }
}

impl<T: Clone> Children<T> {
    /// Appends `item`. A shared list is copied with room for exactly one
    /// more (a build copies a mapping to add one field to it: doubling the
    /// copy's capacity, as `Vec::push` does, left half of it empty); a full
    /// one of its own grows by a quarter.
    pub fn push(&mut self, item: T) {
        if let Some(items) = std::sync::Arc::get_mut(&mut self.0) {
            if items.len() == items.capacity() {
                items.reserve_exact((items.len() / 4).max(1));
            }
            items.push(item);
            return;
        }
        let mut items = Vec::with_capacity(self.0.len() + 1);
        items.extend_from_slice(&self.0);
        items.push(item);
        self.0 = std::sync::Arc::new(items);
    }

    /// The `Vec`, copied only when another tree still shares it.
    pub fn into_vec(self) -> Vec<T> {
        std::sync::Arc::unwrap_or_clone(self.0)
    }
}

impl Node {
    /// Whether both are lists or both mappings holding the very same
    /// items or entries: one is an unchanged copy of the other (or shares
    /// them with it). What copy-on-write tests compare.
    pub fn shares_children_with(&self, other: &Node) -> bool {
        match (&self.value, &other.value) {
            (Value::Seq(a), Value::Seq(b)) => std::sync::Arc::ptr_eq(&a.0, &b.0),
            (Value::Map(a), Value::Map(b)) => std::sync::Arc::ptr_eq(&a.0, &b.0),
            _ => false,
        }
    }

    /// A copy with `replace` applied to every scalar (to mapping keys too
    /// when `keys`), or `None` when `replace` changes none (returns `None`
    /// for all). Only the lists and mappings on the way to a replaced scalar
    /// are copied; the rest stays shared with `self`. Each node is visited
    /// once, in document order, a key before its value.
    pub fn replacing_scalars<F>(&self, keys: bool, replace: &mut F) -> Option<Node>
    where
        F: FnMut(&Node, &Scalar) -> Option<Node>,
    {
        let value = match &self.value {
            Value::Scalar(scalar) => return replace(self, scalar),
            Value::Seq(items) => {
                let mut copy: Option<Vec<Node>> = None;
                for (index, item) in items.iter().enumerate() {
                    if let Some(changed) = item.replacing_scalars(keys, replace) {
                        copy.get_or_insert_with(|| items.to_vec())[index] = changed;
                    }
                }
                Value::Seq(copy?.into())
            }
            Value::Map(entries) => {
                let mut copy: Option<Vec<Entry>> = None;
                for (index, entry) in entries.iter().enumerate() {
                    if keys && let Some(changed) = entry.key.replacing_scalars(keys, replace) {
                        copy.get_or_insert_with(|| entries.to_vec())[index].key = changed;
                    }
                    if let Some(changed) = entry.value.replacing_scalars(keys, replace) {
                        copy.get_or_insert_with(|| entries.to_vec())[index].value = changed;
                    }
                }
                Value::Map(copy?.into())
            }
        };
        Some(self.with_value(value))
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Children<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<'a, T> IntoIterator for &'a Children<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a, T: Clone> IntoIterator for &'a mut Children<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        std::sync::Arc::make_mut(&mut self.0).iter_mut()
    }
}

impl<T: Clone> IntoIterator for Children<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<T> FromIterator<T> for Children<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Children(std::sync::Arc::new(iter.into_iter().collect()))
    }
}

/// 48 bytes: a parsed repository is mostly nodes (a mapping entry is two),
/// and a build that changes a field copies the entries of every mapping on
/// the way to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    /// An explicit tag as written (`!!str`, `!env_var`), if any.
    pub tag: Option<Tag>,
    /// How a scalar was written; `Plain` for lists and mappings.
    pub style: ScalarStyle,
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
    /// An untagged node (a plain scalar's style: lists and mappings have none).
    pub fn new(span: Span, value: Value) -> Node {
        Node { span, tag: None, style: ScalarStyle::Plain, value }
    }

    /// An untagged scalar written in `style`.
    pub fn new_scalar(span: Span, text: impl Into<compact_str::CompactString>, style: ScalarStyle) -> Node {
        Node { span, tag: None, style, value: Value::Scalar(Scalar { text: text.into() }) }
    }

    /// `value` with this node's span and tag, and its style when `value` is
    /// a scalar (lists and mappings have none).
    pub fn with_value(&self, value: Value) -> Node {
        let style = if matches!(value, Value::Scalar(_)) { self.style } else { ScalarStyle::Plain };
        Node { span: self.span, tag: self.tag, style, value }
    }

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
        self.scalar().is_some_and(|scalar| Resolved::reads_as_null(&scalar.text, self.style, self.tag.as_deref()))
    }

    /// How the scalar reads under Kubernetes' YAML rules; `None` for collections.
    pub fn resolve(&self) -> Option<Resolved> {
        let scalar = self.scalar()?;
        Some(Resolved::of(&scalar.text, self.style, self.tag.as_deref()))
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

    pub fn is_scalar(&self) -> bool {
        matches!(self.value, Value::Scalar(_))
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

#[cfg(test)]
mod tests {
    use crate::parse_stream;

    #[test]
    fn a_copy_shares_until_changed_and_a_change_copies_only_its_path() {
        let original = parse_stream("metadata:\n  name: a\n  labels:\n    x: y\nspec:\n  big: [1, 2, 3]\n").documents.remove(0).root;
        let mut copy = (*original).clone();
        let spec = |node: &super::Node| node.get("spec").unwrap().clone();
        assert!(spec(&copy).shares_children_with(&spec(&original)), "a copy shares its children");
        // Change one field of the copy.
        if let super::Value::Map(entries) = &mut copy.value {
            let metadata = entries.iter_mut().find(|e| e.key.scalar_text() == Some("metadata")).unwrap();
            if let super::Value::Map(fields) = &mut metadata.value.value {
                fields[0].value = parse_stream("b").documents.remove(0).root.as_ref().clone();
            }
        }
        assert_eq!(copy.str_at(&["metadata", "name"]), Some("b"));
        assert_eq!(original.str_at(&["metadata", "name"]), Some("a"), "the original is unchanged");
        assert!(spec(&copy).shares_children_with(&spec(&original)), "what was not on the changed path is still shared");
        assert!(!copy.shares_children_with(&original), "the changed path is copied");
        assert_eq!(copy.path(&["metadata", "labels", "x"]).unwrap().scalar_text(), Some("y"));
    }

    #[test]
    fn pushing_onto_a_shared_list_copies_it_with_room_for_one_more() {
        use super::Children;
        let original: Children<u32> = (0..12).collect::<Vec<_>>().into();
        let mut copy = original.clone();
        copy.push(12);
        assert_eq!(*copy, (0..13).collect::<Vec<_>>());
        assert_eq!(*original, (0..12).collect::<Vec<_>>(), "the original is unchanged");
        assert_eq!(copy.capacity(), 13, "the copy holds no room it was not asked for");
        // Its own now: a full list grows by a quarter, not by double.
        copy.push(13);
        assert!((14..20).contains(&copy.capacity()), "grown by a quarter, got {}", copy.capacity());
        for item in 14..100 {
            copy.push(item);
        }
        assert_eq!(*copy, (0..100).collect::<Vec<_>>());
        assert!(copy.capacity() < 125, "a quarter at most left empty, got {}", copy.capacity());
        let mut empty: Children<u32> = Children::default();
        empty.push(1);
        assert_eq!(*empty, [1]);
    }

    #[test]
    fn replacing_scalars_copies_only_the_way_to_what_it_replaces() {
        use super::{Node, Scalar};
        let original = parse_stream("meta: {name: a}\nspec:\n  X: [keep, X]\n  other: [1, 2]\n").documents.remove(0).root;
        // Replaces every `X` with `Y`; also returns the scalars visited.
        let replace_x = |keys: bool| {
            let mut visited = Vec::new();
            let copy = original.replacing_scalars(keys, &mut |node: &Node, scalar: &Scalar| {
                visited.push(scalar.text.to_string());
                (scalar.text == "X").then(|| Node::new_scalar(node.span, "Y", node.style))
            });
            (copy, visited)
        };
        let (copy, visited) = replace_x(false);
        let copy = copy.expect("a value is replaced");
        assert_eq!(visited, ["a", "keep", "X", "1", "2"], "values only, in document order");
        assert_eq!(copy.path(&["spec", "X"]).unwrap().items()[1].scalar_text(), Some("Y"), "the key is left as written");
        assert!(copy.get("meta").unwrap().shares_children_with(original.get("meta").unwrap()));
        assert!(copy.path(&["spec", "other"]).unwrap().shares_children_with(original.path(&["spec", "other"]).unwrap()));
        assert!(!copy.get("spec").unwrap().shares_children_with(original.get("spec").unwrap()));

        let (copy, visited) = replace_x(true);
        let copy = copy.expect("a key and a value are replaced");
        assert_eq!(visited, ["meta", "name", "a", "spec", "X", "keep", "X", "other", "1", "2"], "a key before its value");
        assert_eq!(copy.path(&["spec", "Y"]).unwrap().items()[1].scalar_text(), Some("Y"));

        assert!(original.replacing_scalars(true, &mut |_: &Node, _: &Scalar| None).is_none(), "nothing replaced, no copy");
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_node_is_48_bytes_and_a_mapping_entry_96() {
        // What every parsed file and every copied mapping costs: keep it.
        assert_eq!(std::mem::size_of::<super::Node>(), 48);
        assert_eq!(std::mem::size_of::<super::Entry>(), 96);
    }

    #[test]
    fn tags_are_interned_and_read_back_as_written() {
        use super::Tag;
        let written = parse_stream("a: !env_var X\nb: !!str 1\nc: !env_var Y\n").documents.remove(0).root;
        let tags: Vec<Option<&str>> = written.entries().iter().map(|e| e.value.tag.as_deref()).collect();
        assert_eq!(tags, [Some("!env_var"), Some("!!str"), Some("!env_var")]);
        assert_eq!(written.entries()[0].value.tag, written.entries()[2].value.tag, "one tag, one id");
        assert_ne!(Tag::new("!secret"), Tag::new("!env_var"));
        assert_eq!(format!("{:?}", Tag::new("!secret")), r#"Tag("!secret")"#);
        assert_eq!(written.entries()[1].value.as_str(), Some("1"), "`!!str` still decides how it reads");
    }

    #[test]
    fn past_the_last_tag_id_a_new_tag_reads_as_the_non_specific_one() {
        use super::TagTable;
        let mut table = TagTable::with_standard_tags();
        let string = table.intern("!!str");
        let mut last = None;
        for n in table.names.len()..usize::from(u16::MAX) {
            last = Some(table.intern(&format!("!custom{n}")));
        }
        assert_eq!(table.names.len(), usize::from(u16::MAX), "every id used");
        let overflow = table.intern("!one-too-many");
        assert_eq!(overflow, TagTable::NON_SPECIFIC);
        assert_eq!(table.names[usize::from(overflow.0.get()) - 1], "!");
        assert_eq!(table.intern("!!str"), string, "the standard tags keep their ids");
        assert_eq!(last.map(|tag| table.names[usize::from(tag.0.get()) - 1]), Some("!custom65534"));
    }
}
