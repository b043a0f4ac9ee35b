//! A fast path for the YAML that GitOps repositories are made of.
//!
//! Nearly every manifest is plain block YAML: mappings and sequences by
//! indentation, plain and quoted scalars (also wrapped over more-indented
//! lines, as CRD descriptions are), literal and folded blocks, small one-line
//! flow collections, anchors and aliases, comments in any language. This
//! parser reads exactly that, line by line, several times faster than the
//! general parser, and gives up (`None`) on anything else — tags, keep
//! chomping and indentation indicators, escapes other than one-character
//! ones, complex keys, tabs, non-ASCII text outside comments, duplicate or
//! merge keys, anything malformed — so that `granit-parser` reads the file
//! and reports what it finds.
//!
//! When it answers, the answer is the general path's, node for node and span
//! for span: the tests compare both on every file of the fixtures and corpora.

use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

use crate::build::{ALIAS_NODE_BUDGET, ParseOutput, count_nodes, duplicate_positions, is_merge_key};
use crate::node::{Document, Entry, Node, ScalarStyle, Span, Value};

/// Gives up: the general parser reads this file.
struct GiveUp;

type Parsed<T> = Result<T, GiveUp>;

/// Parses `source` if it is simple block YAML; `None` otherwise.
pub(crate) fn parse(source: &str, file: u32) -> Option<ParseOutput> {
    let mut lines = Vec::with_capacity(source.len() / 24 + 1);
    let mut start = 0;
    for (index, byte) in source.bytes().enumerate() {
        if byte == b'\n' {
            lines.push((start, index));
            start = index + 1;
        }
    }
    if start < source.len() {
        lines.push((start, source.len()));
    }
    // Printable ASCII, and anything printable in a line that is a comment:
    // columns are then byte counts, and nothing needs escaping or normalising.
    let printable_ascii = |text: &str| text.bytes().all(|b| (0x20..0x7f).contains(&b));
    if !lines.iter().all(|&(start, end)| printable_ascii(&source[start..end]) || is_plain_comment_line(&source[start..end])) {
        return None;
    }
    // A document end marker anywhere (`...`, also before content on its line).
    if lines.iter().any(|&(start, end)| source[start..end].starts_with("...")) {
        return None;
    }
    let mut parser = Parser {
        src: source,
        bytes: source.as_bytes(),
        file,
        lines,
        line: 0,
        col: 0,
        anchors: HashMap::new(),
        open_anchors: Vec::new(),
        entries: Vec::new(),
        items: Vec::new(),
        alias_budget: ALIAS_NODE_BUDGET,
        depth: 0,
    };
    parser.stream().ok()
}

struct Parser<'s> {
    src: &'s str,
    bytes: &'s [u8],
    file: u32,
    /// Each line's start and end (without its newline).
    lines: Vec<(usize, usize)>,
    /// The current line, and where on it reading goes on (after `- `).
    line: usize,
    col: usize,
    anchors: HashMap<&'s str, Node>,
    /// Anchors of block collections being read (`key: &name` above them).
    open_anchors: Vec<&'s str>,
    /// The entries and items of the collections being read; each moves
    /// into a vector of exactly its size when its collection ends.
    entries: Vec<Entry>,
    items: Vec<Node>,
    /// Nodes aliases may still expand to (an alias bomb goes to the general
    /// path, which reports it).
    alias_budget: usize,
    /// Collections open around the reading point: deep nesting goes to the
    /// general path rather than deep into the stack.
    depth: usize,
}

/// Deeper than any manifest nests.
const MAX_DEPTH: usize = 64;

/// YAML looks at most 1024 characters ahead for the `:` of a key; longer
/// keys are errors, the general path's to report.
const MAX_KEY_LENGTH: usize = 1000;

fn is_marker(text: &str, marker: &str) -> bool {
    text.strip_prefix(marker).is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

impl<'s> Parser<'s> {
    fn stream(&mut self) -> Parsed<ParseOutput> {
        let mut documents = Vec::new();
        let mut index = 0;
        // Content before the first `---` is a document of its own; comments are not.
        let mut explicit = false;
        while let Some(first) = self.next_content(self.line) {
            let text = self.line_text(first);
            if text.starts_with('%') || is_marker(text, "...") {
                return Err(GiveUp);
            }
            if is_marker(text, "---") {
                let rest = text[3..].trim_start();
                if !(rest.is_empty() || rest.starts_with('#')) {
                    return Err(GiveUp);
                }
                if explicit {
                    // The document that ended here had no content.
                    index += 1;
                }
                explicit = true;
                self.line = first + 1;
                continue;
            }
            self.line = first;
            self.col = self.indent(first);
            if self.col != 0 {
                return Err(GiveUp);
            }
            // Anchors belong to their document.
            self.anchors.clear();
            let root = self.block_node(0, false)?;
            self.line += 1;
            if let Some(next) = self.next_content(self.line) {
                // Only another document may follow a document.
                if !is_marker(self.line_text(next), "---") {
                    return Err(GiveUp);
                }
            }
            documents.push(Document { index, root: Arc::new(root) });
            index += 1;
            explicit = false;
        }
        Ok(ParseOutput { documents, issues: Vec::new() })
    }

    fn line_text(&self, line: usize) -> &'s str {
        let (start, end) = self.lines[line];
        &self.src[start..end]
    }

    fn indent(&self, line: usize) -> usize {
        let (start, end) = self.lines[line];
        self.bytes[start..end].iter().take_while(|&&b| b == b' ').count()
    }

    /// The first line from `line` on that is neither blank nor a comment.
    fn next_content(&self, mut line: usize) -> Option<usize> {
        while line < self.lines.len() {
            let text = self.line_text(line).trim_start_matches(' ');
            if !(text.is_empty() || text.starts_with('#')) {
                return Some(line);
            }
            line += 1;
        }
        None
    }

    /// Where the next token starts: the first content after the current
    /// line (a block collection or literal ends there), or the end of input.
    fn next_token(&self, from: usize) -> usize {
        match self.next_content(from) {
            Some(line) => self.lines[line].0 + self.indent(line),
            None => self.src.len(),
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        let line_start = self.lines[self.line].0;
        Span { file: self.file, start: start as u32, end: end as u32, line: self.line as u32 + 1, column: (start - line_start) as u32 + 1 }
    }

    /// The position of the current line's reading point.
    fn here(&self) -> usize {
        self.lines[self.line].0 + self.col
    }

    /// The rest of the current line from the reading point.
    fn rest(&self) -> &'s str {
        &self.src[self.here()..self.lines[self.line].1]
    }

    /// A block collection starting at the reading point, at column `indent`.
    fn block_node(&mut self, indent: usize, indentless: bool) -> Parsed<Node> {
        let rest = self.rest();
        if is_item(rest) {
            self.sequence(indent, indentless)
        } else {
            self.mapping(indent)
        }
    }

    /// Counts one more open collection.
    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(GiveUp) } else { Ok(()) }
    }

    fn mapping(&mut self, indent: usize) -> Parsed<Node> {
        self.enter()?;
        let first = self.entries.len();
        let mut start = None;
        loop {
            let key_at = self.here();
            let rest = self.rest();
            let (key_text, after) = plain_key(rest).ok_or(GiveUp)?;
            let key = Node::new_scalar(self.span(key_at, key_at + key_text.len()), key_text, ScalarStyle::Plain);
            start.get_or_insert(key.span);
            let colon = key_at + key_text.len();
            let value_text = after.trim_start_matches(' ');
            let value_at = self.lines[self.line].1 - value_text.len();
            let value = if value_text.is_empty() || value_text.starts_with('#') {
                self.nested_value(indent, colon)?
            } else if let Some(name) = block_anchor(value_text) {
                // `key: &name` with the collection on the next lines (more
                // indented: an anchored list at the key's own column is left
                // to the general path).
                if self.next_content(self.line + 1).is_none_or(|next| self.indent(next) <= indent) {
                    return Err(GiveUp);
                }
                if self.open_anchors.contains(&name) {
                    return Err(GiveUp);
                }
                self.open_anchors.push(name);
                let node = self.nested_value(indent, colon)?;
                self.open_anchors.pop();
                if matches!(node.value, Value::Scalar(_)) {
                    return Err(GiveUp);
                }
                self.define(name, &node)?;
                node
            } else {
                self.col = value_at - self.lines[self.line].0;
                self.inline_value(indent)?
            };
            self.entries.push(Entry { key, value });
            if !self.next_sibling(indent, |text| !is_item(text) && !is_marker(text, "---"))? {
                break;
            }
        }
        // Exactly as many as there are: trees live for the whole run.
        let entries: Vec<Entry> = self.entries.drain(first..).collect();
        if entries.iter().any(|e| is_merge_key(&e.key)) || !duplicate_positions(&entries).is_empty() {
            return Err(GiveUp);
        }
        let mut span = start.ok_or(GiveUp)?;
        span.end = self.next_token(self.line + 1) as u32;
        self.depth -= 1;
        Ok(Node::new(span, Value::Map(entries.into())))
    }

    /// Moves to the next entry of the collection at column `indent` when the
    /// next content line is one (`sibling` says so of its text there);
    /// `false` when the collection ends there. A more indented line after a
    /// finished entry is nothing this path reads.
    fn next_sibling(&mut self, indent: usize, sibling: impl Fn(&str) -> bool) -> Parsed<bool> {
        match self.next_content(self.line + 1) {
            Some(next) if self.indent(next) == indent => {
                if !sibling(&self.line_text(next)[indent..]) {
                    return Ok(false);
                }
                self.line = next;
                self.col = indent;
                Ok(true)
            }
            Some(next) if self.indent(next) > indent => Err(GiveUp),
            _ => Ok(false),
        }
    }

    /// The value of `key:` with nothing after it on the line: a block on the
    /// next lines, or null.
    fn nested_value(&mut self, indent: usize, colon: usize) -> Parsed<Node> {
        if let Some(next) = self.next_content(self.line + 1) {
            let next_indent = self.indent(next);
            let text = &self.line_text(next)[next_indent..];
            if next_indent > indent || (next_indent == indent && is_item(text)) {
                if is_marker(text, "---") {
                    return Err(GiveUp);
                }
                self.line = next;
                self.col = next_indent;
                return self.block_node(next_indent, next_indent == indent);
            }
        }
        Ok(Node::new_scalar(self.span(colon, colon), "~", ScalarStyle::Plain))
    }

    fn sequence(&mut self, indent: usize, indentless: bool) -> Parsed<Node> {
        self.enter()?;
        let first = self.items.len();
        let mut start = None;
        loop {
            let dash = self.here();
            let rest = self.rest();
            if rest == "-" {
                return Err(GiveUp);
            }
            let item = rest[1..].trim_start_matches(' ');
            if item.starts_with('#') && !indentless {
                // `- # comment`: the item is the block on the next lines.
                if start.is_none() {
                    start = Some(self.span(dash, dash));
                }
                let next = self.next_content(self.line + 1).ok_or(GiveUp)?;
                let next_indent = self.indent(next);
                if next_indent <= indent {
                    return Err(GiveUp);
                }
                self.line = next;
                self.col = next_indent;
                let node = self.block_node(next_indent, false)?;
                self.items.push(node);
                if !self.next_sibling(indent, is_item)? {
                    break;
                }
                continue;
            }
            if item.is_empty() || item.starts_with('#') || is_item(item) {
                return Err(GiveUp);
            }
            let item_at = self.lines[self.line].1 - item.len();
            let item_col = item_at - self.lines[self.line].0;
            self.col = item_col;
            if start.is_none() {
                start = Some(if indentless { self.span(item_at, item_at) } else { self.span(dash, dash) });
            }
            let node = if plain_key(item).is_some() {
                self.mapping(item_col)?
            } else {
                self.inline_value(indent)?
            };
            self.items.push(node);
            if !self.next_sibling(indent, is_item)? {
                break;
            }
        }
        let items: Vec<Node> = self.items.drain(first..).collect();
        let mut span = start.ok_or(GiveUp)?;
        span.end = self.next_token(self.line + 1) as u32;
        self.depth -= 1;
        Ok(Node::new(span, Value::Seq(items.into())))
    }

    /// A value that starts on the current line at the reading point (after
    /// `key: ` or `- `); `indent` is the enclosing collection's column.
    fn inline_value(&mut self, indent: usize) -> Parsed<Node> {
        let at = self.here();
        let rest = self.rest();
        match rest.as_bytes()[0] {
            b'&' => {
                let (name, after) = rest[1..].split_once(' ').ok_or(GiveUp)?;
                if !is_anchor_name(name) {
                    return Err(GiveUp);
                }
                let value = after.trim_start_matches(' ');
                if value.is_empty() || value.starts_with(['#', '&', '*', '|', '>', '!']) {
                    return Err(GiveUp);
                }
                self.col = self.lines[self.line].1 - value.len() - self.lines[self.line].0;
                let node = self.inline_value(indent)?;
                self.define(name, &node)?;
                Ok(node)
            }
            b'*' => {
                let (name, after) = rest[1..].split_once(' ').unwrap_or((&rest[1..], ""));
                let after = after.trim_start_matches(' ');
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(GiveUp);
                }
                if self.open_anchors.contains(&name) {
                    return Err(GiveUp);
                }
                let target = self.anchors.get(name).ok_or(GiveUp)?;
                self.alias_budget = self.alias_budget.checked_sub(count_nodes(target)).ok_or(GiveUp)?;
                Ok(target.clone())
            }
            b'|' | b'>' => self.literal(indent, rest),
            b'[' | b'{' => {
                let mut flow = Flow { parser: self, pos: at, depth: self.depth };
                let node = flow.node()?;
                self.end_of_value(flow.pos)?;
                Ok(node)
            }
            b'"' | b'\'' => {
                let (node, end) = match self.quoted(at) {
                    Ok(one_line) => one_line,
                    Err(GiveUp) => self.multi_line_quoted(at, indent)?,
                };
                self.end_of_value(end)?;
                Ok(node)
            }
            _ => {
                let text = plain_value(rest).ok_or(GiveUp)?;
                // A comment ends a plain scalar; without one it may go on.
                if text.len() == rest.trim_end_matches(' ').len() {
                    if let Some(node) = self.multi_line_plain(at, text, indent)? {
                        return Ok(node);
                    }
                }
                Ok(Node::new_scalar(self.span(at, at + text.len()), text, ScalarStyle::Plain))
            }
        }
    }

    /// Only spaces, or a comment after at least one space, may follow a
    /// value that ends at `end` on the current line.
    fn end_of_value(&self, end: usize) -> Parsed<()> {
        let tail = &self.src[end..self.lines[self.line].1];
        let comment = tail.trim_start_matches(' ');
        if comment.is_empty() || (comment.starts_with('#') && comment.len() < tail.len()) { Ok(()) } else { Err(GiveUp) }
    }

    /// Records an anchor. One already open around the reading point, or an
    /// alias to it from inside, is the general path's to sort out.
    fn define(&mut self, name: &'s str, node: &Node) -> Parsed<()> {
        if self.open_anchors.contains(&name) {
            return Err(GiveUp);
        }
        self.anchors.insert(name, node.clone());
        Ok(())
    }

    /// A one-line quoted scalar at `at`; returns it and the position after it.
    fn quoted(&self, at: usize) -> Parsed<(Node, usize)> {
        let quote = self.bytes[at];
        let style = if quote == b'"' { ScalarStyle::DoubleQuoted } else { ScalarStyle::SingleQuoted };
        let mut text = String::new();
        let QuotedLine::Closed(end) = self.quoted_line(quote, at + 1, self.lines[self.line].1, &mut text, &mut 0)? else {
            return Err(GiveUp);
        };
        Ok((Node::new_scalar(self.span(at, end), text.as_str(), style), end))
    }

    /// Reads one line of a `quote`d scalar from `pos` to the closing quote
    /// or the end of the line at `line_end`, appending its text to `text`
    /// (escapes and `''` read); `kept_from` moves past what each escape
    /// writes (spaces before a line break go, but not those).
    fn quoted_line(&self, quote: u8, mut pos: usize, line_end: usize, text: &mut String, kept_from: &mut usize) -> Parsed<QuotedLine> {
        while pos < line_end {
            let byte = self.bytes[pos];
            if quote == b'"' && byte == b'\\' {
                if pos + 1 == line_end {
                    return Ok(QuotedLine::EscapedBreak);
                }
                text.push(unescape(self.bytes[pos + 1]).ok_or(GiveUp)?);
                *kept_from = text.len();
                pos += 2;
                continue;
            }
            if byte == quote {
                if quote == b'\'' && pos + 1 < line_end && self.bytes[pos + 1] == b'\'' {
                    text.push('\'');
                    pos += 2;
                    continue;
                }
                return Ok(QuotedLine::Closed(pos + 1));
            }
            // Whole characters: a comment-like line inside may hold any.
            let character = self.src[pos..].chars().next().ok_or(GiveUp)?;
            text.push(character);
            pos += character.len_utf8();
        }
        Ok(QuotedLine::Open)
    }

    /// A quoted scalar at `at` that goes on over the next lines, each more
    /// indented than the enclosing collection's column `indent` (CRD
    /// descriptions are written so); returns it and the position after it,
    /// and leaves the reading point on its last line. Lines fold as YAML
    /// folds flow scalars: a single line break reads as a space, each blank
    /// line as a newline, and the spaces around line breaks go.
    fn multi_line_quoted(&mut self, at: usize, indent: usize) -> Parsed<(Node, usize)> {
        let quote = self.bytes[at];
        let style = if quote == b'"' { ScalarStyle::DoubleQuoted } else { ScalarStyle::SingleQuoted };
        let first_line = self.line;
        let mut text = String::new();
        let mut line = first_line;
        let mut pos = at + 1;
        // Blank lines met since the last line with content.
        let mut blanks = 0;
        // The line ended in an escaped line break: the next one joins it as is.
        let mut joined = false;
        let end = loop {
            let line_end = self.lines[line].1;
            if line != first_line {
                let spaces = self.indent(line);
                let content_at = self.lines[line].0 + spaces;
                if content_at == line_end {
                    if joined {
                        return Err(GiveUp);
                    }
                    blanks += 1;
                    line += 1;
                    if line >= self.lines.len() {
                        return Err(GiveUp);
                    }
                    continue;
                }
                if spaces <= indent {
                    return Err(GiveUp);
                }
                if !joined {
                    fold_line_break(&mut text, blanks);
                }
                blanks = 0;
                joined = false;
                pos = content_at;
            }
            // Spaces before a line break go, but not those escapes wrote.
            let mut kept_from = text.len();
            match self.quoted_line(quote, pos, line_end, &mut text, &mut kept_from)? {
                QuotedLine::Closed(end) => break end,
                QuotedLine::EscapedBreak => joined = true,
                QuotedLine::Open => {
                    let kept = text[kept_from..].trim_end_matches(' ').len();
                    text.truncate(kept_from + kept);
                }
            }
            line += 1;
            if line >= self.lines.len() {
                return Err(GiveUp);
            }
        };
        if line == first_line {
            return Err(GiveUp);
        }
        let span = self.span(at, end);
        self.line = line;
        Ok((Node::new_scalar(span, text.as_str(), style), end))
    }

    /// The plain scalar `first` (at `at`, on the current line) with the
    /// lines that continue it: the next lines more indented than the
    /// enclosing collection's column `indent`, as CRD descriptions wrap.
    /// They fold as YAML folds plain scalars: a single line break reads as
    /// a space, each blank line as a newline. `None` when no line continues
    /// it; continuations that could read as anything else go to the general path.
    fn multi_line_plain(&mut self, at: usize, first: &str, indent: usize) -> Parsed<Option<Node>> {
        let mut text: Option<String> = None;
        let mut end = at + first.len();
        let mut last = self.line;
        let mut line = self.line + 1;
        let mut blanks = 0;
        while line < self.lines.len() {
            let spaces = self.indent(line);
            let content = &self.line_text(line)[spaces..];
            if content.is_empty() {
                blanks += 1;
                line += 1;
                continue;
            }
            if spaces <= indent || content.starts_with('#') {
                break;
            }
            let part = content.trim_end_matches(' ');
            // Inside a plain scalar only a comment, a key or what could
            // start a block entry (`- `, `? `, `: `) reads as something else.
            let opens_entry = |indicator: u8| part.as_bytes()[0] == indicator && part.as_bytes().get(1).is_none_or(|&b| b == b' ');
            if opens_entry(b'-') || opens_entry(b'?') || part.starts_with(':') || part.ends_with(':') || part.contains(": ") || part.contains(" #") {
                return Err(GiveUp);
            }
            let text = text.get_or_insert_with(|| first.to_owned());
            fold_line_break(text, blanks);
            blanks = 0;
            text.push_str(part);
            end = self.lines[line].0 + spaces + part.len();
            last = line;
            line += 1;
        }
        let Some(text) = text else { return Ok(None) };
        let span = self.span(at, end);
        self.line = last;
        Ok(Some(Node::new_scalar(span, text.as_str(), ScalarStyle::Plain)))
    }

    /// `|`, `|-`, `>` or `>-` and the more-indented lines after it.
    fn literal(&mut self, indent: usize, header: &str) -> Parsed<Node> {
        let (indicator, comment) = match header.split_once(' ') {
            Some((indicator, comment)) => (indicator, comment.trim_start_matches(' ')),
            None => (header, ""),
        };
        if !(comment.is_empty() || comment.starts_with('#')) {
            return Err(GiveUp);
        }
        let (strip, folded) = match indicator {
            "|" => (false, false),
            "|-" => (true, false),
            ">" => (false, true),
            ">-" => (true, true),
            _ => return Err(GiveUp),
        };
        let first = self.line + 1;
        if first >= self.lines.len() {
            return Err(GiveUp);
        }
        let block_indent = self.indent(first);
        if block_indent <= indent || self.line_text(first).len() == block_indent {
            return Err(GiveUp);
        }
        let mut parts: Vec<&str> = Vec::new();
        let mut blanks = 0;
        let mut last = first;
        for line in first..self.lines.len() {
            let content = self.line_text(line);
            let spaces = self.indent(line);
            if spaces == content.len() {
                // A blank line: part of the scalar only if content follows.
                if spaces > block_indent {
                    return Err(GiveUp);
                }
                blanks += 1;
                continue;
            }
            if spaces < block_indent {
                // Less indented: the scalar has ended; only a comment may sit
                // between its indentation and the parent's.
                if spaces > indent && !content[spaces..].starts_with('#') {
                    return Err(GiveUp);
                }
                break;
            }
            parts.extend(std::iter::repeat_n("", blanks));
            blanks = 0;
            parts.push(&content[block_indent..]);
            last = line;
        }
        let mut text = if folded { fold(&parts)? } else { parts.join("\n") };
        if !strip {
            text.push('\n');
        }
        let start = self.lines[first].0 + block_indent;
        // A literal ends where the next line with anything on it starts,
        // a comment included (collections end at the next token).
        let end = (last + 1..self.lines.len())
            .find(|&line| self.indent(line) < self.line_text(line).len())
            .map_or(self.src.len(), |line| self.lines[line].0 + self.indent(line));
        self.line = first;
        let span = self.span(start, end);
        self.line = last;
        let style = if folded { ScalarStyle::Folded } else { ScalarStyle::Literal };
        Ok(Node::new_scalar(span, text.as_str(), style))
    }
}

/// A one-line flow collection (`[a, "b"]`, `{ drop: ["ALL"] }`).
struct Flow<'p, 's> {
    parser: &'p Parser<'s>,
    pos: usize,
    depth: usize,
}

impl Flow<'_, '_> {
    fn line_end(&self) -> usize {
        self.parser.lines[self.parser.line].1
    }

    fn skip_spaces(&mut self) {
        while self.pos < self.line_end() && self.parser.bytes[self.pos] == b' ' {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Parsed<u8> {
        if self.pos < self.line_end() { Ok(self.parser.bytes[self.pos]) } else { Err(GiveUp) }
    }

    fn node(&mut self) -> Parsed<Node> {
        match self.peek()? {
            b'[' | b'{' if self.depth >= MAX_DEPTH => Err(GiveUp),
            b'[' => {
                self.depth += 1;
                let node = self.sequence();
                self.depth -= 1;
                node
            }
            b'{' => {
                self.depth += 1;
                let node = self.mapping();
                self.depth -= 1;
                node
            }
            b'"' | b'\'' => {
                let (node, end) = self.parser.quoted(self.pos)?;
                self.pos = end;
                Ok(node)
            }
            _ => self.plain(),
        }
    }

    fn plain(&mut self) -> Parsed<Node> {
        let start = self.pos;
        if matches!(self.peek()?, b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'#' | b'?' | b'-' | b':' | b',') {
            return Err(GiveUp);
        }
        while self.pos < self.line_end() {
            match self.parser.bytes[self.pos] {
                b',' | b'[' | b']' | b'{' | b'}' | b'#' | b':' | b'"' | b'\'' => break,
                _ => self.pos += 1,
            }
        }
        let text = self.parser.src[start..self.pos].trim_end_matches(' ');
        if text.is_empty() {
            return Err(GiveUp);
        }
        let end = start + text.len();
        Ok(Node::new_scalar(self.parser.span(start, end), text, ScalarStyle::Plain))
    }

    fn sequence(&mut self) -> Parsed<Node> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_spaces();
        if self.peek()? != b']' {
            loop {
                self.skip_spaces();
                items.push(self.node()?);
                self.skip_spaces();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => break,
                    _ => return Err(GiveUp),
                }
            }
        }
        self.pos += 1;
        Ok(Node::new(self.parser.span(start, self.pos), Value::Seq(exact(items).into())))
    }

    fn mapping(&mut self) -> Parsed<Node> {
        let start = self.pos;
        self.pos += 1;
        let mut entries = Vec::new();
        self.skip_spaces();
        if self.peek()? != b'}' {
            loop {
                self.skip_spaces();
                let key = self.node()?;
                let long = (key.span.end - key.span.start) as usize > MAX_KEY_LENGTH;
                if long || !matches!(key.value, Value::Scalar(_)) || self.peek()? != b':' {
                    return Err(GiveUp);
                }
                self.pos += 1;
                if self.peek()? != b' ' {
                    return Err(GiveUp);
                }
                self.skip_spaces();
                let value = self.node()?;
                entries.push(Entry { key, value });
                self.skip_spaces();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => break,
                    _ => return Err(GiveUp),
                }
            }
        }
        self.pos += 1;
        if entries.iter().any(|e| is_merge_key(&e.key)) || !duplicate_positions(&entries).is_empty() {
            return Err(GiveUp);
        }
        Ok(Node::new(self.parser.span(start, self.pos), Value::Map(exact(entries).into())))
    }
}

/// `- ` (or a lone `-`) opens a sequence item.
fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// An anchor name this path reads (no flow indicators, no `#`).
fn is_anchor_name(name: &str) -> bool {
    !name.is_empty() && !name.contains([',', '[', ']', '{', '}', '#'])
}

/// The name of an anchor that stands alone on its line (`&probes`, maybe
/// with a comment after it): it names the block collection below.
fn block_anchor(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('&')?;
    let (name, after) = rest.split_once(' ').unwrap_or((rest, ""));
    let after = after.trim_start_matches(' ');
    (is_anchor_name(name) && (after.is_empty() || after.starts_with('#'))).then_some(name)
}

/// How a line of a quoted scalar ends ([`Parser::quoted_line`]).
enum QuotedLine {
    /// At the closing quote; the position after it.
    Closed(usize),
    /// In an escaped line break (`\` last): the next line joins as it is.
    EscapedBreak,
    /// At the end of the line, still open.
    Open,
}

/// A vector without spare capacity (flow collections are built by pushing).
fn exact<T>(mut items: Vec<T>) -> Vec<T> {
    items.shrink_to_fit();
    items
}

/// The lines of a folded block scalar (`""` for a blank line), folded:
/// a line break between two lines of text reads as a space, and where blank
/// lines separate them, each blank line reads as a newline. A more-indented
/// line keeps its line breaks, which only the general path reads.
fn fold(parts: &[&str]) -> Parsed<String> {
    let mut text = String::new();
    let mut blanks = 0;
    for (index, part) in parts.iter().enumerate() {
        if part.is_empty() {
            blanks += 1;
            continue;
        }
        if part.starts_with(' ') {
            return Err(GiveUp);
        }
        if index > 0 {
            fold_line_break(&mut text, blanks);
        }
        blanks = 0;
        text.push_str(part);
    }
    Ok(text)
}

/// The line break before a line of folded text (plain, quoted or `>`
/// scalars), after `blanks` blank lines: a space when there were none, else
/// one newline for each blank line.
fn fold_line_break(text: &mut String, blanks: usize) {
    if blanks == 0 {
        text.push(' ');
    } else {
        text.extend(std::iter::repeat_n('\n', blanks));
    }
}

/// A line that is only a comment (a comment to the block grammar; text
/// inside a literal or quoted scalar) whose other characters YAML reads as
/// they are: nothing that could be a line break, a byte order mark or a
/// control character.
fn is_plain_comment_line(line: &str) -> bool {
    line.trim_start_matches(' ').starts_with('#')
        && line.chars().all(|c| {
            (c.is_ascii() && !c.is_ascii_control())
                || !(c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
        })
}

/// What a double-quoted `\x` escape stands for; `None` for escapes that
/// write more than one ASCII character or none (the general path's).
fn unescape(escaped: u8) -> Option<char> {
    Some(match escaped {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        _ => return None,
    })
}

/// `key:` at the start of `text`: the key and what follows the colon.
fn plain_key(text: &str) -> Option<(&str, &str)> {
    let first = *text.as_bytes().first()?;
    if b"-?:,[]{}#&*!|>'\"%@`<".contains(&first) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' if i + 1 == bytes.len() || bytes[i + 1] == b' ' => {
                let key = &text[..i];
                if key.ends_with(' ') || key.len() > MAX_KEY_LENGTH {
                    return None;
                }
                return Some((key, &text[i + 1..]));
            }
            b'#' if bytes[i - 1] == b' ' => return None,
            b'"' | b'\'' | b'{' | b'}' | b'[' | b']' | b',' => return None,
            _ => i += 1,
        }
    }
    None
}

/// A one-line plain scalar at the start of `text` (a comment after it
/// removed); `None` when it is not one.
fn plain_value(text: &str) -> Option<&str> {
    let first = *text.as_bytes().first()?;
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first) {
        // `-1`, `-x` are plain; `- x` would be a sequence where none may be.
        let second = text.as_bytes().get(1).copied();
        if !(first == b'-' && second.is_some_and(|b| b != b' ')) {
            return None;
        }
    }
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    for i in 1..bytes.len() {
        match bytes[i] {
            b'#' if bytes[i - 1] == b' ' => {
                end = i;
                break;
            }
            b':' if i + 1 == bytes.len() || bytes[i + 1] == b' ' => return None,
            _ => {}
        }
    }
    let value = text[..end].trim_end_matches(' ');
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::parse_general;

    /// The fast path either gives up or answers exactly what the general
    /// parser answers (and never on input the general parser finds fault with).
    fn assert_agrees(source: &str) -> bool {
        let general = parse_general(source, 5);
        let Some(fast) = parse(source, 5) else { return false };
        assert!(general.issues.is_empty(), "fast path accepted what the general parser rejects: {:?}\n{source}", general.issues);
        assert_eq!(fast.documents, general.documents, "\n{source}");
        true
    }

    #[test]
    fn reads_what_manifests_are_made_of_exactly_as_the_general_parser() {
        let cases = [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a  # trailing\n  labels:\n    app: 'x'\ndata:\n  key: \"v\"\n",
            "# leading comment\n---\na: 1\n---\n# only a comment\n---\nb: 2\n",
            "---\n---\na: 1\n...".trim_end_matches("..."),
            "list:\n- a\n- b: c\n  d: e\nempty:\nother:\n    - x\n    -   y: 1\n        z: 2\n",
            "a:\n  b:\n  - 1\n  - 2\n  c: 3\n",
            "- a\n- b\n",
            "key: |\n    line1\n\n    line2\n  # after\nnext: |-\n  x\n  y\n\n\n",
            "items:\n  - |\n    one\n  - two\n",
            "caps: { drop: [\"ALL\"], add: [] }\nempty: {}\nlist: [a, 'b c', \"d\"]\n",
            "name: &app demo\nref: *app\nprobes: &probes\n  enabled: true\nreadiness: *probes\n",
            "a: &x 1\nb: *x\na2: &x 2\nc: *x\n",
            "seq: &s\n  - 1\nagain: *s\n",
            "quote: 'it''s'\nhash: a#b\nurl: http://x:8080/y\nneg: -1\ndollar: ${VAR:=5}\n",
            "key:   \nnull2: # comment\n",
            "a: 1",
            "",
            "# nothing but comments\n",
            // Quoted scalars over several lines (CRD descriptions).
            "description: 'APIVersion defines the versioned schema\n  of this representation, see:\n  https://x'\nnext: 1\n",
            "a:\n  b: \"one\n    two   \n\n\n    three\"  # comment\n  c: 'it''s\n   ''here'''\n",
            "- 'first\n  second'\n- x: 'a\n    b'\n  y: 2\n",
            "k: '\n  leading'\nl: 'trailing   \n  '\nm: '   \n\n  x  '\n",
            "k: \"#not a comment\n  # nor this\"\n",
            // Non-ASCII in lines that are comments (or read as text inside a scalar).
            "# Frequency: hourly \u{2014} \u{1f6a8}\na: 1\n  # indented \u{e9}\nb: |\n  # text \u{e9}\n  more\nc: 'x\n  # quoted \u{e9}'\n",
            // Escapes, and a line break escaped.
            "a: \"tab\\there\\n\\\"q\\\" \\\\ \\/ \\0\\a\\b\\v\\f\\r\\e\"\nb: \"x\\ \n  y\\t\n  z\"\n",
            "a: \"joined\\\n    here \\\n  and \\n there\"\n",
            "description: \"Condition contains details\n  \\n type FooStatus struct{ // \\\"Available\\\",\n  protobuf:\\\"bytes\\\"` \\n // other fields }\"\n",
            // A comment after the dash, the item on the next lines.
            "list:\n  - # Spegel\n    name: a\n    port: 1\n  - # Coral\n    # more\n    name: b\n  - c\n",
            "- # first\n  - x\n  - y\n- # second\n  k: v\n",
            // Folded block scalars.
            "summary: >-\n  Certificate expires\n  in {{ $value }} days\n\n\n  really\nnext: >\n    one\n    two\n\nlast: 1\n",
            "- filter: >-\n    a\n    b\n  other: >\n    x\n",
            // Plain scalars over several lines.
            "spec:\n  description: BucketSpec defines the desired state of an S3 compatible\n    bucket\n  type: object\n",
            "- first\n  second   \n\n\n  third\n- x: a\n    b\n  y: 2\n",
            "a: one\n  two\n  # a comment ends it\nb: three # comment\n",
            "a: url=http://x:80/y\n  and a#hash\n",
            "a: the values\n  \"key\", the 'operator'\n  [x] {y} *z &w !v |u >t %s @r `q ,p\n  -1 -x ?y\n",
        ];
        for case in cases {
            assert!(assert_agrees(case), "the fast path should read:\n{case}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_general_parser() {
        let cases = [
            "a:\tb\n",                              // tab
            "key: !env_var X\n",                     // tag
            "key: >\n  folded\n    more indented\n", // a more-indented line in a folded scalar
            "key: >+\n  keep\n\n",                 // keep chomping, folded
            "- # c\n- x\n",                        // a comment after the dash, then no item
            "- # c\n  plain\n",                     // a scalar item after the comment
            "key: |+\n  keep\n\n",                 // keep chomping
            "key: |2\n   indented\n",               // indentation indicator
            "key: \"esc\\x41\"\n",                // escapes other than one ASCII character
            "key: \"esc\\u00e9\"\n",
            "key: \"esc\\N\"\n",
            "key: \"joined\\\n\n  blank\"\n",        // a blank line after an escaped line break
            "key: 'open\nclose'\n",                // continued at the key's column
            "a:\n  b: 'open\n  close'\n",           // continued at the key's column
            "- 'open\n- close'\n",                 // continued at the dash's column
            "key: 'never closed\n  at all\n",       // unterminated
            "key: 'open\n---\n  close'\n",          // a document marker inside
            "key: first\n  - continued\n",          // a sequence entry on the next line
            "key: first\n  ? continued\n",
            "key: first\n  :continued\n",
            "key: first # c\n  continued\n",        // after a comment
            "key: first\n  other: 1\n",             // a key on the next line
            "key: first\ncontinued\n",              // at the key's column
            "a: 1\na: 2\n",                         // duplicate key
            "base: &b {x: 1}\nm:\n  <<: *b\n",      // merge key
            "ref: *missing\n",                       // unknown alias
            "%YAML 1.2\n---\na: 1\n",              // directive
            "a: 1\n...\n",                          // document end
            "--- a: 1\n",                            // content on the marker line
            "a: b: c\n",                             // not YAML
            "a:\n  b: 1\n c: 2\n",                 // bad indentation
            "\"quoted key\": 1\n",                 // quoted key
            "a: caf\u{e9}\n# caf\u{e9}\n",           // non-ASCII outside comments
            "a: 1 # caf\u{e9}\n",                  // non-ASCII in a comment after a value
            "# a\u{2028}b: 1\n",                   // what could break a line, in a comment
            "\u{feff}# bom\na: 1\n",
            "? complex\n: key\n",                   // complex key
            "flow: [a,\n  b]\n",                    // flow over lines
            "caf\u{e9}: 1\n",                       // non-ASCII
            "  indented: root\n",                    // indented root
            "just a scalar\n",                       // scalar document
            "seq: &s\n- 1\n",                       // anchored list at the key's column
            "a: \"x\"#c\n",                        // comment without a space
            "a: 'x'#c\n",
            "a: [x]#c\n",
            "a: {}# c\n",
            "a: &x 1\n---\nb: *x\n",               // alias into another document
            "a: 1\n... x: 2\n",                     // document end marker
            "b: &x\n  c: &x 2\n  d: *x\ne: *x\n", // anchor redefined inside its own node
            "a: &x 1\nb: &x\n  c: *x\n",           // alias to the node being defined
        ];
        for case in cases {
            assert!(parse(case, 0).is_none(), "the fast path should give up on:\n{case}");
            // Whatever the general parser makes of it stays its answer.
            let _ = parse_general(case, 0);
        }
    }

    #[test]
    fn keys_longer_than_yaml_allows_go_to_the_general_path() {
        for source in ["k".repeat(1025) + ": 1\n", "a: {".to_owned() + &"k".repeat(1025) + ": 1}\n"] {
            assert!(parse(&source, 0).is_none());
            assert!(!parse_general(&source, 0).issues.is_empty());
        }
        assert!(assert_agrees(&("k".repeat(900) + ": 1\n")));
    }

    #[test]
    fn deep_nesting_and_alias_bombs_go_to_the_general_path() {
        let deep: String = (0..200).map(|depth| format!("{}k{depth}:\n", " ".repeat(depth * 2))).collect::<String>() + &" ".repeat(400) + "leaf: 1\n";
        assert!(parse(&deep, 0).is_none());
        let flow = "a: ".to_owned() + &"[".repeat(500) + &"]".repeat(500) + "\n";
        assert!(parse(&flow, 0).is_none());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let previous = format!("*a{}", level - 1);
            bomb.push_str(&format!("a{level}: &a{level}\n"));
            for _ in 0..10 {
                bomb.push_str(&format!("  - {previous}\n"));
            }
        }
        assert!(parse(&bomb, 0).is_none(), "an alias bomb is the general parser's to report");
        assert!(parse_general(&bomb, 0).issues.iter().any(|issue| issue.kind == crate::YamlIssueKind::AliasExpansion));
    }

    /// Every YAML file of the project (fixtures, the bundled cluster) and of
    /// the shared corpora (outside CI only when present; the skip is
    /// reported): the fast path agrees wherever it answers.
    #[test]
    fn agrees_with_the_general_parser_on_every_repository_file() {
        let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut roots = vec![workspace.join("crates"), workspace.join("kubernetes")];
        roots.extend(anton_testenv::needs::corpora());
        let mut files = Vec::new();
        for root in roots {
            collect_yaml(&root, &mut files);
        }
        let (mut read, mut answered) = (0, 0);
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else { continue };
            read += 1;
            if std::panic::catch_unwind(|| assert_agrees(&text)).unwrap_or_else(|_| panic!("{}", file.display())) {
                answered += 1;
            }
        }
        assert!(read > 300, "found only {read} YAML files");
        // The fast path must actually be the usual path.
        assert!(answered * 10 >= read * 8, "the fast path read only {answered} of {read} files");
    }

    fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with(".git") && !path.ends_with("target") {
                    collect_yaml(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
}
