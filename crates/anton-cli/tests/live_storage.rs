//! `anton storage` against a real kube-apiserver with the real Rook and
//! VolSync CRDs (from `../shared/crds`) and a stand-in kubelet behind the API
//! server's node proxy: every finding staged by writing statuses, as the
//! missing controllers and kubelets would. The same situations, as a recorded
//! snapshot, are in `anton-health/tests/storage_checks.rs`.
//!
//! Skips (visibly) where `../shared/crds` is absent or no network namespace
//! can be created for the kubelet; with `CI=true` those are failures.

mod live_support;

use anton_testenv::{Options, TestEnv, shared_crds};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use live_support::*;
use serde_json::{Value, json};

const GI: u64 = 1024 * 1024 * 1024;

fn start() -> Option<TestEnv> {
    if !anton_testenv::needs::live_cluster() {
        return None;
    }
    let (Some(rook), Some(volsync)) = (shared_crds("rook"), shared_crds("volsync")) else {
        anton_testenv::needs::skip(
            "the real Rook and VolSync CRDs",
            "../shared/crds/{rook,volsync} not found",
            "set ANTON_SHARED_DIR to the folder holding crds/",
        );
        return None;
    };
    let env = TestEnv::start_with(&Options { extra_crds: vec![rook, volsync], kubelet: true })
        .unwrap_or_else(|e| panic!("starting the Kubernetes test environment failed: {e:#}"));
    if let Err(reason) = env.stand_in_kubelet() {
        anton_testenv::needs::skip(
            "a stand-in kubelet in a network namespace",
            &reason.to_string(),
            "run as root (CAP_NET_ADMIN) so the harness can create a network namespace",
        );
        return None;
    }
    Some(env)
}

/// `T - seconds` as RFC 3339.
fn before(at: Timestamp, seconds: i64) -> String {
    (at - SignedDuration::from_secs(seconds)).to_string()
}

fn storage(env: &TestEnv, at: Timestamp, extra: &[&str]) -> (i32, Value) {
    let at = at.to_string();
    let mut args = vec!["storage", "--json", "--now", &at];
    args.extend_from_slice(extra);
    let out = anton(env, &args);
    (code(&out), report(&out))
}

fn claim(env: &TestEnv, ns: &str, name: &str, class: Option<&str>, size: &str, phase: &str) {
    let class = class.map(|c| format!("  storageClassName: {c}\n")).unwrap_or_default();
    apply(
        env,
        &format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{class}  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: {size}}}}}\n"
        ),
    );
    let mut st = json!({"phase": phase});
    if phase == "Bound" {
        st["capacity"] = json!({"storage": size});
    }
    status(env, "pvc", Some(ns), name, st);
}

fn event(env: &TestEnv, kind: &str, ns: &str, name: &str, reason: &str, message: &str) {
    let when = Timestamp::now().to_string();
    apply(
        env,
        &serde_json::to_string(&json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{name}.{}", reason.to_lowercase()), "namespace": ns},
            "involvedObject": {"kind": kind, "namespace": ns, "name": name, "apiVersion": "v1"},
            "reason": reason, "message": message, "type": "Warning", "count": 3,
            "firstTimestamp": when, "lastTimestamp": when, "source": {"component": "test"},
        }))
        .unwrap(),
    );
}

fn custom(env: &TestEnv, api: &str, kind: &str, ns: &str, name: &str, spec: Value, resource: &str, st: Value) {
    apply(
        env,
        &serde_json::to_string(&json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": ns}, "spec": spec}))
            .unwrap(),
    );
    status(env, resource, Some(ns), name, st);
}

fn replication_source(env: &TestEnv, name: &str, claim: &str, schedule: &str, st: Value, paused: bool) {
    let mut spec = json!({"sourcePVC": claim, "trigger": {"schedule": schedule}, "restic": {"repository": format!("{name}-restic")}});
    if paused {
        spec["paused"] = json!(true);
    }
    custom(env, "volsync.backube/v1alpha1", "ReplicationSource", "media", name, spec, "replicationsources.volsync.backube", st);
}

fn volume(ns: &str, claim: &str, used: u64, capacity: u64, inodes_used: u64, inodes: u64) -> Value {
    json!({"name": "data", "pvcRef": {"namespace": ns, "name": claim}, "usedBytes": used, "capacityBytes": capacity,
           "availableBytes": capacity - used, "inodesUsed": inodes_used, "inodes": inodes, "inodesFree": inodes - inodes_used})
}

fn sorted_findings(report: &Value) -> Vec<String> {
    let mut lines: Vec<String> = findings(report)
        .iter()
        .map(|f| format!("{} {} {}", f["severity"].as_str().unwrap(), f["rule"].as_str().unwrap(), f["object"].as_str().unwrap_or("-")))
        .collect();
    lines.sort();
    lines
}

#[test]
fn storage_checks_against_the_real_api_server() {
    let Some(env) = start() else { return };
    // Objects created now are two hours old at `at`, the time the checks run.
    let at = Timestamp::now() + SignedDuration::from_secs(2 * 3_600);

    // --- The real CRDs validate statuses, unlike the stand-ins ---------------
    let annotations = env.kubectl(["get", "crd", "cephclusters.ceph.rook.io", "-o", "jsonpath={.metadata.annotations}"]).unwrap();
    assert!(!annotations.contains("testenv-stand-in"), "the Rook stand-in is installed, not the real CRD: {annotations}");
    namespace(&env, "storage");
    namespace(&env, "media");
    apply(&env, "apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: storage, namespace: storage}\nspec: {dataDirHostPath: /var/lib/rook, cephVersion: {image: 'quay.io/ceph/ceph:v19.2.3'}, mon: {count: 3}}\n");
    let rejected = env.kubectl([
        "patch", "cephcluster", "storage", "-n", "storage", "--subresource=status", "--type=merge",
        "--patch", r#"{"status":{"ceph":{"capacity":{"bytesUsed":"lots"}}}}"#,
    ]);
    assert!(rejected.is_err(), "the real CephCluster schema accepts a string for bytesUsed");

    // --- Empty: nothing to report but the missing default class --------------
    let (_, report) = storage(&env, at, &[]);
    assert_eq!(report["details"]["pvcs"], json!([]));
    assert!(has_rule(&report, "storage/no-default-class"), "{report}");

    // --- Classes, drivers, provisioners ---------------------------------------
    apply(&env, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: ceph-block, annotations: {storageclass.kubernetes.io/is-default-class: 'true'}}\nprovisioner: rook-ceph.rbd.csi.ceph.com\nreclaimPolicy: Delete\n");
    apply(&env, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local-path}\nprovisioner: rancher.io/local-path\nvolumeBindingMode: WaitForFirstConsumer\n");
    apply(&env, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: openebs-hostpath}\nprovisioner: openebs.io/local\n");
    apply(&env, "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: {name: rook-ceph.rbd.csi.ceph.com}\nspec: {attachRequired: true}\n");
    deployment(&env, "storage", "local-path-provisioner", 1, "app: local-path-provisioner", json!({"replicas": 1, "readyReplicas": 0, "availableReplicas": 0}));

    // --- Claims and volumes ----------------------------------------------------
    claim(&env, "media", "plex-config", Some("ceph-block"), "10Gi", "Bound");
    claim(&env, "media", "sonarr-config", Some("ceph-block"), "10Gi", "Bound");
    claim(&env, "media", "radarr-config", Some("ceph-block"), "20Gi", "Bound");
    claim(&env, "media", "scratch", Some("local-path"), "1Gi", "Pending");
    claim(&env, "media", "waiting", Some("ceph-block"), "1Gi", "Pending");
    claim(&env, "media", "typo", Some("ceph-blok"), "1Gi", "Pending");
    claim(&env, "media", "failing", Some("ceph-block"), "1Gi", "Pending");
    claim(&env, "media", "gone", Some("ceph-block"), "1Gi", "Lost");
    event(&env, "PersistentVolumeClaim", "media", "failing", "ProvisioningFailed", "failed to provision volume with StorageClass \"ceph-block\": pool ceph-blockpool is full");
    let pv = |name: &str, policy: &str, phase: &str, message: Option<&str>| {
        apply(&env, &format!("apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec:\n  capacity: {{storage: 5Gi}}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: {policy}\n  claimRef: {{namespace: media, name: old-{name}}}\n  csi: {{driver: rook-ceph.rbd.csi.ceph.com, volumeHandle: {name}}}\n"));
        let mut st = json!({"phase": phase});
        if let Some(message) = message {
            st["message"] = json!(message);
        }
        status(&env, "pv", None, name, st);
    };
    pv("pvc-kept", "Retain", "Released", None);
    pv("pvc-stuck", "Delete", "Released", None);
    pv("pvc-broken", "Delete", "Failed", Some("rbd: image is still in use"));
    apply(&env, "apiVersion: storage.k8s.io/v1\nkind: VolumeAttachment\nmetadata: {name: csi-0123}\nspec: {attacher: rook-ceph.rbd.csi.ceph.com, nodeName: k8s-1, source: {persistentVolumeName: pvc-plex}}\n");
    status(&env, "volumeattachment", None, "csi-0123", json!({"attached": false, "attachError": {"message": "rpc error: code = Internal desc = rbd map failed", "time": Timestamp::now().to_string()}}));
    apply(&env, "apiVersion: v1\nkind: Pod\nmetadata: {name: plex-0, namespace: media}\nspec:\n  nodeName: k8s-1\n  containers: [{name: plex, image: 'registry.example/plex:1.0'}]\n  volumes: [{name: config, persistentVolumeClaim: {claimName: plex-config}}]\n");
    status(&env, "pod", Some("media"), "plex-0", json!({"phase": "Pending"}));
    event(&env, "Pod", "media", "plex-0", "FailedMount", "MountVolume.MountDevice failed for volume \"pvc-plex\": rbd image is locked by another node");

    // --- Usage: the kubelet's statistics through the node proxy ---------------
    let port = env.add_kubelet_node(
        "k8s-1",
        &json!({"node": {"nodeName": "k8s-1"}, "pods": [
            {"podRef": {"name": "sonarr-0", "namespace": "media", "uid": "1"}, "volume": [volume("media", "sonarr-config", 85 * GI / 10, 10 * GI, 950, 1000)]},
            {"podRef": {"name": "plex-0", "namespace": "media", "uid": "2"}, "volume": [volume("media", "plex-config", 93 * GI / 10, 10 * GI, 10, 1000)]},
            {"podRef": {"name": "radarr-0", "namespace": "media", "uid": "3"}, "volume": [volume("media", "radarr-config", 4 * GI, 20 * GI, 10, 1000)]},
        ]}),
    )
    .unwrap();
    let (_, report) = storage(&env, at, &[]);
    assert_eq!(report["details"]["usage"]["nodes"], json!([{"node": "k8s-1", "read": true, "error": null}]), "{report}");
    let plex = &report["details"]["pvcs"][0];
    assert_eq!((plex["name"].as_str(), plex["usedPercent"].as_f64()), (Some("plex-config"), Some(93.0)), "{report}");

    // --- Rook-Ceph --------------------------------------------------------------
    for (name, app, available) in [
        ("rook-ceph-operator", "rook-ceph-operator", 1),
        ("rook-ceph-mon-a", "rook-ceph-mon", 1),
        ("rook-ceph-mgr-a", "rook-ceph-mgr", 1),
        ("rook-ceph-osd-0", "rook-ceph-osd", 0),
    ] {
        deployment(&env, "storage", name, 1, &format!("app: {app}"), json!({"replicas": 1, "readyReplicas": available, "availableReplicas": available}));
    }
    let tib = 1024 * GI;
    status(&env, "cephcluster", Some("storage"), "storage", json!({
        "phase": "Ready", "state": "Created",
        "ceph": {
            "health": "HEALTH_WARN", "lastChecked": before(at, 1_800),
            "details": {
                "OSD_DOWN": {"message": "1 osds down", "severity": "HEALTH_WARN"},
                "PG_DEGRADED": {"message": "Degraded data redundancy: 120/360 objects degraded", "severity": "HEALTH_WARN"},
            },
            "capacity": {"bytesTotal": 10 * tib, "bytesUsed": 72 * tib / 10, "bytesAvailable": 28 * tib / 10, "lastUpdated": before(at, 1_800)},
            "versions": {"overall": {
                "ceph version 19.2.3 (c92aebb279828e9c3c1f5d24613efca272649e62) squid (stable)": 8,
                "ceph version 19.2.2 (0eceb0defba60152a8182f7bd87d164b639885b8) squid (stable)": 1,
            }},
        },
    }));
    custom(&env, "ceph.rook.io/v1", "CephBlockPool", "storage", "ceph-blockpool", json!({"replicated": {"size": 3}}), "cephblockpool", json!({"phase": "Ready"}));
    custom(&env, "ceph.rook.io/v1", "CephFilesystem", "storage", "ceph-filesystem",
        json!({"metadataPool": {"replicated": {"size": 3}}, "dataPools": [{"replicated": {"size": 3}}], "metadataServer": {"activeCount": 1}}),
        "cephfilesystem", json!({"phase": "Failure"}));
    custom(&env, "ceph.rook.io/v1", "CephObjectStore", "storage", "ceph-objectstore", json!({}), "cephobjectstore", json!({"phase": "Progressing"}));
    custom(&env, "objectbucket.io/v1alpha1", "ObjectBucketClaim", "media", "thanos", json!({"storageClassName": "ceph-bucket", "generateBucketName": "thanos"}), "objectbucketclaim", json!({"phase": "Pending"}));

    // --- VolSync -----------------------------------------------------------------
    replication_source(&env, "radarr", "radarr-config", "0 * * * *", json!({"lastSyncTime": before(at, 1_800)}), false);
    replication_source(&env, "plex", "plex-config", "0 * * * *", json!({"lastSyncTime": before(at, 9_000)}), false);
    replication_source(&env, "sonarr", "sonarr-config", "0 3 * * *", json!({"lastSyncTime": before(at, 57 * 3_600)}), false);
    replication_source(&env, "lidarr", "lidarr-config", "@hourly", json!({
        "lastSyncTime": before(at, 1_200),
        "conditions": [{"type": "Synchronizing", "status": "False", "reason": "Error", "message": "unable to open repository: repository is already locked", "lastTransitionTime": before(at, 600)}],
    }), false);
    replication_source(&env, "bazarr", "bazarr-config", "0 * * * *", json!({"lastSyncTime": before(at, 600)}), true);
    replication_source(&env, "prowlarr", "prowlarr-config", "*/30 * * * *", json!({}), false);

    // --- Every finding, as a user runs it -----------------------------------------
    let (exit, report) = storage(&env, at, &["--check-provisioner"]);
    assert_eq!(
        sorted_findings(&report),
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
            "warning backup/failing ReplicationSource/media/lidarr",
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
        ],
        "{report:#}"
    );
    assert_eq!(exit, 2);
    assert_eq!(report["status"], "critical");
    let summary = &report["summary"];
    assert_eq!(
        summary["total"].as_u64(),
        Some(summary["healthy"].as_u64().unwrap() + summary["warnings"].as_u64().unwrap() + summary["critical"].as_u64().unwrap())
    );
    assert_eq!(report["details"]["ceph"]["clusters"][0]["usedPercent"], 72.0);
    assert_eq!(report["details"]["volsync"]["sources"].as_array().unwrap().len(), 6);
    // One list per kind, one stats request per node: no request per object.
    let requests = report["details"]["api"]["requests"].as_u64().unwrap();
    assert!(requests <= 20, "{requests} requests: {}", report["details"]["api"]);

    // --- The thresholds are flags ----------------------------------------------------
    let (_, report) = storage(&env, at, &["--pvc-warning", "95", "--pvc-critical", "99", "--ceph-order", "75", "--ceph-expand", "80"]);
    assert!(!has_rule(&report, "pvc/usage-high"));
    assert_eq!(finding(&report, "ceph/capacity", "CephCluster/storage/storage")["severity"], "info");
    let out = anton(&env, &["storage", "--pvc-warning", "95", "--pvc-critical", "90"]);
    assert_eq!(code(&out), 3);
    assert!(stdout(&out).contains("--pvc-warning 95 is above --pvc-critical 90"), "{}", stdout(&out));

    // --- Text, as an operator reads it ---------------------------------------------
    let now = at.to_string();
    let text = stdout(&anton(&env, &["storage", "--now", &now]));
    for line in ["Claims", "Classes", "Usage", "Ceph", "Backups"] {
        assert!(text.lines().any(|l| l.starts_with(line)), "no {line} line:\n{text}");
    }
    assert!(text.contains("storage/storage HEALTH_WARN (OSD_DOWN, PG_DEGRADED) · 72 % used, 7.2 TiB of 10.0 TiB"), "{text}");
    assert!(text.contains("CephFilesystem") && text.contains("Failure"), "{text}");
    assert!(text.contains("Fullest claims"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("critical") && l.contains("pvc/usage-high")), "{text}");
    assert!(text.trim_end().ends_with("(status: critical)"), "{text}");
    let detailed = stdout(&anton(&env, &["storage", "--detailed", "--now", &now]));
    let row = detailed.lines().find(|l| l.starts_with("media") && l.contains("plex-config")).expect("plex row");
    assert!(row.contains("93 %") && row.contains("2h30m ago"), "{row}");
    assert!(detailed.lines().any(|l| l.contains("waiting") && l.trim_end().ends_with("no")), "{detailed}");

    // --- Without nodes/proxy: one info finding, the rest still works ------------------
    apply(&env, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: storage-reader}\nrules:\n- apiGroups: ['']\n  resources: [nodes, persistentvolumes]\n  verbs: [get, list]\n- apiGroups: [storage.k8s.io]\n  resources: [storageclasses, volumeattachments, csidrivers]\n  verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: viewer-storage-reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: storage-reader}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}]\n");
    let out = anton_viewer(&env, &["storage", "--json", "--now", &now]);
    let viewer = live_support::report(&out);
    let usage: Vec<Value> = findings(&viewer).into_iter().filter(|f| f["rule"] == "usage/unavailable").collect();
    assert_eq!(usage.len(), 1, "{viewer:#}");
    assert_eq!(usage[0]["severity"], "info");
    assert!(usage[0]["message"].as_str().unwrap().contains("nodes/proxy"), "{}", usage[0]);
    assert!(!has_rule(&viewer, "pvc/usage-high"));
    assert!(has_rule(&viewer, "ceph/health"), "the viewer still reads Ceph: {viewer:#}");
    assert_eq!(code(&out), 2);

    // --- Healthy again: exit 0 ----------------------------------------------------------
    // No controllers run, so finalizers (pvc-protection, pv-protection) are removed by hand.
    let purge = |resource: &str, ns: Option<&str>| {
        let mut list = vec!["get", resource, "-o", "name"];
        if let Some(ns) = ns {
            list.extend(["-n", ns]);
        }
        for name in env.kubectl(&list).unwrap().lines() {
            let mut patch = vec!["patch", name, "--type=merge", "-p", r#"{"metadata":{"finalizers":null}}"#];
            let mut delete = vec!["delete", name, "--grace-period=0", "--force", "--wait=false"];
            if let Some(ns) = ns {
                patch.extend(["-n", ns]);
                delete.extend(["-n", ns]);
            }
            env.kubectl(&patch).unwrap();
            env.kubectl(&delete).unwrap();
        }
    };
    for resource in ["replicationsources.volsync.backube", "objectbucketclaims.objectbucket.io", "pods", "pvc", "events"] {
        purge(resource, Some("media"));
    }
    purge("pv", None);
    purge("volumeattachments", None);
    purge("cephfilesystems", Some("storage"));
    purge("cephobjectstores", Some("storage"));
    env.kubectl(["delete", "storageclass", "openebs-hostpath", "local-path"]).unwrap();
    env.stand_in_kubelet().unwrap().set_stats(port, &json!({"node": {"nodeName": "k8s-1"}, "pods": []})).unwrap();
    status(&env, "deployment", Some("storage"), "rook-ceph-osd-0", json!({"readyReplicas": 1, "availableReplicas": 1}));
    status(&env, "cephcluster", Some("storage"), "storage", json!({"ceph": {
        "health": "HEALTH_OK", "details": null, "lastChecked": before(at, 30),
        "capacity": {"bytesTotal": 10 * tib, "bytesUsed": 2 * tib},
        // A merge patch: the old version's key is removed explicitly.
        "versions": {"overall": {
            "ceph version 19.2.3 (c92aebb279828e9c3c1f5d24613efca272649e62) squid (stable)": 9,
            "ceph version 19.2.2 (0eceb0defba60152a8182f7bd87d164b639885b8) squid (stable)": null,
        }},
    }}));
    let (exit, report) = storage(&env, at, &["--check-provisioner"]);
    assert_eq!(sorted_findings(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(exit, 0);
}

/// The benchmark of issue 15 (not a timed test; run it with
/// `cargo test -p anton-cli --test live_storage -- --ignored --nocapture`):
/// 500 PVCs on 3 nodes, `anton storage --json` five times; prints the wall
/// times and asserts only that usage costs one stats request per node.
#[test]
#[ignore = "benchmark: prints timings, run on demand"]
fn bench_500_claims_on_3_nodes() {
    let Some(env) = start() else { return };
    namespace(&env, "bench");
    apply(&env, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: ceph-block, annotations: {storageclass.kubernetes.io/is-default-class: 'true'}}\nprovisioner: rook-ceph.rbd.csi.ceph.com\n");
    let mut yaml = String::new();
    for i in 0..500 {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data-{i}, namespace: bench}}\nspec: {{storageClassName: ceph-block, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 10Gi}}}}}}\n"
        ));
    }
    apply(&env, &yaml);
    for node in 0..3 {
        let pods: Vec<Value> = (0..500)
            .filter(|i| i % 3 == node)
            .map(|i| json!({"podRef": {"name": format!("app-{i}"), "namespace": "bench", "uid": i.to_string()},
                            "volume": [volume("bench", &format!("data-{i}"), (i as u64 % 100) * GI / 10, 10 * GI, 100, 1000)]}))
            .collect();
        env.add_kubelet_node(&format!("bench-{node}"), &json!({"node": {"nodeName": format!("bench-{node}")}, "pods": pods})).unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let out = anton(&env, &["storage", "--json"]);
        times.push(started.elapsed().as_millis());
        let report = live_support::report(&out);
        assert_eq!(report["details"]["pvcs"].as_array().unwrap().len(), 500);
        let nodes = report["details"]["usage"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3);
        assert!(nodes.iter().all(|n| n["read"] == true), "{nodes:?}");
        let counts = &report["details"]["api"]["objects"];
        assert_eq!(counts["NodeStats"], 3, "one stats request per node: {counts}");
        eprintln!("requests: {}, in-process fetch: {} ms", report["details"]["api"]["requests"], report["details"]["api"]["durationMs"]);
    }
    times.sort_unstable();
    eprintln!("anton storage --json, 500 PVCs on 3 nodes (wall, whole process): min {} ms, median {} ms, max {} ms", times[0], times[2], times[4]);
}
