//! `.ci/run`, the CI entry point, with a stand-in `cargo` first on `PATH`
//! that records its arguments instead of testing the workspace again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ci_run(env: &[(&str, &str)]) -> (Output, Option<String>) {
    let bin = tempfile::tempdir().unwrap();
    let record = bin.path().join("cargo-args");
    let cargo = bin.path().join("cargo");
    std::fs::write(&cargo, format!("#!/bin/sh\necho \"$@\" > '{}'\n", record.display())).unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let script: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/run");
    let mut command = Command::new("bash");
    command.arg(&script).env("PATH", path).env_remove("CI").env_remove("ANTON_TESTENV_SKIP");
    command.envs(env.iter().copied());
    let output = command.output().expect("bash runs");
    (output, std::fs::read_to_string(&record).ok())
}

#[test]
fn ci_refuses_anton_testenv_skip() {
    for ci in ["true", "TRUE", "1"] {
        for skip in ["1", "true"] {
            let (output, cargo) = ci_run(&[("CI", ci), ("ANTON_TESTENV_SKIP", skip)]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "CI={ci} ANTON_TESTENV_SKIP={skip}: {stderr}");
            assert!(cargo.is_none(), "CI={ci}: cargo ran anyway ({cargo:?})");
            assert!(stderr.contains("ANTON_TESTENV_SKIP") && stderr.contains("CI=true"), "{stderr}");
        }
    }
}

#[test]
fn ci_and_local_runs_test_the_whole_workspace() {
    for env in [&[("CI", "true")][..], &[("ANTON_TESTENV_SKIP", "1")][..], &[][..]] {
        let (output, cargo) = ci_run(env);
        assert!(output.status.success(), "{env:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(cargo.as_deref(), Some("test --workspace --locked\n"), "{env:?}");
    }
}
