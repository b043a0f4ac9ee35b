//! Walks a positioned YAML tree against a compiled schema.
//!
//! Validation works on [`Node`] trees directly, not on JSON: every violation
//! already knows the span of the offending key or value, and YAML's own
//! reading of scalars (Kubernetes' YAML 1.1 rules) decides types. Two kinds of
//! scalars are accepted wherever a scalar is: Flux substitution placeholders
//! (`${VAR}`, which only have a type once substituted) and SOPS ciphertext
//! (`ENC[…]`, which stands for a value of any type).

use anton_yaml::{Node, Resolved, Span, Value as YamlValue};
use serde_json::Value;

use crate::format::Format;
use crate::schema::{Additional, Document, Schema, Types};

/// Which rule a violation falls under; each maps to a finding id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Violation {
    UnknownField,
    Type,
    Required,
    Enum,
    Format,
    Constraint,
}

impl Violation {
    pub fn rule(self) -> &'static str {
        use crate::rules;
        match self {
            Violation::UnknownField => rules::UNKNOWN_FIELD,
            Violation::Type => rules::TYPE,
            Violation::Required => rules::REQUIRED,
            Violation::Enum => rules::ENUM,
            Violation::Format => rules::FORMAT,
            Violation::Constraint => rules::CONSTRAINT,
        }
    }
}

/// One problem in one object, before it becomes a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub violation: Violation,
    /// JSON path of the offending field, e.g. `spec.template.spec.containers[0].image`.
    pub path: String,
    pub span: Span,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Clone, Copy)]
enum Segment<'n> {
    Key(&'n str),
    Index(usize),
}

/// Renders a path: `spec.containers[0].name`, `metadata.labels["app.kubernetes.io/name"]`.
fn render(path: &[Segment<'_>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                let plain = !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
                    && !key.starts_with(|c: char| c.is_ascii_digit());
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                } else {
                    out.push_str(&format!("[{key:?}]"));
                }
            }
            Segment::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    if out.is_empty() { "(the object)".to_owned() } else { out }
}

/// The schemas that apply to one value: the schema itself, what its `$ref`
/// points at and its `allOf` branches, followed transitively.
struct Applicable<'s> {
    items: [Option<&'s Schema>; 8],
    len: usize,
}

impl<'s> Applicable<'s> {
    fn of(schema: &'s Schema, document: &'s Document) -> Self {
        let mut this = Self { items: [None; 8], len: 0 };
        this.gather(schema, document, 0);
        this
    }

    fn gather(&mut self, schema: &'s Schema, document: &'s Document, depth: usize) {
        if depth > 8 {
            return;
        }
        if let Some(Some(index)) = schema.reference {
            self.gather(document.definition(index), document, depth + 1);
        }
        if !schema.is_plain_reference() && self.len < self.items.len() {
            self.items[self.len] = Some(schema);
            self.len += 1;
        }
        for branch in &schema.all_of {
            self.gather(branch, document, depth + 1);
        }
    }

    fn iter(&self) -> impl Iterator<Item = &'s Schema> + '_ {
        self.items[..self.len].iter().flatten().copied()
    }
}

/// What a scalar is, the way the API server will see it.
#[derive(Debug, Clone, Copy)]
enum Scalar<'n> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'n str),
    /// `${VAR}`: no type until Flux substitutes it.
    Placeholder,
    /// `ENC[AES256_GCM,…]`: SOPS ciphertext of a value of any type.
    Encrypted,
}

fn read_scalar(node: &Node) -> Option<Scalar<'_>> {
    let text = node.scalar_text()?;
    if text.starts_with("ENC[") && text.ends_with(']') {
        return Some(Scalar::Encrypted);
    }
    if crate::variables::has_placeholder(text) {
        return Some(Scalar::Placeholder);
    }
    Some(match node.resolve()? {
        Resolved::Null => Scalar::Null,
        Resolved::Bool(b) => Scalar::Bool(b),
        Resolved::Int(i) => Scalar::Int(i),
        Resolved::Float(f) => Scalar::Float(f),
        Resolved::Str => Scalar::Str(text),
    })
}

fn describe(node: &Node) -> String {
    match &node.value {
        YamlValue::Map(_) => "an object".to_owned(),
        YamlValue::Seq(_) => "a list".to_owned(),
        YamlValue::Scalar(_) => match read_scalar(node) {
            Some(Scalar::Bool(b)) => format!("the boolean {b}"),
            Some(Scalar::Int(i)) => format!("the integer {i}"),
            Some(Scalar::Float(_)) => format!("the number {}", node.scalar_text().unwrap_or_default()),
            Some(Scalar::Str(s)) => format!("the string {:?}", shorten(s)),
            _ => "a value".to_owned(),
        },
    }
}

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Walks one object. `builtin` supplies `ObjectMeta`, which every object's
/// (and every embedded resource's) `metadata` follows whatever its own
/// schema says.
pub(crate) struct Walker<'a> {
    pub builtin: &'a Document,
    pub object_meta: Option<u32>,
    /// The kind, for messages: `HelmRelease (helm.toolkit.fluxcd.io/v2)`.
    pub label: &'a str,
    pub problems: Vec<Problem>,
}

impl<'a> Walker<'a> {
    /// Validates a whole object (a document root) against its kind's schema.
    pub fn object(&mut self, root: &Node, schema: &Schema, document: &Document) {
        let mut path = Vec::new();
        self.check(root, schema, document, &mut path, Level::Root);
    }

    fn push(&mut self, violation: Violation, path: &[Segment<'_>], span: Span, message: String, hint: Option<String>) {
        self.problems.push(Problem { violation, path: render(path), span, message, hint });
    }

    fn check<'n>(&mut self, node: &'n Node, schema: &Schema, document: &Document, path: &mut Vec<Segment<'n>>, level: Level) {
        let applicable = Applicable::of(schema, document);
        if applicable.len == 0 {
            return;
        }
        let scalar = read_scalar(node);
        match scalar {
            Some(Scalar::Null | Scalar::Placeholder | Scalar::Encrypted) => return,
            _ => {}
        }
        if !self.types_accept(node, scalar, &applicable, path) {
            return;
        }
        match &node.value {
            YamlValue::Map(_) => self.mapping(node, &applicable, document, path, level),
            YamlValue::Seq(items) => {
                for schema in applicable.iter() {
                    if let Some(item_schema) = &schema.items {
                        for (index, item) in items.iter().enumerate() {
                            path.push(Segment::Index(index));
                            self.check(item, item_schema, document, path, Level::Nested);
                            path.pop();
                        }
                    }
                    self.list_bounds(node, items, schema, path);
                }
            }
            YamlValue::Scalar(_) => {
                if let Some(scalar) = scalar {
                    for schema in applicable.iter() {
                        if !self.scalar(node, scalar, schema, path) {
                            break;
                        }
                    }
                }
            }
        }
        for schema in applicable.iter() {
            self.compositions(node, schema, document, path);
        }
    }

    /// Checks the JSON type; reports and returns false on a mismatch.
    fn types_accept(&mut self, node: &Node, scalar: Option<Scalar<'_>>, applicable: &Applicable<'_>, path: &[Segment<'_>]) -> bool {
        for schema in applicable.iter() {
            if schema.int_or_string {
                let quantity = schema.format == Some(Format::Quantity);
                let ok = match scalar {
                    Some(Scalar::Int(_) | Scalar::Str(_)) => true,
                    Some(Scalar::Float(_)) => quantity,
                    _ => false,
                };
                if !ok {
                    let expected = if quantity { Format::Quantity.expectation() } else { "an integer or a string" };
                    self.push(
                        Violation::Format,
                        path,
                        node.span,
                        format!("`{}` must be {expected}, not {}", render(path), describe(node)),
                        None,
                    );
                    return false;
                }
                continue;
            }
            let types = schema.types;
            if types.any() {
                continue;
            }
            let ok = match (&node.value, scalar) {
                (YamlValue::Map(_), _) => types.has(Types::OBJECT),
                (YamlValue::Seq(_), _) => types.has(Types::ARRAY),
                (_, Some(Scalar::Str(_))) => types.has(Types::STRING),
                (_, Some(Scalar::Bool(_))) => types.has(Types::BOOLEAN),
                (_, Some(Scalar::Int(_))) => types.has(Types::INTEGER) || types.has(Types::NUMBER),
                (_, Some(Scalar::Float(f))) => types.has(Types::NUMBER) || (types.has(Types::INTEGER) && f.fract() == 0.0),
                _ => true,
            };
            if !ok {
                let hint = yaml_hint(node, scalar, types);
                self.push(
                    Violation::Type,
                    path,
                    node.span,
                    format!("`{}` must be {}, not {}", render(path), types.describe(), describe(node)),
                    hint,
                );
                return false;
            }
        }
        true
    }

    fn mapping<'n>(&mut self, node: &'n Node, applicable: &Applicable<'_>, document: &Document, path: &mut Vec<Segment<'n>>, level: Level) {
        let entries = node.entries();
        let declares = applicable.iter().any(Schema::declares_fields);
        let forbidden = applicable.iter().any(|s| matches!(s.additional(), Additional::Forbidden));
        let open = applicable
            .iter()
            .any(|s| s.preserve_unknown || matches!(s.additional(), Additional::Any | Additional::Schema(_)));
        let embedded = applicable.iter().any(|s| s.embedded_resource);
        let checks_unknown = (declares || forbidden) && !open && level != Level::Branch;
        for entry in entries {
            let Some(key) = entry.key.scalar_text() else { continue };
            path.push(Segment::Key(key));
            let is_resource_root = level == Level::Root || embedded;
            if is_resource_root && key == "metadata" {
                // Every object's metadata is ObjectMeta, whatever its schema says.
                if let Some(meta) = self.object_meta {
                    let builtin = self.builtin;
                    let schema = builtin.definition(meta);
                    self.check(&entry.value, schema, builtin, path, Level::Nested);
                }
                path.pop();
                continue;
            }
            if level == Level::Root && key == "sops" {
                // SOPS metadata is not part of the object the cluster receives.
                path.pop();
                continue;
            }
            let mut known = false;
            for schema in applicable.iter() {
                if let Some(property) = schema.property(key) {
                    known = true;
                    self.check(&entry.value, property, document, path, Level::Nested);
                }
            }
            if !known {
                for schema in applicable.iter() {
                    if let Additional::Schema(additional) = schema.additional() {
                        known = true;
                        self.check(&entry.value, additional, document, path, Level::Nested);
                    }
                }
            }
            let implied = is_resource_root && matches!(key, "apiVersion" | "kind");
            if !known && !implied && checks_unknown && !self.named_by_branch(applicable, key, document) {
                let candidates: Vec<&str> = applicable
                    .iter()
                    .flat_map(|s| s.properties.iter().map(|(name, _)| name.as_ref()))
                    .collect();
                self.push(
                    Violation::UnknownField,
                    path,
                    entry.key.span,
                    format!("`{}` is not a field of {}", render(path), self.label),
                    Some(suggest(key, &candidates)),
                );
            }
            path.pop();
        }
        if embedded {
            for required in ["apiVersion", "kind"] {
                if node.get(required).is_none() {
                    self.missing(node, path, required);
                }
            }
        }
        for schema in applicable.iter() {
            for required in &schema.required {
                if node.get(required).is_none() && !(level == Level::Root && required.as_ref() == "metadata") {
                    self.missing(node, path, required);
                }
            }
            if let Some(bounds) = &schema.bounds {
                let count = entries.len() as u64;
                if let Some(min) = bounds.min_properties.filter(|min| count < *min) {
                    self.push(Violation::Constraint, path, node.span, format!("`{}` needs at least {min} {}, has {count}", render(path), plural(min, "entry")), None);
                }
                if let Some(max) = bounds.max_properties.filter(|max| count > *max) {
                    self.push(Violation::Constraint, path, node.span, format!("`{}` takes at most {max} {}, has {count}", render(path), plural(max, "entry")), None);
                }
            }
        }
    }

    fn missing(&mut self, node: &Node, path: &[Segment<'_>], field: &str) {
        let mut full: Vec<Segment<'_>> = path.to_vec();
        full.push(Segment::Key(field));
        let at = if path.is_empty() { "the object".to_owned() } else { format!("`{}`", render(path)) };
        let message = format!("`{}` is required: {at} has no `{field}`", render(&full));
        self.problems.push(Problem {
            violation: Violation::Required,
            path: render(&full),
            span: node.span,
            message,
            hint: Some(format!("add `{field}`")),
        });
    }

    /// Whether an `anyOf`/`oneOf` branch declares the key (schemas that
    /// spell alternatives out as branches with properties of their own).
    fn named_by_branch(&self, applicable: &Applicable<'_>, key: &str, document: &Document) -> bool {
        applicable.iter().any(|schema| {
            schema.any_of.iter().chain(schema.one_of.iter()).any(|branch| {
                Applicable::of(branch, document).iter().any(|s| s.property(key).is_some())
            })
        })
    }

    fn list_bounds(&mut self, node: &Node, items: &[Node], schema: &Schema, path: &[Segment<'_>]) {
        let Some(bounds) = &schema.bounds else { return };
        let count = items.len() as u64;
        if let Some(min) = bounds.min_items.filter(|min| count < *min) {
            self.push(Violation::Constraint, path, node.span, format!("`{}` needs at least {min} {}, has {count}", render(path), plural(min, "item")), None);
        }
        if let Some(max) = bounds.max_items.filter(|max| count > *max) {
            self.push(Violation::Constraint, path, node.span, format!("`{}` takes at most {max} {}, has {count}", render(path), plural(max, "item")), None);
        }
        if bounds.unique_items {
            let values: Vec<Value> = items.iter().map(Node::to_json).collect();
            for (index, value) in values.iter().enumerate() {
                if values[..index].contains(value) {
                    self.push(
                        Violation::Constraint,
                        path,
                        items[index].span,
                        format!("`{}[{index}]` repeats an earlier item; the items must be unique", render(path)),
                        None,
                    );
                }
            }
        }
    }

    /// Enum, format and bounds of a scalar. Returns false once something was
    /// reported, so the same value is not reported twice.
    fn scalar(&mut self, node: &Node, scalar: Scalar<'_>, schema: &Schema, path: &[Segment<'_>]) -> bool {
        if !schema.enumeration.is_empty() {
            let value = node.to_json();
            if !schema.enumeration.contains(&value) {
                let allowed: Vec<String> = schema.enumeration.iter().map(show).collect();
                self.push(
                    Violation::Enum,
                    path,
                    node.span,
                    format!("`{}` must be one of {}, not {}", render(path), allowed.join(", "), show(&value)),
                    closest(&value, &schema.enumeration),
                );
                return false;
            }
        }
        if let Some(format) = schema.format {
            let ok = match scalar {
                Scalar::Str(text) => format.accepts_string(text),
                Scalar::Int(i) => format.accepts_integer(i),
                _ => true,
            };
            if !ok {
                self.push(
                    Violation::Format,
                    path,
                    node.span,
                    format!("`{}` must be {}, not {}", render(path), format.expectation(), describe(node)),
                    None,
                );
                return false;
            }
        }
        let Some(bounds) = &schema.bounds else { return true };
        if let Scalar::Str(text) = scalar {
            if let Some(pattern) = &bounds.pattern {
                if !pattern.is_match(text) {
                    let message = match schema.format {
                        Some(format) => format!("`{}` must be {}, not {}", render(path), format.expectation(), describe(node)),
                        None => format!("`{}` does not match the pattern `{}`: {}", render(path), pattern.source, describe(node)),
                    };
                    self.push(Violation::Format, path, node.span, message, None);
                    return false;
                }
            }
            let length = text.chars().count() as u64;
            if let Some(min) = bounds.min_length.filter(|min| length < *min) {
                self.push(Violation::Constraint, path, node.span, format!("`{}` must be at least {min} {} long, is {length}", render(path), plural(min, "character")), None);
                return false;
            }
            if let Some(max) = bounds.max_length.filter(|max| length > *max) {
                self.push(Violation::Constraint, path, node.span, format!("`{}` must be at most {max} {} long, is {length}", render(path), plural(max, "character")), None);
                return false;
            }
        }
        let number = match scalar {
            Scalar::Int(i) => Some(i as f64),
            Scalar::Float(f) => Some(f),
            _ => None,
        };
        if let Some(number) = number {
            let text = node.scalar_text().unwrap_or_default();
            if let Some((min, exclusive)) = bounds.minimum {
                if number < min || (exclusive && number == min) {
                    let relation = if exclusive { "greater than" } else { "at least" };
                    self.push(Violation::Constraint, path, node.span, format!("`{}` must be {relation} {min}, is {text}", render(path)), None);
                    return false;
                }
            }
            if let Some((max, exclusive)) = bounds.maximum {
                if number > max || (exclusive && number == max) {
                    let relation = if exclusive { "less than" } else { "at most" };
                    self.push(Violation::Constraint, path, node.span, format!("`{}` must be {relation} {max}, is {text}", render(path)), None);
                    return false;
                }
            }
            if let Some(step) = bounds.multiple_of {
                if (number / step).fract().abs() > 1e-9 {
                    self.push(Violation::Constraint, path, node.span, format!("`{}` must be a multiple of {step}, is {text}", render(path)), None);
                    return false;
                }
            }
        }
        true
    }

    fn compositions<'n>(&mut self, node: &'n Node, schema: &Schema, document: &Document, path: &mut Vec<Segment<'n>>) {
        if !schema.any_of.is_empty() || !schema.one_of.is_empty() {
            for (branches, exactly_one) in [(&schema.any_of, false), (&schema.one_of, true)] {
                if branches.is_empty() {
                    continue;
                }
                let mut outcomes: Vec<Vec<Problem>> = Vec::with_capacity(branches.len());
                for branch in branches.iter() {
                    let mut trial = Walker { builtin: self.builtin, object_meta: self.object_meta, label: self.label, problems: Vec::new() };
                    trial.check(node, branch, document, path, Level::Branch);
                    outcomes.push(trial.problems);
                }
                let passing = outcomes.iter().filter(|p| p.is_empty()).count();
                if passing == 0 {
                    // Report what the closest alternative says: one whose type
                    // fits this value, with the fewest problems.
                    let here = render(path);
                    let wrong_type = |problems: &Vec<Problem>| {
                        problems.iter().any(|p| p.path == here && matches!(p.violation, Violation::Type | Violation::Format))
                    };
                    if let Some(best) = outcomes.into_iter().min_by_key(|p| (wrong_type(p), p.len())) {
                        self.problems.extend(best);
                    }
                } else if exactly_one && passing > 1 {
                    self.push(
                        Violation::Constraint,
                        path,
                        node.span,
                        format!("`{}` matches {passing} of the alternatives the schema allows, but must match exactly one", render(path)),
                        Some("set only one of the mutually exclusive fields".to_owned()),
                    );
                }
            }
        }
        if let Some(not) = &schema.not {
            let mut trial = Walker { builtin: self.builtin, object_meta: self.object_meta, label: self.label, problems: Vec::new() };
            trial.check(node, not, document, path, Level::Branch);
            if trial.problems.is_empty() {
                self.push(Violation::Constraint, path, node.span, format!("`{}` has a combination of fields the schema forbids", render(path)), None);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// A document root: `apiVersion`, `kind`, `metadata` and `sops` are handled here.
    Root,
    Nested,
    /// The top of an `anyOf`/`oneOf`/`not` branch: properties the branch does
    /// not declare belong to the schema around it, so they are not unknown.
    Branch,
}

fn plural(count: u64, noun: &str) -> String {
    match (count, noun) {
        (1, _) => noun.to_owned(),
        (_, "entry") => "entries".to_owned(),
        _ => format!("{noun}s"),
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// YAML 1.1 reads `yes`, `on`, `1.10` as other types than people mean.
fn yaml_hint(node: &Node, scalar: Option<Scalar<'_>>, expected: Types) -> Option<String> {
    let text = node.scalar_text()?;
    match scalar? {
        Scalar::Bool(_) | Scalar::Int(_) | Scalar::Float(_) if expected.has(Types::STRING) => {
            Some(format!("quote it (\"{text}\"): unquoted, YAML reads it as a {}", if matches!(scalar, Some(Scalar::Bool(_))) { "boolean" } else { "number" }))
        }
        Scalar::Str(_) if expected.has(Types::INTEGER) || expected.has(Types::NUMBER) => {
            let trimmed = text.trim();
            (trimmed.parse::<f64>().is_ok()).then(|| format!("write it without quotes ({trimmed}) so it reads as a number"))
        }
        Scalar::Str(_) if expected.has(Types::BOOLEAN) && matches!(text, "true" | "false") => {
            Some(format!("write it without quotes ({text}) so it reads as a boolean"))
        }
        _ => None,
    }
}

/// "did you mean `retryInterval`?", or the fields that exist.
fn suggest(key: &str, candidates: &[&str]) -> String {
    let best = candidates
        .iter()
        .map(|c| (distance(&key.to_ascii_lowercase(), &c.to_ascii_lowercase()), *c))
        .min();
    match best {
        Some((d, candidate)) if d <= 2.max(key.len() / 4) => format!("did you mean `{candidate}`?"),
        _ if candidates.is_empty() => "remove it".to_owned(),
        _ => {
            let mut names: Vec<&str> = candidates.to_vec();
            names.sort_unstable();
            names.dedup();
            let shown: Vec<String> = names.iter().take(12).map(|n| format!("`{n}`")).collect();
            let more = if names.len() > 12 { ", …" } else { "" };
            format!("remove it, or move it where it belongs; fields here: {}{more}", shown.join(", "))
        }
    }
}

fn closest(value: &Value, allowed: &[Value]) -> Option<String> {
    let text = value.as_str()?;
    allowed
        .iter()
        .filter_map(Value::as_str)
        .map(|a| (distance(&text.to_ascii_lowercase(), &a.to_ascii_lowercase()), a))
        .min()
        .filter(|(d, _)| *d <= 2)
        .map(|(_, a)| format!("did you mean `{a}`?"))
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_kubectl_explain() {
        let path = [Segment::Key("spec"), Segment::Key("containers"), Segment::Index(0), Segment::Key("imagePullPolicy")];
        assert_eq!(render(&path), "spec.containers[0].imagePullPolicy");
        let path = [Segment::Key("metadata"), Segment::Key("labels"), Segment::Key("app.kubernetes.io/name")];
        assert_eq!(render(&path), "metadata.labels[\"app.kubernetes.io/name\"]");
    }

    #[test]
    fn suggestions_find_near_misses() {
        assert_eq!(suggest("intervall", &["interval", "timeout"]), "did you mean `interval`?");
        assert_eq!(suggest("Interval", &["interval"]), "did you mean `interval`?");
        assert!(suggest("zzzzzzzz", &["interval", "timeout"]).starts_with("remove it"));
    }
}
