//! `anton check`: the offline validation and every live suite at once, one
//! report (the suites run in `anton_engine::check`, each on its own thread).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anstyle::{AnsiColor, Effects, Style};
use anton_core::{ExitStatus, Report, Status};
use anton_core::secrets::redact;
use anton_engine::check::{CheckOptions, CheckProgress, Checked, SUITES, SuiteRun};
use anton_report::{DiskSources, Format, JunitSuite};
use clap::Args;
use clap::builder::PossibleValuesParser;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::GlobalArgs;
use crate::commands::live::{KubeArgs, safe};
use crate::commands::{emit, render_setup, stdout};

const TITLE: &str = "anton check";

pub const AFTER_HELP: &str = "\
Examples:
  anton check                          # the repository and the live cluster, every suite
  anton check --quick                  # without volume use per node and the 1Password Connect probe
  anton check --ci --format junit      # in CI: offline only when no cluster is reachable
  anton check --only validate,flux --fail-fast
  anton check --json | jq '.details.suites | map_values(.status)'

Suites (--only): validate (the repository, offline), health (nodes, workloads, pods, Flux),
flux (Flux objects and controllers), storage (claims, volumes, Ceph, backups), secrets
(External Secrets, stores, 1Password Connect), network (ingress controllers, LB addresses,
Ingresses, certificates, tunnel, DNS; read from the API, never anton network's --probe).
They run at the same time; each is the library call its own command makes. A suite that cannot run (no cluster, no permission) is `error` with
its message, and the others go on.

JSON: the report contract over every suite's findings, with details.suites.NAME holding each
suite's own report plus durationMs, and details.skipped.NAME why a suite did not run.
JUnit: one testsuite per suite.

Exit codes: the worst of the suites: 0 healthy, 1 warnings, 2 critical, 3 a suite could not run.";

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Repository folder for the validate suite. Default: the `kubernetes/`
    /// folder of the git repository around the current folder, else the current folder.
    pub path: Option<PathBuf>,
    /// Skip the slow parts: volume use from every kubelet (storage) and
    /// 1Password Connect's /health probe (secrets).
    #[arg(long)]
    pub quick: bool,
    /// Work without a cluster: when none is reachable, run the offline
    /// suites only (and say so) instead of reporting the live ones as errors.
    #[arg(long)]
    pub ci: bool,
    /// Stop at the first suite that is critical or cannot run; the suites
    /// still running are reported as not finished.
    #[arg(long)]
    pub fail_fast: bool,
    /// Run only these suites (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "SUITES", value_parser = suite_names())]
    pub only: Vec<String>,
    #[command(flatten)]
    pub kube: KubeArgs,
}

fn suite_names() -> PossibleValuesParser {
    PossibleValuesParser::new(SUITES.iter().map(|suite| suite.name))
}

pub fn run(args: &CheckArgs, global: &GlobalArgs) -> ExitStatus {
    let options = CheckOptions {
        path: args.path.clone(),
        kube: args.kube.options(),
        quick: args.quick,
        ci: args.ci,
        fail_fast: args.fail_fast,
        only: args.only.clone(),
    };
    let (format, _) = render_setup(global, TITLE, None);
    if format != Format::Text {
        let checked = anton_engine::check::check(&options, &mut ());
        return match format {
            Format::Junit => junit(&checked),
            _ => emit(&checked.report, global, TITLE, source_root(&checked).as_deref()),
        };
    }
    let paint = Paint { color: global.use_color() };
    // On a terminal each suite's spinner becomes its line; otherwise the
    // lines are printed when every suite is done.
    let terminal = std::io::stdout().is_terminal();
    let checked = if terminal {
        let mut spinners = Spinners::new(paint);
        let checked = anton_engine::check::check(&options, &mut spinners);
        spinners.done();
        checked
    } else {
        anton_engine::check::check(&options, &mut ())
    };
    text(&checked, global, paint, !terminal)
}

/// The folder validate read, for code frames.
fn source_root(checked: &Checked) -> Option<PathBuf> {
    let validate = checked.suites.iter().find(|run| run.name == "validate")?;
    validate.report.details.get("repository")?.get("root")?.as_str().map(PathBuf::from)
}

fn junit(checked: &Checked) -> ExitStatus {
    let mut suites: Vec<JunitSuite<'_>> = checked
        .suites
        .iter()
        .map(|run| JunitSuite { name: run.name, report: Some(&run.report), seconds: run.duration.as_secs_f64(), skipped: None })
        .collect();
    suites.extend(checked.skipped.iter().map(|(name, why)| JunitSuite { name, report: None, seconds: 0.0, skipped: Some(why) }));
    let order = |name: &str| SUITES.iter().position(|s| s.name == name).unwrap_or(usize::MAX);
    suites.sort_by_key(|suite| order(suite.name));
    let mut out = stdout();
    // A closed pipe is not an error worth reporting.
    let _ = anton_report::render_junit_suites(&suites, TITLE, &mut out);
    let _ = out.flush();
    checked.report.exit_status()
}

/// A line per suite (in the suites' order), then the findings of them all.
fn text(checked: &Checked, global: &GlobalArgs, paint: Paint, print_lines: bool) -> ExitStatus {
    let mut out = stdout();
    if checked.suites.is_empty() && checked.skipped.is_empty() {
        // Nothing ran: a bad --only.
        drop(out);
        return emit(&checked.report, global, TITLE, None);
    }
    let mut lines: Vec<(usize, String)> = checked
        .suites
        .iter()
        .map(|run| (order(run.name), suite_line(run, paint)))
        .collect();
    lines.extend(checked.skipped.iter().map(|(name, why)| (order(name), skipped_line(name, why, paint))));
    lines.sort_by_key(|(order, _)| *order);
    if print_lines {
        for (_, line) in &lines {
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(out);
    // The findings of every suite, as `anton validate` prints them; the
    // suites that could not run said why on their line above.
    let mut findings = checked.report.clone();
    if findings.status == Status::Error {
        findings.status = Report::new(Vec::<String>::new(), findings.findings.clone()).status;
    }
    findings.details.retain(|key, _| key == "findings");
    let (format, options) = render_setup(global, TITLE, None);
    let sources: Box<dyn anton_report::SourceProvider> = match source_root(checked) {
        Some(root) => Box::new(DiskSources::new(&root)),
        None => Box::new(()),
    };
    let _ = anton_report::render_with(&findings, format, &options, sources.as_ref(), &anton_engine::rules::Registry, &mut out);
    let failed: Vec<&str> = checked.suites.iter().filter(|r| r.report.status == Status::Error).map(|r| r.name).collect();
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "{} {}",
            paint.paint(RED, "✗"),
            paint.paint(BOLD, &format!("anton check did not finish: {} could not run (status: error)", failed.join(", ")))
        );
    }
    let _ = out.flush();
    checked.report.exit_status()
}

fn order(name: &str) -> usize {
    SUITES.iter().position(|s| s.name == name).unwrap_or(usize::MAX)
}

/// The widest suite name, for aligned lines.
fn name_width() -> usize {
    SUITES.iter().map(|s| s.name.len()).max().unwrap_or(8)
}

/// `✔ validate  healthy   120 checked: 0 warnings, 0 critical  (0.4s)`.
fn suite_line(run: &SuiteRun, paint: Paint) -> String {
    let report = &run.report;
    let (mark, style) = match report.status {
        Status::Healthy => ("✔", GREEN),
        Status::Warning => ("!", YELLOW),
        Status::Critical | Status::Error => ("✗", RED),
    };
    let what = match report.status {
        // On a terminal this line is drawn by the spinner, not through the
        // redacting stdout: redact it here.
        Status::Error => safe(&redact(report.issues.first().map_or("could not run", String::as_str))),
        _ => format!(
            "{} checked: {} warning{}, {} critical",
            report.summary.total,
            report.summary.warnings,
            if report.summary.warnings == 1 { "" } else { "s" },
            report.summary.critical
        ),
    };
    format!(
        "{} {:<width$}  {}  {what}  ({})",
        paint.paint(style, mark),
        run.name,
        paint.paint(style, &format!("{:<8}", report.status.as_str())),
        seconds(run.duration),
        width = name_width()
    )
}

/// `- storage   skipped   no cluster reachable …`.
fn skipped_line(name: &str, why: &str, paint: Paint) -> String {
    format!("{} {:<width$}  {}  {}", paint.paint(DIM, "-"), name, paint.paint(DIM, "skipped "), safe(&redact(why)), width = name_width())
}

/// `0.4s`, `12.0s`.
fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

const GREEN: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);
const YELLOW: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const RED: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
const BOLD: Style = Style::new().effects(Effects::BOLD);
const DIM: Style = Style::new().effects(Effects::DIMMED);

#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn paint(self, style: Style, text: &str) -> String {
        if self.color { format!("{style}{text}{style:#}") } else { text.to_owned() }
    }
}

/// One spinner per suite while it runs (a terminal only); each becomes its
/// suite's line when it ends.
struct Spinners {
    multi: MultiProgress,
    bars: Vec<(&'static str, ProgressBar)>,
    paint: Paint,
}

impl Spinners {
    fn new(paint: Paint) -> Self {
        Self { multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()), bars: Vec::new(), paint }
    }

    fn bar(&self, name: &str) -> Option<&ProgressBar> {
        self.bars.iter().find(|(n, _)| *n == name).map(|(_, bar)| bar)
    }

    /// Stops the spinners of suites that never reported (a --fail-fast stop).
    fn done(&self) {
        for (_, bar) in &self.bars {
            if !bar.is_finished() {
                bar.finish();
            }
        }
    }
}

impl CheckProgress for Spinners {
    fn planned(&mut self, suites: &[&'static str]) {
        let style = ProgressStyle::with_template("{spinner} {prefix}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ");
        for name in suites {
            let bar = self.multi.add(ProgressBar::new_spinner().with_style(style.clone()));
            bar.set_prefix(format!("{name:<width$}", width = name_width()));
            bar.set_message("running");
            bar.enable_steady_tick(Duration::from_millis(100));
            self.bars.push((name, bar));
        }
    }

    fn finished(&mut self, run: &SuiteRun) {
        if let Some(bar) = self.bar(run.name) {
            bar.set_style(ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            bar.finish_with_message(suite_line(run, self.paint));
        }
    }

    fn skipped(&mut self, suite: &'static str, reason: &str) {
        if let Some(bar) = self.bar(suite) {
            bar.set_style(ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            bar.finish_with_message(skipped_line(suite, reason, self.paint));
        }
    }
}
