//! The contents of a `kustomization.yaml`, with the position of every reference.

use anton_yaml::{Node, ScalarStyle, Span};

use crate::select::TargetSpec;

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

/// A string value of the kustomization and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
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
    /// `literals`: `key=value`.
    pub literals: Vec<Reference>,
    /// `files`: `[key=]path`, as written.
    pub files: Vec<Reference>,
    /// `envs` and `env`: env files.
    pub envs: Vec<Reference>,
    /// `options.labels` / `options.annotations`, with `generatorOptions` applied.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub immutable: bool,
    /// `type` of a Secret (`Opaque` when unset).
    pub secret_type: Option<String>,
}

/// Where a patch's text comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchSource {
    /// Written in the kustomization (or a Flux Kustomization): the text and
    /// the scalar node that holds it, for positions.
    Inline { text: String, span: Span, block: bool },
    /// Written as YAML rather than as a string (an inline map under
    /// `patchesStrategicMerge`, Flux's `patchesJson6902` operations).
    Tree(Node),
    /// A file next to the kustomization.
    File(Reference),
}

/// A `patches`, `patchesStrategicMerge` or `patchesJson6902` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchSpec {
    pub source: PatchSource,
    pub target: Option<TargetSpec>,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
    pub span: Span,
}

/// A `labels` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSpec {
    pub pairs: Vec<(String, String)>,
    pub include_selectors: bool,
    pub include_templates: bool,
    /// Custom `fields`: (path, kind, create).
    pub fields: Vec<FieldSpec>,
    pub span: Span,
}

/// A field spec (`path` plus the kinds it applies to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub path: String,
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub create: bool,
}

/// An `images` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub span: Span,
}

/// A `replicas` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaSpec {
    pub name: String,
    pub count: String,
    pub span: Span,
}

/// A `replacements` entry: inline, or a file holding a list of them.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplacementSource {
    Inline(Node),
    File(Reference),
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
    /// Positions of `namespace`, `namePrefix`, `nameSuffix` (the kustomization itself when unset).
    pub namespace_span: Span,
    pub name_prefix_span: Span,
    pub name_suffix_span: Span,
    pub patches: Vec<PatchSpec>,
    pub patches_strategic_merge: Vec<PatchSpec>,
    pub patches_json6902: Vec<PatchSpec>,
    pub labels: Vec<LabelSpec>,
    pub common_labels: Vec<(String, String)>,
    pub common_labels_span: Span,
    pub common_annotations: Vec<(String, String)>,
    pub common_annotations_span: Span,
    pub images: Vec<ImageSpec>,
    pub replicas: Vec<ReplicaSpec>,
    pub replacements: Vec<ReplacementSource>,
    /// `configurations`: files of extra field specs (`nameReference`, `commonLabels` …).
    pub configurations: Vec<Reference>,
    /// Directives anton does not build (`vars`, `transformers`, `generators`,
    /// `validators`, `configurations`, `crds`, `openapi`), with their position.
    pub unsupported: Vec<(String, Span)>,
    /// Set when Flux generated this kustomization for a folder without one.
    pub generated: bool,
}

impl KustomizationConfig {
    /// Reads a kustomization document. Unknown fields are ignored here; the
    /// schema layer reports them.
    pub fn from_node(root: &Node, dir: &str, file: usize) -> Self {
        let kind = match root.str_at(&["kind"]) {
            Some("Component") => KustomizationKind::Component,
            _ => KustomizationKind::Kustomization,
        };
        let options = root.get("generatorOptions");
        let global_disable_hash = options.and_then(|o| o.get("disableNameSuffixHash")).and_then(Node::as_bool).unwrap_or(false);
        let global_immutable = options.and_then(|o| o.get("immutable")).and_then(Node::as_bool).unwrap_or(false);
        let global_labels = string_pairs(options.and_then(|o| o.get("labels")));
        let global_annotations = string_pairs(options.and_then(|o| o.get("annotations")));
        let span_of = |key: &str| root.get(key).map_or(root.span, |n| n.span);
        let mut config = Self {
            dir: dir.to_owned(),
            file,
            kind,
            namespace: root.str_at(&["namespace"]).filter(|n| !n.is_empty()).map(str::to_owned),
            name_prefix: root.str_at(&["namePrefix"]).unwrap_or_default().to_owned(),
            name_suffix: root.str_at(&["nameSuffix"]).unwrap_or_default().to_owned(),
            resources: string_list(root.get("resources")),
            components: string_list(root.get("components")),
            patch_files: Vec::new(),
            other_files: Vec::new(),
            generators: Vec::new(),
            helm_charts: root.get("helmCharts").map(|h| h.items().iter().map(|i| i.span).collect()).unwrap_or_default(),
            span: root.span,
            namespace_span: span_of("namespace"),
            name_prefix_span: span_of("namePrefix"),
            name_suffix_span: span_of("nameSuffix"),
            patches: Vec::new(),
            patches_strategic_merge: Vec::new(),
            patches_json6902: Vec::new(),
            labels: Vec::new(),
            common_labels: string_pairs(root.get("commonLabels")),
            common_labels_span: span_of("commonLabels"),
            common_annotations: string_pairs(root.get("commonAnnotations")),
            common_annotations_span: span_of("commonAnnotations"),
            images: Vec::new(),
            replicas: Vec::new(),
            replacements: Vec::new(),
            configurations: string_list(root.get("configurations")),
            unsupported: Vec::new(),
            generated: false,
        };
        config.resources.extend(string_list(root.get("bases")));

        for patch in root.get("patches").map(Node::items).unwrap_or_default() {
            if let Some(path) = patch.get("path").and_then(reference) {
                config.patch_files.push(path);
            }
            if let Some(spec) = PatchSpec::from_entry(patch) {
                config.patches.push(spec);
            }
        }
        for patch in root.get("patchesJson6902").map(Node::items).unwrap_or_default() {
            if let Some(path) = patch.get("path").and_then(reference) {
                config.patch_files.push(path);
            }
            if let Some(spec) = PatchSpec::from_entry(patch) {
                config.patches_json6902.push(spec);
            }
        }
        // An entry of patchesStrategicMerge is a file path, or an inline patch
        // when it spans lines or reads like YAML; kustomize tries the file first.
        for entry in root.get("patchesStrategicMerge").map(Node::items).unwrap_or_default() {
            let Some(text) = entry.scalar_text() else {
                // A map written inline as YAML: kustomize accepts it as a patch.
                config.patches_strategic_merge.push(PatchSpec::inline_node(entry));
                continue;
            };
            if !text.contains('\n') && !text.contains(": ") {
                if let Some(path) = reference(entry) {
                    config.patch_files.push(path.clone());
                    config.patches_strategic_merge.push(PatchSpec::file(path, entry.span));
                }
            } else {
                config.patches_strategic_merge.push(PatchSpec::inline(entry));
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
                config.other_files.push(path.clone());
                config.replacements.push(ReplacementSource::File(path));
            } else {
                config.replacements.push(ReplacementSource::Inline(replacement.clone()));
            }
        }
        if let Some(path) = root.path(&["openapi", "path"]).and_then(reference) {
            config.other_files.push(path);
        }
        for key in ["vars", "transformers", "generators", "validators", "crds", "openapi", "helmGlobals"] {
            if let Some(node) = root.get(key) {
                let empty = node.is_null() || (node.is_seq() && node.items().is_empty());
                if !empty {
                    config.unsupported.push((key.to_owned(), node.span));
                }
            }
        }

        for label in root.get("labels").map(Node::items).unwrap_or_default() {
            config.labels.push(LabelSpec {
                pairs: string_pairs(label.get("pairs")),
                include_selectors: label.get("includeSelectors").and_then(Node::as_bool).unwrap_or(false),
                include_templates: label.get("includeTemplates").and_then(Node::as_bool).unwrap_or(false),
                fields: label.get("fields").map(|f| f.items().iter().map(FieldSpec::from_node).collect()).unwrap_or_default(),
                span: label.span,
            });
        }
        for image in root.get("images").map(Node::items).unwrap_or_default() {
            let text = |key: &str| image.str_at(&[key]).filter(|t| !t.is_empty()).map(str::to_owned);
            config.images.push(ImageSpec {
                name: text("name").unwrap_or_default(),
                new_name: text("newName"),
                new_tag: text("newTag"),
                digest: text("digest"),
                span: image.span,
            });
        }
        for replica in root.get("replicas").map(Node::items).unwrap_or_default() {
            config.replicas.push(ReplicaSpec {
                name: replica.str_at(&["name"]).unwrap_or_default().to_owned(),
                count: replica.str_at(&["count"]).unwrap_or("0").to_owned(),
                span: replica.get("count").map_or(replica.span, |c| c.span),
            });
        }

        for (key, kind) in [("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")] {
            for generator in root.get(key).map(Node::items).unwrap_or_default() {
                let files = string_list(generator.get("files"));
                let mut envs = string_list(generator.get("envs"));
                if let Some(env) = generator.get("env").and_then(reference) {
                    envs.push(env);
                }
                let mut sources = Vec::new();
                for file in &files {
                    // `key=path` names the data key; the path is what must exist.
                    let value = file.value.split_once('=').map_or(file.value.as_str(), |(_, path)| path).to_owned();
                    sources.push(Reference { value, span: file.span });
                }
                sources.extend(envs.iter().cloned());
                let local = generator.get("options");
                let mut labels = string_pairs(local.and_then(|o| o.get("labels")));
                let mut annotations = string_pairs(local.and_then(|o| o.get("annotations")));
                // kustomize merges generatorOptions into each generator's
                // options, the global values winning.
                override_pairs(&mut labels, &global_labels);
                override_pairs(&mut annotations, &global_annotations);
                let local_disable = local.and_then(|o| o.get("disableNameSuffixHash")).and_then(Node::as_bool).unwrap_or(false);
                let local_immutable = local.and_then(|o| o.get("immutable")).and_then(Node::as_bool).unwrap_or(false);
                config.generators.push(GeneratorConfig {
                    kind,
                    name: generator.str_at(&["name"]).unwrap_or_default().to_owned(),
                    namespace: generator.str_at(&["namespace"]).filter(|n| !n.is_empty()).map(str::to_owned),
                    behavior: generator.str_at(&["behavior"]).unwrap_or("create").to_owned(),
                    sources,
                    disable_name_suffix_hash: local_disable || global_disable_hash,
                    span: generator.span,
                    literals: generator
                        .get("literals")
                        .map(|l| {
                            l.items()
                                .iter()
                                .filter_map(|i| Some(Reference { value: i.scalar_text()?.to_owned(), span: i.span }))
                                .collect()
                        })
                        .unwrap_or_default(),
                    files,
                    envs,
                    labels,
                    annotations,
                    immutable: local_immutable || global_immutable,
                    secret_type: generator.str_at(&["type"]).map(str::to_owned),
                });
            }
        }
        config
    }

    /// The kustomization Flux generates for a folder that has none: every
    /// manifest below it, and each sub-folder with its own kustomization.
    pub fn generated(dir: &str, file: usize, resources: Vec<Reference>, span: Span) -> Self {
        let mut config = Self::from_node(&crate::tree::empty_map(span), dir, file);
        config.resources = resources;
        config.generated = true;
        config
    }
}

impl PatchSpec {
    /// A `patches` / `patchesJson6902` entry.
    pub fn from_entry(entry: &Node) -> Option<PatchSpec> {
        let source = if let Some(path) = entry.get("path").and_then(reference) {
            PatchSource::File(path)
        } else {
            let patch = entry.get("patch")?;
            if patch.is_null() {
                return None;
            }
            match patch.scalar_text() {
                Some(text) => PatchSource::Inline {
                    text: text.to_owned(),
                    span: patch.span,
                    block: patch.is_scalar() && matches!(patch.style, ScalarStyle::Literal | ScalarStyle::Folded),
                },
                // Flux's patchesJson6902 hold the operations as YAML, not text.
                None => PatchSource::Tree(patch.clone()),
            }
        };
        let options = entry.get("options");
        Some(PatchSpec {
            source,
            target: entry.get("target").filter(|t| t.is_map()).map(TargetSpec::from_node),
            allow_name_change: options.and_then(|o| o.get("allowNameChange")).and_then(Node::as_bool).unwrap_or(false),
            allow_kind_change: options.and_then(|o| o.get("allowKindChange")).and_then(Node::as_bool).unwrap_or(false),
            span: entry.span,
        })
    }

    fn inline(node: &Node) -> PatchSpec {
        PatchSpec {
            source: PatchSource::Inline {
                text: node.scalar_text().unwrap_or_default().to_owned(),
                span: node.span,
                block: node.is_scalar() && matches!(node.style, ScalarStyle::Literal | ScalarStyle::Folded),
            },
            target: None,
            allow_name_change: false,
            allow_kind_change: false,
            span: node.span,
        }
    }

    fn inline_node(node: &Node) -> PatchSpec {
        PatchSpec {
            source: PatchSource::Tree(node.clone()),
            target: None,
            allow_name_change: false,
            allow_kind_change: false,
            span: node.span,
        }
    }

    fn file(path: Reference, span: Span) -> PatchSpec {
        PatchSpec { source: PatchSource::File(path), target: None, allow_name_change: false, allow_kind_change: false, span }
    }
}

impl FieldSpec {
    pub fn from_node(node: &Node) -> FieldSpec {
        let text = |key: &str| node.str_at(&[key]).filter(|t| !t.is_empty()).map(str::to_owned);
        FieldSpec {
            path: text("path").unwrap_or_default(),
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            create: node.get("create").and_then(Node::as_bool).unwrap_or(false),
        }
    }
}

fn override_pairs(into: &mut Vec<(String, String)>, incoming: &[(String, String)]) {
    for (key, value) in incoming {
        match into.iter_mut().find(|(k, _)| k == key) {
            Some(existing) => existing.1 = value.clone(),
            None => into.push((key.clone(), value.clone())),
        }
    }
}

/// A map of strings (labels, annotations), in the order written. Values that
/// are not scalars are skipped; `null` reads as the empty string, as in Go.
pub(crate) fn string_pairs(node: Option<&Node>) -> Vec<(String, String)> {
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|e| {
                let value = if e.value.is_null() { "" } else { e.value.scalar_text()? };
                Some((e.key.scalar_text()?.to_owned(), value.to_owned()))
            })
            .collect()
    })
    .unwrap_or_default()
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
            "kind: Kustomization\ngeneratorOptions:\n  disableNameSuffixHash: true\n  labels: {g: \"1\"}\nconfigMapGenerator:\n  - name: cfg\n    files:\n      - config.yaml=./files/config.yaml\n    envs: [settings.env]\n    options:\n      labels: {g: local, l: \"2\"}\nsecretGenerator:\n  - name: s\n    literals: [a=b]\n    type: kubernetes.io/tls\n    options:\n      disableNameSuffixHash: false\npatches:\n  - path: patch.yaml\n  - patch: |-\n      - op: add\n    target: {kind: Deployment, name: \"web-.*\"}\npatchesStrategicMerge:\n  - smp.yaml\n  - |-\n    apiVersion: v1\n    kind: ConfigMap\n",
        );
        assert_eq!(config.generators.len(), 2);
        assert_eq!(config.generators[0].sources.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(), ["./files/config.yaml", "settings.env"]);
        assert!(config.generators[0].disable_name_suffix_hash);
        // generatorOptions wins over options, as in kustomize.
        assert!(config.generators[1].disable_name_suffix_hash);
        assert_eq!(config.generators[0].labels, [("g".to_owned(), "1".to_owned()), ("l".to_owned(), "2".to_owned())]);
        assert_eq!(config.generators[1].literals[0].value, "a=b");
        assert_eq!(config.generators[1].secret_type.as_deref(), Some("kubernetes.io/tls"));
        assert_eq!(config.patch_files.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(), ["patch.yaml", "smp.yaml"]);
        assert_eq!(config.patches.len(), 2);
        assert_eq!(config.patches[1].target.as_ref().and_then(|t| t.name.as_deref()), Some("web-.*"));
        assert!(matches!(&config.patches[1].source, PatchSource::Inline { block: true, .. }));
        assert_eq!(config.patches_strategic_merge.len(), 2);
    }

    #[test]
    fn recognises_components() {
        let config = parse("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [a.yaml]\n");
        assert_eq!(config.kind, KustomizationKind::Component);
    }

    #[test]
    fn reads_transformer_fields() {
        let config = parse(
            "labels:\n  - pairs: {app: web}\n    includeSelectors: true\ncommonLabels: {team: a}\ncommonAnnotations: {note: x}\nimages:\n  - {name: nginx, newTag: \"1.25\"}\nreplicas:\n  - {name: web, count: 3}\nvars: [{name: X}]\n",
        );
        assert!(config.labels[0].include_selectors);
        assert_eq!(config.common_labels, [("team".to_owned(), "a".to_owned())]);
        assert_eq!(config.images[0].new_tag.as_deref(), Some("1.25"));
        assert_eq!(config.replicas[0].count, "3");
        assert_eq!(config.unsupported[0].0, "vars");
    }
}
