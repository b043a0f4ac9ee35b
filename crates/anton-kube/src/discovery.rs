//! API discovery: which Flux kinds and whether metrics.k8s.io are served, in
//! two requests (aggregated discovery, Kubernetes ≥ 1.26), falling back to
//! per-group discovery of just the groups anton reads on older servers.

use std::collections::BTreeMap;

use anton_health::FluxKind;
use kube::discovery::{ApiResource, Discovery};

use crate::client::Cluster;
use crate::error::{LiveError, Op};

const METRICS_GROUP: &str = "metrics.k8s.io";

/// What the API server serves of what anton reads.
#[derive(Debug, Clone, Default)]
pub struct Served {
    pub flux: BTreeMap<FluxKind, ApiResource>,
    pub node_metrics: Option<ApiResource>,
    /// Rook-Ceph, objectbucket.io and VolSync kinds `anton storage` reads, by kind.
    pub storage: BTreeMap<&'static str, ApiResource>,
    /// External Secrets Operator and 1Password operator kinds `anton secrets` reads, by kind.
    pub secrets: BTreeMap<&'static str, ApiResource>,
    /// Cilium LB-IPAM, cert-manager and Gateway API kinds `anton network` reads, by kind.
    pub network: BTreeMap<&'static str, ApiResource>,
}

/// The custom kinds of `anton storage`: (group, kind).
pub const STORAGE_KINDS: [(&str, &str); 6] = [
    ("ceph.rook.io", "CephCluster"),
    ("ceph.rook.io", "CephBlockPool"),
    ("ceph.rook.io", "CephFilesystem"),
    ("ceph.rook.io", "CephObjectStore"),
    ("objectbucket.io", "ObjectBucketClaim"),
    ("volsync.backube", "ReplicationSource"),
];

/// The custom kinds of `anton secrets`: (group, kind).
pub const SECRETS_KINDS: [(&str, &str); 6] = [
    ("external-secrets.io", "ExternalSecret"),
    ("external-secrets.io", "ClusterExternalSecret"),
    ("external-secrets.io", "PushSecret"),
    ("external-secrets.io", "SecretStore"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("onepassword.com", "OnePasswordItem"),
];

/// The custom kinds of `anton network`: (group, kind).
pub const NETWORK_KINDS: [(&str, &str); 6] = [
    ("cilium.io", "CiliumLoadBalancerIPPool"),
    ("cert-manager.io", "Certificate"),
    ("cert-manager.io", "CertificateRequest"),
    ("cert-manager.io", "Issuer"),
    ("cert-manager.io", "ClusterIssuer"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
];

impl Served {
    pub fn flux_kind(&self, kind: FluxKind) -> Result<&ApiResource, LiveError> {
        self.flux.get(&kind).ok_or_else(|| LiveError::NotFound {
            what: format!("the {} CRD ({})", kind.kind(), kind.resource()),
            advice: format!(": the API server does not serve it; is {} installed?", kind.controller()),
        })
    }
}

pub async fn discover(cluster: &Cluster) -> Result<Served, LiveError> {
    let op = Op::new("discover", "API groups", None);
    let discovery = match cluster.call(&op, Discovery::new(cluster.client.clone()).run_aggregated()).await {
        Ok(discovery) => discovery,
        Err(LiveError::Api { .. }) | Err(LiveError::NotFound { .. }) => {
            let mut groups: Vec<&str> = FluxKind::ALL.iter().map(|k| k.group()).collect();
            groups.push(METRICS_GROUP);
            groups.extend(STORAGE_KINDS.iter().map(|(group, _)| *group));
            groups.extend(SECRETS_KINDS.iter().map(|(group, _)| *group));
            groups.extend(NETWORK_KINDS.iter().map(|(group, _)| *group));
            groups.sort_unstable();
            groups.dedup();
            cluster.call(&op, Discovery::new(cluster.client.clone()).filter(&groups).run()).await?
        }
        Err(other) => return Err(other),
    };
    let mut served = Served::default();
    for kind in FluxKind::ALL {
        if let Some(group) = discovery.get(kind.group())
            && let Some((resource, _caps)) = group.recommended_kind(kind.kind()) {
                served.flux.insert(kind, resource);
            }
    }
    for (group, kind) in STORAGE_KINDS {
        if let Some((resource, _)) = discovery.get(group).and_then(|g| g.recommended_kind(kind)) {
            served.storage.insert(kind, resource);
        }
    }
    for (group, kind) in SECRETS_KINDS {
        // In any served version: ESO's PushSecret is only in v1alpha1, not the group's preferred v1.
        let found = discovery.get(group).and_then(|g| g.resources_by_stability().into_iter().find(|(r, _)| r.kind == kind));
        if let Some((resource, _)) = found {
            served.secrets.insert(kind, resource);
        }
    }
    for (group, kind) in NETWORK_KINDS {
        if let Some((resource, _)) = discovery.get(group).and_then(|g| g.recommended_kind(kind)) {
            served.network.insert(kind, resource);
        }
    }
    served.node_metrics = discovery
        .get(METRICS_GROUP)
        .and_then(|g| g.recommended_kind("NodeMetrics"))
        .map(|(resource, _)| resource);
    Ok(served)
}
