//! The `anton secrets` checks on a recorded snapshot (`fixtures/secrets.json`,
//! recorded by `anton-cli/tests/live_secrets.rs` from the real API server):
//! every finding staged once, checked without a server.

use anton_core::Finding;
use anton_health::{Now, SecretsSnapshot, check_secrets, codes, secrets_details};
use k8s_openapi::jiff::SignedDuration;

fn snapshot() -> SecretsSnapshot {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/secrets.json")).unwrap();
    SecretsSnapshot::from_json(&text).expect("the fixture is a secrets snapshot")
}

/// The live test checks three hours after it staged the objects.
fn checked_at(snapshot: &SecretsSnapshot) -> Now {
    snapshot.recorded_at.as_deref().unwrap().parse::<Now>().unwrap() + SignedDuration::from_secs(3 * 3_600)
}

fn lines(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> =
        findings.iter().map(|f| format!("{} {} {}", f.severity, f.rule, f.object.as_deref().unwrap_or("-"))).collect();
    out.sort();
    out
}

#[test]
fn every_situation_is_found() {
    let snapshot = snapshot();
    let findings = check_secrets(&snapshot, checked_at(&snapshot));
    assert_eq!(
        lines(&findings),
        [
            "critical clusterexternalsecret/not-ready ClusterExternalSecret/shared-registry",
            "critical connect/credentials-missing Deployment/external-secrets/onepassword-connect",
            "critical connect/health Service/external-secrets/onepassword-connect",
            "critical connect/token-missing ClusterSecretStore/onepassword-connect",
            "critical connect/unavailable Deployment/external-secrets/onepassword-connect",
            "critical externalsecret/not-ready ExternalSecret/media/cloudflared-tunnel",
            "critical externalsecret/store-missing ExternalSecret/media/typo",
            "critical externalsecret/target-missing ExternalSecret/media/cloudflared-tunnel",
            "critical onepassworditem/not-ready OnePasswordItem/media/legacy",
            "critical pod/missing-secret Pod/external-secrets/onepassword-connect-0",
            "critical pod/missing-secret Pod/media/cloudflared-0",
            "critical pod/missing-secret Pod/media/sonarr-0",
            "critical pushsecret/not-ready PushSecret/media/push-back",
            "critical store/not-ready ClusterSecretStore/onepassword-connect",
            "info store/unused SecretStore/media/leftover",
            "warning externalsecret/not-ready ExternalSecret/media/typo",
            "warning externalsecret/stale ExternalSecret/media/stale",
            "warning externalsecret/target-not-owned ExternalSecret/media/not-owned",
        ]
    );
    for finding in &findings {
        assert!(codes::lookup(&finding.rule).is_some(), "{} is not in the code registry", finding.rule);
        assert!(finding.hint.as_deref().is_some_and(|h| !h.is_empty()), "{} has no hint", finding.rule);
    }
}

#[test]
fn staleness_follows_the_clock() {
    let snapshot = snapshot();
    // When it was recorded the refresh was fresh; at twice the interval it is not.
    let recorded: Now = snapshot.recorded_at.as_deref().unwrap().parse().unwrap();
    let stale = |at: Now| check_secrets(&snapshot, at).iter().any(|f| f.rule == "externalsecret/stale");
    assert!(!stale(recorded));
    assert!(stale(recorded + SignedDuration::from_secs(3 * 3_600)));
}

#[test]
fn without_secrets_nothing_is_called_missing() {
    let mut snapshot = snapshot();
    snapshot.secrets = None;
    let findings = check_secrets(&snapshot, checked_at(&snapshot));
    for rule in ["pod/missing-secret", "externalsecret/target-missing", "connect/token-missing", "connect/credentials-missing"] {
        assert!(!findings.iter().any(|f| f.rule == rule), "{rule} without having read the Secrets");
    }
}

#[test]
fn the_health_proxy_not_permitted_is_info() {
    let mut snapshot = snapshot();
    for health in &mut snapshot.connect_health {
        health.body = None;
        health.forbidden = true;
        health.error = Some("this user may not get services/proxy in external-secrets".into());
    }
    let findings = check_secrets(&snapshot, checked_at(&snapshot));
    let unchecked: Vec<&Finding> = findings.iter().filter(|f| f.rule == "connect/health-unchecked").collect();
    assert_eq!(unchecked.len(), 1);
    assert_eq!(unchecked[0].severity, anton_core::Severity::Info);
    assert!(!findings.iter().any(|f| f.rule == "connect/health"));
}

#[test]
fn details_list_every_external_secret_and_store() {
    let snapshot = snapshot();
    let details = secrets_details(&snapshot);
    assert_eq!(details["externalSecrets"].as_array().unwrap().len(), 5);
    let stores = details["stores"].as_array().unwrap();
    let connect = stores.iter().find(|s| s["name"] == "onepassword-connect").unwrap();
    assert_eq!(connect["provider"], "onepassword");
    assert!(connect["usedBy"].as_u64().unwrap() >= 4, "{connect}");
    assert_eq!(details["connect"]["health"][0]["version"], "1.7.3");
    // Of the Secrets only names are recorded: no value, no annotations (kubectl's
    // last-applied copy of a Secret holds its values).
    let text = serde_json::to_string(&snapshot).unwrap();
    assert!(!text.contains("dg=="));
    let secrets = snapshot.secrets.as_ref().unwrap();
    assert!(secrets.iter().any(|s| s.name.as_deref() == Some("stale")));
    assert!(secrets.iter().all(|s| s.annotations.is_none() && s.managed_fields.is_none()));
}
