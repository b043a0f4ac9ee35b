//! `kustomize.toolkit.fluxcd.io`: Kustomization, v1 (current) and v1beta2
//! (previous, still served by Flux 2.x).
//!
//! Note: `spec.retryInterval` is a field of Kustomization v1 (and v1beta2);
//! HelmRelease has no such field.

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::flux::meta::{
    AnyValue, CommonMetadata, CustomHealthCheck, Duration, IgnoreRule, Image, Json6902Patch, KubeConfigReference,
    LocalObjectReference, NamespacedObjectKindReference, Patch, flux_kind,
};

#[derive(JsonSchema)]
#[schemars(rename = "flux.kustomize.SourceKind")]
pub enum SourceKind {
    OCIRepository,
    GitRepository,
    Bucket,
    ExternalArtifact,
}

/// `spec.sourceRef`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.CrossNamespaceSourceReference")]
pub struct CrossNamespaceSourceReference {
    pub api_version: Option<String>,
    pub kind: SourceKind,
    pub name: String,
    pub namespace: Option<String>,
}

/// `spec.dependsOn` entries.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.DependencyReference")]
pub struct DependencyReference {
    pub name: String,
    pub namespace: Option<String>,
    /// A CEL expression replacing the built-in readiness check.
    pub ready_expr: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.kustomize.DecryptionProvider")]
pub enum DecryptionProvider {
    Sops,
}

/// `spec.decryption`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.Decryption")]
pub struct Decryption {
    pub provider: DecryptionProvider,
    pub service_account_name: Option<String>,
    pub secret_ref: Option<LocalObjectReference>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.kustomize.SubstituteKind")]
pub enum SubstituteKind {
    Secret,
    ConfigMap,
}

/// `spec.postBuild.substituteFrom` entries.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.SubstituteReference")]
pub struct SubstituteReference {
    pub kind: SubstituteKind,
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    pub optional: Option<bool>,
}

/// `spec.postBuild`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.PostBuild")]
pub struct PostBuild {
    pub substitute: Option<BTreeMap<String, String>>,
    pub substitute_from: Option<Vec<SubstituteReference>>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.kustomize.DeletionPolicy")]
pub enum DeletionPolicy {
    MirrorPrune,
    Delete,
    WaitForTermination,
    Orphan,
}

/// v1beta2's `spec.validation` (removed in v1: the server validates).
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.kustomize.Validation")]
pub enum Validation {
    None,
    Client,
    Server,
}

/// Kustomization v1 `spec`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.v1.KustomizationSpec")]
pub struct KustomizationSpecV1 {
    pub common_metadata: Option<CommonMetadata>,
    pub depends_on: Option<Vec<DependencyReference>>,
    pub decryption: Option<Decryption>,
    pub interval: Duration,
    pub retry_interval: Option<Duration>,
    pub kube_config: Option<KubeConfigReference>,
    pub path: Option<String>,
    pub post_build: Option<PostBuild>,
    pub prune: bool,
    pub deletion_policy: Option<DeletionPolicy>,
    pub health_checks: Option<Vec<NamespacedObjectKindReference>>,
    #[schemars(length(min = 1, max = 200))]
    pub name_prefix: Option<String>,
    #[schemars(length(min = 1, max = 200))]
    pub name_suffix: Option<String>,
    pub patches: Option<Vec<Patch>>,
    pub images: Option<Vec<Image>>,
    pub service_account_name: Option<String>,
    pub source_ref: CrossNamespaceSourceReference,
    pub suspend: Option<bool>,
    #[schemars(length(min = 1, max = 63))]
    pub target_namespace: Option<String>,
    pub timeout: Option<Duration>,
    pub force: Option<bool>,
    pub wait: Option<bool>,
    pub components: Option<Vec<String>>,
    pub ignore_missing_components: Option<bool>,
    pub health_check_exprs: Option<Vec<CustomHealthCheck>>,
    pub drift_ignore_rules: Option<Vec<IgnoreRule>>,
}

/// Kustomization v1beta2 `spec`: v1 plus the fields v1 dropped.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.kustomize.v1beta2.KustomizationSpec")]
pub struct KustomizationSpecV1beta2 {
    pub common_metadata: Option<CommonMetadata>,
    pub depends_on: Option<Vec<DependencyReference>>,
    pub decryption: Option<Decryption>,
    pub interval: Duration,
    pub retry_interval: Option<Duration>,
    pub kube_config: Option<KubeConfigReference>,
    pub path: Option<String>,
    pub post_build: Option<PostBuild>,
    pub prune: bool,
    pub health_checks: Option<Vec<NamespacedObjectKindReference>>,
    pub patches: Option<Vec<Patch>>,
    /// Deprecated: use `patches`.
    pub patches_strategic_merge: Option<Vec<AnyValue>>,
    /// Deprecated: use `patches`.
    #[serde(rename = "patchesJson6902")]
    pub patches_json6902: Option<Vec<Json6902Patch>>,
    pub images: Option<Vec<Image>>,
    pub service_account_name: Option<String>,
    pub source_ref: CrossNamespaceSourceReference,
    pub suspend: Option<bool>,
    #[schemars(length(min = 1, max = 63))]
    pub target_namespace: Option<String>,
    pub timeout: Option<Duration>,
    pub force: Option<bool>,
    pub wait: Option<bool>,
    pub validation: Option<Validation>,
    pub components: Option<Vec<String>>,
}

flux_kind!(KustomizationV1, "flux.kustomize.v1.Kustomization", KustomizationSpecV1);
flux_kind!(KustomizationV1beta2, "flux.kustomize.v1beta2.Kustomization", KustomizationSpecV1beta2);
