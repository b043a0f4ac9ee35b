//! Live benchmark (not a timed test): `anton health` and `anton flux status`
//! against the real test API server loaded with 3 nodes, 100 Flux objects and
//! 2,000 pods, against the same listing done by kubectl one kind at a time
//! (`kubectl get <kind> -A -o json`), in the same run.
//!
//! Run it with `bench/live.sh` (builds the release `anton` first), or:
//!
//! ```sh
//! cargo build --release -p anton-cli
//! ANTON_BIN=target/release/anton cargo bench -p anton-kube --bench live
//! ```
//!
//! Environment: `ANTON_BIN` (default `target/release/anton`),
//! `ANTON_LIVE_BENCH_RUNS` (timed runs of each side, default 5),
//! `ANTON_LIVE_BENCH_PODS` (default 2000), `ANTON_LIVE_BENCH_OUT` (also write
//! the Markdown table there).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anton_testenv::TestEnv;
use anton_testenv::bench_support::{self, FluxCounts, PodCounts, anton_binary, env_number, median, run_anton, run_kubectl};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

const NODES: usize = 3;
const NAMESPACES: usize = 20;
const FLUX: FluxCounts = FluxCounts { git_repositories: 10, helm_repositories: 5, kustomizations: 45, helm_releases: 40 };
/// What `anton health` lists, as kubectl names it.
const KINDS: [&str; 15] = [
    "nodes",
    "pods",
    "deployments",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "storageclasses",
    "gitrepositories.source.toolkit.fluxcd.io",
    "ocirepositories.source.toolkit.fluxcd.io",
    "helmrepositories.source.toolkit.fluxcd.io",
    "buckets.source.toolkit.fluxcd.io",
    "helmcharts.source.toolkit.fluxcd.io",
    "kustomizations.kustomize.toolkit.fluxcd.io",
    "helmreleases.helm.toolkit.fluxcd.io",
];

fn main() {
    // `cargo bench` passes `--bench`; anything else (e.g. a filter) is ignored.
    let runs: usize = env_number("ANTON_LIVE_BENCH_RUNS", 5);
    let pods: usize = env_number("ANTON_LIVE_BENCH_PODS", 2000);
    let anton = anton_binary();

    eprintln!("starting the test API server…");
    let env = TestEnv::start().expect("start the test API server");
    let kubeconfig = env.admin_kubeconfig();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let loaded = Instant::now();
    runtime.block_on(load(&kubeconfig, pods));
    eprintln!("loaded {NODES} nodes, 100 Flux objects, {pods} pods in {:.1}s", loaded.elapsed().as_secs_f64());

    let kubectl = env.kubectl_path().to_path_buf();
    // Warm both sides once (kubectl's discovery cache, the server's watch cache).
    let cache = tempfile::tempdir().unwrap();
    let anton_run = |args: &[&str]| run_anton(&anton, &kubeconfig, args);
    let kubectl_run = |kinds: &[&str]| run_kubectl(&kubectl, &kubeconfig, cache.path(), kinds);
    anton_run(&["health"]);
    kubectl_run(&KINDS);

    let mut rows = Vec::new();
    let flux_kinds: Vec<&str> = KINDS[8..].to_vec();
    for (label, anton_args, kinds, selector_deployments) in [
        ("anton health (all areas)", vec!["health"], KINDS.to_vec(), false),
        ("anton flux status", vec!["flux", "status"], flux_kinds, true),
    ] {
        let mut anton_times = Vec::new();
        let mut anton_requests = 0;
        for _ in 0..runs {
            let (took, requests, _) = anton_run(&anton_args);
            anton_times.push(took);
            anton_requests = requests;
        }
        let mut kubectl_kinds = kinds.clone();
        if selector_deployments {
            kubectl_kinds.push("deployments -l app.kubernetes.io/part-of=flux");
        }
        let mut kubectl_times = Vec::new();
        let mut kubectl_requests = 0;
        for _ in 0..runs {
            let (took, requests) = kubectl_run(&kubectl_kinds);
            kubectl_times.push(took);
            kubectl_requests = requests;
        }
        rows.push(Row {
            label,
            kinds: kubectl_kinds.len(),
            anton: median(&mut anton_times),
            anton_requests,
            kubectl: median(&mut kubectl_times),
            kubectl_requests,
        });
    }
    let table = render(&rows, runs, pods);
    println!("{table}");
    if let Some(out) = std::env::var_os("ANTON_LIVE_BENCH_OUT") {
        std::fs::write(&out, &table).expect("write the results");
        eprintln!("wrote {}", PathBuf::from(out).display());
    }
    env.stop().expect("stop the test API server");
}

struct Row {
    label: &'static str,
    kinds: usize,
    anton: Duration,
    anton_requests: u64,
    kubectl: Duration,
    kubectl_requests: u64,
}

fn render(rows: &[Row], runs: usize, pods: usize) -> String {
    let mut out = format!(
        "# bench/live.sh results\n\n\
         Live benchmark: test API server (testharness/) with {NODES} nodes, 100 Flux objects, {pods} pods; median of {runs} runs.\n\
         kubectl: `kubectl get <kind> -A -o json`, one process per kind, one after the other (warm discovery cache).\n\n\
         | what | anton wall | anton requests | kubectl wall | kubectl requests | kinds | kubectl / anton |\n\
         |---|---:|---:|---:|---:|---:|---:|\n"
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {:.0} ms | {} | {:.0} ms | {} | {} | {:.1}× |\n",
            r.label,
            r.anton.as_secs_f64() * 1000.0,
            r.anton_requests,
            r.kubectl.as_secs_f64() * 1000.0,
            r.kubectl_requests,
            r.kinds,
            r.kubectl.as_secs_f64() / r.anton.as_secs_f64().max(1e-9),
        ));
    }
    out.push_str(
        "\nanton's requests for `anton health`: `/version`, aggregated discovery (`/api`, `/apis`), nodes,\n\
         storage classes, pods (500 per page), Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and\n\
         the 7 Flux kinds, all in flight at once. `anton flux status`: discovery, the 7 Flux kinds and one\n\
         label-selected Deployment list for the controllers. kubectl pays a process start, its kubeconfig\n\
         and discovery-cache reads, and one sequential round trip per kind.\n",
    );
    out
}

async fn load(kubeconfig: &Path, pods: usize) {
    let client = bench_support::client(kubeconfig).await;
    bench_support::create_namespaces(&client, NAMESPACES).await;

    let now = bench_support::now();
    let nodes: Api<Node> = Api::all(client.clone());
    for i in 1..=NODES {
        let name = format!("k8s-{i}");
        let node: Node = serde_json::from_value(json!({"metadata": {"name": name, "labels": {"node-role.kubernetes.io/control-plane": ""}}})).unwrap();
        nodes.create(&PostParams::default(), &node).await.unwrap();
        let status = json!({"status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ok", "lastHeartbeatTime": now, "lastTransitionTime": now}],
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "250"},
            "nodeInfo": {"kubeletVersion": "v1.37.2", "osImage": "Talos (v1.11.2)", "architecture": "amd64", "bootID": "", "containerRuntimeVersion": "containerd://2.1.4",
                         "kernelVersion": "6.12", "kubeProxyVersion": "", "machineID": "", "operatingSystem": "linux", "systemUUID": ""}}});
        nodes.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await.unwrap();
    }

    bench_support::stage_flux(&client, FLUX).await;
    let pods = PodCounts { count: pods, namespaces: NAMESPACES, nodes: NODES, crashing_every: None };
    bench_support::stage_pods(&client, pods).await;
}
