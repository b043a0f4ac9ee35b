//! `anton flux status|reconcile|suspend|resume`: Flux in a live cluster.
//!
//! `status` reads every Flux object and the controllers (the essentials of
//! `flux check` and `flux get all -A`). The other three are the only anton
//! commands that write to a cluster, and they write what the Flux CLI writes:
//! a JSON merge patch of `reconcile.fluxcd.io/requestedAt` (then wait until
//! the controller reports `status.lastHandledReconcileAt` with that value and
//! Ready True or False), or of `spec.suspend` (suspend, don't delete).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anton_core::{ExitStatus, Finding, Report, Severity};
use anton_health::flux::{
    FORCE_REQUEST_ANNOTATION, RECONCILE_REQUEST_ANNOTATION, RESET_REQUEST_ANNOTATION, SUSPENDED_AT_ANNOTATION,
    flux_subjects, reconcile_state, resume_state,
};
use anton_health::util::parse_duration;
use anton_health::{FluxKind, FluxObject, HealthConfig, check_flux, flux_details, flux_rows};
use anton_kube::flux_ops::{self, Target, WaitOutcome};
use anton_kube::{Cluster, LiveError, Plan, Runtime, Served};
use anton_report::table::Fit;
use anton_report::{Line, Overview, Span, Table, Tone};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::emit;
use crate::commands::live::{
    KubeArgs, Paint, SnapshotArgs, api_notes, emit_live, live_error, now, read_snapshot, safe, short,
};

#[derive(Debug, Args)]
pub struct FluxArgs {
    #[command(subcommand)]
    pub command: FluxCommand,
}

#[derive(Debug, Subcommand)]
pub enum FluxCommand {
    /// Every Flux object and controller with Flux's readiness, like `flux get all -A` plus `flux check`.
    #[command(after_help = STATUS_HELP)]
    Status(StatusArgs),
    /// Ask Flux to reconcile now and wait for the result (writes the requestedAt annotation).
    #[command(after_help = RECONCILE_HELP)]
    Reconcile(ReconcileArgs),
    /// Stop Flux from reconciling an object (sets spec.suspend: true). Suspend, don't delete.
    #[command(after_help = SUSPEND_HELP)]
    Suspend(SuspendArgs),
    /// Let Flux reconcile an object again (spec.suspend: false), request a reconciliation and wait for Ready.
    #[command(after_help = RESUME_HELP)]
    Resume(ResumeArgs),
}

const STATUS_HELP: &str = "\
Examples:
  anton flux status                  # every namespace
  anton flux status -n flux-system
  anton flux status --json | jq '.details.flux.objects[] | select(.ready != \"True\")'

Readiness is Flux's own: Stalled, then Ready (False is critical, or a warning while waiting on
a dependency), Reconciling for longer than 30m, observedGeneration behind generation, and a
Kustomization whose lastAppliedRevision is behind its source's artifact. Suspended objects are
info, or a warning when suspended longer than --suspended-max-age; the time comes from the
anton.dev/suspended-at annotation (written by `anton flux suspend`), else the managedFields entry
that set spec.suspend, else the Ready condition's last transition.

Exit codes: 0 all ready, 1 warnings, 2 critical, 3 anton could not read the cluster.";

const RECONCILE_HELP: &str = "\
Examples:
  anton flux reconcile ks flux-system --with-source     # fetch Git now, then apply
  anton flux reconcile hr plex -n media
  anton flux reconcile hr plex -n media --reset         # after RetriesExceeded
  anton flux reconcile source git flux-system
  anton flux reconcile ks apps --no-wait

What it does, as the Flux CLI does: refuses a suspended object; merge-patches the annotation
reconcile.fluxcd.io/requestedAt=<now> (HelmRelease --force/--reset also set reconcile.fluxcd.io/forceAt
or resetAt); then polls until status.lastHandledReconcileAt equals that value and Ready is True or
False. With --with-source the source is reconciled first (a HelmRelease's HelmChart and its source).

Exit codes: 0 Ready, 2 reconciliation failed (Ready=False), 3 refused, timed out or not permitted.";

const SUSPEND_HELP: &str = "\
Examples:
  anton flux suspend ks media -n flux-system
  anton flux suspend hr rook-ceph-cluster -n storage

Merge-patches spec.suspend: true and the annotation anton.dev/suspended-at=<now> (so `anton flux
status` can tell how long it has been suspended). Nothing is deleted; `anton flux resume` undoes it.";

const RESUME_HELP: &str = "\
Examples:
  anton flux resume ks media -n flux-system
  anton flux resume hr plex -n media --timeout 10m

Merge-patches spec.suspend: false, removes anton.dev/suspended-at and sets
reconcile.fluxcd.io/requestedAt=<now>, then waits until the controller has reconciled the new
generation (or handled the request) and Ready is True or False.";

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this namespace's Flux objects (controllers are then not checked, unless it is flux-system).
    #[arg(short = 'n', long, value_name = "NAMESPACE", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// flux/suspended turns from info into a warning after this long.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_duration)]
    pub suspended_max_age: Duration,
    #[command(flatten)]
    pub kube: KubeArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub table: crate::table::TableArgs,
}

/// The object a write command acts on: `ks NAME`, `hr NAME`, `source git NAME`.
#[derive(Debug, Clone, Subcommand)]
pub enum TargetKind {
    /// A Kustomization.
    #[command(visible_alias = "kustomization")]
    Ks(ObjectName),
    /// A HelmRelease.
    #[command(visible_alias = "helmrelease")]
    Hr(ObjectName),
    /// A source: git, oci, helm, bucket or chart.
    Source(SourceArgs),
}

#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    #[command(subcommand)]
    pub kind: SourceKind,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SourceKind {
    /// A GitRepository.
    Git(ObjectName),
    /// An OCIRepository.
    Oci(ObjectName),
    /// A HelmRepository.
    Helm(ObjectName),
    /// A Bucket.
    Bucket(ObjectName),
    /// A HelmChart.
    Chart(ObjectName),
}

#[derive(Debug, Clone, Args)]
pub struct ObjectName {
    /// The object's name.
    pub name: String,
}

impl TargetKind {
    fn target(&self, namespace: &str) -> Target {
        let (kind, name) = match self {
            TargetKind::Ks(o) => (FluxKind::Kustomization, o),
            TargetKind::Hr(o) => (FluxKind::HelmRelease, o),
            TargetKind::Source(s) => match &s.kind {
                SourceKind::Git(o) => (FluxKind::GitRepository, o),
                SourceKind::Oci(o) => (FluxKind::OCIRepository, o),
                SourceKind::Helm(o) => (FluxKind::HelmRepository, o),
                SourceKind::Bucket(o) => (FluxKind::Bucket, o),
                SourceKind::Chart(o) => (FluxKind::HelmChart, o),
            },
        };
        Target::new(kind, namespace, &name.name)
    }
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(subcommand)]
    pub target: TargetKind,
    /// Namespace of the object.
    #[arg(short = 'n', long, value_name = "NAMESPACE", default_value = "flux-system", global = true)]
    pub namespace: String,
    /// Reconcile the object's source first (a HelmRelease's HelmChart and that chart's source).
    #[arg(long, global = true)]
    pub with_source: bool,
    /// HelmRelease: force a one-off install or upgrade (reconcile.fluxcd.io/forceAt).
    #[arg(long, global = true)]
    pub force: bool,
    /// HelmRelease: reset the failure count, e.g. after RetriesExceeded (reconcile.fluxcd.io/resetAt).
    #[arg(long, global = true)]
    pub reset: bool,
    /// How long to wait for each object.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, global = true)]
    pub timeout: Duration,
    /// Only request the reconciliation; do not wait for it.
    #[arg(long, global = true)]
    pub no_wait: bool,
    #[command(flatten)]
    pub kube: KubeArgs,
}

#[derive(Debug, Args)]
pub struct SuspendArgs {
    #[command(subcommand)]
    pub target: TargetKind,
    /// Namespace of the object.
    #[arg(short = 'n', long, value_name = "NAMESPACE", default_value = "flux-system", global = true)]
    pub namespace: String,
    #[command(flatten)]
    pub kube: KubeArgs,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    #[command(subcommand)]
    pub target: TargetKind,
    /// Namespace of the object.
    #[arg(short = 'n', long, value_name = "NAMESPACE", default_value = "flux-system", global = true)]
    pub namespace: String,
    /// How long to wait for Ready.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, global = true)]
    pub timeout: Duration,
    /// Only resume; do not wait for the reconciliation.
    #[arg(long, global = true)]
    pub no_wait: bool,
    #[command(flatten)]
    pub kube: KubeArgs,
}

pub fn run(args: &FluxArgs, global: &GlobalArgs) -> ExitStatus {
    match &args.command {
        FluxCommand::Status(a) => status(a, global),
        FluxCommand::Reconcile(a) => reconcile(a, global),
        FluxCommand::Suspend(a) => suspend(a, global),
        FluxCommand::Resume(a) => resume(a, global),
    }
}

// ---------------------------------------------------------------------------
// status

fn status(args: &StatusArgs, global: &GlobalArgs) -> ExitStatus {
    const TITLE: &str = "anton flux status";
    let config = HealthConfig { suspended_max_age: args.suspended_max_age, ..HealthConfig::default() };
    let plan = Plan { namespace: args.namespace.clone(), cluster: false, flux: true };
    let (mut snapshot, api) = match read_snapshot(&args.kube, &args.snapshot, &plan) {
        Ok(read) => read,
        Err(report) => return emit_live(&report, &Overview::default(), global, TITLE, args.table.width()),
    };
    let now = match now(&args.snapshot, &snapshot) {
        Ok(now) => now,
        Err(message) => return emit_live(&Report::tool_error(message), &Overview::default(), global, TITLE, args.table.width()),
    };
    // A recorded `anton health` snapshot has Flux too; status reads only that part.
    let flux = snapshot.flux.take().unwrap_or_default();
    snapshot.flux = Some(flux.clone());
    let findings = check_flux(&snapshot, now, &config);
    let report = Report::new(flux_subjects(&flux), findings)
        .with_detail("flux", flux_details(&flux))
        .with_detail("api", api);
    let overview = status_overview(&flux, &report);
    emit_live(&report, &overview, global, TITLE, args.table.width())
}

/// The controllers and counts, then the Flux CLI's `get` table.
fn status_overview(flux: &anton_health::FluxSnapshot, report: &Report) -> Overview {
    let mut overview = Overview { notes: api_notes(report), ..Overview::default() };
    if let Some(details) = report.details.get("flux") {
        if let Some(controllers) = details["controllers"].as_array() {
            let mut spans = Vec::new();
            for c in controllers {
                let (desired, available) = (c["desired"].as_i64().unwrap_or(0), c["available"].as_i64().unwrap_or(0));
                if !spans.is_empty() {
                    spans.push(Span::plain("  "));
                }
                spans.push(if available >= desired { Span::toned("✔", Tone::Good) } else { Span::toned("✗", Tone::Bad) });
                spans.push(Span::plain(format!(" {} {available}/{desired}", c["name"].as_str().unwrap_or(""))));
            }
            if spans.is_empty() {
                spans.push(Span::plain("none found"));
            }
            overview.lines.push(Line { label: "Controllers".into(), spans });
        }
        overview.lines.push(Line::new("Objects", flux_summary_line(details)));
    }
    let rows = flux_rows(flux)
        .iter()
        .map(|row| {
            vec![
                Span::plain(row.kind.kind()),
                Span::plain(row.namespace.clone()),
                Span::plain(row.name.clone()),
                Span::plain(row.revision.clone()),
                if row.suspended { Span::toned("True", Tone::Warning) } else { Span::plain("False") },
                if row.ready == "False" { Span::toned("False", Tone::Bad) } else { Span::plain(row.ready.clone()) },
                Span::plain(row.message.replace('\n', " ")),
            ]
        })
        .collect();
    overview.tables.push(Table {
        title: None,
        header: ["KIND", "NAMESPACE", "NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"].map(String::from).to_vec(),
        rows,
        right_aligned: Vec::new(),
        empty: Some("No Flux objects found.".into()),
        fits: vec![Fit::Keep, Fit::Keep, Fit::Keep, Fit::End, Fit::Keep, Fit::Keep, Fit::End],
    });
    overview
}

// ---------------------------------------------------------------------------
// Write commands: progress, results, report.

/// Prints progress like the Flux CLI (► ✔ ✗ ◎) in text mode; collects the
/// actions for the JSON report either way.
struct Progress {
    text: bool,
    spinner: bool,
    paint: Paint,
    actions: Vec<Value>,
    findings: Vec<Finding>,
    subjects: Vec<String>,
}

impl Progress {
    fn new(global: &GlobalArgs) -> Self {
        let text = global.output_format() == OutputFormat::Text;
        Self {
            text,
            spinner: text && std::io::stderr().is_terminal(),
            paint: Paint::new(global.use_color()),
            actions: Vec::new(),
            findings: Vec::new(),
            subjects: Vec::new(),
        }
    }

    fn say(&self, mark: &str, line: &str) {
        if self.text {
            let _ = writeln!(super::stdout(), "{mark} {}", safe(line));
        }
    }

    fn action(&self, line: &str) {
        self.say(&self.paint.bold("►"), line);
    }

    fn ok(&self, line: &str) {
        self.say(&self.paint.good("✔"), line);
    }

    fn fail(&self, line: &str) {
        self.say(&self.paint.bad("✗"), line);
    }

    fn waiting(&self, line: &str) {
        self.say(&self.paint.bold("◎"), line);
    }

    /// A spinner on stderr while waiting (terminals only).
    fn tick(&self, what: &str, elapsed: Duration) {
        if self.spinner {
            const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
            let frame = FRAMES[(elapsed.as_millis() / 1000) as usize % FRAMES.len()];
            eprint!("\r\x1b[2K{frame} {what} ({})", short(elapsed));
            let _ = std::io::stderr().flush();
        }
    }

    fn clear_spinner(&self) {
        if self.spinner {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }

    fn finish(self, global: &GlobalArgs, title: &str, cluster: Option<&Cluster>, error: Option<String>) -> ExitStatus {
        let mut report = match &error {
            Some(message) => Report::tool_error(message.clone()),
            None => Report::new(self.subjects.clone(), self.findings.clone()),
        };
        report = report.with_detail("actions", Value::Array(self.actions.clone()));
        if let Some(cluster) = cluster {
            report = report.with_detail(
                "api",
                json!({ "server": cluster.server(), "context": cluster.context(), "requests": cluster.requests() }),
            );
        }
        if self.text {
            if let Some(message) = &error {
                self.fail(message);
            }
            report.exit_status()
        } else {
            emit(&report, global, title, None)
        }
    }
}

/// Starts the command's runtime, connects and discovers.
fn open(kube: &KubeArgs) -> Result<(Runtime, Cluster, Served), LiveError> {
    let options = kube.connect_options();
    let runtime = Runtime::new()?;
    let (cluster, served) = runtime.block_on(async {
        let cluster = Cluster::connect(&options).await?;
        let served = anton_kube::discover(&cluster).await?;
        Ok::<_, LiveError>((cluster, served))
    })?;
    Ok((runtime, cluster, served))
}

fn error_exit(global: &GlobalArgs, title: &str, error: &LiveError) -> ExitStatus {
    let report = live_error(error);
    if global.output_format() == OutputFormat::Text {
        let paint = Paint::new(global.use_color());
        let _ = writeln!(super::stdout(), "{} {}", paint.bad("✗"), safe(&error.to_string()));
        report.exit_status()
    } else {
        emit(&report, global, title, None)
    }
}

fn hint_resume(target: &Target) -> String {
    format!("anton flux resume {} {} -n {}", target.kind.cli_words(), target.name, target.namespace)
}

// ---------------------------------------------------------------------------
// reconcile

/// One object to reconcile, in order: sources first.
struct Step {
    target: Target,
    /// HelmRelease flags apply to the object named on the command line only.
    main: bool,
}

fn reconcile(args: &ReconcileArgs, global: &GlobalArgs) -> ExitStatus {
    const TITLE: &str = "anton flux reconcile";
    let target = args.target.target(&args.namespace);
    if (args.force || args.reset) && target.kind != FluxKind::HelmRelease {
        let error = LiveError::Other("--force and --reset apply to HelmReleases only (`anton flux reconcile hr NAME`)".into());
        return error_exit(global, TITLE, &error);
    }
    let (runtime, cluster, served) = match open(&args.kube) {
        Ok(opened) => opened,
        Err(error) => return error_exit(global, TITLE, &error),
    };
    let mut progress = Progress::new(global);
    let result = runtime.block_on(reconcile_all(&cluster, &served, args, target, &mut progress));
    let error = result.err().map(|error| error.to_string());
    progress.finish(global, TITLE, Some(&cluster), error)
}

async fn reconcile_all(
    cluster: &Cluster,
    served: &Served,
    args: &ReconcileArgs,
    target: Target,
    progress: &mut Progress,
) -> Result<(), LiveError> {
    let mut steps = vec![Step { target: target.clone(), main: true }];
    if args.with_source {
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
        let done = reconcile_one(cluster, served, args, &step, progress).await?;
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
    args: &ReconcileArgs,
    step: &Step,
    progress: &mut Progress,
) -> Result<bool, LiveError> {
    let target = &step.target;
    let what = target.describe();
    let (_, object) = flux_ops::get(cluster, served, target).await?;
    progress.subjects.push(object.id());
    if object.suspended {
        return Err(LiveError::Other(format!(
            "{what} is suspended; Flux does not reconcile suspended objects. Resume it first: `{}`",
            hint_resume(target)
        )));
    }
    if object.is_static() {
        progress.ok(&format!("{what}: reconciliation not supported by the object (an OCI HelmRepository has no reconciler)"));
        progress.actions.push(json!({ "object": object.id(), "action": "none", "result": "static" }));
        return Ok(true);
    }
    let token = flux_ops::request_token();
    let mut annotations = vec![(RECONCILE_REQUEST_ANNOTATION, token.clone())];
    if step.main && args.force {
        annotations.push((FORCE_REQUEST_ANNOTATION, token.clone()));
    }
    if step.main && args.reset {
        annotations.push((RESET_REQUEST_ANNOTATION, token.clone()));
    }
    let listed: Vec<String> = annotations.iter().map(|(k, v)| format!("{k}={v}")).collect();
    progress.action(&format!("annotating {what}: {}", listed.join(", ")));
    flux_ops::annotate(cluster, served, target, &annotations).await?;
    progress.ok(&format!("{what} annotated"));
    let mut action = json!({
        "object": object.id(),
        "action": "annotate",
        "annotations": annotations.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
    });
    if args.no_wait {
        action["result"] = json!("not waited");
        progress.actions.push(action);
        return Ok(true);
    }
    progress.waiting(&format!("waiting for {what} reconciliation (timeout {})", short(args.timeout)));
    let waiting = format!("waiting for {what} reconciliation");
    let outcome = {
        let progress_ref: &Progress = progress;
        let mut tick = |elapsed: Duration| progress_ref.tick(&waiting, elapsed);
        flux_ops::wait(cluster, served, target, args.timeout, Duration::from_secs(1), |o| reconcile_state(o, &token), &mut tick)
            .await
    };
    progress.clear_spinner();
    let outcome = outcome?;
    settle(progress, action, target, outcome, args.timeout)
}

/// Reports how waiting ended; returns whether the object became Ready, or
/// the timeout as an error.
fn settle(
    progress: &mut Progress,
    mut action: Value,
    target: &Target,
    outcome: WaitOutcome,
    timeout: Duration,
) -> Result<bool, LiveError> {
    let what = target.describe();
    match outcome {
        WaitOutcome::Done { ready: true, object, .. } => {
            let message = object.success_message();
            progress.ok(&format!("{what} reconciled: {message}"));
            action["result"] = json!("ready");
            action["message"] = json!(message);
            action["revision"] = json!(object.revision());
            progress.actions.push(action);
            Ok(true)
        }
        WaitOutcome::Done { ready: false, message, object } => {
            progress.fail(&format!("{what} reconciliation failed: {message}"));
            action["result"] = json!("failed");
            action["message"] = json!(message);
            progress.actions.push(action);
            progress.findings.push(
                Finding::new("flux/reconcile-failed", Severity::Critical, format!("{what} reconciliation failed: {message}"))
                    .object(object.id())
                    .hint(format!("fix the cause in Git; details: `kubectl -n {} describe {} {}`", target.namespace, target.kind.resource(), target.name)),
            );
            Ok(false)
        }
        WaitOutcome::TimedOut { last } => {
            action["result"] = json!("timeout");
            progress.actions.push(action);
            let handled = last.last_handled_reconcile_at.as_deref().unwrap_or("never");
            // A timeout is "could not confirm": a tool error (exit 3), not a finding.
            Err(LiveError::Other(format!(
                "timed out after {} waiting for {what}: the annotation is set, but {} has not reported it handled (lastHandledReconcileAt: {handled}). Is it running? `kubectl -n flux-system get deploy {}`",
                short(timeout),
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
    target: &TargetKind,
    namespace: &str,
    kube: &KubeArgs,
    global: &GlobalArgs,
    title: &str,
    suspend: bool,
    change: impl AsyncFnOnce(&mut Progress, &Cluster, &Served, &Target, FluxObject) -> Result<(), LiveError>,
) -> ExitStatus {
    let target = target.target(namespace);
    let (runtime, cluster, served) = match open(kube) {
        Ok(opened) => opened,
        Err(error) => return error_exit(global, title, &error),
    };
    let mut progress = Progress::new(global);
    let result = runtime.block_on(async {
        let (_, object) = flux_ops::get(&cluster, &served, &target).await?;
        progress.subjects.push(object.id());
        if object.suspended == suspend {
            let state = if suspend { "already suspended" } else { "not suspended" };
            progress.ok(&format!("{} is {state}; nothing changed", target.describe()));
            progress.actions.push(json!({ "object": object.id(), "action": "none", "result": state }));
            return Ok(());
        }
        change(&mut progress, &cluster, &served, &target, object).await
    });
    let error = result.err().map(|error| error.to_string());
    progress.finish(global, title, Some(&cluster), error)
}

fn suspend(args: &SuspendArgs, global: &GlobalArgs) -> ExitStatus {
    set_suspended(&args.target, &args.namespace, &args.kube, global, "anton flux suspend", true, async |progress, cluster, served, target, object| {
        let what = target.describe();
        let at = flux_ops::request_token();
        progress.action(&format!("suspending {what}"));
        flux_ops::suspend(cluster, served, target, &at).await?;
        progress.ok(&format!("{what} suspended: spec.suspend false → true, annotation {SUSPENDED_AT_ANNOTATION}={at}"));
        progress.say("", &format!("  resume with: {}", hint_resume(target)));
        progress.actions.push(json!({
            "object": object.id(),
            "action": "suspend",
            "changed": { "spec.suspend": { "from": false, "to": true }, "annotations": { SUSPENDED_AT_ANNOTATION: at } },
        }));
        Ok(())
    })
}

fn resume(args: &ResumeArgs, global: &GlobalArgs) -> ExitStatus {
    set_suspended(&args.target, &args.namespace, &args.kube, global, "anton flux resume", false, async |progress, cluster, served, target, object| {
        let what = target.describe();
        let token = flux_ops::request_token();
        progress.action(&format!("resuming {what}"));
        let patched: FluxObject = flux_ops::resume(cluster, served, target, &token).await?;
        progress.ok(&format!(
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
        if args.no_wait {
            progress.actions.push(action);
            return Ok(());
        }
        progress.waiting(&format!("waiting for {what} reconciliation (timeout {})", short(args.timeout)));
        let waiting = format!("waiting for {what} reconciliation");
        let generation = patched.generation;
        let outcome = {
            let progress_ref: &Progress = progress;
            let mut tick = |elapsed: Duration| progress_ref.tick(&waiting, elapsed);
            flux_ops::wait(
                cluster,
                served,
                target,
                args.timeout,
                Duration::from_secs(1),
                |o| resume_state(o, generation, &token),
                &mut tick,
            )
            .await
        };
        progress.clear_spinner();
        settle(progress, action, target, outcome?, args.timeout)?;
        Ok(())
    })
}

/// `99 Kustomizations, 40 HelmReleases, 12 sources: 2 not ready, 1 suspended`.
pub fn flux_summary_line(flux: &Value) -> String {
    let counts = flux["counts"].as_object().cloned().unwrap_or_default();
    let get = |kind: &str, key: &str| counts.get(kind).and_then(|c| c[key].as_u64()).unwrap_or(0);
    let sum = |key: &str| counts.values().map(|c| c[key].as_u64().unwrap_or(0)).sum::<u64>();
    let sources: u64 = counts
        .iter()
        .filter(|(k, _)| *k != "Kustomization" && *k != "HelmRelease")
        .map(|(_, c)| c["total"].as_u64().unwrap_or(0))
        .sum();
    let mut text = format!(
        "{}, {}, {}",
        crate::commands::health::count(get("Kustomization", "total"), "Kustomization"),
        crate::commands::health::count(get("HelmRelease", "total"), "HelmRelease"),
        crate::commands::health::count(sources, "source"),
    );
    let (not_ready, suspended) = (sum("notReady"), sum("suspended"));
    if not_ready + suspended > 0 {
        text.push_str(&format!(": {not_ready} not ready, {suspended} suspended"));
    } else {
        text.push_str(": all ready");
    }
    text
}
