//! What `anton secrets` looks at: External Secrets Operator's custom
//! resources, the 1Password operator's OnePasswordItems, 1Password Connect's
//! Deployments and `/health`, the pods, and the *names* of the Secrets (their
//! metadata only: a value is never read).

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, EnvFromSource, EnvVar, EnvVarSource, Pod, PodSpec, PodStatus, PodTemplateSpec, ProjectedVolumeSource, Volume,
    VolumeProjection,
};
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
    /// Pods reduced by [`pod_for_checks`]: never a literal `env[].value`
    /// nor an annotation (either may hold a credential).
    pub pods: Option<Vec<Pod>>,
    /// Deployments running 1Password Connect (an `1password/connect-api`
    /// image), reduced by [`deployment_for_checks`].
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
        let mut snapshot: Self = serde_json::from_str(text)?;
        // A snapshot saved by an older anton may hold whole pods and Deployments.
        snapshot.pods = snapshot.pods.map(|pods| pods.into_iter().map(pod_for_checks).collect());
        snapshot.connect_deployments = snapshot.connect_deployments.into_iter().map(deployment_for_checks).collect();
        Ok(snapshot)
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

/// Keeps of a Pod only what the checks read: its name, namespace and labels,
/// [`pod_spec_for_checks`], the phase and each container's readiness and
/// waiting reason. The annotations and everything else are dropped: they
/// may hold credentials, and a saved snapshot is shared.
pub fn pod_for_checks(pod: Pod) -> Pod {
    let status = |s: ContainerStatus| ContainerStatus {
        name: s.name,
        ready: s.ready,
        restart_count: s.restart_count,
        state: s.state.map(|st| ContainerState {
            waiting: st.waiting.map(|mut w| {
                w.message = None;
                w
            }),
            ..ContainerState::default()
        }),
        ..ContainerStatus::default()
    };
    Pod {
        metadata: meta_for_checks(pod.metadata),
        spec: pod.spec.map(pod_spec_for_checks),
        status: pod.status.map(|s| PodStatus {
            phase: s.phase,
            container_statuses: s.container_statuses.map(|c| c.into_iter().map(status).collect()),
            ..PodStatus::default()
        }),
    }
}

/// Keeps of a Connect Deployment what the checks read: replicas, selector,
/// the pod template's labels and [`pod_spec_for_checks`], and its status.
pub fn deployment_for_checks(deployment: Deployment) -> Deployment {
    Deployment {
        metadata: ObjectMeta { generation: deployment.metadata.generation, ..meta_for_checks(deployment.metadata) },
        spec: DeploymentSpec {
            replicas: deployment.spec.replicas,
            selector: deployment.spec.selector,
            template: PodTemplateSpec {
                metadata: deployment.spec.template.metadata.map(|m| ObjectMeta { labels: m.labels, ..ObjectMeta::default() }),
                spec: deployment.spec.template.spec.map(pod_spec_for_checks),
            },
            ..DeploymentSpec::default()
        },
        status: deployment.status,
    }
}

fn meta_for_checks(meta: ObjectMeta) -> ObjectMeta {
    ObjectMeta { name: meta.name, namespace: meta.namespace, labels: meta.labels, owner_references: meta.owner_references, ..ObjectMeta::default() }
}

/// Per container its name and image, the names of its env variables with
/// only their `valueFrom.secretKeyRef` (never a literal `value`), and its
/// `envFrom` Secrets; the Secret volumes.
pub fn pod_spec_for_checks(spec: PodSpec) -> PodSpec {
    let container = |c: Container| Container {
        name: c.name,
        image: c.image,
        env: c.env.map(|env| {
            env.into_iter()
                .map(|e| EnvVar {
                    name: e.name,
                    value: None,
                    value_from: e
                        .value_from
                        .and_then(|v| v.secret_key_ref)
                        .map(|r| EnvVarSource { secret_key_ref: Some(r), ..EnvVarSource::default() }),
                })
                .collect()
        }),
        env_from: c.env_from.map(|from| {
            from.into_iter()
                .filter(|f| f.secret_ref.is_some())
                .map(|f| EnvFromSource { secret_ref: f.secret_ref, ..EnvFromSource::default() })
                .collect()
        }),
        ..Container::default()
    };
    let volume = |v: Volume| Volume {
        name: v.name,
        secret: v.secret,
        projected: v.projected.map(|p| ProjectedVolumeSource {
            sources: p.sources.map(|sources| {
                sources
                    .into_iter()
                    .filter(|s| s.secret.is_some())
                    .map(|s| VolumeProjection { secret: s.secret, ..VolumeProjection::default() })
                    .collect()
            }),
            ..ProjectedVolumeSource::default()
        }),
        ..Volume::default()
    };
    PodSpec {
        containers: spec.containers.into_iter().map(container).collect(),
        init_containers: spec.init_containers.map(|c| c.into_iter().map(container).collect()),
        volumes: spec.volumes.map(|v| v.into_iter().map(volume).collect()),
        ..PodSpec::default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_keeps_its_secret_references_and_loses_literal_values() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "app", "namespace": "media", "labels": {"app": "a"}, "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "hunter2"}},
            "spec": {"containers": [{"name": "app", "image": "app:1",
                "env": [{"name": "PASSWORD", "value": "hunter2"}, {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                "envFrom": [{"secretRef": {"name": "all"}}, {"configMapRef": {"name": "cm"}}]}],
                "volumes": [{"name": "v", "secret": {"secretName": "vol"}}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 2, "image": "app:1", "imageID": "x",
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "hunter2"}}}]},
        }))
        .unwrap();
        let kept = pod_for_checks(pod);
        let text = serde_json::to_string(&kept).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("PASSWORD") && text.contains("\"name\":\"s\"") && text.contains("\"name\":\"all\"") && text.contains("vol"), "{text}");
        assert!(text.contains("CrashLoopBackOff") && text.contains("\"app\":\"a\""), "{text}");
        assert!(!text.contains("configMapRef"), "{text}");
    }
}
