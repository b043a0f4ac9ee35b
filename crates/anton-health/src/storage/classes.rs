//! Which StorageClass is the default: shared by `anton health` and `anton storage`.

use k8s_openapi::api::storage::v1::StorageClass;

const DEFAULT_ANNOTATIONS: [&str; 2] =
    ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];

/// The classes annotated as the default, in list order.
pub(crate) fn default_class_names(classes: &[StorageClass]) -> Vec<String> {
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
