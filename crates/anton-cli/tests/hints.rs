//! Hints that are right: a hint never proposes a change that breaks the
//! reference it is about (issue 14, §2).

mod common;

use common::{Repo, anton, findings, fixture_with_all_rules};
use serde_json::Value;

fn validate(repo: &Repo, rules: &str) -> Value {
    let root = repo.root.to_str().expect("UTF-8 path");
    let run = anton(repo, &["validate", root, "--json", "--select", rules]);
    let report = run.json();
    common::assert_contract(&report);
    report
}

/// `file:line:col severity rule: message — hint` of each finding.
fn lines(report: &Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}: {} — {}",
                f["file"].as_str().unwrap_or("-"),
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap_or("-"),
                f["rule"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap_or("-"),
                f["hint"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn a_dependson_hint_points_at_an_object_that_exists() {
    let repo = fixture_with_all_rules("hints-dependson");
    assert_eq!(
        lines(&validate(&repo, "flux/dependson-missing")),
        [
            "kubernetes/apps/plex.yaml:18:7 critical flux/dependson-missing: dependsOn `ingress-nginx-internal`: no Kustomization named \
             ingress-nginx-internal in namespace flux-system (the namespace defaults to this object's own) — did you mean \
             `internal-ingress-nginx`? it is the Kustomization in namespace flux-system with the nearest name",
            "kubernetes/apps/plex.yaml:20:7 critical flux/dependson-missing: dependsOn `cert-manager`: no Kustomization named cert-manager \
             in namespace cert-manager — set `namespace: flux-system` in this dependsOn entry: Kustomization cert-manager is in \
             namespace flux-system, not cert-manager",
            // Nothing close: no guess.
            "kubernetes/apps/plex.yaml:23:7 critical flux/dependson-missing: dependsOn `volsync`: no Kustomization named volsync in \
             namespace flux-system (the namespace defaults to this object's own) — no Kustomization has a similar name: fix the name, \
             or remove the entry if that object was deleted",
            "kubernetes/apps/plex.yaml:25:7 critical flux/dependson-missing: dependsOn `plexx`: no Kustomization named plexx in \
             namespace flux-system (the namespace defaults to this object's own) — no Kustomization has a similar name: fix the name, \
             or remove the entry if that object was deleted",
        ]
    );
}

#[test]
fn a_sourceref_hint_points_at_a_source_that_exists() {
    let repo = fixture_with_all_rules("hints-sourceref");
    assert_eq!(
        lines(&validate(&repo, "flux/source-missing,flux/sourceref-namespace")),
        [
            "kubernetes/apps/helmreleases.yaml:14:9 critical flux/source-missing: chart.spec.sourceRef names HelmRepository/media/bjw-s, \
             which is not in the repository — set `namespace: flux-system` in chart.spec.sourceRef: HelmRepository bjw-s is in \
             namespace flux-system, not media",
            "kubernetes/apps/helmreleases.yaml:30:9 critical flux/source-missing: chart.spec.sourceRef names \
             HelmRepository/flux-system/ingres-nginx, which is not in the repository — did you mean `ingress-nginx`? it is the \
             HelmRepository in namespace flux-system with the nearest name",
            "kubernetes/apps/helmreleases.yaml:46:9 critical flux/source-missing: chart.spec.sourceRef names \
             HelmRepository/flux-system/k8s-at-home, which is not in the repository — no source of that kind has a similar name: \
             add the source to the repository, fix the name, or declare it as a known external source in .anton.toml",
        ]
    );
}

#[test]
fn a_path_with_an_undefined_variable_names_it_and_the_postbuild_to_define_it_in() {
    let repo = fixture_with_all_rules("hints-path-variable");
    assert_eq!(
        lines(&validate(&repo, "flux/path-missing,flux/undefined-variable")),
        [
            "kubernetes/apps/apps.yaml:10:9 critical flux/path-missing: spec.path `./kubernetes/${CLUSTER}/apps` does not exist in \
             this repository — spec.path still holds `CLUSTER` after substitution: define it in the postBuild of \
             Kustomization/flux-system/cluster-apps that applies this object (spec.postBuild.substitute, ConfigMap cluster-settings)",
            "kubernetes/apps/apps.yaml:10:22 warning flux/undefined-variable: `${CLUSTER}` is not defined by the postBuild of \
             Kustomization flux-system/cluster-apps: Flux substitutes an empty string — define CLUSTER in spec.postBuild.substitute \
             or in a substituteFrom ConfigMap/Secret, give it a default (${CLUSTER:=value}), or write $${CLUSTER} if it is not meant for Flux",
        ]
    );
}

#[test]
fn health_check_exprs_without_wait_are_said_to_be_ignored() {
    let repo = fixture_with_all_rules("hints-health-exprs");
    assert_eq!(
        lines(&validate(&repo, "flux")),
        [
            "kubernetes/flux/cluster.yaml:2:1 info flux/no-health-gate: `healthCheckExprs` is set but neither `wait: true` nor \
             `healthChecks` is, so the expressions are ignored: it turns Ready as soon as its objects are applied, even when they \
             never become healthy — add `wait: true` (or list the objects under healthChecks): healthCheckExprs only say how to \
             read the health of a kind, they run no check",
        ]
    );
}

#[test]
fn a_missing_prune_is_one_finding() {
    let repo = fixture_with_all_rules("hints-prune-required");
    assert_eq!(
        lines(&validate(&repo, "flux,schema")),
        [
            "kubernetes/flux/cluster.yaml:8:3 critical schema/required: `spec.prune` is required: `spec` has no `prune` — \
             set `prune: true` (Flux garbage-collects removed objects) or `prune: false`",
        ]
    );
    // Without schema validation, flux/prune-unset still says it.
    assert_eq!(
        lines(&validate(&repo, "flux")),
        [
            "kubernetes/flux/cluster.yaml:2:1 info flux/prune-unset: spec.prune is not set: say whether Flux deletes what is \
             removed from Git — set `prune: true` (Flux garbage-collects removed objects) or `prune: false`",
        ]
    );
}
