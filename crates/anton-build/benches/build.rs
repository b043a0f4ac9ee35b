//! In-process build of every kustomization folder of each shared corpus
//! (criterion). The comparison with kubectl is `crates/anton-build/bench.sh`.

use std::path::PathBuf;

use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};
use criterion::{Criterion, criterion_group, criterion_main};

fn corpora() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora"));
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

fn bench(c: &mut Criterion) {
    for corpus in corpora() {
        let name = corpus.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let options = LoadOptions { respect_gitignore: false, root: Some(corpus.clone()), ..LoadOptions::default() };
        let Ok(repo) = Repository::load(&corpus, &options) else { continue };
        if !repo.files.iter().any(|f| f.is_kustomization_file()) {
            continue;
        }
        c.bench_function(&format!("build every folder/{name}"), |b| {
            b.iter(|| {
                let engine = Engine::new(&repo);
                engine.build_all();
                engine.configs().count()
            })
        });
        c.bench_function(&format!("load + build every folder/{name}"), |b| {
            b.iter(|| {
                let repo = Repository::load(&corpus, &options).unwrap();
                let engine = Engine::new(&repo);
                engine.build_all();
                engine.configs().count()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
