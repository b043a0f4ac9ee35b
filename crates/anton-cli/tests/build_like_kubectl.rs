//! `anton build FOLDER` prints what `kubectl kustomize FOLDER` prints, as
//! data and here as text too: strings a YAML reader would take for another
//! type stay quoted, folded scalars read as kustomize passes them on, and a
//! folder inside a dot-folder is built. Each fixture's expectations are
//! checked on anton alone first; the harness's version-matched kubectl then
//! confirms them (a skip is reported; in CI it fails).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Repo, anton, fixture};

/// `anton build DIR` from the repository root: exit 0 and its stdout.
fn anton_build(repo: &Repo, dir: &str) -> String {
    let run = anton(repo, &["build", dir]);
    assert_eq!(run.code, 0, "anton build {dir}:\n{}\n{}", run.stdout, run.stderr);
    run.stdout
}

/// kubectl's output for the same folder equals anton's, byte for byte.
fn assert_kubectl_prints(repo: &Repo, dir: &str, anton_output: &str) {
    let Some(kubectl) = anton_testenv::needs::kubectl() else { return };
    let output = Command::new(&kubectl)
        .args(["kustomize", dir])
        .current_dir(&repo.root)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", kubectl.display()));
    assert!(output.status.success(), "kubectl kustomize {dir}: {}", String::from_utf8_lossy(&output.stderr));
    let kubectl_output = String::from_utf8(output.stdout).expect("kubectl writes UTF-8");
    assert_eq!(anton_output, kubectl_output, "anton build {dir} differs from kubectl kustomize {dir}");
}

fn line_of<'a>(output: &'a str, key: &str) -> &'a str {
    output
        .lines()
        .find(|line| line.trim_start().starts_with(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}:` in\n{output}"))
        .trim_start()
}

#[test]
fn strings_that_read_as_another_type_stay_quoted() {
    let repo = fixture("build-scalar-types");
    let output = anton_build(&repo, "app");
    for (key, written) in [
        ("lastmodified", "\"2024-01-01T00:00:00Z\""),
        ("backup/since", "\"2024-04-01\""),
        ("date", "\"2024-04-01\""),
        ("short-date", "\"2024-4-1\""),
        ("spaced-time", "\"2001-12-14 21:59:43.10\""),
        ("lowercase-t", "\"2001-12-14t21:59:43.10-05:00\""),
        ("sexagesimal", "\"1:20\""),
        ("\"yes\"", "\"yes\""),
        ("\"off\"", "\"Off\""),
        ("\"n\"", "\"N\""),
        ("octal", "\"0755\""),
        ("octal-yaml12", "\"0o17\""),
        ("hex", "\"0x1F\""),
        ("tilde", "\"~\""),
        ("infinity", "\".inf\""),
        ("exponent", "\"1e3\""),
        ("separators", "\"1_000\""),
        ("plain-version", "v2024.04.01"),
        ("plain-suffix", "2024-04-01-backup"),
        ("plain-port", "10.0.0.1:80"),
    ] {
        assert_eq!(line_of(&output, key), format!("{key}: {written}"));
    }
    assert_kubectl_prints(&repo, "app", &output);
}

#[test]
fn folded_scalars_read_as_kustomize_passes_them_on() {
    let repo = fixture("build-folded-scalars");
    let output = anton_build(&repo, "app");
    // `--json` prints a `List` of the objects.
    let json = anton(&repo, &["build", "app", "--json"]).json();
    let data = &json["items"][0]["data"];
    for (key, value) in [
        // A break before a more-indented line is doubled (go-yaml v3 writes an
        // empty line there), as kustomize-controller applies it.
        ("more-indented", "first line continued\n\n  more indented\n  still more\nback\n"),
        ("blank-lines", "a\n\n\n  b\n\nc\n"),
        ("strip", "a\n\n  b\nc"),
        ("keep", "a\n\n  b\nc\n\n\n\n"),
        ("tab", "a\n\n\tb\nc\n"),
        // Nothing more-indented: YAML's reading.
        ("folded-only", "one two\nthree\n"),
        ("literal", "a\n  b\n"),
    ] {
        assert_eq!(data[key], value, "{key}: {data:#}");
    }
    assert_kubectl_prints(&repo, "app", &output);
}

#[test]
fn a_folder_inside_a_dot_folder_is_built_when_named() {
    let repo = fixture("build-dot-folder");
    assert!(Path::new(&repo.root).join(".archive/app/kustomization.yaml").is_file());
    let output = anton_build(&repo, ".archive/app");
    assert_eq!(
        output,
        "apiVersion: v1\ndata:\n  kept: \"true\"\nkind: ConfigMap\nmetadata:\n  name: archived\n  namespace: default\n"
    );
    assert_kubectl_prints(&repo, ".archive/app", &output);
    // The repository's own checks still leave dot-folders alone.
    let run = anton(&repo, &["validate", "--json"]);
    assert!(!run.stdout.contains(".archive"), "{}", run.stdout);
}
