//! Rules about Ingresses.

pub mod external_dns_on_internal;
pub mod no_class;

use anton_yaml::Node;

pub(crate) const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
pub(crate) const TARGET_ANNOTATION: &str = "external-dns.alpha.kubernetes.io/target";

pub(crate) fn is_ingress(view: &crate::view::ObjectView<'_>) -> bool {
    view.kind == "Ingress" && matches!(view.group(), "networking.k8s.io" | "extensions")
}

/// The class an Ingress asks for: `spec.ingressClassName`, or the legacy annotation.
pub(crate) fn class_of(node: &Node) -> Option<&Node> {
    node.path(&["spec", "ingressClassName"])
        .filter(|n| !n.is_null())
        .or_else(|| node.path(&["metadata", "annotations", CLASS_ANNOTATION]).filter(|n| !n.is_null()))
}
