//! The hooks of `.pre-commit-hooks.yaml`, as a homelab repository uses them:
//! pre-commit from PyPI, a `.pre-commit-config.yaml` pointing at a clone of
//! this repository by commit, `pre-commit install`, then `git commit`. A
//! clean commit passes; one that adds a plaintext Secret is refused.
//!
//! pre-commit builds anton itself (`cargo install --path .`, a release
//! build). To keep that affordable the build goes to a target folder kept
//! across runs (`~/.cache/anton/pre-commit-build`) with a cheap release
//! profile (no optimisation, no debug info), set through cargo's
//! environment for this test only; pre-commit's own cache is new each run,
//! so the install itself always runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// `git` in `dir` with a fixed identity and no signing, whatever the user's configuration.
fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "pre-commit test")
        .env("GIT_AUTHOR_EMAIL", "pre-commit@example.invalid")
        .env("GIT_COMMITTER_NAME", "pre-commit test")
        .env("GIT_COMMITTER_EMAIL", "pre-commit@example.invalid")
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "commit.gpgsign")
        .env("GIT_CONFIG_VALUE_0", "false");
    command
}

fn succeed(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(output.status.success(), "{command:?} failed:\n{}", shown(&output));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// This repository as its working tree is now (tracked and new files, not
/// ignored ones), committed to a new repository at `to`: pre-commit clones
/// a commit, and the hooks under test may not be committed yet.
fn snapshot_of_this_repository(to: &Path) -> String {
    let root = workspace_root();
    let listed = git(&root).args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).output();
    let Ok(listed) = listed.map_err(|e| e.to_string()).and_then(|o| {
        if o.status.success() { Ok(o.stdout) } else { Err(String::from_utf8_lossy(&o.stderr).into_owned()) }
    }) else {
        panic!("this test clones the repository it runs in, but {} is not a git checkout", root.display());
    };
    for file in listed.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let file = Path::new(std::str::from_utf8(file).expect("UTF-8 file names"));
        let source = root.join(file);
        // Deleted in the working tree but still in the index.
        if !source.is_file() {
            continue;
        }
        let target = to.join(file);
        std::fs::create_dir_all(target.parent().expect("a file has a folder")).expect("create folder");
        std::fs::copy(&source, &target).unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
    }
    succeed(git(to).args(["init", "-q", "-b", "main"]));
    succeed(git(to).args(["add", "-A"]));
    succeed(git(to).args(["commit", "-q", "-m", "anton as the pre-commit test finds it"]));
    succeed(git(to).args(["rev-parse", "HEAD"]))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy file");
        }
    }
}

/// The build cache this test keeps between runs.
fn build_cache() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is set");
    Path::new(&home).join(".cache/anton/pre-commit-build")
}

/// pre-commit, or git running its hook, in the homelab repository.
fn with_pre_commit_env<'c>(command: &'c mut Command, pre_commit_home: &Path) -> &'c mut Command {
    command
        .env("PRE_COMMIT_HOME", pre_commit_home)
        .env("CARGO_TARGET_DIR", build_cache())
        // A release build as cheap as a build can be: the hooks' result does
        // not depend on optimisation, and the fixture is tiny.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("NO_COLOR", "1")
}

/// The binary pre-commit installed: `<home>/repo*/rustenv-*/bin/anton-pre-commit`.
fn installed_binary(pre_commit_home: &Path) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(pre_commit_home)
        .expect("PRE_COMMIT_HOME")
        .flatten()
        .flat_map(|repo| std::fs::read_dir(repo.path()).into_iter().flatten().flatten())
        .filter(|env| env.file_name().to_string_lossy().starts_with("rustenv-"))
        .map(|env| env.path().join("bin/anton-pre-commit"))
        .filter(|bin| bin.is_file())
        .collect();
    assert_eq!(found.len(), 1, "one anton-pre-commit installed in {}: {found:?}", pre_commit_home.display());
    found.into_iter().next().expect("one binary")
}

#[test]
fn the_hooks_pass_a_clean_commit_and_refuse_one_with_a_plaintext_secret() {
    let Some(pre_commit) = anton_testenv::needs::pre_commit() else { return };
    let temp = tempfile::tempdir().expect("temporary folder");
    let temp = temp.path().canonicalize().expect("canonical temp path");

    let hooks_repository = temp.join("anton");
    let rev = snapshot_of_this_repository(&hooks_repository);

    let homelab = temp.join("homelab");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pre-commit-homelab"), &homelab);
    std::fs::write(
        homelab.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: anton-validate\n      - id: anton-secrets\n",
            hooks_repository.display()
        ),
    )
    .expect("write .pre-commit-config.yaml");
    succeed(git(&homelab).args(["init", "-q", "-b", "main"]));
    succeed(git(&homelab).args(["add", "-A"]));

    let pre_commit_home = temp.join("pre-commit-home");
    let started = Instant::now();
    succeed(with_pre_commit_env(
        Command::new(&pre_commit).current_dir(&homelab).args(["install", "--install-hooks"]),
        &pre_commit_home,
    ));
    // Shown with --nocapture: what this test adds to a run, cold or warm cache.
    eprintln!("pre-commit install --install-hooks (cargo install of anton): {:.1?}", started.elapsed());
    // What pre-commit built is anton, and knows the commit it was built from.
    let installed = installed_binary(&pre_commit_home);
    let version = succeed(Command::new(&installed).arg("--version"));
    assert_eq!(version, format!("anton {} (commit {})", env!("CARGO_PKG_VERSION"), &rev[..12]));

    // The clean tree passes both hooks and is committed.
    let commit = with_pre_commit_env(git(&homelab).args(["commit", "-m", "a clean homelab"]), &pre_commit_home)
        .output()
        .expect("git commit");
    let said = format!("{}{}", String::from_utf8_lossy(&commit.stdout), String::from_utf8_lossy(&commit.stderr));
    assert!(commit.status.success(), "the clean commit was refused:\n{}", shown(&commit));
    for hook in ["anton validate", "anton validate --select secrets"] {
        assert!(said.lines().any(|l| l.starts_with(&format!("{hook}.")) && l.ends_with("Passed")), "{hook}:\n{said}");
    }
    let clean = succeed(git(&homelab).args(["rev-parse", "HEAD"]));

    // A plaintext Secret: both hooks fail, name the rule and the file, and
    // never print the value; the commit does not happen.
    std::fs::write(
        homelab.join("kubernetes/apps/demo/secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: demo-credentials\nstringData:\n  password: hunter2-do-not-print\n",
    )
    .expect("write the Secret");
    succeed(git(&homelab).args(["add", "-A"]));
    let refused = with_pre_commit_env(git(&homelab).args(["commit", "-m", "a plaintext Secret"]), &pre_commit_home)
        .output()
        .expect("git commit");
    let said = format!("{}{}", String::from_utf8_lossy(&refused.stdout), String::from_utf8_lossy(&refused.stderr));
    assert!(!refused.status.success(), "the commit with a plaintext Secret went through:\n{said}");
    for hook in ["anton validate", "anton validate --select secrets"] {
        assert!(said.lines().any(|l| l.starts_with(&format!("{hook}.")) && l.ends_with("Failed")), "{hook}:\n{said}");
    }
    assert!(said.contains("- hook id: anton-secrets") && said.contains("- exit code: 2"), "{said}");
    assert!(said.contains("kubernetes/apps/demo/secret.yaml") && said.contains("[secrets/plaintext-secret]"), "{said}");
    assert!(!said.contains("hunter2-do-not-print"), "the Secret's value was printed:\n{said}");
    assert_eq!(succeed(git(&homelab).args(["rev-parse", "HEAD"])), clean, "HEAD moved: the commit was made");
}
