//! anton in a shell, as a user sets it up: completion scripts loaded into
//! bash, zsh and fish and asked to complete, manual pages written and read
//! with `man`, and `anton --version`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn anton() -> PathBuf {
    assert_cmd::cargo::cargo_bin("anton")
}

/// A `PATH` on which `anton` is this build.
fn path_with_anton() -> String {
    let dir = anton().parent().expect("the binary has a folder").to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let paths = std::iter::once(dir).chain(std::env::split_paths(&path));
    std::env::join_paths(paths).expect("join PATH").into_string().expect("UTF-8 PATH")
}

fn run_shell(shell: &Path, args: &[&str]) -> Output {
    let output = Command::new(shell)
        .args(args)
        .env("PATH", path_with_anton())
        .env("HOME", tempfile::tempdir().expect("temporary home").keep())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", shell.display()));
    assert!(
        output.status.success(),
        "{} {args:?} failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
        shell.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `man`'s text without its overstrike bold and underline (`X\bX`, `_\bX`).
fn plain(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn bash_loads_the_completions_and_completes_subcommands_and_flags() {
    let Some(bash) = anton_testenv::needs::program("bash", "Install bash.") else { return };
    let output = run_shell(&bash, &["-c", "source <(anton completions bash) && complete -p anton"]);
    assert!(stdout(&output).contains("-F _anton") && stdout(&output).trim_end().ends_with(" anton"), "{}", stdout(&output));

    // What pressing TAB offers after `anton va`, `anton validate --sel` and `anton completions `.
    let complete = |words: &[&str]| {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let script = format!(
            "source <(anton completions bash)\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_anton anton \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            quoted.join(" "),
            words.len() - 1,
            words.join(" ")
        );
        stdout(&run_shell(&bash, &["-c", &script]))
    };
    assert_eq!(complete(&["anton", "va"]).split_whitespace().collect::<Vec<_>>(), ["validate"]);
    assert!(complete(&["anton", "validate", "--sel"]).split_whitespace().any(|w| w == "--select"));
    let shells = complete(&["anton", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.split_whitespace().any(|w| w == shell), "{shell} not offered: {shells}");
    }
}

#[test]
fn zsh_loads_the_completions() {
    let Some(zsh) = anton_testenv::needs::program("zsh", "Install zsh (apt-get install zsh); .ci/run does.") else {
        return;
    };
    let output = run_shell(
        &zsh,
        &["-fc", "autoload -U compinit && compinit -u -D && source <(anton completions zsh) && print -r -- ${_comps[anton]}"],
    );
    assert_eq!(stdout(&output).trim(), "_anton");
}

#[test]
fn fish_loads_the_completions_and_completes_subcommands() {
    let Some(fish) = anton_testenv::needs::program("fish", "Install fish (apt-get install fish); .ci/run does.") else {
        return;
    };
    let output = run_shell(&fish, &["--no-config", "-c", "anton completions fish | source; complete -C 'anton va'"]);
    let offered: Vec<String> = stdout(&output).lines().map(|l| l.split('\t').next().unwrap_or_default().to_owned()).collect();
    assert_eq!(offered, ["validate"], "{}", stdout(&output));
}

#[test]
fn the_manual_pages_render_with_man_one_per_command() {
    let Some(man) = anton_testenv::needs::program("man", "Install man-db (apt-get install man-db).") else { return };
    let dir = tempfile::tempdir().expect("temporary folder");
    let pages = dir.path().join("man1");
    let output = assert_cmd::Command::new(anton()).args(["man", "--dir"]).arg(&pages).output().expect("run anton");
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).starts_with("wrote "), "{}", stdout(&output));

    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .expect("the folder was created")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    // One page per command, subcommands included, never `help`.
    for expected in ["anton.1", "anton-validate.1", "anton-diff.1", "anton-flux-reconcile-ks.1", "anton-man.1"] {
        assert!(written.iter().any(|w| w == expected), "{expected} not in {written:?}");
    }
    assert!(!written.iter().any(|w| w.contains("help")), "{written:?}");

    for page in ["anton.1", "anton-validate.1"] {
        let rendered = Command::new(&man)
            .args(["-l", "-P", "cat"])
            .arg(pages.join(page))
            .env("MANWIDTH", "100")
            .env("MAN_KEEP_FORMATTING", "0")
            .output()
            .expect("run man");
        let text = plain(&stdout(&rendered));
        assert!(rendered.status.success() && text.contains("NAME") && text.contains("SYNOPSIS"), "{page}: {rendered:?}");
        let name = page.trim_end_matches(".1");
        assert!(text.contains(name), "{page} does not name {name}:\n{text}");
    }
    let validate = plain(&stdout(&Command::new(&man).args(["-l", "-P", "cat"]).arg(pages.join("anton-validate.1")).output().expect("man")));
    assert!(validate.contains("--select") && validate.contains("--kubernetes-version"), "{validate}");

    // Every page is roff that groff reads without a single warning (-ww: all
    // of them; -k: UTF-8 input, as `man` reads it).
    let Some(groff) = anton_testenv::needs::program("groff", "Install groff (apt-get install groff-base).") else { return };
    for page in &written {
        let checked = Command::new(&groff).args(["-k", "-man", "-Tutf8", "-ww", "-z"]).arg(pages.join(page)).output().expect("groff");
        assert!(checked.status.success() && checked.stderr.is_empty(), "{page}: {}", String::from_utf8_lossy(&checked.stderr));
    }

    // Without --dir, the top page goes to stdout.
    let top = assert_cmd::Command::new(anton()).arg("man").output().expect("run anton");
    assert!(top.status.success());
    assert_eq!(top.stdout, std::fs::read(pages.join("anton.1")).expect("anton.1"));
}

#[test]
fn version_names_the_release_and_the_commit() {
    let output = assert_cmd::Command::new(anton()).arg("--version").output().expect("run anton");
    assert!(output.status.success());
    let version = stdout(&output);
    let rest = version
        .strip_prefix(&format!("anton {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|rest| rest.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("not `anton VERSION (commit COMMIT)`: {version:?}"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let head = Command::new("git").current_dir(&root).args(["rev-parse", "--short=12", "HEAD"]).output();
    match head {
        // In a git checkout it is HEAD (build.rs reruns when HEAD moves).
        Ok(head) if head.status.success() => assert_eq!(rest, String::from_utf8_lossy(&head.stdout).trim()),
        _ => assert_eq!(rest, "unknown"),
    }
    let short = assert_cmd::Command::new(anton()).arg("-V").output().expect("run anton");
    assert_eq!(short.stdout, output.stdout);
}
