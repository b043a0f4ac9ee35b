//! What kustomize knows about Kubernetes types without reading any CRD: its
//! built-in OpenAPI document (Kubernetes 1.21). Three things come from it:
//!
//! * which kinds are cluster-scoped — `namespace:` leaves only these alone
//!   (a `ClusterIssuer` is not in the document, so kustomize gives it a
//!   namespace, exactly as `kubectl kustomize` does);
//! * the merge keys of strategic-merge patches (`patchMergeKey`,
//!   `x-kubernetes-list-map-keys`): lists of built-in types that merge by key,
//!   while every other list — and every list of a custom resource — is replaced;
//! * the legacy output order (Namespaces first, webhooks last).

/// `(apiVersion, kind, namespaced)` of every resource type in kustomize's
/// built-in schema (`precomputedIsNamespaceScoped` in kyaml).
const KNOWN_TYPES: &[(&str, &str, bool)] = &[
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", false),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", false),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", false),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", false),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", false),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", false),
    ("apiregistration.k8s.io/v1", "APIService", false),
    ("apiregistration.k8s.io/v1beta1", "APIService", false),
    ("apps/v1", "ControllerRevision", true),
    ("apps/v1", "DaemonSet", true),
    ("apps/v1", "Deployment", true),
    ("apps/v1", "ReplicaSet", true),
    ("apps/v1", "StatefulSet", true),
    ("autoscaling/v1", "HorizontalPodAutoscaler", true),
    ("autoscaling/v1", "Scale", true),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", true),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", true),
    ("batch/v1", "CronJob", true),
    ("batch/v1", "Job", true),
    ("batch/v1beta1", "CronJob", true),
    ("certificates.k8s.io/v1", "CertificateSigningRequest", false),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", false),
    ("coordination.k8s.io/v1", "Lease", true),
    ("coordination.k8s.io/v1beta1", "Lease", true),
    ("discovery.k8s.io/v1", "EndpointSlice", true),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", true),
    ("events.k8s.io/v1", "Event", true),
    ("events.k8s.io/v1beta1", "Event", true),
    ("extensions/v1beta1", "Ingress", true),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", false),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", false),
    ("networking.k8s.io/v1", "Ingress", true),
    ("networking.k8s.io/v1", "IngressClass", false),
    ("networking.k8s.io/v1", "NetworkPolicy", true),
    ("networking.k8s.io/v1beta1", "Ingress", true),
    ("networking.k8s.io/v1beta1", "IngressClass", false),
    ("node.k8s.io/v1", "RuntimeClass", false),
    ("node.k8s.io/v1beta1", "RuntimeClass", false),
    ("policy/v1", "PodDisruptionBudget", true),
    ("policy/v1beta1", "PodDisruptionBudget", true),
    ("policy/v1beta1", "PodSecurityPolicy", false),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", false),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", false),
    ("rbac.authorization.k8s.io/v1", "Role", true),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", true),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", false),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", false),
    ("rbac.authorization.k8s.io/v1beta1", "Role", true),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", true),
    ("scheduling.k8s.io/v1", "PriorityClass", false),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", false),
    ("storage.k8s.io/v1", "CSIDriver", false),
    ("storage.k8s.io/v1", "CSINode", false),
    ("storage.k8s.io/v1", "StorageClass", false),
    ("storage.k8s.io/v1", "VolumeAttachment", false),
    ("storage.k8s.io/v1beta1", "CSIDriver", false),
    ("storage.k8s.io/v1beta1", "CSINode", false),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", true),
    ("storage.k8s.io/v1beta1", "StorageClass", false),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", false),
    ("v1", "ComponentStatus", false),
    ("v1", "ConfigMap", true),
    ("v1", "Endpoints", true),
    ("v1", "Event", true),
    ("v1", "LimitRange", true),
    ("v1", "Namespace", false),
    ("v1", "Node", false),
    ("v1", "NodeProxyOptions", false),
    ("v1", "PersistentVolume", false),
    ("v1", "PersistentVolumeClaim", true),
    ("v1", "Pod", true),
    ("v1", "PodAttachOptions", true),
    ("v1", "PodExecOptions", true),
    ("v1", "PodPortForwardOptions", true),
    ("v1", "PodProxyOptions", true),
    ("v1", "PodTemplate", true),
    ("v1", "ReplicationController", true),
    ("v1", "ResourceQuota", true),
    ("v1", "Secret", true),
    ("v1", "Service", true),
    ("v1", "ServiceAccount", true),
    ("v1", "ServiceProxyOptions", true),
];

fn known(api_version: &str, kind: &str) -> Option<bool> {
    KNOWN_TYPES.iter().find(|(v, k, _)| *v == api_version && *k == kind).map(|(_, _, namespaced)| *namespaced)
}

/// Whether kustomize treats `apiVersion`/`kind` as cluster-scoped.
pub fn kustomize_cluster_scoped(api_version: &str, kind: &str) -> bool {
    known(api_version, kind) == Some(false)
}

/// kustomize's legacy output order: these kinds first, in this order …
const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
/// … these last; everything else in between.
const ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/// The rank of a kind in kustomize's legacy order (lower comes first).
pub fn legacy_rank(kind: &str) -> i32 {
    if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        return i as i32 - ORDER_FIRST.len() as i32;
    }
    if let Some(i) = ORDER_LAST.iter().position(|k| *k == kind) {
        return 1 + i as i32;
    }
    0
}

/// A position in a built-in type, as far as strategic merge cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// No schema: a custom resource, or a field the schema does not describe.
    Unknown,
    /// A field of a built-in type with no associative list below it.
    Known,
    ObjectMeta,
    PodTemplateSpec,
    PodSpec,
    Container,
    /// The spec of Deployment, ReplicaSet, DaemonSet, StatefulSet, ReplicationController.
    TemplateOwnerSpec,
    JobTemplateSpec,
    CronJobSpec,
    ServiceSpec,
    NodeSpec,
    /// Roots: the top of an object of a built-in kind.
    RootPod,
    RootPodTemplate,
    RootTemplateOwner,
    RootCronJob,
    RootService,
    RootServiceAccount,
    RootWebhooks,
    RootNode,
    RootOther,
}

/// How a list merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListKind {
    /// The patch's list replaces the target's.
    Replace,
    /// A set of scalars (`finalizers`): union, patch order first.
    Scalars,
    /// Maps matched by these keys (`containers` by `name`, `ports` by
    /// `containerPort` and `protocol`).
    Keys(&'static [&'static str]),
}

/// The type at the root of an object.
pub(crate) fn root(api_version: &str, kind: &str) -> Ty {
    if known(api_version, kind).is_none() {
        return Ty::Unknown;
    }
    match (api_version, kind) {
        ("v1", "Pod") => Ty::RootPod,
        ("v1", "PodTemplate") => Ty::RootPodTemplate,
        ("apps/v1", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") | ("v1", "ReplicationController") => {
            Ty::RootTemplateOwner
        }
        ("batch/v1", "Job") => Ty::RootTemplateOwner,
        ("batch/v1" | "batch/v1beta1", "CronJob") => Ty::RootCronJob,
        ("v1", "Service") => Ty::RootService,
        ("v1", "ServiceAccount") => Ty::RootServiceAccount,
        (_, "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration") => Ty::RootWebhooks,
        ("v1", "Node") => Ty::RootNode,
        _ => Ty::RootOther,
    }
}

fn is_root(ty: Ty) -> bool {
    matches!(
        ty,
        Ty::RootPod
            | Ty::RootPodTemplate
            | Ty::RootTemplateOwner
            | Ty::RootCronJob
            | Ty::RootService
            | Ty::RootServiceAccount
            | Ty::RootWebhooks
            | Ty::RootNode
            | Ty::RootOther
    )
}

/// The type of a mapping field.
pub(crate) fn field(ty: Ty, name: &str) -> Ty {
    if ty == Ty::Unknown {
        return Ty::Unknown;
    }
    if is_root(ty) && name == "metadata" {
        return Ty::ObjectMeta;
    }
    match (ty, name) {
        (Ty::RootPod, "spec") => Ty::PodSpec,
        (Ty::RootPodTemplate, "template") => Ty::PodTemplateSpec,
        (Ty::RootTemplateOwner, "spec") => Ty::TemplateOwnerSpec,
        (Ty::TemplateOwnerSpec, "template") => Ty::PodTemplateSpec,
        (Ty::RootCronJob, "spec") => Ty::CronJobSpec,
        (Ty::CronJobSpec, "jobTemplate") => Ty::JobTemplateSpec,
        (Ty::JobTemplateSpec, "metadata") => Ty::ObjectMeta,
        (Ty::JobTemplateSpec, "spec") => Ty::TemplateOwnerSpec,
        (Ty::PodTemplateSpec, "metadata") => Ty::ObjectMeta,
        (Ty::PodTemplateSpec, "spec") => Ty::PodSpec,
        (Ty::RootService, "spec") => Ty::ServiceSpec,
        (Ty::RootNode, "spec") => Ty::NodeSpec,
        _ => Ty::Known,
    }
}

/// How the list under a field merges, and the type of its items.
pub(crate) fn list(ty: Ty, name: &str) -> (ListKind, Ty) {
    const NAME: &[&str] = &["name"];
    match (ty, name) {
        (Ty::ObjectMeta, "finalizers") => (ListKind::Scalars, Ty::Known),
        (Ty::ObjectMeta, "ownerReferences") => (ListKind::Keys(&["uid"]), Ty::Known),
        (Ty::PodSpec, "containers" | "initContainers" | "ephemeralContainers") => (ListKind::Keys(NAME), Ty::Container),
        (Ty::PodSpec, "volumes" | "imagePullSecrets") => (ListKind::Keys(NAME), Ty::Known),
        (Ty::PodSpec, "hostAliases") => (ListKind::Keys(&["ip"]), Ty::Known),
        (Ty::PodSpec, "topologySpreadConstraints") => {
            (ListKind::Keys(&["topologyKey", "whenUnsatisfiable"]), Ty::Known)
        }
        (Ty::Container, "ports") => (ListKind::Keys(&["containerPort", "protocol"]), Ty::Known),
        (Ty::Container, "env") => (ListKind::Keys(NAME), Ty::Known),
        (Ty::Container, "volumeMounts") => (ListKind::Keys(&["mountPath"]), Ty::Known),
        (Ty::Container, "volumeDevices") => (ListKind::Keys(&["devicePath"]), Ty::Known),
        (Ty::ServiceSpec, "ports") => (ListKind::Keys(&["port", "protocol"]), Ty::Known),
        (Ty::RootServiceAccount, "secrets") => (ListKind::Keys(NAME), Ty::Known),
        (Ty::RootWebhooks, "webhooks") => (ListKind::Keys(NAME), Ty::Known),
        (Ty::NodeSpec, "podCIDRs") => (ListKind::Scalars, Ty::Known),
        (Ty::Unknown, _) => (ListKind::Replace, Ty::Unknown),
        _ => (ListKind::Replace, Ty::Known),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_follows_kustomizes_schema_not_the_cluster() {
        assert!(kustomize_cluster_scoped("v1", "Namespace"));
        assert!(kustomize_cluster_scoped("rbac.authorization.k8s.io/v1", "ClusterRole"));
        assert!(!kustomize_cluster_scoped("apps/v1", "Deployment"));
        // Not in kustomize's schema, so kustomize namespaces it.
        assert!(!kustomize_cluster_scoped("cert-manager.io/v1", "ClusterIssuer"));
    }

    #[test]
    fn legacy_order() {
        assert!(legacy_rank("Namespace") < legacy_rank("ConfigMap"));
        assert!(legacy_rank("Deployment") < legacy_rank("HelmRelease"));
        assert!(legacy_rank("HelmRelease") < legacy_rank("ValidatingWebhookConfiguration"));
    }

    #[test]
    fn merge_keys_of_a_deployment() {
        let spec = field(field(field(root("apps/v1", "Deployment"), "spec"), "template"), "spec");
        assert_eq!(spec, Ty::PodSpec);
        assert_eq!(list(spec, "containers"), (ListKind::Keys(&["name"]), Ty::Container));
        assert_eq!(list(spec, "tolerations").0, ListKind::Replace);
        assert_eq!(list(Ty::Container, "ports").0, ListKind::Keys(&["containerPort", "protocol"]));
        let hr = root("helm.toolkit.fluxcd.io/v2", "HelmRelease");
        assert_eq!(list(field(hr, "spec"), "values").0, ListKind::Replace);
    }
}
