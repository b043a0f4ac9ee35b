//! `storage/no-default-class` and `storage/multiple-default-classes`: PVCs
//! without a `storageClassName` need exactly one default StorageClass.

use anton_core::{Finding, Severity};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::HealthConfig;
use crate::snapshot::Snapshot;

const DEFAULT_ANNOTATIONS: [&str; 2] =
    ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];

pub fn check_storage(snapshot: &Snapshot, _now: Timestamp, _config: &HealthConfig) -> Vec<Finding> {
    let Some(classes) = &snapshot.storage_classes else { return Vec::new() };
    let defaults = default_classes(classes);
    match defaults.len() {
        0 => {
            let names: Vec<&str> = classes.iter().filter_map(|c| c.metadata.name.as_deref()).collect();
            let example = names.first().copied().unwrap_or("NAME");
            vec![
                Finding::new(
                    "storage/no-default-class",
                    Severity::Warning,
                    if names.is_empty() {
                        "there is no StorageClass at all: PersistentVolumeClaims stay Pending".to_owned()
                    } else {
                        format!(
                            "no StorageClass is marked default (have: {}): PersistentVolumeClaims without storageClassName stay Pending",
                            names.join(", ")
                        )
                    },
                )
                .hint(format!(
                    "mark one in Git with the annotation storageclass.kubernetes.io/is-default-class: \"true\" (now: `kubectl annotate storageclass {example} storageclass.kubernetes.io/is-default-class=true`)"
                )),
            ]
        }
        1 => Vec::new(),
        _ => vec![
            Finding::new(
                "storage/multiple-default-classes",
                Severity::Warning,
                format!("{} StorageClasses are marked default ({}); new claims get the newest one", defaults.len(), defaults.join(", ")),
            )
            .hint("keep the default annotation on one StorageClass only"),
        ],
    }
}

fn default_classes(classes: &[StorageClass]) -> Vec<String> {
    classes
        .iter()
        .filter(|c| {
            c.metadata.annotations.as_ref().is_some_and(|a| {
                DEFAULT_ANNOTATIONS.iter().any(|key| a.get(*key).is_some_and(|v| v == "true"))
            })
        })
        .filter_map(|c| c.metadata.name.clone())
        .collect()
}

pub fn storage_details(snapshot: &Snapshot) -> Value {
    let Some(classes) = &snapshot.storage_classes else { return Value::Null };
    json!({
        "classes": classes.iter().filter_map(|c| c.metadata.name.clone()).collect::<Vec<_>>(),
        "default": default_classes(classes),
    })
}
