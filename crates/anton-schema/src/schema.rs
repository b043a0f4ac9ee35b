//! Compiled schemas: Kubernetes' OpenAPI dialect read into a form the
//! validator walks without looking anything up by string twice.
//!
//! A [`Document`] holds named definitions (a whole OpenAPI document, one JSON
//! Schema file with its `definitions`, or one CRD version's
//! `openAPIV3Schema`). Each definition is compiled the first time an object
//! needs it and then shared by every thread ([`OnceLock`]); `$ref`s are
//! resolved to definition indexes at compile time and followed lazily, so
//! recursive definitions (`JSONSchemaProps`) cost nothing until used.
//!
//! What is understood, beyond plain JSON Schema:
//! * `nullable` and `type: null`: null is accepted everywhere anyway, because
//!   the API server prunes null fields of custom resources and decodes null
//!   as the zero value for built-in ones;
//! * `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`,
//!   `x-kubernetes-embedded-resource`;
//! * OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` as well as
//!   JSON Schema's numeric ones;
//! * formats `int32`, `int64`, `date-time`, `date`, `byte`, `duration` and
//!   `quantity` (see [`crate::format`]).
//!
//! `x-kubernetes-validations` (CEL) rules are not evaluated.

use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::format::Format;

/// JSON types a schema allows, as bits; empty means any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Types(u8);

impl Types {
    pub const OBJECT: u8 = 1;
    pub const ARRAY: u8 = 2;
    pub const STRING: u8 = 4;
    pub const INTEGER: u8 = 8;
    pub const NUMBER: u8 = 16;
    pub const BOOLEAN: u8 = 32;

    pub fn any(self) -> bool {
        self.0 == 0
    }

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    fn add(&mut self, name: &str) {
        self.0 |= match name {
            "object" => Self::OBJECT,
            "array" => Self::ARRAY,
            "string" => Self::STRING,
            "integer" => Self::INTEGER,
            "number" => Self::NUMBER,
            "boolean" => Self::BOOLEAN,
            _ => 0, // "null" and unknown names restrict nothing
        };
    }

    /// "an integer", "a string or an integer" …
    pub fn describe(self) -> String {
        let names: Vec<&str> = [
            (Self::OBJECT, "an object"),
            (Self::ARRAY, "a list"),
            (Self::STRING, "a string"),
            (Self::INTEGER, "an integer"),
            (Self::NUMBER, "a number"),
            (Self::BOOLEAN, "a boolean"),
        ]
        .iter()
        .filter(|(bit, _)| self.has(*bit))
        .map(|(_, name)| *name)
        .collect();
        match names.as_slice() {
            [] => "any value".to_owned(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    }
}

/// What a mapping may hold beyond its declared `properties`.
#[derive(Debug)]
pub(crate) enum Additional {
    /// Not said. With `properties` declared, Kubernetes prunes (and strict
    /// field validation rejects) anything else; without, the object is free-form.
    Unspecified,
    Forbidden,
    Any,
    Schema(Box<Schema>),
}

/// Bounds that only some schemas carry, boxed to keep [`Schema`] small.
#[derive(Debug, Default)]
pub(crate) struct Bounds {
    pub minimum: Option<(f64, bool)>,
    pub maximum: Option<(f64, bool)>,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<Pattern>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
}

/// A regular expression, compiled on first use. Kubernetes patterns are RE2,
/// which the `regex` crate reads; one that does not compile checks nothing.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    fn new(source: &str) -> Self {
        Self { source: source.to_owned(), compiled: OnceLock::new() }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
            .is_none_or(|regex| regex.is_match(text))
    }
}

#[derive(Debug, Default)]
pub(crate) struct Schema {
    pub types: Types,
    pub format: Option<Format>,
    pub int_or_string: bool,
    pub preserve_unknown: bool,
    pub embedded_resource: bool,
    /// `$ref`, as an index into the document's definitions. `None` inside
    /// `Some` is a reference that could not be resolved: it checks nothing.
    pub reference: Option<Option<u32>>,
    pub properties: Vec<(Box<str>, Schema)>,
    pub additional: Option<Additional>,
    pub items: Option<Box<Schema>>,
    pub required: Vec<Box<str>>,
    pub enumeration: Vec<Value>,
    pub bounds: Option<Box<Bounds>>,
    pub all_of: Vec<Schema>,
    pub any_of: Vec<Schema>,
    pub one_of: Vec<Schema>,
    pub not: Option<Box<Schema>>,
}

impl Schema {
    /// The schema of a declared property.
    pub fn property(&self, name: &str) -> Option<&Schema> {
        if self.properties.len() > 8 {
            self.properties
                .binary_search_by(|(key, _)| key.as_ref().cmp(name))
                .ok()
                .map(|i| &self.properties[i].1)
        } else {
            self.properties.iter().find(|(key, _)| key.as_ref() == name).map(|(_, s)| s)
        }
    }

    pub fn additional(&self) -> &Additional {
        self.additional.as_ref().unwrap_or(&Additional::Unspecified)
    }

    /// Whether this schema, by itself, says the value is a mapping with a
    /// known set of keys (so other keys are unknown fields).
    pub fn declares_fields(&self) -> bool {
        !self.properties.is_empty()
    }

    /// Whether this schema only composes others (`$ref`, `allOf`) and adds
    /// no checks of its own: the common shape of a property that points at
    /// a definition.
    pub fn is_plain_reference(&self) -> bool {
        self.reference.is_some()
            && self.types.any()
            && self.format.is_none()
            && !self.int_or_string
            && !self.preserve_unknown
            && !self.embedded_resource
            && self.properties.is_empty()
            && self.additional.is_none()
            && self.items.is_none()
            && self.required.is_empty()
            && self.enumeration.is_empty()
            && self.bounds.is_none()
            && self.all_of.is_empty()
            && self.any_of.is_empty()
            && self.one_of.is_empty()
            && self.not.is_none()
    }
}

/// Where a definition's JSON comes from.
enum Source {
    /// A slice of the built-in blob, parsed on first use.
    Static(&'static str),
    Json(Value),
}

/// A set of named definitions that refer to each other.
pub(crate) struct Document {
    names: HashMap<String, u32>,
    sources: Vec<Source>,
    compiled: Vec<OnceLock<Schema>>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document").field("definitions", &self.sources.len()).finish()
    }
}

impl Document {
    /// The built-in definitions: `(name, json)` slices of the embedded blob.
    pub fn from_static(definitions: impl IntoIterator<Item = (&'static str, &'static str)>) -> Self {
        let mut names = HashMap::new();
        let mut sources = Vec::new();
        for (index, (name, json)) in definitions.into_iter().enumerate() {
            names.insert(name.to_owned(), index as u32);
            sources.push(Source::Static(json));
        }
        let compiled = (0..sources.len()).map(|_| OnceLock::new()).collect();
        Self { names, sources, compiled }
    }

    /// Definitions given as JSON values, by name.
    pub fn from_values(definitions: Vec<(String, Value)>) -> Self {
        let mut names = HashMap::new();
        let mut sources = Vec::new();
        for (index, (name, value)) in definitions.into_iter().enumerate() {
            names.insert(name, index as u32);
            sources.push(Source::Json(value));
        }
        let compiled = (0..sources.len()).map(|_| OnceLock::new()).collect();
        Self { names, sources, compiled }
    }

    pub fn index_of(&self, name: &str) -> Option<u32> {
        self.names.get(name).copied()
    }

    /// A definition, compiled on first use.
    pub fn definition(&self, index: u32) -> &Schema {
        let index = index as usize;
        self.compiled[index].get_or_init(|| match &self.sources[index] {
            Source::Static(json) => match serde_json::from_str::<Value>(json) {
                Ok(value) => compile(&value, self),
                Err(_) => Schema::default(),
            },
            Source::Json(value) => compile(value, self),
        })
    }

    fn resolve(&self, reference: &str) -> Option<u32> {
        // Local references name a definition: `#/definitions/X`, `#/$defs/X`,
        // `#/components/schemas/X`. A reference into another file
        // (`_definitions.json#/definitions/X`) is looked up by its last segment,
        // which is how kubeconform catalogs name Kubernetes' own definitions.
        let fragment = reference.rsplit_once('#').map_or(reference, |(_, f)| f);
        let name = fragment.rsplit('/').next().unwrap_or(fragment);
        let name = name.replace("~1", "/").replace("~0", "~");
        self.index_of(&name)
    }
}

/// Compiles one schema object. Anything that is not an object (a `true`
/// schema, garbage) accepts everything.
pub(crate) fn compile(value: &Value, document: &Document) -> Schema {
    let Value::Object(map) = value else { return Schema::default() };
    let mut schema = Schema::default();
    match map.get("type") {
        Some(Value::String(name)) => schema.types.add(name),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).for_each(|n| schema.types.add(n)),
        _ => {}
    }
    schema.format = map.get("format").and_then(Value::as_str).and_then(Format::parse);
    schema.int_or_string = flag(map, "x-kubernetes-int-or-string");
    schema.preserve_unknown = flag(map, "x-kubernetes-preserve-unknown-fields");
    schema.embedded_resource = flag(map, "x-kubernetes-embedded-resource");
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        schema.reference = Some(document.resolve(reference));
    }
    if let Some(Value::Object(properties)) = map.get("properties") {
        let mut compiled: Vec<(Box<str>, Schema)> =
            properties.iter().map(|(name, value)| (name.as_str().into(), compile(value, document))).collect();
        compiled.sort_by(|a, b| a.0.cmp(&b.0));
        schema.properties = compiled;
    }
    schema.additional = match map.get("additionalProperties") {
        None => None,
        Some(Value::Bool(false)) => Some(Additional::Forbidden),
        Some(Value::Bool(true)) => Some(Additional::Any),
        Some(value @ Value::Object(inner)) if !inner.is_empty() => {
            Some(Additional::Schema(Box::new(compile(value, document))))
        }
        Some(_) => Some(Additional::Any),
    };
    schema.items = match map.get("items") {
        Some(value @ Value::Object(_)) => Some(Box::new(compile(value, document))),
        // Tuple-style `items: [a, b]`: Kubernetes has none; check nothing.
        _ => None,
    };
    if let Some(Value::Array(required)) = map.get("required") {
        schema.required = required.iter().filter_map(Value::as_str).map(Into::into).collect();
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        schema.enumeration = values.iter().filter(|v| !v.is_null()).cloned().collect();
    }
    for (keyword, target) in [("allOf", &mut schema.all_of), ("anyOf", &mut schema.any_of), ("oneOf", &mut schema.one_of)] {
        if let Some(Value::Array(branches)) = map.get(keyword) {
            *target = branches.iter().map(|b| compile(b, document)).collect();
        }
    }
    // An `anyOf: [{type: integer}, {type: string}]` next to
    // `x-kubernetes-int-or-string` says nothing the flag does not.
    if schema.int_or_string {
        schema.any_of.retain(|branch| !(branch.types.has(Types::INTEGER) || branch.types.has(Types::STRING)) || !branch.is_type_only());
    }
    schema.not = map.get("not").map(|value| Box::new(compile(value, document)));
    schema.bounds = bounds(map).map(Box::new);
    schema
}

impl Schema {
    fn is_type_only(&self) -> bool {
        !self.types.any()
            && self.properties.is_empty()
            && self.reference.is_none()
            && self.enumeration.is_empty()
            && self.bounds.is_none()
            && self.format.is_none()
    }
}

fn flag(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn bounds(map: &Map<String, Value>) -> Option<Bounds> {
    let number = |key: &str| map.get(key).and_then(Value::as_f64);
    let count = |key: &str| map.get(key).and_then(Value::as_u64);
    // OpenAPI 3.0: `exclusiveMinimum: true` modifies `minimum`.
    // JSON Schema: `exclusiveMinimum: 5` is a bound of its own.
    let bound = |plain: &str, exclusive: &str| match (number(plain), map.get(exclusive)) {
        (Some(value), Some(Value::Bool(flag))) => Some((value, *flag)),
        (plain_value, Some(Value::Number(n))) => match (plain_value, n.as_f64()) {
            (Some(p), Some(e)) if p != e => Some((p, false)), // both given: keep the inclusive one
            (_, Some(e)) => Some((e, true)),
            (p, None) => p.map(|p| (p, false)),
        },
        (value, _) => value.map(|v| (v, false)),
    };
    let bounds = Bounds {
        minimum: bound("minimum", "exclusiveMinimum"),
        maximum: bound("maximum", "exclusiveMaximum"),
        multiple_of: number("multipleOf").filter(|m| *m > 0.0),
        min_length: count("minLength"),
        max_length: count("maxLength"),
        pattern: map.get("pattern").and_then(Value::as_str).map(Pattern::new),
        min_items: count("minItems"),
        max_items: count("maxItems"),
        unique_items: flag(map, "uniqueItems"),
        min_properties: count("minProperties"),
        max_properties: count("maxProperties"),
    };
    let empty = bounds.minimum.is_none()
        && bounds.maximum.is_none()
        && bounds.multiple_of.is_none()
        && bounds.min_length.is_none()
        && bounds.max_length.is_none()
        && bounds.pattern.is_none()
        && bounds.min_items.is_none()
        && bounds.max_items.is_none()
        && !bounds.unique_items
        && bounds.min_properties.is_none()
        && bounds.max_properties.is_none();
    (!empty).then_some(bounds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(root: Value) -> Document {
        Document::from_values(vec![("root".into(), root)])
    }

    #[test]
    fn open_api_3_boolean_exclusive_bounds() {
        let doc = document(json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true, "maximum": 10}));
        let bounds = doc.definition(0).bounds.as_ref().unwrap();
        assert_eq!(bounds.minimum, Some((1.0, true)));
        assert_eq!(bounds.maximum, Some((10.0, false)));
        let doc = document(json!({"type": "number", "exclusiveMaximum": 5}));
        assert_eq!(doc.definition(0).bounds.as_ref().unwrap().maximum, Some((5.0, true)));
    }

    #[test]
    fn references_resolve_by_name_in_any_dialect() {
        let doc = Document::from_values(vec![
            ("root".into(), json!({"properties": {"a": {"$ref": "#/definitions/leaf"}, "b": {"$ref": "#/components/schemas/leaf"}, "c": {"$ref": "other.json#/x/missing"}}})),
            ("leaf".into(), json!({"type": "string"})),
        ]);
        let root = doc.definition(0);
        assert_eq!(root.property("a").unwrap().reference, Some(Some(1)));
        assert_eq!(root.property("b").unwrap().reference, Some(Some(1)));
        assert_eq!(root.property("c").unwrap().reference, Some(None));
    }

    #[test]
    fn kubernetes_extensions_are_read() {
        let doc = document(json!({
            "x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "x-kubernetes-preserve-unknown-fields": true,
            "x-kubernetes-embedded-resource": true,
            "nullable": true,
            "type": ["object", "null"]
        }));
        let schema = doc.definition(0);
        assert!(schema.int_or_string && schema.preserve_unknown && schema.embedded_resource);
        assert!(schema.any_of.is_empty(), "the int-or-string anyOf is folded into the flag");
        assert_eq!(schema.types.describe(), "an object");
    }
}
