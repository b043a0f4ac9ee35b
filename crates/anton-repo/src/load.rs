use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anton_core::{Finding, Location, Severity};
use anton_yaml::{Node, YamlIssueKind, parse_stream_in};
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
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { respect_gitignore: true, root: None, other_texts: true }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: no such file or folder; pass the path of a GitOps repository or run anton inside one")]
    Missing(PathBuf),
    #[error("{path}: cannot be read: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
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
        if scan_root.is_dir() {
            std::fs::read_dir(&scan_root)
                .map_err(|source| LoadError::Unreadable { path: scan_root.clone(), source })?;
        }

        let Walked { yaml: mut yaml_paths, charts: mut chart_dirs, mut others } = walk(&scan_root, options);
        yaml_paths.sort();
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
        others.sort_by(|a, b| a.1.cmp(&b.1));
        // Both lists on all cores at once. The position of a YAML file
        // becomes its file id, which every span carries.
        let (parsed, other_texts): (Vec<Parsed>, Vec<Option<Arc<str>>>) = rayon::join(
            || yaml_files.par_iter().enumerate().map(|(id, (path, relative))| parse_file(path, relative.clone(), id as u32)).collect(),
            || if options.other_texts { others.par_iter().map(|(path, _)| read_text(path)).collect() } else { vec![None; others.len()] },
        );

        let mut repo = Repository {
            root: root.clone(),
            scan_root,
            helm_charts: chart_dirs.iter().filter_map(|dir| relative_path(&root, dir)).collect(),
            other_files: others.into_iter().map(|(_, relative)| relative).collect(),
            other_texts,
            ..Repository::default()
        };
        let mut file_index = HashMap::with_capacity(parsed.len());
        for Parsed { file, findings, objects } in parsed {
            file_index.insert(file.path.clone(), repo.files.len());
            repo.findings.extend(findings);
            repo.objects.extend(objects);
            repo.files.push(file);
        }
        repo.file_index = file_index;
        repo.ci_workflows = read_workflows(&root);
        if repo.scan_root != root {
            repo.outside_objects = outside_objects(&root, &repo.scan_root, options);
        }
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

/// The objects of the YAML files under `root` but outside `scan_root`
/// (hidden folders and Helm templates left out, ignore files respected).
fn outside_objects(root: &Path, scan_root: &Path, options: &LoadOptions) -> Vec<(String, Arc<Node>)> {
    let scan_root = scan_root.to_path_buf();
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(true)
        .git_ignore(options.respect_gitignore)
        .git_exclude(options.respect_gitignore)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(IGNORE_FILE_NAME)
        .filter_entry(move |entry| entry.path() != scan_root && entry.file_name() != "templates");
    let mut paths: Vec<PathBuf> = builder
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml"))
        .collect();
    paths.sort();
    paths
        .par_iter()
        .filter_map(|path| {
            let relative = relative_path(root, path)?;
            let text = read_text(path)?;
            let parsed = parse_stream_in(&text, u32::MAX);
            let objects: Vec<(String, Arc<Node>)> = parsed
                .documents
                .into_iter()
                .filter(|d| d.root.get("kind").is_some() && d.root.path(&["metadata", "name"]).is_some())
                .map(|d| (relative.clone(), d.root))
                .collect();
            Some(objects)
        })
        .flatten()
        .collect()
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
}

fn walk(scan_root: &Path, options: &LoadOptions) -> Walked {
    let yaml = Mutex::new(Vec::new());
    let charts = Mutex::new(Vec::new());
    let others = Mutex::new(Vec::new());
    let mut builder = WalkBuilder::new(scan_root);
    // Hidden entries are walked (a key committed as `.secrets/id_rsa` must be
    // seen) but never loaded as manifests, as git tools skip dot folders.
    builder
        .hidden(false)
        .git_ignore(options.respect_gitignore)
        .git_exclude(options.respect_gitignore)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(super::load::IGNORE_FILE_NAME)
        .filter_entry(|entry| entry.file_name() != ".git")
        .threads(rayon::current_num_threads().max(1));
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let Ok(entry) = entry else { return WalkState::Continue };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            let hidden = path
                .strip_prefix(scan_root)
                .is_ok_and(|inside| inside.components().any(|c| c.as_os_str().as_encoded_bytes().starts_with(b".")));
            let name = entry.file_name().to_string_lossy();
            if name == "Chart.yaml"
                && !hidden
                && let (Some(dir), Ok(mut charts)) = (path.parent(), charts.lock())
            {
                charts.push(dir.to_path_buf());
            }
            let is_yaml = name.ends_with(".yaml") || name.ends_with(".yml") || name == KUSTOMIZATION_FILE_NAMES[2];
            let list = if is_yaml && !hidden { &yaml } else { &others };
            if let Ok(mut list) = list.lock() {
                list.push(path.to_path_buf());
            }
            WalkState::Continue
        })
    });
    Walked {
        yaml: yaml.into_inner().unwrap_or_default(),
        charts: charts.into_inner().unwrap_or_default(),
        others: others.into_inner().unwrap_or_default(),
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

fn parse_file(path: &Path, relative: String, file_id: u32) -> Parsed {
    let mut findings = Vec::new();
    let text = match read_file(path, u64::MAX) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                findings.push(
                    Finding::new("yaml/unreadable", Severity::Critical, "file is not UTF-8 text")
                        .at(Location::file(relative.clone()))
                        .hint("save the file as UTF-8, or list it in .antonignore if it is not a manifest"),
                );
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
        };
        findings.push(finding);
    }
    let sops_encrypted = output
        .documents
        .iter()
        .any(|d| d.root.get("sops").is_some_and(|s| s.is_map()));
    let file = SourceFile { path: relative, documents: output.documents, sops_encrypted, has_syntax_error, text };
    let objects = objects_of(&file, file_id as usize);
    Parsed { file, findings, objects }
}
