//! What every live command shares on the command line: how to reach the
//! cluster ([`KubeArgs`]), recorded snapshots ([`SnapshotArgs`]), and the
//! text rendering of live reports through `anton-report`. Reading the
//! cluster and checking it is `anton_engine`'s; a live command adds an
//! [`Overview`].

use std::path::PathBuf;
use std::time::Duration;

use anstyle::{AnsiColor, Effects, Style};
use anton_core::{ExitStatus, Report, Severity};
use anton_engine::live::{KubeOptions, SnapshotOptions};
use anton_health::util::human_duration;
use anton_kube::ConnectOptions;
use anton_report::Overview;
use clap::Args;
use serde_json::Value;

use crate::cli::GlobalArgs;

/// How to reach the cluster; the same on every live command.
#[derive(Debug, Clone, Args)]
pub struct KubeArgs {
    /// Kubeconfig file. Default: KUBECONFIG (a list of files is merged), then
    /// ~/.kube/config, then the in-cluster service account.
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use. Default: the current context.
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,
    /// Upper bound for one API request.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = anton_kube::parse_request_timeout, global = true)]
    pub request_timeout: Duration,
}

impl KubeArgs {
    /// The engine's connection options.
    pub fn options(&self) -> KubeOptions {
        KubeOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            request_timeout: self.request_timeout,
        }
    }

    pub fn connect_options(&self) -> ConnectOptions {
        self.options().connect_options()
    }
}

/// Reading a recorded snapshot instead of a cluster, and recording one.
#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Check a snapshot saved with --save-snapshot instead of a live cluster.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["kubeconfig", "context", "save_snapshot"])]
    pub from_snapshot: Option<PathBuf>,
    /// Also save what was read from the cluster as JSON (for a bug report, or to check it again offline).
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    /// Check as if it were this time (RFC 3339). Default: the clock, or with
    /// --from-snapshot the time the snapshot was recorded.
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

impl SnapshotArgs {
    /// The engine's snapshot options.
    pub fn options(&self) -> SnapshotOptions {
        SnapshotOptions { from: self.from_snapshot.clone(), save: self.save_snapshot.clone(), now: self.now.clone() }
    }
}

pub use anton_engine::live::live_error;

/// Renders a live report in the chosen format (text: `overview`, the
/// findings by area, the verdict; tables fitted to `width`, `None`: full
/// cells) and returns its exit status.
pub fn emit_live(report: &Report, overview: &Overview, global: &GlobalArgs, title: &str, width: Option<usize>) -> ExitStatus {
    let (format, options) = super::render_setup(global, title, width);
    let mut out = super::stdout();
    // A closed pipe (`anton storage | head`) is not an error worth reporting.
    let _ = anton_report::render_live(report, overview, format, &options, &mut out);
    let _ = std::io::Write::flush(&mut out);
    report.exit_status()
}

/// `details.api.notes` of a report, for the verbose text output.
pub fn api_notes(report: &Report) -> Vec<String> {
    let Some(api) = report.details.get("api") else { return Vec::new() };
    let mut notes: Vec<String> =
        api.get("notes").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
    if let Some(requests) = api.get("requests") {
        let ms = api.get("durationMs").and_then(Value::as_f64).unwrap_or(0.0);
        let server = api.get("server").and_then(Value::as_str).unwrap_or("");
        notes.push(format!("read {server} with {requests} API requests in {ms:.0} ms"));
    }
    notes
}

/// `3m20s` for progress lines.
pub fn short(duration: Duration) -> String {
    human_duration(duration)
}

pub struct Paint {
    color: bool,
}

impl Paint {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.color { format!("{style}{text}{style:#}") } else { text.to_owned() }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().effects(Effects::BOLD), text)
    }

    pub fn severity(&self, severity: Severity, text: &str) -> String {
        let color = match severity {
            Severity::Critical => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        self.paint(color.on_default().effects(Effects::BOLD), text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default().effects(Effects::BOLD), text)
    }

    pub fn bad(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default().effects(Effects::BOLD), text)
    }
}

/// Cluster text (condition messages) must not move the cursor or recolour the terminal.
pub fn safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { '�' } else { c }).collect()
}

