//! Builds every kustomization folder of each shared corpus in-process, and
//! with `kubectl kustomize` folder by folder, in the same run; prints both
//! times and the ratio. Run through `crates/anton-build/bench.sh`.
//!
//! Usage: bench_vs_kubectl [CORPORA_DIR] [--runs N]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut corpora = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora"));
    let mut runs = 20;
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
        } else {
            corpora = PathBuf::from(arg);
        }
    }
    let Ok(corpora) = corpora.canonicalize() else {
        eprintln!("no corpora at {}", corpora.display());
        std::process::exit(1);
    };
    let kubectl = Command::new("kubectl").args(["version", "--client"]).output().is_ok_and(|o| o.status.success());
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(&corpora).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    entries.sort();
    println!("{:<40} {:>6} {:>8} {:>10} {:>10} {:>12} {:>8}", "corpus", "files", "folders", "load", "build", "kubectl", "ratio");
    let (mut total_anton, mut total_kubectl) = (Duration::ZERO, Duration::ZERO);
    for corpus in entries {
        let options = LoadOptions { respect_gitignore: false, root: Some(corpus.clone()), ..LoadOptions::default() };
        let mut loads = Vec::new();
        let mut builds = Vec::new();
        let mut folders = Vec::new();
        let mut files = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let repo = Repository::load(&corpus, &options).unwrap();
            loads.push(started.elapsed());
            let started = Instant::now();
            let engine = Engine::new(&repo);
            engine.build_all();
            builds.push(started.elapsed());
            files = repo.files.len();
            folders = engine.configs().map(|c| c.dir.clone()).collect();
        }
        if folders.is_empty() {
            continue;
        }
        let (load, build) = (median(loads), median(builds));
        let name = corpus.file_name().unwrap().to_string_lossy().into_owned();
        let kubectl_time = kubectl.then(|| {
            let started = Instant::now();
            for folder in &folders {
                let _ = Command::new("kubectl")
                    .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
                    .arg(Path::new(&corpus).join(folder))
                    .output();
            }
            started.elapsed()
        });
        let anton = load + build;
        total_anton += anton;
        let ratio = kubectl_time.map(|k| format!("{:.0}x", k.as_secs_f64() / anton.as_secs_f64())).unwrap_or_else(|| "-".into());
        if let Some(k) = kubectl_time {
            total_kubectl += k;
        }
        println!(
            "{:<40} {:>6} {:>8} {:>8.1}ms {:>8.1}ms {:>10.0}ms {:>8}",
            name,
            files,
            folders.len(),
            load.as_secs_f64() * 1e3,
            build.as_secs_f64() * 1e3,
            kubectl_time.map_or(0.0, |k| k.as_secs_f64() * 1e3),
            ratio
        );
    }
    if kubectl {
        println!(
            "total: anton {:.1}ms (load + build), kubectl {:.0}ms — {:.0}x faster",
            total_anton.as_secs_f64() * 1e3,
            total_kubectl.as_secs_f64() * 1e3,
            total_kubectl.as_secs_f64() / total_anton.as_secs_f64()
        );
    }
}
