//! Turns granit-parser's event stream into [`Document`]s, collecting every
//! problem instead of stopping at the first.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use granit_parser::{Event, Options, Parser, ScalarStyle as GranitStyle, Span as GranitSpan, Tag};

use crate::node::{Document, Entry, Node, Scalar, ScalarStyle, Span, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlIssueKind {
    /// Not YAML at all at this point; the rest of the document is skipped.
    Syntax,
    /// The same key twice in one mapping.
    DuplicateKey,
    /// Aliases expand to more nodes than any real manifest has ("billion laughs").
    AliasExpansion,
    /// A mapping key that is a sequence or a mapping: valid YAML, but no
    /// Kubernetes object can hold it (JSON keys are strings).
    ComplexKey,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YamlIssue {
    pub kind: YamlIssueKind,
    pub message: String,
    pub span: Span,
    /// For duplicate keys: where the key was first defined.
    pub related: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct ParseOutput {
    pub documents: Vec<Document>,
    pub issues: Vec<YamlIssue>,
}

/// No real manifest comes near this many nodes through aliases; an input that
/// does is an alias bomb and is cut off rather than allowed to eat the memory.
pub(crate) const ALIAS_NODE_BUDGET: usize = 1_000_000;

/// An open collection. Its children wait on the builder's shared stacks
/// (`items`, `entries`) from `first` on, and move into a vector of exactly
/// their number when it closes: no growing, no shrinking.
enum Frame {
    Seq { span: Span, tag: Option<crate::node::Tag>, anchor: usize, first: usize },
    Map { span: Span, tag: Option<crate::node::Tag>, anchor: usize, first: usize, key: Option<Node> },
}

struct Builder {
    file: u32,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<Entry>,
    root: Option<Node>,
    anchors: HashMap<usize, Node>,
    alias_budget: usize,
    issues: Vec<YamlIssue>,
}

/// Parses every document of a YAML stream. Never fails: problems are
/// returned as [`YamlIssue`]s next to the documents that did parse.
pub fn parse_stream(source: &str) -> ParseOutput {
    parse_stream_in(source, 0)
}

/// [`parse_stream`], marking every span with the caller's `file` id.
pub fn parse_stream_in(source: &str, file: u32) -> ParseOutput {
    // Most manifests are plain block YAML, which the fast path reads (and
    // answers exactly as the general parser would); the rest goes there.
    match crate::fast::parse(source, file) {
        Some(output) => output,
        None => parse_general(source, file),
    }
}

/// Every YAML stream, through `granit-parser`.
pub(crate) fn parse_general(source: &str, file: u32) -> ParseOutput {
    let mut options = Options::default();
    options.emit_comments = false;
    let mut parser = Parser::new_from_str_with_options(source, options);
    let mut builder = Builder {
        file,
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        root: None,
        anchors: HashMap::new(),
        alias_budget: ALIAS_NODE_BUDGET,
        issues: Vec::new(),
    };
    let mut documents = Vec::new();
    let mut index: usize = 0;
    let mut in_document = false;
    loop {
        let Some(next) = parser.next_event() else { break };
        match next {
            Ok((event, span)) => match event {
                Event::DocumentStart(..) => {
                    in_document = true;
                    builder.clear();
                }
                Event::DocumentEnd => {
                    // An empty document (`---` with nothing after it) is no document
                    // to kubectl either, but it still takes up an index.
                    if let Some(root) = builder.root.take().filter(|r| !is_empty_document(r)) {
                        documents.push(Document { index, root: std::sync::Arc::new(root) });
                    }
                    index += 1;
                    in_document = false;
                }
                Event::StreamEnd => break,
                other => builder.event(other, span),
            },
            Err(error) => {
                let marker = error.marker();
                let at = Span {
                    file,
                    start: marker.byte_offset().unwrap_or(0) as u32,
                    end: marker.byte_offset().unwrap_or(0) as u32,
                    line: marker.line().max(1) as u32,
                    column: marker.col() as u32 + 1,
                };
                builder.issues.push(YamlIssue {
                    kind: YamlIssueKind::Syntax,
                    message: error.info(),
                    span: at,
                    related: None,
                });
                builder.clear();
                if in_document {
                    index += 1;
                    in_document = false;
                }
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    _ => break,
                }
            }
        }
    }
    ParseOutput { documents, issues: builder.issues }
}

fn convert_span(file: u32, span: &GranitSpan) -> Span {
    Span {
        file,
        start: span.start.byte_offset().unwrap_or(0) as u32,
        end: span.end.byte_offset().unwrap_or(0) as u32,
        line: span.start.line().max(1) as u32,
        column: span.start.col() as u32 + 1,
    }
}

fn convert_tag(tag: Option<&Tag>) -> Option<crate::node::Tag> {
    let tag = tag?;
    let text = if tag.handle() == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix())
    } else {
        format!("{}{}", tag.handle(), tag.suffix())
    };
    Some(crate::node::Tag::new(&text))
}

fn convert_style(style: GranitStyle) -> ScalarStyle {
    match style {
        GranitStyle::Plain => ScalarStyle::Plain,
        GranitStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        GranitStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        GranitStyle::Literal => ScalarStyle::Literal,
        GranitStyle::Folded => ScalarStyle::Folded,
    }
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: GranitSpan) {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                // Flux applies every manifest through kustomize, so a folded
                // scalar reads as kustomize passes it on.
                let text = match style {
                    GranitStyle::Folded => crate::folded::as_kustomize_writes_it(&text).map_or_else(|| text.as_ref().into(), Into::into),
                    _ => text.as_ref().into(),
                };
                let node = Node {
                    span: convert_span(self.file, &span),
                    tag: convert_tag(tag.as_deref()),
                    style: convert_style(style),
                    value: Value::Scalar(Scalar { text }),
                };
                self.remember(anchor, &node);
                self.push(node);
            }
            Event::SequenceStart(_, anchor, tag) => self.stack.push(Frame::Seq {
                span: convert_span(self.file, &span),
                tag: convert_tag(tag.as_deref()),
                anchor,
                first: self.items.len(),
            }),
            Event::MappingStart(_, anchor, tag) => self.stack.push(Frame::Map {
                span: convert_span(self.file, &span),
                tag: convert_tag(tag.as_deref()),
                anchor,
                first: self.entries.len(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return };
                let end = span.end.byte_offset().unwrap_or(0) as u32;
                let (node, anchor) = match frame {
                    Frame::Seq { mut span, tag, anchor, first } => {
                        span.end = end.max(span.start);
                        // Trees live for the whole run: exactly as long as needed.
                        let items: Vec<Node> = self.items.drain(first..).collect();
                        (Node { span, tag, style: ScalarStyle::Plain, value: Value::Seq(items.into()) }, anchor)
                    }
                    Frame::Map { mut span, tag, anchor, first, .. } => {
                        span.end = end.max(span.start);
                        let entries: Vec<Entry> = self.entries.drain(first..).collect();
                        let entries = self.finish_mapping(entries);
                        (Node { span, tag, style: ScalarStyle::Plain, value: Value::Map(entries.into()) }, anchor)
                    }
                };
                self.remember(anchor, &node);
                self.push(node);
            }
            Event::Alias(id) => {
                // The parser knows every anchor defined so far; the only one
                // missing here is the anchor of a collection still open
                // around this alias: a node that would contain itself.
                let Some(target) = self.anchors.get(&id) else {
                    self.issues.push(YamlIssue {
                        kind: YamlIssueKind::Syntax,
                        message: "this alias refers to the collection it is in (its anchor's node is not finished); \
                                  a YAML node cannot contain itself"
                            .to_owned(),
                        span: convert_span(self.file, &span),
                        related: None,
                    });
                    self.push_empty(&span);
                    return;
                };
                let size = count_nodes(target);
                if size > self.alias_budget {
                    self.issues.push(YamlIssue {
                        kind: YamlIssueKind::AliasExpansion,
                        message: format!(
                            "aliases expand to more than {ALIAS_NODE_BUDGET} nodes; refusing to expand further"
                        ),
                        span: convert_span(self.file, &span),
                        related: None,
                    });
                    self.push_empty(&span);
                    return;
                }
                self.alias_budget -= size;
                let node = target.clone();
                self.push(node);
            }
            _ => {}
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            // A redefined anchor gets a fresh id from the parser, so later
            // aliases find the newest definition, as YAML requires.
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map { key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => self.entries.push(Entry { key: k, value: node }),
            },
        }
    }

    /// An empty value where an alias could not be expanded: it keeps a
    /// mapping's keys and values in step.
    fn push_empty(&mut self, span: &GranitSpan) {
        self.push(Node::new_scalar(convert_span(self.file, span), "", ScalarStyle::Plain));
    }

    /// Drops a document's unfinished collections (after a syntax error, or at
    /// the start of the next document).
    fn clear(&mut self) {
        self.stack.clear();
        self.items.clear();
        self.entries.clear();
        self.root = None;
    }

    /// Reports duplicate keys (the last value wins, as in go-yaml) and applies
    /// merge keys: explicit keys win, then earlier merged maps over later ones.
    fn finish_mapping(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        for entry in &entries {
            let what = match entry.key.value {
                Value::Scalar(_) => continue,
                Value::Seq(_) => "a sequence",
                Value::Map(_) => "a mapping",
            };
            self.issues.push(YamlIssue {
                kind: YamlIssueKind::ComplexKey,
                message: format!("this mapping key is {what}; Kubernetes objects are JSON, whose keys are strings, and the API server rejects it"),
                span: entry.key.span,
                related: None,
            });
        }
        // The common case — no merge key, no duplicate — keeps the vector as it
        // is; small mappings are checked without hashing or copying keys.
        let has_merge = entries.iter().any(|e| is_merge_key(&e.key));
        let duplicates = duplicate_positions(&entries);
        if !has_merge && duplicates.is_empty() {
            return entries;
        }
        let mut explicit: Vec<Entry> = Vec::with_capacity(entries.len());
        let mut merges: Vec<Node> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for entry in entries {
            if is_merge_key(&entry.key) {
                match entry.value.value {
                    Value::Seq(items) => merges.extend(items),
                    _ => merges.push(entry.value),
                }
                continue;
            }
            let Some(key_text) = entry.key.scalar_text().map(str::to_owned) else {
                explicit.push(entry);
                continue;
            };
            if let Some(&first) = seen.get(&key_text) {
                let first_span = explicit[first].key.span;
                self.issues.push(YamlIssue {
                    kind: YamlIssueKind::DuplicateKey,
                    message: format!(
                        "key `{key_text}` appears twice in this mapping (first at line {})",
                        first_span.line
                    ),
                    span: entry.key.span,
                    related: Some(first_span),
                });
                explicit[first].value = entry.value;
                continue;
            }
            seen.insert(key_text, explicit.len());
            explicit.push(entry);
        }
        for source in merges {
            let Value::Map(merged) = source.value else { continue };
            for entry in merged {
                if let Some(key_text) = entry.key.scalar_text() {
                    if seen.contains_key(key_text) {
                        continue;
                    }
                    seen.insert(key_text.to_owned(), explicit.len());
                }
                explicit.push(entry);
            }
        }
        explicit.shrink_to_fit();
        explicit
    }
}

/// Positions of entries whose scalar key appeared earlier in the same mapping.
pub(crate) fn duplicate_positions(entries: &[Entry]) -> Vec<usize> {
    let keys = entries.iter().map(|e| e.key.scalar_text());
    if entries.len() <= 16 {
        let keys: Vec<Option<&str>> = keys.collect();
        return (1..keys.len())
            .filter(|&i| keys[i].is_some() && keys[..i].contains(&keys[i]))
            .collect();
    }
    let mut seen = HashSet::with_capacity(entries.len());
    keys.enumerate()
        .filter_map(|(i, key)| key.filter(|k| !seen.insert(*k)).map(|_| i))
        .collect()
}

fn is_empty_document(root: &Node) -> bool {
    root.tag.is_none()
        && root.span.start == root.span.end
        && root.style == ScalarStyle::Plain
        && matches!(&root.value, Value::Scalar(_))
}

pub(crate) fn is_merge_key(key: &Node) -> bool {
    match &key.value {
        Value::Scalar(s) => {
            &*s.text == "<<"
                && key.style == ScalarStyle::Plain
                && key.tag.as_deref().is_none_or(|t| t == "!!merge")
        }
        _ => false,
    }
}

pub(crate) fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar(_) => 0,
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|e| count_nodes(&e.key) + count_nodes(&e.value)).sum(),
    }
}
