//! `anton watch` against a real kube-apiserver: the dashboard in tmux (what
//! is on the screen after the test changes a status, `/`, `r` and `s` with
//! their confirmation, `q` and the terminal restored), `--events` read line
//! by line (transitions and Warning events), and the way back after the API
//! server stops and starts again.

mod live_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use anton_testenv::{Relay, TestEnv};
use live_support::*;
use serde_json::{Value, json};

static SERVER: Shared = Shared::new(2);

/// A tmux server of its own (`-L`), so the test never touches anyone's sessions.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// `anton watch ARGS` in a 160×48 terminal; when anton exits the shell
    /// says whether the terminal settings are as before and the exit code.
    fn start(name: &str, kubeconfig: &str, args: &str) -> Tmux {
        let socket = format!("anton-watch-{}-{name}", std::process::id());
        let anton = assert_cmd::cargo::cargo_bin("anton");
        let script = format!(
            "before=$(stty -g); {} watch {args} --kubeconfig {kubeconfig}; code=$?; \
             [ \"$(stty -g)\" = \"$before\" ] && echo TERMINAL-RESTORED; echo EXIT=$code; sleep 600",
            anton.display()
        );
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-x", "160", "-y", "48", "-e", "NO_COLOR=1", "-e", "KUBECONFIG=", "sh", "-c", &script])
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket]).args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", key]);
            // One key per read: the dashboard handles each before the next arrives.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the screen satisfies `ok`; panics with the last screen.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; the screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn alternate_screen(&self) -> bool {
        self.tmux(&["display-message", "-p", "#{alternate_on}"]).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("last screen:\n{}", self.screen());
        }
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

/// The line of the screen that shows this object's name.
fn line_with<'s>(screen: &'s str, name: &str) -> &'s str {
    screen.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("no line with {name}:\n{screen}"))
}

fn ready_ks(env: &TestEnv, ns: &str, name: &str) {
    kustomization(env, ns, name, "repo", false);
    status(env, KS, Some(ns), name, json!({"observedGeneration": 1,
        "lastAppliedRevision": "main@sha1:1111111111111111111111111111111111111111",
        "conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Applied revision: main@sha1:1111")]}));
}

fn annotation(env: &TestEnv, ns: &str, name: &str, key: &str) -> Option<String> {
    object(env, KS, ns, name)["metadata"]["annotations"][key].as_str().map(str::to_owned)
}

fn wait_until(what: &str, ok: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_dashboard_follows_the_cluster_and_writes_after_confirmation() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "w-dash";
    namespace(&env, ns);
    git_repository(&env, ns, "repo", "main@sha1:1111111111111111111111111111111111111111", 600);
    ready_ks(&env, ns, "apps");
    ready_ks(&env, ns, "infra");
    pod(&env, ns, "web-1", json!({"phase": "Running", "containerStatuses": [container_status("app", 7,
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}), json!({}))]}));

    let kubeconfig = env.admin_kubeconfig().display().to_string();
    let tmux = Tmux::start("dash", &kubeconfig, &format!("-n {ns}"));
    let screen = tmux.wait_for("the first screen", |s| s.contains("● live") && s.contains("infra") && s.contains("web-1"));
    assert!(tmux.alternate_screen(), "the dashboard uses the alternate screen");
    assert!(line_with(&screen, "apps").contains("ready"), "{screen}");
    assert!(line_with(&screen, "web-1").contains("CrashLoopBackOff"), "{screen}");
    assert!(screen.contains("Flux (3 of 3)"), "{screen}");

    // A controller reports a failure: the row and the log change.
    status(&env, KS, Some(ns), "apps", json!({"conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: missing.yaml")]}));
    let screen = tmux.wait_for("apps failed", |s| s.contains("BuildFailed: kustomize build failed: missing.yaml"));
    let row = line_with(&screen, "│Kustomization");
    assert!(row.contains("apps") && row.contains("failed"), "problems first:\n{screen}");
    assert!(screen.contains("Kustomization w-dash/apps: ready → failed: BuildFailed: kustomize build failed: missing.yaml"), "{screen}");

    // `/` narrows every pane; esc clears it.
    tmux.keys(&["/", "i", "n", "f", "r", "a", "Enter"]);
    let screen = tmux.wait_for("the filter", |s| s.contains("Flux (1 of 3)"));
    assert!(screen.contains("filter: infra"), "{screen}");
    assert!(!screen.lines().any(|l| l.starts_with("│Kustomization") && l.contains(" apps ")), "apps is filtered out:\n{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", |s| s.contains("Flux (3 of 3)"));

    // r on the selected (first: failed) object asks, then annotates.
    tmux.keys(&["r"]);
    tmux.wait_for("the confirmation", |s| s.contains("Reconcile Kustomization w-dash/apps? y to confirm"));
    tmux.keys(&["y"]);
    wait_until("the reconcile request", || annotation(&env, ns, "apps", "reconcile.fluxcd.io/requestedAt").is_some());
    tmux.wait_for("the log line", |s| s.contains("► reconcile requested: Kustomization w-dash/apps"));

    // s suspends, and on a suspended object resumes; n cancels.
    tmux.keys(&["s", "n"]);
    tmux.wait_for("cancelled", |s| s.contains("cancelled"));
    assert_eq!(object(&env, KS, ns, "apps")["spec"]["suspend"], false);
    tmux.keys(&["s"]);
    tmux.wait_for("the confirmation", |s| s.contains("Suspend Kustomization w-dash/apps? y to confirm"));
    tmux.keys(&["y"]);
    wait_until("spec.suspend: true", || object(&env, KS, ns, "apps")["spec"]["suspend"] == true);
    let screen = tmux.wait_for("apps suspended", |s| line_with(s, "│Kustomization").contains("suspended"));
    assert!(screen.contains("Kustomization w-dash/apps: failed → suspended"), "{screen}");
    let requested = annotation(&env, ns, "apps", "reconcile.fluxcd.io/requestedAt");
    tmux.keys(&["s"]);
    tmux.wait_for("the confirmation", |s| s.contains("Resume Kustomization w-dash/apps? y to confirm"));
    tmux.keys(&["y"]);
    wait_until("spec.suspend: false", || object(&env, KS, ns, "apps")["spec"]["suspend"] == false);
    assert_ne!(annotation(&env, ns, "apps", "reconcile.fluxcd.io/requestedAt"), requested, "resume requests a reconciliation");

    // enter shows the object; esc goes back.
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the details", |s| s.contains("Ready=False: BuildFailed: kustomize build failed: missing.yaml"));
    assert!(screen.contains("source: GitRepository w-dash/repo"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the details closed", |s| !s.contains("source: GitRepository"));

    // A resize redraws at the new size.
    tmux.tmux(&["resize-window", "-x", "100", "-y", "30"]);
    tmux.wait_for("the smaller screen", |s| s.lines().count() == 30 && s.lines().any(|l| l.contains("Flux (3 of 3)")));

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("anton to exit", |s| s.contains("EXIT="));
    assert!(screen.contains("TERMINAL-RESTORED") && screen.contains("EXIT=0"), "{screen}");
    assert!(!tmux.alternate_screen(), "back on the normal screen");
}

/// `anton watch --events` with stdout and stderr read line by line.
struct Events {
    child: Child,
    lines: Receiver<String>,
    notes: Receiver<String>,
}

impl Events {
    fn start(kubeconfig: &str, args: &[&str]) -> Events {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("anton"))
            .args(["watch", "--events", "--kubeconfig", kubeconfig])
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("anton starts");
        let read = |pipe: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = channel();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            rx
        };
        let lines = read(Box::new(child.stdout.take().unwrap()));
        let notes = read(Box::new(child.stderr.take().unwrap()));
        Events { child, lines, notes }
    }

    fn note(&self, containing: &str) -> String {
        loop {
            let note = self.notes.recv_timeout(Duration::from_secs(120)).unwrap_or_else(|_| panic!("no note with {containing:?}"));
            if note.contains(containing) {
                return note;
            }
        }
    }

    /// The next transition, with its time checked and taken out.
    fn next(&self) -> Value {
        let line = self.lines.recv_timeout(Duration::from_secs(60)).expect("a transition line");
        let mut event: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let time = event["time"].as_str().unwrap_or_else(|| panic!("no time: {line}")).to_owned();
        let time: k8s_openapi::jiff::Timestamp = time.parse().unwrap_or_else(|e| panic!("time {time}: {e}"));
        let skew = (k8s_openapi::jiff::Timestamp::now().as_second() - time.as_second()).abs();
        assert!(skew < 60, "time is now: {line}");
        event.as_object_mut().unwrap().remove("time");
        event
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn transition(kind: &str, ns: &str, name: &str, from: Value, to: Value, message: &str) -> Value {
    json!({"kind": kind, "namespace": ns, "name": name, "from": from, "to": to, "message": message})
}

#[test]
fn events_are_one_json_object_per_transition() {
    let Some(env) = SERVER.lease() else { return };
    let ns = "w-events";
    namespace(&env, ns);
    git_repository(&env, ns, "repo", "main@sha1:1111111111111111111111111111111111111111", 600);
    ready_ks(&env, ns, "apps");

    let kubeconfig = env.admin_kubeconfig().display().to_string();
    let events = Events::start(&kubeconfig, &["-n", ns]);
    events.note("listed every stream");

    status(&env, KS, Some(ns), "apps", json!({"conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: missing.yaml")]}));
    assert_eq!(events.next(), transition("Kustomization", ns, "apps", json!("ready"), json!("failed"), "BuildFailed: kustomize build failed: missing.yaml"));

    // A new object, its first status, and its deletion.
    apply(&env, &format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: {ns}}}\nspec:\n  containers: [{{name: app, image: 'registry.example/app:1.0'}}]\n"));
    assert_eq!(events.next(), transition("Pod", ns, "web", Value::Null, json!("Pending"), ""));
    status(&env, "pod", Some(ns), "web", json!({"phase": "Running", "containerStatuses": [
        {"name": "app", "ready": true, "restartCount": 0, "image": "registry.example/app:1.0", "imageID": "", "state": {"running": {"startedAt": ago(5)}}}]}));
    assert_eq!(events.next(), transition("Pod", ns, "web", json!("Pending"), json!("Running"), ""));
    // A graceful delete marks the pod first; a forced one removes it. A pod
    // bound to no node is removed by the API server right after the mark, so
    // the forced delete may find it gone already: the events are the same.
    env.kubectl(["delete", "pod", "web", "-n", ns, "--wait=false"]).unwrap();
    assert_eq!(events.next(), transition("Pod", ns, "web", json!("Running"), json!("Terminating"), ""));
    env.kubectl(["delete", "pod", "web", "-n", ns, "--grace-period=0", "--force", "--wait=false", "--ignore-not-found"]).unwrap();
    assert_eq!(events.next(), transition("Pod", ns, "web", json!("Terminating"), Value::Null, "deleted"));

    // A change that is not a change of state prints nothing: the next line is the suspension.
    status(&env, KS, Some(ns), "apps", json!({"conditions": [condition("Ready", "False", "BuildFailed", "kustomize build failed: other.yaml")]}));
    env.kubectl(["patch", KS, "apps", "-n", ns, "--type=merge", "-p", r#"{"spec":{"suspend":true}}"#]).unwrap();
    assert_eq!(events.next(), transition("Kustomization", ns, "apps", json!("failed"), json!("suspended"), "kustomize build failed: other.yaml"));

    // A Warning event: one line about the object it involves (`to: "Warning"`,
    // `Reason: message`), never the Event itself, and no secret in it.
    let event = format!(
        "apiVersion: v1\nkind: Event\nmetadata: {{name: apps.decrypt, namespace: {ns}, annotations: {{internal: not-printed}}}}\n\
         involvedObject: {{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, namespace: {ns}, name: apps}}\n\
         type: Warning\nreason: DecryptionFailed\ncount: 3\nfirstTimestamp: '{}'\nlastTimestamp: '{}'\n\
         source: {{component: kustomize-controller}}\nmessage: 'age decryption failed with {AGE_KEY}'\n",
        ago(600),
        ago(0)
    );
    apply(&env, &event);
    let line = events.next();
    assert_eq!(
        line,
        transition("Kustomization", ns, "apps", Value::Null, json!("Warning"), "DecryptionFailed: age decryption failed with <redacted> (×3)"),
    );
    // A Normal event is not a line: the next one is the second warning.
    let normal = event.replace("apps.decrypt", "apps.normal").replace("type: Warning", "type: Normal");
    apply(&env, &normal);
    apply(&env, &event.replace("apps.decrypt", "web.pull").replace("apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization", "apiVersion: v1, kind: Pod").replace("name: apps}", "name: web}"));
    assert_eq!(line_about(&events.next()), ("Pod".to_owned(), "web".to_owned(), "Warning".to_owned()));
}

/// A made-up age key, written in two halves so that `anton validate` of this
/// repository does not find a committed key in this file.
const AGE_KEY: &str = concat!("AGE-SECRET-", "KEY-1QPLANTEDQQQSYQCYQ5RQQQSYQCYQ5RQQQSYQCYQ5RQQQSYQCYQ5RQ");

fn line_about(line: &Value) -> (String, String, String) {
    let text = |field: &str| line[field].as_str().unwrap_or_default().to_owned();
    (text("kind"), text("name"), text("to"))
}

/// Its own API server: this test stops it and starts it again.
#[test]
fn watch_survives_the_api_server_going_away_and_coming_back() {
    if !anton_testenv::needs::live_cluster() {
        return;
    }
    let mut env = TestEnv::start().unwrap_or_else(|e| panic!("starting the test environment: {e:#}"));
    let ns = "w-restart";
    namespace(&env, ns);
    git_repository(&env, ns, "repo", "main@sha1:1111111111111111111111111111111111111111", 600);
    ready_ks(&env, ns, "apps");
    ready_ks(&env, ns, "infra");

    let relay = Relay::start(env.server_address()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("relay.kubeconfig");
    env.relay_kubeconfig(&relay, &kubeconfig).unwrap();
    let kubeconfig = kubeconfig.display().to_string();

    let tmux = Tmux::start("restart", &kubeconfig, &format!("-n {ns}"));
    tmux.wait_for("the first screen", |s| s.contains("● live") && s.contains("infra"));
    let events = Events::start(&kubeconfig, &["-n", ns]);
    events.note("listed every stream");

    env.stop_server().unwrap();
    let screen = tmux.wait_for("reconnecting", |s| s.contains("⟳ reconnecting…"));
    assert!(!screen.contains("● live"), "{screen}");
    let note = events.note("reconnecting…");
    assert!(note.starts_with("anton watch: lost the API server ("), "{note}");

    // While it is down, nothing can change; once it is back, it does.
    env.start_again().unwrap();
    relay.set_upstream(env.server_address());
    tmux.wait_for("live again", |s| s.contains("● live"));
    events.note("reconnected");
    status(&env, KS, Some(ns), "infra", json!({"conditions": [condition("Ready", "False", "HealthCheckFailed", "timeout waiting for Deployment/w-restart/web")]}));
    let screen = tmux.wait_for("infra failed", |s| s.contains("HealthCheckFailed: timeout waiting"));
    assert!(screen.contains("Kustomization w-restart/infra: ready → failed"), "{screen}");
    assert_eq!(
        events.next(),
        transition("Kustomization", ns, "infra", json!("ready"), json!("failed"), "HealthCheckFailed: timeout waiting for Deployment/w-restart/web")
    );
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("anton to exit", |s| s.contains("EXIT="));
    assert!(screen.contains("TERMINAL-RESTORED") && screen.contains("EXIT=0"), "{screen}");
}
