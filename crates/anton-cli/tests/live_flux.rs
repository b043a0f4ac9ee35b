//! The write commands against a real kube-apiserver: `anton flux reconcile`,
//! `suspend`, `resume`, and `anton schemas pull`. No Flux controller runs, so
//! a test plays the controller (writes lastHandledReconcileAt and Ready
//! through the status subresource once it sees the request) or checks the
//! timeout.

mod live_support;

use live_support::*;
use serde_json::{Value, json};

static SERVER: Shared = Shared::new(9);

/// A GitRepository and a Ready Kustomization of it in a fresh namespace.
fn ready_kustomization(env: &anton_testenv::TestEnv, ns: &str, name: &str) {
    namespace(env, ns);
    git_repository(env, ns, "repo", "main@sha1:1111111111111111111111111111111111111111", 600);
    kustomization(env, ns, name, "repo", false);
    status(env, KS, Some(ns), name, json!({"observedGeneration": 1,
        "lastAppliedRevision": "main@sha1:1111111111111111111111111111111111111111",
        "conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Applied revision: main@sha1:1111")]}));
}

fn annotation(object: &Value, key: &str) -> Option<String> {
    object["metadata"]["annotations"][key].as_str().map(str::to_owned)
}

#[test]
fn reconcile_annotates_and_waits_for_the_controller() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-ok";
    ready_kustomization(&env, ns, "apps");
    let controller = play_controller(env.env, KS, ns, "apps", None, true, "Applied revision: main@sha1:2222");
    let out = anton(&env, &["flux", "reconcile", "ks", "apps", "-n", ns, "--timeout", "60s"]);
    let handled = controller.join().unwrap().expect("the request reached the server");
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(text.contains(&format!("► annotating Kustomization f-ok/apps: reconcile.fluxcd.io/requestedAt={handled}")), "{text}");
    assert!(text.contains("✔ Kustomization f-ok/apps annotated"), "{text}");
    assert!(text.contains("✔ Kustomization f-ok/apps reconciled: applied revision main@sha1:2222222222222222222222222222222222222222"), "{text}");
    let server = object(&env, KS, ns, "apps");
    assert_eq!(annotation(&server, "reconcile.fluxcd.io/requestedAt").as_deref(), Some(handled.as_str()));
    assert!(handled.parse::<k8s_openapi::jiff::Timestamp>().is_ok(), "RFC 3339 like the Flux CLI: {handled}");

    // Again, as JSON: the report lists what changed.
    let before = annotation(&object(&env, KS, ns, "apps"), "reconcile.fluxcd.io/requestedAt");
    let controller = play_controller(env.env, KS, ns, "apps", before, true, "ok");
    let out = anton(&env, &["flux", "reconcile", "ks", "apps", "-n", ns, "--json"]);
    let token = controller.join().unwrap().unwrap();
    let report = report(&out);
    assert_eq!(code(&out), 0);
    let action = &report["details"]["actions"][0];
    assert_eq!(action["object"], "Kustomization/f-ok/apps");
    assert_eq!(action["annotations"]["reconcile.fluxcd.io/requestedAt"], token.as_str());
    assert_eq!(action["result"], "ready");
    assert!(report["details"]["api"]["requests"].as_u64().unwrap() >= 4);
}

#[test]
fn reconcile_reports_a_failed_reconciliation() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-fail";
    ready_kustomization(&env, ns, "apps");
    let controller = play_controller(env.env, KS, ns, "apps", None, false, "kustomize build failed: missing.yaml");
    let out = anton(&env, &["flux", "reconcile", "ks", "apps", "-n", ns, "--json"]);
    controller.join().unwrap().unwrap();
    assert_eq!(code(&out), 2);
    let report = report(&out);
    let failed = expect(&report, "flux/reconcile-failed", "Kustomization/f-fail/apps", "critical");
    assert!(failed.contains("missing.yaml"), "{failed}");
    assert_eq!(report["details"]["actions"][0]["result"], "failed");
}

#[test]
fn reconcile_times_out_when_no_controller_answers() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-timeout";
    ready_kustomization(&env, ns, "apps");
    let out = anton(&env, &["flux", "reconcile", "ks", "apps", "-n", ns, "--timeout", "2s"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 3, "{text}");
    assert!(text.contains("timed out after 2s waiting for Kustomization f-timeout/apps"), "{text}");
    assert!(text.contains("kustomize-controller"), "{text}");
    // The request itself was made.
    let server = object(&env, KS, ns, "apps");
    assert!(annotation(&server, "reconcile.fluxcd.io/requestedAt").is_some(), "{server}");

    // --no-wait only annotates.
    let before = annotation(&server, "reconcile.fluxcd.io/requestedAt");
    let out = anton(&env, &["flux", "reconcile", "ks", "apps", "-n", ns, "--no-wait"]);
    assert_eq!(code(&out), 0);
    assert_ne!(annotation(&object(&env, KS, ns, "apps"), "reconcile.fluxcd.io/requestedAt"), before);
}

#[test]
fn reconcile_refuses_suspended_objects_and_unknown_names() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-refuse";
    namespace(&env, ns);
    git_repository(&env, ns, "repo", "main@sha1:1111111111111111111111111111111111111111", 600);
    kustomization(&env, ns, "paused", "repo", true);
    let out = anton(&env, &["flux", "reconcile", "ks", "paused", "-n", ns]);
    let text = stdout(&out);
    assert_eq!(code(&out), 3, "{text}");
    assert!(text.contains("Kustomization f-refuse/paused is suspended"), "{text}");
    assert!(text.contains("anton flux resume ks paused -n f-refuse"), "{text}");
    assert_eq!(annotation(&object(&env, KS, ns, "paused"), "reconcile.fluxcd.io/requestedAt"), None, "nothing written");

    let out = anton(&env, &["flux", "reconcile", "ks", "nope", "-n", ns, "--json"]);
    assert_eq!(code(&out), 3);
    let issue = report(&out)["issues"][0].as_str().unwrap().to_owned();
    assert!(issue.contains("kustomizations.kustomize.toolkit.fluxcd.io nope in namespace f-refuse not found"), "{issue}");

    let out = anton(&env, &["flux", "reconcile", "ks", "paused", "-n", ns, "--reset"]);
    assert_eq!(code(&out), 3);
    assert!(stdout(&out).contains("HelmReleases only"), "{}", stdout(&out));
}

#[test]
fn reconcile_with_source_goes_source_first() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-source";
    ready_kustomization(&env, ns, "apps");
    let source = play_controller(env.env, GIT, ns, "repo", None, true, "stored artifact");
    let ks = play_controller(env.env, KS, ns, "apps", None, true, "applied");
    let out = anton(&env, &["flux", "reconcile", "ks", "apps", "-n", ns, "--with-source"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    let (source_token, ks_token) = (source.join().unwrap().unwrap(), ks.join().unwrap().unwrap());
    let parse = |t: &str| t.parse::<k8s_openapi::jiff::Timestamp>().unwrap();
    assert!(parse(&source_token) < parse(&ks_token), "the source is requested first");
    let git_line = text.find("annotating GitRepository f-source/repo").expect(&text);
    let ks_line = text.find("annotating Kustomization f-source/apps").expect(&text);
    assert!(git_line < ks_line, "{text}");
    assert!(text.contains("✔ GitRepository f-source/repo reconciled: fetched revision"), "{text}");
}

#[test]
fn helmrelease_with_source_reconciles_its_chart_and_repository() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-helm";
    namespace(&env, ns);
    apply(&env, &format!("apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {{name: charts, namespace: {ns}}}\nspec: {{interval: 1h, url: https://charts.example.invalid}}\n"));
    apply(&env, &format!("apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata: {{name: {ns}-db, namespace: {ns}}}\nspec:\n  chart: app\n  version: 1.2.3\n  interval: 1h\n  sourceRef: {{kind: HelmRepository, name: charts}}\n"));
    helm_release(&env, ns, "db", "charts");
    let repo = play_controller(env.env, HELMREPO, ns, "charts", None, true, "stored index");
    let chart = play_controller(env.env, CHART, ns, "f-helm-db", None, true, "pulled app@1.2.3");
    let release = play_controller(env.env, HR, ns, "db", None, true, "Helm upgrade succeeded");
    let out = anton(&env, &["flux", "reconcile", "hr", "db", "-n", ns, "--with-source", "--force", "--reset"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    let tokens: Vec<String> = [repo, chart, release].into_iter().map(|h| h.join().unwrap().unwrap()).collect();
    let order: Vec<usize> = ["HelmRepository f-helm/charts", "HelmChart f-helm/f-helm-db", "HelmRelease f-helm/db"]
        .iter()
        .map(|what| text.find(&format!("annotating {what}")).unwrap_or_else(|| panic!("{what}:\n{text}")))
        .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "{text}");
    let hr = object(&env, HR, ns, "db");
    assert_eq!(annotation(&hr, "reconcile.fluxcd.io/forceAt").as_deref(), Some(tokens[2].as_str()));
    assert_eq!(annotation(&hr, "reconcile.fluxcd.io/resetAt").as_deref(), Some(tokens[2].as_str()));
    let chart_object = object(&env, CHART, ns, "f-helm-db");
    assert_eq!(annotation(&chart_object, "reconcile.fluxcd.io/forceAt"), None, "--force is for the HelmRelease only");
}

#[test]
fn suspend_and_resume_change_spec_suspend() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-suspend";
    ready_kustomization(&env, ns, "apps");

    let out = anton(&env, &["flux", "suspend", "ks", "apps", "-n", ns]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(text.contains("✔ Kustomization f-suspend/apps suspended: spec.suspend false → true"), "{text}");
    let server = object(&env, KS, ns, "apps");
    assert_eq!(server["spec"]["suspend"], true);
    let suspended_at = annotation(&server, "anton.dev/suspended-at").expect("suspended-at annotation");
    let generation = server["metadata"]["generation"].as_i64().unwrap();
    assert_eq!(generation, 2, "the spec changed");

    let again = anton(&env, &["flux", "suspend", "ks", "apps", "-n", ns]);
    assert!(stdout(&again).contains("already suspended; nothing changed"), "{}", stdout(&again));
    assert_eq!(annotation(&object(&env, KS, ns, "apps"), "anton.dev/suspended-at"), Some(suspended_at));

    let status_report = report(&anton(&env, &["flux", "status", "-n", ns, "--json"]));
    expect(&status_report, "flux/suspended", "Kustomization/f-suspend/apps", "info");

    let controller = play_controller(env.env, KS, ns, "apps", None, true, "Applied revision: main@sha1:2222");
    let out = anton(&env, &["flux", "resume", "ks", "apps", "-n", ns, "--timeout", "60s"]);
    let token = controller.join().unwrap().unwrap();
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(text.contains("spec.suspend true → false"), "{text}");
    assert!(text.contains("✔ Kustomization f-suspend/apps reconciled"), "{text}");
    let server = object(&env, KS, ns, "apps");
    assert_eq!(server["spec"]["suspend"], false);
    assert_eq!(annotation(&server, "anton.dev/suspended-at"), None);
    assert_eq!(annotation(&server, "reconcile.fluxcd.io/requestedAt").as_deref(), Some(token.as_str()));

    let out = anton(&env, &["flux", "resume", "ks", "apps", "-n", ns]);
    assert!(stdout(&out).contains("is not suspended; nothing changed"));
}

#[test]
fn the_read_only_user_cannot_write() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "f-viewer";
    ready_kustomization(&env, ns, "apps");
    let out = anton_viewer(&env, &["flux", "suspend", "ks", "apps", "-n", ns]);
    let text = stdout(&out);
    assert_eq!(code(&out), 3, "{text}");
    assert!(
        text.contains("permission denied: context \"viewer\" may not patch kustomizations.kustomize.toolkit.fluxcd.io apps in f-viewer"),
        "{text}"
    );
    assert_eq!(object(&env, KS, ns, "apps")["spec"]["suspend"], false, "nothing changed");

    let out = anton_viewer(&env, &["flux", "reconcile", "ks", "apps", "-n", ns, "--json"]);
    assert_eq!(code(&out), 3);
    assert!(report(&out)["issues"][0].as_str().unwrap().contains("may not patch"));
    assert_eq!(annotation(&object(&env, KS, ns, "apps"), "reconcile.fluxcd.io/requestedAt"), None);

    // Reading is allowed.
    let out = anton_viewer(&env, &["flux", "status", "-n", ns, "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn schemas_pull_saves_openapi_and_crds() {
    let Some(env) = SERVER.lease() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("schemas");
    let out = anton(&env, &["schemas", "pull", "--output", &out_dir.display().to_string()]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("OpenAPI v3 documents"), "{}", stdout(&out));
    let read = |relative: &str| -> Value {
        let text = std::fs::read_to_string(out_dir.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"));
        serde_json::from_str(&text).unwrap()
    };
    let index = read("index.json");
    assert_eq!(index["kubernetesVersion"], "v1.37.2");
    assert!(index["openapi"]["apis/kustomize.toolkit.fluxcd.io/v1"].is_string(), "{index}");
    let core = read("openapi/v3/api/v1.json");
    assert!(core["components"]["schemas"]["io.k8s.api.core.v1.Pod"].is_object());
    let ks = read("openapi/v3/apis/kustomize.toolkit.fluxcd.io/v1.json");
    assert!(ks.to_string().contains("\"kind\":\"Kustomization\""), "the CRD's schema is in the group document");
    let crd = read("crds/kustomizations.kustomize.toolkit.fluxcd.io.json");
    assert_eq!(crd["kind"], "CustomResourceDefinition");
    let v1 = crd["spec"]["versions"].as_array().unwrap().iter().find(|v| v["name"] == "v1").unwrap();
    assert!(v1["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["sourceRef"].is_object());
    assert!(crd["metadata"]["managedFields"].is_null());
    let entry = index["crds"].as_array().unwrap().iter().find(|c| c["kind"] == "HelmRelease" && c["version"] == "v2").cloned();
    assert_eq!(entry.unwrap()["file"], "crds/helmreleases.helm.toolkit.fluxcd.io.json");

    // Default folder: $XDG_CACHE_HOME/anton/schemas/<host_port>/.
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("anton").unwrap();
    let admin = env.admin_kubeconfig().display().to_string();
    let out = cmd.args(["schemas", "pull", "--json", "--kubeconfig", &admin]).env("XDG_CACHE_HOME", cache.path()).output().unwrap();
    assert_eq!(code(&out), 0);
    let host = env.server_url().trim_start_matches("https://").replace(':', "_");
    assert!(cache.path().join("anton/schemas").join(&host).join("index.json").is_file());
    let report = report(&out);
    assert!(report["details"]["schemas"]["crds"].as_u64().unwrap() >= 40, "{report}");

    // The viewer may read the OpenAPI documents but not list CRDs: a warning, documents saved.
    let viewer_dir = dir.path().join("viewer");
    let out = anton_viewer(&env, &["schemas", "pull", "--output", &viewer_dir.display().to_string(), "--json"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(has_rule(&report_of(&out), "schemas/crds-forbidden"));
    assert!(viewer_dir.join("openapi/v3/apis/helm.toolkit.fluxcd.io/v2.json").is_file());
}

fn report_of(out: &std::process::Output) -> Value {
    report(out)
}
