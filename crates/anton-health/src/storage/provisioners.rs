//! `--check-provisioner`: `provisioner/missing-driver`, `provisioner/unavailable`.
//!
//! A StorageClass only provisions if something serves its provisioner: a
//! registered CSI driver (a CSIDriver object of that name), or a known
//! out-of-tree provisioner running as a Deployment (local-path-provisioner).

use anton_core::{Finding, Severity};

use super::StorageSnapshot;
use super::classes::default_class_names;
use crate::util::object_id;

/// Provisioners that are not CSI drivers, and the `app` label of the Deployment that serves each.
pub const LOCAL_PROVISIONERS: [(&str, &str); 1] = [("rancher.io/local-path", "local-path-provisioner")];

/// Static volumes only: nothing needs to run.
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

pub fn check_provisioners(snapshot: &StorageSnapshot) -> Vec<Finding> {
    let Some(drivers) = &snapshot.csi_drivers else { return Vec::new() };
    let defaults = default_class_names(&snapshot.classes);
    let mut findings = Vec::new();
    for class in &snapshot.classes {
        let name = class.metadata.name.as_deref().unwrap_or("");
        let provisioner = class.provisioner.as_str();
        let object = object_id("StorageClass", None, name);
        if provisioner == NO_PROVISIONER || drivers.iter().any(|d| d.metadata.name.as_deref() == Some(provisioner)) {
            continue;
        }
        if let Some((_, app)) = LOCAL_PROVISIONERS.iter().find(|(p, _)| *p == provisioner) {
            let deployments: Vec<_> = snapshot
                .deployments
                .iter()
                .filter(|d| d.metadata.labels.as_ref().and_then(|l| l.get("app")).is_some_and(|v| v == app))
                .collect();
            let available = deployments.iter().any(|d| d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0) > 0);
            if !available {
                let state = if deployments.is_empty() { "no Deployment labelled app={app} exists".replace("{app}", app) } else { "its Deployment has no available replica".to_owned() };
                findings.push(
                    Finding::new(
                        "provisioner/unavailable",
                        Severity::Critical,
                        format!("StorageClass {name}: provisioner {provisioner} is not running ({state}); new claims of this class stay Pending"),
                    )
                    .object(&object)
                    .hint(format!("`kubectl get deploy -A -l app={app}`; check its HelmRelease with `anton flux status`")),
                );
            }
            continue;
        }
        if provisioner.starts_with("kubernetes.io/") {
            findings.push(
                Finding::new(
                    "provisioner/missing-driver",
                    Severity::Info,
                    format!("StorageClass {name} uses the in-tree provisioner {provisioner}, which Kubernetes migrated to CSI"),
                )
                .object(&object)
                .hint("install the matching CSI driver and move the class to it"),
            );
            continue;
        }
        let severity = if defaults.iter().any(|d| d == name) { Severity::Critical } else { Severity::Warning };
        findings.push(
            Finding::new(
                "provisioner/missing-driver",
                severity,
                format!("StorageClass {name}: no CSI driver {provisioner} is registered (no CSIDriver object); new claims of this class stay Pending"),
            )
            .object(&object)
            .hint(format!("`kubectl get csidrivers`; is the driver's HelmRelease (e.g. rook-ceph) ready? (`anton flux status`). Or fix the class's provisioner name")),
        );
    }
    findings
}
