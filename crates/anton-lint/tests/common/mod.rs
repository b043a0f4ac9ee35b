//! The validate pipeline, as the command line wires it, over a fixture repository.

use std::path::{Path, PathBuf};

use anton_core::Finding;
use anton_flux::Graph;
use anton_kustomize::Engine;
use anton_lint::{CliOverrides, Settings, SourceTexts};
use anton_repo::{LoadOptions, Repository};

pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(relative)
}

/// Every finding of a run over `dir` (the fixture is its own repository root),
/// with `select` as `--select` would give it.
pub fn check(dir: &Path, select: Option<&[&str]>) -> Vec<Finding> {
    let overrides = CliOverrides {
        select: select.map(|ids| ids.iter().map(|s| (*s).to_owned()).collect()),
        ..CliOverrides::default()
    };
    let settings = Settings::load(dir, None, overrides).expect("the fixture's configuration is valid");
    let repo = Repository::load(dir, &LoadOptions { root: Some(dir.to_path_buf()), ..LoadOptions::default() })
        .expect("the fixture loads");
    let engine = Engine::new(&repo);
    engine.build_all();
    let mut graph = Graph::build(&engine, settings.graph_options());
    // As `anton validate` builds: each applied object kept once; the checks after the builds.
    let builds = anton_build::FluxBuilds::build_keeping(&engine, &graph, anton_build::Keep::FirstOfEach);
    graph.take_in_built_references(&engine);
    let mut structural = anton_flux::checks::run_all(&graph, &engine);
    structural.extend(builds.findings.iter().cloned());
    structural.extend(engine.take_findings());
    structural.extend(repo.findings.iter().cloned());
    let texts = SourceTexts::read(&repo);
    let objects = anton_lint::from_builds(&repo, &engine, &graph, &builds);
    let mut findings = anton_lint::run(&repo, &engine, &graph, &texts, &settings, &objects, structural);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// Findings as a snapshot shows them: one issue line each, with the hint and
/// related places indented below.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&finding.issue_line());
        out.push('\n');
        if let Some(object) = &finding.object {
            out.push_str(&format!("    object: {object}\n"));
        }
        for (location, label) in &finding.related {
            out.push_str(&format!("    related: {location}: {label}\n"));
        }
        if let Some(hint) = &finding.hint {
            out.push_str(&format!("    hint: {hint}\n"));
        }
    }
    out
}
