//! What `anton secrets` looks at: External Secrets Operator's custom
//! resources, the 1Password operator's OnePasswordItems, 1Password Connect's
//! Deployments and `/health`, the pods, and the *names* of the Secrets (their
//! metadata only: a value is never read).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The secrets side of one cluster at one moment.
///
/// `Option` fields are `None` when that kind was not read: its CRD is not
/// installed, or the user may not list it (see `unread`). The checks then
/// skip what depends on it instead of reporting its absence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretsSnapshot {
    /// When the objects were read (RFC 3339).
    pub recorded_at: Option<String>,
    pub external_secrets: Option<Vec<Value>>,
    pub cluster_external_secrets: Option<Vec<Value>>,
    pub push_secrets: Option<Vec<Value>>,
    pub secret_stores: Option<Vec<Value>>,
    pub cluster_secret_stores: Option<Vec<Value>>,
    /// `onepassword.com` OnePasswordItems (the 1Password operator).
    pub onepassword_items: Option<Vec<Value>>,
    /// The Secrets' metadata: name, namespace, labels, owners. Annotations
    /// are dropped (`kubectl.kubernetes.io/last-applied-configuration` holds
    /// the values of a Secret applied with kubectl).
    pub secrets: Option<Vec<ObjectMeta>>,
    pub pods: Option<Vec<Pod>>,
    /// Deployments running 1Password Connect (an `1password/connect-api` image).
    pub connect_deployments: Vec<Deployment>,
    /// Connect's `/health` through the API server's service proxy, one per
    /// in-cluster `connectHost` of the stores.
    pub connect_health: Vec<ConnectHealth>,
    /// What could not be read and why (`PushSecret: not permitted`).
    pub unread: Vec<String>,
}

/// One `GET /api/v1/namespaces/NS/services/NAME:PORT/proxy/health`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectHealth {
    pub namespace: String,
    pub service: String,
    pub port: String,
    /// Connect's answer (`name`, `version`, `dependencies[]`).
    pub body: Option<Value>,
    /// Why there is no answer: not permitted, unreachable, not JSON.
    pub error: Option<String>,
    /// The user may not use the service proxy (`services/proxy`).
    pub forbidden: bool,
}

impl SecretsSnapshot {
    /// Reads a recorded snapshot (`anton secrets --save-snapshot`).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Objects the checks examined, as `Kind/namespace/name`: the report's `total`.
    pub fn subjects(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            &self.external_secrets,
            &self.cluster_external_secrets,
            &self.push_secrets,
            &self.secret_stores,
            &self.cluster_secret_stores,
            &self.onepassword_items,
        ]
        .into_iter()
        .flatten()
        .flatten()
        .map(crate::storage::custom_id)
        .collect();
        for d in &self.connect_deployments {
            out.push(crate::util::object_id("Deployment", d.metadata.namespace.as_deref(), d.metadata.name.as_deref().unwrap_or("")));
        }
        out
    }

    /// Whether a Secret `namespace/name` exists; `None` when Secrets were not read.
    pub fn secret_exists(&self, namespace: &str, name: &str) -> Option<bool> {
        self.secret(namespace, name).map(|s| s.is_some())
    }

    /// The Secret's metadata; outer `None` when Secrets were not read.
    pub fn secret(&self, namespace: &str, name: &str) -> Option<Option<&ObjectMeta>> {
        let secrets = self.secrets.as_ref()?;
        Some(secrets.iter().find(|s| s.namespace.as_deref() == Some(namespace) && s.name.as_deref() == Some(name)))
    }
}

/// Keeps of a Secret's metadata only what the checks need: never its
/// annotations (they may hold the value) nor its managed fields.
pub fn secret_meta(meta: ObjectMeta) -> ObjectMeta {
    ObjectMeta {
        name: meta.name,
        namespace: meta.namespace,
        labels: meta.labels,
        owner_references: meta.owner_references,
        creation_timestamp: meta.creation_timestamp,
        uid: meta.uid,
        ..ObjectMeta::default()
    }
}

/// Whether a Deployment runs 1Password Connect.
pub fn is_connect(deployment: &Deployment) -> bool {
    deployment
        .spec
        .template
        .spec
        .as_ref()
        .is_some_and(|p| p.containers.iter().any(|c| c.image.as_deref().is_some_and(|i| i.contains("1password/connect-api"))))
}
