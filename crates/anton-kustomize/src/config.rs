//! The contents of a `kustomization.yaml`, with the position of every reference.

use anton_yaml::{Node, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KustomizationKind {
    Kustomization,
    /// `kind: Component` (kustomize.config.k8s.io/v1alpha1): meant for `components:`.
    Component,
}

/// A path or URL written in a kustomization, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub value: String,
    pub span: Span,
}

/// A `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorConfig {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub name: String,
    pub namespace: Option<String>,
    /// `create` (default), `merge` or `replace`.
    pub behavior: String,
    /// Paths from `files` (the part after `key=`), `envs` and `env`.
    pub sources: Vec<Reference>,
    pub disable_name_suffix_hash: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct KustomizationConfig {
    /// Repository-relative folder of the kustomization file.
    pub dir: String,
    /// Index of the kustomization file in the repository.
    pub file: usize,
    pub kind: KustomizationKind,
    pub namespace: Option<String>,
    pub name_prefix: String,
    pub name_suffix: String,
    /// `resources` and the deprecated `bases`.
    pub resources: Vec<Reference>,
    pub components: Vec<Reference>,
    /// Files named by `patches[].path`, `patchesStrategicMerge` and `patchesJson6902[].path`.
    pub patch_files: Vec<Reference>,
    /// Other files kustomize reads: `crds`, `configurations`, `replacements[].path`,
    /// `openapi.path`, and transformer/generator/validator config files.
    pub other_files: Vec<Reference>,
    pub generators: Vec<GeneratorConfig>,
    /// `helmCharts` entries: rendered by kustomize with Helm, which anton does not run.
    pub helm_charts: Vec<Span>,
    pub span: Span,
}

impl KustomizationConfig {
    /// Reads a kustomization document. Unknown fields are ignored here; the
    /// schema layer reports them.
    pub fn from_node(root: &Node, dir: &str, file: usize) -> Self {
        let kind = match root.str_at(&["kind"]) {
            Some("Component") => KustomizationKind::Component,
            _ => KustomizationKind::Kustomization,
        };
        let global_disable_hash = root
            .path(&["generatorOptions", "disableNameSuffixHash"])
            .and_then(Node::as_bool)
            .unwrap_or(false);
        let mut config = Self {
            dir: dir.to_owned(),
            file,
            kind,
            namespace: root.str_at(&["namespace"]).map(str::to_owned),
            name_prefix: root.str_at(&["namePrefix"]).unwrap_or_default().to_owned(),
            name_suffix: root.str_at(&["nameSuffix"]).unwrap_or_default().to_owned(),
            resources: string_list(root.get("resources")),
            components: string_list(root.get("components")),
            patch_files: Vec::new(),
            other_files: Vec::new(),
            generators: Vec::new(),
            helm_charts: root.get("helmCharts").map(|h| h.items().iter().map(|i| i.span).collect()).unwrap_or_default(),
            span: root.span,
        };
        config.resources.extend(string_list(root.get("bases")));

        for patch in root.get("patches").map(Node::items).unwrap_or_default() {
            if let Some(path) = patch.get("path").and_then(reference) {
                config.patch_files.push(path);
            }
        }
        for patch in root.get("patchesJson6902").map(Node::items).unwrap_or_default() {
            if let Some(path) = patch.get("path").and_then(reference) {
                config.patch_files.push(path);
            }
        }
        // An entry of patchesStrategicMerge is a file path, or an inline patch
        // when it spans lines or reads like YAML; kustomize tries the file first.
        for entry in root.get("patchesStrategicMerge").map(Node::items).unwrap_or_default() {
            if let Some(path) = reference(entry).filter(|r| !r.value.contains('\n') && !r.value.contains(": ")) {
                config.patch_files.push(path);
            }
        }
        for key in ["crds", "configurations"] {
            config.other_files.extend(string_list(root.get(key)));
        }
        for key in ["transformers", "generators", "validators"] {
            // Inline transformer configs are multi-line strings or maps; only plain paths are files.
            config.other_files.extend(
                string_list(root.get(key)).into_iter().filter(|r| !r.value.contains('\n') && !r.value.contains(": ")),
            );
        }
        for replacement in root.get("replacements").map(Node::items).unwrap_or_default() {
            if let Some(path) = replacement.get("path").and_then(reference) {
                config.other_files.push(path);
            }
        }
        if let Some(path) = root.path(&["openapi", "path"]).and_then(reference) {
            config.other_files.push(path);
        }

        for (key, kind) in [("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")] {
            for generator in root.get(key).map(Node::items).unwrap_or_default() {
                let mut sources = Vec::new();
                for file in string_list(generator.get("files")) {
                    // `key=path` names the data key; the path is what must exist.
                    let value = file.value.split_once('=').map_or(file.value.as_str(), |(_, path)| path).to_owned();
                    sources.push(Reference { value, span: file.span });
                }
                sources.extend(string_list(generator.get("envs")));
                if let Some(env) = generator.get("env").and_then(reference) {
                    sources.push(env);
                }
                config.generators.push(GeneratorConfig {
                    kind,
                    name: generator.str_at(&["name"]).unwrap_or_default().to_owned(),
                    namespace: generator.str_at(&["namespace"]).map(str::to_owned),
                    behavior: generator.str_at(&["behavior"]).unwrap_or("create").to_owned(),
                    sources,
                    disable_name_suffix_hash: generator
                        .path(&["options", "disableNameSuffixHash"])
                        .and_then(Node::as_bool)
                        .unwrap_or(global_disable_hash),
                    span: generator.span,
                });
            }
        }
        config
    }
}

fn reference(node: &Node) -> Option<Reference> {
    let value = node.scalar_text()?.trim();
    if value.is_empty() || node.is_null() {
        return None;
    }
    Some(Reference { value: value.to_owned(), span: node.span })
}

fn string_list(node: Option<&Node>) -> Vec<Reference> {
    node.map(|n| n.items().iter().filter_map(reference).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> KustomizationConfig {
        let out = anton_yaml::parse_stream(text);
        KustomizationConfig::from_node(&out.documents[0].root, "apps/demo", 0)
    }

    #[test]
    fn reads_references_with_positions() {
        let config = parse(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\nresources:\n  - ./helmrelease.yaml\n  - ../common\ncomponents:\n  - ../../components/common\n",
        );
        assert_eq!(config.namespace.as_deref(), Some("media"));
        assert_eq!(config.resources.len(), 2);
        assert_eq!(config.resources[1].value, "../common");
        assert_eq!(config.resources[1].span.line, 6);
        assert_eq!(config.components[0].value, "../../components/common");
    }

    #[test]
    fn reads_generators_and_patch_files() {
        let config = parse(
            "kind: Kustomization\ngeneratorOptions:\n  disableNameSuffixHash: true\nconfigMapGenerator:\n  - name: cfg\n    files:\n      - config.yaml=./files/config.yaml\n    envs: [settings.env]\nsecretGenerator:\n  - name: s\n    literals: [a=b]\n    options:\n      disableNameSuffixHash: false\npatches:\n  - path: patch.yaml\n  - patch: |-\n      - op: add\npatchesStrategicMerge:\n  - smp.yaml\n  - |-\n    apiVersion: v1\n    kind: ConfigMap\n",
        );
        assert_eq!(config.generators.len(), 2);
        assert_eq!(config.generators[0].sources.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(), ["./files/config.yaml", "settings.env"]);
        assert!(config.generators[0].disable_name_suffix_hash);
        assert!(!config.generators[1].disable_name_suffix_hash);
        assert_eq!(config.patch_files.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(), ["patch.yaml", "smp.yaml"]);
    }

    #[test]
    fn recognises_components() {
        let config = parse("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [a.yaml]\n");
        assert_eq!(config.kind, KustomizationKind::Component);
    }
}
