//! `notification.toolkit.fluxcd.io`: Alert and Provider (v1beta3, current;
//! v1beta2, previous) and Receiver (v1, current; v1beta2, previous).

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::flux::meta::{Duration, LocalObjectReference, ShortDuration, flux_kind};

/// Kinds an Alert listens to and a Receiver notifies.
#[derive(JsonSchema)]
#[schemars(rename = "flux.notification.ObjectKind")]
pub enum ObjectKind {
    Bucket,
    GitRepository,
    Kustomization,
    HelmRelease,
    HelmChart,
    HelmRepository,
    ImageRepository,
    ImagePolicy,
    ImageUpdateAutomation,
    OCIRepository,
    ExternalArtifact,
    ArtifactGenerator,
    FluxInstance,
    ResourceSet,
    ResourceSetInputProvider,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.notification.CrossNamespaceObjectReference")]
pub struct CrossNamespaceObjectReference {
    pub api_version: Option<String>,
    pub kind: ObjectKind,
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    #[schemars(length(min = 1, max = 253))]
    pub namespace: Option<String>,
    pub match_labels: Option<BTreeMap<String, String>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.notification.EventSeverity")]
pub enum EventSeverity {
    Info,
    Error,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.notification.AlertSpec")]
pub struct AlertSpec {
    pub provider_ref: LocalObjectReference,
    pub event_severity: Option<EventSeverity>,
    pub event_sources: Vec<CrossNamespaceObjectReference>,
    pub inclusion_list: Option<Vec<String>>,
    pub event_metadata: Option<BTreeMap<String, String>>,
    pub exclusion_list: Option<Vec<String>>,
    #[schemars(length(max = 255))]
    pub summary: Option<String>,
    pub suspend: Option<bool>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "flux.notification.ProviderType")]
pub enum ProviderType {
    Slack,
    Discord,
    Msteams,
    Rocket,
    Generic,
    #[serde(rename = "generic-hmac")]
    GenericHmac,
    Github,
    Gitlab,
    Gitea,
    Bitbucketserver,
    Bitbucket,
    Azuredevops,
    Googlechat,
    Googlepubsub,
    Webex,
    Sentry,
    Azureeventhub,
    Telegram,
    Lark,
    Matrix,
    Opsgenie,
    Alertmanager,
    Grafana,
    Githubdispatch,
    Pagerduty,
    Datadog,
    Nats,
    Zulip,
    Otel,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.notification.ProviderSpec")]
pub struct ProviderSpec {
    #[serde(rename = "type")]
    pub provider_type: ProviderType,
    /// Deprecated in v1beta3.
    pub interval: Option<Duration>,
    #[schemars(length(max = 2048))]
    pub channel: Option<String>,
    #[schemars(length(max = 2048))]
    pub username: Option<String>,
    #[schemars(length(max = 2048))]
    pub address: Option<String>,
    pub timeout: Option<ShortDuration>,
    /// Deprecated: use `proxySecretRef`.
    #[schemars(length(max = 2048), regex(pattern = r"^(http|https)://.*$"))]
    pub proxy: Option<String>,
    pub proxy_secret_ref: Option<LocalObjectReference>,
    pub secret_ref: Option<LocalObjectReference>,
    pub service_account_name: Option<String>,
    pub cert_secret_ref: Option<LocalObjectReference>,
    pub suspend: Option<bool>,
    pub commit_status_expr: Option<String>,
}

#[derive(JsonSchema)]
#[schemars(rename = "flux.notification.ReceiverType")]
pub enum ReceiverType {
    #[serde(rename = "generic")]
    Generic,
    #[serde(rename = "generic-hmac")]
    GenericHmac,
    #[serde(rename = "generic-oidc")]
    GenericOidc,
    #[serde(rename = "github")]
    Github,
    #[serde(rename = "gitlab")]
    Gitlab,
    #[serde(rename = "bitbucket")]
    Bitbucket,
    #[serde(rename = "harbor")]
    Harbor,
    #[serde(rename = "dockerhub")]
    Dockerhub,
    #[serde(rename = "quay")]
    Quay,
    #[serde(rename = "gcr")]
    Gcr,
    #[serde(rename = "nexus")]
    Nexus,
    #[serde(rename = "acr")]
    Acr,
    #[serde(rename = "cdevents")]
    Cdevents,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.notification.OIDCVariable")]
pub struct OidcVariable {
    pub name: String,
    pub expression: String,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.notification.OIDCValidation")]
pub struct OidcValidation {
    pub expression: String,
    pub message: String,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.notification.OIDCProvider")]
pub struct OidcProvider {
    #[serde(rename = "issuerURL")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub issuer_url: String,
    pub audience: Option<String>,
    pub variables: Option<Vec<OidcVariable>>,
    #[schemars(length(min = 1))]
    pub validations: Vec<OidcValidation>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "flux.notification.ReceiverSpec")]
pub struct ReceiverSpec {
    #[serde(rename = "type")]
    pub receiver_type: ReceiverType,
    pub interval: Option<Duration>,
    pub events: Option<Vec<String>>,
    pub resources: Vec<CrossNamespaceObjectReference>,
    pub resource_filter: Option<String>,
    /// Required for every type but `generic-oidc` (a CEL rule the API server checks).
    pub secret_ref: Option<LocalObjectReference>,
    #[serde(rename = "oidcProviders")]
    pub oidc_providers: Option<Vec<OidcProvider>>,
    pub suspend: Option<bool>,
}

flux_kind!(Alert, "flux.notification.Alert", AlertSpec);
flux_kind!(Provider, "flux.notification.Provider", ProviderSpec);
flux_kind!(Receiver, "flux.notification.Receiver", ReceiverSpec);
