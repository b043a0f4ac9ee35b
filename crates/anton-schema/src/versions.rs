//! Which API versions each Kubernetes release serves.
//!
//! One anton build carries the schemas of one Kubernetes release (see
//! [`crate::BUNDLED_RELEASE`]). `--kubernetes-version` still matters, because
//! what changes most between releases for a GitOps repository is not a field
//! but whether an `apiVersion` exists at all: `policy/v1beta1` was served
//! until 1.24, `resource.k8s.io/v1` only from 1.34. This table says, for the
//! group/versions that came or went since 1.16, when.
//!
//! The entries from 1.33 on follow the difference between `k8s-openapi`'s
//! per-release modules; the older ones follow Kubernetes' deprecated API
//! migration guide.

use std::fmt;

/// A Kubernetes release as users write it: `1.33`, `v1.33.2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubernetesVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

impl KubernetesVersion {
    /// The oldest release the table below describes.
    pub const OLDEST: KubernetesVersion = KubernetesVersion { major: 1, minor: 16, patch: None };

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().trim_start_matches(['v', 'V']);
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(patch) => Some(patch.parse().ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self { major, minor, patch })
    }

    pub fn bundled() -> Self {
        let (major, minor) = crate::BUNDLED_RELEASE;
        Self { major, minor, patch: None }
    }

    /// kubeconform's `{{.NormalizedKubernetesVersion}}`: `v1.33.0`.
    pub fn normalized(self) -> String {
        format!("v{}.{}.{}", self.major, self.minor, self.patch.unwrap_or(0))
    }

    fn minor_of_1(self) -> u32 {
        if self.major > 1 { u32::MAX } else { self.minor }
    }
}

impl fmt::Display for KubernetesVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(patch) = self.patch {
            write!(f, ".{patch}")?;
        }
        Ok(())
    }
}

/// A group/version (optionally only some of its kinds) that came or went.
struct Change {
    group: &'static str,
    version: &'static str,
    /// Empty: every kind of the group/version.
    kinds: &'static [&'static str],
    /// First 1.x release that serves it (`None`: before 1.16).
    added: Option<u32>,
    /// First 1.x release that no longer serves it.
    removed: Option<u32>,
    instead: &'static str,
}

const fn change(
    group: &'static str,
    version: &'static str,
    kinds: &'static [&'static str],
    added: Option<u32>,
    removed: Option<u32>,
    instead: &'static str,
) -> Change {
    Change { group, version, kinds, added, removed, instead }
}

const CHANGES: &[Change] = &[
    // Removed in 1.16.
    change("extensions", "v1beta1", &["DaemonSet", "Deployment", "ReplicaSet"], None, Some(16), "apps/v1"),
    change("extensions", "v1beta1", &["NetworkPolicy"], None, Some(16), "networking.k8s.io/v1"),
    change("extensions", "v1beta1", &["PodSecurityPolicy"], None, Some(16), "policy/v1beta1, itself removed in 1.25"),
    change("apps", "v1beta1", &[], None, Some(16), "apps/v1"),
    change("apps", "v1beta2", &[], None, Some(16), "apps/v1"),
    // Removed in 1.22.
    change("admissionregistration.k8s.io", "v1beta1", &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"], None, Some(22), "admissionregistration.k8s.io/v1"),
    change("apiextensions.k8s.io", "v1beta1", &[], None, Some(22), "apiextensions.k8s.io/v1"),
    change("apiregistration.k8s.io", "v1beta1", &[], None, Some(22), "apiregistration.k8s.io/v1"),
    change("authentication.k8s.io", "v1beta1", &[], None, Some(22), "authentication.k8s.io/v1"),
    change("authorization.k8s.io", "v1beta1", &[], None, Some(22), "authorization.k8s.io/v1"),
    change("certificates.k8s.io", "v1beta1", &["CertificateSigningRequest"], None, Some(22), "certificates.k8s.io/v1"),
    change("coordination.k8s.io", "v1beta1", &["Lease"], None, Some(22), "coordination.k8s.io/v1"),
    change("extensions", "v1beta1", &["Ingress"], None, Some(22), "networking.k8s.io/v1"),
    change("networking.k8s.io", "v1beta1", &["Ingress", "IngressClass"], None, Some(22), "networking.k8s.io/v1"),
    change("rbac.authorization.k8s.io", "v1beta1", &[], None, Some(22), "rbac.authorization.k8s.io/v1"),
    change("scheduling.k8s.io", "v1beta1", &["PriorityClass"], None, Some(22), "scheduling.k8s.io/v1"),
    change("storage.k8s.io", "v1beta1", &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"], None, Some(22), "storage.k8s.io/v1"),
    // Removed in 1.25.
    change("batch", "v1beta1", &["CronJob"], None, Some(25), "batch/v1"),
    change("discovery.k8s.io", "v1beta1", &["EndpointSlice"], None, Some(25), "discovery.k8s.io/v1"),
    change("events.k8s.io", "v1beta1", &["Event"], None, Some(25), "events.k8s.io/v1"),
    change("autoscaling", "v2beta1", &["HorizontalPodAutoscaler"], None, Some(25), "autoscaling/v2"),
    change("policy", "v1beta1", &["PodDisruptionBudget"], None, Some(25), "policy/v1"),
    change("policy", "v1beta1", &["PodSecurityPolicy"], None, Some(25), "Pod Security Admission (namespace labels); there is no replacement API"),
    change("node.k8s.io", "v1beta1", &["RuntimeClass"], None, Some(25), "node.k8s.io/v1"),
    // Removed in 1.26.
    change("flowcontrol.apiserver.k8s.io", "v1beta1", &[], None, Some(26), "flowcontrol.apiserver.k8s.io/v1"),
    change("autoscaling", "v2beta2", &["HorizontalPodAutoscaler"], None, Some(26), "autoscaling/v2"),
    // Removed in 1.27.
    change("storage.k8s.io", "v1beta1", &["CSIStorageCapacity"], None, Some(27), "storage.k8s.io/v1"),
    // Removed in 1.29 and 1.32.
    change("flowcontrol.apiserver.k8s.io", "v1beta2", &[], Some(23), Some(29), "flowcontrol.apiserver.k8s.io/v1"),
    change("flowcontrol.apiserver.k8s.io", "v1beta3", &[], Some(26), Some(32), "flowcontrol.apiserver.k8s.io/v1"),
    // Between 1.33 and 1.37 (k8s-openapi's release modules).
    change("admissionregistration.k8s.io", "v1beta1", &["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"], Some(28), Some(34), "admissionregistration.k8s.io/v1"),
    change("resource.k8s.io", "v1alpha3", &["DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice"], None, Some(34), "resource.k8s.io/v1"),
    change("certificates.k8s.io", "v1alpha1", &["PodCertificateRequest"], Some(34), Some(35), "certificates.k8s.io/v1"),
    change("storage.k8s.io", "v1alpha1", &["VolumeAttributesClass"], None, Some(35), "storage.k8s.io/v1"),
    change("storagemigration.k8s.io", "v1alpha1", &["StorageVersionMigration"], None, Some(35), "storagemigration.k8s.io/v1"),
    change("scheduling.k8s.io", "v1alpha1", &["Workload"], Some(35), Some(36), "scheduling.k8s.io/v1beta1"),
    change("scheduling.k8s.io", "v1alpha2", &["PodGroup", "Workload"], Some(36), Some(37), "scheduling.k8s.io/v1beta1"),
    change("certificates.k8s.io", "v1alpha1", &["ClusterTrustBundle"], None, Some(37), "certificates.k8s.io/v1"),
    change("networking.k8s.io", "v1beta1", &["IPAddress", "ServiceCIDR"], None, Some(37), "networking.k8s.io/v1"),
    change("storage.k8s.io", "v1beta1", &["VolumeAttributesClass"], None, Some(37), "storage.k8s.io/v1"),
    // Added: general availability and the newer versions of bundled kinds.
    change("networking.k8s.io", "v1", &["Ingress", "IngressClass"], Some(19), None, ""),
    change("certificates.k8s.io", "v1", &["CertificateSigningRequest"], Some(19), None, ""),
    change("events.k8s.io", "v1", &["Event"], Some(19), None, ""),
    change("node.k8s.io", "v1", &["RuntimeClass"], Some(20), None, ""),
    change("batch", "v1", &["CronJob"], Some(21), None, ""),
    change("policy", "v1", &["PodDisruptionBudget"], Some(21), None, ""),
    change("discovery.k8s.io", "v1", &["EndpointSlice"], Some(21), None, ""),
    change("autoscaling", "v2", &["HorizontalPodAutoscaler"], Some(23), None, ""),
    change("storage.k8s.io", "v1", &["CSIStorageCapacity"], Some(24), None, ""),
    change("flowcontrol.apiserver.k8s.io", "v1", &[], Some(29), None, ""),
    change("admissionregistration.k8s.io", "v1", &["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"], Some(30), None, ""),
    change("networking.k8s.io", "v1", &["IPAddress", "ServiceCIDR"], Some(33), None, ""),
    change("admissionregistration.k8s.io", "v1beta1", &["MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"], Some(34), None, ""),
    change("resource.k8s.io", "v1", &["DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice"], Some(34), None, ""),
    change("storage.k8s.io", "v1", &["VolumeAttributesClass"], Some(34), None, ""),
    change("certificates.k8s.io", "v1beta1", &["PodCertificateRequest"], Some(35), None, ""),
    change("storagemigration.k8s.io", "v1beta1", &["StorageVersionMigration"], Some(35), None, ""),
    change("admissionregistration.k8s.io", "v1", &["MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"], Some(36), None, ""),
    change("resource.k8s.io", "v1alpha3", &["ResourcePoolStatusRequest"], Some(36), None, ""),
    change("resource.k8s.io", "v1beta2", &["DeviceTaintRule"], Some(36), None, ""),
    change("certificates.k8s.io", "v1", &["ClusterTrustBundle", "PodCertificateRequest"], Some(37), None, ""),
    change("lifecycle.k8s.io", "v1alpha1", &[], Some(37), None, ""),
    change("resource.k8s.io", "v1", &["DeviceTaintRule"], Some(37), None, ""),
    change("scheduling.k8s.io", "v1alpha3", &[], Some(37), None, ""),
    change("scheduling.k8s.io", "v1beta1", &["PodGroup", "Workload"], Some(37), None, ""),
    change("storagemigration.k8s.io", "v1", &["StorageVersionMigration"], Some(37), None, ""),
];

/// Whether a release serves an API version, as far as the table knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// Not in the table: nothing known against it.
    Unknown,
    Yes,
    NotYet { added: u32 },
    Removed { removed: u32, instead: &'static str },
}

pub fn served(group: &str, version: &str, kind: &str, at: KubernetesVersion) -> Served {
    let minor = at.minor_of_1();
    let mut verdict = Served::Unknown;
    for change in CHANGES {
        if change.group != group || change.version != version || !(change.kinds.is_empty() || change.kinds.contains(&kind)) {
            continue;
        }
        if let Some(added) = change.added.filter(|added| minor < *added) {
            return Served::NotYet { added };
        }
        if let Some(removed) = change.removed.filter(|removed| minor >= *removed) {
            return Served::Removed { removed, instead: change.instead };
        }
        verdict = Served::Yes;
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> KubernetesVersion {
        KubernetesVersion::parse(text).unwrap()
    }

    #[test]
    fn parses_what_people_write() {
        assert_eq!(at("1.33"), KubernetesVersion { major: 1, minor: 33, patch: None });
        assert_eq!(at("v1.30.2").patch, Some(2));
        assert_eq!(at("1.30.2").normalized(), "v1.30.2");
        assert_eq!(at("1.29").normalized(), "v1.29.0");
        assert!(KubernetesVersion::parse("latest").is_none());
        assert!(KubernetesVersion::parse("1").is_none());
    }

    #[test]
    fn removed_apis_follow_the_release() {
        assert_eq!(served("policy", "v1beta1", "PodSecurityPolicy", at("1.24")), Served::Yes);
        assert!(matches!(served("policy", "v1beta1", "PodSecurityPolicy", at("1.25")), Served::Removed { removed: 25, .. }));
        assert!(matches!(served("autoscaling", "v2beta2", "HorizontalPodAutoscaler", at("1.26")), Served::Removed { removed: 26, .. }));
        assert_eq!(served("flowcontrol.apiserver.k8s.io", "v1beta2", "FlowSchema", at("1.28")), Served::Yes);
        assert!(matches!(served("flowcontrol.apiserver.k8s.io", "v1beta2", "FlowSchema", at("1.22")), Served::NotYet { added: 23 }));
        assert!(matches!(served("flowcontrol.apiserver.k8s.io", "v1beta3", "FlowSchema", at("1.32")), Served::Removed { removed: 32, .. }));
    }

    #[test]
    fn added_apis_follow_the_release() {
        assert_eq!(served("resource.k8s.io", "v1", "ResourceClaim", at("1.34")), Served::Yes);
        assert!(matches!(served("resource.k8s.io", "v1", "ResourceClaim", at("1.33")), Served::NotYet { added: 34 }));
        assert_eq!(served("apps", "v1", "Deployment", at("1.16")), Served::Unknown);
        assert_eq!(served("example.com", "v1", "Widget", at("1.30")), Served::Unknown);
    }
}
