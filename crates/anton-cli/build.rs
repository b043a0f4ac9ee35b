//! Records the git commit the binary is built from, for `anton --version`.
//!
//! Three `git rev-parse` calls, a few milliseconds. The build script reruns
//! only when HEAD moves: on `.git/HEAD` (a checkout) and on the file of the
//! branch it points to (a commit), both in the worktree's own git folder.
//! Watching all of `refs/` instead would rebuild anton on every commit to any
//! branch of any worktree. Outside a git checkout of this workspace (a source
//! archive, a vendored copy inside another repository) the commit is
//! `unknown`, and nothing is watched beyond this script.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let commit = git_commit(&manifest_dir).unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=ANTON_GIT_COMMIT={commit}");
}

fn git_commit(manifest_dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git").current_dir(manifest_dir).args(args).output().ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
    };
    // The checkout must be this workspace's, not a repository it was copied into.
    let workspace = manifest_dir.join("../..").canonicalize().ok()?;
    let toplevel = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?).canonicalize().ok()?;
    if toplevel != workspace {
        return None;
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;

    let watch = |path: String| {
        let path = manifest_dir.join(path);
        // A path that does not exist would make cargo rerun this on every build.
        if path.is_file() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    };
    watch(git(&["rev-parse", "--git-path", "HEAD"])?);
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        // A packed branch has no file of its own; packed-refs then holds it.
        watch(git(&["rev-parse", "--git-path", &branch])?);
        watch(git(&["rev-parse", "--git-path", "packed-refs"])?);
    }
    Some(commit)
}
