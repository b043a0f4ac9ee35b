//! Reading states of the repository from git, through the git CLI.
//!
//! A committed state is materialised into a temporary folder — the files
//! under the scanned folder — from `git ls-tree` and one `git cat-file
//! --batch`, so neither a checkout nor a clean work tree is needed. The work
//! tree is read where it is.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::DiffError;

/// A git repository, found from a folder inside it.
#[derive(Debug, Clone)]
pub(crate) struct Git {
    /// The top of the work tree; Flux paths are relative to it.
    pub(crate) toplevel: PathBuf,
}

impl Git {
    /// The repository around `path`, and `path` relative to its top (`""` for the top).
    pub(crate) fn discover(path: &Path) -> Result<(Git, String), DiffError> {
        let folder = if path.is_file() { path.parent().unwrap_or(path) } else { path };
        let folder = folder
            .canonicalize()
            .map_err(|_| DiffError::Missing(path.to_path_buf()))?;
        let output = run(&folder, &["rev-parse", "--show-toplevel"])
            .map_err(|_| DiffError::NotAGitRepository(path.to_path_buf()))?;
        let toplevel = PathBuf::from(output.trim())
            .canonicalize()
            .map_err(|_| DiffError::NotAGitRepository(path.to_path_buf()))?;
        let scanned = path.canonicalize().map_err(|_| DiffError::Missing(path.to_path_buf()))?;
        let relative = anton_repo::relative_path(&toplevel, &scanned)
            .ok_or_else(|| DiffError::NotAGitRepository(path.to_path_buf()))?;
        Ok((Git { toplevel }, relative))
    }

    fn git(&self, args: &[&str]) -> Result<String, String> {
        run(&self.toplevel, args)
    }

    /// The commit a revision names.
    pub(crate) fn resolve(&self, revision: &str) -> Result<String, DiffError> {
        if revision.starts_with('-') {
            return Err(DiffError::UnknownRevision(revision.to_owned(), "not a revision".into()));
        }
        let spec = format!("{revision}^{{commit}}");
        self.git(&["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
            .map(|sha| sha.trim().to_owned())
            .map_err(|error| DiffError::UnknownRevision(revision.to_owned(), error))
    }

    /// The default base: the merge-base of `HEAD` with the default branch
    /// (`origin/HEAD`'s target, else `main`, else `master`), else `HEAD`.
    /// Returns (how to describe it, commit).
    pub(crate) fn default_base(&self) -> Result<(String, String), DiffError> {
        let head = self.resolve("HEAD").map_err(|_| DiffError::NoCommits)?;
        let mut candidates = Vec::new();
        if let Ok(target) = self.git(&["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]) {
            candidates.push(target.trim().to_owned());
        }
        candidates.extend(["origin/main", "main", "origin/master", "master"].map(str::to_owned));
        for branch in candidates {
            let Ok(tip) = self.resolve(&branch) else { continue };
            if let Ok(base) = self.git(&["merge-base", &head, &tip]) {
                let base = base.trim().to_owned();
                return Ok((format!("merge-base of HEAD and {branch}"), base));
            }
        }
        Ok(("HEAD".to_owned(), head))
    }

    /// Writes the files anton reads of `commit`, under `subdir`, into `dest`
    /// (which stands for the top of the work tree).
    pub(crate) fn materialise(&self, commit: &str, subdir: &str, dest: &Path) -> Result<usize, DiffError> {
        let mut args = vec!["ls-tree", "-r", "-l", "-z", "--full-tree", commit];
        if !subdir.is_empty() {
            args.extend(["--", subdir]);
        }
        let listing = self.git(&args).map_err(DiffError::Git)?;
        // `<mode> <type> <object> <size>\t<path>`. Every file is written, not
        // only YAML: generators read other files, and Flux paths must exist.
        // Symlinks, submodules and huge files (images, archives) are not
        // anything a build reads.
        let wanted: Vec<(&str, &str)> = listing
            .split('\0')
            .filter_map(|entry| {
                let (meta, path) = entry.split_once('\t')?;
                let mut meta = meta.split_whitespace();
                let (mode, kind, object, size) = (meta.next()?, meta.next()?, meta.next()?, meta.next()?);
                let small = size.parse::<u64>().is_ok_and(|size| size <= MAX_FILE_BYTES);
                (kind == "blob" && mode != "120000" && small).then_some((object, path))
            })
            .collect();
        if wanted.is_empty() {
            ensure_dir(&dest.join(subdir))?;
            return Ok(0);
        }
        let mut child = Command::new("git")
            .current_dir(&self.toplevel)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| DiffError::Git(format!("cannot run git: {e}")))?;
        let mut stdin = child.stdin.take().ok_or_else(|| DiffError::Git("no stdin for git cat-file".into()))?;
        let request: String = wanted.iter().map(|(object, _)| format!("{object}\n")).collect();
        // Written from another thread: git answers while we still write, and
        // both pipes would fill up on a large tree.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(request.as_bytes());
        });
        let stdout = child.stdout.take().ok_or_else(|| DiffError::Git("no stdout for git cat-file".into()))?;
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let mut header = String::new();
        let mut created: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        for (_, path) in &wanted {
            header.clear();
            reader.read_line(&mut header).map_err(|e| DiffError::Git(format!("reading git cat-file: {e}")))?;
            // `<object> blob <size>`, or `<object> missing`.
            let size: usize = header
                .trim_end()
                .rsplit(' ')
                .next()
                .and_then(|size| size.parse().ok())
                .ok_or_else(|| DiffError::Git(format!("unexpected git cat-file answer `{}`", header.trim_end())))?;
            let mut contents = vec![0; size + 1];
            reader
                .read_exact(&mut contents)
                .map_err(|e| DiffError::Git(format!("reading git cat-file: {e}")))?;
            contents.pop(); // the newline after each object
            let target = dest.join(path);
            if let Some(parent) = target.parent() {
                if created.insert(parent.to_path_buf()) {
                    std::fs::create_dir_all(parent).map_err(|e| DiffError::Io(parent.to_path_buf(), e))?;
                }
            }
            std::fs::write(&target, contents).map_err(|e| DiffError::Io(target.clone(), e))?;
        }
        let _ = writer.join();
        let _ = child.wait();
        ensure_dir(&dest.join(subdir))?;
        Ok(wanted.len())
    }
}

/// Files larger than this are not written: no manifest or generator input is.
const MAX_FILE_BYTES: u64 = 8 << 20;

/// The scanned folder exists in every state, even one where it holds nothing.
fn ensure_dir(path: &Path) -> Result<(), DiffError> {
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(path).map_err(|e| DiffError::Io(path.to_path_buf(), e))
}

fn run(cwd: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}; anton diff needs the git command"))?;
    if output.status.success() {
        String::from_utf8(output.stdout).map_err(|_| "git printed something that is not UTF-8".to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(if stderr.is_empty() { format!("git {} failed", args.join(" ")) } else { stderr })
    }
}
