//! `anton secrets` and `anton secrets onepassword setup|rotate-token` against
//! a real kube-apiserver with External Secrets Operator's CRDs (in the
//! harness), the 1Password operator's OnePasswordItem CRD (from
//! `../shared/crds/onepassword`), and a stand-in 1Password Connect `/health`
//! behind the API server's service proxy: every finding staged by writing
//! statuses, as the missing controllers would.
//!
//! The stand-in Connect listens inside the network namespace the harness
//! makes for its stand-in kubelet (the API server refuses to proxy to
//! loopback), reached through a Service, an EndpointSlice and a Pod whose IP
//! is that address, as the service proxy requires.
//!
//! Skips (visibly) where `../shared/crds` is absent or no network namespace
//! can be created; with `CI=true` those are failures.

mod live_support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

use anton_testenv::{Options, TestEnv, shared_crds};
use base64::Engine as _;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use live_support::*;
use serde_json::{Value, json};

/// The port the Connect chart serves its API on.
const CONNECT_PORT: u16 = 8080;

fn start() -> Option<TestEnv> {
    if !anton_testenv::needs::live_cluster() {
        return None;
    }
    let Some(onepassword) = shared_crds("onepassword") else {
        anton_testenv::needs::skip(
            "the real OnePasswordItem CRD",
            "../shared/crds/onepassword not found",
            "set ANTON_SHARED_DIR to the folder holding crds/",
        );
        return None;
    };
    let env = TestEnv::start_with(&Options { extra_crds: vec![onepassword], kubelet: true })
        .unwrap_or_else(|e| panic!("starting the Kubernetes test environment failed: {e:#}"));
    if let Err(reason) = env.stand_in_kubelet() {
        anton_testenv::needs::skip(
            "a network namespace for the stand-in Connect",
            reason,
            "run as root (CAP_NET_ADMIN) so the harness can create a network namespace",
        );
        return None;
    }
    Some(env)
}

/// A stand-in 1Password Connect API: `GET /health` answers `health` (which
/// the test changes), anything else 404. It listens on the stand-in
/// kubelet's address, inside the harness's network namespace.
fn stand_in_connect(env: &TestEnv) -> (String, Arc<Mutex<Value>>) {
    let ready: Value = serde_json::from_str(&std::fs::read_to_string(env.dir().join("ready")).unwrap()).unwrap();
    let netns = ready["kubelet"]["netns"].as_str().expect("the harness names its network namespace").to_owned();
    let address = env.stand_in_kubelet().unwrap().address.clone();
    let health = Arc::new(Mutex::new(Value::Null));
    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    let served = Arc::clone(&health);
    let bind_to = address.clone();
    std::thread::spawn(move || {
        // This thread moves into the namespace for good: the socket it binds is there.
        let target = std::fs::File::open(format!("/run/netns/{netns}")).expect("open the network namespace");
        // SAFETY: setns on this thread only, with a valid namespace descriptor.
        let entered = unsafe { libc::setns(target.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(entered, 0, "setns into {netns}: {}", std::io::Error::last_os_error());
        let listener = TcpListener::bind((bind_to.as_str(), CONNECT_PORT)).expect("bind the stand-in Connect");
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
            let (status, body) = if line.starts_with("GET /health ") {
                ("200 OK", served.lock().unwrap().to_string())
            } else {
                ("404 Not Found", format!("{{\"status\":404,\"message\":\"no route for {line}\"}}"))
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    bound_rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the stand-in Connect is listening");
    (address, health)
}

fn connect_health(sync: &str) -> Value {
    json!({"name": "1Password Connect API", "version": "1.7.3", "dependencies": [
        {"service": "sync", "status": sync, "message": if sync == "ACTIVE" { "" } else { "unable to get credentials and initialize API" }},
        {"service": "sqlite", "status": "ACTIVE", "message": "Connected"},
    ]})
}

/// `T - seconds` as RFC 3339.
fn before(at: Timestamp, seconds: i64) -> String {
    (at - SignedDuration::from_secs(seconds)).to_string()
}

fn secrets(env: &TestEnv, at: Timestamp, extra: &[&str]) -> (i32, Value) {
    let at = at.to_string();
    let mut args = vec!["secrets", "--json", "--now", &at];
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

fn ready(status: &str, reason: &str, message: &str, at: &str) -> Value {
    json!({"type": "Ready", "status": status, "reason": reason, "message": message, "lastTransitionTime": at})
}

fn external_secret(env: &TestEnv, ns: &str, name: &str, store: (&str, &str), target: &str, policy: &str, st: Value) {
    apply(
        env,
        &serde_json::to_string(&json!({
            "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "refreshInterval": "1h",
                "secretStoreRef": {"kind": store.0, "name": store.1},
                "target": {"name": target, "creationPolicy": policy},
                "dataFrom": [{"extract": {"key": name}}],
            },
        }))
        .unwrap(),
    );
    if !st.is_null() {
        status(env, "externalsecrets.external-secrets.io", Some(ns), name, st);
    }
}

/// A Secret (no value worth hiding), owned by ExternalSecret `owner` when given.
fn plain_secret(env: &TestEnv, ns: &str, name: &str, owner: Option<&str>) {
    let mut meta = json!({"name": name, "namespace": ns});
    if let Some(owner) = owner {
        let uid = env.kubectl(["get", "externalsecret", owner, "-n", ns, "-o", "jsonpath={.metadata.uid}"]).unwrap();
        meta["ownerReferences"] =
            json!([{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "name": owner, "uid": uid.trim(), "controller": true}]);
    }
    apply(env, &serde_json::to_string(&json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {"k": "dg=="}})).unwrap());
}

/// The JWT-shaped Connect token the tests write (not a real one).
fn token(n: u32) -> String {
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","kid":"stand-in","typ":"JWT"}"#);
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"anton-test-{n}"}}"#));
    format!("{header}.{claims}.c2lnbmF0dXJlLW9mLXRva2VuLW51bWJlci0{n}")
}

const CREDENTIALS: &str = r#"{"verifier":{"salt":"c3RhbmQtaW4tc2FsdA","localHash":"c3RhbmQtaW4taGFzaA"},"encCredentials":{"kid":"stand-in","enc":"A256GCM","cty":"b5+jwk+json","iv":"c3RhbmQtaW4taXY","data":"c3RhbmQtaW4tY3JlZGVudGlhbHMtZGF0YQ"},"version":"2","deviceUuid":"standinxdeviceuuidxxxxxxxx","uniqueKey":{"alg":"A256GCM","ext":true,"k":"c3RhbmQtaW4ta2V5","key_ops":["decrypt","encrypt"],"kty":"oct","kid":"stand-in"}}"#;

fn secret_data(env: &TestEnv, ns: &str, name: &str, key: &str) -> Vec<u8> {
    let escaped = key.replace('.', "\\.");
    let encoded = env.kubectl(["get", "secret", name, "-n", ns, "-o", &format!("jsonpath={{.data.{escaped}}}")]).unwrap();
    base64::engine::general_purpose::STANDARD.decode(encoded.trim()).unwrap()
}

fn resource_version(env: &TestEnv, ns: &str, name: &str) -> String {
    env.kubectl(["get", "secret", name, "-n", ns, "-o", "jsonpath={.metadata.resourceVersion}"]).unwrap()
}

fn results(report: &Value) -> Vec<String> {
    report["details"]["applied"]
        .as_array()
        .unwrap_or_else(|| panic!("no details.applied: {report:#}"))
        .iter()
        .map(|a| format!("{} {} {}", a["kind"].as_str().unwrap(), a["name"].as_str().unwrap(), a["result"].as_str().unwrap()))
        .collect()
}

#[test]
fn secrets_checks_and_onepassword_setup_against_the_real_api_server() {
    let Some(env) = start() else { return };
    let at = Timestamp::now() + SignedDuration::from_secs(3 * 3_600);
    let files = tempfile::tempdir().unwrap();
    let credentials = files.path().join("1password-credentials.json");
    std::fs::write(&credentials, CREDENTIALS).unwrap();
    let token_file = files.path().join("token");
    std::fs::write(&token_file, format!("{}\n", token(1))).unwrap();
    let empty_repo = tempfile::tempdir().unwrap();
    let (creds, tok, repo) = (credentials.to_str().unwrap(), token_file.to_str().unwrap(), empty_repo.path().to_str().unwrap());

    // --- Nothing installed but the CRDs: healthy, the operator's CRD real ----
    let annotations = env.kubectl(["get", "crd", "onepassworditems.onepassword.com", "-o", "jsonpath={.spec.names.kind}"]).unwrap();
    assert_eq!(annotations, "OnePasswordItem");
    let (exit, empty) = secrets(&env, at, &[]);
    assert_eq!(sorted_findings(&empty), Vec::<String>::new(), "{empty:#}");
    assert_eq!(exit, 0);

    // --- Setup against an empty namespace: a dry run writes nothing -----------
    let setup = |extra: &[&str]| {
        let mut args = vec!["secrets", "onepassword", "setup", "--credentials", creds, "--token-file", tok, "--repo", repo, "--json"];
        args.extend_from_slice(extra);
        let out = anton(&env, &args);
        let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(!text.contains(&token(1)) && !text.contains("c3RhbmQtaW4tY3JlZGVudGlhbHMtZGF0YQ"), "a value was printed: {text}");
        (code(&out), report(&out))
    };
    let (exit, dry) = setup(&["--namespace", "connect-new", "--dry-run"]);
    assert_eq!(exit, 0, "{dry:#}");
    assert_eq!(
        results(&dry),
        [
            "Namespace connect-new would be created",
            "Secret onepassword-connect-credentials would be created",
            "Secret onepassword-connect-token would be created"
        ]
    );
    assert!(env.kubectl(["get", "namespace", "connect-new"]).is_err(), "--dry-run created the namespace");

    // --- For real: created, double-encoded, owned by the field manager ---------
    let (exit, created) = setup(&["--namespace", "connect-new"]);
    assert_eq!(exit, 0, "{created:#}");
    assert_eq!(
        results(&created),
        [
            "Namespace connect-new created",
            "Secret onepassword-connect-credentials created",
            "Secret onepassword-connect-token created"
        ]
    );
    let stored = secret_data(&env, "connect-new", "onepassword-connect-credentials", "1password-credentials.json");
    assert_eq!(
        base64::engine::general_purpose::STANDARD.decode(&stored).unwrap(),
        CREDENTIALS.as_bytes(),
        "the Secret holds the file base64-encoded once more (what Connect's OP_SESSION expects)"
    );
    assert_eq!(secret_data(&env, "connect-new", "onepassword-connect-token", "token"), token(1).as_bytes());
    let managers = env.kubectl(["get", "secret", "onepassword-connect-token", "-n", "connect-new", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"]).unwrap();
    assert_eq!(managers.trim(), "anton");
    assert!(created["details"]["clusterSecretStore"].as_str().is_some_and(|y| y.contains("kind: ClusterSecretStore")), "{created:#}");
    let text = stdout(&anton(&env, &["secrets", "onepassword", "setup", "--credentials", creds, "--token-file", tok, "--namespace", "connect-new", "--repo", repo]));
    assert!(text.contains("connectTokenSecretRef") && text.contains("name: onepassword-connect-token"), "{text}");
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/../../kubernetes");
    let (_, with_store) = setup(&["--namespace", "connect-new", "--repo", project]);
    assert_eq!(with_store["details"]["clusterSecretStore"], Value::Null, "the repository already has one");

    // --- Again: unchanged; a dry run of a new token changes nothing -------------
    let version = resource_version(&env, "connect-new", "onepassword-connect-token");
    let (exit, again) = setup(&["--namespace", "connect-new"]);
    assert_eq!(exit, 0);
    assert_eq!(
        results(&again),
        [
            "Namespace connect-new unchanged",
            "Secret onepassword-connect-credentials unchanged",
            "Secret onepassword-connect-token unchanged"
        ]
    );
    std::fs::write(&token_file, token(2)).unwrap();
    let out = anton(&env, &["secrets", "onepassword", "rotate-token", "--token-file", tok, "--namespace", "connect-new", "--dry-run", "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(results(&report(&out)), ["Secret onepassword-connect-token would be applied"]);
    assert_eq!(resource_version(&env, "connect-new", "onepassword-connect-token"), version, "--dry-run wrote the token");
    assert_eq!(secret_data(&env, "connect-new", "onepassword-connect-token", "token"), token(1).as_bytes());

    // --- rotate-token replaces the token only ------------------------------------
    let credentials_version = resource_version(&env, "connect-new", "onepassword-connect-credentials");
    let out = anton(&env, &["secrets", "onepassword", "rotate-token", "--token-file", tok, "--namespace", "connect-new", "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(results(&report(&out)), ["Secret onepassword-connect-token configured"]);
    assert_eq!(secret_data(&env, "connect-new", "onepassword-connect-token", "token"), token(2).as_bytes());
    assert_eq!(resource_version(&env, "connect-new", "onepassword-connect-credentials"), credentials_version);
    let out = anton(&env, &["secrets", "onepassword", "rotate-token", "--token-file", tok, "--namespace", "nowhere", "--json"]);
    assert_eq!(code(&out), 3);
    assert!(stdout(&out).contains("run `anton secrets onepassword setup` first"), "{}", stdout(&out));

    // --- Bad input: nothing is sent ----------------------------------------------
    let truncated = files.path().join("truncated.json");
    std::fs::write(&truncated, &CREDENTIALS[..200]).unwrap();
    let out = anton(&env, &["secrets", "onepassword", "setup", "--credentials", truncated.to_str().unwrap(), "--token-file", tok, "--namespace", "connect-bad"]);
    assert_eq!(code(&out), 3);
    assert!(stdout(&out).contains("truncated.json:1:200: the file ends in the middle of the JSON"), "{}", stdout(&out));
    assert!(env.kubectl(["get", "namespace", "connect-bad"]).is_err(), "bad input, yet the namespace was written");

    // --- A read-only user: a clear 403, nothing written ----------------------------
    let out = anton_viewer(&env, &["secrets", "onepassword", "setup", "--credentials", creds, "--token-file", tok, "--namespace", "connect-viewer"]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let said = stdout(&out);
    assert!(said.contains("permission denied") && said.contains("403 Forbidden"), "{said}");
    assert!(said.contains("needs get, create and patch on namespaces") && said.contains("nothing was written"), "{said}");
    assert!(env.kubectl(["get", "namespace", "connect-viewer"]).is_err());

    // --- The chain, every finding staged ------------------------------------------
    namespace(&env, "external-secrets");
    namespace(&env, "media");
    let (address, health) = stand_in_connect(&env);
    *health.lock().unwrap() = connect_health("INACTIVE");
    apply(&env, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: onepassword-connect, namespace: external-secrets}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: onepassword-connect}}\n  template:\n    metadata: {labels: {app: onepassword-connect}}\n    spec:\n      containers:\n      - name: connect-api\n        image: 1password/connect-api:1.7.3\n        env: [{name: OP_SESSION, valueFrom: {secretKeyRef: {name: onepassword-connect-credentials, key: 1password-credentials.json}}}]\n      - name: connect-sync\n        image: 1password/connect-sync:1.7.3\n");
    status(&env, "deployment", Some("external-secrets"), "onepassword-connect", json!({"observedGeneration": 1, "replicas": 1, "availableReplicas": 0, "unavailableReplicas": 1}));
    apply(&env, "apiVersion: v1\nkind: Pod\nmetadata: {name: onepassword-connect-0, namespace: external-secrets, labels: {app: onepassword-connect}}\nspec:\n  containers:\n  - name: connect-api\n    image: 1password/connect-api:1.7.3\n    env: [{name: OP_SESSION, valueFrom: {secretKeyRef: {name: onepassword-connect-credentials, key: 1password-credentials.json}}}]\n  - name: connect-sync\n    image: 1password/connect-sync:1.7.3\n");
    status(&env, "pod", Some("external-secrets"), "onepassword-connect-0", json!({
        "phase": "Running", "podIP": address, "podIPs": [{"ip": address}],
        "containerStatuses": [
            container_status("connect-api", 4, json!({"waiting": {"reason": "CrashLoopBackOff"}}), json!({})),
            container_status("connect-sync", 0, json!({"running": {"startedAt": ago(600)}}), json!({})),
        ],
    }));
    apply(&env, "apiVersion: v1\nkind: Service\nmetadata: {name: onepassword-connect, namespace: external-secrets}\nspec:\n  ports: [{name: connect-api, port: 8080, targetPort: 8080}]\n");
    apply(&env, &format!("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: onepassword-connect-1, namespace: external-secrets, labels: {{kubernetes.io/service-name: onepassword-connect}}}}\naddressType: IPv4\nports: [{{name: connect-api, port: 8080, protocol: TCP}}]\nendpoints:\n- addresses: ['{address}']\n  conditions: {{ready: true}}\n  targetRef: {{kind: Pod, name: onepassword-connect-0, namespace: external-secrets}}\n"));
    apply(&env, "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: onepassword-connect}\nspec:\n  provider:\n    onepassword:\n      connectHost: http://onepassword-connect.external-secrets.svc.cluster.local:8080\n      vaults: {anton: 1}\n      auth: {secretRef: {connectTokenSecretRef: {name: onepassword-connect-token, key: token, namespace: external-secrets}}}\n");
    status(&env, "clustersecretstores.external-secrets.io", None, "onepassword-connect", json!({"conditions": [ready("False", "InvalidProviderConfig", "could not get secret onepassword-connect-token: secrets \"onepassword-connect-token\" not found", &before(at, 600))]}));
    apply(&env, "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: leftover, namespace: media}\nspec:\n  provider: {fake: {data: [{key: k, value: v}]}}\n");
    status(&env, "secretstores.external-secrets.io", Some("media"), "leftover", json!({"conditions": [ready("True", "Valid", "store validated", &before(at, 600))]}));

    let cluster = ("ClusterSecretStore", "onepassword-connect");
    external_secret(&env, "media", "cloudflared-tunnel", cluster, "cloudflared-tunnel", "Owner", json!({
        "refreshTime": before(at, 600),
        "conditions": [ready("False", "SecretSyncedError", "error processing spec.dataFrom[0].extract, err: could not find item cloudflare in vault anton", &before(at, 600))],
    }));
    apply(&env, "apiVersion: v1\nkind: Pod\nmetadata: {name: cloudflared-0, namespace: media}\nspec:\n  containers: [{name: cloudflared, image: 'cloudflare/cloudflared:2026.1.0'}]\n  volumes: [{name: creds, secret: {secretName: cloudflared-tunnel}}]\n");
    status(&env, "pod", Some("media"), "cloudflared-0", json!({"phase": "Pending"}));
    apply(&env, "apiVersion: v1\nkind: Pod\nmetadata: {name: sonarr-0, namespace: media}\nspec:\n  containers: [{name: app, image: 'registry.example/sonarr:4', envFrom: [{secretRef: {name: sonarr-api}}], env: [{name: OPTIONAL, valueFrom: {secretKeyRef: {name: absent-but-optional, key: k, optional: true}}}]}]\n");
    status(&env, "pod", Some("media"), "sonarr-0", json!({"phase": "Pending"}));
    external_secret(&env, "media", "stale", cluster, "stale", "Owner", json!({
        "refreshTime": before(at, 3 * 3_600), "conditions": [ready("True", "SecretSynced", "secret synced", &before(at, 3 * 3_600))],
    }));
    plain_secret(&env, "media", "stale", Some("stale"));
    external_secret(&env, "media", "typo", ("ClusterSecretStore", "onepasword"), "typo", "Orphan", Value::Null);
    plain_secret(&env, "media", "typo", None);
    external_secret(&env, "media", "not-owned", cluster, "not-owned", "Owner", json!({
        "refreshTime": before(at, 60), "conditions": [ready("True", "SecretSynced", "secret synced", &before(at, 60))],
    }));
    plain_secret(&env, "media", "not-owned", None);
    external_secret(&env, "media", "healthy", cluster, "healthy", "Owner", json!({
        "refreshTime": before(at, 60), "conditions": [ready("True", "SecretSynced", "secret synced", &before(at, 60))],
    }));
    plain_secret(&env, "media", "healthy", Some("healthy"));
    apply(&env, "apiVersion: external-secrets.io/v1\nkind: ClusterExternalSecret\nmetadata: {name: shared-registry}\nspec:\n  namespaceSelectors: [{matchLabels: {registry: pull}}]\n  externalSecretSpec:\n    secretStoreRef: {kind: ClusterSecretStore, name: onepassword-connect}\n    target: {name: registry}\n    dataFrom: [{extract: {key: registry}}]\n");
    status(&env, "clusterexternalsecrets.external-secrets.io", None, "shared-registry", json!({
        "failedNamespaces": [{"namespace": "media", "reason": "external secret already exists in namespace"}],
        "conditions": [{"type": "Ready", "status": "False", "message": "one or more namespaces failed", "lastTransitionTime": before(at, 600)}],
    }));
    apply(&env, "apiVersion: external-secrets.io/v1alpha1\nkind: PushSecret\nmetadata: {name: push-back, namespace: media}\nspec:\n  secretStoreRefs: [{kind: ClusterSecretStore, name: onepassword-connect}]\n  selector: {secret: {name: healthy}}\n  data: [{match: {secretKey: k, remoteRef: {remoteKey: pushed}}}]\n");
    status(&env, "pushsecrets.external-secrets.io", Some("media"), "push-back", json!({"conditions": [ready("False", "Errored", "set secret failed: 1Password Connect returned 403", &before(at, 600))]}));
    apply(&env, "apiVersion: onepassword.com/v1\nkind: OnePasswordItem\nmetadata: {name: legacy, namespace: media}\nspec: {itemPath: vaults/anton/items/legacy}\n");
    status(&env, "onepassworditems.onepassword.com", Some("media"), "legacy", json!({"conditions": [{"type": "Ready", "status": "False", "message": "Failed to retrieve item: status 404: item not found", "lastTransitionTime": before(at, 600)}]}));
    // A pod with a literal credential in its env and an annotation: neither may be recorded.
    apply(&env, "apiVersion: v1\nkind: Pod\nmetadata: {name: literal-env, namespace: media, annotations: {note: annotation-kept-out}}\nspec:\n  containers:\n  - name: app\n    image: app:1\n    env:\n    - {name: DB_PASSWORD, value: literal-hunter2}\n    - {name: FROM_SECRET, valueFrom: {secretKeyRef: {name: healthy, key: k}}}\n");

    let snapshot_path = files.path().join("secrets.json");
    let (exit, chain) = secrets(&env, at, &["--save-snapshot", snapshot_path.to_str().unwrap()]);
    let expected = [
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
    ];
    assert_eq!(sorted_findings(&chain), expected, "{chain:#}");
    assert_eq!(exit, 2);
    let message = expect(&chain, "externalsecret/not-ready", "ExternalSecret/media/cloudflared-tunnel", "critical");
    assert!(message.contains("SecretSyncedError") && message.contains("could not find item cloudflare"), "{message}");
    let message = expect(&chain, "pod/missing-secret", "Pod/media/cloudflared-0", "critical");
    assert!(message.contains("ExternalSecret media/cloudflared-tunnel should make it"), "{message}");
    let message = expect(&chain, "connect/health", "Service/external-secrets/onepassword-connect", "critical");
    assert!(message.contains("sync INACTIVE (unable to get credentials"), "{message}");
    let message = expect(&chain, "connect/unavailable", "Deployment/external-secrets/onepassword-connect", "critical");
    assert!(message.contains("connect-api (CrashLoopBackOff)"), "{message}");
    expect(&chain, "externalsecret/stale", "ExternalSecret/media/stale", "warning");
    assert_eq!(chain["details"]["connect"]["health"][0]["version"], "1.7.3");
    // One list per kind and one /health request: no request per object.
    let requests = chain["details"]["api"]["requests"].as_u64().unwrap();
    assert!(requests <= 20, "{requests} requests: {}", chain["details"]["api"]);
    // The recorded snapshot gives the same findings, offline.
    let out = assert_cmd::Command::cargo_bin("anton")
        .unwrap()
        .args(["secrets", "--json", "--now", &at.to_string(), "--from-snapshot", snapshot_path.to_str().unwrap()])
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert_eq!(sorted_findings(&report(&out)), expected);
    let recorded = std::fs::read_to_string(&snapshot_path).unwrap();
    assert!(!recorded.contains("dg=="), "a Secret value was recorded");
    assert!(!recorded.contains("literal-hunter2"), "a pod's literal env value was recorded");
    assert!(!recorded.contains("annotation-kept-out") && !recorded.contains("last-applied-configuration"), "an annotation was recorded");
    assert!(recorded.contains("DB_PASSWORD") && recorded.contains("FROM_SECRET"), "the env names are what the checks read");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&snapshot_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    if let Some(keep) = std::env::var_os("ANTON_SECRETS_FIXTURE") {
        std::fs::write(keep, &recorded).unwrap();
    }

    // --- Text, as an operator reads it ------------------------------------------------
    let now = at.to_string();
    let text = stdout(&anton(&env, &["secrets", "--now", &now]));
    for line in ["ExternalSecrets", "Stores", "Connect", "Health", "1Password operator"] {
        assert!(text.lines().any(|l| l.starts_with(line)), "no {line} line:\n{text}");
    }
    assert!(text.contains("external-secrets/onepassword-connect 0/1 available"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("media") && l.contains("stale") && l.contains("3h ago")), "{text}");
    assert!(text.trim_end().ends_with("(status: critical)"), "{text}");

    // --- A read-only user: what it may not read is said, the rest still checked ------
    // `view` cannot read Secrets nor use the service proxy; reading ESO's kinds is granted here.
    apply(&env, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: secrets-reader}\nrules:\n- apiGroups: [external-secrets.io, onepassword.com]\n  resources: ['*']\n  verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: viewer-secrets-reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secrets-reader}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}]\n");
    let out = anton_viewer(&env, &["secrets", "--json", "--now", &now]);
    let viewer = report(&out);
    assert_ne!(code(&out), 3, "{viewer:#}");
    let unread = viewer["details"]["unread"].as_array().unwrap();
    assert!(unread.iter().any(|u| u.as_str().unwrap().starts_with("Secrets")), "{viewer:#}");
    assert!(!has_rule(&viewer, "pod/missing-secret"), "without Secrets nothing may be called missing: {viewer:#}");
    assert_eq!(finding(&viewer, "connect/health-unchecked", "Service/external-secrets/onepassword-connect")["severity"], "info");

    // --- Setup where Connect runs: the token arrives, Connect is waited for -----------
    std::fs::write(&token_file, token(3)).unwrap();
    let out = anton(&env, &["secrets", "onepassword", "setup", "--credentials", creds, "--token-file", tok, "--timeout", "3s", "--repo", project, "--json"]);
    let waited = report(&out);
    assert_eq!(code(&out), 2, "Connect stays unavailable: {waited:#}");
    expect(&waited, "connect/unavailable", "Deployment/external-secrets/onepassword-connect", "critical");
    expect(&waited, "connect/health", "Service/external-secrets/onepassword-connect", "critical");
    status(&env, "deployment", Some("external-secrets"), "onepassword-connect", json!({"availableReplicas": 1, "readyReplicas": 1, "unavailableReplicas": 0}));
    *health.lock().unwrap() = connect_health("ACTIVE");
    let out = anton(&env, &["secrets", "onepassword", "setup", "--credentials", creds, "--token-file", tok, "--repo", project, "--json"]);
    let done = report(&out);
    assert_eq!(code(&out), 0, "{done:#}");
    assert_eq!(done["details"]["connect"]["waited"], true);
    assert_eq!(done["details"]["connect"]["health"][0]["dependencies"][0]["status"], "ACTIVE");
    let (_, after) = secrets(&env, at, &[]);
    assert!(!has_rule(&after, "connect/token-missing") && !has_rule(&after, "connect/credentials-missing"), "{after:#}");
    assert!(!has_rule(&after, "connect/health") && !has_rule(&after, "connect/unavailable"), "{after:#}");

    // --- A write refused after another succeeded: what was written is reported -------
    // The viewer may now write the credentials Secret of connect-new, not its token Secret.
    apply(&env, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: credentials-writer}\nrules:\n- apiGroups: ['']\n  resources: [namespaces]\n  verbs: [get, create, patch]\n- apiGroups: ['']\n  resources: [secrets]\n  resourceNames: [onepassword-connect-credentials]\n  verbs: [get, create, patch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: viewer-credentials-writer}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: credentials-writer}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}]\n");
    let out = anton_viewer(&env, &["secrets", "onepassword", "setup", "--credentials", creds, "--token-file", tok, "--namespace", "connect-new", "--repo", project, "--json"]);
    let partial = report(&out);
    assert_eq!(code(&out), 2, "{partial:#}");
    assert!(!stdout(&out).contains("nothing was written"), "{partial:#}");
    assert_eq!(results(&partial), ["Namespace connect-new unchanged", "Secret onepassword-connect-credentials unchanged"], "{partial:#}");
    assert!(has_rule(&partial, "secrets/write-failed"), "{partial:#}");
    assert!(partial["issues"].as_array().unwrap().iter().any(|i| i.as_str().unwrap().contains("onepassword-connect-credentials")), "{partial:#}");
}
