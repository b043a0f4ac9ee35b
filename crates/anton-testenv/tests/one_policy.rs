//! Tests decide about skipping in one place, `anton_testenv::needs`: no test
//! or unit test elsewhere looks for kubectl, the shared corpora or a skip
//! on its own, where it could pass silently (or in CI) without running.

use std::path::{Path, PathBuf};

/// (what a file must not contain, what to use instead).
const OWN_POLICIES: &[(&str, &str)] = &[
    ("Command::new(\"kubectl\")", "anton_testenv::needs::kubectl(), the harness's version-matched kubectl"),
    ("shared/corpora\"", "anton_testenv::needs::corpora()"),
    ("eprintln!(\"skip", "anton_testenv::needs (or needs::skip) to report a skip, which fails in CI"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_test_decides_on_its_own_whether_to_skip() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap().flatten() {
        if krate.file_name() == "anton-testenv" {
            continue;
        }
        // What `cargo test` runs: integration tests and unit tests.
        rust_files(&krate.path().join("tests"), &mut files);
        rust_files(&krate.path().join("src"), &mut files);
    }
    assert!(files.len() > 100, "found only {} Rust files under {}", files.len(), crates.display());
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (pattern, instead) in OWN_POLICIES {
            for (index, line) in text.lines().enumerate() {
                if line.to_ascii_lowercase().contains(&pattern.to_ascii_lowercase()) {
                    offenders.push(format!("{}:{}: `{pattern}`: use {instead}", file.display(), index + 1));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
