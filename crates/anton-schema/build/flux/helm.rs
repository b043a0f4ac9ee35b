//! `helm.toolkit.fluxcd.io`: HelmRelease v2 (current), v2beta2 and v2beta1
//! (previous; still found in many repositories).
//!
//! There is no `spec.retryInterval` in any HelmRelease version (retries are
//! `spec.install.remediation.retries` / `spec.upgrade.remediation.retries`,
//! or the `RetryOnFailure` strategy's `retryInterval`).

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::flux::meta::{
    AnyValue, CommonMetadata, Duration, IgnoreRule, Image, Json6902Patch, KubeConfigReference, LocalObjectReference,
    Patch, ValuesReference, flux_kind,
};

#[derive(JsonSchema)]
#[schemars(rename = "flux.helm.ChartSourceKind")]
pub enum ChartSourceKind {
    HelmRepository,
    GitRepository,
    Bucket,
}

/// `spec.chart.spec.sourceRef`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.CrossNamespaceObjectReference")]
pub struct CrossNamespaceObjectReference {
    pub api_version: Option<String>,
    pub kind: ChartSourceKind,
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.helm.ChartRefKind")]
pub enum ChartRefKind {
    OCIRepository,
    HelmChart,
    ExternalArtifact,
}

/// `spec.chartRef`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.CrossNamespaceSourceReference")]
pub struct CrossNamespaceSourceReference {
    pub api_version: Option<String>,
    pub kind: ChartRefKind,
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.helm.VerificationProvider")]
pub enum VerificationProvider {
    Cosign,
    Notation,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.HelmChartTemplateVerification")]
pub struct HelmChartTemplateVerification {
    pub provider: VerificationProvider,
    pub secret_ref: Option<LocalObjectReference>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.helm.ReconcileStrategy")]
pub enum ReconcileStrategy {
    ChartVersion,
    Revision,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.HelmChartTemplateSpec")]
pub struct HelmChartTemplateSpec {
    #[schemars(length(min = 1, max = 2048))]
    pub chart: String,
    pub version: Option<String>,
    pub source_ref: CrossNamespaceObjectReference,
    pub interval: Option<Duration>,
    pub reconcile_strategy: Option<ReconcileStrategy>,
    pub values_files: Option<Vec<String>>,
    /// Deprecated: use `valuesFiles`.
    pub values_file: Option<String>,
    pub ignore_missing_values_files: Option<bool>,
    pub verify: Option<HelmChartTemplateVerification>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.HelmChartTemplateObjectMeta")]
pub struct HelmChartTemplateObjectMeta {
    pub labels: Option<BTreeMap<String, String>>,
    pub annotations: Option<BTreeMap<String, String>>,
}

/// `spec.chart`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.HelmChartTemplate")]
pub struct HelmChartTemplate {
    pub metadata: Option<HelmChartTemplateObjectMeta>,
    pub spec: HelmChartTemplateSpec,
}

/// `spec.dependsOn` entries (`readyExpr` in newer releases).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.DependencyReference")]
pub struct DependencyReference {
    pub name: String,
    pub namespace: Option<String>,
    pub ready_expr: Option<String>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.helm.CRDsPolicy")]
pub enum CrdsPolicy {
    Skip,
    Create,
    CreateReplace,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.helm.RemediationStrategy")]
pub enum RemediationStrategy {
    Rollback,
    Uninstall,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.InstallRemediation")]
pub struct InstallRemediation {
    /// Negative means unlimited.
    pub retries: Option<i64>,
    pub ignore_test_failures: Option<bool>,
    pub remediate_last_failure: Option<bool>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.UpgradeRemediation")]
pub struct UpgradeRemediation {
    pub retries: Option<i64>,
    pub ignore_test_failures: Option<bool>,
    pub remediate_last_failure: Option<bool>,
    pub strategy: Option<RemediationStrategy>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.helm.ActionStrategyName")]
pub enum ActionStrategyName {
    RemediateOnFailure,
    RetryOnFailure,
}

/// `install.strategy` / `upgrade.strategy` (newer releases).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.ActionStrategy")]
pub struct ActionStrategy {
    pub name: ActionStrategyName,
    pub retry_interval: Option<Duration>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.Install")]
pub struct Install {
    pub timeout: Option<Duration>,
    pub remediation: Option<InstallRemediation>,
    pub strategy: Option<ActionStrategy>,
    pub disable_wait: Option<bool>,
    pub disable_wait_for_jobs: Option<bool>,
    pub disable_hooks: Option<bool>,
    #[serde(rename = "disableOpenAPIValidation")]
    pub disable_open_api_validation: Option<bool>,
    pub disable_schema_validation: Option<bool>,
    pub disable_take_ownership: Option<bool>,
    pub server_side_apply: Option<bool>,
    pub replace: Option<bool>,
    /// Deprecated: use `crds: Skip`.
    #[serde(rename = "skipCRDs")]
    pub skip_crds: Option<bool>,
    pub crds: Option<CrdsPolicy>,
    pub create_namespace: Option<bool>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.Upgrade")]
pub struct Upgrade {
    pub timeout: Option<Duration>,
    pub remediation: Option<UpgradeRemediation>,
    pub strategy: Option<ActionStrategy>,
    pub disable_wait: Option<bool>,
    pub disable_wait_for_jobs: Option<bool>,
    pub disable_hooks: Option<bool>,
    #[serde(rename = "disableOpenAPIValidation")]
    pub disable_open_api_validation: Option<bool>,
    pub disable_schema_validation: Option<bool>,
    pub disable_take_ownership: Option<bool>,
    pub server_side_apply: Option<bool>,
    pub force: Option<bool>,
    pub preserve_values: Option<bool>,
    pub cleanup_on_fail: Option<bool>,
    pub crds: Option<CrdsPolicy>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.Filter")]
pub struct Filter {
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    pub exclude: Option<bool>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.Test")]
pub struct Test {
    pub enable: Option<bool>,
    pub timeout: Option<Duration>,
    pub ignore_failures: Option<bool>,
    pub filters: Option<Vec<Filter>>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.Rollback")]
pub struct Rollback {
    pub timeout: Option<Duration>,
    pub disable_wait: Option<bool>,
    pub disable_wait_for_jobs: Option<bool>,
    pub disable_hooks: Option<bool>,
    pub recreate: Option<bool>,
    pub force: Option<bool>,
    pub cleanup_on_fail: Option<bool>,
    pub server_side_apply: Option<bool>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.helm.DeletionPropagation")]
pub enum DeletionPropagation {
    Background,
    Foreground,
    Orphan,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.Uninstall")]
pub struct Uninstall {
    pub timeout: Option<Duration>,
    pub disable_hooks: Option<bool>,
    pub keep_history: Option<bool>,
    pub disable_wait: Option<bool>,
    pub deletion_propagation: Option<DeletionPropagation>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.helm.DriftDetectionMode")]
pub enum DriftDetectionMode {
    Enabled,
    Warn,
    Disabled,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.DriftDetection")]
pub struct DriftDetection {
    pub mode: Option<DriftDetectionMode>,
    pub ignore: Option<Vec<IgnoreRule>>,
}

/// The kustomize post-renderer: patches and image overrides on the rendered chart.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.Kustomize")]
pub struct Kustomize {
    pub patches: Option<Vec<Patch>>,
    /// Deprecated (v2beta1, v2beta2): use `patches`.
    pub patches_strategic_merge: Option<Vec<AnyValue>>,
    /// Deprecated (v2beta1, v2beta2): use `patches`.
    #[serde(rename = "patchesJson6902")]
    pub patches_json6902: Option<Vec<Json6902Patch>>,
    pub images: Option<Vec<Image>>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.helm.PostRenderer")]
pub struct PostRenderer {
    pub kustomize: Option<Kustomize>,
}

/// The fields every HelmRelease version shares, after `chart`/`chartRef`.
macro_rules! helm_release_spec {
    ($name:ident, $schema_name:literal, chart: $chart:ty) => {
        #[derive(JsonSchema)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        #[schemars(rename = $schema_name)]
        pub struct $name {
            pub chart: $chart,
            pub chart_ref: Option<CrossNamespaceSourceReference>,
            pub interval: Duration,
            pub kube_config: Option<KubeConfigReference>,
            pub suspend: Option<bool>,
            #[schemars(length(min = 1, max = 53))]
            pub release_name: Option<String>,
            #[schemars(length(min = 1, max = 63))]
            pub target_namespace: Option<String>,
            #[schemars(length(min = 1, max = 63))]
            pub storage_namespace: Option<String>,
            pub depends_on: Option<Vec<DependencyReference>>,
            pub timeout: Option<Duration>,
            pub max_history: Option<i64>,
            #[schemars(length(min = 1, max = 253))]
            pub service_account_name: Option<String>,
            pub persistent_client: Option<bool>,
            pub drift_detection: Option<DriftDetection>,
            pub install: Option<Install>,
            pub upgrade: Option<Upgrade>,
            pub test: Option<Test>,
            pub rollback: Option<Rollback>,
            pub uninstall: Option<Uninstall>,
            pub values_from: Option<Vec<ValuesReference>>,
            pub values: Option<AnyValue>,
            pub post_renderers: Option<Vec<PostRenderer>>,
            pub common_metadata: Option<CommonMetadata>,
        }
    };
}

helm_release_spec!(HelmReleaseSpecV2, "flux.helm.v2.HelmReleaseSpec", chart: Option<HelmChartTemplate>);
// v2beta1 has no chartRef: the chart template is required.
helm_release_spec!(HelmReleaseSpecV2beta1, "flux.helm.v2beta1.HelmReleaseSpec", chart: HelmChartTemplate);

flux_kind!(HelmReleaseV2, "flux.helm.v2.HelmRelease", HelmReleaseSpecV2);
flux_kind!(HelmReleaseV2beta1, "flux.helm.v2beta1.HelmRelease", HelmReleaseSpecV2beta1);
