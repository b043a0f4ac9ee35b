//! `anton watch` benchmark (not a timed test): the real test API server
//! loaded with 200 Flux objects and 2,000 pods (20 of them crash-looping),
//! then, for the dashboard (in a 160×48 tmux), for `--events` and for the
//! peer `kubectl get pods -A --watch`:
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
use anton_testenv::bench_support::{self, FluxCounts, PodCounts, anton_binary, env_number};

const NAMESPACES: usize = 20;
const FLUX: FluxCounts = FluxCounts { git_repositories: 20, helm_repositories: 10, kustomizations: 90, helm_releases: 80 };
/// Every this many pods, one crash-loops (so the pods pane has rows).
const CRASHING_EVERY: usize = 100;

fn main() {
    let pods: usize = env_number("ANTON_WATCH_BENCH_PODS", 2000);
    let idle = Duration::from_secs(env_number("ANTON_WATCH_BENCH_IDLE", 10) as u64);
    let anton = anton_binary();

    eprintln!("starting the test API server…");
    let env = TestEnv::start().expect("start the test API server");
    let kubeconfig = env.admin_kubeconfig();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let loaded = Instant::now();
    runtime.block_on(load(&kubeconfig, pods));
    eprintln!("loaded {} Flux objects and {pods} pods in {:.1}s", FLUX.total(), loaded.elapsed().as_secs_f64());

    // Warm the server's watch cache and the page cache of the binary once.
    let _ = Command::new(&anton).args(["flux", "status", "--json", "--kubeconfig"]).arg(&kubeconfig).output();

    let dashboard = measure_dashboard(&anton, &kubeconfig, pods, idle);
    let events = measure_events(&anton, &kubeconfig, idle);
    let kubectl = measure_kubectl_watch(env.kubectl_path(), &kubeconfig, pods, idle);
    let table = format!(
        "# bench/watch.sh results\n\n\
         `anton watch` against the test API server (testharness/) with 200 Flux objects (20 GitRepositories,\n\
         10 HelmRepositories, 90 Kustomizations, 80 HelmReleases) and {pods} pods in {NAMESPACES} namespaces\n\
         ({} crash-looping). One run each; idle CPU over {}s with nothing changing.\n\n\
         | mode | first screen | idle CPU | peak memory (VmHWM) |\n\
         |---|---:|---:|---:|\n{}\n{}\n{}\n\n\
         The peer, `kubectl get pods -A --watch` (the harness's own kubectl), follows one kind where anton\n\
         follows every kind it shows (7 Flux kinds, Deployments, StatefulSets, DaemonSets, pods, PVCs,\n\
         Warning events); its first screen is the moment it has printed every pod.\n",
        pods / CRASHING_EVERY,
        idle.as_secs(),
        dashboard.row("anton watch (dashboard, tmux 160×48)"),
        events.row("anton watch --events"),
        kubectl.row("peer: kubectl get pods -A --watch"),
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

/// The peer: kubectl's own watch of pods, until it has printed every pod (and its header).
fn measure_kubectl_watch(kubectl: &Path, kubeconfig: &Path, pods: usize, idle: Duration) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(kubectl)
        .args(["get", "pods", "-A", "--watch", "--kubeconfig"])
        .arg(kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run kubectl");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    for _ in 0..=pods {
        assert!(lines.next().is_some_and(|l| l.is_ok()), "kubectl get pods --watch ended before listing every pod");
    }
    let first_screen = started.elapsed();
    // Keep reading (nothing should come) so kubectl never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
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

async fn load(kubeconfig: &Path, pods: usize) {
    let client = bench_support::client(kubeconfig).await;
    bench_support::create_namespaces(&client, NAMESPACES).await;
    bench_support::stage_flux(&client, FLUX).await;
    let pods = PodCounts { count: pods, namespaces: NAMESPACES, nodes: 3, crashing_every: Some(CRASHING_EVERY) };
    bench_support::stage_pods(&client, pods).await;
}
