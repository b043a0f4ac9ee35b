//! `source.toolkit.fluxcd.io`: GitRepository, OCIRepository, HelmRepository,
//! Bucket and HelmChart in v1 (current; OCIRepository since Flux 2.6) and
//! v1beta2 (previous), and ExternalArtifact (v1).

use schemars::JsonSchema;

use crate::flux::meta::{
    AccessFrom, Duration, LocalObjectReference, NamespacedObjectKindReference, ShortDuration, flux_kind,
};

// --- GitRepository -----------------------------------------------------------

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.source.GitProvider")]
pub enum GitProvider {
    Generic,
    Aws,
    Azure,
    Github,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.GitRepositoryRef")]
pub struct GitRepositoryRef {
    pub branch: Option<String>,
    pub tag: Option<String>,
    pub semver: Option<String>,
    pub name: Option<String>,
    pub commit: Option<String>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.source.GitVerificationMode")]
pub enum GitVerificationMode {
    #[serde(rename = "head")]
    Head,
    #[serde(rename = "HEAD")]
    HeadUpper,
    Tag,
    TagAndHEAD,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.GitRepositoryVerification")]
pub struct GitRepositoryVerification {
    pub mode: Option<GitVerificationMode>,
    pub secret_ref: LocalObjectReference,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.GitRepositoryInclude")]
pub struct GitRepositoryInclude {
    pub repository: LocalObjectReference,
    pub from_path: Option<String>,
    pub to_path: Option<String>,
}

/// v1beta2 only: the Git library (removed in v1, go-git is the only one).
#[derive(JsonSchema)]
#[schemars(rename = "flux.source.GitImplementation")]
pub enum GitImplementation {
    #[serde(rename = "go-git")]
    GoGit,
    #[serde(rename = "libgit2")]
    Libgit2,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.GitRepositorySpec")]
pub struct GitRepositorySpec {
    #[schemars(regex(pattern = r"^(http|https|ssh)://.*$"))]
    pub url: String,
    pub secret_ref: Option<LocalObjectReference>,
    pub provider: Option<GitProvider>,
    pub service_account_name: Option<String>,
    pub interval: Duration,
    pub timeout: Option<ShortDuration>,
    #[serde(rename = "ref")]
    pub reference: Option<GitRepositoryRef>,
    pub verify: Option<GitRepositoryVerification>,
    pub proxy_secret_ref: Option<LocalObjectReference>,
    pub ignore: Option<String>,
    pub suspend: Option<bool>,
    pub recurse_submodules: Option<bool>,
    pub include: Option<Vec<GitRepositoryInclude>>,
    pub sparse_checkout: Option<Vec<String>>,
    /// v1beta2 only.
    pub git_implementation: Option<GitImplementation>,
    /// v1beta2 only.
    pub access_from: Option<AccessFrom>,
}

// --- OCIRepository -----------------------------------------------------------

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.source.CloudProvider")]
pub enum CloudProvider {
    Generic,
    Aws,
    Azure,
    Gcp,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.OCIRepositoryRef")]
pub struct OciRepositoryRef {
    pub digest: Option<String>,
    pub semver: Option<String>,
    pub semver_filter: Option<String>,
    pub tag: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.source.LayerOperation")]
pub enum LayerOperation {
    Extract,
    Copy,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.OCILayerSelector")]
pub struct OciLayerSelector {
    pub media_type: Option<String>,
    pub operation: Option<LayerOperation>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.source.VerificationProvider")]
pub enum VerificationProvider {
    Cosign,
    Notation,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.OIDCIdentityMatch")]
pub struct OidcIdentityMatch {
    pub issuer: String,
    pub subject: String,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.OCIRepositoryVerification")]
pub struct OciRepositoryVerification {
    pub provider: VerificationProvider,
    pub secret_ref: Option<LocalObjectReference>,
    #[serde(rename = "matchOIDCIdentity")]
    pub match_oidc_identity: Option<Vec<OidcIdentityMatch>>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.OCIRepositorySpec")]
pub struct OciRepositorySpec {
    #[schemars(regex(pattern = r"^oci://.*$"))]
    pub url: String,
    #[serde(rename = "ref")]
    pub reference: Option<OciRepositoryRef>,
    pub layer_selector: Option<OciLayerSelector>,
    pub provider: Option<CloudProvider>,
    pub secret_ref: Option<LocalObjectReference>,
    pub verify: Option<OciRepositoryVerification>,
    pub service_account_name: Option<String>,
    pub cert_secret_ref: Option<LocalObjectReference>,
    pub proxy_secret_ref: Option<LocalObjectReference>,
    pub interval: Duration,
    pub timeout: Option<ShortDuration>,
    pub ignore: Option<String>,
    pub insecure: Option<bool>,
    pub suspend: Option<bool>,
}

// --- HelmRepository ----------------------------------------------------------

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.source.HelmRepositoryType")]
pub enum HelmRepositoryType {
    Default,
    Oci,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.HelmRepositorySpec")]
pub struct HelmRepositorySpec {
    #[schemars(regex(pattern = r"^(http|https|oci)://.*$"))]
    pub url: String,
    pub secret_ref: Option<LocalObjectReference>,
    pub cert_secret_ref: Option<LocalObjectReference>,
    pub pass_credentials: Option<bool>,
    pub interval: Option<Duration>,
    pub insecure: Option<bool>,
    pub timeout: Option<ShortDuration>,
    pub suspend: Option<bool>,
    pub access_from: Option<AccessFrom>,
    #[serde(rename = "type")]
    pub repository_type: Option<HelmRepositoryType>,
    pub provider: Option<CloudProvider>,
}

// --- Bucket ------------------------------------------------------------------

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.source.StsProvider")]
pub enum StsProvider {
    Aws,
    Ldap,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.BucketSTSSpec")]
pub struct BucketStsSpec {
    pub provider: StsProvider,
    #[schemars(regex(pattern = r"^(http|https)://.*$"))]
    pub endpoint: String,
    pub secret_ref: Option<LocalObjectReference>,
    pub cert_secret_ref: Option<LocalObjectReference>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.BucketSpec")]
pub struct BucketSpec {
    pub provider: Option<CloudProvider>,
    pub bucket_name: String,
    pub endpoint: String,
    pub sts: Option<BucketStsSpec>,
    pub insecure: Option<bool>,
    pub region: Option<String>,
    pub prefix: Option<String>,
    pub secret_ref: Option<LocalObjectReference>,
    pub service_account_name: Option<String>,
    pub cert_secret_ref: Option<LocalObjectReference>,
    pub proxy_secret_ref: Option<LocalObjectReference>,
    pub interval: Duration,
    pub timeout: Option<ShortDuration>,
    pub ignore: Option<String>,
    pub suspend: Option<bool>,
    /// v1beta2 only.
    pub access_from: Option<AccessFrom>,
}

// --- HelmChart ---------------------------------------------------------------

#[derive(JsonSchema)]
#[schemars(rename = "flux.source.HelmChartSourceKind")]
pub enum HelmChartSourceKind {
    HelmRepository,
    GitRepository,
    Bucket,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.LocalHelmChartSourceReference")]
pub struct LocalHelmChartSourceReference {
    pub api_version: Option<String>,
    pub kind: HelmChartSourceKind,
    pub name: String,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.source.ReconcileStrategy")]
pub enum ReconcileStrategy {
    ChartVersion,
    Revision,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.HelmChartSpec")]
pub struct HelmChartSpec {
    pub chart: String,
    pub version: Option<String>,
    pub source_ref: LocalHelmChartSourceReference,
    pub interval: Duration,
    pub reconcile_strategy: Option<ReconcileStrategy>,
    pub values_files: Option<Vec<String>>,
    /// Deprecated: use `valuesFiles`.
    pub values_file: Option<String>,
    pub ignore_missing_values_files: Option<bool>,
    pub suspend: Option<bool>,
    pub access_from: Option<AccessFrom>,
    pub verify: Option<OciRepositoryVerification>,
}

// --- ExternalArtifact --------------------------------------------------------

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.source.ExternalArtifactSpec")]
pub struct ExternalArtifactSpec {
    pub source_ref: Option<NamespacedObjectKindReference>,
}

flux_kind!(GitRepository, "flux.source.GitRepository", GitRepositorySpec);
flux_kind!(OciRepository, "flux.source.OCIRepository", OciRepositorySpec);
flux_kind!(HelmRepository, "flux.source.HelmRepository", HelmRepositorySpec);
flux_kind!(Bucket, "flux.source.Bucket", BucketSpec);
flux_kind!(HelmChart, "flux.source.HelmChart", HelmChartSpec);
flux_kind!(ExternalArtifact, "flux.source.ExternalArtifact", ExternalArtifactSpec);
