//! The checks on a snapshot recorded from the real test API server
//! (`fixtures/cluster.json`, written by `anton-cli`'s `live_record` test):
//! the same objects the integration tests stage, checked without a server,
//! at the recording time and at later times.

use std::time::Duration;

use anton_core::{Finding, Severity};
use anton_health::{HealthConfig, Now, Snapshot, check_flux, check_health, codes, flux_rows, health_details};

fn snapshot() -> Snapshot {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cluster.json")).unwrap();
    Snapshot::from_json(&text).expect("the fixture is a snapshot")
}

fn recorded(snapshot: &Snapshot) -> Now {
    snapshot.recorded_at.as_deref().unwrap().parse().unwrap()
}

fn later(now: Now, seconds: i64) -> Now {
    now + k8s_openapi::jiff::SignedDuration::from_secs(seconds)
}

/// `severity rule object`, sorted: the findings as a reviewable list.
fn lines(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {} {}", f.severity, f.rule, f.object.as_deref().unwrap_or("-")))
        .collect();
    out.sort();
    out
}

#[test]
fn every_situation_is_found_at_recording_time() {
    let snapshot = snapshot();
    let findings = check_health(&snapshot, recorded(&snapshot), &HealthConfig::default());
    assert_eq!(
        lines(&findings),
        [
            "critical flux/controller-unavailable Deployment/flux-system/helm-controller",
            "critical flux/not-ready Kustomization/flux-system/media",
            "critical flux/stalled HelmRelease/media/plex",
            "critical node/not-ready Node/k8s-3",
            "critical pod/config-error Pod/kube-system/coredns-1",
            "critical workload/progress-deadline Deployment/media/plex",
            "critical workload/unavailable Deployment/media/plex",
            "info metrics/unavailable -",
            "info node/version-skew Node/k8s-3",
            "warning controlplane/quorum -",
            "warning flux/not-ready HelmRepository/media/charts",
            "warning flux/revision-lag Kustomization/flux-system/cluster-apps",
            "warning flux/suspended Kustomization/flux-system/paused",
            "warning node/cordoned Node/k8s-2",
            "warning node/pressure Node/k8s-2",
            "warning pod/crashloop Pod/media/plex-5c7-abcde",
            "warning pod/image-pull Pod/media/sonarr-6f-xyz",
            "warning pod/oom-killed Pod/media/radarr-77-qwe",
            "warning pod/restart-rate Pod/media/bazarr-1",
            "warning pod/unschedulable Pod/media/jellyfin-0",
            "warning storage/no-default-class -",
            "warning workload/unavailable Deployment/media/sonarr",
        ]
    );
    for finding in &findings {
        assert!(codes::lookup(&finding.rule).is_some(), "{} is not in the code registry", finding.rule);
        if finding.severity != Severity::Info {
            assert!(finding.hint.as_deref().is_some_and(|h| !h.is_empty()), "{} has no hint", finding.rule);
        }
    }
}

#[test]
fn hints_say_what_to_run_next() {
    let snapshot = snapshot();
    let findings = check_health(&snapshot, recorded(&snapshot), &HealthConfig::default());
    let hint = |rule: &str| findings.iter().find(|f| f.rule == rule).and_then(|f| f.hint.clone()).unwrap();
    assert!(hint("flux/stalled").contains("anton flux reconcile hr plex -n media --reset"));
    assert!(hint("flux/revision-lag").contains("anton flux reconcile ks cluster-apps -n flux-system"));
    assert!(hint("flux/suspended").contains("anton flux resume ks paused -n flux-system"));
    assert!(hint("pod/crashloop").contains("kubectl -n media logs plex-5c7-abcde -c app --previous"));
    assert!(hint("node/not-ready").contains("talosctl -n 192.168.1.100"));
}

#[test]
fn time_passing_retires_old_events() {
    let snapshot = snapshot();
    let config = HealthConfig::default();
    // Two hours on: the last restart of bazarr is out of the 1h window.
    let findings = check_health(&snapshot, later(recorded(&snapshot), 2 * 3600), &config);
    assert!(!findings.iter().any(|f| f.rule == "pod/restart-rate"));
    assert!(findings.iter().any(|f| f.rule == "pod/oom-killed"), "the OOM kill is 2.5h old, inside 24h");
    // Two days on: the OOM kill is history too.
    let findings = check_health(&snapshot, later(recorded(&snapshot), 2 * 86_400), &config);
    assert!(!findings.iter().any(|f| f.rule == "pod/oom-killed"));
    // A wider restart window finds bazarr's restarts again.
    let wide = HealthConfig { restart_window: Duration::from_secs(6 * 3600), ..config };
    let findings = check_health(&snapshot, later(recorded(&snapshot), 2 * 3600), &wide);
    assert!(findings.iter().any(|f| f.rule == "pod/restart-rate"));
}

#[test]
fn thresholds_are_configurable() {
    let snapshot = snapshot();
    let now = recorded(&snapshot);
    let config = HealthConfig {
        critical_namespaces: Default::default(),
        suspended_max_age: Duration::from_secs(30 * 86_400),
        ..HealthConfig::default()
    };
    let findings = check_health(&snapshot, now, &config);
    let severity = |rule: &str| findings.iter().find(|f| f.rule == rule).map(|f| f.severity);
    assert_eq!(severity("pod/config-error"), Some(Severity::Warning), "kube-system is no longer critical");
    assert_eq!(severity("flux/suspended"), Some(Severity::Info), "9 days is within 30");
}

#[test]
fn flux_status_rows_read_like_flux_get() {
    let snapshot = snapshot();
    let flux = snapshot.flux.as_ref().unwrap();
    let rows: Vec<String> = flux_rows(flux)
        .iter()
        .map(|r| format!("{} {}/{} {} {} {}", r.kind, r.namespace, r.name, r.revision, r.suspended, r.ready))
        .collect();
    assert_eq!(
        rows,
        [
            "GitRepository flux-system/flux-system main@sha1:2222222222222222222222222222222222222222 false True",
            "HelmRepository media/charts  false Unknown",
            "Kustomization flux-system/cluster-apps main@sha1:1111111111111111111111111111111111111111 false True",
            "Kustomization flux-system/media main@sha1:2222222222222222222222222222222222222222 false False",
            "Kustomization flux-system/paused  true Unknown",
            "HelmRelease media/plex  false False",
        ]
    );
    let flux_only = check_flux(&snapshot, recorded(&snapshot), &HealthConfig::default());
    assert!(!flux_only.is_empty(), "the failing Kustomization and HelmRelease are reported");
    assert!(flux_only.iter().all(|f| f.rule.starts_with("flux/")), "{flux_only:#?}");
}

#[test]
fn details_cover_every_area() {
    let snapshot = snapshot();
    let details = health_details(&snapshot);
    let keys: Vec<&str> = details.keys().map(String::as_str).collect();
    assert_eq!(keys, ["nodes", "metrics", "storage", "workloads", "pods", "flux"]);
    assert_eq!(details["nodes"]["controlPlane"]["ready"], 2);
    assert_eq!(details["nodes"]["items"][0]["talosVersion"], "v1.11.2");
    assert_eq!(details["pods"]["byPhase"]["Pending"], 1);
    assert_eq!(details["flux"]["counts"]["Kustomization"]["suspended"], 1);
    assert_eq!(snapshot.subjects().len(), 3 + 6 + 6 + 1 + 6);
}
