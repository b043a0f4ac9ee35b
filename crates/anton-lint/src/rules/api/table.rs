//! API versions that are deprecated or removed, with the release where that
//! happens and what replaces them. Shared by `api/removed` and `api/deprecated`.

use crate::config::Settings;
use crate::util::Version;
use crate::view::ObjectView;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Product {
    Kubernetes,
    Flux,
    /// Versions of External Secrets, cert-manager and Flux v1 that are long
    /// gone from every supported release: always removed.
    Other(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub group: &'static str,
    pub version: &'static str,
    /// Kinds this applies to; empty for every kind of the group version.
    pub kinds: &'static [&'static str],
    /// Kinds excluded (current in this version although others are not).
    pub except: &'static [&'static str],
    pub product: Product,
    pub deprecated_in: Option<Version>,
    pub removed_in: Option<Version>,
    /// What to use instead, e.g. `apps/v1`; empty when nothing does.
    pub replacement: &'static str,
    pub note: &'static str,
}

const fn v(major: u32, minor: u32) -> Option<Version> {
    Some(Version::new(major, minor))
}

const fn k8s(group: &'static str, version: &'static str, kinds: &'static [&'static str], deprecated: Option<Version>, removed: Option<Version>, replacement: &'static str) -> Entry {
    Entry { group, version, kinds, except: &[], product: Product::Kubernetes, deprecated_in: deprecated, removed_in: removed, replacement, note: "" }
}

const fn flux(group: &'static str, version: &'static str, kinds: &'static [&'static str], deprecated: Option<Version>, removed: Option<Version>, replacement: &'static str) -> Entry {
    Entry { group, version, kinds, except: &[], product: Product::Flux, deprecated_in: deprecated, removed_in: removed, replacement, note: "" }
}

const fn gone(product: &'static str, group: &'static str, version: &'static str, kinds: &'static [&'static str], except: &'static [&'static str], replacement: &'static str, note: &'static str) -> Entry {
    Entry { group, version, kinds, except, product: Product::Other(product), deprecated_in: None, removed_in: None, replacement, note }
}

const ESO_KINDS: &[&str] = &["ExternalSecret", "SecretStore", "ClusterSecretStore", "ClusterExternalSecret"];

pub(crate) const TABLE: &[Entry] = &[
    // Kubernetes built-in APIs (https://kubernetes.io/docs/reference/using-api/deprecation-guide/).
    k8s("extensions", "v1beta1", &["Ingress"], v(1, 14), v(1, 22), "networking.k8s.io/v1"),
    k8s("extensions", "v1beta1", &["Deployment", "DaemonSet", "ReplicaSet"], v(1, 9), v(1, 16), "apps/v1"),
    k8s("extensions", "v1beta1", &["NetworkPolicy"], v(1, 9), v(1, 16), "networking.k8s.io/v1"),
    k8s("extensions", "v1beta1", &["PodSecurityPolicy"], v(1, 10), v(1, 16), ""),
    k8s("apps", "v1beta1", &[], v(1, 9), v(1, 16), "apps/v1"),
    k8s("apps", "v1beta2", &[], v(1, 9), v(1, 16), "apps/v1"),
    k8s("networking.k8s.io", "v1beta1", &["Ingress", "IngressClass"], v(1, 19), v(1, 22), "networking.k8s.io/v1"),
    k8s("rbac.authorization.k8s.io", "v1alpha1", &[], v(1, 17), v(1, 22), "rbac.authorization.k8s.io/v1"),
    k8s("rbac.authorization.k8s.io", "v1beta1", &[], v(1, 17), v(1, 22), "rbac.authorization.k8s.io/v1"),
    k8s("apiextensions.k8s.io", "v1beta1", &["CustomResourceDefinition"], v(1, 16), v(1, 22), "apiextensions.k8s.io/v1"),
    k8s("admissionregistration.k8s.io", "v1beta1", &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"], v(1, 16), v(1, 22), "admissionregistration.k8s.io/v1"),
    k8s("apiregistration.k8s.io", "v1beta1", &["APIService"], v(1, 19), v(1, 22), "apiregistration.k8s.io/v1"),
    k8s("scheduling.k8s.io", "v1beta1", &["PriorityClass"], v(1, 14), v(1, 22), "scheduling.k8s.io/v1"),
    k8s("storage.k8s.io", "v1beta1", &["StorageClass", "VolumeAttachment", "CSIDriver", "CSINode"], v(1, 19), v(1, 22), "storage.k8s.io/v1"),
    k8s("storage.k8s.io", "v1beta1", &["CSIStorageCapacity"], v(1, 24), v(1, 27), "storage.k8s.io/v1"),
    k8s("coordination.k8s.io", "v1beta1", &["Lease"], v(1, 19), v(1, 22), "coordination.k8s.io/v1"),
    k8s("certificates.k8s.io", "v1beta1", &["CertificateSigningRequest"], v(1, 19), v(1, 22), "certificates.k8s.io/v1"),
    k8s("batch", "v1beta1", &["CronJob"], v(1, 21), v(1, 25), "batch/v1"),
    k8s("policy", "v1beta1", &["PodDisruptionBudget"], v(1, 21), v(1, 25), "policy/v1"),
    k8s("policy", "v1beta1", &["PodSecurityPolicy"], v(1, 21), v(1, 25), ""),
    k8s("autoscaling", "v2beta1", &["HorizontalPodAutoscaler"], v(1, 22), v(1, 25), "autoscaling/v2"),
    k8s("autoscaling", "v2beta2", &["HorizontalPodAutoscaler"], v(1, 23), v(1, 26), "autoscaling/v2"),
    k8s("discovery.k8s.io", "v1beta1", &["EndpointSlice"], v(1, 21), v(1, 25), "discovery.k8s.io/v1"),
    k8s("events.k8s.io", "v1beta1", &["Event"], v(1, 19), v(1, 25), "events.k8s.io/v1"),
    k8s("node.k8s.io", "v1beta1", &["RuntimeClass"], v(1, 20), v(1, 25), "node.k8s.io/v1"),
    k8s("flowcontrol.apiserver.k8s.io", "v1beta1", &[], v(1, 23), v(1, 26), "flowcontrol.apiserver.k8s.io/v1"),
    k8s("flowcontrol.apiserver.k8s.io", "v1beta2", &[], v(1, 26), v(1, 29), "flowcontrol.apiserver.k8s.io/v1"),
    k8s("flowcontrol.apiserver.k8s.io", "v1beta3", &[], v(1, 29), v(1, 32), "flowcontrol.apiserver.k8s.io/v1"),
    k8s("", "v1", &["ComponentStatus"], v(1, 19), None, ""),
    k8s("", "v1", &["Endpoints"], v(1, 33), None, "discovery.k8s.io/v1 EndpointSlice"),
    // Flux: v1beta1/v2beta1 removed in Flux 2.7, v1beta2/v2beta2 in Flux 2.8 (run `flux migrate` first);
    // the image automation APIs went GA (v1) in Flux 2.7 and their v1beta2 was removed in Flux 2.9
    // (image-reflector-controller v1.2.0, image-automation-controller PR 1049, fluxcd/flux2 issue 5942).
    flux("kustomize.toolkit.fluxcd.io", "v1beta1", &[], v(2, 0), v(2, 7), "kustomize.toolkit.fluxcd.io/v1"),
    flux("kustomize.toolkit.fluxcd.io", "v1beta2", &[], v(2, 0), v(2, 8), "kustomize.toolkit.fluxcd.io/v1"),
    flux("helm.toolkit.fluxcd.io", "v2beta1", &[], v(2, 2), v(2, 7), "helm.toolkit.fluxcd.io/v2"),
    flux("helm.toolkit.fluxcd.io", "v2beta2", &[], v(2, 3), v(2, 8), "helm.toolkit.fluxcd.io/v2"),
    flux("source.toolkit.fluxcd.io", "v1beta1", &[], v(2, 0), v(2, 7), "source.toolkit.fluxcd.io/v1"),
    flux("source.toolkit.fluxcd.io", "v1beta2", &["GitRepository"], v(2, 0), v(2, 8), "source.toolkit.fluxcd.io/v1"),
    flux("source.toolkit.fluxcd.io", "v1beta2", &["HelmRepository", "HelmChart", "Bucket"], v(2, 3), v(2, 8), "source.toolkit.fluxcd.io/v1"),
    flux("source.toolkit.fluxcd.io", "v1beta2", &["OCIRepository"], v(2, 6), v(2, 8), "source.toolkit.fluxcd.io/v1"),
    flux("notification.toolkit.fluxcd.io", "v1beta1", &["Alert", "Provider"], v(2, 1), v(2, 7), "notification.toolkit.fluxcd.io/v1beta3"),
    flux("notification.toolkit.fluxcd.io", "v1beta1", &["Receiver"], v(2, 1), v(2, 7), "notification.toolkit.fluxcd.io/v1"),
    flux("notification.toolkit.fluxcd.io", "v1beta2", &["Alert", "Provider"], v(2, 3), None, "notification.toolkit.fluxcd.io/v1beta3"),
    flux("notification.toolkit.fluxcd.io", "v1beta2", &["Receiver"], v(2, 1), None, "notification.toolkit.fluxcd.io/v1"),
    flux("image.toolkit.fluxcd.io", "v1beta1", &[], v(2, 0), v(2, 7), "image.toolkit.fluxcd.io/v1"),
    flux("image.toolkit.fluxcd.io", "v1beta2", &[], v(2, 7), v(2, 9), "image.toolkit.fluxcd.io/v1"),
    gone("Flux v1", "helm.fluxcd.io", "v1", &["HelmRelease"], &[], "helm.toolkit.fluxcd.io/v2", "the Helm Operator of Flux v1 was archived in 2022"),
    // External Secrets: v1beta1 removed in v0.17.0, v1alpha1 long before.
    gone("External Secrets", "external-secrets.io", "v1beta1", ESO_KINDS, &[], "external-secrets.io/v1", "removed in External Secrets v0.17"),
    gone("External Secrets", "external-secrets.io", "v1alpha1", ESO_KINDS, &[], "external-secrets.io/v1", "removed in External Secrets v0.17"),
    // cert-manager: pre-v1 APIs removed in cert-manager 1.7.
    gone("cert-manager", "cert-manager.io", "v1alpha2", &[], &[], "cert-manager.io/v1", "removed in cert-manager 1.7"),
    gone("cert-manager", "cert-manager.io", "v1alpha3", &[], &[], "cert-manager.io/v1", "removed in cert-manager 1.7"),
    gone("cert-manager", "cert-manager.io", "v1beta1", &[], &[], "cert-manager.io/v1", "removed in cert-manager 1.7"),
    gone("cert-manager", "acme.cert-manager.io", "v1alpha2", &[], &[], "acme.cert-manager.io/v1", "removed in cert-manager 1.7"),
    gone("cert-manager", "acme.cert-manager.io", "v1alpha3", &[], &[], "acme.cert-manager.io/v1", "removed in cert-manager 1.7"),
    gone("cert-manager", "acme.cert-manager.io", "v1beta1", &[], &[], "acme.cert-manager.io/v1", "removed in cert-manager 1.7"),
    gone("cert-manager", "certmanager.k8s.io", "v1alpha1", &[], &[], "cert-manager.io/v1", "removed in cert-manager 0.11"),
];

/// Where an object's API version stands for the configured target versions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Status {
    Removed(&'static Entry),
    Deprecated(&'static Entry),
}

pub(crate) fn status(view: &ObjectView<'_>, settings: &Settings) -> Option<Status> {
    let (group, version) = (view.group(), view.version());
    let entry = TABLE.iter().find(|e| {
        e.group == group
            && e.version == version
            && (e.kinds.is_empty() || e.kinds.contains(&view.kind))
            && !e.except.contains(&view.kind)
    })?;
    let target = match entry.product {
        Product::Kubernetes => settings.kubernetes_version,
        Product::Flux => settings.flux_version,
        Product::Other(_) => return Some(Status::Removed(entry)),
    };
    if entry.removed_in.is_some_and(|removed| removed <= target) {
        return Some(Status::Removed(entry));
    }
    if entry.deprecated_in.is_some_and(|deprecated| deprecated <= target) {
        return Some(Status::Deprecated(entry));
    }
    None
}

impl Entry {
    pub(crate) fn product_name(&self) -> &'static str {
        match self.product {
            Product::Kubernetes => "Kubernetes",
            Product::Flux => "Flux",
            Product::Other(name) => name,
        }
    }

    pub(crate) fn replacement_hint(&self, kind: &str) -> String {
        if self.replacement.is_empty() {
            format!("{kind} has no replacement at this API; remove it{}", if self.note.is_empty() { String::new() } else { format!(" ({})", self.note) })
        } else if self.replacement.contains(' ') {
            format!("use {}", self.replacement)
        } else {
            format!("use `apiVersion: {}`", self.replacement)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        for entry in TABLE {
            if let (Some(deprecated), Some(removed)) = (entry.deprecated_in, entry.removed_in) {
                assert!(deprecated <= removed, "{}/{}", entry.group, entry.version);
            }
            assert_ne!(entry.replacement, format!("{}/{}", entry.group, entry.version), "an API cannot replace itself");
        }
    }
}
