//! Live benchmark (not a timed test): `anton network` against the real test
//! API server loaded with 300 Ingresses, each with its Service and
//! EndpointSlice (and two IngressClasses with their controllers), against the
//! same listing done by kubectl one kind at a time, in the same run. The
//! target is under 500 ms with one list per kind.
//!
//! Run it with `bench/network.sh` (builds the release `anton` first), or:
//!
//! ```sh
//! cargo build --release -p anton-cli
//! ANTON_BIN=target/release/anton cargo bench -p anton-kube --bench network
//! ```
//!
//! Environment: `ANTON_BIN` (default `target/release/anton`),
//! `ANTON_NETWORK_BENCH_RUNS` (timed runs of each side, default 5),
//! `ANTON_NETWORK_BENCH_INGRESSES` (default 300), `ANTON_NETWORK_BENCH_OUT`
//! (also write the Markdown table there).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anton_testenv::TestEnv;
use anton_testenv::bench_support;
use serde_json::Value;

const NAMESPACES: usize = 10;
/// What `anton network` lists, as kubectl names it.
const KINDS: [&str; 13] = [
    "ingressclasses",
    "ingresses",
    "services",
    "endpointslices",
    "deployments",
    "daemonsets",
    "secrets --field-selector type=kubernetes.io/tls",
    "ciliumloadbalancerippools.cilium.io",
    "certificates.cert-manager.io",
    "certificaterequests.cert-manager.io",
    "issuers.cert-manager.io",
    "clusterissuers.cert-manager.io",
    "httproutes.gateway.networking.k8s.io",
];

fn main() {
    let runs: usize = env_number("ANTON_NETWORK_BENCH_RUNS", 5);
    let ingresses: usize = env_number("ANTON_NETWORK_BENCH_INGRESSES", 300);
    let anton = std::env::var_os("ANTON_BIN").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/anton")
    });
    assert!(anton.is_file(), "no anton binary at {} (build it: cargo build --release -p anton-cli)", anton.display());

    eprintln!("starting the test API server…");
    let env = TestEnv::start().expect("start the test API server");
    let kubeconfig = env.admin_kubeconfig();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let loaded = Instant::now();
    runtime.block_on(load(&kubeconfig, ingresses));
    eprintln!("loaded {ingresses} Ingresses with Services and EndpointSlices in {:.1}s", loaded.elapsed().as_secs_f64());

    let kubectl = env.kubectl_path().to_path_buf();
    let cache = tempfile::tempdir().unwrap();
    // Warm both sides once (kubectl's discovery cache, the server's watch cache).
    let (_, _, report) = run_anton(&anton, &kubeconfig);
    let checked = report["summary"]["total"].as_u64().unwrap_or(0);
    run_kubectl(&kubectl, &kubeconfig, cache.path());

    let mut anton_times = Vec::new();
    let mut anton_requests = 0;
    for _ in 0..runs {
        let (took, requests, _) = run_anton(&anton, &kubeconfig);
        anton_times.push(took);
        anton_requests = requests;
    }
    let mut kubectl_times = Vec::new();
    let mut kubectl_requests = 0;
    for _ in 0..runs {
        let (took, requests) = run_kubectl(&kubectl, &kubeconfig, cache.path());
        kubectl_times.push(took);
        kubectl_requests = requests;
    }
    let (anton_wall, kubectl_wall) = (median(&mut anton_times), median(&mut kubectl_times));
    let table = format!(
        "# bench/network.sh results\n\n\
         Live benchmark: test API server (testharness/) with {ingresses} Ingresses, each with its (headless) Service and\n\
         EndpointSlice (2 endpoints), in {NAMESPACES} namespaces, 2 IngressClasses with their controllers; median of {runs} runs.\n\
         kubectl: `kubectl get <kind> -A -o json`, one process per kind, one after the other (warm discovery cache).\n\n\
         | what | anton wall | anton requests | kubectl wall | kubectl requests | kinds | objects checked | target |\n\
         |---|---:|---:|---:|---:|---:|---:|---|\n\
         | anton network | {:.0} ms | {anton_requests} | {:.0} ms | {kubectl_requests} | {} | {checked} | < 500 ms: {} |\n\n\
         anton's requests: aggregated discovery (`/api`, `/apis`) and one list per kind (500 objects a page), all\n\
         in flight at once; no cloudflared here, so no pod list or pod-proxy request.\n",
        anton_wall.as_secs_f64() * 1000.0,
        kubectl_wall.as_secs_f64() * 1000.0,
        KINDS.len(),
        if anton_wall < Duration::from_millis(500) { "met" } else { "missed" },
    );
    println!("{table}");
    if let Some(out) = std::env::var_os("ANTON_NETWORK_BENCH_OUT") {
        std::fs::write(&out, &table).expect("write the results");
        eprintln!("wrote {}", PathBuf::from(out).display());
    }
    env.stop().expect("stop the test API server");
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Wall time of one `anton network --json`, the API requests it reports, and the report.
fn run_anton(anton: &Path, kubeconfig: &Path) -> (Duration, u64, Value) {
    let started = Instant::now();
    let out = Command::new(anton).args(["network", "--json", "--kubeconfig"]).arg(kubeconfig).output().expect("run anton");
    let took = started.elapsed();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("anton network printed no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_ne!(report["status"], "error", "anton failed: {}", report["issues"]);
    let requests = report["details"]["api"]["requests"].as_u64().unwrap_or(0);
    (took, requests, report)
}

/// Wall time of listing the kinds with kubectl, one process per kind, and the
/// HTTP requests kubectl logged (`-v=6` prints one line per request).
fn run_kubectl(kubectl: &Path, kubeconfig: &Path, cache: &Path) -> (Duration, u64) {
    let started = Instant::now();
    let mut requests = 0;
    for kind in KINDS {
        let mut cmd = Command::new(kubectl);
        cmd.arg("get").args(kind.split_whitespace()).args(["-A", "-o", "json", "-v=6"]);
        cmd.arg("--kubeconfig").arg(kubeconfig).arg("--cache-dir").arg(cache);
        let out = cmd.output().expect("run kubectl");
        assert!(out.status.success(), "kubectl get {kind}: {}", String::from_utf8_lossy(&out.stderr));
        requests += String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("\"Response\"") || (l.contains("GET https://") && l.contains(" in ")))
            .count() as u64;
    }
    (started.elapsed(), requests)
}

async fn load(kubeconfig: &Path, ingresses: usize) {
    let client = bench_support::client(kubeconfig).await;
    bench_support::create_namespaces(&client, NAMESPACES).await;
    bench_support::stage_ingresses(&client, ingresses, NAMESPACES).await;
}
