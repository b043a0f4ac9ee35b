//! Objects while they are being built, with the bookkeeping kustomize keeps
//! on them: every identity they had (so references to an old name can be
//! found), whether a content hash goes on the name, the prefixes applied.

use std::sync::Arc;

use anton_yaml::Node;

use crate::engine::Origin;
use crate::schema::kustomize_cluster_scoped;

/// An object's identity as kustomize compares them: group, version, kind,
/// name and namespace (empty when unset).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ResId {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

const NOT_A_NAMESPACE: &str = "_non_namespaceable_";

impl ResId {
    pub(crate) fn of(node: &Node) -> ResId {
        ResId {
            api_version: node.str_at(&["apiVersion"]).unwrap_or_default().trim().to_owned(),
            kind: node.str_at(&["kind"]).unwrap_or_default().trim().to_owned(),
            name: node.str_at(&["metadata", "name"]).unwrap_or_default().to_owned(),
            namespace: node.str_at(&["metadata", "namespace"]).unwrap_or_default().to_owned(),
        }
    }

    pub(crate) fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(group, _)| group)
    }

    pub(crate) fn version(&self) -> &str {
        self.api_version.rsplit_once('/').map_or(self.api_version.as_str(), |(_, version)| version)
    }

    pub(crate) fn is_cluster_scoped(&self) -> bool {
        kustomize_cluster_scoped(&self.api_version, &self.kind)
    }

    /// The namespace for comparisons: `default` when unset, nothing for
    /// cluster-scoped kinds.
    pub(crate) fn effective_namespace(&self) -> &str {
        self.namespace_stand_in().unwrap_or(&self.namespace)
    }

    /// What compares in place of the namespace as written, if anything.
    fn namespace_stand_in(&self) -> Option<&'static str> {
        if self.is_cluster_scoped() {
            Some(NOT_A_NAMESPACE)
        } else if self.namespace.is_empty() {
            Some("default")
        } else {
            None
        }
    }

    /// The identity as one hashable value: two ids are [`ResId::equals`]
    /// exactly when their keys are equal. Takes the id's strings.
    pub(crate) fn key(self) -> (String, String, String, String) {
        let namespace = self.namespace_stand_in().map_or(self.namespace, str::to_owned);
        (self.api_version, self.kind, self.name, namespace)
    }

    pub(crate) fn ns_equals(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }

    pub(crate) fn gvkn_equals(&self, other: &ResId) -> bool {
        self.name == other.name && self.kind == other.kind && self.api_version == other.api_version
    }

    pub(crate) fn equals(&self, other: &ResId) -> bool {
        self.gvkn_equals(other) && self.ns_equals(other)
    }

    /// `Kind/namespace/name` for messages.
    pub(crate) fn display(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// `configMapGenerator`/`secretGenerator` behaviors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behavior {
    Create,
    Merge,
    Replace,
}

/// One object in a build.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    /// Shared until changed ([`Resource::node_mut`]): a folder's objects are
    /// copied into every kustomization and Flux Kustomization that includes
    /// it, and most pass through untouched.
    pub node: Arc<Node>,
    pub origin: Origin,
    /// Earlier identities, oldest first (kustomize's `previousNames` …).
    pub prev_ids: Vec<ResId>,
    /// A generated ConfigMap/Secret that gets a content-hash suffix.
    pub needs_hash: bool,
    pub behavior: Behavior,
    /// Name prefixes and suffixes applied, innermost first.
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
}

impl Resource {
    /// The object, to change: copied first when another build shares it.
    pub(crate) fn node_mut(&mut self) -> &mut Node {
        Arc::make_mut(&mut self.node)
    }

    pub(crate) fn new(node: Arc<Node>, origin: Origin) -> Resource {
        Resource {
            node,
            origin,
            prev_ids: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
        }
    }

    pub(crate) fn id(&self) -> ResId {
        ResId::of(&self.node)
    }

    /// The identity it had first.
    pub(crate) fn org_id(&self) -> ResId {
        self.prev_ids.first().cloned().unwrap_or_else(|| self.id())
    }

    /// Every identity it ever had, the current one last.
    pub(crate) fn all_ids(&self) -> Vec<ResId> {
        let mut ids = self.prev_ids.clone();
        ids.push(self.id());
        ids
    }

    pub(crate) fn store_previous_id(&mut self) {
        let id = self.id();
        self.prev_ids.push(id);
    }

    pub(crate) fn kind(&self) -> &str {
        self.node.str_at(&["kind"]).unwrap_or_default()
    }

    pub(crate) fn name(&self) -> &str {
        self.node.str_at(&["metadata", "name"]).unwrap_or_default()
    }

    pub(crate) fn label(&self, key: &str) -> Option<&str> {
        self.node.path(&["metadata", "labels", key]).and_then(Node::scalar_text)
    }

    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.node.path(&["metadata", "annotations", key]).and_then(Node::scalar_text)
    }
}
