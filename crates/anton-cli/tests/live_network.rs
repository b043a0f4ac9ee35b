//! `anton network` against a real kube-apiserver with the real Cilium
//! (CiliumLoadBalancerIPPool), cert-manager and Gateway API CRDs of the
//! harness: every finding staged by writing statuses, as the missing
//! controllers would. cloudflared's `/ready` is a stand-in listening inside
//! the harness's network namespace (the API server's pod proxy refuses
//! loopback), reached through a Pod whose IP is that address. `--probe` is
//! tested against a DNS server and an HTTPS server on 127.0.0.x with a test
//! CA. The same situations, recorded, are in
//! `anton-health/tests/network_checks.rs`.
//!
//! Skips (visibly) where no network namespace can be created; with `CI=true`
//! that is a failure.

mod live_support;
#[path = "live_support/loopback.rs"]
mod loopback;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::fd::AsRawFd;

use anton_testenv::{Options, TestEnv};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use live_support::*;
use loopback::{Answer, TestCa, dns_server, https_server};
use serde_json::{Value, json};

/// cloudflared's metrics port in the chart.
const METRICS_PORT: u16 = 2000;

fn start() -> Option<TestEnv> {
    if !anton_testenv::needs::live_cluster() {
        return None;
    }
    let env = TestEnv::start_with(&Options { extra_crds: Vec::new(), kubelet: true })
        .unwrap_or_else(|e| panic!("starting the Kubernetes test environment failed: {e:#}"));
    if let Err(reason) = env.stand_in_kubelet() {
        anton_testenv::needs::skip(
            "a network namespace for the stand-in cloudflared",
            reason,
            "run as root (CAP_NET_ADMIN) so the harness can create a network namespace",
        );
        return None;
    }
    Some(env)
}

/// A stand-in cloudflared metrics server: `GET /ready` answers 503 with
/// `readyConnections: 0`, as cloudflared does without a connection to the
/// edge. It listens on the stand-in kubelet's address, in the harness's
/// network namespace.
fn stand_in_cloudflared(env: &TestEnv) -> String {
    let ready: Value = serde_json::from_str(&std::fs::read_to_string(env.dir().join("ready")).unwrap()).unwrap();
    let netns = ready["kubelet"]["netns"].as_str().expect("the harness names its network namespace").to_owned();
    let address = env.stand_in_kubelet().unwrap().address.clone();
    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    let bind_to = address.clone();
    std::thread::spawn(move || {
        let target = std::fs::File::open(format!("/run/netns/{netns}")).expect("open the network namespace");
        // SAFETY: setns on this thread only, with a valid namespace descriptor.
        let entered = unsafe { libc::setns(target.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(entered, 0, "setns into {netns}: {}", std::io::Error::last_os_error());
        let listener = TcpListener::bind((bind_to.as_str(), METRICS_PORT)).expect("bind the stand-in cloudflared");
        bound_tx.send(()).unwrap();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request).lines().next().unwrap_or_default().to_owned();
            let (status, body) = if line.starts_with("GET /ready ") {
                ("503 Service Unavailable", r#"{"status":503,"readyConnections":0,"connectorId":"6f1c2d4e-0000-4000-8000-000000000001"}"#.to_owned())
            } else {
                ("404 Not Found", "404 page not found".to_owned())
            };
            let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    bound_rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the stand-in cloudflared is listening");
    address
}

fn network(env: &TestEnv, at: Timestamp, extra: &[&str]) -> (i32, Value) {
    let at = at.to_string();
    let mut args = vec!["network", "--json", "--now", &at];
    args.extend_from_slice(extra);
    let out = anton(env, &args);
    (code(&out), report(&out))
}

fn sorted_findings(report: &Value) -> Vec<String> {
    let mut lines: Vec<String> = findings(report)
        .iter()
        .map(|f| format!("{} {} {}", f["severity"].as_str().unwrap(), f["rule"].as_str().unwrap(), f["object"].as_str().unwrap_or("-")))
        .collect();
    lines.sort();
    lines
}

fn cond(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": ago(600), "observedGeneration": 1})
}

/// `T + days` as RFC 3339.
fn in_days(at: Timestamp, days: i64) -> String {
    (at + SignedDuration::from_hours(24 * days)).to_string()
}

/// A Deployment with a pod template (labels, args, ports) and its status.
fn workload(env: &TestEnv, ns: &str, name: &str, labels: &str, args: &[&str], ports: &str, desired: i32, available: i32) {
    let args = args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ");
    apply(env, &format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}\nspec:\n  replicas: {desired}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: main, image: 'registry.example/{name}:1', args: [{args}], ports: [{ports}]}}]}}\n"
    ));
    status(env, "deployment", Some(ns), name, json!({"observedGeneration": 1, "replicas": desired, "readyReplicas": available, "availableReplicas": available}));
}

/// A Service selecting `app: selector`, of `type`, with ports `name:port`, and its LoadBalancer address.
fn service(env: &TestEnv, ns: &str, name: &str, selector: &str, type_: &str, ports: &[(&str, u16, &str)], address: Option<&str>) {
    let ports = ports.iter().map(|(n, p, proto)| format!("{{name: {n}, port: {p}, protocol: {proto}}}")).collect::<Vec<_>>().join(", ");
    apply(env, &format!("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  type: {type_}\n  selector: {{app: {selector}}}\n  ports: [{ports}]\n"));
    if let Some(address) = address {
        status(env, "service", Some(ns), name, json!({"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}));
    }
}

/// An EndpointSlice for Service `name` with `ready` and `not_ready` endpoints.
fn endpoints(env: &TestEnv, ns: &str, name: &str, ready: usize, not_ready: usize) {
    let mut list = Vec::new();
    for i in 0..ready + not_ready {
        list.push(format!("- addresses: ['10.42.0.{}']\n  conditions: {{ready: {}}}\n", i + 10, i < ready));
    }
    let body = if list.is_empty() { "endpoints: []\n".to_owned() } else { format!("endpoints:\n{}", list.concat()) };
    apply(env, &format!(
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: {name}-abc, namespace: {ns}, labels: {{kubernetes.io/service-name: {name}}}}}\naddressType: IPv4\nports: [{{name: http, port: 8080, protocol: TCP}}]\n{body}"
    ));
}

/// An Ingress of `class` for `host` → Service `backend`:`port`, with an optional TLS Secret.
fn ingress(env: &TestEnv, ns: &str, name: &str, class: Option<&str>, host: &str, backend: &str, port: &str, tls: Option<&str>) {
    let class = class.map(|c| format!("  ingressClassName: {c}\n")).unwrap_or_default();
    let port = if port.chars().all(|c| c.is_ascii_digit()) { format!("number: {port}") } else { format!("name: {port}") };
    let tls = tls.map(|s| format!("  tls: [{{hosts: ['{host}'], secretName: {s}}}]\n")).unwrap_or_default();
    apply(env, &format!(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{class}{tls}  rules:\n  - host: '{host}'\n    http:\n      paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: {backend}, port: {{{port}}}}}}}}}]\n"
    ));
}

fn tls_secret(env: &TestEnv, ns: &str, name: &str, leaf: &loopback::Leaf) {
    typed_tls_secret(env, ns, name, leaf, "kubernetes.io/tls");
}

/// A Secret of `type_` holding `tls.crt` and `tls.key` (ingress-nginx serves an Opaque one too).
fn typed_tls_secret(env: &TestEnv, ns: &str, name: &str, leaf: &loopback::Leaf, type_: &str) {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    apply(env, &serde_json::to_string(&json!({
        "apiVersion": "v1", "kind": "Secret", "type": type_,
        "metadata": {"name": name, "namespace": ns},
        "data": {"tls.crt": b64(&leaf.cert), "tls.key": b64(&leaf.key)},
    })).unwrap());
}

fn certificate(env: &TestEnv, ns: &str, name: &str, secret: &str, issuer: &str, st: Value) {
    apply(env, &format!(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  secretName: {secret}\n  dnsNames: ['{name}.lab.example']\n  issuerRef: {{name: {issuer}, kind: ClusterIssuer}}\n"
    ));
    status(env, "certificates.cert-manager.io", Some(ns), name, st);
}

/// A stand-in for the tunnel token cloudflared is given on its command line.
const TUNNEL_TOKEN: &str = "stand-in-tunnel-token-0000";

#[test]
fn network_checks_against_the_real_api_server() {
    let Some(env) = start() else { return };
    // Objects created now are two hours old at `at`, the time the checks run.
    let at = Timestamp::now() + SignedDuration::from_secs(2 * 3_600);
    let files = tempfile::tempdir().unwrap();

    // --- Nothing but the CRDs: healthy, every area there ----------------------
    let (exit, empty) = network(&env, at, &[]);
    assert_eq!(exit, 0, "{empty}");
    assert_eq!(empty["status"], "healthy");
    assert_eq!(empty["details"]["installed"], json!({"ciliumLbIpam": true, "certManager": true, "gatewayApi": true}), "{empty}");
    assert_eq!(empty["details"]["ingresses"], json!([]));

    // --- The real CRDs validate statuses ---------------------------------------
    apply(&env, "apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: lab}\nspec:\n  blocks: [{cidr: 10.0.0.0/30}]\n");
    let rejected = env.kubectl(["patch", "ciliumloadbalancerippool", "lab", "--subresource=status", "--type=merge", "--patch", r#"{"status":{"conditions":[{"type":"cilium.io/IPsAvailable"}]}}"#]);
    assert!(rejected.is_err(), "the real CiliumLoadBalancerIPPool schema accepts a condition without status");

    for ns in ["network", "media", "cert-manager"] {
        namespace(&env, ns);
    }
    let ca = TestCa::new();

    // --- Ingress controllers -----------------------------------------------------
    apply(&env, "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: internal, annotations: {ingressclass.kubernetes.io/is-default-class: 'true'}}\nspec: {controller: k8s.io/internal}\n");
    apply(&env, "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: external}\nspec: {controller: k8s.io/external}\n");
    apply(&env, "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: legacy, annotations: {ingressclass.kubernetes.io/is-default-class: 'true'}}\nspec: {controller: example.com/legacy}\n");
    let nginx = "app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller";
    workload(&env, "network", "internal-ingress-nginx-controller", nginx, &["/nginx-ingress-controller", "--controller-class=k8s.io/internal", "--ingress-class=internal"], "{name: https, containerPort: 443}", 2, 2);
    workload(&env, "network", "external-ingress-nginx-controller", nginx, &["/nginx-ingress-controller", "--controller-class=k8s.io/external", "--ingress-class=external"], "{name: https, containerPort: 443}", 1, 0);
    // The HTTPS stand-in behind the internal controller's address (127.0.0.3).
    let leaf = ca.leaf(&["sonarr.lab.example", "radarr.lab.example", "slow.lab.example"], 60);
    let https_port = https_server(
        Ipv4Addr::new(127, 0, 0, 3),
        &leaf,
        BTreeMap::from([
            (("sonarr.lab.example".into(), "/".into()), Answer::Status(302, vec![("Location", "/web".into())])),
            (("sonarr.lab.example".into(), "/web".into()), Answer::Status(200, Vec::new())),
            (("radarr.lab.example".into(), "/".into()), Answer::Status(503, Vec::new())),
            (("slow.lab.example".into(), "/".into()), Answer::Stall),
        ]),
    );
    service(&env, "network", "internal-ingress-nginx-controller", "internal-ingress-nginx-controller", "LoadBalancer", &[("http", 80, "TCP"), ("https", https_port, "TCP")], Some("127.0.0.3"));
    service(&env, "network", "external-ingress-nginx-controller", "external-ingress-nginx-controller", "LoadBalancer", &[("https", 443, "TCP")], None);

    // --- Cilium LB-IPAM ----------------------------------------------------------
    status(&env, "ciliumloadbalancerippools.cilium.io", None, "lab", json!({"conditions": [
        cond("cilium.io/IPsTotal", "Unknown", "noreason", "4"),
        cond("cilium.io/IPsAvailable", "Unknown", "noreason", "0"),
        cond("cilium.io/IPsUsed", "Unknown", "noreason", "4"),
        cond("cilium.io/PoolConflict", "False", "resolved", ""),
    ]}));
    apply(&env, "apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: overlap}\nspec:\n  blocks: [{cidr: 10.0.0.0/29}]\n  serviceSelector: {matchLabels: {pool: overlap}}\n");
    status(&env, "ciliumloadbalancerippools.cilium.io", None, "overlap", json!({"conditions": [
        cond("cilium.io/PoolConflict", "True", "cidr_overlap", "Pool overlaps with CIDR of pool 'lab'"),
        cond("cilium.io/IPsAvailable", "Unknown", "noreason", "8"),
    ]}));
    service(&env, "media", "plex-lb", "plex", "LoadBalancer", &[("http", 32400, "TCP")], None);
    status(&env, "service", Some("media"), "plex-lb", json!({"conditions": [cond("cilium.io/IPAMRequestSatisfied", "False", "out_of_ips", "No more IPs available")]}));

    // --- Ingresses, backends, endpoints ------------------------------------------
    for (name, ready, not_ready) in [("sonarr", 2, 0), ("radarr", 0, 1), ("jellyfin", 0, 0), ("slow", 1, 0)] {
        service(&env, "media", name, name, "ClusterIP", &[("http", 8080, "TCP")], None);
        endpoints(&env, "media", name, ready, not_ready);
    }
    tls_secret(&env, "media", "sonarr-tls", &leaf);
    tls_secret(&env, "media", "old-tls", &ca.leaf(&["old.lab.example"], 2));
    ingress(&env, "media", "sonarr", Some("internal"), "sonarr.lab.example", "sonarr", "http", Some("sonarr-tls"));
    ingress(&env, "media", "sonarr-copy", Some("internal"), "sonarr.lab.example", "sonarr", "8080", None);
    // An Opaque Secret with tls.crt serves as well: not missing, its certificate checked.
    typed_tls_secret(&env, "media", "radarr-opaque-tls", &ca.leaf(&["radarr.lab.example"], 90), "Opaque");
    ingress(&env, "media", "radarr", Some("internal"), "radarr.lab.example", "radarr", "http", Some("radarr-opaque-tls"));
    ingress(&env, "media", "slow", Some("internal"), "slow.lab.example", "slow", "http", None);
    ingress(&env, "media", "jellyfin", Some("external"), "jellyfin.example.com", "jellyfin", "http", Some("jellyfin-tls"));
    ingress(&env, "media", "typo", Some("externl"), "typo.example.com", "ghost", "80", None);
    ingress(&env, "media", "wrong-port", Some("internal"), "port.lab.example", "sonarr", "9999", None);
    ingress(&env, "media", "other", Some("internal"), "other.lab.example", "sonarr", "http", Some("sonarr-tls"));
    ingress(&env, "media", "old", Some("internal"), "old.lab.example", "sonarr", "http", Some("old-tls"));

    // --- cert-manager ---------------------------------------------------------------
    apply(&env, "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: letsencrypt}\nspec:\n  acme:\n    server: https://acme-v02.api.letsencrypt.org/directory\n    privateKeySecretRef: {name: letsencrypt-account}\n    solvers: [{dns01: {cloudflare: {apiTokenSecretRef: {name: cloudflare-token, key: token}}}}]\n");
    status(&env, "clusterissuers.cert-manager.io", None, "letsencrypt", json!({"conditions": [cond("Ready", "False", "ErrRegisterACMEAccount", "Failed to register ACME account: 429 urn:ietf:params:acme:error:rateLimited")]}));
    apply(&env, "apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: lab-ca, namespace: media}\nspec: {ca: {secretName: lab-ca}}\n");
    status(&env, "issuers.cert-manager.io", Some("media"), "lab-ca", json!({"conditions": [cond("Ready", "True", "KeyPairVerified", "Signing CA verified")]}));
    certificate(&env, "media", "jellyfin", "jellyfin-tls", "letsencrypt", json!({
        "conditions": [cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"), cond("Issuing", "False", "Failed", "The certificate request has failed to complete and will be retried: ACME DNS-01 challenge failed")],
        "lastFailureTime": ago(600), "failedIssuanceAttempts": 3,
    }));
    apply(&env, "apiVersion: cert-manager.io/v1\nkind: CertificateRequest\nmetadata: {name: jellyfin-1, namespace: media, annotations: {cert-manager.io/certificate-name: jellyfin}}\nspec:\n  request: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K\n  issuerRef: {name: letsencrypt, kind: ClusterIssuer}\n");
    status(&env, "certificaterequests.cert-manager.io", Some("media"), "jellyfin-1", json!({"conditions": [cond("Ready", "False", "Failed", "Failed to wait for order resource \"jellyfin-1-123\" to become ready: order is in \"invalid\" state: presenting DNS-01 record: Cloudflare API error 9109: Invalid access token")], "failureTime": ago(600)}));
    certificate(&env, "media", "sonarr", "sonarr-tls", "letsencrypt", json!({"conditions": [cond("Ready", "True", "Ready", "Certificate is up to date and has not expired")], "notAfter": in_days(at, 10), "renewalTime": in_days(at, -20)}));
    certificate(&env, "media", "bazarr", "bazarr-tls", "letsencrypt", json!({"conditions": [cond("Ready", "True", "Ready", "Certificate is up to date and has not expired")], "notAfter": in_days(at, 2)}));
    certificate(&env, "media", "lidarr", "lidarr-tls", "letsencrypt", json!({"conditions": [cond("Ready", "True", "Ready", "Certificate is up to date and has not expired")], "notAfter": in_days(at, 80)}));

    // --- Gateway API -------------------------------------------------------------------
    apply(&env, "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: media}\nspec:\n  parentRefs: [{name: lab-gateway, namespace: network}]\n  hostnames: [web.lab.example]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n");
    status(&env, "httproutes.gateway.networking.k8s.io", Some("media"), "web", json!({"parents": [{
        "parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "lab-gateway", "namespace": "network"},
        "controllerName": "io.cilium/gateway-controller",
        "conditions": [cond("Accepted", "False", "NotAllowedByListeners", "No listener allows routes from namespace media"), cond("ResolvedRefs", "False", "BackendNotFound", "Service \"web\" not found")],
    }]}));

    // --- Tunnel and DNS ----------------------------------------------------------------
    let address = stand_in_cloudflared(&env);
    workload(&env, "network", "cloudflared", "app.kubernetes.io/name: cloudflared", &["tunnel", "--metrics", "0.0.0.0:2000", "run", "--token", TUNNEL_TOKEN], "{name: metrics, containerPort: 2000}", 1, 1);
    apply(&env, "apiVersion: v1\nkind: Pod\nmetadata: {name: cloudflared-0, namespace: network, labels: {app: cloudflared}}\nspec:\n  containers: [{name: main, image: 'registry.example/cloudflared:1', ports: [{name: metrics, containerPort: 2000}]}]\n");
    status(&env, "pod", Some("network"), "cloudflared-0", json!({"phase": "Running", "podIP": address, "podIPs": [{"ip": address}]}));
    workload(&env, "network", "k8s-gateway", "app.kubernetes.io/name: k8s-gateway", &[], "{name: dns, containerPort: 1053, protocol: UDP}", 1, 0);
    workload(&env, "network", "external-dns-cloudflare", "app.kubernetes.io/name: external-dns", &["--provider=cloudflare"], "{name: http, containerPort: 7979}", 1, 1);
    let dns_port = dns_server(
        Ipv4Addr::new(127, 0, 0, 2),
        BTreeMap::from([
            ("sonarr.lab.example".to_owned(), Ipv4Addr::new(127, 0, 0, 3)),
            ("radarr.lab.example".to_owned(), Ipv4Addr::new(127, 0, 0, 3)),
            ("slow.lab.example".to_owned(), Ipv4Addr::new(127, 0, 0, 3)),
            ("other.lab.example".to_owned(), Ipv4Addr::new(127, 0, 0, 9)),
            ("old.lab.example".to_owned(), Ipv4Addr::new(127, 0, 0, 3)),
        ]),
    );
    service(&env, "network", "k8s-gateway", "k8s-gateway", "LoadBalancer", &[("dns", dns_port, "UDP")], Some("127.0.0.2"));

    // --- Every finding, read as admin ------------------------------------------------------
    let snapshot_path = files.path().join("network.json");
    let (exit, staged) = network(&env, at, &["--save-snapshot", snapshot_path.to_str().unwrap()]);
    let expected = [
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
    ];
    assert_eq!(sorted_findings(&staged), expected, "{}", serde_json::to_string_pretty(&staged["details"]["findings"]).unwrap());
    assert_eq!(exit, 2);
    assert_eq!(staged["status"], "critical");
    let message = |rule: &str, object: &str, severity: &str| expect(&staged, rule, object, severity);
    assert!(message("lb/pending", "Service/media/plex-lb", "warning").contains("the pool that should serve it is lab (0 IPs available)"));
    assert!(message("lb/pending", "Service/media/plex-lb", "warning").contains("No more IPs available"));
    assert!(message("lb/pool-exhausted", "CiliumLoadBalancerIPPool/lab", "critical").contains("waiting for one: Service/media/plex-lb"));
    assert!(message("lb/pool-conflict", "CiliumLoadBalancerIPPool/overlap", "critical").contains("Pool overlaps with CIDR of pool 'lab'"));
    assert!(message("certificate/renewal-failing", "Certificate/media/jellyfin", "critical").contains("Invalid access token"));
    assert!(message("certificate/renewal-failing", "Certificate/media/jellyfin", "critical").contains("3 failed attempt(s)"));
    assert!(message("ingress/tls-secret-missing", "Ingress/media/jellyfin", "critical").contains("the Certificate Certificate/media/jellyfin should make it"));
    assert!(message("tls/host-not-covered", "Ingress/media/other", "critical").contains("other.lab.example"));
    assert!(message("ingress/backend-missing", "Ingress/media/wrong-port", "critical").contains("has no port 9999 (it has: http/8080)"));
    assert!(message("route/refs-unresolved", "HTTPRoute/media/web", "critical").contains("BackendNotFound"));
    assert!(message("tunnel/not-ready", "Pod/network/cloudflared-0", "critical").contains("readyConnections 0"));
    assert!(message("issuer/not-ready", "ClusterIssuer/letsencrypt", "critical").contains("rateLimited"));
    // Tables' data: controllers, ingresses with their state, certificates by expiry.
    let controllers = staged["details"]["controllers"].as_array().unwrap();
    let internal = controllers.iter().find(|c| c["class"] == "internal").unwrap();
    assert_eq!(internal["workload"], "Deployment/network/internal-ingress-nginx-controller");
    assert_eq!(internal["addresses"], json!(["127.0.0.3"]));
    let ingresses = staged["details"]["ingresses"].as_array().unwrap();
    let sonarr = ingresses.iter().find(|i| i["name"] == "sonarr").unwrap();
    assert_eq!((sonarr["state"].as_str(), sonarr["backends"][0]["readyEndpoints"].as_u64()), (Some("ok"), Some(2)), "{sonarr}");
    let certs: Vec<&str> = staged["details"]["certificates"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(&certs[..4], ["old-tls", "bazarr", "sonarr", "sonarr-tls"], "soonest expiry first: {certs:?}");
    assert_eq!(staged["details"]["api"]["notes"], json!([]), "{}", staged["details"]["api"]);
    // One list per kind: discovery, 14 lists, cloudflared's pods and its /ready.
    let requests = staged["details"]["api"]["requests"].as_u64().unwrap();
    assert!(requests <= 20, "{requests} requests: {}", staged["details"]["api"]);
    // The recorded snapshot holds certificates, never keys.
    let recorded = std::fs::read_to_string(&snapshot_path).unwrap();
    assert!(recorded.contains("BEGIN CERTIFICATE") && !recorded.contains("PRIVATE KEY"), "the snapshot must not hold a key");
    assert!(!recorded.contains(TUNNEL_TOKEN) && recorded.contains("<concealed>"), "the snapshot must not hold cloudflared's --token");
    assert!(certs.contains(&"radarr-opaque-tls"), "the Opaque TLS Secret's certificate is read: {certs:?}");
    let (replayed_exit, replayed) = {
        let out = assert_cmd::Command::cargo_bin("anton")
            .unwrap()
            .args(["network", "--json", "--now", &at.to_string(), "--from-snapshot", snapshot_path.to_str().unwrap()])
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        (code(&out), report(&out))
    };
    assert_eq!((replayed_exit, sorted_findings(&replayed)), (2, expected.map(str::to_owned).to_vec()));

    // --- Text: the tables per area ------------------------------------------------------
    let text = stdout(&anton(&env, &["network", "--now", &at.to_string()]));
    for heading in ["Ingress controllers", "LoadBalancer Services", "LB-IPAM pools", "Ingresses", "Certificates, soonest expiry first"] {
        assert!(text.contains(heading), "no {heading} table:\n{text}");
    }

    // --- A read-only user: what it may not read is an info, the rest is checked ----------
    let out = anton_viewer(&env, &["network", "--json", "--now", &at.to_string()]);
    let viewer = report(&out);
    let unread: Vec<String> =
        findings(&viewer).iter().filter(|f| f["rule"] == "network/unread").map(|f| f["message"].as_str().unwrap().to_owned()).collect();
    assert!(unread.iter().any(|m| m.contains("may not list secrets")), "{unread:?}");
    assert!(findings(&viewer).iter().filter(|f| f["rule"] == "network/unread").all(|f| f["severity"] == "info"));
    let unchecked = expect(&viewer, "tunnel/ready-unchecked", "", "info");
    assert!(unchecked.contains("may not get pods/proxy in network"), "{unchecked}");
    assert!(!has_rule(&viewer, "tls/host-not-covered") && !has_rule(&viewer, "ingress/tls-secret-missing"));
    assert!(has_rule(&viewer, "lb/pool-exhausted") && has_rule(&viewer, "certificate/renewal-failing"));

    // --- --probe: DNS through k8s-gateway's address, HTTPS at the controller's --------------
    let ca_file = files.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.pem).unwrap();
    let probed_path = files.path().join("probed.json");
    let (_, probed) = network(&env, at, &["--probe", "--ca-file", ca_file.to_str().unwrap(), "--probe-timeout", "2s", "--save-snapshot", probed_path.to_str().unwrap()]);
    // `ANTON_RECORD_NETWORK_FIXTURE=DIR` re-records anton-health's fixture (tests/fixtures/network.json).
    if let Ok(dir) = std::env::var("ANTON_RECORD_NETWORK_FIXTURE") {
        std::fs::copy(&probed_path, std::path::Path::new(&dir).join("network.json")).unwrap();
    }
    let probes = probed["details"]["probes"].as_array().unwrap_or_else(|| panic!("no details.probes: {probed}"));
    let probe = |host: &str| probes.iter().find(|p| p["host"] == host).unwrap_or_else(|| panic!("{host} not probed: {probes:?}")).clone();
    let sonarr = probe("sonarr.lab.example");
    assert_eq!((sonarr["resolved"].clone(), sonarr["status"].as_u64()), (json!(["127.0.0.3"]), Some(200)), "a same-host redirect is followed: {sonarr}");
    assert_eq!(sonarr["dnsServer"], format!("127.0.0.2:{dns_port}"));
    let lines = sorted_findings(&probed);
    let probe_lines: Vec<&String> = lines.iter().filter(|l| l.contains(" probe/")).collect();
    assert_eq!(
        probe_lines,
        [
            "critical probe/dns-failed Ingress/media/jellyfin",
            "critical probe/unreachable Ingress/media/jellyfin",
            "warning probe/dns-failed Ingress/media/typo",
            "warning probe/dns-failed Ingress/media/wrong-port",
            "warning probe/dns-mismatch Ingress/media/other",
            "warning probe/http-error Ingress/media/radarr",
            "warning probe/timeout Ingress/media/slow",
            "warning probe/tls-error Ingress/media/old",
            "warning probe/tls-error Ingress/media/other",
            "warning probe/tls-error Ingress/media/wrong-port",
            "warning probe/unreachable Ingress/media/typo",
        ],
        "{probes:#?}"
    );
    assert!(expect(&probed, "probe/tls-error", "Ingress/media/other", "warning").contains("invalid peer certificate"), "{probes:#?}");
    assert!(expect(&probed, "probe/http-error", "Ingress/media/radarr", "warning").contains("answered 503"));
    assert!(expect(&probed, "probe/dns-mismatch", "Ingress/media/other", "warning").contains("127.0.0.9"));
    assert!(expect(&probed, "probe/dns-failed", "Ingress/media/wrong-port", "warning").contains("port.lab.example"));
    // Without the test CA, the certificate is not trusted.
    let (_, untrusted) = network(&env, at, &["--probe", "--probe-timeout", "2s"]);
    assert!(expect(&untrusted, "probe/tls-error", "Ingress/media/sonarr", "warning").contains("UnknownIssuer"), "{}", untrusted["details"]["probes"]);
    // A bad --ca-file is a usage problem, exit 3, before anything is read.
    let bad = files.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let out = anton(&env, &["network", "--probe", "--ca-file", bad.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 3);
    assert!(report(&out)["issues"][0].as_str().unwrap().contains("--ca-file"));
}
