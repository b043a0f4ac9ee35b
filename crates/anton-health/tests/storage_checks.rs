//! The `anton storage` checks on a recorded snapshot (`fixtures/storage.json`):
//! every finding staged once, checked without a server. The integration tests
//! in `anton-cli/tests/live_storage.rs` stage the same situations on the real
//! API server.

use std::time::Duration;

use anton_core::{Finding, Severity};
use anton_health::storage::backups::schedule_interval;
use anton_health::{Now, StorageChecks, StorageConfig, StorageSnapshot, check_volumes, codes, volume_details};

fn snapshot() -> StorageSnapshot {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/storage.json")).unwrap();
    StorageSnapshot::from_json(&text).expect("the fixture is a storage snapshot")
}

fn now(snapshot: &StorageSnapshot) -> Now {
    snapshot.recorded_at.as_deref().unwrap().parse().unwrap()
}

/// `severity rule object`, sorted: the findings as a reviewable list.
fn lines(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> =
        findings.iter().map(|f| format!("{} {} {}", f.severity, f.rule, f.object.as_deref().unwrap_or("-"))).collect();
    out.sort();
    out
}

fn with_provisioners() -> StorageChecks {
    StorageChecks { provisioners: true }
}

#[test]
fn every_situation_is_found() {
    let snapshot = snapshot();
    let findings = check_volumes(&snapshot, now(&snapshot), &StorageConfig::default(), with_provisioners());
    assert_eq!(
        lines(&findings),
        [
            "critical backup/overdue ReplicationSource/media/prowlarr",
            "critical backup/overdue ReplicationSource/media/sonarr",
            "critical ceph/daemon-unavailable Deployment/storage/rook-ceph-osd-0",
            "critical ceph/pool-not-ready CephFilesystem/storage/ceph-filesystem",
            "critical provisioner/unavailable StorageClass/local-path",
            "critical pvc/inodes-high PersistentVolumeClaim/media/sonarr-config",
            "critical pvc/lost PersistentVolumeClaim/media/gone",
            "critical pvc/pending PersistentVolumeClaim/media/failing",
            "critical pvc/pending PersistentVolumeClaim/media/typo",
            "critical pvc/usage-high PersistentVolumeClaim/media/plex-config",
            "critical volume/attach-error VolumeAttachment/csi-0123",
            "info backup/paused ReplicationSource/media/bazarr",
            "info backup/unprotected -",
            "info pv/released PersistentVolume/pvc-kept",
            "info usage/unavailable Node/k8s-2",
            "warning backup/failing ReplicationSource/media/lidarr",
            "warning backup/invalid-schedule ReplicationSource/media/readarr",
            "warning backup/overdue ReplicationSource/media/plex",
            "warning ceph/bucket-unbound ObjectBucketClaim/media/thanos",
            "warning ceph/capacity CephCluster/storage/storage",
            "warning ceph/health CephCluster/storage/storage",
            "warning ceph/health CephCluster/storage/storage",
            "warning ceph/mixed-versions CephCluster/storage/storage",
            "warning ceph/pool-not-ready CephObjectStore/storage/ceph-objectstore",
            "warning ceph/status-stale CephCluster/storage/storage",
            "warning provisioner/missing-driver StorageClass/openebs-hostpath",
            "warning pv/failed PersistentVolume/pvc-broken",
            "warning pv/released PersistentVolume/pvc-stuck",
            "warning pvc/pending PersistentVolumeClaim/media/waiting",
            "warning pvc/usage-high PersistentVolumeClaim/media/sonarr-config",
            "warning volume/mount-stuck Pod/media/plex-0",
        ]
    );
    for finding in &findings {
        assert!(codes::lookup(&finding.rule).is_some(), "{} is not in the code registry", finding.rule);
        assert!(finding.hint.is_some(), "{} has no hint", finding.rule);
    }
}

fn message<'f>(findings: &'f [Finding], rule: &str, object: &str) -> &'f str {
    findings
        .iter()
        .find(|f| f.rule == rule && f.object.as_deref().unwrap_or("-") == object)
        .map(|f| f.message.as_str())
        .unwrap_or_else(|| panic!("no {rule} for {object}"))
}

#[test]
fn messages_name_the_reason() {
    let snapshot = snapshot();
    let findings = check_volumes(&snapshot, now(&snapshot), &StorageConfig::default(), StorageChecks::default());
    assert!(message(&findings, "pvc/pending", "PersistentVolumeClaim/media/failing").contains("ProvisioningFailed"));
    assert!(message(&findings, "pvc/pending", "PersistentVolumeClaim/media/failing").contains("pool ceph-blockpool is full"));
    assert!(message(&findings, "pvc/pending", "PersistentVolumeClaim/media/typo").contains("ceph-blok does not exist"));
    assert!(message(&findings, "pvc/pending", "PersistentVolumeClaim/media/waiting").contains("Pending for 1h"));
    assert!(message(&findings, "pvc/usage-high", "PersistentVolumeClaim/media/plex-config").contains("93 % full (9.3 GiB of 10.0 GiB)"));
    let health: Vec<&str> = findings.iter().filter(|f| f.rule == "ceph/health").map(|f| f.message.as_str()).collect();
    assert!(health.iter().any(|m| m.contains("OSD_DOWN: 1 osds down")), "{health:?}");
    assert!(health.iter().any(|m| m.contains("PG_DEGRADED")), "{health:?}");
    assert!(message(&findings, "ceph/capacity", "CephCluster/storage/storage").contains("72 % used (7.2 TiB of 10.0 TiB): order hardware"));
    assert!(message(&findings, "ceph/mixed-versions", "CephCluster/storage/storage").contains("8 × 19.2.3 squid, 1 × 19.2.2 squid"));
    assert!(message(&findings, "backup/overdue", "ReplicationSource/media/sonarr").contains("last backup 2d9h ago"));
    assert!(message(&findings, "backup/overdue", "ReplicationSource/media/prowlarr").contains("no backup completed"));
    assert!(message(&findings, "backup/failing", "ReplicationSource/media/lidarr").contains("repository is already locked"));
    let unprotected = message(&findings, "backup/unprotected", "-");
    assert!(unprotected.starts_with("4 PersistentVolumeClaims"), "{unprotected}");
    assert!(!unprotected.contains("volsync-plex-cache"), "VolSync's own claims need no backup: {unprotected}");
    // Provisioners are checked only when asked.
    assert!(!findings.iter().any(|f| f.rule.starts_with("provisioner/")));
}

#[test]
fn ceph_capacity_follows_the_golden_rules() {
    let mut snapshot = snapshot();
    let config = StorageConfig::default();
    let mut at = |percent: u64| {
        let cluster = &mut snapshot.ceph.as_mut().unwrap().clusters[0];
        cluster["status"]["ceph"]["capacity"]["bytesTotal"] = 1000.into();
        cluster["status"]["ceph"]["capacity"]["bytesUsed"] = (percent * 10).into();
        let findings = check_volumes(&snapshot, now(&snapshot), &config, StorageChecks::default());
        findings.iter().find(|f| f.rule == "ceph/capacity").map(|f| (f.severity, f.message.clone()))
    };
    assert_eq!(at(49), None);
    assert!(matches!(at(50), Some((Severity::Info, m)) if m.contains("plan capacity")));
    assert!(matches!(at(70), Some((Severity::Warning, m)) if m.contains("order hardware")));
    assert!(matches!(at(80), Some((Severity::Warning, m)) if m.contains("expand now")));
    assert!(matches!(at(85), Some((Severity::Critical, m)) if m.contains("nearfull")));
}

#[test]
fn usage_thresholds_are_configurable() {
    let snapshot = snapshot();
    let config = StorageConfig { pvc_warning: 0.95, pvc_critical: 0.99, ..StorageConfig::default() };
    let findings = check_volumes(&snapshot, now(&snapshot), &config, StorageChecks::default());
    assert!(!findings.iter().any(|f| f.rule == "pvc/usage-high"), "{:?}", lines(&findings));
    let config = StorageConfig { pvc_warning: 0.10, pvc_critical: 0.50, ..StorageConfig::default() };
    let findings = check_volumes(&snapshot, now(&snapshot), &config, StorageChecks::default());
    assert!(message(&findings, "pvc/usage-high", "PersistentVolumeClaim/media/radarr-config").contains("20 %"));
}

#[test]
fn without_the_node_proxy_permission_usage_is_one_info_finding() {
    let mut snapshot = snapshot();
    snapshot.node_stats = None;
    snapshot.usage_unavailable = Some("this user may not get nodes/proxy".into());
    let findings = check_volumes(&snapshot, now(&snapshot), &StorageConfig::default(), StorageChecks::default());
    let usage: Vec<&Finding> = findings.iter().filter(|f| f.rule.starts_with("usage/") || f.rule.starts_with("pvc/usage")).collect();
    assert_eq!(usage.len(), 1, "{:?}", lines(&findings));
    assert_eq!(usage[0].severity, Severity::Info);
    assert!(usage[0].hint.as_deref().unwrap().contains("nodes/proxy"));
}

#[test]
fn a_claim_without_class_needs_a_default() {
    let mut snapshot = snapshot();
    for class in &mut snapshot.classes {
        class.metadata.annotations = None;
    }
    snapshot.claims[4].spec.as_mut().unwrap().storage_class_name = None;
    let findings = check_volumes(&snapshot, now(&snapshot), &StorageConfig::default(), StorageChecks::default());
    assert!(message(&findings, "pvc/pending", "PersistentVolumeClaim/media/waiting").contains("no StorageClass is the default"));
    assert!(findings.iter().any(|f| f.rule == "storage/no-default-class"));
}

#[test]
fn backups_are_late_against_their_schedule() {
    let snapshot = snapshot();
    let start: Now = "2026-12-01T00:30:00Z".parse().unwrap();
    assert_eq!(schedule_interval("0 * * * *", start), Ok(Duration::from_secs(3_600)));
    assert_eq!(schedule_interval("@hourly", start), Ok(Duration::from_secs(3_600)));
    assert_eq!(schedule_interval("@daily", start), Ok(Duration::from_secs(86_400)));
    assert_eq!(schedule_interval("*/30 * * * *", start), Ok(Duration::from_secs(1_800)));
    assert!(schedule_interval("61 * * * *", start).is_err());
    // An hour later the plex backup (last 150 min ago, hourly) is beyond 3 intervals.
    let later = now(&snapshot) + k8s_openapi::jiff::SignedDuration::from_secs(3_600);
    let findings = check_volumes(&snapshot, later, &StorageConfig::default(), StorageChecks::default());
    let plex = findings.iter().find(|f| f.rule == "backup/overdue" && f.object.as_deref() == Some("ReplicationSource/media/plex")).unwrap();
    assert_eq!(plex.severity, Severity::Critical);
}

#[test]
fn details_list_claims_fullest_first() {
    let snapshot = snapshot();
    let details = volume_details(&snapshot);
    let pvcs = details["pvcs"].as_array().unwrap();
    let names: Vec<&str> = pvcs.iter().take(3).map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["plex-config", "sonarr-config", "radarr-config"]);
    assert_eq!(pvcs[0]["usedPercent"], 93.0);
    assert_eq!(pvcs[0]["backup"]["replicationSources"], serde_json::json!(["plex"]));
    assert_eq!(details["ceph"]["clusters"][0]["usedPercent"], 72.0);
    assert_eq!(details["ceph"]["clusters"][0]["checks"], serde_json::json!(["OSD_DOWN", "PG_DEGRADED"]));
    assert_eq!(details["volsync"]["sources"].as_array().unwrap().len(), 7);
    assert_eq!(details["usage"]["read"], true);
    assert_eq!(details["counts"]["pvcsByPhase"]["Pending"], 5);
}

#[test]
fn subjects_count_every_object_checked() {
    let snapshot = snapshot();
    let subjects = snapshot.subjects();
    assert!(subjects.contains(&"CephCluster/storage/storage".to_owned()));
    assert!(subjects.contains(&"ReplicationSource/media/plex".to_owned()));
    assert!(subjects.contains(&"PersistentVolume/pvc-kept".to_owned()));
    assert_eq!(subjects.len(), 10 + 3 + 1 + 3 + 5 + 1 + 1 + 1 + 1 + 1 + 7);
}

#[test]
fn the_golden_rules_document_states_the_default_thresholds() {
    use anton_health::{
        CEPH_CRITICAL_PERCENT, CEPH_EXPAND_PERCENT, CEPH_ORDER_PERCENT, CEPH_PLAN_PERCENT, PVC_CRITICAL_PERCENT, PVC_WARNING_PERCENT,
    };
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/golden-rules/storage-operations.md")).unwrap();
    for (percent, action) in [
        (CEPH_PLAN_PERCENT, "plan"),
        (CEPH_ORDER_PERCENT, "order"),
        (CEPH_EXPAND_PERCENT, "expand"),
        (CEPH_CRITICAL_PERCENT, "critical"),
    ] {
        let row = format!("| {percent} % | **{action}**");
        assert!(doc.contains(&row), "docs/golden-rules/storage-operations.md lacks `{row}`");
    }
    let usage = format!("warning at {PVC_WARNING_PERCENT} % full and critical at {PVC_CRITICAL_PERCENT} %");
    assert!(doc.contains(&usage), "docs/golden-rules/storage-operations.md lacks `{usage}`");
    let config = StorageConfig::default();
    assert_eq!((config.ceph_plan, config.ceph_critical, config.pvc_warning), (0.5, 0.85, 0.8));
}
