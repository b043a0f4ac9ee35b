//! What checks look at does not depend on how many copies the builds keep:
//! `from_builds` over builds that keep every object and over builds that keep
//! the first of each (as `anton validate` builds) gives the same views, on
//! every rule fixture and on anton-build's two-cluster fleet fixture.

use std::path::{Path, PathBuf};

use anton_build::{FluxBuilds, Keep};
use anton_flux::{Graph, GraphOptions};
use anton_kustomize::Engine;
use anton_lint::ObjectView;
use anton_repo::{LoadOptions, Repository};

fn described(views: &[ObjectView<'_>]) -> Vec<String> {
    views
        .iter()
        .map(|v| format!("{} {:?} {:?} {:?} {:?} {:?}", v.subject(), v.file, v.object, v.applied_by, v.flux_node, v.node))
        .collect()
}

fn same_views(dir: &Path) -> usize {
    let repo = Repository::load(dir, &LoadOptions { root: Some(dir.to_path_buf()), ..LoadOptions::default() }).expect("the fixture loads");
    let engine = Engine::new(&repo);
    engine.build_all();
    let graph = Graph::build(&engine, GraphOptions::default());
    let all = FluxBuilds::build_keeping(&engine, &graph, Keep::All);
    let first = FluxBuilds::build_keeping(&engine, &graph, Keep::FirstOfEach);
    let every = described(&anton_lint::from_builds(&repo, &engine, &graph, &all));
    assert_eq!(every, described(&anton_lint::from_builds(&repo, &engine, &graph, &first)), "{}", dir.display());
    let copies: usize = all.builds.iter().map(|b| b.objects.len()).sum();
    copies - first.builds.iter().map(|b| b.objects.len()).sum::<usize>()
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for family in std::fs::read_dir(fixtures).unwrap() {
        for rule in std::fs::read_dir(family.unwrap().path()).unwrap() {
            for case in std::fs::read_dir(rule.unwrap().path()).unwrap() {
                let case = case.unwrap().path();
                if case.is_dir() {
                    dirs.push(case);
                }
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn checks_see_the_same_objects_whichever_copies_the_builds_keep() {
    let cases = case_dirs();
    assert!(cases.len() >= 40, "rule fixtures are found ({})", cases.len());
    for case in &cases {
        same_views(case);
    }
    let fleet = Path::new(env!("CARGO_MANIFEST_DIR")).join("../anton-build/tests/fixtures/fleet").canonicalize().unwrap();
    // The second cluster's copies of the shared base: a Deployment, a Namespace and a Kustomization.
    assert_eq!(same_views(&fleet), 3);
}
