//! Every `anton …` command in the README's code blocks runs as shown in this
//! repository: a new user's first copy-paste must not be an error.
//!
//! The commands are read from README.md, not copied here. Each must have an
//! entry in [`EXPECTED`] (its exit code, or `Live`), and every entry must
//! still be in the README: a new example fails this test until someone has
//! run it and written down what it does, and a removed one fails it too.
//!
//! They run in a copy of this repository's GitOps tree (`kubernetes/`,
//! `talos/` and the root files) committed to a fresh git repository with an
//! `origin/main` ref, so `anton diff --base origin/main` has the history it
//! needs and `--output-file`/`init-config` write into the copy, not into the
//! checkout. Commands that need a live cluster run twice: with no kubeconfig
//! (the documented failure: exit 3, a message naming the kubeconfig) and
//! against the real test API server (`anton-testenv`), where they must do
//! their job (not exit 3).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Runs offline; exits with this code.
    Exit(i32),
    /// Needs a cluster.
    Live,
    /// Needs a cluster and runs until stopped (`anton watch`): against the
    /// test API server it runs as `--events --timeout 3s` and must print
    /// only NDJSON and exit 0.
    Stream,
}

/// What each README command does in this repository. The bundled tree has a
/// few warnings (the exit code 1 of `anton validate`): they are the golden
/// rules doing their job, listed by `anton validate` itself.
const EXPECTED: &[(&str, Outcome)] = &[
    ("anton completions bash", Outcome::Exit(0)),
    ("anton completions zsh", Outcome::Exit(0)),
    ("anton completions fish", Outcome::Exit(0)),
    ("anton man --dir ~/.local/share/man/man1", Outcome::Exit(0)),
    ("anton --version", Outcome::Exit(0)),
    ("anton validate", Outcome::Exit(0)),
    ("anton validate ./kubernetes/flux/meta", Outcome::Exit(0)),
    ("anton validate --json", Outcome::Exit(0)),
    ("anton validate --format github", Outcome::Exit(0)),
    ("anton validate --output-file sarif=anton.sarif --output-file junit=anton.xml", Outcome::Exit(0)),
    ("anton validate --select flux,secrets --ignore flux/no-timeout", Outcome::Exit(0)),
    ("anton rules", Outcome::Exit(0)),
    ("anton rules explain flux/sourceref-namespace", Outcome::Exit(0)),
    ("anton init-config", Outcome::Exit(0)),
    ("anton build cloudflared", Outcome::Exit(0)),
    ("anton build kubernetes/apps/network/cloudflared/app --format json", Outcome::Exit(0)),
    ("anton build --all --summary", Outcome::Exit(0)),
    ("anton diff --base origin/main", Outcome::Exit(0)),
    ("anton diff --base origin/main --format markdown", Outcome::Exit(0)),
    ("anton rules explain guard", Outcome::Exit(0)),
    ("anton get ks", Outcome::Exit(0)),
    ("anton get hr --format json", Outcome::Exit(0)),
    ("anton get ks -o wide", Outcome::Exit(0)),
    ("anton check", Outcome::Live),
    ("anton check --ci", Outcome::Exit(0)),
    ("anton health", Outcome::Live),
    ("anton secrets", Outcome::Live),
    ("anton secrets onepassword setup --help", Outcome::Exit(0)),
    ("anton flux status", Outcome::Live),
    ("anton storage", Outcome::Live),
    ("anton storage --detailed", Outcome::Live),
    ("anton network", Outcome::Live),
    ("anton network --probe", Outcome::Live),
    ("anton network --json", Outcome::Live),
    ("anton schemas pull", Outcome::Live),
    ("anton watch", Outcome::Stream),
    ("anton watch --events", Outcome::Stream),
    ("anton mcp --help", Outcome::Exit(0)),
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// One documented command: what to run, and what the README does with its output.
#[derive(Debug)]
struct Example {
    /// The `anton …` part, as written (comment, pipe and redirect removed).
    command: String,
    args: Vec<String>,
    /// `… | jq …`: stdout must be JSON.
    piped_to_jq: bool,
    /// `… > file`: stdout is what the user keeps.
    redirected: bool,
}

/// Every line of a fenced code block that starts with `anton`.
fn readme_examples(readme: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut in_block = false;
    // ```text blocks show output (a capture of `anton watch`), not commands.
    let mut output_block = false;
    for line in readme.lines() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            in_block = !in_block;
            output_block = in_block && info.trim() == "text";
            continue;
        }
        let line = line.trim();
        if !in_block || output_block || !(line == "anton" || line.starts_with("anton ")) {
            continue;
        }
        let without_comment = match line.find(" #") {
            Some(at) => &line[..at],
            None => line,
        };
        let piped_to_jq = without_comment.contains("| jq");
        let redirected = without_comment.contains(" > ");
        let command = without_comment.split(['|', '>']).next().unwrap_or_default().trim().to_owned();
        assert!(
            !command.contains(['\'', '"', '$', '`', '<', '…']),
            "README command {command:?}: quotes, variables and placeholders cannot run as written; use a concrete example"
        );
        let args = command.split_whitespace().skip(1).map(str::to_owned).collect();
        examples.push(Example { command, args, piped_to_jq, redirected });
    }
    examples
}

/// A copy of this repository's GitOps tree, committed, with `origin/main`.
fn repository_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().canonicalize().expect("canonical temp path").join("anton");
    let source = workspace_root();
    std::fs::create_dir_all(&root).expect("create copy");
    for entry in std::fs::read_dir(&source).expect("read the workspace root") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        let is_dir = entry.file_type().expect("file type").is_dir();
        if (is_dir && (name == "kubernetes" || name == "talos")) || (!is_dir && name != ".git") {
            copy(&entry.path(), &root.join(&name));
        }
    }
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .current_dir(&root)
            .args(["-c", "user.name=readme", "-c", "user.email=readme@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .expect("run git");
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "the README's repository"]);
    git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    (dir, root)
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("create folder");
        for entry in std::fs::read_dir(from).expect("read folder") {
            let entry = entry.expect("entry");
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).expect("copy file");
    }
}

/// Runs an example in `cwd` as a new user would: no kubeconfig anywhere
/// (`KUBECONFIG` unset, an empty `home`), caches in `home`.
fn run(cwd: &Path, home: &Path, args: &[String], extra: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("anton")
        .expect("the anton binary is built")
        .current_dir(cwd)
        .args(args)
        .args(extra)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("NO_COLOR", "1")
        .output()
        .expect("run anton")
}

#[test]
fn every_readme_example_runs_as_documented_in_this_repository() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let examples = readme_examples(&readme);
    assert!(examples.len() >= 15, "found only {} examples in README.md: {examples:#?}", examples.len());

    let documented: Vec<&str> = examples.iter().map(|e| e.command.as_str()).collect();
    for (command, _) in EXPECTED {
        assert!(documented.contains(command), "`{command}` is no longer in the README; remove it from EXPECTED");
    }

    let (_dir, root) = repository_copy();
    let home = root.parent().expect("temp folder").join("home");
    std::fs::create_dir_all(&home).expect("create home");
    let mut live = Vec::new();
    for example in &examples {
        let Some((_, outcome)) = EXPECTED.iter().find(|(command, _)| *command == example.command) else {
            panic!("README example `{}` has no entry in EXPECTED: run it here and add its exit code", example.command);
        };
        let output = run(&root, &home, &example.args, &[]);
        let code = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let shown = format!("`{}` exited {code}\nstdout:\n{stdout}\nstderr:\n{stderr}", example.command);
        match outcome {
            Outcome::Exit(expected) => {
                assert_eq!(code, *expected, "{shown}");
                assert!(!stdout.trim().is_empty(), "no output: {shown}");
            }
            Outcome::Live | Outcome::Stream => {
                assert_eq!(code, 3, "with no kubeconfig, a live command cannot do its job: {shown}");
                let said = format!("{stdout}{stderr}");
                assert!(
                    said.contains("no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config"),
                    "the message says how to point anton at a cluster: {shown}"
                );
                live.push((example, *outcome));
            }
        }
        if example.piped_to_jq {
            let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON for jq ({e}): {shown}"));
            common::assert_contract(&report);
        }
        if example.redirected {
            assert!(stdout.lines().count() > 1, "{shown}");
        }
    }
    // What the examples promise to write, they wrote.
    for written in ["anton.sarif", "anton.xml", ".anton.toml"] {
        assert!(root.join(written).is_file(), "{written} was not written");
    }

    // Against a real API server the live examples do their job.
    let Some(env) = anton_testenv::TestEnv::shared() else { return };
    let kubeconfig = env.admin_kubeconfig();
    let kubeconfig = kubeconfig.to_str().expect("UTF-8 path");
    for (example, outcome) in live {
        if outcome == Outcome::Stream {
            let mut extra = vec!["--kubeconfig", kubeconfig, "--timeout", "3s"];
            if !example.args.iter().any(|a| a == "--events") {
                extra.push("--events");
            }
            let output = run(&root, &home, &example.args, &extra);
            let stdout = String::from_utf8_lossy(&output.stdout);
            let shown = format!("`{}` exited {:?}\nstdout:\n{stdout}\nstderr:\n{}", example.command, output.status.code(), String::from_utf8_lossy(&output.stderr));
            assert_eq!(output.status.code(), Some(0), "{shown}");
            assert!(stdout.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()), "{shown}");
            continue;
        }
        let mut extra = vec!["--kubeconfig", kubeconfig];
        // `anton network --json | jq .status` already asks for JSON.
        if !example.args.iter().any(|a| a == "--json") {
            extra.push("--json");
        }
        let output = run(&root, &home, &example.args, &extra);
        let code = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            (0..=2).contains(&code),
            "`{}` against the test API server exited {code}:\n{stdout}\n{}",
            example.command,
            String::from_utf8_lossy(&output.stderr)
        );
        let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("`{}`: not JSON ({e}):\n{stdout}", example.command));
        assert_live_contract(&report, &example.command);
    }
}

/// The report contract as live commands fill it: their findings name
/// objects of the cluster, not `file:line:col`.
fn assert_live_contract(report: &Value, command: &str) {
    let keys: Vec<&str> = report.as_object().expect("report is an object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["status", "timestamp", "summary", "details", "issues"], "`{command}`");
    let status = report["status"].as_str().unwrap_or_default();
    assert!(["healthy", "warning", "critical"].contains(&status), "`{command}`: status {status}");
    let count = |key: &str| report["summary"][key].as_u64().unwrap_or_else(|| panic!("`{command}`: summary.{key}"));
    assert_eq!(count("total"), count("healthy") + count("warnings") + count("critical"), "`{command}`");
    assert!(report["issues"].is_array(), "`{command}`");
}

#[test]
fn commands_are_read_with_their_pipes_redirects_and_comments_removed() {
    let readme = "text\n```text\nanton watch  admin @ https://127.0.0.1:6443  ● live\n```\n```sh\nanton validate --json | jq .summary    # the contract\nanton diff --base origin/main --format markdown > comment.md\ncargo run -- validate\n  anton get ks\n```\n`anton rules` in prose is not a block\n";
    let examples = readme_examples(readme);
    let commands: Vec<&str> = examples.iter().map(|e| e.command.as_str()).collect();
    assert_eq!(commands, ["anton validate --json", "anton diff --base origin/main --format markdown", "anton get ks"]);
    assert!(examples[0].piped_to_jq && !examples[0].redirected);
    assert!(examples[1].redirected && !examples[1].piped_to_jq);
    assert_eq!(examples[2].args, ["get", "ks"]);
}
