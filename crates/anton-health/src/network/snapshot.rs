//! What `anton network` looks at: IngressClasses and Ingresses, the Services
//! and EndpointSlices behind them, the ingress controllers' and the tunnel and
//! DNS workloads, Cilium LB-IPAM pools, cert-manager's objects, Gateway API
//! HTTPRoutes, the certificates of the TLS Secrets Ingresses use, cloudflared's
//! `/ready`, and (with `--probe`) what DNS and HTTPS answered.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The network side of one cluster at one moment.
///
/// `Option` fields are `None` when that part is not installed (no Cilium,
/// cert-manager or Gateway API CRDs) or could not be read (see `unread`); the
/// checks then skip it instead of reporting its absence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkSnapshot {
    /// When the objects were read (RFC 3339).
    pub recorded_at: Option<String>,
    pub ingress_classes: Vec<IngressClass>,
    pub ingresses: Vec<Ingress>,
    pub services: Vec<Service>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub deployments: Vec<Deployment>,
    pub daemon_sets: Vec<DaemonSet>,
    /// cloudflared's pods only (the ones whose `/ready` is read).
    pub tunnel_pods: Vec<Pod>,
    /// Cilium `CiliumLoadBalancerIPPool`s; `None` when LB-IPAM's CRD is not installed.
    pub ip_pools: Option<Vec<Value>>,
    /// cert-manager; `None` when its CRDs are not installed.
    pub certificates: Option<Vec<Value>>,
    pub certificate_requests: Option<Vec<Value>>,
    pub issuers: Option<Vec<Value>>,
    pub cluster_issuers: Option<Vec<Value>>,
    /// Gateway API HTTPRoutes; `None` when the CRD is not installed.
    pub http_routes: Option<Vec<Value>>,
    /// The certificates (`tls.crt` only, never the key) of the TLS Secrets
    /// Ingresses name; `None` when Secrets could not be read.
    pub tls_secrets: Option<Vec<TlsSecret>>,
    /// TLS Secrets an Ingress names that are not of type `kubernetes.io/tls`
    /// and could not be read by name (`namespace/name`): unknown, not missing.
    pub tls_secrets_unread: Vec<String>,
    /// cloudflared's `/ready`, one per pod read.
    pub tunnel_readiness: Vec<TunnelReadiness>,
    /// Why cloudflared's `/ready` was not read at all (the permission that would add it).
    pub tunnel_unchecked: Option<String>,
    /// `--probe`: what DNS and HTTPS answered; `None` without `--probe`.
    pub probes: Option<Vec<HostProbe>>,
    /// Kinds that could not be read, and why ("Secrets: this user may not list them").
    pub unread: Vec<String>,
}

/// A TLS Secret an Ingress names: its `tls.crt` as PEM (public), or why not.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsSecret {
    pub namespace: String,
    pub name: String,
    /// The `tls.crt` PEM; `None` when the Secret has none.
    pub certificate: Option<String>,
}

/// How a [`TunnelReadiness`] error starts when cloudflared itself answered
/// 503 (not ready) without its JSON; the API server's own 503 (it could not
/// reach the pod) reads differently and is not a tunnel finding.
pub const NOT_READY_ANSWER: &str = "cloudflared answered not ready";

/// cloudflared's `GET /ready` on its metrics port, through the API server's pod proxy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TunnelReadiness {
    pub namespace: String,
    pub pod: String,
    pub port: u16,
    /// The JSON body (`{"status":200,"readyConnections":4,…}`), when it answered with one.
    pub body: Option<Value>,
    /// Why there is no body: refused, unreachable, not JSON, 503.
    pub error: Option<String>,
    /// The user may not get `pods/proxy`.
    pub forbidden: bool,
}

/// One Ingress host, probed from where anton runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostProbe {
    pub host: String,
    /// The IngressClass of the Ingress (or Ingresses) that serve it.
    pub class: Option<String>,
    /// The DNS server asked (k8s-gateway's LoadBalancer address and port).
    pub dns_server: Option<String>,
    /// What DNS answered (A and AAAA).
    pub resolved: Vec<String>,
    /// Why resolving failed (NXDOMAIN, timeout).
    pub dns_error: Option<String>,
    /// The controller's LoadBalancer addresses the answer should contain.
    pub expected: Vec<String>,
    /// Where the HTTPS GET went (`address:port`).
    pub https_target: Option<String>,
    /// The HTTP status of the last response (after same-host redirects).
    pub status: Option<u16>,
    /// A redirect to another host, not followed.
    pub redirect: Option<String>,
    /// Redirects that went round in a loop, or too many of them.
    pub redirect_error: Option<String>,
    /// TLS failed: the handshake or the certificate.
    pub tls_error: Option<String>,
    /// Connecting or the request failed otherwise.
    pub error: Option<String>,
    pub timed_out: bool,
    pub elapsed_ms: Option<u64>,
}

impl NetworkSnapshot {
    /// Reads a recorded snapshot (`anton network --save-snapshot`).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Whether `what` (as the fetch names it: "IngressClasses", "Services") was read.
    pub fn was_read(&self, what: &str) -> bool {
        !self.unread.iter().any(|reason| reason.starts_with(what))
    }

    /// Objects the checks examined, as `Kind/namespace/name`: the report's `total`.
    pub fn subjects(&self) -> Vec<String> {
        use crate::storage::custom_id;
        use crate::util::object_id;
        let mut out = Vec::new();
        for c in &self.ingress_classes {
            out.push(object_id("IngressClass", None, c.metadata.name.as_deref().unwrap_or("")));
        }
        for i in &self.ingresses {
            out.push(object_id("Ingress", i.metadata.namespace.as_deref(), i.metadata.name.as_deref().unwrap_or("")));
        }
        for s in &self.services {
            if s.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer") {
                out.push(object_id("Service", s.metadata.namespace.as_deref(), s.metadata.name.as_deref().unwrap_or("")));
            }
        }
        let custom = self
            .ip_pools
            .iter()
            .flatten()
            .chain(self.certificates.iter().flatten())
            .chain(self.issuers.iter().flatten())
            .chain(self.cluster_issuers.iter().flatten())
            .chain(self.http_routes.iter().flatten());
        out.extend(custom.map(custom_id));
        out
    }
}
