//! The GitHub Action's script (`.github/action/run.sh`, run by `action.yml`)
//! with the environment GitHub gives a step: `GITHUB_EVENT_NAME`,
//! `GITHUB_EVENT_PATH` (a `pull_request` payload), `GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, anton on `PATH`, the checkout as the
//! working folder. Only the comment is not posted: `ANTON_ACTION_COMMENT_FILE`
//! makes the script write its body to a file instead of calling the API.
//! Also checks that the action and the workflows are YAML that says what
//! they should.

use std::path::{Path, PathBuf};
use std::process::Output;

// The git repositories of anton-diff's own tests: init, write, commit, tag.
#[path = "../../anton-diff/tests/common/mod.rs"]
mod diff_common;

use diff_common::GitRepo;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn flux_ks(name: &str, path: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  timeout: 5m\n  wait: true\n  path: {path}\n  prune: true\n  targetNamespace: media\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )
}

const PVC: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: jellyfin-config\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: ceph-block\n  resources:\n    requests:\n      storage: 10Gi\n";

/// A clean tree (`anton validate` exits 0): a root Flux Kustomization, the
/// `media` Namespace, and `jellyfin` with a claim. Committed as `base`.
fn base_repo() -> GitRepo {
    let repo = GitRepo::new(&[
        ("kubernetes/flux/cluster/ks.yaml", &flux_ks("cluster-apps", "./kubernetes/apps").replace("  targetNamespace: media\n", "")),
        ("kubernetes/apps/kustomization.yaml", "resources:\n  - ./media\n"),
        ("kubernetes/apps/media/kustomization.yaml", "resources:\n  - ./namespace.yaml\n  - ./jellyfin/ks.yaml\n"),
        ("kubernetes/apps/media/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n"),
        ("kubernetes/apps/media/jellyfin/ks.yaml", &flux_ks("jellyfin", "./kubernetes/apps/media/jellyfin/app")),
        ("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "resources:\n  - ./pvc.yaml\n"),
        ("kubernetes/apps/media/jellyfin/app/pvc.yaml", PVC),
    ]);
    repo.commit("base");
    repo
}

/// What one run of the script left behind.
struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    /// `GITHUB_OUTPUT`, as `name=value` lines.
    outputs: String,
    summary: String,
    /// The comment body, when the script would have posted one.
    comment: Option<String>,
}

impl Step {
    fn output(&self, name: &str) -> Option<&str> {
        self.outputs.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
    }

    fn shown(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}\nGITHUB_OUTPUT:\n{}\nsummary:\n{}\ncomment:\n{:?}",
            self.code, self.stdout, self.stderr, self.outputs, self.summary, self.comment
        )
    }
}

/// Runs the action's script in `repo` as GitHub would for `event`
/// (`pull_request` from `base` to the work tree, or `push`), with `inputs`
/// as the action passes them (`INPUT_PATH`, …).
fn run_action(repo: &GitRepo, event: &str, inputs: &[(&str, &str)]) -> Step {
    let temp = tempfile::tempdir().expect("temporary folder");
    let runner_temp = temp.path().join("runner-temp");
    std::fs::create_dir_all(&runner_temp).expect("RUNNER_TEMP");
    let outputs = temp.path().join("github-output");
    let summary = temp.path().join("step-summary");
    let comment = temp.path().join("comment.md");
    let event_path = temp.path().join("event.json");
    std::fs::File::create(&outputs).expect("GITHUB_OUTPUT");
    std::fs::File::create(&summary).expect("GITHUB_STEP_SUMMARY");
    let base_sha = repo.git(&["rev-parse", "base"]).trim().to_owned();
    let payload = match event {
        "pull_request" => serde_json::json!({
            "action": "synchronize",
            "number": 42,
            "pull_request": {
                "number": 42,
                "base": {"ref": "main", "sha": base_sha},
                "head": {"ref": "change", "sha": repo.git(&["rev-parse", "HEAD"]).trim()},
            },
        }),
        _ => serde_json::json!({"ref": "refs/heads/main", "after": repo.git(&["rev-parse", "HEAD"]).trim()}),
    };
    std::fs::write(&event_path, payload.to_string()).expect("event payload");

    let anton_dir = assert_cmd::cargo::cargo_bin("anton").parent().expect("bin folder").to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(anton_dir).chain(std::env::split_paths(&path))).expect("PATH");

    let mut command = std::process::Command::new("bash");
    command.arg(workspace_root().join(".github/action/run.sh")).current_dir(&repo.root);
    // Nothing of a real GitHub run this test may itself be in.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("GITHUB_") || name.starts_with("INPUT_") || name == "GH_TOKEN" || name == "RUNNER_TEMP" {
            command.env_remove(name.as_ref());
        }
    }
    command
        .env("PATH", path)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_REPOSITORY", "homelab/cluster")
        .env("GITHUB_WORKSPACE", &repo.root)
        .env("RUNNER_TEMP", &runner_temp)
        .env("ANTON_ACTION_COMMENT_FILE", &comment);
    for (name, value) in inputs {
        command.env(name, value);
    }
    let output: Output = command.output().expect("run bash");
    let step = Step {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        outputs: std::fs::read_to_string(&outputs).expect("GITHUB_OUTPUT"),
        summary: std::fs::read_to_string(&summary).expect("GITHUB_STEP_SUMMARY"),
        comment: std::fs::read_to_string(&comment).ok(),
    };
    let left: Vec<_> = std::fs::read_dir(&runner_temp).expect("RUNNER_TEMP").collect();
    assert!(left.is_empty(), "the script left files in RUNNER_TEMP: {left:?}\n{}", step.shown());
    step
}

const MARKER: &str = "<!-- anton-diff: sticky comment of the anton action -->";

#[test]
fn a_safe_pull_request_passes_with_the_diff_as_its_comment() {
    let repo = base_repo();
    repo.write(
        "kubernetes/apps/media/jellyfin/app/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: jellyfin-settings\ndata:\n  TZ: UTC\n",
    );
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./pvc.yaml\n", "  - ./pvc.yaml\n  - ./configmap.yaml\n");
    repo.commit("head");

    let step = run_action(&repo, "pull_request", &[("INPUT_PATH", "kubernetes"), ("INPUT_KUBERNETES_VERSION", "1.33")]);
    let shown = step.shown();
    assert_eq!(step.code, 0, "{shown}");
    assert_eq!(step.output("validate-exit-code"), Some("0"), "{shown}");
    assert_eq!(step.output("diff-exit-code"), Some("0"), "{shown}");
    assert!(step.stdout.contains("::group::anton validate kubernetes --kubernetes-version 1.33"), "{shown}");
    assert!(step.stdout.contains("::group::anton diff --base "), "{shown}");
    assert!(step.summary.contains("### anton validate") && step.summary.contains("no problems"), "{shown}");
    assert!(step.summary.contains("anton diff") && step.summary.contains("ConfigMap"), "{shown}");
    let comment = step.comment.as_deref().unwrap_or_else(|| panic!("no comment: {shown}"));
    assert!(comment.starts_with(MARKER), "{comment}");
    assert!(comment.contains("jellyfin-settings") && comment.contains(&repo.git(&["rev-parse", "--short", "base"]).trim().to_owned()), "{comment}");
    assert!(!step.stdout.contains("::error"), "{shown}");
}

#[test]
fn a_pull_request_that_deletes_a_claim_fails_on_the_destructive_change() {
    let repo = base_repo();
    repo.remove("kubernetes/apps/media/jellyfin/app/pvc.yaml");
    repo.write("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "resources: []\n");
    repo.commit("head");

    let step = run_action(&repo, "pull_request", &[]);
    let shown = step.shown();
    assert_eq!(step.code, 1, "{shown}");
    assert_eq!(step.output("validate-exit-code"), Some("0"), "{shown}");
    assert_eq!(step.output("diff-exit-code"), Some("2"), "{shown}");
    assert!(step.stdout.contains("::error title=anton::anton diff found destructive changes"), "{shown}");
    let comment = step.comment.as_deref().unwrap_or_else(|| panic!("no comment: {shown}"));
    assert!(comment.starts_with(MARKER) && comment.contains("guard/data-loss"), "{comment}");
    assert!(comment.contains("PersistentVolumeClaim/media/jellyfin-config"), "{comment}");
}

#[test]
fn a_push_with_a_plaintext_secret_fails_with_an_annotation_unless_the_rule_is_ignored() {
    let repo = base_repo();
    repo.write(
        "kubernetes/apps/media/jellyfin/app/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: jellyfin-api\nstringData:\n  api-key: do-not-print-this\n",
    );
    repo.edit("kubernetes/apps/media/jellyfin/app/kustomization.yaml", "  - ./pvc.yaml\n", "  - ./pvc.yaml\n  - ./secret.yaml\n");
    repo.commit("head");

    let step = run_action(&repo, "push", &[("INPUT_SELECT", "secrets")]);
    let shown = step.shown();
    assert_eq!(step.code, 1, "{shown}");
    assert_eq!(step.output("validate-exit-code"), Some("2"), "{shown}");
    assert_eq!(step.output("diff-exit-code"), None, "no diff outside pull requests: {shown}");
    assert!(step.comment.is_none(), "{shown}");
    assert!(step.stdout.contains("::group::anton validate --select secrets"), "{shown}");
    assert!(
        step.stdout.lines().any(|l| l.starts_with("::error file=kubernetes/apps/media/jellyfin/app/secret.yaml,line=")
            && l.contains("secrets/plaintext-secret")),
        "{shown}"
    );
    assert!(step.stdout.contains("::error title=anton::anton validate found critical problems"), "{shown}");
    assert!(step.summary.contains("secrets/plaintext-secret"), "{shown}");
    assert!(!format!("{}{}{}", step.stdout, step.stderr, step.summary).contains("do-not-print-this"), "{shown}");

    let ignored = run_action(&repo, "push", &[("INPUT_IGNORE", "secrets/plaintext-secret")]);
    assert_eq!(ignored.code, 0, "{}", ignored.shown());
    assert!(ignored.stdout.contains("--ignore secrets/plaintext-secret"), "{}", ignored.shown());
}

#[test]
fn a_repository_anton_cannot_read_fails_the_step() {
    let repo = base_repo();
    let step = run_action(&repo, "push", &[("INPUT_PATH", "no-such-folder")]);
    let shown = step.shown();
    assert_eq!(step.code, 1, "{shown}");
    assert_eq!(step.output("validate-exit-code"), Some("3"), "{shown}");
    assert!(step.stdout.contains("anton validate could not check the repository (exit 3)"), "{shown}");
}

/// A YAML file of this repository, read with anton's own YAML parser: one
/// document, no issues (syntax errors, duplicate keys).
fn yaml(relative: &str) -> serde_json::Value {
    let path = workspace_root().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = anton_yaml::parse_stream(&text);
    assert!(parsed.issues.is_empty(), "{relative}: {:?}", parsed.issues);
    assert_eq!(parsed.documents.len(), 1, "{relative}: one document");
    parsed.documents[0].root.to_json()
}

/// `run:` lines of a workflow's or action's steps.
fn runs(steps: &serde_json::Value) -> Vec<&str> {
    steps.as_array().expect("steps").iter().filter_map(|step| step["run"].as_str()).collect()
}

#[test]
fn the_action_runs_the_scripts_with_its_inputs() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().expect("inputs");
    for input in ["path", "select", "ignore", "kubernetes-version", "comment", "anton-version", "github-token"] {
        assert!(inputs.contains_key(input), "input {input}");
    }
    let steps = &action["runs"]["steps"];
    assert_eq!(runs(steps), [r#""$GITHUB_ACTION_PATH/.github/action/install.sh""#, r#""$GITHUB_ACTION_PATH/.github/action/run.sh""#]);
    let env = &steps[1]["env"];
    for (variable, input) in [
        ("INPUT_PATH", "path"),
        ("INPUT_SELECT", "select"),
        ("INPUT_IGNORE", "ignore"),
        ("INPUT_KUBERNETES_VERSION", "kubernetes-version"),
        ("INPUT_COMMENT", "comment"),
        ("GH_TOKEN", "github-token"),
    ] {
        assert_eq!(env[variable], format!("${{{{ inputs.{input} }}}}"), "{variable}");
    }
    for output in ["validate-exit-code", "diff-exit-code"] {
        assert_eq!(action["outputs"][output]["value"], format!("${{{{ steps.run.outputs.{output} }}}}"));
    }
    for script in ["install.sh", "run.sh"] {
        let status = std::process::Command::new("bash")
            .arg("-n")
            .arg(workspace_root().join(".github/action").join(script))
            .status()
            .expect("bash -n");
        assert!(status.success(), "{script} is not valid bash");
    }
}

#[test]
fn installing_a_release_on_a_non_linux_runner_fails_with_a_clear_message() {
    // A `uname` that says macOS, first on PATH; nothing is downloaded.
    let dir = tempfile::tempdir().unwrap();
    let uname = dir.path().join("uname");
    std::fs::write(&uname, "#!/bin/sh\ncase \"$1\" in -m) echo arm64 ;; *) echo Darwin ;; esac\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&uname, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new("bash")
        .arg(workspace_root().join(".github/action/install.sh"))
        .env("PATH", path)
        .env("ANTON_VERSION", "v0.1.0")
        .env("ANTON_REPOSITORY", "example/anton")
        .env("RUNNER_TEMP", dir.path())
        .env_remove("GITHUB_PATH")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("::error title=anton action::no anton release binary for Darwin runners"), "{said}");
    assert!(said.contains("leave anton-version empty to build from source"), "{said}");
}

#[test]
fn the_workflows_validate_this_repository_and_release_static_binaries() {
    // Third-party actions are pinned by commit.
    let pinned = |steps: &serde_json::Value| {
        for uses in steps.as_array().expect("steps").iter().filter_map(|s| s["uses"].as_str()) {
            let Some((_, reference)) = uses.split_once('@') else {
                assert_eq!(uses, "./", "a local action or a pinned one");
                continue;
            };
            assert!(reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit()), "{uses} is not pinned by sha");
        }
    };

    let validate = yaml(".github/workflows/validate.yml");
    assert!(validate["on"]["pull_request"].is_null() && validate["on"].get("pull_request").is_some());
    assert_eq!(validate["permissions"]["pull-requests"], "write");
    let steps = &validate["jobs"]["anton"]["steps"];
    pinned(steps);
    let uses_action = steps.as_array().expect("steps").iter().find(|s| s["uses"] == "./").expect("the job uses this repository's action");
    assert_eq!(uses_action["with"]["path"], "kubernetes");
    assert_eq!(steps[0]["with"]["fetch-depth"], 0, "anton diff needs the base commit");

    let release = yaml(".github/workflows/release.yml");
    let build = &release["jobs"]["build"];
    let targets: Vec<&str> =
        build["strategy"]["matrix"]["include"].as_array().expect("matrix").iter().filter_map(|m| m["target"].as_str()).collect();
    assert_eq!(targets, ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]);
    pinned(&build["steps"]);
    pinned(&release["jobs"]["publish"]["steps"]);
    let commands = runs(&build["steps"]).join("\n");
    assert!(commands.contains("cargo build --locked --profile dist --package anton-cli --target \"$TARGET\""), "{commands}");
    assert!(commands.contains("sha256sum \"$archive\" >\"$archive.sha256\""), "{commands}");
    assert!(commands.contains("statically linked"), "{commands}");
    let publish = runs(&release["jobs"]["publish"]["steps"]).join("\n");
    assert!(publish.contains("sha256sum --check --strict") && publish.contains("SHA256SUMS"), "{publish}");
    assert_eq!(release["permissions"]["contents"], "read");
    assert_eq!(release["jobs"]["publish"]["permissions"]["contents"], "write");
}

#[test]
fn the_pre_commit_hooks_run_anton_validate() {
    let text = std::fs::read_to_string(workspace_root().join(".pre-commit-hooks.yaml")).expect(".pre-commit-hooks.yaml");
    let parsed = anton_yaml::parse_stream(&text);
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    let hooks = parsed.documents[0].root.to_json();
    let hooks: Vec<(&str, &str)> = hooks
        .as_array()
        .expect("a list of hooks")
        .iter()
        .map(|h| {
            assert_eq!(h["language"], "rust");
            assert_eq!(h["pass_filenames"], false, "anton checks the repository, not single files");
            (h["id"].as_str().expect("id"), h["entry"].as_str().expect("entry"))
        })
        .collect();
    assert_eq!(
        hooks,
        [("anton-validate", "anton-pre-commit validate"), ("anton-secrets", "anton-pre-commit validate --select secrets")]
    );
}
