//! Where schemas come from: the built-in set, CustomResourceDefinitions, and
//! schema files (JSON Schema, OpenAPI v3 documents, CRDs) on disk or on a
//! server.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use anton_yaml::Node;
use serde_json::{Map, Value};

use crate::schema::Document;

/// (group, version, kind). The core group is `""`.
pub(crate) type Gvk = (String, String, String);

pub(crate) fn gvk(group: &str, version: &str, kind: &str) -> Gvk {
    (group.to_owned(), version.to_owned(), kind.to_owned())
}

/// A kind's schema: a definition of a document.
#[derive(Debug, Clone)]
pub(crate) struct KindSchema {
    pub document: Arc<Document>,
    pub root: u32,
}

pub(crate) mod index {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

pub(crate) use index::BUNDLED_RELEASE;

pub(crate) const BLOB: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin.json"));

/// The schemas compiled into anton: Kubernetes' kinds of the bundled
/// release and the Flux APIs.
pub(crate) struct Builtin {
    pub document: Arc<Document>,
    kinds: HashMap<Gvk, u32>,
    pub object_meta: Option<u32>,
}

impl Builtin {
    pub fn get() -> &'static Builtin {
        static BUILTIN: OnceLock<Builtin> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let document = Document::from_static(
                index::DEFINITIONS.iter().map(|(name, start, end)| (*name, &BLOB[*start as usize..*end as usize])),
            );
            let kinds = index::KINDS
                .iter()
                .map(|(group, version, kind, definition)| (gvk(group, version, kind), *definition))
                .collect();
            let object_meta = document.index_of("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
            Builtin { document: Arc::new(document), kinds, object_meta }
        })
    }

    pub fn lookup(&self, key: &Gvk) -> Option<KindSchema> {
        self.kinds.get(key).map(|root| KindSchema { document: self.document.clone(), root: *root })
    }

    /// The versions anton has a built-in schema for, of a group and kind.
    pub fn versions_of(&self, group: &str, kind: &str) -> Vec<&str> {
        let mut versions: Vec<&str> = index::KINDS
            .iter()
            .filter(|(g, _, k, _)| *g == group && *k == kind)
            .map(|(_, version, _, _)| *version)
            .collect();
        versions.sort_unstable();
        versions
    }

    /// Whether the group is one of Kubernetes' own (or Flux's) built-in groups.
    pub fn knows_group(&self, group: &str) -> bool {
        index::KINDS.iter().any(|(g, _, _, _)| *g == group)
    }
}

/// The schemas a CustomResourceDefinition declares, one per served version:
/// `apiextensions.k8s.io/v1` (`spec.versions[].schema.openAPIV3Schema`) and
/// `v1beta1` (`spec.validation.openAPIV3Schema`, or per version).
pub(crate) fn crd_schemas(crd: &Value) -> Vec<(Gvk, Value)> {
    let spec = &crd["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) else {
        return Vec::new();
    };
    let shared = &spec["validation"]["openAPIV3Schema"];
    let mut schemas = Vec::new();
    match spec["versions"].as_array() {
        Some(versions) => {
            for version in versions {
                let Some(name) = version["name"].as_str() else { continue };
                let schema = match &version["schema"]["openAPIV3Schema"] {
                    Value::Null => shared,
                    own => own,
                };
                if !schema.is_null() {
                    schemas.push((gvk(group, name, kind), schema.clone()));
                }
            }
        }
        None => {
            if let (Some(version), false) = (spec["version"].as_str(), shared.is_null()) {
                schemas.push((gvk(group, version, kind), shared.clone()));
            }
        }
    }
    schemas
}

/// A CRD version's schema as a document of one definition.
pub(crate) fn single(schema: Value) -> KindSchema {
    KindSchema { document: Arc::new(Document::from_values(vec![(String::new(), schema)])), root: 0 }
}

/// Reads a schema file, whatever it is: a JSON Schema for one kind (a
/// kubeconform catalog entry, with its `definitions`), an OpenAPI v3
/// document (the cluster's `/openapi/v3/apis/<group>/<version>`), or a
/// CustomResourceDefinition (JSON or YAML). Returns the kinds it describes;
/// a plain JSON Schema describes `expected`, or nothing without one.
pub(crate) fn read_schema_file(text: &str, expected: Option<&Gvk>) -> Vec<(Gvk, KindSchema)> {
    let value = match serde_json::from_str::<Value>(text) {
        Ok(value) => value,
        Err(_) => {
            // YAML: a CRD file, possibly several documents.
            let parsed = anton_yaml::parse_stream(text);
            let mut found = Vec::new();
            for document in parsed.documents {
                found.extend(read_schema_value(document.root.to_json(), expected));
            }
            return found;
        }
    };
    read_schema_value(value, expected)
}

fn read_schema_value(value: Value, expected: Option<&Gvk>) -> Vec<(Gvk, KindSchema)> {
    if value["kind"] == "CustomResourceDefinition" {
        return crd_schemas(&value).into_iter().map(|(key, schema)| (key, single(schema))).collect();
    }
    if let Some(schemas) = value["components"]["schemas"].as_object() {
        return openapi_kinds(schemas);
    }
    let (Value::Object(mut root), Some(expected)) = (value, expected) else { return Vec::new() };
    let mut definitions: Vec<(String, Value)> = vec![(String::new(), Value::Null)];
    for key in ["definitions", "$defs"] {
        if let Some(Value::Object(defs)) = root.remove(key) {
            definitions.extend(defs);
        }
    }
    definitions[0].1 = Value::Object(root);
    vec![(expected.clone(), KindSchema { document: Arc::new(Document::from_values(definitions)), root: 0 })]
}

/// Every kind of an OpenAPI v3 document, found by the
/// `x-kubernetes-group-version-kind` the API server puts on each.
pub(crate) fn openapi_kinds(schemas: &Map<String, Value>) -> Vec<(Gvk, KindSchema)> {
    let names: Vec<(String, Value)> = schemas.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut kinds = Vec::new();
    for (index, (_, schema)) in names.iter().enumerate() {
        let Some(gvks) = schema["x-kubernetes-group-version-kind"].as_array() else { continue };
        for entry in gvks {
            if let (Some(version), Some(kind)) = (entry["version"].as_str(), entry["kind"].as_str()) {
                kinds.push((gvk(entry["group"].as_str().unwrap_or(""), version, kind), index as u32));
            }
        }
    }
    if kinds.is_empty() {
        return Vec::new();
    }
    let document = Arc::new(Document::from_values(names));
    kinds.into_iter().map(|(key, root)| (key, KindSchema { document: document.clone(), root })).collect()
}

/// Reads `apiVersion` and `kind` of an object node.
pub(crate) fn gvk_of(node: &Node) -> Option<Gvk> {
    let api_version = node.get("apiVersion")?.scalar_text()?.trim();
    let kind = node.get("kind")?.scalar_text()?.trim();
    if api_version.is_empty() || kind.is_empty() {
        return None;
    }
    let parsed = anton_core::ApiVersion::parse(api_version);
    Some(gvk(parsed.group, parsed.version, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_builtin_set_has_kubernetes_and_object_meta() {
        let builtin = Builtin::get();
        assert!(builtin.lookup(&gvk("apps", "v1", "Deployment")).is_some());
        assert!(builtin.lookup(&gvk("", "v1", "ConfigMap")).is_some());
        assert!(builtin.lookup(&gvk("apps", "v1beta2", "Deployment")).is_none());
        assert!(builtin.object_meta.is_some());
        assert_eq!(builtin.versions_of("autoscaling", "HorizontalPodAutoscaler"), ["v1", "v2"]);
    }

    #[test]
    fn crds_of_both_api_versions() {
        let v1 = json!({"kind": "CustomResourceDefinition", "spec": {"group": "example.com", "names": {"kind": "Widget"},
            "versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"type": "object"}}}, {"name": "v2"}]}});
        assert_eq!(crd_schemas(&v1).len(), 1);
        let v1beta1 = json!({"spec": {"group": "example.com", "names": {"kind": "Widget"}, "version": "v1alpha1",
            "validation": {"openAPIV3Schema": {"type": "object"}}}});
        assert_eq!(crd_schemas(&v1beta1)[0].0, gvk("example.com", "v1alpha1", "Widget"));
    }

    #[test]
    fn openapi_documents_name_their_kinds() {
        let doc = json!({"components": {"schemas": {
            "io.example.v1.Widget": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Widget"}],
                "properties": {"spec": {"$ref": "#/components/schemas/io.example.v1.WidgetSpec"}}},
            "io.example.v1.WidgetSpec": {"type": "object", "properties": {"size": {"type": "integer"}}}
        }}});
        let kinds = read_schema_value(doc, None);
        assert_eq!(kinds.len(), 1);
        assert_eq!(kinds[0].0, gvk("example.com", "v1", "Widget"));
    }
}
