//! A real Kubernetes control plane for anton's live-cluster tests.
//!
//! [`TestEnv::start`] runs the `anton-testenv` harness from `testharness/`:
//! one process with embedded etcd and the upstream kube-apiserver, no
//! controller-manager and no scheduler. It has the Flux, Rook-Ceph, External
//! Secrets, cert-manager and Prometheus Operator CRDs installed, and two users:
//! `admin` (system:masters) and `viewer` (bound to the built-in `view` role,
//! so writes get real RBAC 403s).
//!
//! ```no_run
//! use anton_testenv::{TestEnv, User};
//!
//! let Some(env) = TestEnv::shared() else { return }; // ANTON_TESTENV_SKIP=1
//! env.create_namespace("my-test").unwrap();
//! env.apply_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: my-test}\n").unwrap();
//! let out = env.kubectl_output(User::Viewer, ["delete", "configmap", "c", "-n", "my-test"]).unwrap();
//! assert!(String::from_utf8_lossy(&out.stderr).contains("forbidden"));
//! ```
//!
//! Because no controllers run, nothing reconciles: Deployments get no
//! ReplicaSets, namespaces never finish terminating, and status is whatever
//! a test writes through the status subresource ([`TestEnv::set_status`]).
//! Use a fresh namespace per test instead of deleting things.
//!
//! The harness binary is built by `testharness/build.sh` on first use (this
//! needs Go and the Go module proxy and takes minutes the first time; the
//! result is cached under `~/.cache/anton/testenv`).
//!
//! Whether a test may skip when the harness, the shared corpora or kubectl
//! is missing is decided in one place, [`needs`]: never in CI (`CI=true`),
//! and never silently elsewhere.
//!
//! Environment variables:
//! - `ANTON_TESTENV_SKIP=1`: [`TestEnv::start_or_skip`] and
//!   [`TestEnv::shared`] return `None` (the skip is reported; in CI the
//!   test fails instead, see [`needs`]).
//! - `ANTON_TESTENV_BIN`: use this harness binary instead of running build.sh.
//! - `ANTON_TESTENV_KUBECTL`: kubectl to run (default: the harness's own,
//!   version-matched kubectl).
//! - `ANTON_TESTENV_START_TIMEOUT`: seconds to wait for startup (default 180).
//! - `ANTON_TESTENV_KEEP=1`: keep the environment's directory after drop.
//! - `ANTON_TESTENV_CACHE`, `GO`: passed through to build.sh.
//! - `ANTON_SHARED_DIR`: where `shared/` (corpora, upstream CRDs) is, for [`shared_crds`] and [`needs::corpora`].
//!
//! [`TestEnv::start_with`] installs real CRDs ([`Options::extra_crds`], e.g.
//! Rook and VolSync from [`shared_crds`]) in place of the stand-ins, and runs
//! a [`StandInKubelet`] behind the API server's node proxy.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

pub mod needs;
mod pre_commit;

/// Which of the two built-in users a kubectl call authenticates as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    /// `admin`, in group `system:masters`.
    Admin,
    /// `viewer`, bound to the built-in `view` ClusterRole only.
    Viewer,
}

impl User {
    /// The kubeconfig context (and user) name.
    pub fn context(self) -> &'static str {
        match self {
            User::Admin => "admin",
            User::Viewer => "viewer",
        }
    }
}

/// What to start besides the default server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Folders of real CustomResourceDefinitions to install instead of the
    /// harness's stand-ins (e.g. `shared_crds("rook")`).
    pub extra_crds: Vec<PathBuf>,
    /// Run a stand-in kubelet the API server's node proxy can reach (see
    /// [`StandInKubelet`]); needs root for its network namespace.
    pub kubelet: bool,
}

/// A small HTTPS server that answers `GET /stats/summary` with recorded
/// JSON, in a network namespace the harness created for this run (the API
/// server refuses to proxy to loopback). It listens on several ports; each
/// Node a test creates with [`TestEnv::add_kubelet_node`] gets its own port
/// and so its own statistics.
#[derive(Debug)]
pub struct StandInKubelet {
    /// The kubelet's address (inside the namespace): what a Node's InternalIP says.
    pub address: String,
    pub ports: Vec<u16>,
    stats_dir: PathBuf,
    next_port: std::sync::atomic::AtomicUsize,
}

impl StandInKubelet {
    /// Replaces what the kubelet on `port` answers to `GET /stats/summary`.
    pub fn set_stats(&self, port: u16, summary: &serde_json::Value) -> Result<()> {
        let path = self.stats_dir.join(format!("{port}.json"));
        let tmp = path.with_extension("tmp");
        fs::write(&tmp, serde_json::to_vec(summary)?).with_context(|| format!("writing {}", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
    }

    fn take_port(&self) -> Result<u16> {
        let index = self.next_port.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.ports
            .get(index)
            .copied()
            .ok_or_else(|| anyhow!("the stand-in kubelet has only {} ports, all in use", self.ports.len()))
    }
}

/// A folder of `../shared/crds` (upstream CRDs kept next to the repository,
/// absent on a user's machine), found as [`needs::shared_dir`] finds
/// `shared/`. `None` when there is none; callers skip ([`needs::skip`]).
pub fn shared_crds(name: &str) -> Option<PathBuf> {
    let dir = needs::shared_dir().join("crds").join(name);
    dir.is_dir().then_some(dir)
}

/// A running kube-apiserver + etcd. Dropping it stops the server and removes
/// its temporary directory.
pub struct TestEnv {
    child: Option<Child>,
    // Held open: the harness runs with --exit-on-stdin-close, so if this
    // process dies without running Drop the server still goes away.
    stdin: Option<ChildStdin>,
    dir: Option<tempfile::TempDir>,
    dir_path: PathBuf,
    server_url: String,
    kubectl: PathBuf,
    kubelet: std::result::Result<StandInKubelet, String>,
    /// The harness and its arguments, to start it again ([`TestEnv::start_again`]).
    command: (PathBuf, Vec<std::ffi::OsString>),
}

impl std::fmt::Debug for TestEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestEnv")
            .field("server_url", &self.server_url)
            .field("dir", &self.dir_path)
            .finish_non_exhaustive()
    }
}

impl TestEnv {
    /// Builds the harness if needed, starts it in a fresh temporary directory
    /// and waits until it has written its `ready` marker.
    pub fn start() -> Result<TestEnv> {
        TestEnv::launch(false, &Options::default())
    }

    /// [`TestEnv::start`] with real CRDs and/or a stand-in kubelet.
    pub fn start_with(options: &Options) -> Result<TestEnv> {
        TestEnv::launch(false, options)
    }

    /// One environment shared by every test in this process, started on
    /// first use; `None` when `ANTON_TESTENV_SKIP=1` (reported, and a
    /// failure in CI: [`needs::live_cluster`]). Startup costs several
    /// seconds and the server several hundred MB, so prefer this and give
    /// each test its own namespace. The server stops, and deletes its
    /// directory, when this process exits. Panics if startup fails.
    pub fn shared() -> Option<&'static TestEnv> {
        // Asked on every call, so that every skipped test reports its skip.
        if !needs::live_cluster() {
            return None;
        }
        // The outcome, failure included, is decided once: later tests fail
        // fast with the same error instead of retrying a slow startup.
        static SHARED: OnceLock<std::result::Result<TestEnv, String>> = OnceLock::new();
        match SHARED.get_or_init(|| TestEnv::launch(!keep_requested(), &Options::default()).map_err(|e| format!("{e:#}"))) {
            Ok(env) => Some(env),
            Err(err) => panic!("starting the Kubernetes test environment failed: {err}"),
        }
    }

    fn launch(remove_dir_on_exit: bool, options: &Options) -> Result<TestEnv> {
        let bin = harness_binary()?;
        let kubectl = match std::env::var_os("ANTON_TESTENV_KUBECTL") {
            Some(k) if !k.is_empty() => PathBuf::from(k),
            _ => bin.with_file_name("kubectl"),
        };
        let timeout = std::env::var("ANTON_TESTENV_START_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(180));

        let dir = tempfile::Builder::new()
            .prefix("anton-testenv-")
            .tempdir()
            .context("creating a temporary directory for the test environment")?;
        let dir_path = dir.path().to_path_buf();
        let log_path = dir_path.join("server.log");
        let log = fs::File::create(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))?;
        let log_err = log.try_clone()?;

        let mut args: Vec<std::ffi::OsString> = vec!["--dir".into(), dir_path.clone().into(), "--exit-on-stdin-close".into()];
        if remove_dir_on_exit {
            // For the shared environment, whose Drop never runs.
            args.push("--remove-dir-on-exit".into());
        }
        for dir in &options.extra_crds {
            args.extend(["--extra-crds".into(), dir.clone().into()]);
        }
        if options.kubelet {
            args.push("--kubelet".into());
        }
        let mut child = Command::new(&bin)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdin = child.stdin.take();

        let mut env = TestEnv {
            child: Some(child),
            stdin,
            dir: Some(dir),
            dir_path,
            server_url: String::new(),
            kubectl,
            kubelet: Err("not requested (Options::kubelet)".to_owned()),
            command: (bin.clone(), args),
        };
        let ready = env.wait_ready(timeout)?;
        env.server_url = ready["server"]
            .as_str()
            .ok_or_else(|| anyhow!("{} has no server URL", env.dir_path.join("ready").display()))?
            .to_owned();
        if options.kubelet {
            env.kubelet = match (&ready["kubelet"], ready["kubeletError"].as_str()) {
                (serde_json::Value::Object(info), _) => Ok(StandInKubelet {
                    address: info.get("address").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                    ports: info
                        .get("ports")
                        .and_then(|v| v.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_u64().and_then(|p| u16::try_from(p).ok()))
                        .collect(),
                    stats_dir: PathBuf::from(info.get("statsDir").and_then(|v| v.as_str()).unwrap_or_default()),
                    next_port: std::sync::atomic::AtomicUsize::new(0),
                }),
                (_, Some(error)) => Err(error.to_owned()),
                _ => Err("the harness did not start one (is it older than the --kubelet flag?)".to_owned()),
            };
        }
        Ok(env)
    }

    /// Like [`TestEnv::start`], but returns `None` when `ANTON_TESTENV_SKIP=1`
    /// (for machines without Go; reported, and a failure in CI:
    /// [`needs::live_cluster`]). Panics with the full error if startup fails:
    /// by default, live-cluster tests must really run.
    pub fn start_or_skip() -> Option<TestEnv> {
        if !needs::live_cluster() {
            return None;
        }
        match TestEnv::start() {
            Ok(env) => Some(env),
            Err(err) => panic!("starting the Kubernetes test environment failed: {err:#}"),
        }
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<serde_json::Value> {
        let ready = self.dir_path.join("ready");
        let started = Instant::now();
        loop {
            // The harness writes `ready` atomically, as its last step.
            if let Ok(text) = fs::read_to_string(&ready) {
                let info: serde_json::Value = serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", ready.display()))?;
                return Ok(info);
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "anton-testenv exited during startup ({status}); last server output:\n{}",
                    self.log_tail(60)
                );
            }
            if started.elapsed() > timeout {
                bail!(
                    "anton-testenv was not ready after {}s; last server output:\n{}",
                    timeout.as_secs(),
                    self.log_tail(60)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kubeconfig with contexts `admin` (current) and `viewer`.
    pub fn kubeconfig_path(&self) -> PathBuf {
        self.dir_path.join("kubeconfig")
    }

    /// Kubeconfig with only the `admin` context.
    pub fn admin_kubeconfig(&self) -> PathBuf {
        self.dir_path.join("admin.kubeconfig")
    }

    /// Kubeconfig with only the `viewer` context.
    pub fn viewer_kubeconfig(&self) -> PathBuf {
        self.dir_path.join("viewer.kubeconfig")
    }

    /// The kubeconfig for one user.
    pub fn kubeconfig_for(&self, user: User) -> PathBuf {
        match user {
            User::Admin => self.admin_kubeconfig(),
            User::Viewer => self.viewer_kubeconfig(),
        }
    }

    /// `https://127.0.0.1:<port>`.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The environment's directory (kubeconfigs, `pki/`, `server.log`).
    pub fn dir(&self) -> &Path {
        &self.dir_path
    }

    /// The kubectl the helpers run (version-matched to the server unless
    /// `ANTON_TESTENV_KUBECTL` says otherwise).
    pub fn kubectl_path(&self) -> &Path {
        &self.kubectl
    }

    /// A kubectl command for `user`, with `--kubeconfig` already set. Use it
    /// when a test wants to inspect a failure (exit status, stderr).
    pub fn kubectl_command(&self, user: User) -> Command {
        let mut cmd = Command::new(&self.kubectl);
        cmd.arg("--kubeconfig").arg(self.kubeconfig_for(user));
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs kubectl as `admin`; fails (with kubectl's stderr) unless it
    /// exits successfully. Returns stdout.
    pub fn kubectl<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.kubectl_as(User::Admin, args)
    }

    /// Runs kubectl as `user`; fails (with kubectl's stderr) unless it exits
    /// successfully. Returns stdout.
    pub fn kubectl_as<I, S>(&self, user: User, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.kubectl_command(user);
        cmd.args(args);
        checked_output(cmd, None)
    }

    /// Runs kubectl as `user` and returns its raw output whatever the exit
    /// status, e.g. to assert on a 403.
    pub fn kubectl_output<I, S>(&self, user: User, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.kubectl_command(user);
        cmd.args(args);
        cmd.output()
            .with_context(|| format!("running {}", self.kubectl.display()))
    }

    /// `kubectl apply -f -` as `admin` with the given (multi-document) YAML.
    pub fn apply_yaml(&self, yaml: &str) -> Result<String> {
        let mut cmd = self.kubectl_command(User::Admin);
        cmd.args(["apply", "-f", "-"]);
        checked_output(cmd, Some(yaml.as_bytes()))
    }

    /// Creates a namespace (the harness only has default, kube-system,
    /// kube-public and kube-node-lease).
    pub fn create_namespace(&self, name: &str) -> Result<()> {
        self.kubectl(["create", "namespace", name]).map(drop)
    }

    /// Replaces fields of an object's status through the status subresource
    /// (a JSON merge patch of `{"status": status}`), as a controller would.
    ///
    /// `resource` is anything kubectl accepts, e.g. `deployment`,
    /// `kustomizations.kustomize.toolkit.fluxcd.io` or `cephcluster`.
    pub fn set_status(
        &self,
        resource: &str,
        namespace: Option<&str>,
        name: &str,
        status: &serde_json::Value,
    ) -> Result<()> {
        let patch = serde_json::json!({ "status": status }).to_string();
        let mut args = vec!["patch", resource, name];
        if let Some(ns) = namespace {
            args.extend(["--namespace", ns]);
        }
        args.extend(["--subresource=status", "--type=merge", "--patch", &patch]);
        self.kubectl(args).map(drop)
    }

    /// The stand-in kubelet, or why there is none (not requested, or no
    /// privileges for a network namespace).
    pub fn stand_in_kubelet(&self) -> std::result::Result<&StandInKubelet, &str> {
        self.kubelet.as_ref().map_err(String::as_str)
    }

    /// Creates Node `name` served by the stand-in kubelet on a port of its
    /// own (InternalIP, `daemonEndpoints.kubeletEndpoint.Port`, Ready), whose
    /// `stats/summary` is `summary`. Returns the port, for
    /// [`StandInKubelet::set_stats`].
    pub fn add_kubelet_node(&self, name: &str, summary: &serde_json::Value) -> Result<u16> {
        let kubelet = self.stand_in_kubelet().map_err(|e| anyhow!("no stand-in kubelet: {e}"))?;
        let port = kubelet.take_port()?;
        kubelet.set_stats(port, summary)?;
        self.apply_yaml(&format!("apiVersion: v1\nkind: Node\nmetadata: {{name: {name}}}\n"))?;
        let now = "2026-01-01T00:00:00Z";
        self.set_status(
            "node",
            None,
            name,
            &serde_json::json!({
                "addresses": [{"type": "InternalIP", "address": kubelet.address}, {"type": "Hostname", "address": name}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "stand-in kubelet",
                                "lastHeartbeatTime": now, "lastTransitionTime": now}],
            }),
        )?;
        Ok(port)
    }

    /// The last `lines` lines of the server's combined output.
    pub fn log_tail(&self, lines: usize) -> String {
        tail_file(&self.dir_path.join("server.log"), lines)
    }

    /// Stops the server and waits for it to exit (also done on drop).
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    /// Stops the server but keeps its directory, for [`TestEnv::start_again`]:
    /// the API server is gone, as when a control-plane node reboots.
    pub fn stop_server(&mut self) -> Result<()> {
        self.shutdown()
    }

    /// Starts the harness again on the same directory after
    /// [`TestEnv::stop_server`]. etcd keeps its data, so every object and its
    /// resourceVersion is still there; the harness writes new certificates,
    /// tokens and kubeconfigs and listens on a new port, so a client that
    /// must reconnect goes through a [`Relay`] and authenticates with
    /// [`TestEnv::relay_kubeconfig`].
    pub fn start_again(&mut self) -> Result<()> {
        if self.child.is_some() {
            bail!("the test environment is still running; stop_server first");
        }
        let log_path = self.dir_path.join("server.log");
        let log = fs::OpenOptions::new().append(true).open(&log_path).with_context(|| format!("opening {}", log_path.display()))?;
        let log_err = log.try_clone()?;
        // The harness removes it too, but only once it runs: not a moment for wait_ready to read the old one.
        let _ = fs::remove_file(self.dir_path.join("ready"));
        let (bin, args) = &self.command;
        let mut child = Command::new(bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        self.stdin = child.stdin.take();
        self.child = Some(child);
        let timeout = std::env::var("ANTON_TESTENV_START_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(180));
        let ready = self.wait_ready(timeout)?;
        self.server_url = ready["server"].as_str().ok_or_else(|| anyhow!("`ready` has no server URL"))?.to_owned();
        Ok(())
    }

    /// `127.0.0.1:<port>` of the running server.
    pub fn server_address(&self) -> &str {
        self.server_url.trim_start_matches("https://")
    }

    /// A kubeconfig for `admin` through `relay` that survives
    /// [`TestEnv::start_again`]: the server's certificate is not checked (it
    /// changes) and the token is read from the harness's current token file
    /// by an exec credential plugin on every request.
    pub fn relay_kubeconfig(&self, relay: &Relay, path: &Path) -> Result<()> {
        let tokens = self.dir_path.join("pki").join("tokens.csv");
        let script = format!(
            "printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"%s\",\"expirationTimestamp\":\"%s\"}}}}' \"$(head -n1 '{}' | cut -d, -f1)\" \"$(date -u -d @$(($(date +%s) + 5)) +%Y-%m-%dT%H:%M:%SZ)\"",
            tokens.display()
        );
        let config = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "relay", "cluster": {"server": format!("https://127.0.0.1:{}", relay.port()), "insecure-skip-tls-verify": true}}],
            "users": [{"name": "admin", "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1", "command": "sh", "args": ["-c", script], "interactiveMode": "Never"}}}],
            "contexts": [{"name": "relay", "context": {"cluster": "relay", "user": "admin"}}],
            "current-context": "relay",
        });
        fs::write(path, serde_json::to_string_pretty(&config)?).with_context(|| format!("writing {}", path.display()))
    }

    fn shutdown(&mut self) -> Result<()> {
        // Closing stdin is the harness's shutdown signal, handled exactly
        // like SIGTERM: graceful apiserver shutdown, then etcd.
        drop(self.stdin.take());
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait()? {
                if !status.success() {
                    bail!("anton-testenv exited with {status}");
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("anton-testenv did not stop within 30s; killed it");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let failed = std::thread::panicking();
        if failed {
            eprintln!(
                "anton-testenv: test failed; last server output:\n{}",
                self.log_tail(40)
            );
        }
        if let Err(err) = self.shutdown() {
            eprintln!("anton-testenv: {err:#}");
        }
        if keep_requested()
            && let Some(dir) = self.dir.take()
        {
            eprintln!("anton-testenv: keeping {}", dir.keep().display());
        }
    }
}

fn keep_requested() -> bool {
    std::env::var_os("ANTON_TESTENV_KEEP").is_some_and(|v| v == "1")
}

fn checked_output(mut cmd: Command, stdin: Option<&[u8]>) -> Result<String> {
    let program = format!("{cmd:?}");
    let output = if let Some(input) = stdin {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().with_context(|| format!("running {program}"))?;
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // Write from another thread so a large input cannot deadlock
        // against kubectl filling its stdout pipe.
        let input = input.to_vec();
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let output = child.wait_with_output()?;
        writer
            .join()
            .map_err(|_| anyhow!("stdin writer panicked"))?
            .with_context(|| format!("writing stdin of {program}"))?;
        output
    } else {
        cmd.output().with_context(|| format!("running {program}"))?
    };
    if !output.status.success() {
        bail!(
            "{program} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
    }
    String::from_utf8(output.stdout).context("kubectl printed non-UTF-8 output")
}

fn tail_file(path: &Path, lines: usize) -> String {
    let Ok(mut f) = fs::File::open(path) else {
        return format!("(no {})", path.display());
    };
    // The apiserver is chatty; only look at the end of the file.
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(256 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The repository's `testharness/` directory.
pub fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testharness")
}

/// Path of the harness binary: `ANTON_TESTENV_BIN`, or whatever
/// `testharness/build.sh` prints (it builds only when its cache is missing).
/// Runs build.sh at most once per process.
pub fn harness_binary() -> Result<PathBuf> {
    static BIN: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| locate_or_build().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow!(e))
}

fn locate_or_build() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("ANTON_TESTENV_BIN").filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            bail!("ANTON_TESTENV_BIN={} does not exist", bin.display());
        }
        return Ok(bin);
    }
    let script = harness_dir().join("build.sh");
    // Progress (and, the first time, a long Go build) goes to our stderr;
    // the binary path is the last line of stdout.
    let output = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "{} failed ({}); it needs Go and the Go module proxy. \
             Set ANTON_TESTENV_SKIP=1 to skip live-cluster tests (not in CI).",
            script.display(),
            output.status
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| anyhow!("{} printed no binary path", script.display()))?;
    let bin = PathBuf::from(last.trim());
    if !bin.is_file() {
        bail!(
            "{} printed {}, which does not exist",
            script.display(),
            bin.display()
        );
    }
    Ok(bin)
}

/// A TCP relay on a port that stays the same while the server behind it
/// stops and starts again on another port ([`TestEnv::start_again`]): what
/// a client sees when the control plane of a real cluster reboots. While
/// the server is down, connections are accepted and closed at once.
pub struct Relay {
    port: u16,
    upstream: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Relay {
    /// Relays `127.0.0.1:<new port>` to `upstream` (`127.0.0.1:6443`).
    pub fn start(upstream: &str) -> Result<Relay> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding the relay")?;
        let port = listener.local_addr()?.port();
        let target = std::sync::Arc::new(std::sync::Mutex::new(upstream.to_owned()));
        let shared = target.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let address = shared.lock().map(|a| a.clone()).unwrap_or_default();
                std::thread::spawn(move || relay_connection(client, &address));
            }
        });
        Ok(Relay { port, upstream: target })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where new connections go from now on.
    pub fn set_upstream(&self, upstream: &str) {
        if let Ok(mut target) = self.upstream.lock() {
            *target = upstream.to_owned();
        }
    }
}

fn relay_connection(client: std::net::TcpStream, address: &str) {
    let Ok(server) = std::net::TcpStream::connect(address) else {
        let _ = client.shutdown(std::net::Shutdown::Both);
        return;
    };
    let (Ok(client_read), Ok(server_write)) = (client.try_clone(), server.try_clone()) else { return };
    let pump = |mut from: std::net::TcpStream, mut to: std::net::TcpStream| {
        let _ = std::io::copy(&mut from, &mut to);
        // One side ended: end both, as a server that went away does.
        let _ = to.shutdown(std::net::Shutdown::Both);
        let _ = from.shutdown(std::net::Shutdown::Both);
    };
    let upstream = std::thread::spawn(move || pump(client_read, server_write));
    pump(server, client);
    let _ = upstream.join();
}
