//! anton on real repositories: the shared corpora of public Flux repositories
//! (`../shared/corpora` next to the workspace or `$ANTON_CORPORA`; absent on a
//! user's machine, where the tests report a skip, required in CI) and this
//! repository's own `kubernetes/` folder.
//!
//! For each corpus, anton must not crash, must parse every YAML file, and must
//! find exactly the Flux Kustomizations and HelmReleases that an independent,
//! deliberately simple count finds in the files.

mod common;

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use common::anton_in;
use serde_json::Value;

/// Every corpus folder; `None` when the corpora are absent outside CI (the
/// skip is reported; in CI, `CI=true`, the test fails instead).
fn corpora() -> Option<Vec<PathBuf>> {
    let dir = anton_testenv::needs::corpora()?;
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut corpora: Vec<PathBuf> =
        entries.filter_map(Result::ok).map(|entry| entry.path()).filter(|path| path.is_dir()).collect();
    corpora.sort();
    Some(corpora)
}

fn corpus_name(corpus: &Path) -> String {
    corpus.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[test]
fn corpora_validate_without_crashing_and_without_yaml_syntax_errors() {
    let Some(corpora) = corpora() else { return };
    for corpus in &corpora {
        let name = corpus_name(corpus);
        let run = anton_in(corpus, &["validate", corpus.to_str().expect("UTF-8 path"), "--json"]);
        // 3 is "anton could not do its job", -1 a signal (a crash).
        assert!([0, 1, 2].contains(&run.code), "{name}: exit {} \nstderr: {}", run.code, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        let report = run.json();
        common::assert_contract(&report);
        let syntax: Vec<&Value> = common::findings(&report).iter().filter(|f| f["rule"] == "yaml/syntax").collect();
        assert!(syntax.is_empty(), "{name}: every file of a real repository parses, got {syntax:#?}");
        let counts: Vec<String> = common::findings(&report)
            .iter()
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap_or("-"), f["file"].as_str().unwrap_or("-")))
            .collect();
        println!("{name}: exit {}, status {}, findings {counts:?}", run.code, report["status"]);
    }
}

/// The same repository gives the same report every time: objects applied by
/// several Kustomizations were once named after whichever the hash map gave
/// first, so flux-local's total flapped between 107 and 108.
#[test]
fn corpora_reports_are_the_same_on_every_run() {
    let Some(corpora) = corpora() else { return };
    for corpus in &corpora {
        let name = corpus_name(corpus);
        let reports: Vec<Value> = (0..6)
            .map(|_| {
                let mut report = anton_in(corpus, &["validate", corpus.to_str().expect("UTF-8 path"), "--json"]).json();
                let details = report["details"].as_object_mut().expect("details");
                details.remove("timingsMs");
                report.as_object_mut().expect("a report").remove("timestamp");
                report
            })
            .collect();
        for (run, report) in reports.iter().enumerate().skip(1) {
            assert_eq!(report["summary"], reports[0]["summary"], "{name}: run {run} differs from run 0");
            assert_eq!(report, &reports[0], "{name}: run {run} differs from run 0");
        }
    }
}

/// The distinct objects (by `file:line`) `anton get <what> <corpus> --json` lists.
fn listed_objects(corpus: &Path, what: &str) -> usize {
    let run = anton_in(corpus, &["get", what, corpus.to_str().expect("UTF-8 path"), "--json"]);
    assert!([0, 1, 2].contains(&run.code), "get {what}: exit {}", run.code);
    let report = run.json();
    common::assert_contract(&report);
    let items = report["details"]["items"].as_array().expect("details.items");
    let distinct: BTreeSet<&str> = items.iter().filter_map(|item| item["location"].as_str()).collect();
    distinct.len()
}

#[test]
fn corpora_flux_object_counts_match_an_independent_count() {
    let Some(corpora) = corpora() else { return };
    for corpus in &corpora {
        let name = corpus_name(corpus);
        let expected = independent_count(corpus);
        // Every count anton gives is compared with the independent count
        // only, never with another count derived from anton's own rows.
        let ks_objects = listed_objects(corpus, "ks");
        let hr_objects = listed_objects(corpus, "hr");
        println!(
            "{name}: Kustomizations counted {} / anton {ks_objects}; HelmReleases counted {} / anton {hr_objects}",
            expected.kustomizations, expected.helm_releases,
        );
        assert_eq!(ks_objects, expected.kustomizations, "{name}: Flux Kustomizations");
        assert_eq!(hr_objects, expected.helm_releases, "{name}: HelmReleases");
    }
}

#[test]
fn this_repositorys_kubernetes_folder_is_healthy() {
    let kubernetes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kubernetes");
    let kubernetes = kubernetes.canonicalize().expect("the repository has a kubernetes/ folder");
    let run = anton_in(&kubernetes, &["validate", kubernetes.to_str().expect("UTF-8 path"), "--json"]);
    let report = run.json();
    common::assert_contract(&report);
    let problems: Vec<&str> = report["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(Value::as_str)
        .filter(|issue| !issue.contains(": info "))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(report["summary"]["critical"], 0);
    assert_eq!(report["summary"]["warnings"], 0);
    assert!(report["details"]["repository"]["flux"]["kustomizations"].as_u64().is_some_and(|n| n > 0));
}

// ---------------------------------------------------------------------------
// The independent count. It shares no code with anton and reads files as
// text, the way a person would grep a repository.

#[derive(Debug, Default, PartialEq, Eq)]
struct FluxCount {
    kustomizations: usize,
    helm_releases: usize,
}

fn independent_count(root: &Path) -> FluxCount {
    let root = root.canonicalize().expect("corpus folder");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();

    // Helm chart templates are Go templates, not manifests.
    let chart_dirs: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let patch_files = patch_only_files(&files);

    let mut count = FluxCount::default();
    for file in &files {
        if !is_yaml(file) || chart_dirs.iter().any(|chart| file.starts_with(chart.join("templates"))) {
            continue;
        }
        if patch_files.contains(file) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for document in split_documents(&text) {
            let kind = top_level_value(&document, "kind");
            let api_version = top_level_value(&document, "apiVersion").unwrap_or_default();
            match kind.as_deref() {
                Some("Kustomization") if api_version.starts_with("kustomize.toolkit.fluxcd.io/") => {
                    count.kustomizations += 1;
                }
                Some("HelmRelease") if api_version.starts_with("helm.toolkit.fluxcd.io/") => {
                    count.helm_releases += 1;
                }
                _ => {}
            }
        }
    }
    count
}

/// Every file below `dir`, without `.git` and without following links.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            if entry.file_name() != ".git" {
                walk(&path, files);
            }
        } else if file_type.is_file() {
            files.push(path);
        }
    }
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml")
}

/// Files that are only ever used as patches.
///
/// A patch file holds a partial object (`kind: HelmRelease` with only the
/// fields to change) that kustomize merges into a real one; it is not an
/// object of its own. We identify them by reading every `kustomization.yaml`
/// as text: a path listed under `patches:` (`- path: x.yaml`),
/// `patchesStrategicMerge:` (`- x.yaml`) or `patchesJson6902:` (`path: x.yaml`)
/// is a patch file, unless some kustomization also lists it under
/// `resources:`/`bases:`, in which case it is applied as an object too.
fn patch_only_files(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut patches = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for file in files {
        let is_kustomization = file
            .file_name()
            .is_some_and(|n| n == "kustomization.yaml" || n == "kustomization.yml" || n == "Kustomization");
        let (true, Some(dir), Ok(text)) = (is_kustomization, file.parent(), std::fs::read_to_string(file)) else {
            continue;
        };
        let mut section = String::new();
        for line in text.lines() {
            if !line.starts_with([' ', '\t', '-', '#']) && line.contains(':') {
                section = line.split(':').next().unwrap_or_default().trim().to_owned();
                continue;
            }
            let entry = line.trim_start();
            let value = entry
                .strip_prefix("- path:")
                .or_else(|| entry.strip_prefix("path:"))
                .or_else(|| entry.strip_prefix("- "))
                .map(|v| v.split(" #").next().unwrap_or_default().trim().trim_matches(['"', '\'']));
            let Some(value) = value.filter(|v| !v.is_empty() && !v.contains(": ")) else { continue };
            let Some(path) = normalize(&dir.join(value)) else { continue };
            match section.as_str() {
                // Inline JSON6902 patches also have `path:` lines (`/spec/…`): only YAML files count.
                "patches" | "patchesStrategicMerge" | "patchesJson6902" if is_yaml(&path) => {
                    patches.insert(path);
                }
                "resources" | "bases" => {
                    resources.insert(path);
                }
                _ => {}
            }
        }
    }
    patches.difference(&resources).cloned().collect()
}

/// Folds `.` and `..` away without touching the disk.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.iter().collect())
}

/// Splits a YAML stream into documents at document markers: a line that is
/// exactly `---`, or `---` followed by a space or tab and then a comment or
/// content (`--- # app`), and the end marker `...`. `----` or an indented
/// `---` inside a block scalar is not a marker.
fn split_documents(text: &str) -> Vec<Vec<&str>> {
    let mut documents = vec![Vec::new()];
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let is_start = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if is_start || line.trim_end() == "..." {
            documents.push(Vec::new());
            // Content after `--- ` (rare) belongs to the new document.
            if is_start {
                let rest = line[3..].trim_start();
                if !rest.is_empty() && !rest.starts_with('#') {
                    documents.last_mut().expect("a document").push(rest);
                }
            }
            continue;
        }
        documents.last_mut().expect("a document").push(line);
    }
    documents
}

/// The value of an unindented `key: value` line, without quotes or comment.
fn top_level_value(document: &[&str], key: &str) -> Option<String> {
    document.iter().find_map(|line| {
        let rest = line.strip_prefix(key)?.trim_start().strip_prefix(':')?;
        let value = rest.split(" #").next().unwrap_or_default().trim().trim_matches(['"', '\'']);
        (!value.is_empty()).then(|| value.to_owned())
    })
}

#[test]
fn independent_count_splits_documents_only_at_real_markers() {
    let text = "a: 1\n---\nkind: X\n--- # second\nkind: Y\n----\nkey: |\n  ---\n...\n---\tkind: Z\n";
    let documents = split_documents(text);
    let kinds: Vec<Option<String>> = documents.iter().map(|d| top_level_value(d, "kind")).collect();
    assert_eq!(kinds, [None, Some("X".into()), Some("Y".into()), None, Some("Z".into())]);
}

#[test]
fn independent_count_reads_quoted_and_commented_values() {
    let document = ["apiVersion: \"helm.toolkit.fluxcd.io/v2\"", "kind: HelmRelease # app", "  kind: Nested"];
    assert_eq!(top_level_value(&document, "kind").as_deref(), Some("HelmRelease"));
    assert_eq!(top_level_value(&document, "apiVersion").as_deref(), Some("helm.toolkit.fluxcd.io/v2"));
    assert_eq!(top_level_value(&document, "kin"), None);
}

#[test]
fn independent_count_on_the_fluxcd_example_fixture_skips_the_overlay_patch() {
    let repo = common::fixture("layout-fluxcd-example");
    // podinfo-values.yaml is a partial HelmRelease used as a patch: two HelmReleases, not three.
    assert_eq!(independent_count(&repo.root), FluxCount { kustomizations: 4, helm_releases: 2 });
    let helm = common::fixture("helm-chart");
    assert_eq!(independent_count(&helm.root), FluxCount { kustomizations: 1, helm_releases: 1 });
}
