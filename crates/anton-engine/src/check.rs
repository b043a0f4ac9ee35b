//! `anton check`: the offline validation and every live suite at once, one
//! report. Each suite is the same library call its own command makes, run
//! on a thread of its own; a suite that cannot run is `error` with its
//! message, and the others go on.
//!
//! The suites are the [`SUITES`] table: adding one is one entry there and
//! the function it names.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anton_core::{Report, Status, Summary};
use serde_json::{Map, Value, json};

use crate::live::{self, KubeOptions};

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The repository `validate` checks; `None`: as for [`crate::validate()`].
    pub path: Option<PathBuf>,
    pub kube: KubeOptions,
    /// Leave out the slow parts: volume use from every kubelet (storage)
    /// and 1Password Connect's `/health` probe (secrets).
    pub quick: bool,
    /// Run without a cluster when none is reachable: the live suites are
    /// then left out (and the report says so) instead of failing.
    pub ci: bool,
    /// Stop at the first suite with a critical finding (or that cannot run).
    pub fail_fast: bool,
    /// Only these suites (names from [`SUITES`]); empty: all of them.
    pub only: Vec<String>,
}

/// One suite of `anton check`.
pub struct Suite {
    pub name: &'static str,
    /// What it checks, for `--help`.
    pub about: &'static str,
    /// Reads the cluster (`--ci` leaves it out when there is none).
    pub live: bool,
    run: fn(&CheckOptions) -> Report,
}

/// Every suite, in the order they are shown.
pub const SUITES: &[Suite] = &[
    Suite { name: "validate", about: "the repository, offline (anton validate)", live: false, run: validate },
    Suite { name: "health", about: "nodes, workloads, pods, Flux (anton health)", live: true, run: health },
    Suite { name: "flux", about: "Flux objects and controllers (anton flux status)", live: true, run: flux },
    Suite { name: "storage", about: "claims, volumes, Ceph, backups (anton storage)", live: true, run: storage },
    Suite { name: "secrets", about: "External Secrets, stores, 1Password Connect (anton secrets)", live: true, run: secrets },
    Suite { name: "network", about: "ingress controllers, LB addresses, Ingresses, certificates, tunnel, DNS (anton network)", live: true, run: network },
];

fn validate(options: &CheckOptions) -> Report {
    crate::validate(&crate::validate::ValidateOptions { path: options.path.clone(), ..Default::default() }).report
}

fn health(options: &CheckOptions) -> Report {
    let health = crate::health::HealthOptions { kube: options.kube.clone(), ..Default::default() };
    live::report_of(crate::health::health(&health))
}

fn flux(options: &CheckOptions) -> Report {
    let status = crate::flux::StatusOptions { kube: options.kube.clone(), ..Default::default() };
    live::report_of(crate::flux::status(&status))
}

fn storage(options: &CheckOptions) -> Report {
    let storage = crate::storage::StorageOptions {
        kube: options.kube.clone(),
        skip_volume_usage: options.quick,
        ..Default::default()
    };
    live::report_of(crate::storage::storage(&storage))
}

fn secrets(options: &CheckOptions) -> Report {
    let secrets = crate::secrets::SecretsOptions {
        kube: options.kube.clone(),
        skip_connect_probe: options.quick,
        ..Default::default()
    };
    live::report_of(crate::secrets::secrets(&secrets))
}

/// Read from the API only: the DNS and HTTPS probes are `anton network
/// --probe`'s, never the check's (`--quick` or not).
fn network(options: &CheckOptions) -> Report {
    let network = crate::network::NetworkOptions { kube: options.kube.clone(), ..Default::default() };
    live::report_of(crate::network::network(&network))
}

/// A suite that ran: its own report and how long it took.
#[derive(Debug, Clone)]
pub struct SuiteRun {
    pub name: &'static str,
    pub report: Report,
    pub duration: Duration,
}

/// A whole check: the overall report, each suite that ran (in [`SUITES`]
/// order), and the suites left out with the reason.
#[derive(Debug)]
pub struct Checked {
    pub report: Report,
    pub suites: Vec<SuiteRun>,
    pub skipped: Vec<(&'static str, String)>,
}

/// Told about each suite as it starts and ends (a spinner per suite).
pub trait CheckProgress {
    /// These suites are about to run, in this order.
    fn planned(&mut self, _suites: &[&'static str]) {}
    /// `suite` ended.
    fn finished(&mut self, _run: &SuiteRun) {}
    /// `suite` was left out (before it ran, or `--fail-fast` stopped it).
    fn skipped(&mut self, _suite: &'static str, _reason: &str) {}
}

impl CheckProgress for () {}

/// The suites `only` names (all when empty), or what is wrong with it.
pub fn selected(only: &[String]) -> Result<Vec<&'static Suite>, String> {
    let wanted: Vec<&str> = only.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()).collect();
    if wanted.is_empty() {
        return Ok(SUITES.iter().collect());
    }
    let names: Vec<&str> = SUITES.iter().map(|s| s.name).collect();
    if let Some(unknown) = wanted.iter().find(|w| !names.contains(w)) {
        return Err(format!("--only {unknown}: no such suite; the suites are {}", names.join(", ")));
    }
    Ok(SUITES.iter().filter(|s| wanted.contains(&s.name)).collect())
}

/// Runs the suites concurrently and gathers them into one report.
pub fn check(options: &CheckOptions, progress: &mut dyn CheckProgress) -> Checked {
    let suites = match selected(&options.only) {
        Ok(suites) => suites,
        Err(message) => return Checked { report: Report::tool_error(message), suites: Vec::new(), skipped: Vec::new() },
    };
    let mut skipped: Vec<(&'static str, String)> = Vec::new();
    let mut to_run: Vec<&'static Suite> = suites.clone();
    if options.ci && suites.iter().any(|s| s.live) {
        if let Err(reason) = reachable(&options.kube) {
            let why = format!("no cluster reachable ({reason}); --ci checks offline only");
            to_run.retain(|s| !s.live);
            skipped.extend(suites.iter().filter(|s| s.live).map(|s| (s.name, why.clone())));
        }
    }
    progress.planned(&suites.iter().map(|s| s.name).collect::<Vec<_>>());
    for (name, reason) in &skipped {
        progress.skipped(name, reason);
    }
    let shared = Arc::new(options.clone());
    let (sender, results) = mpsc::channel();
    for suite in &to_run {
        let (sender, options, suite) = (sender.clone(), Arc::clone(&shared), *suite);
        // Not scoped: with --fail-fast the check returns without waiting for
        // the suites still running (their results are then dropped).
        std::thread::spawn(move || {
            let started = Instant::now();
            let report = run_caught(suite, &options);
            let _ = sender.send(SuiteRun { name: suite.name, report, duration: started.elapsed() });
        });
    }
    drop(sender);
    let mut runs: Vec<SuiteRun> = Vec::new();
    let mut pending: Vec<&'static str> = to_run.iter().map(|s| s.name).collect();
    while let Ok(run) = results.recv() {
        pending.retain(|name| *name != run.name);
        progress.finished(&run);
        let stop = options.fail_fast && matches!(run.report.status, Status::Critical | Status::Error);
        let stopped_by = run.name;
        runs.push(run);
        if stop {
            for name in pending.drain(..) {
                let reason = format!("not finished: --fail-fast stopped at {stopped_by}");
                progress.skipped(name, &reason);
                skipped.push((name, reason));
            }
            break;
        }
    }
    let order = |name: &str| SUITES.iter().position(|s| s.name == name).unwrap_or(usize::MAX);
    runs.sort_by_key(|run| order(run.name));
    skipped.sort_by_key(|(name, _)| order(name));
    let report = combine(&runs, &skipped);
    Checked { report, suites: runs, skipped }
}

/// A suite's report, or an error report if it panicked: one suite's bug
/// must not take the whole check down.
fn run_caught(suite: &Suite, options: &CheckOptions) -> Report {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (suite.run)(options))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "unknown panic".to_owned());
        Report::tool_error(format!("the {} suite failed: {message} (a bug in anton; please report it)", suite.name))
    })
}

/// Whether the cluster answers: connect and discover its APIs, within 5 s a request.
fn reachable(kube: &KubeOptions) -> Result<(), String> {
    let mut options = kube.connect_options();
    options.request_timeout = options.request_timeout.min(Duration::from_secs(5));
    anton_kube::block_on(async {
        let cluster = anton_kube::Cluster::connect(&options).await?;
        anton_kube::discover(&cluster).await.map(|_| ())
    })
    .and_then(|result| result)
    .map_err(|error| error.to_string())
}

/// The overall report: every suite's findings (the same finding from two
/// suites once), the worst status, the suites' summaries added up (an
/// object two suites check counts in both), `details.suites.NAME` (each
/// suite's report with `durationMs`) and `details.skipped.NAME` (why).
fn combine(runs: &[SuiteRun], skipped: &[(&'static str, String)]) -> Report {
    let findings = runs.iter().flat_map(|run| run.report.findings.iter().cloned()).collect();
    let mut report = Report::new(Vec::<String>::new(), findings);
    let mut summary = Summary::default();
    for run in runs {
        summary.total += run.report.summary.total;
        summary.healthy += run.report.summary.healthy;
        summary.warnings += run.report.summary.warnings;
        summary.critical += run.report.summary.critical;
    }
    report.summary = summary;
    report.status = runs.iter().map(|run| run.report.status).fold(Status::Healthy, worst);
    // A suite that could not run says why first.
    let errors: Vec<String> = runs
        .iter()
        .filter(|run| run.report.status == Status::Error)
        .map(|run| format!("{}: {}", run.name, run.report.issues.join("; ")))
        .collect();
    report.issues.splice(0..0, errors);
    let mut suites = Map::new();
    for run in runs {
        let mut value = serde_json::to_value(&run.report).unwrap_or(Value::Null);
        if let Value::Object(fields) = &mut value {
            fields.insert("durationMs".into(), json!((run.duration.as_secs_f64() * 1000.0).round()));
        }
        suites.insert(run.name.to_owned(), value);
    }
    report = report.with_detail("suites", Value::Object(suites));
    if !skipped.is_empty() {
        let skipped: BTreeMap<&str, &str> = skipped.iter().map(|(name, why)| (*name, why.as_str())).collect();
        report = report.with_detail("skipped", json!(skipped));
    }
    report
}

/// Error is the worst: the check could not do all of its job.
fn worst(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Healthy => 0,
        Status::Warning => 1,
        Status::Critical => 2,
        Status::Error => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_known_suites() {
        assert_eq!(selected(&[]).unwrap().len(), SUITES.len());
        let picked: Vec<&str> = selected(&["flux,validate".into()]).unwrap().iter().map(|s| s.name).collect();
        assert_eq!(picked, ["validate", "flux"], "in the table's order");
        let error = selected(&["heath".into()]).err().unwrap();
        assert!(error.contains("--only heath") && error.contains("validate, health"), "{error}");
    }

    #[test]
    fn the_worst_status_wins_and_error_is_worst() {
        assert_eq!(worst(Status::Warning, Status::Critical), Status::Critical);
        assert_eq!(worst(Status::Error, Status::Critical), Status::Error);
        assert_eq!(worst(Status::Healthy, Status::Healthy), Status::Healthy);
    }

    #[test]
    fn a_suite_that_cannot_run_is_an_error_with_its_message() {
        let runs = vec![
            SuiteRun { name: "validate", report: Report::new(vec!["a".to_owned()], Vec::new()), duration: Duration::from_millis(5) },
            SuiteRun { name: "health", report: Report::tool_error("cannot reach the API server"), duration: Duration::ZERO },
        ];
        let report = combine(&runs, &[("flux", "not finished".into())]);
        assert_eq!(report.status, Status::Error);
        assert_eq!(report.issues[0], "health: cannot reach the API server");
        assert_eq!(report.details["suites"]["health"]["status"], "error");
        assert_eq!(report.details["suites"]["validate"]["durationMs"], 5.0);
        assert_eq!(report.details["skipped"]["flux"], "not finished");
        assert_eq!(report.summary.total, 1);
    }
}
