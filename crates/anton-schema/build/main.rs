//! Generates anton's built-in schemas at build time, so the binary carries
//! them without a network and without parsing more than it needs at run time.
//!
//! * Kubernetes' own kinds come from `k8s-openapi`'s `schemars` implementations
//!   ([`kubernetes`]): a maintained dependency, not vendored files.
//! * The Flux APIs are typed Rust definitions written from the documented API
//!   ([`flux`]), turned into schemas by `schemars`' derive.
//!
//! Output in `OUT_DIR`:
//! * `builtin.json` — every definition, one JSON object after the other
//!   (descriptions stripped, `Option` wrappers removed: null is accepted
//!   everywhere, as the API server prunes it);
//! * `builtin.rs` — where each definition starts and ends in that blob, and
//!   which definition describes which group/version/kind. The runtime parses
//!   a definition only when an object first needs it.

mod flux;
mod kubernetes;

use std::fmt::Write as _;

use schemars::Schema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

fn main() {
    println!("cargo::rerun-if-changed=build");
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let mut kinds = kubernetes::register(&mut generator);
    kinds.extend(flux::register(&mut generator));
    let definitions = generator.take_definitions(true);

    let mut names: Vec<&String> = definitions.keys().collect();
    names.sort();
    let mut blob = String::new();
    let mut index = String::new();
    let mut positions = std::collections::HashMap::new();
    writeln!(index, "/// (definition name, start, end) in `builtin.json`, sorted by name.").unwrap();
    writeln!(index, "pub(crate) static DEFINITIONS: &[(&str, u32, u32)] = &[").unwrap();
    for (position, name) in names.iter().enumerate() {
        let mut schema = definitions[*name].clone();
        clean(&mut schema);
        mark_formats(name, &mut schema);
        let text = serde_json::to_string(&schema).expect("a schema serialises");
        let start = blob.len();
        blob.push_str(&text);
        writeln!(index, "    ({name:?}, {start}, {}),", blob.len()).unwrap();
        positions.insert(name.as_str(), position);
    }
    writeln!(index, "];").unwrap();
    kinds.sort();
    writeln!(index, "/// (group, version, kind, index into DEFINITIONS), sorted.").unwrap();
    writeln!(index, "pub(crate) static KINDS: &[(&str, &str, &str, u32)] = &[").unwrap();
    for (group, version, kind, definition) in &kinds {
        let position = positions.get(definition.as_str()).unwrap_or_else(|| panic!("no definition {definition}"));
        writeln!(index, "    ({group:?}, {version:?}, {kind:?}, {position}),").unwrap();
    }
    writeln!(index, "];").unwrap();
    let (major, minor) = kubernetes::BUNDLED_RELEASE;
    writeln!(index, "/// The Kubernetes release whose schemas are bundled.").unwrap();
    writeln!(index, "pub(crate) const BUNDLED_RELEASE: (u32, u32) = ({major}, {minor});").unwrap();

    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin.json"), blob).expect("OUT_DIR is writable");
    std::fs::write(out.join("builtin.rs"), index).expect("OUT_DIR is writable");
}

/// The definition name a `$ref` schema points at.
pub fn definition_name(reference: &Schema) -> String {
    let target = reference.get("$ref").and_then(Value::as_str).expect("kinds are generated as $ref schemas");
    target.rsplit('/').next().unwrap_or(target).replace("~1", "/").replace("~0", "~")
}

/// Quantities and int-or-strings look alike in the OpenAPI document (both are
/// `x-kubernetes-int-or-string`), but a quantity also takes fractional numbers
/// (`cpu: 0.5`) and has a grammar of its own; a format tells them apart.
fn mark_formats(name: &str, schema: &mut Value) {
    match name {
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => {
            if let Value::Object(map) = schema {
                map.insert("format".into(), "quantity".into());
            }
        }
        // `apiextensions/v1.JSON` holds any JSON value (a CRD's enum entries,
        // defaults, examples); k8s-openapi describes it as an object.
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON" => {
            *schema = serde_json::json!({"x-kubernetes-preserve-unknown-fields": true});
        }
        _ => {}
    }
}

/// Keeps what validation needs: drops documentation, and folds schemars'
/// `Option<T>` encodings (`type: [T, "null"]`, `anyOf: [T, {type: null}]`)
/// back into `T`.
fn clean(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["description", "title", "default", "examples", "$schema", "deprecated", "readOnly", "writeOnly"] {
                map.remove(key);
            }
            fold_nullable(map);
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    // Values, not schemas.
                    "enum" | "const" | "required" => {}
                    // Keys here are property names (a property may be called `description`).
                    "properties" | "patternProperties" | "$defs" | "definitions" => {
                        if let Value::Object(properties) = child {
                            properties.values_mut().for_each(clean);
                        }
                    }
                    _ => clean(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean),
        _ => {}
    }
}

fn fold_nullable(map: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let single = types.remove(0);
            map.insert("type".into(), single);
        }
    }
    if let Some(Value::Array(enumeration)) = map.get_mut("enum") {
        enumeration.retain(|v| !v.is_null());
    }
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = map.get(keyword) else { continue };
        let is_null = |b: &Value| b.get("type") == Some(&Value::String("null".into())) && b.as_object().is_some_and(|o| o.len() == 1);
        if branches.len() == 2 && branches.iter().any(is_null) {
            let Some(Value::Array(branches)) = map.remove(keyword) else { continue };
            let Some(Value::Object(inner)) = branches.into_iter().find(|b| !is_null(b)) else { continue };
            for (key, value) in inner {
                map.entry(key).or_insert(value);
            }
        }
    }
}
