//! The built-in schemas written out as a schema catalog other validators
//! read: one standalone JSON Schema per kind, named the way kubeconform
//! looks its schemas up. The benchmark gives them to kubeconform, so that
//! both tools check the same repository against the same schemas offline.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Map, Value};

use crate::sources::index;

/// One kind's schema as a file of the catalog.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// `deployment-apps-v1.json`, `service-v1.json`: kubeconform's
    /// `{{ .ResourceKind }}{{ .KindSuffix }}.json`.
    pub file_name: String,
    /// The kind's definition with every definition it refers to under
    /// `definitions` (JSON Schema draft 4, which kubeconform assumes).
    pub schema: Value,
}

/// Every built-in kind (the bundled Kubernetes release and the Flux APIs),
/// in the order anton lists them.
pub fn builtin_catalog() -> Vec<CatalogEntry> {
    let blob = crate::sources::BLOB;
    let definitions: Vec<(&str, &str)> = index::DEFINITIONS
        .iter()
        .map(|(name, start, end)| (*name, &blob[*start as usize..*end as usize]))
        .collect();
    let mut parsed: Vec<Option<Value>> = vec![None; definitions.len()];
    let by_name: BTreeMap<&str, usize> = definitions.iter().enumerate().map(|(i, (name, _))| (*name, i)).collect();
    let mut definition = |index: usize| -> Value {
        parsed[index]
            .get_or_insert_with(|| {
                let mut value = serde_json::from_str(definitions[index].1).unwrap_or(Value::Null);
                rename_references(&mut value);
                value
            })
            .clone()
    };
    index::KINDS
        .iter()
        .map(|&(group, version, kind, root)| {
            let mut schema = definition(root as usize);
            // Everything the kind's definition reaches, by name.
            let mut reached: BTreeMap<String, Value> = BTreeMap::new();
            let mut queue: VecDeque<Value> = VecDeque::from([schema.clone()]);
            while let Some(value) = queue.pop_front() {
                for name in references(&value) {
                    if reached.contains_key(&name) {
                        continue;
                    }
                    let Some(&index) = by_name.get(name.as_str()) else { continue };
                    let referenced = definition(index);
                    queue.push_back(referenced.clone());
                    reached.insert(name, referenced);
                }
            }
            if let Value::Object(fields) = &mut schema {
                fields.insert("$schema".into(), Value::String("http://json-schema.org/draft-04/schema#".into()));
                if !reached.is_empty() {
                    fields.insert("definitions".into(), Value::Object(reached.into_iter().collect::<Map<_, _>>()));
                }
            }
            CatalogEntry { group, version, kind, file_name: file_name(group, version, kind), schema }
        })
        .collect()
}

/// kubeconform's file name for a kind: the lower-case kind, the first part
/// of the group (or the version, for the core group), then the version.
pub fn file_name(group: &str, version: &str, kind: &str) -> String {
    let kind = kind.to_lowercase();
    match group.split('.').next().filter(|first| !first.is_empty()) {
        Some(first) => format!("{kind}-{}-{}.json", first.to_lowercase(), version.to_lowercase()),
        None => format!("{kind}-{}.json", version.to_lowercase()),
    }
}

const BUILTIN_PREFIX: &str = "#/$defs/";
const CATALOG_PREFIX: &str = "#/definitions/";

/// `#/$defs/X` → `#/definitions/X`: draft 4 has no `$defs`.
fn rename_references(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match field {
                    Value::String(target) if key == "$ref" => {
                        if let Some(name) = target.strip_prefix(BUILTIN_PREFIX) {
                            *target = format!("{CATALOG_PREFIX}{name}");
                        }
                    }
                    _ => rename_references(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rename_references),
        _ => {}
    }
}

/// The definition names a schema refers to.
fn references(value: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields {
                    match field {
                        Value::String(target) if key == "$ref" => {
                            if let Some(name) = target.strip_prefix(CATALOG_PREFIX) {
                                names.push(name.to_owned());
                            }
                        }
                        _ => stack.push(field),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::sources::{Builtin, gvk, read_schema_file};

    #[test]
    fn file_names_follow_kubeconform() {
        assert_eq!(file_name("apps", "v1", "Deployment"), "deployment-apps-v1.json");
        assert_eq!(file_name("", "v1", "Service"), "service-v1.json");
        assert_eq!(file_name("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"), "kustomization-kustomize-v1.json");
        assert_eq!(file_name("helm.toolkit.fluxcd.io", "v2", "HelmRelease"), "helmrelease-helm-v2.json");
    }

    #[test]
    fn every_kind_is_one_file_whose_references_all_resolve() {
        let catalog = builtin_catalog();
        assert_eq!(catalog.len(), index::KINDS.len());
        let names: HashSet<&str> = catalog.iter().map(|entry| entry.file_name.as_str()).collect();
        assert_eq!(names.len(), catalog.len(), "two kinds share a file name");
        for entry in &catalog {
            let defined = entry.schema["definitions"].as_object().cloned().unwrap_or_default();
            for name in references(&entry.schema) {
                assert!(defined.contains_key(&name), "{}: `{name}` is not under definitions", entry.file_name);
            }
            assert!(!entry.schema.to_string().contains(BUILTIN_PREFIX), "{}", entry.file_name);
        }
        let deployment = catalog.iter().find(|entry| entry.file_name == "deployment-apps-v1.json").unwrap();
        assert!(deployment.schema["definitions"].as_object().unwrap().contains_key("io.k8s.api.core.v1.PodSpec"));
        assert_eq!(deployment.schema["properties"]["spec"]["$ref"], "#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
    }

    /// A catalog file, read back the way `--schema-location` reads a
    /// kubeconform catalog, finds what the built-in schema finds.
    #[test]
    fn a_catalog_file_validates_like_the_builtin_schema() {
        let catalog = builtin_catalog();
        let entry = catalog.iter().find(|entry| entry.file_name == "deployment-apps-v1.json").unwrap();
        let key = gvk("apps", "v1", "Deployment");
        let read = read_schema_file(&entry.schema.to_string(), Some(&key));
        assert_eq!(read.len(), 1);
        let from_catalog = &read[0].1;
        let builtin = Builtin::get();
        let from_builtin = builtin.lookup(&key).unwrap();
        let object = anton_yaml::parse_stream(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: many\n  selector: {matchLabels: {app: web}}\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n          ports: [{containerPort: http}]\n          colour: blue\n",
        );
        let root = &object.documents[0].root;
        let problems = |schema: &crate::sources::KindSchema| {
            let mut walker = crate::validate::Walker {
                builtin: &builtin.document,
                object_meta: builtin.object_meta,
                label: "Deployment (apps/v1)",
                problems: Vec::new(),
            };
            walker.object(root, schema.document.definition(schema.root), &schema.document);
            walker.problems.into_iter().map(|problem| (problem.path, problem.message)).collect::<Vec<_>>()
        };
        let expected = problems(&from_builtin);
        assert_eq!(expected.len(), 3, "{expected:#?}");
        assert_eq!(problems(from_catalog), expected);
    }
}
