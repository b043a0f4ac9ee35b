//! Reading states of the repository from git, through the git CLI.
//!
//! A committed state is materialised into a temporary folder — the files
//! under the scanned folder — read through one `git cat-file --batch` for
//! both states, so neither a checkout nor a clean work tree is needed. The
//! work tree is read where it is.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;

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

    /// The commits several revisions name, asked in one `git rev-parse`.
    pub(crate) fn resolve_all(&self, revisions: &[&str]) -> Result<Vec<String>, DiffError> {
        if let Some(bad) = revisions.iter().find(|r| r.starts_with('-')) {
            return Err(DiffError::UnknownRevision((*bad).to_owned(), "not a revision".into()));
        }
        let specs: Vec<String> = revisions.iter().map(|r| format!("{r}^{{commit}}")).collect();
        let mut args = vec!["rev-parse", "--end-of-options"];
        args.extend(specs.iter().map(String::as_str));
        if let Ok(output) = self.git(&args) {
            let commits: Vec<String> = output.lines().map(|l| l.trim().to_owned()).collect();
            if commits.len() == revisions.len() {
                return Ok(commits);
            }
        }
        // Ask one by one, to say which one names nothing.
        revisions.iter().map(|r| self.resolve(r)).collect()
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

    /// The files under `subdir` of each of `commits`, read through one
    /// `git cat-file --batch`: trees level by level (a subtree both commits
    /// share is read once), then every distinct blob once.
    pub(crate) fn read_trees(&self, commits: &[&str], subdir: &str) -> Result<Vec<Vec<TreeFile>>, DiffError> {
        let hash_bytes = commits.first().map_or(20, |c| c.len() / 2);
        let mut batch = Batch::start(&self.toplevel)?;
        let roots: Vec<String> = commits
            .iter()
            .map(|commit| if subdir.is_empty() { format!("{commit}^{{tree}}") } else { format!("{commit}:{subdir}") })
            .collect();
        let mut trees: HashMap<String, Vec<TreeEntry>> = HashMap::new();
        let mut files: Vec<Vec<(String, String)>> = vec![Vec::new(); commits.len()];
        // (state, folder, tree) still to list.
        let mut pending: Vec<(usize, String, String)> = Vec::new();
        for (state, answer) in batch.fetch(&roots)?.into_iter().enumerate() {
            match answer {
                Some(object) if object.kind == "tree" => {
                    trees.insert(object.id.clone(), parse_tree(&object.data, hash_bytes));
                    pending.push((state, subdir.to_owned(), object.id));
                }
                // The scanned path is a file.
                Some(object) if object.kind == "blob" => files[state].push((subdir.to_owned(), object.id)),
                // Not in this commit: the state is empty.
                _ => {}
            }
        }
        while !pending.is_empty() {
            let mut wanted: Vec<String> = pending.iter().map(|(_, _, tree)| tree.clone()).filter(|t| !trees.contains_key(t)).collect();
            wanted.sort();
            wanted.dedup();
            for object in batch.fetch(&wanted)?.into_iter().flatten() {
                trees.insert(object.id.clone(), parse_tree(&object.data, hash_bytes));
            }
            let mut next = Vec::new();
            for (state, folder, tree) in pending {
                for entry in trees.get(&tree).map(Vec::as_slice).unwrap_or_default() {
                    let path = if folder.is_empty() { entry.name.clone() } else { format!("{folder}/{}", entry.name) };
                    match entry.mode.as_str() {
                        "40000" => next.push((state, path, entry.id.clone())),
                        // Symlinks (120000) and submodules (160000) are nothing a build reads here.
                        "100644" | "100755" | "100664" => files[state].push((path, entry.id.clone())),
                        _ => {}
                    }
                }
            }
            pending = next;
        }
        let mut blobs: Vec<String> = files.iter().flatten().map(|(_, blob)| blob.clone()).collect();
        blobs.sort();
        blobs.dedup();
        let mut contents: HashMap<String, Arc<Vec<u8>>> = HashMap::with_capacity(blobs.len());
        for object in batch.fetch(&blobs)?.into_iter().flatten() {
            if object.data.len() as u64 <= MAX_FILE_BYTES {
                contents.insert(object.id, Arc::new(object.data));
            }
        }
        batch.finish();
        Ok(files
            .into_iter()
            .map(|state| {
                state
                    .into_iter()
                    .filter_map(|(path, blob)| contents.get(&blob).map(|data| TreeFile { path, data: Arc::clone(data) }))
                    .collect()
            })
            .collect())
    }
}

/// A file of a committed state.
#[derive(Debug, Clone)]
pub(crate) struct TreeFile {
    /// Relative to the top of the work tree.
    pub(crate) path: String,
    pub(crate) data: Arc<Vec<u8>>,
}

/// Writes `files` under `dest` (which stands for the top of the work tree),
/// and makes sure the scanned folder exists even when it holds nothing.
pub(crate) fn write_tree(files: &[TreeFile], dest: &Path, subdir: &str) -> Result<(), DiffError> {
    let mut created: HashSet<PathBuf> = HashSet::new();
    for file in files {
        let target = dest.join(&file.path);
        if let Some(parent) = target.parent() {
            if created.insert(parent.to_path_buf()) {
                std::fs::create_dir_all(parent).map_err(|e| DiffError::Io(parent.to_path_buf(), e))?;
            }
        }
        std::fs::write(&target, file.data.as_slice()).map_err(|e| DiffError::Io(target.clone(), e))?;
    }
    ensure_dir(&dest.join(subdir))
}

#[derive(Debug)]
struct TreeEntry {
    mode: String,
    name: String,
    id: String,
}

/// A tree object: `<mode> <name>\0<hash>` entries, the hash in binary.
fn parse_tree(data: &[u8], hash_bytes: usize) -> Vec<TreeEntry> {
    let mut entries = Vec::new();
    let mut rest = data;
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        let Some(nul) = rest[space..].iter().position(|&b| b == 0).map(|n| space + n) else { break };
        if rest.len() < nul + 1 + hash_bytes {
            break;
        }
        let hash = &rest[nul + 1..nul + 1 + hash_bytes];
        entries.push(TreeEntry {
            mode: String::from_utf8_lossy(&rest[..space]).into_owned(),
            name: String::from_utf8_lossy(&rest[space + 1..nul]).into_owned(),
            id: hash.iter().map(|b| format!("{b:02x}")).collect(),
        });
        rest = &rest[nul + 1 + hash_bytes..];
    }
    entries
}

struct Object {
    id: String,
    kind: String,
    data: Vec<u8>,
}

/// One `git cat-file --batch` process, asked in batches: every request of a
/// batch is written (from another thread, so neither pipe fills up and
/// blocks) while the answers are read.
struct Batch {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Batch {
    fn start(toplevel: &Path) -> Result<Batch, DiffError> {
        let mut child = Command::new("git")
            .current_dir(toplevel)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| DiffError::Git(format!("cannot run git: {e}; anton diff needs the git command")))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or_else(|| DiffError::Git("no output from git cat-file".into()))?;
        Ok(Batch { child, stdin, stdout: BufReader::with_capacity(1 << 16, stdout) })
    }

    /// The answer to every request, in order; `None` for a missing object.
    fn fetch(&mut self, requests: &[String]) -> Result<Vec<Option<Object>>, DiffError> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let mut stdin = self.stdin.take().ok_or_else(|| DiffError::Git("git cat-file is closed".into()))?;
        let mut text = requests.join("\n");
        text.push('\n');
        let stdout = &mut self.stdout;
        let (answers, stdin) = std::thread::scope(|scope| {
            let writer = scope.spawn(move || {
                let _ = stdin.write_all(text.as_bytes());
                stdin
            });
            let answers: Result<Vec<Option<Object>>, DiffError> = requests.iter().map(|_| read_object(stdout)).collect();
            (answers, writer.join())
        });
        self.stdin = stdin.ok();
        answers
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

fn read_object(reader: &mut BufReader<ChildStdout>) -> Result<Option<Object>, DiffError> {
    let failed = |e: std::io::Error| DiffError::Git(format!("reading git cat-file: {e}"));
    let mut header = String::new();
    reader.read_line(&mut header).map_err(failed)?;
    // `<object> <type> <size>`, or `<request> missing` / `ambiguous`.
    let mut parts = header.trim_end().rsplitn(3, ' ');
    let (Some(size), Some(kind), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let Ok(size) = size.parse::<usize>() else { return Ok(None) };
    let mut data = vec![0; size + 1];
    reader.read_exact(&mut data).map_err(failed)?;
    data.pop(); // the newline after each object
    Ok(Some(Object { id: id.to_owned(), kind: kind.to_owned(), data }))
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

#[cfg(test)]
mod tests {
    use super::parse_tree;

    #[test]
    fn reads_tree_objects() {
        let mut data = b"100644 ks.yaml\0".to_vec();
        data.extend([0xab; 20]);
        data.extend(b"40000 app\0");
        data.extend([0x01; 20]);
        let entries = parse_tree(&data, 20);
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].mode.as_str(), entries[0].name.as_str()), ("100644", "ks.yaml"));
        assert_eq!(entries[0].id, "ab".repeat(20));
        assert_eq!((entries[1].mode.as_str(), entries[1].name.as_str(), entries[1].id.as_str()), ("40000", "app", "01".repeat(20).as_str()));
    }
}
