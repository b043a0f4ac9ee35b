//! Which kinds are cluster-scoped. kustomize's `namespace:` and Flux's
//! `targetNamespace` leave these alone, and their identity has no namespace.
//!
//! The list covers Kubernetes' built-in kinds and the custom resources a
//! homelab typically runs. CustomResourceDefinitions found in a repository
//! extend it at run time (their `spec.scope`), see [`ScopeTable`].

use std::sync::LazyLock;

use foldhash::{HashMap, HashSet};

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

/// The built-in list as a set: asked for every object of every build.
static CLUSTER_SCOPED_SET: LazyLock<HashSet<(&'static str, &'static str)>> =
    LazyLock::new(|| CLUSTER_SCOPED.iter().copied().collect());

/// Answers "is this kind cluster-scoped?", from the built-in list plus the
/// CRDs of the repository being checked.
#[derive(Debug, Clone, Default)]
pub struct ScopeTable {
    /// What CRDs say, by kind: (group, cluster-scoped) for each group that
    /// defines the kind. Asked without building a key: one hash of the kind.
    learned: HashMap<String, Vec<(String, bool)>>,
}

impl ScopeTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records what a CustomResourceDefinition says about its kind.
    pub fn learn(&mut self, group: &str, kind: &str, cluster_scoped: bool) {
        let groups = self.learned.entry(kind.to_owned()).or_default();
        if !groups.iter().any(|(g, scoped)| g == group && *scoped == cluster_scoped) {
            groups.push((group.to_owned(), cluster_scoped));
        }
    }

    pub fn is_cluster_scoped(&self, group: &str, kind: &str) -> bool {
        if let Some(groups) = self.learned.get(kind) {
            let mut said = groups.iter().filter(|(g, _)| g == group).map(|(_, scoped)| *scoped);
            // Two CRDs that disagree: namespaced wins, as it always has.
            if let Some(first) = said.next() {
                return first && said.all(|scoped| scoped);
            }
        }
        CLUSTER_SCOPED_SET.contains(&(group, kind))
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
        assert!(!table.is_cluster_scoped("other.example.com", "Widget"), "the group counts");
        // A CRD may say a built-in is namespaced after all; namespaced wins a disagreement.
        table.learn("cert-manager.io", "ClusterIssuer", false);
        assert!(!table.is_cluster_scoped("cert-manager.io", "ClusterIssuer"));
        table.learn("example.com", "Widget", false);
        table.learn("example.com", "Widget", true);
        assert!(!table.is_cluster_scoped("example.com", "Widget"));
    }
}
