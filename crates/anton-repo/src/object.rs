use anton_core::ObjectId;
use anton_yaml::{Document, Node};

/// A YAML file of the repository.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// The documents that parsed; a document with a syntax error is absent.
    pub documents: Vec<Document>,
    /// The file carries SOPS metadata (a top-level `sops:` key): its values
    /// are ciphertext, to be neither interpreted nor printed.
    pub sops_encrypted: bool,
    /// At least one document failed to parse.
    pub has_syntax_error: bool,
    /// The file as read (empty when it could not be read or was not UTF-8):
    /// rules read comments and lines from it without reading the file again.
    pub text: std::sync::Arc<str>,
}

impl SourceFile {
    /// The folder this file is in, relative to the repository root.
    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    pub fn file_name(&self) -> &str {
        self.path.rsplit_once('/').map_or(self.path.as_str(), |(_, name)| name)
    }

    /// `kustomization.yaml`, `kustomization.yml` or `Kustomization`: the files
    /// kustomize looks for in a folder, in kustomize's order of preference.
    pub fn is_kustomization_file(&self) -> bool {
        KUSTOMIZATION_FILE_NAMES.contains(&self.file_name())
    }
}

pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A Kubernetes object found in the repository: a document (or an item of a
/// `List`) with a string `apiVersion` and `kind`.
#[derive(Debug, Clone)]
pub struct Object {
    /// Index into [`crate::Repository::files`].
    pub file: usize,
    /// Index into that file's parsed `documents`.
    pub document: usize,
    /// For items of a `kind: List`, the item's position in `items`.
    pub list_item: Option<usize>,
    pub api_version: String,
    pub kind: String,
    /// Empty when `metadata.name` is missing (e.g. `generateName` objects).
    pub name: String,
    /// As written in the file; kustomize and Flux may set or change it later.
    pub namespace: Option<String>,
    pub sops_encrypted: bool,
}

impl Object {
    pub fn id(&self) -> ObjectId {
        ObjectId::new(&self.api_version, &self.kind, self.namespace.as_deref(), &self.name)
    }

    pub fn group(&self) -> &str {
        anton_core::ApiVersion::parse(&self.api_version).group
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group() == group
    }

    /// Reads an object out of a document root, when it is one.
    pub(crate) fn from_node(node: &Node, file: usize, document: usize, list_item: Option<usize>, sops: bool) -> Option<Self> {
        if !node.is_map() {
            return None;
        }
        let api_version = node.get("apiVersion")?.scalar_text()?.trim().to_owned();
        let kind = node.get("kind")?.scalar_text()?.trim().to_owned();
        if api_version.is_empty() || kind.is_empty() {
            return None;
        }
        Some(Self {
            file,
            document,
            list_item,
            name: node.str_at(&["metadata", "name"]).unwrap_or_default().to_owned(),
            namespace: node.str_at(&["metadata", "namespace"]).filter(|ns| !ns.is_empty()).map(str::to_owned),
            api_version,
            kind,
            sops_encrypted: sops,
        })
    }
}
