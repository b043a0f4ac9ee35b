//! What a person and a script read for each finding fixture. Review changes to
//! the `.snap` files as a user would read the output.
//!
//! Regenerate with `INSTA_UPDATE=always cargo test -p anton-cli --test snapshots`
//! (or `cargo insta review`).

mod common;

use common::{anton, fixture};

/// Text output (`--color never`) of every finding fixture.
const TEXT: [&str; 11] = [
    "yaml-syntax",
    "yaml-duplicate-key",
    "kustomize-missing-resource",
    "kustomize-not-a-kustomization",
    "kustomize-duplicate-object",
    "kustomize-orphan-file",
    "flux-path-missing",
    "flux-source-missing",
    "flux-dependson-missing",
    "flux-dependson-cycle",
    "flux-duplicate-object",
];

/// JSON output of a few, enough to pin the contract's shape and content.
const JSON: [&str; 4] = ["yaml-syntax", "kustomize-orphan-file", "flux-source-missing", "flux-dependson-cycle"];

fn validate(name: &str, extra: &[&str]) -> common::Run {
    let repo = fixture(name);
    let root = repo.root.to_str().expect("UTF-8 path").to_owned();
    let mut args = vec!["validate", root.as_str()];
    args.extend_from_slice(extra);
    anton(&repo, &args)
}

/// The timestamp and the absolute paths of the temporary copy change on every run.
fn stable_json_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r#""timestamp": "[^"]+""#, r#""timestamp": "[timestamp]""#);
    settings.add_filter(r#""(root|scanned)": "[^"]+""#, r#""$1": "[temporary copy of the fixture]""#);
    settings.set_prepend_module_to_snapshot(false);
    settings
}

#[test]
fn text_output_of_every_finding_fixture() {
    for name in TEXT {
        let run = validate(name, &[]);
        insta::with_settings!({ prepend_module_to_snapshot => false, description => format!("anton validate {name} --color never (exit {})", run.code) }, {
            insta::assert_snapshot!(format!("text__{name}"), run.stdout);
        });
    }
}

#[test]
fn json_output_of_finding_fixtures() {
    for name in JSON {
        let run = validate(name, &["--json"]);
        stable_json_settings().bind(|| {
            insta::assert_snapshot!(format!("json__{name}"), run.stdout);
        });
    }
}

#[test]
fn verbose_text_frames_every_finding() {
    let run = validate("flux-dependson-missing", &["--verbose"]);
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("text_verbose__flux-dependson-missing", run.stdout);
    });
}

#[test]
fn github_output_of_a_fixture_with_several_findings() {
    let run = validate("kustomize-not-a-kustomization", &["--format", "github"]);
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("github__kustomize-not-a-kustomization", run.stdout);
    });
}
