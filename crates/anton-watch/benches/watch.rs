//! `anton watch` benchmark (not a timed test): the real test API server
//! loaded with 200 Flux objects and 2,000 pods (20 of them crash-looping),
//! then, for the dashboard (in a 160×48 tmux) and for `--events`:
//!
//! - time to first screen: from starting the process to a screen that shows
//!   "● live" and every pod (dashboard), or to the "listed every stream" note
//!   (`--events`);
//! - idle CPU: user + system time over 10 s with nothing changing
//!   (`/proc/<pid>/stat`), in percent of one core;
//! - peak memory: `VmHWM` of `/proc/<pid>/status` at the end.
//!
//! Run it with `bench/watch.sh` (builds the release `anton` first), or:
//!
//! ```sh
//! cargo build --release -p anton-cli
//! ANTON_BIN=target/release/anton cargo bench -p anton-watch --bench watch
//! ```
//!
//! Environment: `ANTON_BIN` (default `target/release/anton`),
//! `ANTON_WATCH_BENCH_PODS` (default 2000), `ANTON_WATCH_BENCH_IDLE` (seconds, default 10),
//! `ANTON_WATCH_BENCH_OUT` (also write the Markdown table there).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anton_testenv::TestEnv;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use kube::{Client, Config};
use serde_json::json;

const NAMESPACES: usize = 20;
/// 20 GitRepositories, 10 HelmRepositories, 90 Kustomizations, 80 HelmReleases.
const FLUX: [(&str, &str, &str, usize); 4] = [
    ("source.toolkit.fluxcd.io", "v1", "GitRepository", 20),
    ("source.toolkit.fluxcd.io", "v1", "HelmRepository", 10),
    ("kustomize.toolkit.fluxcd.io", "v1", "Kustomization", 90),
    ("helm.toolkit.fluxcd.io", "v2", "HelmRelease", 80),
];
/// Every this many pods, one crash-loops (so the pods pane has rows).
const CRASHING_EVERY: usize = 100;

fn main() {
    let pods: usize = env_number("ANTON_WATCH_BENCH_PODS", 2000);
    let idle = Duration::from_secs(env_number("ANTON_WATCH_BENCH_IDLE", 10) as u64);
    let anton = std::env::var_os("ANTON_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/anton"));
    assert!(anton.is_file(), "no anton binary at {} (build it: cargo build --release -p anton-cli)", anton.display());

    eprintln!("starting the test API server…");
    let env = TestEnv::start().expect("start the test API server");
    let kubeconfig = env.admin_kubeconfig();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let loaded = Instant::now();
    runtime.block_on(load(&kubeconfig, pods));
    eprintln!("loaded 200 Flux objects and {pods} pods in {:.1}s", loaded.elapsed().as_secs_f64());

    // Warm the server's watch cache and the page cache of the binary once.
    let _ = Command::new(&anton).args(["flux", "status", "--json", "--kubeconfig"]).arg(&kubeconfig).output();

    let dashboard = measure_dashboard(&anton, &kubeconfig, pods, idle);
    let events = measure_events(&anton, &kubeconfig, idle);
    let table = format!(
        "# bench/watch.sh results\n\n\
         `anton watch` against the test API server (testharness/) with 200 Flux objects (20 GitRepositories,\n\
         10 HelmRepositories, 90 Kustomizations, 80 HelmReleases) and {pods} pods in {NAMESPACES} namespaces\n\
         ({} crash-looping). One run each; idle CPU over {}s with nothing changing.\n\n\
         | mode | first screen | idle CPU | peak memory (VmHWM) |\n\
         |---|---:|---:|---:|\n{}\n{}\n",
        pods / CRASHING_EVERY,
        idle.as_secs(),
        dashboard.row("dashboard (tmux 160×48)"),
        events.row("--events"),
    );
    println!("{table}");
    if let Some(out) = std::env::var_os("ANTON_WATCH_BENCH_OUT") {
        std::fs::write(&out, &table).expect("write the results");
        eprintln!("wrote {}", PathBuf::from(out).display());
    }
    env.stop().expect("stop the test API server");
}

struct Measured {
    first_screen: Duration,
    idle_cpu_percent: f64,
    peak_kib: u64,
}

impl Measured {
    fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {:.0} ms | {:.2}% | {:.1} MB |",
            self.first_screen.as_secs_f64() * 1000.0,
            self.idle_cpu_percent,
            self.peak_kib as f64 / 1024.0
        )
    }
}

fn measure_dashboard(anton: &Path, kubeconfig: &Path, pods: usize, idle: Duration) -> Measured {
    let socket = format!("anton-watch-bench-{}", std::process::id());
    let tmux = |args: &[&str]| -> String {
        let out = Command::new("tmux").args(["-L", &socket]).args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let command = format!("exec {} watch --kubeconfig {}", anton.display(), kubeconfig.display());
    let started = Instant::now();
    tmux(&["new-session", "-d", "-x", "160", "-y", "48", "-e", "NO_COLOR=1", "sh", "-c", &command]);
    let everything = format!("pods {pods},");
    let first_screen = loop {
        let screen = tmux(&["capture-pane", "-p"]);
        if screen.contains("● live") && screen.contains(&everything) {
            break started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no first screen after 120s:\n{screen}");
        std::thread::sleep(Duration::from_millis(5));
    };
    let pid: u32 = tmux(&["display-message", "-p", "#{pane_pid}"]).trim().parse().expect("the pane's pid");
    let measured = idle_and_peak(pid, first_screen, idle);
    tmux(&["send-keys", "q"]);
    std::thread::sleep(Duration::from_millis(300));
    tmux(&["kill-server"]);
    measured
}

fn measure_events(anton: &Path, kubeconfig: &Path, idle: Duration) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(anton)
        .args(["watch", "--events", "--kubeconfig"])
        .arg(kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run anton");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first_screen = loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("listed every stream") => break started.elapsed(),
            Some(_) => {}
            None => panic!("anton watch --events ended before listing"),
        }
    };
    let measured = idle_and_peak(child.id(), first_screen, idle);
    let _ = child.kill();
    let _ = child.wait();
    measured
}

fn idle_and_peak(pid: u32, first_screen: Duration, idle: Duration) -> Measured {
    // Let the first draw and any queued updates settle.
    std::thread::sleep(Duration::from_secs(1));
    let before = cpu_ticks(pid);
    std::thread::sleep(idle);
    let after = cpu_ticks(pid);
    // SAFETY: sysconf has no preconditions.
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let idle_cpu_percent = (after - before) as f64 / ticks_per_second / idle.as_secs_f64() * 100.0;
    Measured { first_screen, idle_cpu_percent, peak_kib: peak_kib(pid) }
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // The command name may hold spaces; fields after ')' are space-separated.
    let after_name = &stat[stat.rfind(')').expect("stat has a name") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // Fields 14 and 15 of stat are utime and stime; after the name they are at 11 and 12.
    fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0)
}

fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn load(kubeconfig: &Path, pods: usize) {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let config = Config::from_custom_kubeconfig(kc, &Default::default()).await.unwrap();
    let client = Client::try_from(config).unwrap();
    let now = k8s_openapi::jiff::Timestamp::now().to_string();

    let namespaces: Api<Namespace> = Api::all(client.clone());
    for name in (0..NAMESPACES).map(|i| format!("app-{i:02}")).chain(["flux-system".to_owned()]) {
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        namespaces.create(&PostParams::default(), &ns).await.unwrap();
    }

    for (group, version, kind, count) in FLUX {
        let resource = ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: format!("{group}/{version}"),
            kind: kind.into(),
            plural: format!("{}s", kind.to_lowercase()).replace("repositorys", "repositories"),
        };
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "flux-system", &resource);
        for i in 0..count {
            let name = format!("{}-{i:02}", kind.to_lowercase());
            let spec = match kind {
                "GitRepository" => json!({"interval": "1m", "url": "https://example.invalid/repo.git", "ref": {"branch": "main"}}),
                "HelmRepository" => json!({"interval": "1h", "url": "https://charts.example.invalid"}),
                "Kustomization" => json!({"interval": "10m", "path": format!("./apps/{i}"), "prune": true,
                                          "sourceRef": {"kind": "GitRepository", "name": format!("gitrepository-{:02}", i % 20)}}),
                _ => json!({"interval": "30m", "chart": {"spec": {"chart": format!("chart-{i}"), "version": "1.0.0",
                            "sourceRef": {"kind": "HelmRepository", "name": format!("helmrepository-{:02}", i % 10)}}}}),
            };
            let object: DynamicObject = serde_json::from_value(json!({
                "apiVersion": resource.api_version, "kind": kind,
                "metadata": {"name": name, "namespace": "flux-system"}, "spec": spec,
            }))
            .unwrap();
            api.create(&PostParams::default(), &object).await.unwrap();
            let revision = "main@sha1:2222222222222222222222222222222222222222";
            let status = json!({"status": {
                "observedGeneration": 1,
                "lastAppliedRevision": revision,
                "artifact": {"revision": revision, "path": "x", "url": "http://x", "digest": "sha256:00", "lastUpdateTime": now},
                "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": format!("Applied revision: {revision}"),
                                "lastTransitionTime": now, "observedGeneration": 1}],
            }});
            api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await.unwrap();
        }
    }

    futures::stream::iter(0..pods)
        .map(|i| {
            let client = client.clone();
            let now = now.clone();
            async move {
                let ns = format!("app-{:02}", i % NAMESPACES);
                let name = format!("app-{:04}-7d9f8c6b5-x{i:04}", i / 2);
                let api: Api<Pod> = Api::namespaced(client, &ns);
                api.create(&PostParams::default(), &pod(&name, i)).await.unwrap();
                let (ready, state) = if i % CRASHING_EVERY == 0 {
                    (false, json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}))
                } else {
                    (true, json!({"running": {"startedAt": now}}))
                };
                let status = json!({"status": {
                    "phase": "Running", "hostIP": "192.168.1.98", "podIP": format!("10.244.{}.{}", i / 250, i % 250), "startTime": now,
                    "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }, "lastTransitionTime": now},
                                   {"type": "PodScheduled", "status": "True", "lastTransitionTime": now}],
                    "containerStatuses": [{"name": "app", "image": "ghcr.io/example/app:1.2.3", "imageID": "ghcr.io/example/app@sha256:00",
                        "containerID": "containerd://00", "ready": ready, "started": ready, "restartCount": if ready { 0 } else { 12 },
                        "state": state}],
                }});
                api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await.unwrap();
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
}

/// A pod about the size of a typical app pod (labels, owner, resources, probes, env, mounts).
fn pod(name: &str, i: usize) -> Pod {
    serde_json::from_value(json!({
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/name": format!("app-{}", i / 2), "app.kubernetes.io/instance": format!("app-{}", i / 2), "pod-template-hash": "7d9f8c6b5"},
            "annotations": {"kubectl.kubernetes.io/default-container": "app"},
        },
        "spec": {
            "nodeName": format!("k8s-{}", i % 3 + 1),
            "containers": [{
                "name": "app",
                "image": "ghcr.io/example/app:1.2.3",
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [{"name": "TZ", "value": "Europe/Berlin"}, {"name": "LOG_LEVEL", "value": "info"}],
                "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10},
                "volumeMounts": [{"name": "config", "mountPath": "/config"}],
            }],
            "volumes": [{"name": "config", "emptyDir": {}}],
        },
    }))
    .unwrap()
}
