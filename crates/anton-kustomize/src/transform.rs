//! kustomize's built-in transformers, in the order kustomize runs them:
//! namespace, name prefix and suffix, labels, annotations, replicas, images.
//! Every value they set carries the span of the kustomization field that set it.

use std::sync::Arc;

use anton_yaml::{Node, Span, Value};
use regex::Regex;

use crate::config::{FieldSpec, ImageSpec, LabelSpec, ReplicaSpec};
use crate::resource::{ResId, Resource};
use crate::tree;

/// A built-in field spec: where a transformer writes, for which kinds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fs {
    pub path: &'static str,
    pub group: Option<&'static str>,
    pub version: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub create: bool,
}

const fn fs(path: &'static str, group: Option<&'static str>, version: Option<&'static str>, kind: Option<&'static str>, create: bool) -> Fs {
    Fs { path, group, version, kind, create }
}

const APPS: Option<&str> = Some("apps");
const BATCH: Option<&str> = Some("batch");
const V1: Option<&str> = Some("v1");

/// kustomize's `metadataLabelsFieldSpecs`: object and pod-template labels.
const TEMPLATE_LABELS: &[Fs] = &[
    fs("metadata/labels", None, None, None, true),
    fs("spec/template/metadata/labels", None, V1, Some("ReplicationController"), true),
    fs("spec/template/metadata/labels", None, None, Some("Deployment"), true),
    fs("spec/template/metadata/labels", None, None, Some("ReplicaSet"), true),
    fs("spec/template/metadata/labels", None, None, Some("DaemonSet"), true),
    fs("spec/template/metadata/labels", APPS, None, Some("StatefulSet"), true),
    fs("spec/volumeClaimTemplates[]/metadata/labels", APPS, None, Some("StatefulSet"), true),
    fs("spec/template/metadata/labels", BATCH, None, Some("Job"), true),
    fs("spec/jobTemplate/metadata/labels", BATCH, None, Some("CronJob"), true),
    fs("spec/jobTemplate/spec/template/metadata/labels", BATCH, None, Some("CronJob"), true),
];

/// kustomize's `commonLabelFieldSpecs`: selectors as well as labels.
const SELECTOR_LABELS: &[Fs] = &[
    fs("spec/selector", None, V1, Some("Service"), true),
    fs("spec/selector", None, V1, Some("ReplicationController"), true),
    fs("spec/selector/matchLabels", None, None, Some("Deployment"), true),
    fs("spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", APPS, None, Some("Deployment"), false),
    fs("spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", APPS, None, Some("Deployment"), false),
    fs("spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", APPS, None, Some("Deployment"), false),
    fs("spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", APPS, None, Some("Deployment"), false),
    fs("spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", APPS, None, Some("Deployment"), false),
    fs("spec/selector/matchLabels", None, None, Some("ReplicaSet"), true),
    fs("spec/selector/matchLabels", None, None, Some("DaemonSet"), true),
    fs("spec/selector/matchLabels", APPS, None, Some("StatefulSet"), true),
    fs("spec/volumeClaimTemplates[]/metadata/labels", APPS, None, Some("StatefulSet"), true),
    fs("spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", APPS, None, Some("StatefulSet"), false),
    fs("spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", APPS, None, Some("StatefulSet"), false),
    fs("spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels", APPS, None, Some("StatefulSet"), false),
    fs("spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels", APPS, None, Some("StatefulSet"), false),
    fs("spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", APPS, None, Some("StatefulSet"), false),
    fs("spec/selector/matchLabels", BATCH, None, Some("Job"), false),
    fs("spec/jobTemplate/spec/selector/matchLabels", BATCH, None, Some("CronJob"), false),
    fs("spec/selector/matchLabels", Some("policy"), None, Some("PodDisruptionBudget"), false),
    fs("spec/podSelector/matchLabels", Some("networking.k8s.io"), None, Some("NetworkPolicy"), false),
    fs("spec/ingress/from/podSelector/matchLabels", Some("networking.k8s.io"), None, Some("NetworkPolicy"), false),
    fs("spec/egress/to/podSelector/matchLabels", Some("networking.k8s.io"), None, Some("NetworkPolicy"), false),
];

/// kustomize's `commonAnnotations` field specs.
const ANNOTATIONS: &[Fs] = &[
    fs("metadata/annotations", None, None, None, true),
    fs("spec/template/metadata/annotations", None, V1, Some("ReplicationController"), true),
    fs("spec/template/metadata/annotations", None, None, Some("Deployment"), true),
    fs("spec/template/metadata/annotations", None, None, Some("ReplicaSet"), true),
    fs("spec/template/metadata/annotations", None, None, Some("DaemonSet"), true),
    fs("spec/template/metadata/annotations", APPS, None, Some("StatefulSet"), true),
    fs("spec/template/metadata/annotations", BATCH, None, Some("Job"), true),
    fs("spec/jobTemplate/metadata/annotations", BATCH, None, Some("CronJob"), true),
    fs("spec/jobTemplate/spec/template/metadata/annotations", BATCH, None, Some("CronJob"), true),
];

/// kustomize's `replicas` field specs.
const REPLICAS: &[Fs] = &[
    fs("spec/replicas", None, None, Some("Deployment"), true),
    fs("spec/replicas", None, None, Some("ReplicationController"), true),
    fs("spec/replicas", None, None, Some("ReplicaSet"), true),
    fs("spec/replicas", None, None, Some("StatefulSet"), true),
];

/// kustomize's `images` field specs (besides the scan of every `containers`
/// and `initContainers` list, which finds the same fields and more).
const IMAGES: &[Fs] = &[
    fs("spec/containers[]/image", None, None, None, false),
    fs("spec/initContainers[]/image", None, None, None, false),
    fs("spec/template/spec/containers[]/image", None, None, None, false),
    fs("spec/template/spec/initContainers[]/image", None, None, None, false),
];

fn gvk_matches(id: &ResId, group: Option<&str>, version: Option<&str>, kind: Option<&str>) -> bool {
    kind.is_none_or(|k| k == id.kind) && group.is_none_or(|g| g == id.group()) && version.is_none_or(|v| v == id.version())
}

/// Splits a field-spec path at `/`, keeping `\/` as a literal slash.
pub(crate) fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                current.push('/');
                chars.next();
            }
            '/' => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts.retain(|p| !p.is_empty());
    parts
}

/// What to create at the end of a path that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Create {
    No,
    Map,
    Scalar,
}

/// Walks `path` from `node` the way kustomize's field specs do — through
/// every element of a list on the way — and calls `set` on what it finds,
/// creating missing fields when asked. Only the mappings and lists on the
/// way to something it sets or creates are written (and so copied, when
/// shared with other builds): most field specs find nothing in most objects.
pub(crate) fn walk(node: &mut Arc<Node>, path: &[String], create: Create, span: Span, set: &mut dyn FnMut(&mut Node)) {
    if reaches(node, path, create) {
        walk_reaching(Arc::make_mut(node), path, create, span, set);
    }
}

/// Whether [`walk`] would set or create anything below `node`.
fn reaches(node: &Node, path: &[String], create: Create) -> bool {
    let Some(first) = path.first() else { return true };
    if tree::is_null(node) {
        return false;
    }
    match &node.value {
        Value::Seq(items) => items.iter().any(|item| reaches(item, path, create)),
        Value::Map(_) => {
            let (name, hinted_list) = match first.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (first.as_str(), false),
            };
            let creates = create != Create::No && !hinted_list;
            match node.get(name) {
                None => creates,
                // A null becomes a mapping, a scalar or (a hinted list) an empty list.
                Some(field) if tree::is_null(field) => creates || hinted_list,
                Some(field) => reaches(field, &path[1..], create),
            }
        }
        Value::Scalar(_) => false,
    }
}

/// [`walk`] below a node it [`reaches`] through.
fn walk_reaching(node: &mut Node, path: &[String], create: Create, span: Span, set: &mut dyn FnMut(&mut Node)) {
    let Some(first) = path.first() else {
        set(node);
        return;
    };
    if tree::is_null(node) {
        return;
    }
    match &mut node.value {
        Value::Seq(items) => {
            // Only the items it reaches: the list is copied once, they are.
            let reaching: Vec<usize> = (0..items.len()).filter(|&i| reaches(&items[i], path, create)).collect();
            for i in reaching {
                walk_reaching(&mut items[i], path, create, span, set);
            }
        }
        Value::Map(_) => {
            let (name, hinted_list) = match first.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (first.as_str(), false),
            };
            let last = path.len() == 1;
            let make = if create == Create::No || hinted_list {
                None
            } else if last {
                Some(create)
            } else {
                Some(Create::Map)
            };
            if node.get(name).is_none() {
                match make {
                    Some(Create::Map) => tree::set(node, name, tree::empty_map(span)),
                    Some(Create::Scalar) => tree::set(node, name, tree::string("", span)),
                    _ => return,
                }
            }
            let Some(field) = tree::get_mut(node, name) else { return };
            if tree::is_null(field) {
                match make {
                    Some(Create::Map) => *field = tree::empty_map(field.span),
                    Some(Create::Scalar) => *field = tree::string("", field.span),
                    _ if hinted_list => *field = tree::empty_seq(field.span),
                    _ => {}
                }
            }
            walk_reaching(field, &path[1..], create, span, set);
        }
        Value::Scalar(_) => {}
    }
}

fn apply_fieldspecs(resource: &mut Resource, specs: &[Fs], custom: &[FieldSpec], create: Create, span: Span, set: &mut dyn FnMut(&mut Node)) {
    let id = resource.id();
    for spec in specs {
        if gvk_matches(&id, spec.group, spec.version, spec.kind) {
            let c = if spec.create { create } else { Create::No };
            walk(&mut resource.node, &split_path(spec.path), c, span, set);
        }
    }
    for spec in custom {
        if gvk_matches(&id, spec.group.as_deref(), spec.version.as_deref(), spec.kind.as_deref()) {
            let c = if spec.create { create } else { Create::No };
            walk(&mut resource.node, &split_path(&spec.path), c, span, set);
        }
    }
}

/// Sets string entries in a mapping (labels, annotations, selectors).
fn set_entries(pairs: &[(String, String)], span: Span) -> impl FnMut(&mut Node) + '_ {
    move |node: &mut Node| {
        if node.is_map() {
            let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
            sorted.sort();
            for (key, value) in sorted {
                tree::set(node, key, tree::string(value, span));
            }
        }
    }
}

/// `namespace:` (and Flux's `targetNamespace`).
pub(crate) fn namespace(resources: &mut [Resource], namespace: &str, span: Span) {
    for resource in resources.iter_mut() {
        // The identity before the change, read once: it is also the previous id stored below.
        let id = resource.id();
        if !id.is_cluster_scoped() {
            if let Some(metadata) = tree::ensure_map(resource.node_mut(), "metadata", span) {
                tree::set(metadata, "namespace", tree::string(namespace, span));
            }
        }
        match (id.api_version.as_str(), id.kind.as_str()) {
            // kustomize renames Namespace objects to the target namespace.
            ("v1", "Namespace") => {
                if let Some(metadata) = tree::ensure_map(resource.node_mut(), "metadata", span) {
                    tree::set(metadata, "name", tree::string(namespace, span));
                }
            }
            (_, "RoleBinding" | "ClusterRoleBinding") => {
                if let Some(Value::Seq(subjects)) = tree::get_mut(resource.node_mut(), "subjects").map(|s| &mut s.value) {
                    for subject in subjects.iter_mut() {
                        if subject.str_at(&["name"]) == Some("default") && subject.is_map() {
                            tree::set(subject, "namespace", tree::string(namespace, span));
                        }
                    }
                }
            }
            _ => {}
        }
        if id.group() == "apiregistration.k8s.io" && id.kind == "APIService" {
            walk(&mut resource.node, &split_path("spec/service/namespace"), Create::Scalar, span, &mut |n| {
                *n = tree::string(namespace, span)
            });
        }
        if id.group() == "apiextensions.k8s.io" && id.kind == "CustomResourceDefinition" {
            walk(&mut resource.node, &split_path("spec/conversion/webhook/clientConfig/service/namespace"), Create::No, span, &mut |n| {
                *n = tree::string(namespace, span)
            });
        }
        resource.prev_ids.push(id);
    }
}

/// Kinds whose names neither `namePrefix` nor `nameSuffix` change.
fn keeps_name(id: &ResId) -> bool {
    id.kind == "CustomResourceDefinition" || id.kind == "Namespace" || (id.kind == "APIService" && id.group() == "apiregistration.k8s.io")
}

/// `namePrefix:` and `nameSuffix:`.
pub(crate) fn prefix_suffix(resources: &mut [Resource], prefix: &str, suffix: &str, prefix_span: Span, suffix_span: Span) {
    for (affix, is_prefix, span) in [(prefix, true, prefix_span), (suffix, false, suffix_span)] {
        if affix.is_empty() {
            continue;
        }
        for resource in resources.iter_mut() {
            if keeps_name(&resource.org_id()) {
                continue;
            }
            resource.store_previous_id();
            let name = resource.name().to_owned();
            let renamed = if is_prefix { format!("{affix}{name}") } else { format!("{name}{affix}") };
            if is_prefix {
                resource.prefixes.push(affix.to_owned());
            } else {
                resource.suffixes.push(affix.to_owned());
            }
            if let Some(metadata) = tree::ensure_map(resource.node_mut(), "metadata", span) {
                tree::set(metadata, "name", tree::string(&renamed, span));
            }
        }
    }
}

/// One `labels` entry; `extra` are `commonLabels` field specs from `configurations`.
pub(crate) fn labels(resources: &mut [Resource], label: &LabelSpec, extra: &[FieldSpec]) {
    let mut specs: Vec<Fs> = Vec::new();
    let mut custom: Vec<FieldSpec> = label.fields.clone();
    if label.include_selectors {
        specs.extend_from_slice(SELECTOR_LABELS);
        specs.extend_from_slice(TEMPLATE_LABELS);
        custom.extend_from_slice(extra);
    } else if label.include_templates {
        specs.extend_from_slice(TEMPLATE_LABELS);
    } else {
        specs.push(fs("metadata/labels", None, None, None, true));
    }
    for resource in resources.iter_mut() {
        let mut set = set_entries(&label.pairs, label.span);
        apply_fieldspecs(resource, &specs, &custom, Create::Map, label.span, &mut set);
    }
}

/// `commonLabels:` — labels and selectors.
pub(crate) fn common_labels(resources: &mut [Resource], pairs: &[(String, String)], span: Span, extra: &[FieldSpec]) {
    if pairs.is_empty() {
        return;
    }
    let specs: Vec<Fs> = SELECTOR_LABELS.iter().chain(TEMPLATE_LABELS).copied().collect();
    for resource in resources.iter_mut() {
        let mut set = set_entries(pairs, span);
        apply_fieldspecs(resource, &specs, extra, Create::Map, span, &mut set);
    }
}

/// `commonAnnotations:`.
pub(crate) fn common_annotations(resources: &mut [Resource], pairs: &[(String, String)], span: Span, extra: &[FieldSpec]) {
    if pairs.is_empty() {
        return;
    }
    for resource in resources.iter_mut() {
        let mut set = set_entries(pairs, span);
        apply_fieldspecs(resource, ANNOTATIONS, extra, Create::Map, span, &mut set);
    }
}

/// One `replicas` entry; `false` when no object of a scalable kind has that name.
pub(crate) fn replicas(resources: &mut [Resource], replica: &ReplicaSpec) -> bool {
    let mut found = false;
    for resource in resources.iter_mut() {
        let ids = resource.all_ids();
        for spec in REPLICAS {
            let matches = ids.iter().any(|id| id.name == replica.name && gvk_matches(id, spec.group, spec.version, spec.kind));
            if !matches {
                continue;
            }
            found = true;
            walk(&mut resource.node, &split_path(spec.path), Create::Scalar, replica.span, &mut |n| {
                *n = tree::plain(&replica.count, replica.span)
            });
        }
    }
    found
}

/// kustomize's image matching: the name is a regular expression, followed by
/// an optional tag and digest.
fn image_matches(value: &str, name: &str) -> bool {
    Regex::new(&format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$")).is_ok_and(|re| re.is_match(value))
}

/// Splits `registry:5000/repo:tag@digest` into name, tag and digest.
pub(crate) fn split_image(image: &str) -> (&str, &str, &str) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image, "", ""),
        (c, Some(d)) if c.is_none_or(|c| d < c) => (&image[..slash + d], "", &image[slash + d + 1..]),
        (Some(c), Some(d)) => (&image[..slash + c], &image[slash + c + 1..slash + d], &image[slash + d + 1..]),
        (Some(c), None) => (&image[..slash + c], &image[slash + c + 1..], ""),
        _ => (image, "", ""),
    }
}

fn new_image(value: &str, image: &ImageSpec) -> Option<String> {
    if !image_matches(value, &image.name) {
        return None;
    }
    let (name, tag, digest) = split_image(value);
    let mut name = name.to_owned();
    let (mut tag, mut digest) = (tag.to_owned(), digest.to_owned());
    if let Some(new_name) = &image.new_name {
        name = new_name.clone();
    }
    match (&image.new_tag, &image.digest) {
        (Some(t), Some(d)) => {
            tag = t.clone();
            digest = d.clone();
        }
        (Some(t), None) => {
            tag = t.clone();
            digest.clear();
        }
        (None, Some(d)) => {
            tag.clear();
            digest = d.clone();
        }
        (None, None) => {}
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    Some(name)
}

fn set_image(node: &mut Node, image: &ImageSpec) {
    let Some(value) = node.scalar_text() else { return };
    if let Some(new) = new_image(value, image) {
        if new != value {
            *node = tree::string(&new, image.span);
        }
    }
}

/// Finds `containers` / `initContainers` lists anywhere in an object.
fn scan_containers(node: &mut Node, image: &ImageSpec) {
    match &mut node.value {
        Value::Map(entries) => {
            for entry in entries.iter_mut() {
                scan_containers(&mut entry.value, image);
                let key = entry.key.scalar_text().unwrap_or_default();
                if key == "containers" || key == "initContainers" {
                    if let Value::Seq(items) = &mut entry.value.value {
                        for item in items {
                            if let Some(image_node) = tree::get_mut(item, "image") {
                                set_image(image_node, image);
                            }
                        }
                    }
                }
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| scan_containers(i, image)),
        Value::Scalar(_) => {}
    }
}

/// One `images` entry; `extra` are `images` field specs from `configurations`.
pub(crate) fn images(resources: &mut [Resource], image: &ImageSpec, extra: &[FieldSpec]) {
    for resource in resources.iter_mut() {
        if resource.kind() != "CustomResourceDefinition" {
            scan_containers(resource.node_mut(), image);
        }
        apply_fieldspecs(resource, IMAGES, extra, Create::No, image.span, &mut |n| set_image(n, image));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Arc<Node> {
        anton_yaml::parse_stream(text).documents.remove(0).root
    }

    /// A field spec that finds nothing changes nothing and copies nothing:
    /// the tree stays shared with the builds it came from.
    #[test]
    fn a_walk_that_finds_nothing_leaves_a_shared_tree_shared() {
        let shared = tree("spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n");
        let mut node = shared.clone();
        let mut calls = 0;
        walk(&mut node, &split_path("spec/template/spec/volumes/configMap/name"), Create::No, Span::default(), &mut |_| calls += 1);
        walk(&mut node, &split_path("spec/template/spec/containers/env/valueFrom/configMapKeyRef/name"), Create::No, Span::default(), &mut |_| calls += 1);
        assert_eq!(calls, 0);
        assert!(Arc::ptr_eq(&node, &shared), "the root was copied");

        // Found in one container of two: only the way to it is copied.
        let shared = tree("spec:\n  containers:\n    - name: a\n      envFrom: [{configMapRef: {name: settings}}]\n    - name: b\n      resources: {limits: {cpu: 1}}\n");
        let mut node = shared.clone();
        walk(&mut node, &split_path("spec/containers/envFrom/configMapRef/name"), Create::No, Span::default(), &mut |n| {
            *n = tree::string("settings-abc", Span::default())
        });
        assert_eq!(node.path(&["spec", "containers"]).unwrap().items()[0].path(&["envFrom"]).unwrap().items()[0].str_at(&["configMapRef", "name"]), Some("settings-abc"));
        assert_eq!(shared.path(&["spec", "containers"]).unwrap().items()[0].path(&["envFrom"]).unwrap().items()[0].str_at(&["configMapRef", "name"]), Some("settings"));
        let second = |node: &Node| node.path(&["spec", "containers"]).unwrap().items()[1].path(&["resources"]).unwrap().clone();
        assert!(second(&node).shares_children_with(&second(&shared)), "the other container is shared");
    }

    /// What the walk creates or turns from null it still does: a missing
    /// field with `Create`, a null hinted list (`[]`) becoming an empty list.
    #[test]
    fn a_walk_still_creates_what_it_is_asked_to() {
        let mut node = tree("metadata:\n  name: a\n");
        walk(&mut node, &split_path("metadata/labels"), Create::Map, Span::default(), &mut |n| tree::set(n, "team", tree::string("web", Span::default())));
        assert_eq!(node.str_at(&["metadata", "labels", "team"]), Some("web"));
        let mut node = tree("spec:\n  subjects: null\n");
        walk(&mut node, &split_path("spec/subjects[]/name"), Create::No, Span::default(), &mut |_| {});
        assert!(node.path(&["spec", "subjects"]).unwrap().is_seq(), "null became an empty list");
        let mut node = tree("spec:\n  template: null\n");
        let shared = node.clone();
        walk(&mut node, &split_path("spec/template/spec/containers"), Create::No, Span::default(), &mut |_| {});
        assert!(Arc::ptr_eq(&node, &shared), "a null on the way ends the walk without a copy");
    }

    #[test]
    fn image_references_split_like_kustomize() {
        assert_eq!(split_image("nginx"), ("nginx", "", ""));
        assert_eq!(split_image("nginx:1.25"), ("nginx", "1.25", ""));
        assert_eq!(split_image("registry:5000/app:v1@sha256:ab"), ("registry:5000/app", "v1", "sha256:ab"));
        assert_eq!(split_image("ghcr.io/a/b@sha256:ab"), ("ghcr.io/a/b", "", "sha256:ab"));
    }

    #[test]
    fn images_keep_or_replace_tags() {
        let spec = |new_name: Option<&str>, new_tag: Option<&str>, digest: Option<&str>| ImageSpec {
            name: "nginx".into(),
            new_name: new_name.map(Into::into),
            new_tag: new_tag.map(Into::into),
            digest: digest.map(Into::into),
            span: Span::default(),
        };
        assert_eq!(new_image("nginx:1.0", &spec(None, Some("2.0"), None)).as_deref(), Some("nginx:2.0"));
        assert_eq!(new_image("nginx:1.0", &spec(Some("my/nginx"), None, None)).as_deref(), Some("my/nginx:1.0"));
        assert_eq!(new_image("nginx:1.0", &spec(None, None, Some("sha256:x"))).as_deref(), Some("nginx@sha256:x"));
        assert_eq!(new_image("nginxx:1.0", &spec(None, Some("2"), None)), None);
    }

    #[test]
    fn paths_split_with_escapes() {
        assert_eq!(split_path("metadata/annotations/a.b\\/c"), ["metadata", "annotations", "a.b/c"]);
    }
}
