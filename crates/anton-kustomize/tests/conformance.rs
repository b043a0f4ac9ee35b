//! Conformance with `kubectl kustomize`, run by the kubectl of the test
//! harness (the one matching its API server, see `anton_testenv::needs`):
//! every kustomization folder of the shared corpora and of this crate's
//! fixtures is built by anton and by kubectl, and the two outputs are
//! compared as data (same objects, same content, order-insensitive).
//!
//! Outside CI the tests report a skip when the corpora or the harness are
//! absent; in CI (`CI=true`) they fail instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anton_kustomize::Engine;
use anton_repo::{LoadOptions, Repository};
use serde_json::Value;

/// The corpus folders both sides must build, at least: all 176 of the
/// shared corpora built with kubectl v1.37.2 (kustomize v5.8.1) offline.
const MIN_CORPUS_FOLDERS_COMPARED: usize = 176;

/// kubectl's objects for a folder, or `None` when kubectl cannot build it offline.
fn kubectl_build(kubectl: &Path, dir: &Path) -> Option<Vec<Value>> {
    let output = Command::new(kubectl)
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", kubectl.display()));
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let parsed = anton_yaml::parse_stream(&text);
    assert!(parsed.issues.is_empty(), "kubectl output does not parse: {:?}", parsed.issues);
    Some(parsed.documents.into_iter().map(|d| d.root.to_json()).collect())
}

fn identity(object: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    format!(
        "{} {} {}/{}",
        text(&object["apiVersion"]),
        text(&object["kind"]),
        text(&object["metadata"]["namespace"]),
        text(&object["metadata"]["name"])
    )
}

/// The first place two JSON values differ, as a path.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, &format!("{path}.{key}")) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{path}.{key}: anton {p:?} vs kubectl {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: anton {a} vs kubectl {b}")),
    }
}

/// Compares as multisets of objects; `None` when identical, else the reason.
fn compare(anton: &[Value], kubectl: &[Value]) -> Option<String> {
    let index = |objects: &[Value]| -> BTreeMap<String, Vec<Value>> {
        let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for object in objects {
            map.entry(identity(object)).or_default().push(object.clone());
        }
        map
    };
    let (mine, theirs) = (index(anton), index(kubectl));
    let mut reasons = Vec::new();
    for (id, objects) in &mine {
        match theirs.get(id) {
            None => reasons.push(format!("only anton emits {id}")),
            Some(other) if other.len() != objects.len() => reasons.push(format!("{id} emitted {} times vs {}", objects.len(), other.len())),
            Some(other) => {
                for (a, b) in objects.iter().zip(other) {
                    if let Some(diff) = first_difference(a, b, "") {
                        reasons.push(format!("{id}: {diff}"));
                    }
                }
            }
        }
    }
    for id in theirs.keys() {
        if !mine.contains_key(id) {
            reasons.push(format!("only kubectl emits {id}"));
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

#[derive(Default)]
struct Tally {
    compared: usize,
    identical: usize,
    skipped: usize,
    differences: Vec<String>,
}

fn check_repository(kubectl: &Path, root: &Path, tally: &mut Tally) {
    let repo = Repository::load(root, &LoadOptions { respect_gitignore: false, root: Some(root.to_path_buf()), ..LoadOptions::default() })
        .expect("the repository loads");
    let engine = Engine::new(&repo);
    let mut dirs: Vec<String> = engine.configs().map(|c| c.dir.clone()).collect();
    dirs.sort();
    // kubectl is the slow side: run it for every folder on a few threads.
    let expected: Vec<Option<Vec<Value>>> = std::thread::scope(|scope| {
        let chunk = dirs.len().div_ceil(4).max(1);
        let handles: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| {
                let repo = &repo;
                scope.spawn(move || part.iter().map(|dir| kubectl_build(kubectl, &repo.absolute(dir))).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("kubectl thread")).collect()
    });
    for (dir, expected) in dirs.iter().zip(expected) {
        let Some(expected) = expected else {
            tally.skipped += 1;
            continue;
        };
        tally.compared += 1;
        let build = engine.build_dir(dir).expect("a folder with a kustomization builds");
        let actual: Vec<Value> = build.objects.iter().map(|o| o.node.to_json()).collect();
        match compare(&actual, &expected) {
            None => tally.identical += 1,
            Some(reason) => tally.differences.push(format!("{}/{dir}: {reason}", root.display())),
        }
    }
}

fn report(name: &str, tally: &Tally) {
    eprintln!(
        "{name}: {} folders compared, {} identical, {} different, {} not buildable offline by kubectl",
        tally.compared,
        tally.identical,
        tally.differences.len(),
        tally.skipped
    );
    for difference in &tally.differences {
        eprintln!("  DIFFERENT {difference}");
    }
}

#[test]
fn corpora_build_like_kubectl() {
    let Some(corpora) = anton_testenv::needs::corpora() else { return };
    let Some(kubectl) = anton_testenv::needs::kubectl() else { return };
    let mut tally = Tally::default();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&corpora).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    entries.sort();
    for corpus in entries {
        check_repository(&kubectl, &corpus, &mut tally);
    }
    report("corpora", &tally);
    assert!(tally.differences.is_empty(), "{} folders differ from kubectl", tally.differences.len());
    assert!(
        tally.compared >= MIN_CORPUS_FOLDERS_COMPARED,
        "only {} corpus folders were compared (at least {MIN_CORPUS_FOLDERS_COMPARED} expected; {} not buildable by kubectl)",
        tally.compared,
        tally.skipped
    );
}

#[test]
fn fixtures_build_like_kubectl() {
    let Some(kubectl) = anton_testenv::needs::kubectl() else { return };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut tally = Tally::default();
    check_repository(&kubectl, &fixtures.canonicalize().unwrap(), &mut tally);
    report("fixtures", &tally);
    assert!(tally.compared > 0);
    assert!(tally.differences.is_empty(), "{} folders differ from kubectl", tally.differences.len());
}
