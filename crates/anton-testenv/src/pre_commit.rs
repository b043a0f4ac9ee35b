//! Packages from PyPI for the tests (pre-commit for the hook test, the MCP
//! SDK for `anton mcp`'s), each in a virtual environment cached under
//! `~/.cache/anton/<package>-<version>/`: created once, reused by every later
//! run (and by parallel test processes, which wait on a lock).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The `pre-commit` executable of version `version`, installed if needed.
pub(crate) fn installed(version: &str) -> Result<PathBuf> {
    from_pypi("pre-commit", version, "pre-commit")
}

/// `executable` (in the venv's `bin/`) of `package==version`, installed if needed.
pub(crate) fn from_pypi(package: &str, version: &str, executable: &str) -> Result<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).context("HOME is not set")?;
    let root = Path::new(&home).join(".cache/anton").join(format!("{package}-{version}"));
    let venv = root.join("venv");
    let executable = venv.join("bin").join(executable);
    // Written last: a venv without it is a build that was interrupted.
    let ready = root.join("ready");
    if ready.is_file() && executable.is_file() {
        return Ok(executable);
    }
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let lock = std::fs::File::create(root.join(".lock")).with_context(|| format!("creating the lock in {}", root.display()))?;
    lock.lock().with_context(|| format!("locking {}", root.display()))?;
    if ready.is_file() && executable.is_file() {
        return Ok(executable);
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).with_context(|| format!("removing the unfinished {}", venv.display()))?;
    }
    eprintln!("anton-testenv: installing {package} {version} from PyPI into {}", venv.display());
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv")?;
    run(
        Command::new(venv.join("bin/python")).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("{package}=={version}"),
        ]),
        &format!("pip install {package}"),
    )?;
    if !executable.is_file() {
        bail!("pip installed {package} {version}, but there is no {}", executable.display());
    }
    std::fs::write(&ready, version).with_context(|| format!("writing {}", ready.display()))?;
    Ok(executable)
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let output = command.stdin(Stdio::null()).output().with_context(|| format!("starting {what}"))?;
    if !output.status.success() {
        bail!("{what} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}
