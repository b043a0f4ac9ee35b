//! Flux in a live cluster: [`status`] reads every Flux object and the
//! controllers; [`reconcile`], [`suspend`] and [`resume`] are the only calls
//! of this crate that write to a cluster, and they write what the Flux CLI
//! writes: a JSON merge patch of `reconcile.fluxcd.io/requestedAt` (then
//! wait until the controller reports it handled and Ready is True or
//! False), or of `spec.suspend`.

use std::time::Duration;

use anton_core::{Finding, Report, Severity};
use anton_health::flux::{
    FORCE_REQUEST_ANNOTATION, RECONCILE_REQUEST_ANNOTATION, RESET_REQUEST_ANNOTATION, SUSPENDED_AT_ANNOTATION,
    flux_subjects, reconcile_state, resume_state,
};
use anton_health::util::human_duration;
use anton_health::{FluxKind, FluxObject, FluxSnapshot, HealthConfig, check_flux, flux_details};
use anton_kube::flux_ops::{self, WaitOutcome};
use anton_kube::{Cluster, LiveError, Plan, Runtime, Served};
use serde_json::{Value, json};

pub use anton_kube::flux_ops::Target;

use crate::live::{Checked, KubeOptions, SnapshotOptions, live_error, now_for, read_snapshot};

// ---------------------------------------------------------------------------
// status

#[derive(Debug, Clone)]
pub struct StatusOptions {
    /// Only this namespace's Flux objects; `None`: every namespace.
    pub namespace: Option<String>,
    /// flux/suspended turns from info into a warning after this long.
    pub suspended_max_age: Duration,
    pub kube: KubeOptions,
    pub snapshot: SnapshotOptions,
}

impl Default for StatusOptions {
    fn default() -> Self {
        Self {
            namespace: None,
            suspended_max_age: HealthConfig::default().suspended_max_age,
            kube: KubeOptions::default(),
            snapshot: SnapshotOptions::default(),
        }
    }
}

/// Every Flux object and controller with Flux's readiness; the snapshot
/// read is returned for the `flux get` table. `Err` is the report of a run
/// that could not read the cluster (status error).
#[allow(clippy::result_large_err)] // built once per run, on the way out
pub fn status(options: &StatusOptions) -> Result<Checked<FluxSnapshot>, Report> {
    let config = HealthConfig { suspended_max_age: options.suspended_max_age, ..HealthConfig::default() };
    let plan = Plan { namespace: options.namespace.clone(), cluster: false, flux: true };
    let (mut snapshot, api) = read_snapshot(&options.kube, &options.snapshot, &plan)?;
    let now = now_for(&options.snapshot, snapshot.recorded_at.as_deref()).map_err(Report::tool_error)?;
    // A recorded `anton health` snapshot has Flux too; status reads only that part.
    let flux = snapshot.flux.take().unwrap_or_default();
    snapshot.flux = Some(flux.clone());
    let findings = check_flux(&snapshot, now, &config);
    let report = Report::new(flux_subjects(&flux), findings)
        .with_detail("flux", flux_details(&flux))
        .with_detail("api", api);
    Ok(Checked { report, now, snapshot: flux })
}

// ---------------------------------------------------------------------------
// Writes: progress and results.

/// What a write is doing, as it does it: the marks of the Flux CLI (►
/// action, ✔ ok, ✗ fail, ◎ waiting). Every method does nothing by default;
/// `()` is the silent observer.
pub trait FluxProgress {
    /// ► about to write.
    fn action(&mut self, _line: &str) {}
    /// ✔ done.
    fn ok(&mut self, _line: &str) {}
    /// ✗ failed.
    fn fail(&mut self, _line: &str) {}
    /// ◎ waiting for the controller.
    fn waiting(&mut self, _line: &str) {}
    /// A line of advice (what to run to undo).
    fn note(&mut self, _line: &str) {}
    /// Still waiting for `what`, `elapsed` so far (about once a second).
    fn tick(&mut self, _what: &str, _elapsed: Duration) {}
    /// Waiting is over.
    fn done_waiting(&mut self) {}
}

impl FluxProgress for () {}

/// How a write went: the report (`details.actions`, `details.api`; a failed
/// reconciliation is a critical finding) and, when the write could not be
/// done or confirmed, why (the report is then a tool error).
#[derive(Debug)]
pub struct FluxWrite {
    pub report: Report,
    pub error: Option<String>,
}

impl FluxWrite {
    fn failed(error: &LiveError) -> Self {
        Self { report: live_error(error), error: Some(error.to_string()) }
    }
}

/// The actions, findings and objects of a write, while it runs.
struct Record<'p> {
    progress: &'p mut dyn FluxProgress,
    actions: Vec<Value>,
    findings: Vec<Finding>,
    subjects: Vec<String>,
}

impl<'p> Record<'p> {
    fn new(progress: &'p mut dyn FluxProgress) -> Self {
        Self { progress, actions: Vec::new(), findings: Vec::new(), subjects: Vec::new() }
    }

    fn finish(self, cluster: &Cluster, error: Option<String>) -> FluxWrite {
        let mut report = match &error {
            Some(message) => Report::tool_error(message.clone()),
            None => Report::new(self.subjects, self.findings),
        };
        report = report.with_detail("actions", Value::Array(self.actions)).with_detail(
            "api",
            json!({ "server": cluster.server(), "context": cluster.context(), "requests": cluster.requests() }),
        );
        FluxWrite { report, error }
    }
}

/// Starts the write's runtime, connects and discovers.
fn open(kube: &KubeOptions) -> Result<(Runtime, Cluster, Served), LiveError> {
    let options = kube.connect_options();
    let runtime = Runtime::new()?;
    let (cluster, served) = runtime.block_on(async {
        let cluster = Cluster::connect(&options).await?;
        let served = anton_kube::discover(&cluster).await?;
        Ok::<_, LiveError>((cluster, served))
    })?;
    Ok((runtime, cluster, served))
}

fn hint_resume(target: &Target) -> String {
    format!("anton flux resume {} {} -n {}", target.kind.cli_words(), target.name, target.namespace)
}

// ---------------------------------------------------------------------------
// reconcile

#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    pub target: Target,
    /// Reconcile the object's source first (a HelmRelease's HelmChart and that chart's source).
    pub with_source: bool,
    /// HelmRelease: force a one-off install or upgrade.
    pub force: bool,
    /// HelmRelease: reset the failure count.
    pub reset: bool,
    /// How long to wait for each object.
    pub timeout: Duration,
    /// Only request the reconciliation; do not wait for it.
    pub no_wait: bool,
}

/// One object to reconcile, in order: sources first.
struct Step {
    target: Target,
    /// HelmRelease flags apply to the object named on the command line only.
    main: bool,
}

/// Asks Flux to reconcile `options.target` now and (unless `no_wait`) waits
/// for the result. Writes to the cluster.
pub fn reconcile(kube: &KubeOptions, options: &ReconcileOptions, progress: &mut dyn FluxProgress) -> FluxWrite {
    let target = options.target.clone();
    if (options.force || options.reset) && target.kind != FluxKind::HelmRelease {
        let error = LiveError::Other("--force and --reset apply to HelmReleases only (`anton flux reconcile hr NAME`)".into());
        return FluxWrite::failed(&error);
    }
    let (runtime, cluster, served) = match open(kube) {
        Ok(opened) => opened,
        Err(error) => return FluxWrite::failed(&error),
    };
    let mut record = Record::new(progress);
    let result = runtime.block_on(reconcile_all(&cluster, &served, options, target, &mut record));
    let error = result.err().map(|error| error.to_string());
    record.finish(&cluster, error)
}

async fn reconcile_all(
    cluster: &Cluster,
    served: &Served,
    options: &ReconcileOptions,
    target: Target,
    record: &mut Record<'_>,
) -> Result<(), LiveError> {
    let mut steps = vec![Step { target: target.clone(), main: true }];
    if options.with_source {
        // Walk sourceRef (and a HelmRelease's chart to its source) like the Flux CLI.
        let mut current = target.clone();
        loop {
            let (_, object) = flux_ops::get(cluster, served, &current).await?;
            let Some((kind, namespace, name, deeper)) = object.reconcile_source() else { break };
            let source = Target::new(kind, namespace, name);
            steps.insert(0, Step { target: source.clone(), main: false });
            if !deeper {
                break;
            }
            current = source;
        }
    }
    for step in steps {
        let done = reconcile_one(cluster, served, options, &step, record).await?;
        if !done {
            break;
        }
    }
    Ok(())
}

/// Returns whether to go on with the next step (false after a failed reconciliation).
async fn reconcile_one(
    cluster: &Cluster,
    served: &Served,
    options: &ReconcileOptions,
    step: &Step,
    record: &mut Record<'_>,
) -> Result<bool, LiveError> {
    let target = &step.target;
    let what = target.describe();
    let (_, object) = flux_ops::get(cluster, served, target).await?;
    record.subjects.push(object.id());
    if object.suspended {
        return Err(LiveError::Other(format!(
            "{what} is suspended; Flux does not reconcile suspended objects. Resume it first: `{}`",
            hint_resume(target)
        )));
    }
    if object.is_static() {
        record.progress.ok(&format!("{what}: reconciliation not supported by the object (an OCI HelmRepository has no reconciler)"));
        record.actions.push(json!({ "object": object.id(), "action": "none", "result": "static" }));
        return Ok(true);
    }
    let token = flux_ops::request_token();
    let mut annotations = vec![(RECONCILE_REQUEST_ANNOTATION, token.clone())];
    if step.main && options.force {
        annotations.push((FORCE_REQUEST_ANNOTATION, token.clone()));
    }
    if step.main && options.reset {
        annotations.push((RESET_REQUEST_ANNOTATION, token.clone()));
    }
    let listed: Vec<String> = annotations.iter().map(|(k, v)| format!("{k}={v}")).collect();
    record.progress.action(&format!("annotating {what}: {}", listed.join(", ")));
    flux_ops::annotate(cluster, served, target, &annotations).await?;
    record.progress.ok(&format!("{what} annotated"));
    let mut action = json!({
        "object": object.id(),
        "action": "annotate",
        "annotations": annotations.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
    });
    if options.no_wait {
        action["result"] = json!("not waited");
        record.actions.push(action);
        return Ok(true);
    }
    record.progress.waiting(&format!("waiting for {what} reconciliation (timeout {})", human_duration(options.timeout)));
    let waiting = format!("waiting for {what} reconciliation");
    let outcome = {
        let progress = &mut *record.progress;
        let mut tick = |elapsed: Duration| progress.tick(&waiting, elapsed);
        flux_ops::wait(cluster, served, target, options.timeout, Duration::from_secs(1), |o| reconcile_state(o, &token), &mut tick)
            .await
    };
    record.progress.done_waiting();
    let outcome = outcome?;
    settle(record, action, target, outcome, options.timeout)
}

/// Reports how waiting ended; returns whether the object became Ready, or
/// the timeout as an error.
fn settle(
    record: &mut Record<'_>,
    mut action: Value,
    target: &Target,
    outcome: WaitOutcome,
    timeout: Duration,
) -> Result<bool, LiveError> {
    let what = target.describe();
    match outcome {
        WaitOutcome::Done { ready: true, object, .. } => {
            let message = object.success_message();
            record.progress.ok(&format!("{what} reconciled: {message}"));
            action["result"] = json!("ready");
            action["message"] = json!(message);
            action["revision"] = json!(object.revision());
            record.actions.push(action);
            Ok(true)
        }
        WaitOutcome::Done { ready: false, message, object } => {
            record.progress.fail(&format!("{what} reconciliation failed: {message}"));
            action["result"] = json!("failed");
            action["message"] = json!(message);
            record.actions.push(action);
            record.findings.push(
                Finding::new("flux/reconcile-failed", Severity::Critical, format!("{what} reconciliation failed: {message}"))
                    .object(object.id())
                    .hint(format!("fix the cause in Git; details: `kubectl -n {} describe {} {}`", target.namespace, target.kind.resource(), target.name)),
            );
            Ok(false)
        }
        WaitOutcome::TimedOut { last } => {
            action["result"] = json!("timeout");
            record.actions.push(action);
            let handled = last.last_handled_reconcile_at.as_deref().unwrap_or("never");
            // A timeout is "could not confirm": a tool error (exit 3), not a finding.
            Err(LiveError::Other(format!(
                "timed out after {} waiting for {what}: the annotation is set, but {} has not reported it handled (lastHandledReconcileAt: {handled}). Is it running? `kubectl -n flux-system get deploy {}`",
                human_duration(timeout),
                target.kind.controller(),
                target.kind.controller(),
            )))
        }
    }
}

// ---------------------------------------------------------------------------
// suspend / resume

/// What suspend and resume share: open the cluster, read the object, and
/// unless it already is as asked (`suspend`), hand it to `change`.
fn set_suspended(
    kube: &KubeOptions,
    target: &Target,
    suspend: bool,
    progress: &mut dyn FluxProgress,
    change: impl AsyncFnOnce(&mut Record<'_>, &Cluster, &Served, FluxObject) -> Result<(), LiveError>,
) -> FluxWrite {
    let (runtime, cluster, served) = match open(kube) {
        Ok(opened) => opened,
        Err(error) => return FluxWrite::failed(&error),
    };
    let mut record = Record::new(progress);
    let result = runtime.block_on(async {
        let (_, object) = flux_ops::get(&cluster, &served, target).await?;
        record.subjects.push(object.id());
        if object.suspended == suspend {
            let state = if suspend { "already suspended" } else { "not suspended" };
            record.progress.ok(&format!("{} is {state}; nothing changed", target.describe()));
            record.actions.push(json!({ "object": object.id(), "action": "none", "result": state }));
            return Ok(());
        }
        change(&mut record, &cluster, &served, object).await
    });
    let error = result.err().map(|error| error.to_string());
    record.finish(&cluster, error)
}

/// Stops Flux from reconciling `target` (`spec.suspend: true`, and the
/// annotation `anton.dev/suspended-at`). Writes to the cluster.
pub fn suspend(kube: &KubeOptions, target: &Target, progress: &mut dyn FluxProgress) -> FluxWrite {
    set_suspended(kube, target, true, progress, async |record, cluster, served, object| {
        let what = target.describe();
        let at = flux_ops::request_token();
        record.progress.action(&format!("suspending {what}"));
        flux_ops::suspend(cluster, served, target, &at).await?;
        record.progress.ok(&format!("{what} suspended: spec.suspend false → true, annotation {SUSPENDED_AT_ANNOTATION}={at}"));
        record.progress.note(&format!("  resume with: {}", hint_resume(target)));
        record.actions.push(json!({
            "object": object.id(),
            "action": "suspend",
            "changed": { "spec.suspend": { "from": false, "to": true }, "annotations": { SUSPENDED_AT_ANNOTATION: at } },
        }));
        Ok(())
    })
}

#[derive(Debug, Clone)]
pub struct ResumeOptions {
    /// How long to wait for Ready.
    pub timeout: Duration,
    /// Only resume; do not wait for the reconciliation.
    pub no_wait: bool,
}

/// Lets Flux reconcile `target` again (`spec.suspend: false`), requests a
/// reconciliation and (unless `no_wait`) waits for Ready. Writes to the cluster.
pub fn resume(kube: &KubeOptions, target: &Target, options: &ResumeOptions, progress: &mut dyn FluxProgress) -> FluxWrite {
    set_suspended(kube, target, false, progress, async |record, cluster, served, object| {
        let what = target.describe();
        let token = flux_ops::request_token();
        record.progress.action(&format!("resuming {what}"));
        let patched: FluxObject = flux_ops::resume(cluster, served, target, &token).await?;
        record.progress.ok(&format!(
            "{what} resumed: spec.suspend true → false, annotation {RECONCILE_REQUEST_ANNOTATION}={token}, {SUSPENDED_AT_ANNOTATION} removed"
        ));
        let action = json!({
            "object": object.id(),
            "action": "resume",
            "changed": {
                "spec.suspend": { "from": true, "to": false },
                "annotations": { RECONCILE_REQUEST_ANNOTATION: token, SUSPENDED_AT_ANNOTATION: null },
            },
        });
        if options.no_wait {
            record.actions.push(action);
            return Ok(());
        }
        record.progress.waiting(&format!("waiting for {what} reconciliation (timeout {})", human_duration(options.timeout)));
        let waiting = format!("waiting for {what} reconciliation");
        let generation = patched.generation;
        let outcome = {
            let progress = &mut *record.progress;
            let mut tick = |elapsed: Duration| progress.tick(&waiting, elapsed);
            flux_ops::wait(
                cluster,
                served,
                target,
                options.timeout,
                Duration::from_secs(1),
                |o| resume_state(o, generation, &token),
                &mut tick,
            )
            .await
        };
        record.progress.done_waiting();
        settle(record, action, target, outcome?, options.timeout)?;
        Ok(())
    })
}
