//! Flux objects with Flux's own readiness logic: `flux/not-ready`,
//! `flux/stalled`, `flux/suspended`, `flux/stale-generation`,
//! `flux/revision-lag`, `flux/controller-unavailable`, `flux/crd-missing`.
//!
//! Objects are read as plain JSON (no typed CRD structs), so any served
//! version of the Flux APIs works as long as it keeps Flux's status fields.
//!
//! **Suspended since.** The API keeps no "suspended at" field. In order:
//! the `anton.dev/suspended-at` annotation that `anton flux suspend` writes;
//! else the `time` of the managedFields entry that owns `spec.suspend` (the
//! last write by whoever set it: `kubectl`, the Flux CLI, kustomize-controller
//! applying it from Git); else the Ready condition's lastTransitionTime (the
//! controller stops writing status once suspended, so this is no later than
//! the suspension, and the age it gives is an upper bound).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use anton_core::{Finding, Severity};
use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::HealthConfig;
use crate::snapshot::{FluxSnapshot, Snapshot};
use crate::util::{age, human_duration, object_id, parse_timestamp};

/// Annotation the Flux controllers watch: a new value requests a reconciliation.
pub const RECONCILE_REQUEST_ANNOTATION: &str = "reconcile.fluxcd.io/requestedAt";
/// helm-controller: a new value forces a one-off install/upgrade.
pub const FORCE_REQUEST_ANNOTATION: &str = "reconcile.fluxcd.io/forceAt";
/// helm-controller: a new value resets the failure counters (after RetriesExceeded).
pub const RESET_REQUEST_ANNOTATION: &str = "reconcile.fluxcd.io/resetAt";
/// Written by `anton flux suspend`, removed by `anton flux resume`.
pub const SUSPENDED_AT_ANNOTATION: &str = "anton.dev/suspended-at";

/// The Flux kinds anton reads, in the order `flux get all` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FluxKind {
    GitRepository,
    OCIRepository,
    HelmRepository,
    Bucket,
    HelmChart,
    Kustomization,
    HelmRelease,
}

impl FluxKind {
    pub const ALL: [FluxKind; 7] = [
        FluxKind::GitRepository,
        FluxKind::OCIRepository,
        FluxKind::HelmRepository,
        FluxKind::Bucket,
        FluxKind::HelmChart,
        FluxKind::Kustomization,
        FluxKind::HelmRelease,
    ];

    pub fn kind(self) -> &'static str {
        match self {
            FluxKind::GitRepository => "GitRepository",
            FluxKind::OCIRepository => "OCIRepository",
            FluxKind::HelmRepository => "HelmRepository",
            FluxKind::Bucket => "Bucket",
            FluxKind::HelmChart => "HelmChart",
            FluxKind::Kustomization => "Kustomization",
            FluxKind::HelmRelease => "HelmRelease",
        }
    }

    pub fn group(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "kustomize.toolkit.fluxcd.io",
            FluxKind::HelmRelease => "helm.toolkit.fluxcd.io",
            _ => "source.toolkit.fluxcd.io",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            FluxKind::GitRepository => "gitrepositories",
            FluxKind::OCIRepository => "ocirepositories",
            FluxKind::HelmRepository => "helmrepositories",
            FluxKind::Bucket => "buckets",
            FluxKind::HelmChart => "helmcharts",
            FluxKind::Kustomization => "kustomizations",
            FluxKind::HelmRelease => "helmreleases",
        }
    }

    /// `kustomizations.kustomize.toolkit.fluxcd.io`, as RBAC and kubectl name it.
    pub fn resource(self) -> String {
        format!("{}.{}", self.plural(), self.group())
    }

    /// The version used when discovery is not available (the GA versions).
    pub fn default_version(self) -> &'static str {
        match self {
            FluxKind::HelmRelease => "v2",
            _ => "v1",
        }
    }

    pub fn is_source(self) -> bool {
        !matches!(self, FluxKind::Kustomization | FluxKind::HelmRelease)
    }

    /// The words of `anton flux reconcile …` for this kind: `ks`, `hr`, `source git`.
    pub fn cli_words(self) -> &'static str {
        match self {
            FluxKind::GitRepository => "source git",
            FluxKind::OCIRepository => "source oci",
            FluxKind::HelmRepository => "source helm",
            FluxKind::Bucket => "source bucket",
            FluxKind::HelmChart => "source chart",
            FluxKind::Kustomization => "ks",
            FluxKind::HelmRelease => "hr",
        }
    }

    pub fn from_kind(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.kind().eq_ignore_ascii_case(kind))
    }

    /// The controller that reconciles this kind.
    pub fn controller(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "kustomize-controller",
            FluxKind::HelmRelease => "helm-controller",
            _ => "source-controller",
        }
    }
}

impl fmt::Display for FluxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind())
    }
}

/// A status condition (`metav1.Condition`) as Flux writes them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Condition {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition_time: Option<Timestamp>,
}

/// A reference from one Flux object to another: `sourceRef`, `chartRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// The fields of a Flux object the checks read.
#[derive(Debug, Clone, PartialEq)]
pub struct FluxObject {
    pub kind: FluxKind,
    pub namespace: String,
    pub name: String,
    pub generation: Option<i64>,
    pub observed_generation: Option<i64>,
    pub suspended: bool,
    pub conditions: Vec<Condition>,
    /// `status.artifact.revision` (sources, HelmChart).
    pub artifact_revision: Option<String>,
    pub artifact_updated: Option<Timestamp>,
    pub last_applied_revision: Option<String>,
    pub last_attempted_revision: Option<String>,
    /// HelmRelease v2: `status.history[0].chartVersion`.
    pub chart_version: Option<String>,
    pub last_handled_reconcile_at: Option<String>,
    pub requested_at: Option<String>,
    pub source_ref: Option<ObjectRef>,
    /// HelmRelease `spec.chartRef`.
    pub chart_ref: Option<ObjectRef>,
    /// HelmRelease `spec.chart.spec.sourceRef` (namespace defaulted).
    pub chart_source_namespace: Option<String>,
    /// HelmRepository `spec.type` (`oci` repositories have no reconciler).
    pub repository_type: Option<String>,
    pub suspended_since: Option<(Timestamp, SuspendedSince)>,
}

/// Where [`FluxObject::suspended_since`] came from (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspendedSince {
    Annotation,
    ManagedFields,
    ReadyTransition,
}

impl FluxObject {
    /// Reads a Flux object from its JSON. `None` if `kind` is not a Flux kind
    /// anton reads or the object has no name.
    pub fn parse(value: &Value) -> Option<FluxObject> {
        let kind = FluxKind::from_kind(value.get("kind")?.as_str()?)?;
        let meta = value.get("metadata")?;
        let name = meta.get("name")?.as_str()?.to_owned();
        let namespace = str_at(meta, "/namespace").unwrap_or_default();
        let status = value.get("status").unwrap_or(&Value::Null);
        let spec = value.get("spec").unwrap_or(&Value::Null);
        let conditions = status
            .get("conditions")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|c| Condition {
                        type_: str_at(c, "/type").unwrap_or_default(),
                        status: str_at(c, "/status").unwrap_or_default(),
                        reason: str_at(c, "/reason").unwrap_or_default(),
                        message: str_at(c, "/message").unwrap_or_default(),
                        last_transition_time: str_at(c, "/lastTransitionTime").and_then(|t| parse_timestamp(&t)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let reference = |at: &str| -> Option<ObjectRef> {
            let r = spec.pointer(at)?;
            Some(ObjectRef {
                kind: str_at(r, "/kind").unwrap_or_default(),
                namespace: str_at(r, "/namespace").filter(|s| !s.is_empty()).unwrap_or_else(|| namespace.clone()),
                name: str_at(r, "/name")?,
            })
        };
        let mut object = FluxObject {
            kind,
            name,
            generation: meta.get("generation").and_then(Value::as_i64),
            observed_generation: status.get("observedGeneration").and_then(Value::as_i64),
            suspended: spec.get("suspend").and_then(Value::as_bool).unwrap_or(false),
            artifact_revision: str_at(status, "/artifact/revision"),
            artifact_updated: str_at(status, "/artifact/lastUpdateTime").and_then(|t| parse_timestamp(&t)),
            last_applied_revision: str_at(status, "/lastAppliedRevision"),
            last_attempted_revision: str_at(status, "/lastAttemptedRevision"),
            chart_version: str_at(status, "/history/0/chartVersion"),
            last_handled_reconcile_at: str_at(status, "/lastHandledReconcileAt"),
            requested_at: meta
                .get("annotations")
                .and_then(|a| a.get(RECONCILE_REQUEST_ANNOTATION))
                .and_then(Value::as_str)
                .map(str::to_owned),
            source_ref: reference("/sourceRef"),
            chart_ref: reference("/chartRef"),
            chart_source_namespace: spec.pointer("/chart/spec/sourceRef").map(|r| {
                str_at(r, "/namespace").filter(|s| !s.is_empty()).unwrap_or_else(|| namespace.clone())
            }),
            repository_type: str_at(spec, "/type"),
            conditions,
            suspended_since: None,
            namespace,
        };
        if object.suspended {
            object.suspended_since = suspended_since(meta, &object);
        }
        Some(object)
    }

    /// `Kustomization/flux-system/apps`.
    pub fn id(&self) -> String {
        object_id(self.kind.kind(), Some(&self.namespace), &self.name)
    }

    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    fn is_true(&self, type_: &str) -> bool {
        self.condition(type_).is_some_and(|c| c.status == "True")
    }

    /// The REVISION column of `flux get`.
    pub fn revision(&self) -> Option<&str> {
        match self.kind {
            FluxKind::Kustomization => self.last_applied_revision.as_deref(),
            FluxKind::HelmRelease => self
                .chart_version
                .as_deref()
                .or(self.last_applied_revision.as_deref())
                .or(self.last_attempted_revision.as_deref()),
            _ => self.artifact_revision.as_deref(),
        }
    }

    /// Objects without a reconciler (OCI HelmRepositories): `flux reconcile`
    /// has nothing to wait for.
    pub fn is_static(&self) -> bool {
        self.kind == FluxKind::HelmRepository && self.repository_type.as_deref() == Some("oci")
    }

    /// Flux's readiness of this object.
    pub fn readiness(&self) -> Readiness {
        if self.suspended {
            return Readiness::Suspended;
        }
        if self.is_static() {
            return Readiness::Ready;
        }
        if let Some(stalled) = self.condition("Stalled").filter(|c| c.status == "True") {
            return Readiness::Stalled { reason: stalled.reason.clone(), message: stalled.message.clone() };
        }
        match self.condition("Ready") {
            Some(ready) if ready.status == "True" => Readiness::Ready,
            Some(ready) if ready.status == "False" => {
                Readiness::Failed { reason: ready.reason.clone(), message: ready.message.clone() }
            }
            Some(ready) if self.is_true("Reconciling") => Readiness::Reconciling {
                since: self.condition("Reconciling").and_then(|c| c.last_transition_time),
                message: ready.message.clone(),
            },
            None if self.is_true("Reconciling") => Readiness::Reconciling {
                since: self.condition("Reconciling").and_then(|c| c.last_transition_time),
                message: String::new(),
            },
            Some(ready) => Readiness::Unknown { message: ready.message.clone() },
            None => Readiness::Unknown { message: String::new() },
        }
    }

    /// What `anton flux reconcile --with-source` reconciles first, as the Flux
    /// CLI does: a Kustomization's sourceRef; a HelmRelease's chartRef, or its
    /// generated HelmChart `<namespace>-<name>` (with that chart's own source);
    /// a HelmChart's sourceRef.
    pub fn reconcile_source(&self) -> Option<(FluxKind, String, String, bool)> {
        match self.kind {
            FluxKind::Kustomization | FluxKind::HelmChart => {
                let r = self.source_ref.as_ref()?;
                Some((FluxKind::from_kind(&r.kind)?, r.namespace.clone(), r.name.clone(), false))
            }
            FluxKind::HelmRelease => {
                if let Some(r) = &self.chart_ref {
                    let kind = FluxKind::from_kind(&r.kind)?;
                    return Some((kind, r.namespace.clone(), r.name.clone(), kind == FluxKind::HelmChart));
                }
                let namespace = self.chart_source_namespace.clone()?;
                Some((FluxKind::HelmChart, namespace, format!("{}-{}", self.namespace, self.name), true))
            }
            _ => None,
        }
    }

    /// What the Flux CLI prints after a successful reconciliation.
    pub fn success_message(&self) -> String {
        match self.kind {
            FluxKind::Kustomization => {
                format!("applied revision {}", self.last_applied_revision.as_deref().unwrap_or("(none)"))
            }
            FluxKind::HelmRelease => format!("applied revision {}", self.revision().unwrap_or("(none)")),
            _ => format!("fetched revision {}", self.artifact_revision.as_deref().unwrap_or("(none)")),
        }
    }
}

/// Flux's view of one object, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    Suspended,
    /// `Stalled=True`: the controller gave up until something changes.
    Stalled { reason: String, message: String },
    /// `Ready=False`.
    Failed { reason: String, message: String },
    /// `Reconciling=True`, Ready not yet known.
    Reconciling { since: Option<Timestamp>, message: String },
    /// No Ready condition, or `Ready=Unknown` without progress.
    Unknown { message: String },
}

/// Where a `reconcile` request stands (see [`reconcile_state`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconcileState {
    /// The controller has not handled the request yet.
    Pending,
    /// Handled: Ready True (`ready`) or False, with the Ready message.
    Done { ready: bool, message: String },
}

/// Whether the controller handled the request `requested_at`: it copied it to
/// `status.lastHandledReconcileAt`, observed the current generation and
/// settled Ready on True or False.
pub fn reconcile_state(object: &FluxObject, requested_at: &str) -> ReconcileState {
    if object.last_handled_reconcile_at.as_deref() != Some(requested_at) {
        return ReconcileState::Pending;
    }
    settled(object)
}

/// After `resume`: the controller observed a generation at least
/// `patched_generation` (the spec change), or handled `requested_at`, and
/// settled Ready.
pub fn resume_state(object: &FluxObject, patched_generation: Option<i64>, requested_at: &str) -> ReconcileState {
    let observed = matches!((object.observed_generation, patched_generation), (Some(o), Some(p)) if o >= p);
    let handled = object.last_handled_reconcile_at.as_deref() == Some(requested_at);
    if !observed && !handled {
        return ReconcileState::Pending;
    }
    settled(object)
}

fn settled(object: &FluxObject) -> ReconcileState {
    if object.is_static() {
        return ReconcileState::Done { ready: true, message: String::new() };
    }
    let Some(ready) = object.condition("Ready") else { return ReconcileState::Pending };
    match ready.status.as_str() {
        "True" => {
            let stale = matches!((object.observed_generation, object.generation), (Some(o), Some(g)) if o < g);
            if stale {
                ReconcileState::Pending
            } else {
                ReconcileState::Done { ready: true, message: ready.message.clone() }
            }
        }
        "False" => ReconcileState::Done { ready: false, message: ready.message.clone() },
        _ => ReconcileState::Pending,
    }
}

fn str_at(value: &Value, pointer: &str) -> Option<String> {
    value.pointer(pointer).and_then(Value::as_str).map(str::to_owned)
}

fn suspended_since(meta: &Value, object: &FluxObject) -> Option<(Timestamp, SuspendedSince)> {
    if let Some(at) = meta.pointer("/annotations").and_then(|a| a.get(SUSPENDED_AT_ANNOTATION)).and_then(Value::as_str)
        && let Some(t) = parse_timestamp(at) {
            return Some((t, SuspendedSince::Annotation));
        }
    let owner_time = meta
        .get("managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|entry| entry.get("subresource").and_then(Value::as_str).is_none_or(str::is_empty))
        .filter(|entry| entry.pointer("/fieldsV1/f:spec/f:suspend").is_some())
        .filter_map(|entry| str_at(entry, "/time").and_then(|t| parse_timestamp(&t)))
        .max();
    if let Some(t) = owner_time {
        return Some((t, SuspendedSince::ManagedFields));
    }
    object.condition("Ready").and_then(|c| c.last_transition_time).map(|t| (t, SuspendedSince::ReadyTransition))
}

/// The Flux objects of a snapshot, parsed, in `flux get all` order.
pub fn flux_objects(flux: &FluxSnapshot) -> Vec<FluxObject> {
    let mut objects: Vec<FluxObject> = flux.objects.iter().filter_map(FluxObject::parse).collect();
    objects.sort_by(|a, b| (a.kind, &a.namespace, &a.name).cmp(&(b.kind, &b.namespace, &b.name)));
    objects
}

/// Flux objects and controllers, as the report counts them.
pub fn flux_subjects(flux: &FluxSnapshot) -> Vec<String> {
    let mut out: Vec<String> = flux_objects(flux).iter().map(FluxObject::id).collect();
    for controller in &flux.controllers {
        let (ns, name) = crate::workloads::meta(&controller.metadata);
        out.push(object_id("Deployment", Some(ns), name));
    }
    out
}

fn reconcile_hint(object: &FluxObject) -> String {
    format!("anton flux reconcile {} {} -n {}", object.kind.cli_words(), object.name, object.namespace)
}

fn describe_hint(object: &FluxObject) -> String {
    format!("kubectl -n {} describe {} {}", object.namespace, object.kind.resource(), object.name)
}

pub fn check_flux(snapshot: &Snapshot, now: Timestamp, config: &HealthConfig) -> Vec<Finding> {
    let Some(flux) = &snapshot.flux else { return Vec::new() };
    let mut findings = check_installation(flux);
    if flux.installed.is_empty() {
        return findings;
    }
    let objects = flux_objects(flux);
    let sources: BTreeMap<(String, String, String), &FluxObject> = objects
        .iter()
        .filter(|o| o.kind.is_source())
        .map(|o| ((o.kind.kind().to_owned(), o.namespace.clone(), o.name.clone()), o))
        .collect();
    for object in &objects {
        findings.extend(check_object(object, &sources, now, config));
    }
    findings
}

fn check_installation(flux: &FluxSnapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    if flux.installed.is_empty() {
        findings.push(
            Finding::new(
                "flux/crd-missing",
                Severity::Critical,
                "Flux is not installed: the API server serves none of the Flux CRDs (*.toolkit.fluxcd.io)",
            )
            .hint("install Flux (`task bootstrap:apps` installs the Flux Operator and FluxInstance), or check --context"),
        );
        return findings;
    }
    let core = [FluxKind::GitRepository, FluxKind::Kustomization];
    for kind in FluxKind::ALL {
        if flux.installed.contains(&kind) {
            continue;
        }
        let severity = if core.contains(&kind) { Severity::Critical } else { Severity::Info };
        findings.push(
            Finding::new(
                "flux/crd-missing",
                severity,
                format!(
                    "the {} CRD ({}) is not installed, so {} objects were not checked; is {} installed?",
                    kind.kind(),
                    kind.resource(),
                    kind.kind(),
                    kind.controller()
                ),
            )
            .hint("`kubectl get crds | grep toolkit.fluxcd.io`; the FluxInstance's components decide which controllers run"),
        );
    }
    if flux.controllers_listed {
        if flux.controllers.is_empty() {
            // With no Flux objects either, nothing is left unreconciled.
            let severity = if flux.objects.is_empty() { Severity::Info } else { Severity::Warning };
            findings.push(
                Finding::new(
                    "flux/controller-unavailable",
                    severity,
                    "no Flux controller Deployments found (label app.kubernetes.io/part-of=flux): nothing reconciles the Flux objects",
                )
                .hint("`kubectl -n flux-system get deployments`; reinstall Flux if the controllers are gone"),
            );
        }
        for controller in &flux.controllers {
            let (ns, name) = crate::workloads::meta(&controller.metadata);
            let desired = controller.spec.replicas.unwrap_or(1);
            let status = controller.status.as_ref();
            let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
            if desired > 0 && available < desired {
                findings.push(
                    Finding::new(
                        "flux/controller-unavailable",
                        Severity::Critical,
                        format!("Flux controller {ns}/{name} has {available} of {desired} replicas available: the objects it owns are not reconciled"),
                    )
                    .object(object_id("Deployment", Some(ns), name))
                    .hint(format!("`kubectl -n {ns} describe deployment {name}` and `kubectl -n {ns} logs deploy/{name}`")),
                );
            }
        }
    }
    findings
}

fn check_object(
    object: &FluxObject,
    sources: &BTreeMap<(String, String, String), &FluxObject>,
    now: Timestamp,
    config: &HealthConfig,
) -> Vec<Finding> {
    let id = object.id();
    let kind = object.kind.kind();
    let (ns, name) = (&object.namespace, &object.name);
    let mut findings = Vec::new();
    let readiness = object.readiness();
    match &readiness {
        Readiness::Suspended => {
            let resume = format!("anton flux resume {} {name} -n {ns}", object.kind.cli_words());
            let (severity, since) = match object.suspended_since {
                Some((since, source)) => {
                    let how_long = age(now, since);
                    let sev = if how_long > config.suspended_max_age { Severity::Warning } else { Severity::Info };
                    let qualifier = if source == SuspendedSince::ReadyTransition { "at most " } else { "" };
                    (sev, format!(" for {qualifier}{}", human_duration(how_long)))
                }
                None => (Severity::Info, String::new()),
            };
            let message = if severity == Severity::Warning {
                format!(
                    "{kind} {ns}/{name} has been suspended{since} (longer than {}): Flux is not applying Git to it",
                    human_duration(config.suspended_max_age)
                )
            } else {
                format!("{kind} {ns}/{name} is suspended{since}")
            };
            findings.push(
                Finding::new("flux/suspended", severity, message)
                    .object(&id)
                    .hint(format!("when the incident is over: `{resume}`")),
            );
            return findings;
        }
        Readiness::Stalled { reason, message } => {
            let hint = if object.kind == FluxKind::HelmRelease && reason == "RetriesExceeded" {
                format!(
                    "fix the cause (`{}`), then `{} --reset` to clear the failure count",
                    describe_hint(object),
                    reconcile_hint(object)
                )
            } else {
                format!("Flux stopped retrying; fix the cause in Git (`{}`), then `{}`", describe_hint(object), reconcile_hint(object))
            };
            let text = if message.is_empty() { object.condition("Ready").map(|c| c.message.clone()).unwrap_or_default() } else { message.clone() };
            findings.push(
                Finding::new("flux/stalled", Severity::Critical, format!("{kind} {ns}/{name} is stalled ({reason}): {text}"))
                    .object(&id)
                    .hint(hint),
            );
        }
        Readiness::Failed { reason, message } => {
            let waiting = reason == "DependencyNotReady";
            let severity = if waiting { Severity::Warning } else { Severity::Critical };
            let hint = if waiting {
                "it waits for its dependsOn; fix the dependency reported in the message first".to_owned()
            } else {
                format!("fix the cause in Git, then `{} --with-source`; details: `{}`", reconcile_hint(object), describe_hint(object))
            };
            findings.push(
                Finding::new("flux/not-ready", severity, format!("{kind} {ns}/{name} is not ready ({reason}): {message}"))
                    .object(&id)
                    .hint(hint),
            );
        }
        Readiness::Reconciling { since, message } => {
            if let Some(since) = since {
                let how_long = age(now, *since);
                if how_long > config.reconcile_grace {
                    findings.push(
                        Finding::new(
                            "flux/not-ready",
                            Severity::Warning,
                            format!(
                                "{kind} {ns}/{name} has been reconciling for {}{}",
                                human_duration(how_long),
                                if message.is_empty() { String::new() } else { format!(": {message}") }
                            ),
                        )
                        .object(&id)
                        .hint(format!("`kubectl -n flux-system logs deploy/{}`; `{}`", object.kind.controller(), describe_hint(object))),
                    );
                }
            }
        }
        Readiness::Unknown { message } => {
            let text = if message.is_empty() {
                "it has no Ready condition yet: the controller has not reconciled it".to_owned()
            } else {
                format!("Ready is Unknown: {message}")
            };
            findings.push(
                Finding::new("flux/not-ready", Severity::Warning, format!("{kind} {ns}/{name}: {text}"))
                    .object(&id)
                    .hint(format!("is {} running? `kubectl -n flux-system get deploy {}`", object.kind.controller(), object.kind.controller())),
            );
        }
        Readiness::Ready => {}
    }
    if let (Some(generation), Some(observed)) = (object.generation, object.observed_generation) {
        let reconciling = matches!(readiness, Readiness::Reconciling { .. });
        // Sources start at observedGeneration -1: never reconciled, which
        // flux/not-ready already says.
        if observed >= 1 && observed < generation && !reconciling {
            findings.push(
                Finding::new(
                    "flux/stale-generation",
                    Severity::Warning,
                    format!(
                        "{kind} {ns}/{name} changed (generation {generation}) but {} last reconciled generation {observed}",
                        object.kind.controller()
                    ),
                )
                .object(&id)
                .hint(format!("`{}`; if it stays, check `kubectl -n flux-system logs deploy/{}`", reconcile_hint(object), object.kind.controller())),
            );
        }
    }
    if object.kind == FluxKind::Kustomization {
        findings.extend(revision_lag(object, sources, now, config));
    }
    findings
}

fn revision_lag(
    object: &FluxObject,
    sources: &BTreeMap<(String, String, String), &FluxObject>,
    now: Timestamp,
    config: &HealthConfig,
) -> Option<Finding> {
    let reference = object.source_ref.as_ref()?;
    let source = sources.get(&(reference.kind.clone(), reference.namespace.clone(), reference.name.clone()))?;
    let available = source.artifact_revision.as_deref()?;
    let applied = object.last_applied_revision.as_deref()?;
    if applied == available {
        return None;
    }
    let fresh = source.artifact_updated.is_some_and(|t| age(now, t) <= config.revision_lag_grace);
    if fresh {
        return None;
    }
    let since = source.artifact_updated.map(|t| format!(" (available for {})", human_duration(age(now, t)))).unwrap_or_default();
    let (ns, name) = (&object.namespace, &object.name);
    Some(
        Finding::new(
            "flux/revision-lag",
            Severity::Warning,
            format!(
                "Kustomization {ns}/{name} applied {applied}, but its source {}/{}/{} has {available}{since}",
                reference.kind, reference.namespace, reference.name
            ),
        )
        .object(object.id())
        .hint(format!("`{}`; if it fails, its message says why", reconcile_hint(object))),
    )
}

/// One line of the `anton flux status` table (the columns of `flux get all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FluxRow {
    pub kind: FluxKind,
    pub namespace: String,
    pub name: String,
    pub revision: String,
    pub suspended: bool,
    /// `True`, `False` or `Unknown`, as Flux prints it.
    pub ready: String,
    pub message: String,
}

pub fn flux_rows(flux: &FluxSnapshot) -> Vec<FluxRow> {
    flux_objects(flux)
        .into_iter()
        .map(|o| {
            let ready = o.condition("Ready");
            FluxRow {
                kind: o.kind,
                revision: o.revision().unwrap_or("").to_owned(),
                suspended: o.suspended,
                ready: ready.map_or_else(|| "Unknown".to_owned(), |c| c.status.clone()),
                message: ready.map(|c| c.message.clone()).unwrap_or_default(),
                namespace: o.namespace,
                name: o.name,
            }
        })
        .collect()
}

/// Per-area Flux data for the report: controllers, installed kinds, objects.
pub fn flux_details(flux: &FluxSnapshot) -> Value {
    let rows = flux_rows(flux);
    let mut counts: BTreeMap<&str, Value> = BTreeMap::new();
    for kind in FluxKind::ALL {
        let of_kind: Vec<&FluxRow> = rows.iter().filter(|r| r.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        counts.insert(
            kind.kind(),
            json!({
                "total": of_kind.len(),
                "ready": of_kind.iter().filter(|r| r.ready == "True" && !r.suspended).count(),
                "notReady": of_kind.iter().filter(|r| r.ready != "True" && !r.suspended).count(),
                "suspended": of_kind.iter().filter(|r| r.suspended).count(),
            }),
        );
    }
    let installed: BTreeSet<&str> = flux.installed.iter().map(|k| k.kind()).collect();
    let missing: Vec<&str> = FluxKind::ALL.iter().filter(|k| !flux.installed.contains(k)).map(|k| k.kind()).collect();
    let controllers: Vec<Value> = flux
        .controllers
        .iter()
        .map(|d| {
            let (ns, name) = crate::workloads::meta(&d.metadata);
            let image = d
                .spec
                .template
                .spec
                .as_ref()
                .and_then(|s| s.containers.first())
                .and_then(|c| c.image.clone());
            json!({
                "namespace": ns,
                "name": name,
                "desired": d.spec.replicas.unwrap_or(1),
                "available": d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0),
                "image": image,
            })
        })
        .collect();
    let objects: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "kind": r.kind.kind(),
                "namespace": r.namespace,
                "name": r.name,
                "revision": r.revision,
                "suspended": r.suspended,
                "ready": r.ready,
                "message": r.message,
            })
        })
        .collect();
    json!({
        "installed": installed,
        "missing": missing,
        "controllers": if flux.controllers_listed { Value::Array(controllers) } else { Value::Null },
        "counts": counts,
        "objects": objects,
    })
}
