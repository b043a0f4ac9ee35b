//! Where `anton validate` spends its time, phase by phase, in process.
//!
//! `cargo run --release -p anton-bench --example phases -- DIR [RUNS]`
//!
//! Prints the median of RUNS (default 15) for each phase of the pipeline in
//! `anton_cli::commands::analysis::analyze`: loading (walk, read and parse
//! every YAML file, in parallel), kustomize (resolve every kustomization),
//! the Flux graph, the checks, and freeing it all again. The phases run in
//! the same order and with the same options as `analyze`, which is timed as
//! a whole too, so a phase that drifts from it shows up as a gap.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anton_flux::{Graph, GraphOptions};
use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: phases DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(15);

    let phases = ["load (walk+read+parse)", "kustomize", "flux graph", "checks", "drop", "phases total", "analyze()"];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); phases.len()];
    for _ in 0..runs {
        let start = Instant::now();
        let repo = match Repository::load(&dir, &LoadOptions::default()) {
            Ok(repo) => repo,
            Err(error) => {
                eprintln!("{error}");
                std::process::exit(2);
            }
        };
        let loaded = Instant::now();
        let engine = Engine::new(&repo);
        engine.build_all();
        let built = Instant::now();
        let graph = Graph::build(&engine, GraphOptions::default());
        let graphed = Instant::now();
        let findings = anton_flux::checks::run_all(&graph, &engine);
        let checked = Instant::now();
        drop((findings, graph, engine));
        drop(repo);
        let dropped = Instant::now();

        let whole = Instant::now();
        anton_cli::commands::analysis::with_analysis(&dir, |_| ()).expect("loaded once already");
        let analyzed = whole.elapsed();

        for (slot, took) in times.iter_mut().zip([
            loaded - start,
            built - loaded,
            graphed - built,
            checked - graphed,
            dropped - checked,
            dropped - start,
            analyzed,
        ]) {
            slot.push(took);
        }
    }
    println!("{} — median of {runs} runs, ms", dir.display());
    for (name, mut samples) in phases.iter().zip(times) {
        samples.sort();
        let median = samples[samples.len() / 2];
        println!("  {name:<24} {:>9.2}", median.as_secs_f64() * 1000.0);
    }
}
