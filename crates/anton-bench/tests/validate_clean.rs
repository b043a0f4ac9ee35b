//! The synthetic repositories are structurally sound: what this test runs,
//! the analysis phases of `anton validate` (YAML, kustomize, the Flux graph
//! and its structural checks, the Flux builds), finds nothing, so a benchmark
//! measures the work on a repository without broken references. It does not
//! run the lint rules or schema validation: those do report findings on the
//! generated repositories (`flux/infinite-retries` warnings and
//! `flux/no-timeout` information), which the benchmark measures as well.

use anton_bench::{Options, generate};
use anton_cli::commands::analysis::{Analysis, with_analysis};

fn assert_clean(options: Options) {
    let dir = tempfile::Builder::new().prefix("anton-bench-test-").tempdir().unwrap();
    let repo = generate(&options).unwrap();
    repo.write_to(dir.path()).unwrap();
    with_analysis(dir.path(), |analysis| check(analysis, &repo)).unwrap();
}

fn check(analysis: &Analysis<'_>, repo: &anton_bench::Repository) {
    let messages: Vec<String> = analysis
        .findings
        .iter()
        .take(10)
        .map(|f| format!("{f:?}"))
        .collect();
    assert!(analysis.findings.is_empty(), "{} findings, first: {messages:#?}", analysis.findings.len());
    assert_eq!(analysis.repo.files.len(), repo.stats.yaml_files);
    assert_eq!(analysis.kustomizations, repo.stats.kustomization_dirs);
    let flux = analysis.repository_details()["flux"].clone();
    assert_eq!(flux["kustomizations"], repo.stats.flux_kustomizations);
    assert_eq!(flux["helmReleases"], repo.stats.helm_releases);
    assert_eq!(flux["sources"], repo.stats.helm_repositories);
}

#[test]
fn small_repository_has_no_structural_findings() {
    assert_clean(Options::new(500));
}

#[test]
fn other_seeds_have_no_structural_findings() {
    for seed in [1, 2, 3] {
        assert_clean(Options { seed, ..Options::new(1_500) });
    }
}

#[test]
fn a_fleet_has_no_structural_findings() {
    // The same Kustomization names in every cluster, over shared bases.
    assert_clean(Options::fleet(500, 3));
}
