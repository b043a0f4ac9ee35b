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
use std::time::{Duration, Instant};

use anton_testenv::TestEnv;
use anton_testenv::bench_support::{self, anton_binary, env_number, median, run_anton, run_kubectl};

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
    let anton = anton_binary();

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
    let (_, _, report) = run_anton(&anton, &kubeconfig, &["network"]);
    let checked = report["summary"]["total"].as_u64().unwrap_or(0);
    run_kubectl(&kubectl, &kubeconfig, cache.path(), &KINDS);

    let mut anton_times = Vec::new();
    let mut anton_requests = 0;
    for _ in 0..runs {
        let (took, requests, _) = run_anton(&anton, &kubeconfig, &["network"]);
        anton_times.push(took);
        anton_requests = requests;
    }
    let mut kubectl_times = Vec::new();
    let mut kubectl_requests = 0;
    for _ in 0..runs {
        let (took, requests) = run_kubectl(&kubectl, &kubeconfig, cache.path(), &KINDS);
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

async fn load(kubeconfig: &Path, ingresses: usize) {
    let client = bench_support::client(kubeconfig).await;
    bench_support::create_namespaces(&client, NAMESPACES).await;
    bench_support::stage_ingresses(&client, ingresses, NAMESPACES).await;
}
