//! A Flux Kustomization's spec, read from the object as it is applied (after
//! the patches its parent pushed into it).

use anton_kustomize::{ImageSpec, Overlay, PatchSource, PatchSpec, Reference, Spanned};
use anton_yaml::{Node, Span};

/// `spec.postBuild`.
#[derive(Debug, Clone, Default)]
pub struct PostBuild {
    /// `substitute`: name, value, and where the value is written.
    pub substitute: Vec<(String, String, Span)>,
    /// `substituteFrom`: kind, name, optional, where written.
    pub substitute_from: Vec<SubstituteFrom>,
    /// `postBuild` is present at all.
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubstituteFrom {
    pub kind: String,
    pub name: String,
    pub optional: bool,
    pub span: Span,
}

/// What anton reads of a Flux Kustomization to build it.
#[derive(Debug, Clone, Default)]
pub struct FluxSpec {
    pub path: Option<Spanned>,
    pub source_kind: String,
    pub source_name: String,
    pub source_namespace: Option<String>,
    pub overlay: Overlay,
    pub post_build: PostBuild,
    /// `spec.commonMetadata`.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub common_metadata_span: Span,
    /// `spec.components` entries that are not local relative paths.
    pub bad_components: Vec<Spanned>,
}

fn text(node: Option<&Node>) -> Option<String> {
    let node = node?;
    if node.is_null() {
        return None;
    }
    node.scalar_text().map(str::to_owned)
}

fn spanned(node: Option<&Node>) -> Option<Spanned> {
    let n = node?;
    Some(Spanned { value: text(Some(n))?, span: n.span })
}

fn pairs(node: Option<&Node>) -> Vec<(String, String)> {
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|e| Some((e.key.scalar_text()?.to_owned(), text(Some(&e.value)).unwrap_or_default())))
            .collect()
    })
    .unwrap_or_default()
}

/// Flux accepts only local, relative component paths.
fn is_local_relative(path: &str) -> bool {
    !path.starts_with('/') && !path.contains("://") && !path.starts_with("git@")
}

impl FluxSpec {
    pub fn read(object: &Node) -> FluxSpec {
        let Some(spec) = object.get("spec") else { return FluxSpec::default() };
        let source = spec.get("sourceRef");
        let mut out = FluxSpec {
            path: spanned(spec.get("path")),
            source_kind: text(source.and_then(|s| s.get("kind"))).unwrap_or_default(),
            source_name: text(source.and_then(|s| s.get("name"))).unwrap_or_default(),
            source_namespace: text(source.and_then(|s| s.get("namespace"))).filter(|n| !n.is_empty()),
            ..FluxSpec::default()
        };
        let overlay = &mut out.overlay;
        overlay.namespace = spanned(spec.get("targetNamespace")).filter(|s| !s.value.is_empty());
        overlay.name_prefix = spanned(spec.get("namePrefix")).filter(|s| !s.value.is_empty());
        overlay.name_suffix = spanned(spec.get("nameSuffix")).filter(|s| !s.value.is_empty());
        for patch in spec.get("patches").map(Node::items).unwrap_or_default() {
            if let Some(p) = PatchSpec::from_entry(patch) {
                overlay.patches.push(p);
            }
        }
        for patch in spec.get("patchesStrategicMerge").map(Node::items).unwrap_or_default() {
            overlay.patches_strategic_merge.push(PatchSpec {
                source: PatchSource::Tree(patch.clone()),
                target: None,
                allow_name_change: false,
                allow_kind_change: false,
                span: patch.span,
            });
        }
        for patch in spec.get("patchesJson6902").map(Node::items).unwrap_or_default() {
            if let Some(p) = PatchSpec::from_entry(patch) {
                overlay.patches_json6902.push(p);
            }
        }
        for component in spec.get("components").map(Node::items).unwrap_or_default() {
            let Some(value) = text(Some(component)) else { continue };
            if is_local_relative(&value) {
                overlay.components.push(Reference { value, span: component.span });
            } else {
                out.bad_components.push(Spanned { value, span: component.span });
            }
        }
        overlay.ignore_missing_components = spec.get("ignoreMissingComponents").and_then(Node::as_bool).unwrap_or(false);
        for image in spec.get("images").map(Node::items).unwrap_or_default() {
            overlay.images.push(ImageSpec {
                name: text(image.get("name")).unwrap_or_default(),
                new_name: text(image.get("newName")).filter(|t| !t.is_empty()),
                new_tag: text(image.get("newTag")).filter(|t| !t.is_empty()),
                digest: text(image.get("digest")).filter(|t| !t.is_empty()),
                span: image.span,
            });
        }
        if let Some(common) = spec.get("commonMetadata") {
            out.labels = pairs(common.get("labels"));
            out.annotations = pairs(common.get("annotations"));
            out.common_metadata_span = common.span;
        }
        if let Some(post) = spec.get("postBuild").filter(|p| !p.is_null()) {
            out.post_build.present = true;
            for entry in post.get("substitute").map(Node::entries).unwrap_or_default() {
                let Some(key) = entry.key.scalar_text() else { continue };
                out.post_build.substitute.push((key.to_owned(), text(Some(&entry.value)).unwrap_or_default(), entry.value.span));
            }
            for item in post.get("substituteFrom").map(Node::items).unwrap_or_default() {
                out.post_build.substitute_from.push(SubstituteFrom {
                    kind: text(item.get("kind")).unwrap_or_default(),
                    name: text(item.get("name")).unwrap_or_default(),
                    optional: item.get("optional").and_then(Node::as_bool).unwrap_or(false),
                    span: item.span,
                });
            }
        }
        out
    }
}
