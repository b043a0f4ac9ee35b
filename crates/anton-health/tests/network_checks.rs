//! The `anton network` checks on a recorded snapshot (`fixtures/network.json`,
//! recorded by `anton-cli/tests/live_network.rs` with `--probe` and
//! `ANTON_RECORD_NETWORK_FIXTURE`): every finding, checked without a server.
//! The integration test stages the same situations on the real API server.

use anton_core::{Finding, Severity};
use anton_health::network::certificates::parse_leaf;
use anton_health::network::probe_plan;
use anton_health::{NetworkConfig, NetworkSnapshot, Now, check_network, codes, network_report};

fn snapshot() -> NetworkSnapshot {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/network.json")).unwrap();
    NetworkSnapshot::from_json(&text).expect("the fixture is a network snapshot")
}

/// The time the live test checked at: two hours after it recorded.
fn now(snapshot: &NetworkSnapshot) -> Now {
    let recorded: Now = snapshot.recorded_at.as_deref().unwrap().parse().unwrap();
    recorded + k8s_openapi::jiff::SignedDuration::from_secs(2 * 3_600)
}

/// `severity rule object`, sorted.
fn lines(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> =
        findings.iter().map(|f| format!("{} {} {}", f.severity, f.rule, f.object.as_deref().unwrap_or("-"))).collect();
    out.sort();
    out
}

fn message<'f>(findings: &'f [Finding], rule: &str, object: &str) -> &'f str {
    findings
        .iter()
        .find(|f| f.rule == rule && f.object.as_deref().unwrap_or("-") == object)
        .map(|f| f.message.as_str())
        .unwrap_or_else(|| panic!("no {rule} for {object}"))
}

#[test]
fn every_situation_is_found() {
    let snapshot = snapshot();
    let findings = check_network(&snapshot, now(&snapshot), &NetworkConfig::default());
    assert_eq!(
        lines(&findings),
        [
            "critical certificate/expiring Certificate/media/bazarr",
            "critical certificate/not-ready Certificate/media/jellyfin",
            "critical certificate/renewal-failing Certificate/media/jellyfin",
            "critical controller/no-address Service/network/external-ingress-nginx-controller",
            "critical controller/unavailable Deployment/network/external-ingress-nginx-controller",
            "critical dns/unavailable Deployment/network/k8s-gateway",
            "critical ingress/backend-missing Ingress/media/typo",
            "critical ingress/backend-missing Ingress/media/wrong-port",
            "critical ingress/class-missing Ingress/media/typo",
            "critical ingress/no-endpoints Ingress/media/jellyfin",
            "critical ingress/tls-secret-missing Ingress/media/jellyfin",
            "critical issuer/not-ready ClusterIssuer/letsencrypt",
            "critical lb/pool-conflict CiliumLoadBalancerIPPool/overlap",
            "critical lb/pool-exhausted CiliumLoadBalancerIPPool/lab",
            "critical probe/dns-failed Ingress/media/jellyfin",
            "critical probe/unreachable Ingress/media/jellyfin",
            "critical route/not-accepted HTTPRoute/media/web",
            "critical route/refs-unresolved HTTPRoute/media/web",
            "critical tls/expiring Secret/media/old-tls",
            "critical tls/host-not-covered Ingress/media/other",
            "critical tunnel/not-ready Pod/network/cloudflared-0",
            "warning certificate/expiring Certificate/media/sonarr",
            "warning controller/missing IngressClass/legacy",
            "warning ingress/duplicate-path Ingress/media/sonarr-copy",
            "warning ingress/multiple-default-classes -",
            "warning ingress/no-endpoints Ingress/media/radarr",
            "warning lb/pending Service/media/plex-lb",
            "warning probe/dns-failed Ingress/media/typo",
            "warning probe/dns-failed Ingress/media/wrong-port",
            "warning probe/dns-mismatch Ingress/media/other",
            "warning probe/http-error Ingress/media/radarr",
            "warning probe/timeout Ingress/media/slow",
            "warning probe/tls-error Ingress/media/old",
            "warning probe/tls-error Ingress/media/other",
            "warning probe/tls-error Ingress/media/wrong-port",
            "warning probe/unreachable Ingress/media/typo",
        ]
    );
    for finding in &findings {
        assert!(codes::lookup(&finding.rule).is_some(), "{} is not in the code registry", finding.rule);
        assert!(finding.hint.is_some(), "{} has no hint", finding.rule);
    }
}

#[test]
fn messages_name_the_reason() {
    let snapshot = snapshot();
    let findings = check_network(&snapshot, now(&snapshot), &NetworkConfig::default());
    assert!(message(&findings, "lb/pending", "Service/media/plex-lb").contains("the pool that should serve it is lab (0 IPs available)"));
    assert!(message(&findings, "lb/pool-conflict", "CiliumLoadBalancerIPPool/overlap").contains("Pool overlaps with CIDR of pool 'lab'"));
    assert!(message(&findings, "certificate/renewal-failing", "Certificate/media/jellyfin").contains("CertificateRequest jellyfin-1 failed"));
    assert!(message(&findings, "certificate/renewal-failing", "Certificate/media/jellyfin").contains("Issuing=False (Failed"));
    assert!(message(&findings, "tls/host-not-covered", "Ingress/media/other").contains("whose certificate is for sonarr.lab.example, radarr.lab.example, slow.lab.example"));
    assert!(message(&findings, "ingress/duplicate-path", "Ingress/media/sonarr-copy").contains("Ingress/media/sonarr and Ingress/media/sonarr-copy"));
    assert!(message(&findings, "ingress/class-missing", "Ingress/media/typo").contains("IngressClass externl, which does not exist"));
    assert!(message(&findings, "controller/missing", "IngressClass/legacy").contains("example.com/legacy"));
    assert!(message(&findings, "route/not-accepted", "HTTPRoute/media/web").contains("network/lab-gateway (NotAllowedByListeners"));
    assert!(message(&findings, "probe/dns-mismatch", "Ingress/media/other").contains("resolves to 127.0.0.9"));
    assert!(message(&findings, "probe/dns-mismatch", "Ingress/media/other").contains("controller's address 127.0.0.3"));
    assert!(message(&findings, "probe/timeout", "Ingress/media/slow").contains("did not answer in time"));
    assert!(message(&findings, "probe/unreachable", "Ingress/media/jellyfin").contains("no LoadBalancer address"));
}

#[test]
fn severities_follow_the_thresholds() {
    let snapshot = snapshot();
    let at = now(&snapshot);
    // Certificates: 14 days warn, 3 days critical; moved, the 10-day one is critical.
    let config = NetworkConfig { cert_critical: std::time::Duration::from_secs(11 * 86_400), cert_warning: std::time::Duration::from_secs(20 * 86_400), ..NetworkConfig::default() };
    let findings = check_network(&snapshot, at, &config);
    assert!(findings.iter().any(|f| f.rule == "certificate/expiring" && f.object.as_deref() == Some("Certificate/media/sonarr") && f.severity == Severity::Critical));
    // No class is external: no endpoints is a warning everywhere.
    let config = NetworkConfig { external_classes: Default::default(), ..NetworkConfig::default() };
    let findings = check_network(&snapshot, at, &config);
    let jellyfin = findings.iter().find(|f| f.rule == "ingress/no-endpoints" && f.object.as_deref() == Some("Ingress/media/jellyfin")).unwrap();
    assert_eq!(jellyfin.severity, Severity::Warning);
    // Within the grace period a LoadBalancer without an address is no finding yet.
    let recorded: Now = snapshot.recorded_at.as_deref().unwrap().parse().unwrap();
    let patient = NetworkConfig { pending_grace: std::time::Duration::from_secs(3_600), ..NetworkConfig::default() };
    let findings = check_network(&snapshot, recorded, &patient);
    assert!(!findings.iter().any(|f| f.rule == "lb/pending"));
    let early = findings.iter().find(|f| f.rule == "controller/no-address").unwrap();
    assert_eq!(early.severity, Severity::Info);
}

#[test]
fn what_could_not_be_read_is_an_info_naming_the_right() {
    let mut snapshot = snapshot();
    snapshot.unread = vec!["TLS Secrets (certificates, and whether Ingresses' TLS Secrets exist): this user may not list secrets (403)".into()];
    snapshot.tls_secrets = None;
    snapshot.tunnel_readiness.clear();
    snapshot.tunnel_unchecked = Some("this user may not get pods/proxy in network (403)".into());
    let findings = check_network(&snapshot, now(&snapshot), &NetworkConfig::default());
    let unread = findings.iter().find(|f| f.rule == "network/unread").unwrap();
    assert_eq!(unread.severity, Severity::Info);
    assert!(unread.message.contains("may not list secrets"));
    let unchecked = findings.iter().find(|f| f.rule == "tunnel/ready-unchecked").unwrap();
    assert_eq!(unchecked.severity, Severity::Info);
    assert!(unchecked.message.contains("pods/proxy"));
    assert!(!findings.iter().any(|f| f.rule.starts_with("tls/") || f.rule == "ingress/tls-secret-missing" || f.rule == "tunnel/not-ready"));
    // Without IngressClasses, no Ingress is said to name a missing one.
    snapshot.unread.push("IngressClasses: this user may not list ingressclasses.networking.k8s.io (403)".into());
    snapshot.ingress_classes.clear();
    let findings = check_network(&snapshot, now(&snapshot), &NetworkConfig::default());
    assert!(!findings.iter().any(|f| f.rule == "ingress/class-missing"));
}

#[test]
fn the_report_has_the_contract_and_the_tables_data() {
    let snapshot = snapshot();
    let report = network_report(&snapshot, now(&snapshot), &NetworkConfig::default());
    assert_eq!(report.status.as_str(), "critical");
    let s = &report.summary;
    assert_eq!(s.total, s.healthy + s.warnings + s.critical);
    for key in ["controllers", "loadBalancers", "ingresses", "routes", "certificates", "issuers", "tunnel", "dns", "probes", "installed"] {
        assert!(report.details.contains_key(key), "no details.{key}");
    }
    let ingresses = report.details["ingresses"].as_array().unwrap();
    let state = |name: &str| ingresses.iter().find(|i| i["name"] == name).unwrap()["state"].as_str().unwrap().to_owned();
    assert_eq!((state("sonarr"), state("radarr"), state("jellyfin")), ("ok".into(), "warning".into(), "critical".into()));
    let plan = probe_plan(&snapshot);
    assert!(plan.dns_server.as_deref().is_some_and(|s| s.starts_with("127.0.0.2:")), "{plan:?}");
    let sonarr = plan.targets.iter().find(|t| t.host == "sonarr.lab.example").unwrap();
    assert_eq!(sonarr.expected, ["127.0.0.3"]);
}

/// k8s-gateway behind a load balancer that gives a hostname: the DNS probes
/// say why they did not run instead of being left out silently.
#[test]
fn a_hostname_as_the_dns_address_is_said_not_probed() {
    let mut snapshot = snapshot();
    let gateway = snapshot.services.iter_mut().find(|s| s.metadata.name.as_deref() == Some("k8s-gateway")).unwrap();
    let status: k8s_openapi::api::core::v1::ServiceStatus =
        serde_json::from_value(serde_json::json!({"loadBalancer": {"ingress": [{"hostname": "dns.lb.example"}]}})).unwrap();
    gateway.status = Some(status);
    let plan = probe_plan(&snapshot);
    assert_eq!(plan.dns_server, None);
    assert_eq!(plan.dns_missing.as_deref(), Some("k8s-gateway's LoadBalancer address dns.lb.example is a hostname, not an IP address"));
    let findings = check_network(&snapshot, now(&snapshot), &NetworkConfig::default());
    assert!(message(&findings, "probe/unavailable", "-").contains("is a hostname"), "{findings:?}");
}

#[test]
fn tls_secrets_are_read_as_x509() {
    let snapshot = snapshot();
    let secret = snapshot.tls_secrets.as_ref().unwrap().iter().find(|s| s.name == "sonarr-tls").unwrap();
    let leaf = parse_leaf(secret.certificate.as_deref().unwrap()).unwrap();
    assert_eq!(leaf.dns_names, ["sonarr.lab.example", "radarr.lab.example", "slow.lab.example"]);
    assert!(leaf.issuer.contains("anton test CA"));
    assert!(parse_leaf("not pem").is_err());
    assert!(parse_leaf("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap_err().contains("not an X.509"));
}

/// Controllers anton cannot see per class: Cilium's (served by its agent),
/// Traefik's (found by its flag or name), and any when the workloads could
/// not be listed — never `controller/missing`.
#[test]
fn cilium_and_traefik_classes_and_unread_workloads_are_not_missing_controllers() {
    let mut snapshot = snapshot();
    let class = |name: &str, controller: &str| {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": name}, "spec": {"controller": controller}
        }))
        .unwrap()
    };
    snapshot.ingress_classes.push(class("cilium", "io.cilium/ingress-controller"));
    snapshot.ingress_classes.push(class("traefik", "traefik.io/ingress-controller"));
    snapshot.ingress_classes.push(class("traefik-lan", "traefik.io/ingress-controller"));
    snapshot.deployments.push(
        serde_json::from_value(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "traefik", "namespace": "network", "labels": {"app.kubernetes.io/name": "traefik"}},
            "spec": {"selector": {"matchLabels": {"app": "traefik"}}, "template": {"metadata": {"labels": {"app": "traefik"}},
                "spec": {"containers": [{"name": "traefik", "image": "traefik:v3.5.0", "args": ["--providers.kubernetesingress.ingressclass=traefik-lan"]}]}}},
            "status": {"replicas": 1, "availableReplicas": 1, "readyReplicas": 1}
        }))
        .unwrap(),
    );
    let findings = check_network(&snapshot, now(&snapshot), &NetworkConfig::default());
    let missing: Vec<&str> = findings.iter().filter(|f| f.rule == "controller/missing").filter_map(|f| f.object.as_deref()).collect();
    assert_eq!(missing, ["IngressClass/legacy"], "only the class no workload serves");

    snapshot.unread.push("Deployments: this user may not list deployments.apps (403)".into());
    let findings = check_network(&snapshot, now(&snapshot), &NetworkConfig::default());
    assert!(!findings.iter().any(|f| f.rule == "controller/missing"), "{:?}", lines(&findings));
}
