//! An API that a later Flux removed is a warning, not a critical, when the
//! repository pins an older Flux that still serves it (a FluxInstance's
//! `spec.distribution.version`, the `# Flux Version:` header of
//! `gotk-components.yaml`); the finding names both versions.

mod common;

use common::{Repo, anton, findings, fixture};
use serde_json::Value;

fn removed_findings(repo: &Repo) -> (i32, Value) {
    let root = repo.root.to_str().expect("UTF-8 path");
    let run = anton(repo, &["validate", root, "--json", "--select", "api/removed"]);
    let report = run.json();
    common::assert_contract(&report);
    (run.code, report)
}

/// `file:line:col severity message` of each finding.
fn lines(report: &Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}",
                f["file"].as_str().unwrap_or("-"),
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn the_gotk_components_header_pins_flux() {
    let repo = fixture("flux-pinned-gotk");
    let (code, report) = removed_findings(&repo);
    assert_eq!(
        lines(&report),
        [
            "kubernetes/apps/apps.yaml:3:13 warning kustomize.toolkit.fluxcd.io/v1beta2 Kustomization is removed in Flux 2.8, \
             after the Flux v2.1.2 that kubernetes/flux/flux-system/gotk-components.yaml pins",
            "kubernetes/apps/apps.yaml:17:13 warning source.toolkit.fluxcd.io/v1beta1 HelmRepository is removed in Flux 2.7, \
             after the Flux v2.1.2 that kubernetes/flux/flux-system/gotk-components.yaml pins",
            // Not a Flux API: the pin changes nothing.
            "kubernetes/apps/apps.yaml:27:13 critical cert-manager.io/v1alpha2 ClusterIssuer is no longer served (removed in cert-manager 1.7)",
        ],
        "{report:#}"
    );
    assert_eq!(
        findings(&report)[0]["hint"],
        "use `apiVersion: kustomize.toolkit.fluxcd.io/v1` before upgrading Flux to 2.8"
    );
    assert_eq!(code, 2);
}

#[test]
fn a_flux_instance_pins_flux_unless_its_version_is_a_range() {
    let repo = fixture("flux-pinned-fluxinstance");
    let (code, report) = removed_findings(&repo);
    assert_eq!(
        lines(&report),
        ["kubernetes/apps/podinfo.yaml:3:13 warning helm.toolkit.fluxcd.io/v2beta1 HelmRelease is removed in Flux 2.7, \
          after the Flux 2.3.x that kubernetes/flux/instance.yaml pins"],
        "{report:#}"
    );
    assert_eq!(code, 1);

    // `2.x` follows the newest release: no pin, the removal is critical.
    let instance = repo.path("kubernetes/flux/instance.yaml");
    let text = std::fs::read_to_string(&instance).expect("read instance.yaml").replace("\"2.3.x\"", "\"2.x\"");
    std::fs::write(&instance, text).expect("write instance.yaml");
    let (code, report) = removed_findings(&repo);
    let lines = lines(&report);
    assert_eq!(lines.len(), 1, "{report:#}");
    assert!(
        lines[0].starts_with("kubernetes/apps/podinfo.yaml:3:13 critical helm.toolkit.fluxcd.io/v2beta1 HelmRelease was removed in Flux 2.7 (target: "),
        "{}",
        lines[0]
    );
    assert_eq!(code, 2);

    // A pin at or after the removal: the pinned Flux rejects it today.
    let text = std::fs::read_to_string(&instance).expect("read instance.yaml").replace("\"2.x\"", "\"v2.7.0\"");
    std::fs::write(&instance, text).expect("write instance.yaml");
    let (code, report) = removed_findings(&repo);
    assert_eq!(findings(&report)[0]["severity"], "critical", "{report:#}");
    assert_eq!(code, 2);
}

#[test]
fn each_cluster_keeps_its_own_pin() {
    // `old` bootstraps Flux v2.1.2 (gotk-components.yaml); `new` pins nothing.
    let repo = fixture("flux-pinned-two-clusters");
    let (code, report) = removed_findings(&repo);
    assert_eq!(
        lines(&report),
        [
            "kubernetes/clusters/new/apps.yaml:2:13 critical kustomize.toolkit.fluxcd.io/v1beta2 Kustomization was removed in Flux 2.8 (target: 2.8)",
            "kubernetes/clusters/old/apps.yaml:2:13 warning kustomize.toolkit.fluxcd.io/v1beta2 Kustomization is removed in Flux 2.8, \
             after the Flux v2.1.2 that kubernetes/clusters/old/flux-system/gotk-components.yaml pins",
        ],
        "{report:#}"
    );
    assert_eq!(code, 2);
}
