//! Which kinds are cluster-scoped. kustomize's `namespace:` and Flux's
//! `targetNamespace` leave these alone, and their identity has no namespace.
//!
//! The list covers Kubernetes' built-in kinds and the custom resources a
//! homelab typically runs. CustomResourceDefinitions found in a repository
//! extend it at run time (their `spec.scope`), see [`ScopeTable`].

use foldhash::HashSet;

/// `(group, kind)` of cluster-scoped kinds known without reading any CRD.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("policy", "PodSecurityPolicy"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotClass"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotContent"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("cert-manager.io", "ClusterIssuer"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("external-secrets.io", "ClusterExternalSecret"),
    ("external-secrets.io", "ClusterGenerator"),
    ("cilium.io", "CiliumClusterwideNetworkPolicy"),
    ("cilium.io", "CiliumLoadBalancerIPPool"),
    ("cilium.io", "CiliumBGPClusterConfig"),
    ("cilium.io", "CiliumBGPPeerConfig"),
    ("cilium.io", "CiliumBGPAdvertisement"),
    ("cilium.io", "CiliumL2AnnouncementPolicy"),
    ("cilium.io", "CiliumNode"),
    ("cilium.io", "CiliumIdentity"),
    ("metallb.io", "BGPPeer"),
    ("kyverno.io", "ClusterPolicy"),
    ("kyverno.io", "ClusterCleanupPolicy"),
    ("wgpolicyk8s.io", "ClusterPolicyReport"),
    ("nfd.k8s-sigs.io", "NodeFeatureRule"),
    ("upgrade.cattle.io", "Plan"),
    ("tailscale.com", "ProxyClass"),
    ("tailscale.com", "Connector"),
    ("fluxcd.controlplane.io", "ResourceSetInputProvider"),
];

/// Answers "is this kind cluster-scoped?", from the built-in list plus the
/// CRDs of the repository being checked.
#[derive(Debug, Clone, Default)]
pub struct ScopeTable {
    cluster_scoped: HashSet<(String, String)>,
    namespaced: HashSet<(String, String)>,
}

impl ScopeTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records what a CustomResourceDefinition says about its kind.
    pub fn learn(&mut self, group: &str, kind: &str, cluster_scoped: bool) {
        let key = (group.to_owned(), kind.to_owned());
        if cluster_scoped {
            self.cluster_scoped.insert(key);
        } else {
            self.namespaced.insert(key);
        }
    }

    pub fn is_cluster_scoped(&self, group: &str, kind: &str) -> bool {
        let key = (group.to_owned(), kind.to_owned());
        if self.namespaced.contains(&key) {
            return false;
        }
        self.cluster_scoped.contains(&key)
            || CLUSTER_SCOPED.iter().any(|(g, k)| *g == group && *k == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_builtins_and_learns_crds() {
        let mut table = ScopeTable::new();
        assert!(table.is_cluster_scoped("", "Namespace"));
        assert!(table.is_cluster_scoped("cert-manager.io", "ClusterIssuer"));
        assert!(!table.is_cluster_scoped("apps", "Deployment"));
        assert!(!table.is_cluster_scoped("example.com", "Widget"));
        table.learn("example.com", "Widget", true);
        assert!(table.is_cluster_scoped("example.com", "Widget"));
    }
}
