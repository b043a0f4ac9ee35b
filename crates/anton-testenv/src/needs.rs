//! What a test needs from outside the repository, and the one policy for
//! when it is missing. Every test that needs the test API server, the shared
//! corpora or kubectl asks here instead of deciding on its own.
//!
//! - In CI (`CI` is `true`, `1` or `yes`), nothing is skipped: missing
//!   corpora, a failed harness build or `ANTON_TESTENV_SKIP` fail the test
//!   with a message that says what is missing and how to provide it, so a
//!   green CI run means every test really ran.
//! - Elsewhere a test may skip, but never silently: the skip is written
//!   straight to the process's stderr, past the test harness's output
//!   capture, so `cargo test` shows a `SKIPPED <test>: …` line next to the
//!   `ok` it reports.
//!
//! Environment variables read here:
//! - `CI`: see above.
//! - `ANTON_TESTENV_SKIP=1` (or `true`): skip the tests that need the
//!   harness (the API server, and kubectl, which the harness builds).
//!   Refused in CI.
//! - `ANTON_SHARED_DIR`: the `shared/` folder (corpora, upstream CRDs);
//!   default: the first `shared/` beside the repository or a parent folder.
//! - `ANTON_CORPORA`: the folder of shared corpora (default: `shared/corpora`
//!   beside the repository, i.e. `../shared/corpora`). A folder named here
//!   must exist, in CI or not.
//! - `ANTON_TESTENV_KUBECTL`: the kubectl to use instead of the harness's.
//! - `ANTON_PRE_COMMIT`: the pre-commit to use instead of the one installed
//!   from PyPI into `~/.cache/anton/pre-commit-<version>/`.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Reads one environment variable; the tests below pass their own.
type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

fn process_vars(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Whether this is a CI run: `CI` is `true`, `1` or `yes` (any case), as
/// GitHub Actions, GitLab and most other CI systems set it.
pub fn in_ci() -> bool {
    ci_in(&process_vars)
}

/// The test cannot run because `what` is missing (`why`; `fix`: how to
/// provide it). In CI this panics, failing the test; elsewhere it reports
/// the skip where a person sees it and returns, and the test returns too.
pub fn skip(what: &str, why: &str, fix: &str) {
    report_skip(&skip_line(in_ci(), what, why, fix));
}

/// Whether the tests that need the test API server run: `false` (after
/// reporting the skip) when `ANTON_TESTENV_SKIP=1` outside CI; in CI that
/// variable fails the test. A harness that cannot be built or started fails
/// the test in any case ([`crate::TestEnv::start_or_skip`]).
pub fn live_cluster() -> bool {
    live_cluster_in(&process_vars, &report_skip)
}

/// The shared corpora folder, or `None` after reporting the skip when it is
/// absent outside CI. Panics when `ANTON_CORPORA` names a folder that does
/// not exist, and in CI when there are no corpora.
pub fn corpora() -> Option<PathBuf> {
    corpora_in(&process_vars, &default_corpora_dir(), &report_skip)
}

/// The corpora's default place: `corpora` in [`shared_dir`].
pub fn default_corpora_dir() -> PathBuf {
    shared_dir().join("corpora")
}

/// The `shared/` folder kept beside the repository (corpora, upstream CRDs):
/// `ANTON_SHARED_DIR`, else the first `shared/` beside the workspace or one
/// of its parents (a git worktree lives a level deeper), else `../shared`
/// (which may not exist; callers check).
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ANTON_SHARED_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let beside = root.parent().unwrap_or(&root).join("shared");
    root.ancestors().skip(1).take(3).map(|parent| parent.join("shared")).find(|dir| dir.is_dir()).unwrap_or(beside)
}

/// The kubectl matching the test API server's version: the harness's own
/// (`bin/kubectl` in its cache; `testharness/build.sh` builds it if needed),
/// or `ANTON_TESTENV_KUBECTL`. `None` after reporting the skip when
/// `ANTON_TESTENV_SKIP=1` outside CI. Panics when the harness cannot be
/// built: by default these tests must really run.
pub fn kubectl() -> Option<PathBuf> {
    kubectl_in(&process_vars, &|| crate::harness_binary().map_err(|e| format!("{e:#}")), &report_skip)
}

/// A program on `PATH` (a shell the completion tests load their script
/// into), or `None` after reporting the skip outside CI; `fix` says how to
/// install it. In CI a missing program fails the test (`.ci/run` installs
/// the shells).
pub fn program(name: &str, fix: &str) -> Option<PathBuf> {
    program_in(&process_vars, name, fix, &report_skip)
}

/// The pre-commit version the hook test runs, installed from PyPI.
pub const PRE_COMMIT_VERSION: &str = "4.7.0";

/// pre-commit (from PyPI): `ANTON_PRE_COMMIT`, or the one in a virtual
/// environment under `~/.cache/anton/pre-commit-<version>/`, created with
/// `python3 -m venv` and pip the first time and reused after. `None` after
/// reporting the skip when that fails outside CI (no python3, no PyPI); in CI
/// it fails the test.
pub fn pre_commit() -> Option<PathBuf> {
    if let Some(pre_commit) = std::env::var_os("ANTON_PRE_COMMIT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(pre_commit));
    }
    match crate::pre_commit::installed(PRE_COMMIT_VERSION) {
        Ok(pre_commit) => Some(pre_commit),
        Err(error) => {
            skip(
                &format!("pre-commit {PRE_COMMIT_VERSION} (from PyPI)"),
                &format!("it could not be installed: {error:#}"),
                "Install python3 with its venv module and let pip reach PyPI, or set ANTON_PRE_COMMIT to a pre-commit executable.",
            );
            None
        }
    }
}

/// The Python of a virtual environment holding `package==version` from
/// PyPI, under `~/.cache/anton/<package>-<version>/`, created with `python3
/// -m venv` and pip the first time and reused after (the MCP SDK for `anton
/// mcp`'s client test). `None` after reporting the skip when that fails
/// outside CI (no python3, no PyPI); in CI it fails the test.
pub fn python_package(package: &str, version: &str) -> Option<PathBuf> {
    match crate::pre_commit::from_pypi(package, version, "python") {
        Ok(python) => Some(python),
        Err(error) => {
            skip(
                &format!("{package} {version} (from PyPI)"),
                &format!("it could not be installed: {error:#}"),
                "Install python3 with its venv module and let pip reach PyPI.",
            );
            None
        }
    }
}

fn program_in(vars: Vars<'_>, name: &str, fix: &str, report: &dyn Fn(&str)) -> Option<PathBuf> {
    let found = vars("PATH").and_then(|path| {
        std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
    });
    if found.is_none() {
        report(&skip_line(ci_in(vars), name, &format!("`{name}` is not on PATH"), fix));
    }
    found
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn ci_in(vars: Vars<'_>) -> bool {
    vars("CI").is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

fn testenv_skip_in(vars: Vars<'_>) -> bool {
    vars("ANTON_TESTENV_SKIP").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The line that reports a skip; panics instead in CI.
fn skip_line(ci: bool, what: &str, why: &str, fix: &str) -> String {
    let test = current_test();
    if ci {
        panic!("{test} needs {what}, but {why}. CI=true: tests are never skipped in CI, so this fails. {fix}");
    }
    format!("SKIPPED {test}: needs {what}, but {why}. {fix} (With CI=true this test fails.)")
}

/// Straight to fd 2: `eprintln!` would be captured, and hidden for a test
/// that passes.
fn report_skip(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

const HARNESS_FIX: &str =
    "Unset ANTON_TESTENV_SKIP; the harness needs Go and the Go module proxy (see testharness/README.md).";

fn live_cluster_in(vars: Vars<'_>, report: &dyn Fn(&str)) -> bool {
    if !testenv_skip_in(vars) {
        return true;
    }
    report(&skip_line(ci_in(vars), "the test API server (testharness/)", "ANTON_TESTENV_SKIP is set", HARNESS_FIX));
    false
}

fn corpora_in(vars: Vars<'_>, default_dir: &Path, report: &dyn Fn(&str)) -> Option<PathBuf> {
    let (dir, explicit) = match vars("ANTON_CORPORA").filter(|v| !v.is_empty()) {
        Some(dir) => (PathBuf::from(dir), true),
        None => (default_dir.to_path_buf(), false),
    };
    if has_subfolders(&dir) {
        // Canonical, so paths built from it compare equal after `..` is folded away.
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    if explicit {
        panic!(
            "ANTON_CORPORA={} is not a folder of corpora (it has no sub-folders): point it at the shared corpora, or unset it",
            dir.display()
        );
    }
    report(&skip_line(
        ci_in(vars),
        "the shared corpora",
        &format!("{} is missing or empty", dir.display()),
        "Put them beside the repository (../shared/corpora) or set ANTON_CORPORA to their folder.",
    ));
    None
}

fn kubectl_in(
    vars: Vars<'_>,
    harness: &dyn Fn() -> Result<PathBuf, String>,
    report: &dyn Fn(&str),
) -> Option<PathBuf> {
    if let Some(kubectl) = vars("ANTON_TESTENV_KUBECTL").filter(|k| !k.is_empty()) {
        return Some(PathBuf::from(kubectl));
    }
    if testenv_skip_in(vars) {
        report(&skip_line(
            ci_in(vars),
            "kubectl (the version-matched one the test harness builds)",
            "ANTON_TESTENV_SKIP is set",
            HARNESS_FIX,
        ));
        return None;
    }
    let bin = harness().unwrap_or_else(|err| {
        panic!("{} needs the test harness's kubectl, but building the harness failed: {err}", current_test())
    });
    let kubectl = bin.with_file_name("kubectl");
    assert!(
        kubectl.is_file(),
        "the harness cache has no kubectl at {}; delete that cache folder to rebuild it",
        kubectl.display()
    );
    Some(kubectl)
}

fn has_subfolders(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.any(|e| e.is_ok_and(|e| e.path().is_dir())))
}

/// The running test's name: the test harness names each test's thread after it.
fn current_test() -> String {
    std::thread::current().name().filter(|n| *n != "main").unwrap_or("this test").to_owned()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    /// The panic message of `f`, which must panic.
    fn panic_message(f: impl FnOnce()) -> String {
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a failure, got a pass");
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn ci_is_what_ci_systems_set() {
        for value in ["true", "TRUE", "True", "1", "yes"] {
            assert!(ci_in(&vars(&[("CI", value)])), "CI={value}");
        }
        for value in ["", "false", "0", "no"] {
            assert!(!ci_in(&vars(&[("CI", value)])), "CI={value}");
        }
        assert!(!ci_in(&vars(&[])));
    }

    #[test]
    fn the_harness_skip_is_reported_outside_ci_and_fails_in_ci() {
        let lines = RefCell::new(Vec::<String>::new());
        let report = |line: &str| lines.borrow_mut().push(line.to_owned());
        assert!(live_cluster_in(&vars(&[]), &report));
        assert!(live_cluster_in(&vars(&[("ANTON_TESTENV_SKIP", "0")]), &report));
        assert!(lines.borrow().is_empty(), "running is not a skip: {:?}", lines.borrow());

        assert!(!live_cluster_in(&vars(&[("ANTON_TESTENV_SKIP", "1")]), &report));
        let reported = lines.borrow().clone();
        assert_eq!(reported.len(), 1, "{reported:?}");
        assert!(reported[0].starts_with("SKIPPED "), "{reported:?}");
        assert!(reported[0].contains("the test API server") && reported[0].contains("ANTON_TESTENV_SKIP"), "{reported:?}");

        let message = panic_message(|| {
            live_cluster_in(&vars(&[("ANTON_TESTENV_SKIP", "1"), ("CI", "true")]), &|_| {});
        });
        assert!(message.contains("needs the test API server"), "{message}");
        assert!(message.contains("CI=true") && message.contains("Unset ANTON_TESTENV_SKIP"), "{message}");
    }

    #[test]
    fn missing_corpora_are_reported_outside_ci_and_fail_in_ci() {
        let empty = tempfile::tempdir().unwrap();
        let missing = empty.path().join("corpora");
        let lines = RefCell::new(Vec::<String>::new());
        let report = |line: &str| lines.borrow_mut().push(line.to_owned());
        assert_eq!(corpora_in(&vars(&[]), &missing, &report), None);
        assert_eq!(corpora_in(&vars(&[]), empty.path(), &report), None, "a folder without corpora is no corpora");
        assert_eq!(lines.borrow().len(), 2, "{:?}", lines.borrow());
        assert!(lines.borrow()[0].starts_with("SKIPPED ") && lines.borrow()[0].contains(&missing.display().to_string()));

        let message = panic_message(|| {
            corpora_in(&vars(&[("CI", "true")]), &missing, &|_| {});
        });
        assert!(message.contains("needs the shared corpora") && message.contains("CI=true"), "{message}");
        assert!(message.contains(&missing.display().to_string()) && message.contains("ANTON_CORPORA"), "{message}");
    }

    #[test]
    fn corpora_named_by_anton_corpora_must_exist() {
        let present = tempfile::tempdir().unwrap();
        std::fs::create_dir(present.path().join("some-repo")).unwrap();
        let missing = present.path().join("nowhere");
        let found = corpora_in(&vars(&[("ANTON_CORPORA", present.path().to_str().unwrap())]), &missing, &|_| {});
        assert_eq!(found, Some(present.path().canonicalize().unwrap()));
        let found = corpora_in(&vars(&[]), present.path(), &|_| panic!("present corpora are no skip"));
        assert_eq!(found, Some(present.path().canonicalize().unwrap()));

        let message = panic_message(|| {
            corpora_in(&vars(&[("ANTON_CORPORA", missing.to_str().unwrap())]), present.path(), &|_| {});
        });
        assert!(message.contains("ANTON_CORPORA=") && message.contains("nowhere"), "{message}");
    }

    #[test]
    fn a_program_is_found_on_path_and_its_absence_is_a_skip_outside_ci_only() {
        let bin = tempfile::tempdir().unwrap();
        let shell = bin.path().join("zsh");
        std::fs::write(&shell, "#!/bin/sh\n").unwrap();
        let not_executable = bin.path().join("fish");
        std::fs::write(&not_executable, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shell, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("/nowhere:{}", bin.path().display());
        let never = |_: &str| panic!("not a skip");
        assert_eq!(program_in(&vars(&[("PATH", &path)]), "zsh", "apt-get install zsh", &never), Some(shell));

        let lines = RefCell::new(Vec::<String>::new());
        let report = |line: &str| lines.borrow_mut().push(line.to_owned());
        assert_eq!(program_in(&vars(&[("PATH", &path)]), "fish", "apt-get install fish", &report), None);
        let reported = lines.borrow().clone();
        assert!(reported.len() == 1 && reported[0].starts_with("SKIPPED ") && reported[0].contains("apt-get install fish"), "{reported:?}");

        let message = panic_message(|| {
            program_in(&vars(&[("PATH", &path), ("CI", "true")]), "fish", "apt-get install fish", &|_| {});
        });
        assert!(message.contains("needs fish") && message.contains("CI=true"), "{message}");
    }

    #[test]
    fn kubectl_is_the_harnesses_unless_skipped_and_never_skipped_in_ci() {
        let cache = tempfile::tempdir().unwrap();
        let bin = cache.path().join("anton-testenv");
        std::fs::write(&bin, "").unwrap();
        std::fs::write(cache.path().join("kubectl"), "").unwrap();
        let harness = || Ok(bin.clone());
        let never = |_: &str| panic!("not a skip");
        assert_eq!(kubectl_in(&vars(&[]), &harness, &never), Some(cache.path().join("kubectl")));
        assert_eq!(
            kubectl_in(&vars(&[("ANTON_TESTENV_KUBECTL", "/opt/kubectl")]), &harness, &never),
            Some(PathBuf::from("/opt/kubectl"))
        );

        let no_harness = || -> Result<PathBuf, String> { panic!("a skip builds nothing") };
        let lines = RefCell::new(Vec::<String>::new());
        let report = |line: &str| lines.borrow_mut().push(line.to_owned());
        assert_eq!(kubectl_in(&vars(&[("ANTON_TESTENV_SKIP", "1")]), &no_harness, &report), None);
        assert!(lines.borrow().first().is_some_and(|l| l.starts_with("SKIPPED ") && l.contains("kubectl")), "{:?}", lines.borrow());

        let message = panic_message(|| {
            kubectl_in(&vars(&[("ANTON_TESTENV_SKIP", "1"), ("CI", "1")]), &no_harness, &|_| {});
        });
        assert!(message.contains("needs kubectl") && message.contains("CI=true"), "{message}");

        let message = panic_message(|| {
            kubectl_in(&vars(&[]), &|| Err("go: command not found".to_owned()), &|_| {});
        });
        assert!(message.contains("building the harness failed: go: command not found"), "{message}");
    }
}
