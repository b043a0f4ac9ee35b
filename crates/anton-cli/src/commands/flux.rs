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

use anton_core::{ExitStatus, Report};
use anton_engine::flux::{FluxProgress, FluxWrite, ReconcileOptions, ResumeOptions, StatusOptions, Target};
use anton_health::util::parse_duration;
use anton_health::{FluxKind, flux_rows};
use anton_report::table::Fit;
use anton_report::{Line, Overview, Span, Table, Tone};
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::emit;
use crate::commands::live::{KubeArgs, Paint, SnapshotArgs, api_notes, emit_live, safe, short};

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
    /// The object, in `namespace`.
    pub fn target(&self, namespace: &str) -> Target {
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
    let options = StatusOptions {
        namespace: args.namespace.clone(),
        suspended_max_age: args.suspended_max_age,
        kube: args.kube.options(),
        snapshot: args.snapshot.options(),
    };
    let checked = match anton_engine::flux::status(&options) {
        Ok(checked) => checked,
        Err(report) => return emit_live(&report, &Overview::default(), global, TITLE, args.table.width()),
    };
    let overview = status_overview(&checked.snapshot, &checked.report);
    emit_live(&checked.report, &overview, global, TITLE, args.table.width())
}

/// The controllers and counts, then the Flux CLI's `get` table.
pub fn status_overview(flux: &anton_health::FluxSnapshot, report: &Report) -> Overview {
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
// Writes (the engine's): progress printed like the Flux CLI (► ✔ ✗ ◎) in text mode.

struct Printer {
    text: bool,
    spinner: bool,
    paint: Paint,
}

impl Printer {
    fn new(global: &GlobalArgs) -> Self {
        let text = global.output_format() == OutputFormat::Text;
        Self { text, spinner: text && std::io::stderr().is_terminal(), paint: Paint::new(global.use_color()) }
    }

    fn say(&self, mark: &str, line: &str) {
        if self.text {
            let _ = writeln!(super::stdout(), "{mark} {}", safe(line));
        }
    }

    /// Text: the error line (the actions printed their own); other formats: the report.
    fn finish(&mut self, written: FluxWrite, global: &GlobalArgs, title: &str) -> ExitStatus {
        if self.text {
            if let Some(message) = &written.error {
                FluxProgress::fail(self, message);
            }
            written.report.exit_status()
        } else {
            emit(&written.report, global, title, None)
        }
    }
}

impl FluxProgress for Printer {
    fn action(&mut self, line: &str) {
        self.say(&self.paint.bold("►"), line);
    }

    fn ok(&mut self, line: &str) {
        self.say(&self.paint.good("✔"), line);
    }

    fn fail(&mut self, line: &str) {
        self.say(&self.paint.bad("✗"), line);
    }

    fn waiting(&mut self, line: &str) {
        self.say(&self.paint.bold("◎"), line);
    }

    fn note(&mut self, line: &str) {
        self.say("", line);
    }

    /// A spinner on stderr while waiting (terminals only).
    fn tick(&mut self, what: &str, elapsed: Duration) {
        if self.spinner {
            const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
            let frame = FRAMES[(elapsed.as_millis() / 1000) as usize % FRAMES.len()];
            eprint!("\r\x1b[2K{frame} {what} ({})", short(elapsed));
            let _ = std::io::stderr().flush();
        }
    }

    fn done_waiting(&mut self) {
        if self.spinner {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }
}

fn reconcile(args: &ReconcileArgs, global: &GlobalArgs) -> ExitStatus {
    let options = ReconcileOptions {
        target: args.target.target(&args.namespace),
        with_source: args.with_source,
        force: args.force,
        reset: args.reset,
        timeout: args.timeout,
        no_wait: args.no_wait,
    };
    let mut printer = Printer::new(global);
    let written = anton_engine::flux::reconcile(&args.kube.options(), &options, &mut printer);
    printer.finish(written, global, "anton flux reconcile")
}

fn suspend(args: &SuspendArgs, global: &GlobalArgs) -> ExitStatus {
    let mut printer = Printer::new(global);
    let written = anton_engine::flux::suspend(&args.kube.options(), &args.target.target(&args.namespace), &mut printer);
    printer.finish(written, global, "anton flux suspend")
}

fn resume(args: &ResumeArgs, global: &GlobalArgs) -> ExitStatus {
    let options = ResumeOptions { timeout: args.timeout, no_wait: args.no_wait };
    let mut printer = Printer::new(global);
    let written =
        anton_engine::flux::resume(&args.kube.options(), &args.target.target(&args.namespace), &options, &mut printer);
    printer.finish(written, global, "anton flux resume")
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
