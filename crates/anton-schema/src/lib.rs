//! Schema validation, offline: every object checked against its API.
//!
//! # Where schemas come from
//!
//! For each `apiVersion`/`kind`, the first of these that has a schema wins
//! (the order of the issue that asked for them):
//!
//! 1. **Built in** ([`BUNDLED_RELEASE`]): Kubernetes' own kinds, generated at
//!    build time from the `k8s-openapi` crate, and the Flux APIs
//!    (Kustomization, HelmRelease, the sources, the notification kinds),
//!    written as typed Rust definitions in `build/flux/`. The Flux
//!    definitions accept every field of the current and previous served
//!    versions, so a repository that vendors an older Flux's CRDs is not
//!    judged by them (a CRD file applies to one cluster of the repository,
//!    the built-in definition to all).
//! 2. **CustomResourceDefinitions in the repository**: their
//!    `spec.versions[].schema.openAPIV3Schema` (or `spec.validation` of
//!    `apiextensions.k8s.io/v1beta1` CRDs) for their kinds.
//! 3. **Schema locations**, in the order given (`--schema-location`, see
//!    [`location`](crate::location) for the layouts and template variables),
//!    including the cluster schema cache below. `default` (kubeconform's name
//!    for its built-in catalog) is accepted and stands for step 1.
//!
//! An object that none of these covers is a `schema/unknown-kind` (info; an
//! error with `--strict-kinds`) — except kinds of well-known operators
//! (cert-manager, External Secrets, Prometheus Operator, Cilium, Rook …, see
//! `known.rs`), which are only counted in `details.schemas.withoutSchema`
//! unless `--strict-kinds` asks for every object without a schema.
//!
//! Nothing needs the network unless a location is a URL. Remote schemas are
//! cached on disk under `$XDG_CACHE_HOME/anton/schemas/remote/`.
//!
//! # The cluster schema cache
//!
//! `anton schemas pull` (live-cluster commands) saves a cluster's own schemas
//! for offline use. Any folder in this layout works as a `--schema-location`:
//!
//! ```text
//! <dir>/openapi/v3/api/v1.json                   # GET /openapi/v3/api/v1
//! <dir>/openapi/v3/apis/<group>/<version>.json   # GET /openapi/v3/apis/<group>/<version>
//! <dir>/crds/<name>.yaml | .json                 # CustomResourceDefinition objects (optional)
//! ```
//!
//! The OpenAPI v3 documents are stored as the API server serves them; kinds
//! are found by their `x-kubernetes-group-version-kind`, `$ref`s resolve
//! within the document (`#/components/schemas/…`).
//!
//! # Compilation and sharing
//!
//! Schemas are compiled on first use, once per definition, and shared by
//! every thread; kinds are resolved once per run before objects are
//! validated in parallel. Validation walks the positioned YAML tree, so every
//! finding points at the offending key (unknown fields) or value (types,
//! enums, formats), with its JSON path in the message.
//!
//! # What is not checked
//!
//! CEL rules (`x-kubernetes-validations`) of CustomResourceDefinitions are not
//! evaluated. Values that are Flux substitution placeholders (`${VAR}`) or
//! SOPS ciphertext (`ENC[…]`) satisfy any scalar type; the `sops:` metadata
//! of encrypted files is not part of the object.

mod catalog;
mod format;
mod known;
pub mod location;
mod remote;
pub mod rules;
mod schema;
mod sources;
mod substitution;
mod validate;
pub mod variables;
pub mod versions;

use std::collections::{BTreeMap, BTreeSet};
use foldhash::{HashMap, HashMapExt};
use std::path::PathBuf;

use anton_core::{Finding, Location, Severity};
use anton_repo::Repository;
use anton_yaml::Node;
use rayon::prelude::*;
use serde_json::json;

pub use catalog::{CatalogEntry, builtin_catalog};
pub use location::LocationError;
pub use remote::default_cache_dir;
pub use substitution::{Applied, undefined_variables};
pub use validate::{Problem, Violation};
pub use versions::KubernetesVersion;

use crate::location::{Answer, Locator};
use crate::sources::{Builtin, Gvk, KindSchema, gvk_of};
use crate::validate::Walker;
use crate::versions::Served;

/// The Kubernetes release whose schemas are built in.
pub const BUNDLED_RELEASE: (u32, u32) = sources::BUNDLED_RELEASE;

/// How to validate.
#[derive(Debug, Clone, Default)]
pub struct SchemaOptions {
    /// The release to check against; `None` is [`BUNDLED_RELEASE`].
    pub kubernetes_version: Option<KubernetesVersion>,
    /// `--schema-location` values, in order.
    pub locations: Vec<String>,
    /// Objects without a schema are errors, not information.
    pub strict_kinds: bool,
    /// Where remote schemas are cached; `None` is [`default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(transparent)]
    Location(#[from] LocationError),
    #[error(
        "--kubernetes-version {given}: anton knows Kubernetes {oldest} to {newest}; pass a release in that range"
    )]
    UnknownRelease { given: KubernetesVersion, oldest: String, newest: String },
}

/// One object to validate.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The object as the cluster receives it (its spans point at the lines
    /// that set each value).
    pub node: &'a Node,
    /// How findings name the object (`Kind/namespace/name`).
    pub subject: Option<&'a str>,
}

/// Findings and counts of one validation run.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Objects checked against a schema, by where the schema came from.
    pub validated: BTreeMap<String, usize>,
    /// Objects of API versions the chosen release serves but anton has no schema for.
    pub unchecked: usize,
    /// Objects without any schema, reported as `schema/unknown-kind`.
    pub unknown: usize,
    /// Objects of well-known operators' kinds without a schema (not reported
    /// unless `--strict-kinds`), by `apiVersion kind`.
    pub without_schema: BTreeMap<String, usize>,
}

impl Outcome {
    /// The report's `details.schemas`.
    pub fn details(&self, schemas: &SchemaSet) -> serde_json::Value {
        json!({
            "kubernetesVersion": schemas.version.to_string(),
            "bundledRelease": format!("{}.{}", BUNDLED_RELEASE.0, BUNDLED_RELEASE.1),
            "validated": self.validated,
            "withoutSchemaServed": self.unchecked,
            "unknownKinds": self.unknown,
            "withoutSchema": self.without_schema,
            "crds": schemas.crds.len(),
        })
    }
}

/// Where a kind's schema came from.
#[derive(Debug, Clone)]
enum Origin {
    Builtin,
    Crd(Location),
    Location(String),
}

impl Origin {
    fn label(&self) -> &'static str {
        match self {
            Origin::Builtin => "builtin",
            Origin::Crd(_) => "crd",
            Origin::Location(_) => "location",
        }
    }
}

enum Resolution {
    Schema(KindSchema, Origin),
    /// Served by the chosen release, but anton has no schema: accepted as is.
    Unchecked,
    /// A well-known operator's kind that no source has a schema for.
    WithoutSchema { message: String, hint: String },
    Unknown { message: String, hint: String },
}

/// Every schema source of one run, ready for lookups.
pub struct SchemaSet {
    version: KubernetesVersion,
    explicit_version: bool,
    strict_kinds: bool,
    order: Vec<location::Location>,
    crds: HashMap<Gvk, (KindSchema, Location)>,
    locator: Locator,
}

impl SchemaSet {
    pub fn new(options: &SchemaOptions) -> Result<SchemaSet, SchemaError> {
        let bundled = KubernetesVersion::bundled();
        let version = options.kubernetes_version.unwrap_or(bundled);
        let comparable = |v: KubernetesVersion| (v.major, v.minor);
        if comparable(version) > comparable(bundled) || comparable(version) < comparable(KubernetesVersion::OLDEST) {
            return Err(SchemaError::UnknownRelease {
                given: version,
                oldest: KubernetesVersion::OLDEST.to_string(),
                newest: bundled.to_string(),
            });
        }
        let mut order = Vec::with_capacity(options.locations.len());
        for text in &options.locations {
            match location::Location::parse(text)? {
                // The built-ins are always searched first.
                location::Location::Builtin => {}
                location => order.push(location),
            }
        }
        let normalized = match options.kubernetes_version {
            Some(version) => version.normalized(),
            None => "master".to_owned(),
        };
        let cache = options.cache_dir.clone().or_else(default_cache_dir);
        Ok(SchemaSet {
            version,
            explicit_version: options.kubernetes_version.is_some(),
            strict_kinds: options.strict_kinds,
            order,
            crds: HashMap::new(),
            locator: Locator::new(remote::Remote::new(cache), normalized),
        })
    }

    pub fn kubernetes_version(&self) -> KubernetesVersion {
        self.version
    }

    /// Uses the schemas of a CustomResourceDefinition for its kinds. The
    /// first CRD seen for a kind wins.
    pub fn learn_crd(&mut self, crd: &Node, at: Location) {
        for (key, schema) in sources::crd_schemas(&crd.to_json()) {
            self.crds.entry(key).or_insert_with(|| (sources::single(schema), at.clone()));
        }
    }

    /// [`SchemaSet::learn_crd`] for every CustomResourceDefinition of a repository.
    pub fn learn_repository_crds(&mut self, repo: &Repository) {
        for object in &repo.objects {
            if object.is("apiextensions.k8s.io", "CustomResourceDefinition") {
                self.learn_crd(repo.node(object), repo.object_location(object));
            }
        }
    }

    /// Validates every target, in parallel. Positions are read from the
    /// spans of each node, through `repo`'s file table.
    pub fn validate(&self, repo: &Repository, targets: &[Target<'_>]) -> Outcome {
        let keys: BTreeSet<Gvk> = targets.iter().filter_map(|t| gvk_of(t.node)).collect();
        let resolved: HashMap<Gvk, Resolution> = keys.into_iter().map(|key| {
            let resolution = self.resolve(&key);
            (key, resolution)
        }).collect();
        let per_target: Vec<(Vec<Finding>, Option<&'static str>)> =
            targets.par_iter().map(|target| self.validate_one(repo, target, &resolved)).collect();
        let mut outcome = Outcome::default();
        for (target, (findings, counted)) in targets.iter().zip(per_target) {
            match counted {
                Some("unchecked") => outcome.unchecked += 1,
                Some("unknown") => outcome.unknown += 1,
                Some("without-schema") => {
                    if let Some((group, version, kind)) = gvk_of(target.node) {
                        let api_version = if group.is_empty() { version } else { format!("{group}/{version}") };
                        *outcome.without_schema.entry(format!("{api_version} {kind}")).or_default() += 1;
                    }
                }
                Some(source) => *outcome.validated.entry(source.to_owned()).or_default() += 1,
                None => {}
            }
            outcome.findings.extend(findings);
        }
        outcome
    }

    fn validate_one(&self, repo: &Repository, target: &Target<'_>, resolved: &HashMap<Gvk, Resolution>) -> (Vec<Finding>, Option<&'static str>) {
        let Some(key) = gvk_of(target.node) else { return (Vec::new(), None) };
        let Some(resolution) = resolved.get(&key) else { return (Vec::new(), None) };
        let at = |span| repo.span_location(span);
        let name = |finding: Finding| match target.subject {
            Some(subject) => finding.object(subject),
            None => finding,
        };
        match resolution {
            Resolution::Unchecked => (Vec::new(), Some("unchecked")),
            Resolution::WithoutSchema { .. } if !self.strict_kinds => (Vec::new(), Some("without-schema")),
            Resolution::WithoutSchema { message, hint } => {
                let span = target.node.get("kind").map_or(target.node.span, |kind| kind.span);
                let finding = Finding::new(rules::UNKNOWN_KIND, Severity::Critical, message.clone()).at(at(span)).hint(hint.clone());
                (vec![name(finding)], Some("without-schema"))
            }
            Resolution::Unknown { message, hint } => {
                let severity = if self.strict_kinds { Severity::Critical } else { Severity::Info };
                let span = target.node.get("kind").map_or(target.node.span, |kind| kind.span);
                let finding = Finding::new(rules::UNKNOWN_KIND, severity, message.clone()).at(at(span)).hint(hint.clone());
                (vec![name(finding)], Some("unknown"))
            }
            Resolution::Schema(schema, origin) => {
                let builtin = Builtin::get();
                let (group, version, kind) = &key;
                let api_version = if group.is_empty() { version.clone() } else { format!("{group}/{version}") };
                let label = format!("{kind} ({api_version})");
                let mut walker = Walker { builtin: &builtin.document, object_meta: builtin.object_meta, label: &label, problems: Vec::new() };
                let root = schema.document.definition(schema.root);
                walker.object(target.node, root, &schema.document);
                let findings = walker
                    .problems
                    .into_iter()
                    .map(|problem| {
                        let mut finding = Finding::new(problem.violation.rule(), Severity::Critical, problem.message).at(at(problem.span));
                        if let Some(hint) = problem.hint {
                            finding = finding.hint(hint);
                        }
                        match origin {
                            Origin::Crd(crd) => finding = finding.related(crd.clone(), "schema from this CustomResourceDefinition"),
                            Origin::Location(source) => {
                                finding.message.push_str(&format!(" (schema: {source})"));
                            }
                            Origin::Builtin => {}
                        }
                        name(finding)
                    })
                    .collect();
                (findings, Some(origin.label()))
            }
        }
    }

    fn resolve(&self, key: &Gvk) -> Resolution {
        let (group, version, kind) = key;
        let served = versions::served(group, version, kind, self.version);
        if let Some(schema) = Builtin::get().lookup(key) {
            if let Served::NotYet { added } = served {
                return self.not_yet(key, added);
            }
            return Resolution::Schema(schema, Origin::Builtin);
        }
        if let Some((schema, at)) = self.crds.get(key) {
            return Resolution::Schema(schema.clone(), Origin::Crd(at.clone()));
        }
        let mut failures = Vec::new();
        for location in &self.order {
            match self.locator.lookup(location, key) {
                Answer::Found(schema, source) => return Resolution::Schema(schema, Origin::Location(source)),
                Answer::NotHere => {}
                Answer::Failed(reason) => failures.push(reason),
            }
        }
        let api_version = if group.is_empty() { version.clone() } else { format!("{group}/{version}") };
        match served {
            Served::Yes => Resolution::Unchecked,
            Served::NotYet { added } => self.not_yet(key, added),
            Served::Removed { removed, instead } => Resolution::Unknown {
                message: format!(
                    "{kind} in {api_version} is not served by Kubernetes {}: it was removed in 1.{removed}",
                    self.version_phrase()
                ),
                hint: if removed > KubernetesVersion::OLDEST.minor {
                    format!("use {instead}; if the cluster runs an older release, pass --kubernetes-version 1.{}", removed - 1)
                } else {
                    format!("use {instead}")
                },
            },
            Served::Unknown => {
                let builtin = Builtin::get();
                let known = builtin.versions_of(group, kind);
                let mut message = if !known.is_empty() {
                    format!("no schema for {kind} in {api_version}; anton knows {kind} in version(s) {}", known.join(", "))
                } else if builtin.knows_group(group) {
                    format!("no schema for {kind} in {api_version}: the API group has no such kind")
                } else {
                    format!("no schema for {kind} ({api_version}): it is not built in and no CustomResourceDefinition in the repository defines it")
                };
                if !failures.is_empty() {
                    message.push_str(&format!("; a schema location could not be asked: {}", failures.join("; ")));
                }
                if known.is_empty() && !builtin.knows_group(group) && known::is_well_known(group) {
                    return Resolution::WithoutSchema {
                        message: format!("no schema for {kind} ({api_version}): anton knows this operator's API but has no schema for it{}",
                            if failures.is_empty() { String::new() } else { format!("; a schema location could not be asked: {}", failures.join("; ")) }),
                        hint: "add its CustomResourceDefinition to the repository, or pass --schema-location with a schema catalog \
                               (e.g. a kubeconform CRD catalog, or `anton schemas pull` of the cluster)"
                            .to_owned(),
                    };
                }
                let hint = if !known.is_empty() {
                    format!("change apiVersion to one of {}", known.iter().map(|v| if group.is_empty() { (*v).to_owned() } else { format!("{group}/{v}") }).collect::<Vec<_>>().join(", "))
                } else {
                    "add the CustomResourceDefinition to the repository, or pass --schema-location with a schema catalog \
                     (kubeconform templates work); --strict-kinds makes this an error"
                        .to_owned()
                };
                Resolution::Unknown { message, hint }
            }
        }
    }

    fn not_yet(&self, key: &Gvk, added: u32) -> Resolution {
        let (group, version, kind) = key;
        let api_version = if group.is_empty() { version.clone() } else { format!("{group}/{version}") };
        Resolution::Unknown {
            message: format!("{kind} in {api_version} is only served from Kubernetes 1.{added} on, not by {}", self.version_phrase()),
            hint: "use an API version the cluster serves, or raise --kubernetes-version".to_owned(),
        }
    }

    fn version_phrase(&self) -> String {
        if self.explicit_version { format!("{} (--kubernetes-version)", self.version) } else { format!("{} (the default; see --kubernetes-version)", self.version) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_releases_it_does_not_know() {
        let options = |v: &str| SchemaOptions { kubernetes_version: KubernetesVersion::parse(v), ..SchemaOptions::default() };
        assert!(SchemaSet::new(&options("1.30")).is_ok());
        assert!(matches!(SchemaSet::new(&options("1.99")), Err(SchemaError::UnknownRelease { .. })));
        assert!(matches!(SchemaSet::new(&options("1.10")), Err(SchemaError::UnknownRelease { .. })));
    }
}
