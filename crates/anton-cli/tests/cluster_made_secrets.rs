//! Issue 14 §1.5: Secrets that controllers make in the cluster (External
//! Secrets, Sealed Secrets, the 1Password operator, cert-manager) satisfy a
//! `substituteFrom`; objects outside the target folder (a `bootstrap/`
//! Secret) exist too. One fixture repository, the exact findings.

mod common;

use common::{anton, assert_contract, findings, fixture};

fn keys_and_messages(report: &serde_json::Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}: {}",
                f["file"].as_str().unwrap_or_default(),
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

const SONARR: &str = "kubernetes/apps/media/sonarr/ks.yaml";

fn expected() -> Vec<String> {
    let info = |line: u32, secret: &str, maker: &str| {
        format!(
            "{SONARR}:{line}:9 info flux/substitute-from-missing: postBuild.substituteFrom names Secret media/{secret}, created by {maker}; not verifiable offline"
        )
    };
    vec![
        // spec.target.name; the ExternalSecret is written for `default`, kustomize moves it to media.
        info(17, "sonarr-env", "ExternalSecret media/sonarr"),
        // No spec.target.name: the Secret takes the ExternalSecret's own name.
        info(19, "bazarr", "ExternalSecret media/bazarr"),
        info(21, "plex-env", "SealedSecret media/plex-env"),
        info(23, "radarr-env", "OnePasswordItem media/radarr-env"),
        info(25, "media-tls-cert", "Certificate media/media-tls"),
        // Nothing makes this one.
        format!(
            "{SONARR}:28:9 warning flux/substitute-from-missing: postBuild.substituteFrom names Secret media/lidarr-env, which no Kustomization of this repository applies"
        ),
        // flux-system/cluster-secrets is in bootstrap/, outside the target: it exists, nothing is said.
    ]
}

#[test]
fn secrets_made_in_the_cluster_and_bootstrap_secrets_satisfy_substitute_from() {
    let repo = fixture("secrets-made-in-cluster");
    // The default target, kubernetes/: bootstrap/ is outside it.
    let run = anton(&repo, &["validate", "--json"]);
    let report = run.json();
    assert_contract(&report);
    assert_eq!(keys_and_messages(&report), expected());
    assert_eq!(run.code, 1, "the one true warning");
    assert_eq!(report["summary"]["warnings"], 1);
}

#[test]
fn the_whole_repository_gives_the_same_findings() {
    let repo = fixture("secrets-made-in-cluster");
    let run = anton(&repo, &["validate", repo.root.to_str().expect("UTF-8 path"), "--json"]);
    assert_eq!(keys_and_messages(&run.json()), expected());
}
