//! The full offline pipeline of `anton validate` (load and parse every YAML
//! file, resolve every kustomization, build the Flux graph, run the checks),
//! in process, on:
//! - synthetic repositories of 500 and 10,000 files (generated once, into a
//!   temporary folder outside any git work tree);
//! - every corpus folder in `../shared/corpora` (or `$ANTON_BENCH_CORPORA`),
//!   when that folder exists.
//!
//! Rendering the report is left out: it is a few kilobytes for a healthy
//! repository. `bench/run.sh` measures the whole process, rendering included.
//!
//! Run with `cargo bench -p anton-bench`; filter with e.g.
//! `cargo bench -p anton-bench -- synthetic/500`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anton_bench::{Options, generate};
use anton_cli::commands::analysis::with_analysis;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

const SYNTHETIC_SIZES: [usize; 2] = [500, 10_000];

/// `ANTON_BENCH_CORPORA`, as for `bench/run.sh`, else `shared/corpora` beside the repository.
fn corpora_dir() -> PathBuf {
    match std::env::var_os("ANTON_BENCH_CORPORA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"),
    }
}

/// Corpus folders, sorted; none when `shared/` is absent (a user's machine).
fn corpora() -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(corpora_dir()) else { return Vec::new() };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    found.sort();
    found
}

/// Runs the pipeline once and says what it saw, so a surprising figure can
/// be told apart from a surprising repository.
fn describe(label: &str, path: &Path) -> usize {
    let described = with_analysis(path, |analysis| {
        let files = analysis.repo.files.len();
        eprintln!(
            "{label}: {files} YAML files, {} objects, {} kustomizations, {} findings",
            analysis.repo.objects.len(),
            analysis.kustomizations,
            analysis.findings.len()
        );
        files
    });
    described.unwrap_or_else(|error| {
        eprintln!("{label}: cannot be loaded: {error}");
        0
    })
}

fn bench_validate(c: &mut Criterion) {
    let scratch = tempfile::Builder::new().prefix("anton-bench-").tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group("validate");
    // Two cores, a few minutes for the whole run: few samples, flat sampling
    // (every sample runs the same number of iterations, so a slow case is not
    // asked for 55 iterations).
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).sampling_mode(SamplingMode::Flat);

    for files in SYNTHETIC_SIZES {
        let dir = scratch.path().join(format!("synthetic-{files}"));
        let repo = generate(&Options::new(files)).expect("a valid size");
        repo.write_to(&dir).expect("a writable temporary folder");
        let label = format!("synthetic/{files}");
        let yaml_files = describe(&label, &dir);
        group.throughput(Throughput::Elements(yaml_files as u64));
        group.measurement_time(Duration::from_secs(if files > 1_000 { 12 } else { 4 }));
        group.bench_function(&label, |b| b.iter(|| with_analysis(&dir, |analysis| analysis.findings.len()).expect("the repository loads")));
    }

    for (name, dir) in corpora() {
        let label = format!("corpus/{name}");
        let yaml_files = describe(&label, &dir);
        if yaml_files == 0 {
            continue;
        }
        group.throughput(Throughput::Elements(yaml_files as u64));
        group.measurement_time(Duration::from_secs(4));
        group.bench_function(&label, |b| b.iter(|| with_analysis(&dir, |analysis| analysis.findings.len()).expect("the corpus loads")));
    }
    group.finish();
}

criterion_group!(benches, bench_validate);
criterion_main!(benches);
