//! Types every Flux API shares (`github.com/fluxcd/pkg/apis/meta`,
//! `…/apis/kustomize`, `…/apis/acl`), and the value shapes Flux uses.
//!
//! A field that is not an `Option` is required, as in the Go types; unknown
//! fields are rejected, as the API server's strict field validation does.

#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// The pattern Flux's CRDs put on every `metav1.Duration` field.
pub const DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$";
/// Timeouts of the sources and notifications take no hours.
pub const SHORT_DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$";

macro_rules! string_schema {
    ($name:ident, $schema:tt) => {
        pub struct $name;
        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

// `interval: 5m`, `timeout: 1h30m`.
string_schema!(Duration, {"type": "string", "format": "duration", "pattern": r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"});
// Source and notification timeouts: `ms`, `s` or `m` only.
string_schema!(ShortDuration, {"type": "string", "format": "duration", "pattern": r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$"});
// `apiextensionsv1.JSON`: any value, kept as is (Helm values, patch values).
string_schema!(AnyValue, {"x-kubernetes-preserve-unknown-fields": true});
// An object whose content this API does not describe (status, inline patches).
string_schema!(AnyObject, {"type": "object", "x-kubernetes-preserve-unknown-fields": true});

/// Reference to an object in the same namespace.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.meta.LocalObjectReference")]
pub struct LocalObjectReference {
    pub name: String,
}

/// Reference to an object in any namespace.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.meta.NamespacedObjectReference")]
pub struct NamespacedObjectReference {
    pub name: String,
    pub namespace: Option<String>,
}

/// Typed reference to an object in any namespace.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.meta.NamespacedObjectKindReference")]
pub struct NamespacedObjectKindReference {
    pub api_version: Option<String>,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A Secret and, optionally, a key in it.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.meta.SecretKeyReference")]
pub struct SecretKeyReference {
    pub name: String,
    pub key: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.meta.KubeConfigProvider")]
pub enum KubeConfigProvider {
    Aws,
    Azure,
    Gcp,
    Generic,
}

/// `spec.kubeConfig`: a kubeconfig from a Secret, or a cloud provider's cluster.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.meta.KubeConfigReference")]
pub struct KubeConfigReference {
    pub provider: Option<KubeConfigProvider>,
    pub cluster: Option<String>,
    #[schemars(regex(pattern = r"^https://.*"))]
    pub address: Option<String>,
    pub service_account_name: Option<String>,
    pub secret_ref: Option<SecretKeyReference>,
    /// Newer Flux releases: a ConfigMap with the cluster's connection details.
    pub config_map_ref: Option<LocalObjectReference>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.meta.ValuesKind")]
pub enum ValuesKind {
    Secret,
    ConfigMap,
}

/// `valuesFrom` of a HelmRelease.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.meta.ValuesReference")]
pub struct ValuesReference {
    pub kind: ValuesKind,
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    #[schemars(length(max = 253), regex(pattern = r"^[\-._a-zA-Z0-9]+$"))]
    pub values_key: Option<String>,
    #[schemars(length(max = 250), regex(pattern = r"^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$"))]
    pub target_path: Option<String>,
    pub optional: Option<bool>,
}

/// kustomize's resource selector, as Flux patches and drift rules use it.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.Selector")]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub annotation_selector: Option<String>,
    pub label_selector: Option<String>,
}

/// A strategic-merge or JSON 6902 patch, inline, with its target.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.Patch")]
pub struct Patch {
    pub patch: String,
    pub target: Option<Selector>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.kustomize.JSON6902Op")]
pub enum Json6902Op {
    Test,
    Remove,
    Add,
    Replace,
    Move,
    Copy,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.JSON6902")]
pub struct Json6902 {
    pub op: Json6902Op,
    pub path: String,
    pub from: Option<String>,
    pub value: Option<AnyValue>,
}

/// Deprecated `patchesJson6902` entries.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.JSON6902Patch")]
pub struct Json6902Patch {
    pub patch: Vec<Json6902>,
    pub target: Selector,
}

/// An image override: new name, tag or digest.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.Image")]
pub struct Image {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// CEL expressions that say when a custom resource is healthy.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.CustomHealthCheck")]
pub struct CustomHealthCheck {
    pub api_version: String,
    pub kind: String,
    pub current: String,
    pub in_progress: Option<String>,
    pub failed: Option<String>,
}

/// Labels and annotations added to every object.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.CommonMetadata")]
pub struct CommonMetadata {
    pub annotations: Option<BTreeMap<String, String>>,
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.acl.NamespaceSelector")]
pub struct NamespaceSelector {
    pub match_labels: Option<BTreeMap<String, String>>,
}

/// Provisional cross-namespace access list of the sources (`acl.AccessFrom`).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.acl.AccessFrom")]
pub struct AccessFrom {
    pub namespace_selectors: Vec<NamespaceSelector>,
}

/// Paths to leave alone in drift detection, and which objects they apply to.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.IgnoreRule")]
pub struct IgnoreRule {
    pub paths: Vec<String>,
    pub target: Option<Selector>,
}

/// The top of every Flux object. `metadata` is checked as ObjectMeta by the
/// validator whatever the kind's schema says; `status` is written by the
/// controllers and not checked.
macro_rules! flux_kind {
    ($name:ident, $schema_name:literal, $spec:ty) => {
        #[derive(schemars::JsonSchema)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        #[schemars(rename = $schema_name)]
        pub struct $name {
            pub api_version: Option<String>,
            pub kind: Option<String>,
            pub metadata: Option<crate::flux::meta::AnyObject>,
            pub spec: Option<$spec>,
            pub status: Option<crate::flux::meta::AnyObject>,
        }
    };
}

pub(crate) use flux_kind;
