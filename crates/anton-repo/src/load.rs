use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anton_core::{Finding, Location, Severity};
use anton_yaml::{YamlIssueKind, parse_stream_in};
use ignore::{WalkBuilder, WalkState};
use rayon::prelude::*;

use crate::object::{KUSTOMIZATION_FILE_NAMES, Object, SourceFile};
use crate::paths::{find_repository_root, relative_path};
use crate::Repository;

/// The custom ignore file, in gitignore syntax, for files anton should not read.
pub const IGNORE_FILE_NAME: &str = ".antonignore";

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Respect `.gitignore` files (on by default, as in git itself).
    pub respect_gitignore: bool,
    /// The root Flux paths are relative to; found from `.git` when `None`.
    pub root: Option<PathBuf>,
    /// Read the text of every file that is not YAML too (the rules look
    /// there for committed keys); on by default, off for commands that only build.
    pub other_texts: bool,
    /// A folder named on the command line: its manifests are loaded even
    /// when it lies inside a dot-folder (`anton build .archive/app`).
    pub explicit_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { respect_gitignore: true, root: None, other_texts: true, explicit_dir: None }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: no such file or folder; pass the path of a GitOps repository or run anton inside one")]
    Missing(PathBuf),
    #[error("{path}: cannot be read: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
}

/// A target that is a symbolic link (or lies under one) leading out of the
/// git repository it is named in: anton would check, and report paths of,
/// another tree than the one the user sees. Refused, naming both.
fn refuse_link_out_of_repository(scan_root: &Path) -> Result<(), LoadError> {
    let Ok(absolute) = std::path::absolute(scan_root) else { return Ok(()) };
    let Ok(resolved) = absolute.canonicalize() else { return Ok(()) };
    // `..` folded as written: when that is where the path resolves to, no link is involved.
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            std::path::Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    if lexical == resolved {
        return Ok(());
    }
    // The repository the path is written in: looked up from the parent, so
    // a linked folder's own `.git` does not count.
    let Some(repository) = lexical.parent().and_then(find_repository_root) else { return Ok(()) };
    let Ok(repository) = repository.canonicalize() else { return Ok(()) };
    if resolved.starts_with(&repository) {
        return Ok(());
    }
    Err(LoadError::Unreadable {
        path: scan_root.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "a symbolic link to {}, outside the repository {}; anton does not follow it. Pass {} itself to check that tree",
                resolved.display(),
                repository.display(),
                resolved.display()
            ),
        ),
    })
}

/// What the walk could not read, as findings: a folder without permission, a
/// special file where a manifest or an ignore file should be.
fn walk_problem(path: &Path, root: &Path, message: String, hint: &str) -> Finding {
    let shown = relative_path(root, path).unwrap_or_else(|| path.display().to_string());
    Finding::new("yaml/unreadable", Severity::Critical, message).at(Location::file(shown)).hint(hint.to_owned())
}

/// The ignore files the walk reads in a folder; each must be a regular file
/// or absent (the walker would block forever on a FIFO).
const IGNORE_FILES: [&str; 2] = [".gitignore", IGNORE_FILE_NAME];

/// The first ignore file in `dir` that exists but is not a regular file.
pub(crate) fn special_ignore_file(dir: &Path) -> Option<(PathBuf, std::io::Error)> {
    IGNORE_FILES.iter().map(|name| dir.join(name)).find_map(|path| match std::fs::metadata(&path) {
        Ok(metadata) if !metadata.is_file() => Some((path, not_regular(&metadata))),
        _ => None,
    })
}

/// Whether a walk may enter `entry`: the walker reads a folder's ignore
/// files as it enters it, and opening one that is a FIFO blocks forever.
/// Every walk of a repository filters its entries with this (and turns off
/// ripgrep's `.ignore` files: anton reads `.gitignore` and `.antonignore`).
pub fn safe_to_enter(entry: &ignore::DirEntry) -> bool {
    !entry.file_type().is_some_and(|t| t.is_dir()) || special_ignore_file(entry.path()).is_none()
}

struct Parsed {
    file: SourceFile,
    findings: Vec<Finding>,
    /// The file's objects (read on the parsing thread).
    objects: Vec<Object>,
}

/// The objects of a parsed file (`id`: its file id): every document that is
/// a Kubernetes object, the items of a `List`; kustomize's own configuration
/// and kustomization files are not objects.
fn objects_of(file: &SourceFile, id: usize) -> Vec<Object> {
    let mut objects = Vec::new();
    if file.is_kustomization_file() {
        return objects;
    }
    for (doc_pos, document) in file.documents.iter().enumerate() {
        let root = &document.root;
        let sops = file.sops_encrypted;
        let Some(object) = Object::from_node(root, id, doc_pos, None, sops) else { continue };
        if is_kustomize_config(&object) {
            continue;
        }
        if object.kind.ends_with("List") && object.group().is_empty() && root.get("items").is_some_and(|i| i.is_seq()) {
            for (item_pos, item) in root.get("items").map(|i| i.items()).unwrap_or_default().iter().enumerate() {
                if let Some(object) = Object::from_node(item, id, doc_pos, Some(item_pos), sops) {
                    objects.push(object);
                }
            }
            continue;
        }
        objects.push(object);
    }
    objects
}

impl Repository {
    /// Reads every YAML file under `scan_root`.
    ///
    /// Fails only when the path itself is missing or unreadable; problems in
    /// individual files become findings and the load goes on.
    pub fn load(scan_root: &Path, options: &LoadOptions) -> Result<Repository, LoadError> {
        refuse_link_out_of_repository(scan_root)?;
        let scan_root = scan_root
            .canonicalize()
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => LoadError::Missing(scan_root.to_path_buf()),
                _ => LoadError::Unreadable { path: scan_root.to_path_buf(), source },
            })?;
        let root = match &options.root {
            Some(root) => root.canonicalize().map_err(|source| LoadError::Unreadable { path: root.clone(), source })?,
            None => find_repository_root(&scan_root).unwrap_or_else(|| {
                if scan_root.is_file() {
                    scan_root.parent().map(Path::to_path_buf).unwrap_or_else(|| scan_root.clone())
                } else {
                    scan_root.clone()
                }
            }),
        };
        let metadata =
            std::fs::metadata(&scan_root).map_err(|source| LoadError::Unreadable { path: scan_root.clone(), source })?;
        if scan_root.is_dir() {
            std::fs::read_dir(&scan_root)
                .map_err(|source| LoadError::Unreadable { path: scan_root.clone(), source })?;
        } else if !metadata.is_file() {
            return Err(LoadError::Unreadable { path: scan_root.clone(), source: not_regular(&metadata) });
        }
        // The walker reads the ignore files of the scanned folder and of every
        // folder up to the repository root before it starts (`.antonignore`
        // whatever `respect_gitignore` says).
        {
            let mut dir = if scan_root.is_dir() { Some(scan_root.as_path()) } else { scan_root.parent() };
            while let Some(current) = dir {
                if let Some((path, source)) = special_ignore_file(current) {
                    return Err(LoadError::Unreadable { path, source });
                }
                if current == root {
                    break;
                }
                dir = current.parent().filter(|parent| parent.starts_with(&root));
            }
        }

        let Walked { yaml: mut yaml_paths, charts: mut chart_dirs, mut others, problems } = walk(&scan_root, &root, options);
        yaml_paths.sort_unstable_by(|a, b| in_path_order(a, b));
        chart_dirs.sort();
        // Helm templates are Go templates: they only become YAML when rendered.
        let (templates, manifests): (Vec<PathBuf>, Vec<PathBuf>) = yaml_paths
            .into_iter()
            .partition(|path| chart_dirs.iter().any(|chart| path.starts_with(chart.join("templates"))));
        yaml_paths = manifests;
        others.extend(templates);

        let yaml_files: Vec<(PathBuf, String)> = yaml_paths
            .into_iter()
            .filter_map(|path| relative_path(&root, &path).map(|relative| (path, relative)))
            .collect();
        let mut others: Vec<(PathBuf, String)> =
            others.into_iter().filter_map(|path| relative_path(&root, &path).map(|relative| (path, relative))).collect();
        // What lies outside the scanned folder: its YAML files are parsed
        // (what exists there counts for lookups, and the secret rules check
        // it), the other files only read as text (committed keys).
        let (outside_yaml, outside_others) =
            if scan_root != root { outside_files(&root, &scan_root, options) } else { (Vec::new(), Vec::new()) };
        others.extend(outside_others);
        others.sort_by(|a, b| a.1.cmp(&b.1));
        // All lists on all cores at once. The position of a YAML file
        // becomes its file id, which every span carries.
        let ((parsed, other_texts), outside): ((Vec<Parsed>, Vec<Option<Arc<str>>>), Vec<SourceFile>) = rayon::join(
            || {
                rayon::join(
                    || yaml_files.par_iter().enumerate().map(|(id, (path, relative))| parse_file(path, relative.clone(), id as u32)).collect(),
                    || if options.other_texts { others.par_iter().map(|(path, _)| read_text(path)).collect() } else { vec![None; others.len()] },
                )
            },
            || outside_yaml.par_iter().filter_map(|(path, relative)| parse_outside_file(path, relative.clone())).collect(),
        );

        // YAML that is not loaded as manifests (in hidden folders, Helm
        // chart templates): parsed for the secret rules only.
        let unloaded_yaml: Vec<SourceFile> = others
            .par_iter()
            .zip(other_texts.par_iter())
            .filter(|((_, relative), _)| relative.ends_with(".yaml") || relative.ends_with(".yml"))
            .filter_map(|((_, relative), text)| Some(parse_unloaded_file(relative.clone(), text.as_ref()?)))
            .collect();
        let mut repo = Repository {
            root: root.clone(),
            unloaded_yaml,
            scan_root,
            helm_charts: chart_dirs.iter().filter_map(|dir| relative_path(&root, dir)).collect(),
            other_files: others.into_iter().map(|(_, relative)| relative).collect(),
            other_texts,
            ..Repository::default()
        };
        repo.findings.extend(problems);
        let mut file_index = HashMap::with_capacity(parsed.len());
        for Parsed { file, findings, objects } in parsed {
            file_index.insert(file.path.clone(), repo.files.len());
            repo.findings.extend(findings);
            repo.objects.extend(objects);
            repo.files.push(file);
        }
        repo.file_index = file_index;
        repo.ci_workflows = read_workflows(&root);
        repo.outside_objects = outside
            .iter()
            .flat_map(|file| {
                file.documents
                    .iter()
                    .filter(|d| d.root.get("kind").is_some() && d.root.path(&["metadata", "name"]).is_some())
                    .map(|d| (file.path.clone(), Arc::clone(&d.root)))
            })
            .collect();
        repo.outside_files = outside;
        repo.git_remotes = read_git_remotes(&root);
        for file in &repo.files {
            let mut dir = file.dir();
            while repo.dirs.insert(dir.to_owned()) && !dir.is_empty() {
                dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
            }
        }
        Ok(repo)
    }
}

/// The files under `root` but outside `scan_root`, as (absolute path,
/// repository-relative path): YAML files to parse (not in hidden folders nor
/// in Helm chart templates), and every other file. The files git tracks (and
/// would track: untracked files that are not ignored) when `root` is a git
/// repository, else a walk that respects the ignore files; `.antonignore`
/// is respected either way.
#[allow(clippy::type_complexity)]
fn outside_files(root: &Path, scan_root: &Path, options: &LoadOptions) -> (Vec<(PathBuf, String)>, Vec<(PathBuf, String)>) {
    let listed = if options.respect_gitignore { git_files(root) } else { None };
    let mut relatives: Vec<String> = match listed {
        Some(files) => {
            let scan = relative_path(root, scan_root).unwrap_or_default();
            let inside_scan = |relative: &str| {
                !scan.is_empty() && (relative == scan || relative.strip_prefix(scan.as_str()).is_some_and(|rest| rest.starts_with('/')))
            };
            let ignored = AntonIgnore::read(root, &files);
            files
                .into_iter()
                .filter(|relative| !inside_scan(relative) && !ignored.excludes(relative))
                // The index lists files deleted since, and symbolic links (never followed).
                .filter(|relative| std::fs::symlink_metadata(root.join(relative)).is_ok_and(|m| m.is_file()))
                .collect()
        }
        None => walk_outside(root, scan_root, options),
    };
    relatives.sort();
    let mut yaml = Vec::new();
    let mut others = Vec::new();
    for relative in relatives {
        let hidden = relative.split('/').any(|part| part.starts_with('.'));
        let template = relative.split('/').any(|part| part == "templates");
        let is_yaml = relative.ends_with(".yaml") || relative.ends_with(".yml");
        let list = if is_yaml && !hidden && !template { &mut yaml } else { &mut others };
        list.push((root.join(&relative), relative));
    }
    (yaml, others)
}

/// `git ls-files` of the repository at `root`: tracked files and untracked
/// ones that are not ignored, repository-relative. `None` when `root` holds
/// no git repository of its own or git cannot be run.
fn git_files(root: &Path) -> Option<Vec<String>> {
    let git_dir = root.join(".git");
    if !git_dir.exists() {
        return None;
    }
    // GIT_DIR pins the repository: a `.git` git does not accept must not make
    // it list an enclosing repository instead.
    let output = std::process::Command::new("git")
        .current_dir(root)
        .env("GIT_DIR", &git_dir)
        .env("GIT_WORK_TREE", root)
        // Inside a git hook (pre-commit) these name the outer repository's
        // index and objects.
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let mut files: Vec<String> = output
        .stdout
        .split(|byte| *byte == 0)
        .filter(|path| !path.is_empty())
        .filter_map(|path| std::str::from_utf8(path).ok())
        .map(str::to_owned)
        .collect();
    // A file both staged and changed is listed once per state.
    files.dedup();
    Some(files)
}

/// The `.antonignore` files among `files`, each anchored at its folder.
struct AntonIgnore {
    matchers: Vec<(String, ignore::gitignore::Gitignore)>,
}

impl AntonIgnore {
    fn read(root: &Path, files: &[String]) -> Self {
        let matchers = files
            .iter()
            .filter(|relative| relative.rsplit('/').next() == Some(IGNORE_FILE_NAME))
            .map(|relative| {
                let dir = relative.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
                // A pattern that does not parse is skipped, as git skips it.
                let (matcher, _) = ignore::gitignore::Gitignore::new(root.join(relative));
                (dir, matcher)
            })
            .collect();
        Self { matchers }
    }

    fn excludes(&self, relative: &str) -> bool {
        self.matchers.iter().any(|(dir, matcher)| {
            let inside = if dir.is_empty() { Some(relative) } else { relative.strip_prefix(dir.as_str()).and_then(|r| r.strip_prefix('/')) };
            inside.is_some_and(|inside| matcher.matched_path_or_any_parents(inside, false).is_ignore())
        })
    }
}

/// Every file under `root` but outside `scan_root` (`.git` excepted, ignore
/// files respected), repository-relative: the folder is not a git repository.
fn walk_outside(root: &Path, scan_root: &Path, options: &LoadOptions) -> Vec<String> {
    let scan_root = scan_root.to_path_buf();
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .ignore(false)
        .git_ignore(options.respect_gitignore)
        .git_exclude(options.respect_gitignore)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(IGNORE_FILE_NAME)
        .filter_entry(move |entry| entry.path() != scan_root && entry.file_name() != ".git" && safe_to_enter(entry));
    builder
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|entry| relative_path(root, entry.path()))
        .collect()
}

/// A YAML file outside the scanned folder, parsed once. Its spans carry no
/// file id of the repository's (`u32::MAX`): locations are made from its
/// path. Problems in it are not reported (it is not what was checked).
fn parse_outside_file(path: &Path, relative: String) -> Option<SourceFile> {
    let text = read_text(path)?;
    let parsed = parse_stream_in(&text, u32::MAX);
    let has_syntax_error = parsed.issues.iter().any(|issue| matches!(issue.kind, YamlIssueKind::Syntax));
    let sops_encrypted = parsed.documents.iter().any(|d| d.root.get("sops").is_some_and(|s| s.is_map()));
    crate::secrets::register_file(&parsed.documents, sops_encrypted, &text, has_syntax_error);
    Some(SourceFile { path: relative, documents: parsed.documents, sops_encrypted, has_syntax_error, text })
}

/// A YAML file that is not loaded as manifests (hidden folder, Helm chart
/// template), parsed once with its template actions blanked. Its spans
/// carry no file id; problems in it are not reported (a template is no YAML
/// until rendered).
fn parse_unloaded_file(relative: String, text: &Arc<str>) -> SourceFile {
    let parsed = parse_stream_in(&crate::templates::blank_template_actions(text), u32::MAX);
    let has_syntax_error = parsed.issues.iter().any(|issue| matches!(issue.kind, YamlIssueKind::Syntax));
    let sops_encrypted = parsed.documents.iter().any(|d| d.root.get("sops").is_some_and(|s| s.is_map()));
    crate::secrets::register_file(&parsed.documents, sops_encrypted, text, has_syntax_error);
    SourceFile { path: relative, documents: parsed.documents, sops_encrypted, has_syntax_error, text: Arc::clone(text) }
}

/// The texts of `.github/workflows/*.y(a)ml` under the repository root.
fn read_workflows(root: &Path) -> Vec<(String, Arc<str>)> {
    let folder = root.join(".github").join("workflows");
    let Ok(entries) = std::fs::read_dir(&folder) else { return Vec::new() };
    let mut workflows: Vec<(String, Arc<str>)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml"))
        .filter_map(|path| Some((relative_path(root, &path)?, read_text(&path)?)))
        .collect();
    workflows.sort_by(|a, b| a.0.cmp(&b.0));
    workflows
}

/// The `url = ...` lines of `[remote "..."]` sections in `.git/config`.
fn read_git_remotes(root: &Path) -> Vec<String> {
    let Some(text) = read_text(&root.join(".git").join("config")) else { return Vec::new() };
    let mut in_remote = false;
    let mut urls = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_remote = line.starts_with("[remote ");
            continue;
        }
        if let (true, Some((key, value))) = (in_remote, line.split_once('='))
            && key.trim() == "url"
        {
            urls.push(value.trim().to_owned());
        }
    }
    urls
}

/// kustomize's own configuration (Kustomization, Component) is not something
/// the API server ever sees; it is interpreted by the kustomize layer.
fn is_kustomize_config(object: &Object) -> bool {
    object.group() == "kustomize.config.k8s.io"
}

/// What one walk of the scanned folder found.
struct Walked {
    /// YAML files outside hidden folders.
    yaml: Vec<PathBuf>,
    /// Folders holding a `Chart.yaml`.
    charts: Vec<PathBuf>,
    /// Every other file, hidden ones included (`.git` excepted): the rules
    /// look there for committed private keys.
    others: Vec<PathBuf>,
    /// What could not be read: nothing under it was checked.
    problems: Vec<Finding>,
}

fn walk(scan_root: &Path, root: &Path, options: &LoadOptions) -> Walked {
    let yaml = Mutex::new(Vec::new());
    let charts = Mutex::new(Vec::new());
    let others = Mutex::new(Vec::new());
    let problems = Arc::new(Mutex::new(Vec::new()));
    let problem = |finding: Finding| {
        if let Ok(mut problems) = problems.lock() {
            problems.push(finding);
        }
    };
    let explicit_dir = options.explicit_dir.as_ref().and_then(|dir| dir.canonicalize().ok());
    // A file named on the command line is read whatever its extension.
    let explicit_file = scan_root.is_file().then(|| scan_root.to_path_buf());
    let mut builder = WalkBuilder::new(scan_root);
    // Hidden entries are walked (a key committed as `.secrets/id_rsa` must be
    // seen) but never loaded as manifests, as git tools skip dot folders.
    builder
        .hidden(false)
        .ignore(false)
        .git_ignore(options.respect_gitignore)
        .git_exclude(options.respect_gitignore)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(super::load::IGNORE_FILE_NAME)
        .threads(rayon::current_num_threads().max(1));
    {
        // The walker reads a folder's ignore files as it enters it: a folder
        // with a FIFO there is skipped, and said so, instead of blocking forever.
        let problems = problems.clone();
        let root = root.to_path_buf();
        builder.filter_entry(move |entry| {
            if entry.file_name() == ".git" {
                return false;
            }
            // `.antonignore` is read whatever `respect_gitignore` says.
            if !entry.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            let Some((path, error)) = special_ignore_file(entry.path()) else { return true };
            if let Ok(mut problems) = problems.lock() {
                problems.push(walk_problem(
                    &path,
                    &root,
                    format!("ignore file cannot be read: {error}; the folder was not checked"),
                    "replace it with a regular file, or remove it",
                ));
            }
            false
        });
    }
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let path = walk_error_path(&error);
                    problem(walk_problem(
                        path.as_deref().unwrap_or(scan_root),
                        root,
                        format!("cannot be read: {}; nothing under it was checked", walk_error_cause(&error)),
                        "check its permissions, or list it in .antonignore",
                    ));
                    return WalkState::Continue;
                }
            };
            let file_type = entry.file_type();
            if file_type.is_some_and(|t| !t.is_file() && !t.is_dir() && !t.is_symlink()) {
                problem(walk_problem(
                    entry.path(),
                    root,
                    "a special file (a named pipe, socket or device), not a regular file; it was not read".to_owned(),
                    "remove it, or list it in .antonignore",
                ));
                return WalkState::Continue;
            }
            if !file_type.is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            // Below a folder named on the command line, only dot-folders
            // inside it count as hidden.
            let base = explicit_dir.as_deref().filter(|dir| path.starts_with(dir)).unwrap_or(scan_root);
            let hidden = path
                .strip_prefix(base)
                .is_ok_and(|inside| inside.components().any(|c| c.as_os_str().as_encoded_bytes().starts_with(b".")));
            let name = entry.file_name().to_string_lossy();
            if name == "Chart.yaml"
                && !hidden
                && let (Some(dir), Ok(mut charts)) = (path.parent(), charts.lock())
            {
                charts.push(dir.to_path_buf());
            }
            let is_yaml = name.ends_with(".yaml")
                || name.ends_with(".yml")
                || name == KUSTOMIZATION_FILE_NAMES[2]
                || explicit_file.as_deref() == Some(path);
            let list = if is_yaml && !hidden { &yaml } else { &others };
            if let Ok(mut list) = list.lock() {
                list.push(path.to_path_buf());
            }
            WalkState::Continue
        })
    });
    let mut problems = problems.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default();
    problems.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Walked {
        yaml: yaml.into_inner().unwrap_or_default(),
        charts: charts.into_inner().unwrap_or_default(),
        others: others.into_inner().unwrap_or_default(),
        problems,
    }
}

/// The path an error of the walk is about.
fn walk_error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => walk_error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// The cause of an error of the walk, without the path (the finding has it).
fn walk_error_cause(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => walk_error_cause(err),
        ignore::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => io.to_string(),
        },
        other => other.to_string(),
    }
}

/// Files larger than this are not text a person commits by hand (bundles,
/// dumps): their text is not kept.
pub const MAX_TEXT_BYTES: u64 = 4 * 1024 * 1024;

/// A file that is not YAML, as UTF-8 text; `None` for binaries, huge files
/// and unreadable ones.
fn read_text(path: &Path) -> Option<Arc<str>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    // The first 8 KiB tell a binary (a NUL byte) before the rest is read.
    let mut bytes = Vec::with_capacity(16 * 1024);
    (&mut file).take(8192).read_to_end(&mut bytes).ok()?;
    if bytes.contains(&0) {
        return None;
    }
    file.take(MAX_TEXT_BYTES + 1 - bytes.len() as u64).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return None;
    }
    String::from_utf8(bytes).ok().map(Arc::from)
}

/// The text of a file the user points anton at (`.anton.toml`, `--config`,
/// `--from-snapshot`), refusing anything but a regular file: opening a FIFO
/// blocks until someone writes to it, and a device never ends.
pub fn read_regular_text(path: &Path) -> std::io::Result<String> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(not_regular(&metadata));
    }
    std::fs::read_to_string(path)
}

/// The error for a path that exists but is no regular file, saying what it is.
pub fn not_regular(metadata: &std::fs::Metadata) -> std::io::Error {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    let what = if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "a special file"
    };
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}, not a regular file; anton reads only regular files"))
}

/// Reads at most `limit` bytes of a file: open, read until the end, close.
/// `std::fs::read` asks for the file's size first; on a virtual machine,
/// where every system call is dear, that is a fifth of reading a small file.
pub fn read_file(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(16 * 1024);
    // `take` reads through the generic path, which does not stat the file.
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A file that is not UTF-8, reported at the line and column of the first
/// byte that is not.
fn invalid_utf8(relative: &str, bytes: &[u8], valid_up_to: usize) -> Finding {
    let valid = &bytes[..valid_up_to];
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
    let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
    let byte = bytes.get(valid_up_to).copied().unwrap_or(0);
    Finding::new(
        "yaml/unreadable",
        Severity::Critical,
        format!("file is not UTF-8 text: byte 0x{byte:02X} at line {line}, column {column} is not valid UTF-8"),
    )
    .at(Location::new(relative.to_owned(), line as u32, column as u32))
    .hint("save the file as UTF-8, or list it in .antonignore if it is not a manifest")
}

fn parse_file(path: &Path, relative: String, file_id: u32) -> Parsed {
    let mut findings = Vec::new();
    let text = match read_file(path, u64::MAX) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                findings.push(invalid_utf8(&relative, error.as_bytes(), error.utf8_error().valid_up_to()));
                String::new()
            }
        },
        Err(error) => {
            findings.push(
                Finding::new("yaml/unreadable", Severity::Critical, format!("cannot read file: {error}"))
                    .at(Location::file(relative.clone()))
                    .hint("check the file's permissions"),
            );
            String::new()
        }
    };
    let text: std::sync::Arc<str> = std::sync::Arc::from(text);
    let output = parse_stream_in(&text, file_id);
    let mut has_syntax_error = false;
    for issue in output.issues {
        let location = Location::new(relative.clone(), issue.span.line, issue.span.column);
        let finding = match issue.kind {
            YamlIssueKind::Syntax => {
                has_syntax_error = true;
                Finding::new("yaml/syntax", Severity::Critical, issue.message)
                    .at(location)
                    .hint("fix the YAML here; the rest of this document was not checked")
            }
            YamlIssueKind::DuplicateKey => {
                let mut finding = Finding::new("yaml/duplicate-key", Severity::Critical, issue.message)
                    .at(location)
                    .hint("remove one of the two entries; the API server rejects duplicate keys");
                if let Some(first) = issue.related {
                    finding = finding.related(Location::new(relative.clone(), first.line, first.column), "first defined here");
                }
                finding
            }
            YamlIssueKind::AliasExpansion => Finding::new("yaml/syntax", Severity::Critical, issue.message)
                .at(location)
                .hint("aliases here expand exponentially; write the values out"),
            YamlIssueKind::ComplexKey => Finding::new("yaml/syntax", Severity::Critical, issue.message)
                .at(location)
                .hint("write the key as a plain string"),
        };
        findings.push(finding);
    }
    let sops_encrypted = output
        .documents
        .iter()
        .any(|d| d.root.get("sops").is_some_and(|s| s.is_map()));
    crate::secrets::register_file(&output.documents, sops_encrypted, &text, has_syntax_error);
    let file = SourceFile { path: relative, documents: output.documents, sops_encrypted, has_syntax_error, text };
    let objects = objects_of(&file, file_id as usize);
    Parsed { file, findings, objects }
}

/// `Path`'s order (component by component) for the clean paths the walker
/// gives (no `.`, no doubled or trailing separators), read as bytes with
/// each separator below every other byte: a tenth of the work of comparing
/// components, which is what sorting ten thousand paths spent its time on.
fn in_path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    fn bytes(path: &Path) -> impl Iterator<Item = u8> + '_ {
        path.as_os_str().as_encoded_bytes().iter().map(|&byte| if std::path::is_separator(char::from(byte)) { 0 } else { byte })
    }
    bytes(a).cmp(bytes(b))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn paths_sort_as_path_orders_them() {
        let mut paths: Vec<PathBuf> = [
            "repo/a-b/x.yaml",
            "repo/a/b.yaml",
            "repo/a/b/c.yaml",
            "repo/a.yaml",
            "repo/a/b-c.yaml",
            "repo/a b/x.yaml",
            "repo/A/x.yaml",
            "repo/a/b/c/d.yaml",
            "repo/ab.yaml",
            "repo/a/Ω.yaml",
            "repo/a/z.yaml",
            "repo/a/b.yml",
            "/abs/a/b.yaml",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut by_components = paths.clone();
        by_components.sort();
        paths.sort_unstable_by(|a, b| super::in_path_order(a, b));
        assert_eq!(paths, by_components);
    }
}
