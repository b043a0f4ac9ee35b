use std::fmt;

use serde::Serialize;

/// `apiVersion` split into group and version. The core group is the empty string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiVersion<'a> {
    pub group: &'a str,
    pub version: &'a str,
}

impl<'a> ApiVersion<'a> {
    pub fn parse(api_version: &'a str) -> Self {
        match api_version.rsplit_once('/') {
            Some((group, version)) => Self { group, version },
            None => Self { group: "", version: api_version },
        }
    }
}

/// The identity the API server (and kustomize) use for an object: group, kind,
/// namespace and name. The version is deliberately not part of it — the same
/// object served at two versions is still one object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectId {
    pub group: String,
    pub kind: String,
    /// `None` for cluster-scoped objects and for namespaced objects whose
    /// namespace is left to whoever applies them.
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectId {
    pub fn new(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Self {
        Self {
            group: ApiVersion::parse(api_version).group.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.filter(|ns| !ns.is_empty()).map(str::to_owned),
            name: name.to_owned(),
        }
    }

    pub fn with_namespace(&self, namespace: Option<&str>) -> Self {
        Self { namespace: namespace.map(str::to_owned), ..self.clone() }
    }

    /// `Kind/namespace/name`, or `Kind/name` without a namespace: the form
    /// operators already read in `flux` and `kubectl` output.
    pub fn short(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_api_versions() {
        assert_eq!(ApiVersion::parse("v1"), ApiVersion { group: "", version: "v1" });
        assert_eq!(
            ApiVersion::parse("kustomize.toolkit.fluxcd.io/v1"),
            ApiVersion { group: "kustomize.toolkit.fluxcd.io", version: "v1" }
        );
    }

    #[test]
    fn identity_ignores_version_and_empty_namespace() {
        let a = ObjectId::new("apps/v1", "Deployment", Some(""), "web");
        let b = ObjectId::new("apps/v1beta2", "Deployment", None, "web");
        assert_eq!(a, b);
        assert_eq!(a.short(), "Deployment/web");
        assert_eq!(a.with_namespace(Some("media")).short(), "Deployment/media/web");
    }
}
