//! Name references: when a build renames an object (a prefix, a suffix, the
//! content hash of a generated ConfigMap), every field that refers to it by
//! its old name is updated — `envFrom.configMapRef`, volumes, `roleRef`,
//! `serviceAccountName`, … — following kustomize's built-in `nameReference`
//! configuration and its rules for picking the referred object.

use std::sync::LazyLock;

use foldhash::{HashMap, HashMapExt};

use anton_yaml::{Node, Value};

use crate::resource::{ResId, Resource};
use crate::transform::{Create, split_path, walk};
use crate::tree;

/// A referrer field: `path` in objects of this kind (group/version optional).
pub(crate) struct Field {
    pub path: String,
    pub kind: String,
    pub group: Option<String>,
    pub version: Option<String>,
    /// `path` split into its segments, worked out on first use.
    pub segments: std::sync::OnceLock<Vec<String>>,
}

impl Field {
    fn segments(&self) -> &[String] {
        self.segments.get_or_init(|| split_path(&self.path))
    }
}

/// The kinds that can be referred to, and where.
pub(crate) struct Rule {
    pub kind: String,
    pub group: Option<String>,
    pub version: Option<String>,
    pub fields: Vec<Field>,
}

fn f(path: &str, kind: &str) -> Field {
    Field { path: path.to_owned(), kind: kind.to_owned(), group: None, version: None, segments: Default::default() }
}

fn fg(path: &str, kind: &str, group: &str) -> Field {
    Field { path: path.to_owned(), kind: kind.to_owned(), group: Some(group.to_owned()), version: None, segments: Default::default() }
}

pub(crate) fn rule(kind: &str, group: Option<&str>, version: Option<&str>, fields: Vec<Field>) -> Rule {
    Rule { kind: kind.to_owned(), group: group.map(str::to_owned), version: version.map(str::to_owned), fields }
}

/// The same pod-spec paths under every workload kind.
fn pod_fields(tails: &[&str]) -> Vec<Field> {
    let mut fields = Vec::new();
    for tail in tails {
        fields.push(Field {
            path: format!("spec/{tail}"),
            kind: "Pod".into(),
            group: None,
            version: Some("v1".into()),
            segments: Default::default(),
        });
        fields.push(f(&format!("template/spec/{tail}"), "PodTemplate"));
        for kind in ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"] {
            fields.push(f(&format!("spec/template/spec/{tail}"), kind));
        }
        fields.push(f(&format!("spec/jobTemplate/spec/template/spec/{tail}"), "CronJob"));
    }
    fields
}

/// Workload paths for a single pod-spec field, the way the built-in list has
/// them (with ReplicationController, without ReplicaSet and PodTemplate).
fn workload_fields(tail: &str) -> Vec<Field> {
    let mut fields = vec![f(&format!("spec/{tail}"), "Pod")];
    for kind in ["StatefulSet", "Deployment", "ReplicationController", "Job", "DaemonSet"] {
        fields.push(f(&format!("spec/template/spec/{tail}"), kind));
    }
    fields.push(f(&format!("spec/jobTemplate/spec/template/spec/{tail}"), "CronJob"));
    fields
}

/// The built-in name-reference configuration, made once: every build (each
/// folder, each Flux Kustomization) runs the name-reference update.
static BUILT_IN: LazyLock<Vec<Rule>> = LazyLock::new(rules);

/// The built-in referrer fields by the kind that holds them, as (rule,
/// field) indices in the configuration's order: an object is matched
/// against its own kind's few fields, not all of them.
static BUILT_IN_BY_KIND: LazyLock<HashMap<&'static str, Vec<(usize, usize)>>> = LazyLock::new(|| {
    let mut by_kind: HashMap<&'static str, Vec<(usize, usize)>> = HashMap::new();
    for (rule_index, rule) in BUILT_IN.iter().enumerate() {
        for (field_index, field) in rule.fields.iter().enumerate() {
            by_kind.entry(field.kind.as_str()).or_default().push((rule_index, field_index));
        }
    }
    by_kind
});

/// The referrer fields an object of `kind` may hold, built-in first, each
/// list in its configuration's order (the order the fields are updated in).
fn fields_for<'a>(kind: &str, extra: &'a [Rule]) -> impl Iterator<Item = (&'a Rule, &'a Field)> {
    let built_in: &'static [(usize, usize)] = BUILT_IN_BY_KIND.get(kind).map_or(&[], Vec::as_slice);
    let built_in = built_in.iter().map(|&(rule, field)| (&BUILT_IN[rule], &BUILT_IN[rule].fields[field]));
    built_in.chain(extra.iter().flat_map(|rule| rule.fields.iter().map(move |field| (rule, field))))
}

fn rules() -> Vec<Rule> {
    let rbac = "rbac.authorization.k8s.io";
    let mut config_map = pod_fields(&[
        "volumes/configMap/name",
        "containers/env/valueFrom/configMapKeyRef/name",
        "initContainers/env/valueFrom/configMapKeyRef/name",
        "containers/envFrom/configMapRef/name",
        "initContainers/envFrom/configMapRef/name",
        "volumes/projected/sources/configMap/name",
    ]);
    config_map.extend([
        f("spec/configSource/configMap", "Node"),
        f("rules/resourceNames", "Role"),
        f("rules/resourceNames", "ClusterRole"),
        f("metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", "Ingress"),
    ]);
    let mut secret = pod_fields(&[
        "volumes/secret/secretName",
        "containers/env/valueFrom/secretKeyRef/name",
        "initContainers/env/valueFrom/secretKeyRef/name",
        "containers/envFrom/secretRef/name",
        "initContainers/envFrom/secretRef/name",
        "imagePullSecrets/name",
        "volumes/projected/sources/secret/name",
    ]);
    secret.extend([
        f("spec/tls/secretName", "Ingress"),
        f("metadata/annotations/ingress.kubernetes.io\\/auth-secret", "Ingress"),
        f("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret", "Ingress"),
        f("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret", "Ingress"),
        f("imagePullSecrets/name", "ServiceAccount"),
        f("parameters/secretName", "StorageClass"),
        f("parameters/adminSecretName", "StorageClass"),
        f("parameters/userSecretName", "StorageClass"),
        f("parameters/secretRef", "StorageClass"),
        f("rules/resourceNames", "Role"),
        f("rules/resourceNames", "ClusterRole"),
        Field {
            path: "spec/template/spec/containers/env/valueFrom/secretKeyRef/name".into(),
            kind: "Service".into(),
            group: Some("serving.knative.dev".into()),
            version: Some("v1".into()),
            segments: Default::default(),
        },
        f("spec/azureFile/secretName", "PersistentVolume"),
    ]);
    let scale_target = || vec![f("spec/scaleTargetRef/name", "HorizontalPodAutoscaler")];
    let mut service_account = vec![fg("subjects", "RoleBinding", rbac), fg("subjects", "ClusterRoleBinding", rbac)];
    service_account.extend(workload_fields("serviceAccountName"));
    let pv = vec![f("spec/volumeName", "PersistentVolumeClaim"), f("rules/resourceNames", "ClusterRole")];
    vec![
        rule("Deployment", None, None, scale_target()),
        rule("ReplicationController", None, None, scale_target()),
        rule("ReplicaSet", None, None, scale_target()),
        rule("StatefulSet", None, None, scale_target()),
        rule("ConfigMap", None, Some("v1"), config_map),
        rule("Secret", None, Some("v1"), secret),
        rule(
            "Service",
            None,
            Some("v1"),
            vec![
                fg("spec/serviceName", "StatefulSet", "apps"),
                f("spec/rules/http/paths/backend/serviceName", "Ingress"),
                f("spec/backend/serviceName", "Ingress"),
                f("spec/rules/http/paths/backend/service/name", "Ingress"),
                f("spec/defaultBackend/service/name", "Ingress"),
                fg("spec/service/name", "APIService", "apiregistration.k8s.io"),
                fg("webhooks/clientConfig/service", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io"),
                fg("webhooks/clientConfig/service", "MutatingWebhookConfiguration", "admissionregistration.k8s.io"),
                f("spec/rules/backendRefs/name", "HTTPRoute"),
            ],
        ),
        rule("Role", Some(rbac), None, vec![fg("roleRef/name", "RoleBinding", rbac)]),
        rule(
            "ClusterRole",
            Some(rbac),
            None,
            vec![fg("roleRef/name", "RoleBinding", rbac), fg("roleRef/name", "ClusterRoleBinding", rbac)],
        ),
        rule("ServiceAccount", None, Some("v1"), service_account),
        rule(
            "PersistentVolumeClaim",
            None,
            Some("v1"),
            workload_fields("volumes/persistentVolumeClaim/claimName"),
        ),
        rule("PersistentVolume", None, Some("v1"), pv),
        rule(
            "StorageClass",
            Some("storage.k8s.io"),
            Some("v1"),
            vec![
                f("spec/storageClassName", "PersistentVolume"),
                f("spec/storageClassName", "PersistentVolumeClaim"),
                f("spec/volumeClaimTemplates/spec/storageClassName", "StatefulSet"),
            ],
        ),
        rule(
            "PriorityClass",
            Some("scheduling.k8s.io"),
            Some("v1"),
            workload_fields("priorityClassName"),
        ),
    ]
}

fn selected(id: &ResId, kind: &str, group: Option<&str>, version: Option<&str>) -> bool {
    id.kind == kind && group.is_none_or(|g| g == id.group()) && version.is_none_or(|v| v == id.version())
}

/// What the fixer needs to know about each object, read before any change.
struct Candidate {
    index: usize,
    current: ResId,
    prev: Vec<ResId>,
    name_span: anton_yaml::Span,
}

/// Updates every reference to a renamed object, across the whole build.
pub(crate) fn fix(resources: &mut [Resource], extra: Vec<Rule>) {
    // Only an object that had another identity can be a referral (`select`):
    // with no renamed object in the build there is nothing to update.
    if resources.iter().all(|r| r.prev_ids.is_empty()) {
        return;
    }
    let candidates: Vec<Candidate> = resources
        .iter()
        .enumerate()
        .map(|(index, r)| Candidate {
            index,
            current: r.id(),
            prev: r.prev_ids.clone(),
            name_span: r.node.path(&["metadata", "name"]).map_or(r.node.span, |n| n.span),
        })
        .collect();
    let contexts: Vec<(Vec<String>, Vec<String>)> = resources.iter().map(|r| (r.prefixes.clone(), r.suffixes.clone())).collect();
    for referrer in 0..resources.len() {
        let referrer_id = candidates[referrer].current.clone();
        // Most objects have no field that refers by name; their pool, a scan
        // of every candidate, is worked out only when one does.
        let mut pool: Option<Vec<usize>> = None;
        for (rule, field) in fields_for(&referrer_id.kind, &extra) {
            if !selected(&referrer_id, &field.kind, field.group.as_deref(), field.version.as_deref()) {
                continue;
            }
            let pool = pool.get_or_insert_with(|| could_be_referenced(&candidates, &resources[referrer]));
            // Only an object that had another identity can be a referral
            // (`select`); without one the walk would change nothing, and
            // the object stays shared with the builds it came from.
            if pool.iter().all(|&i| candidates[i].prev.is_empty()) {
                continue;
            }
            let ctx = Context { rule, referrer, referrer_id: &referrer_id, pool, candidates: &candidates, contexts: &contexts };
            let role_ref = role_ref_gvk(&resources[referrer].node, &field.path);
            walk(&mut resources[referrer].node, field.segments(), Create::No, anton_yaml::Span::default(), &mut |node| {
                ctx.set(node, role_ref.as_ref());
            });
        }
    }
}

/// kustomize's `SubsetThatCouldBeReferencedByResource`.
fn could_be_referenced(candidates: &[Candidate], referrer: &Resource) -> Vec<usize> {
    let referrer_id = referrer.id();
    if referrer_id.is_cluster_scoped() {
        return (0..candidates.len()).collect();
    }
    let role_binding_namespaces: Vec<String> = if referrer_id.kind == "RoleBinding" {
        referrer
            .node
            .get("subjects")
            .map(|s| {
                s.items()
                    .iter()
                    .filter(|subject| subject.str_at(&["kind"]) == Some("ServiceAccount"))
                    .filter_map(|subject| subject.str_at(&["namespace"]).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    candidates
        .iter()
        .filter(|c| {
            c.current.is_cluster_scoped()
                || c.current.ns_equals(&referrer_id)
                || role_binding_namespaces.iter().any(|ns| *ns == c.current.namespace)
        })
        .map(|c| c.index)
        .collect()
}

fn role_ref_gvk(node: &Node, path: &str) -> Option<(String, String)> {
    if !path.ends_with("roleRef/name") {
        return None;
    }
    let role_ref = node.get("roleRef")?;
    Some((role_ref.str_at(&["apiGroup"])?.to_owned(), role_ref.str_at(&["kind"])?.to_owned()))
}

struct Context<'a> {
    rule: &'a Rule,
    referrer: usize,
    referrer_id: &'a ResId,
    pool: &'a [usize],
    candidates: &'a [Candidate],
    contexts: &'a [(Vec<String>, Vec<String>)],
}

impl Context<'_> {
    fn set(&self, node: &mut Node, role_ref: Option<&(String, String)>) {
        if tree::is_null(node) {
            return;
        }
        match &mut node.value {
            Value::Scalar(_) => self.set_scalar(node, role_ref),
            Value::Map(_) => self.set_mapping(node, role_ref),
            Value::Seq(items) => {
                for item in items.iter_mut() {
                    match item.value {
                        Value::Scalar(_) => self.set_scalar(item, role_ref),
                        Value::Map(_) => self.set_mapping(item, role_ref),
                        Value::Seq(_) => {}
                    }
                }
            }
        }
    }

    fn set_scalar(&self, node: &mut Node, role_ref: Option<&(String, String)>) {
        let Some(old) = node.scalar_text().map(str::to_owned) else { return };
        let Some(referral) = self.select(&old, self.pool, role_ref, false) else { return };
        let referral = &self.candidates[referral];
        if referral.current.name != old {
            *node = tree::string(&referral.current.name, referral.name_span);
        }
    }

    fn set_mapping(&self, node: &mut Node, role_ref: Option<&(String, String)>) {
        let Some(old) = node.str_at(&["name"]).map(str::to_owned) else { return };
        let pool: Vec<usize> = match node.str_at(&["namespace"]) {
            None => self.pool.to_vec(),
            Some(namespace) => {
                let by_original: Vec<usize> = self
                    .pool
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let c = &self.candidates[i];
                        let original = c.prev.first().unwrap_or(&c.current);
                        !original.is_cluster_scoped() && original.effective_namespace() == namespace
                    })
                    .collect();
                if by_original.is_empty() {
                    self.pool
                        .iter()
                        .copied()
                        .filter(|&i| {
                            let c = &self.candidates[i];
                            !c.current.is_cluster_scoped() && c.current.effective_namespace() == namespace
                        })
                        .collect()
                } else {
                    by_original
                }
            }
        };
        let Some(referral) = self.select(&old, &pool, role_ref, true) else { return };
        let referral = &self.candidates[referral];
        if referral.current.name == old && referral.current.namespace.is_empty() {
            return;
        }
        tree::set(node, "name", tree::string(&referral.current.name, referral.name_span));
        if !referral.current.namespace.is_empty() {
            tree::set(node, "namespace", tree::string(&referral.current.namespace, referral.name_span));
        }
    }

    /// kustomize's `selectReferral`.
    fn select(&self, old: &str, pool: &[usize], role_ref: Option<&(String, String)>, with_namespace: bool) -> Option<usize> {
        let rule = self.rule;
        let mut picked: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| {
                let c = &self.candidates[i];
                c.prev.iter().any(|id| id.name == old)
                    && c.prev.iter().any(|id| selected(id, &rule.kind, rule.group.as_deref(), rule.version.as_deref()))
                    && role_ref.is_none_or(|(group, kind)| c.prev.iter().any(|id| id.kind == *kind && id.group() == group))
                    && (self.referrer_id.is_cluster_scoped()
                        || c.current.is_cluster_scoped()
                        || c.current.kind == "ServiceAccount"
                        || self.referrer_id.ns_equals(&c.current))
            })
            .collect();
        if picked.len() == 1 {
            return picked.pop();
        }
        let (prefixes, suffixes) = &self.contexts[self.referrer];
        picked.retain(|&i| {
            let (p, s) = &self.contexts[self.candidates[i].index];
            same_ending(p, prefixes) && same_ending(s, suffixes)
        });
        match picked.as_slice() {
            [] => None,
            [one] => Some(*one),
            [first, rest @ ..] => {
                let a = &self.candidates[*first].current;
                let identical = rest.iter().all(|&i| {
                    let b = &self.candidates[i].current;
                    b.name == a.name && (!with_namespace || b.namespace == a.namespace)
                });
                identical.then_some(*first)
            }
        }
    }
}

fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}
