//! Loading a GitOps repository from disk.
//!
//! [`Repository::load`] walks the folder (respecting `.gitignore` and
//! `.antonignore`), parses every `*.yaml`/`*.yml` file in parallel and
//! extracts the Kubernetes objects in them. Everything after this layer works
//! on the in-memory [`Repository`] and does no I/O of its own, except for
//! checking whether a referenced path exists.

mod load;
mod object;
mod paths;
mod suggest;
mod secrets;
mod templates;

pub use load::{LoadError, LoadOptions, MAX_TEXT_BYTES, not_regular, read_file, read_regular_text, safe_to_enter};
pub use object::{Object, SourceFile};
pub use paths::{find_repository_root, normalize_relative, relative_path};
pub use suggest::{MANIFEST_FOLDER_NAMES, holds_yaml, manifest_folders};

use foldhash::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anton_core::{Finding, Location};
use anton_yaml::{Node, Span};

/// Everything anton knows about a repository after reading it.
#[derive(Debug, Default)]
pub struct Repository {
    /// The root that Flux paths (`spec.path: ./kubernetes/apps`) are relative to:
    /// the enclosing git repository, or the scanned folder outside git.
    pub root: PathBuf,
    /// The folder (or file) that was scanned, inside `root`.
    pub scan_root: PathBuf,
    pub files: Vec<SourceFile>,
    pub objects: Vec<Object>,
    /// Folders holding a Helm chart (`Chart.yaml`), relative to `root`. Their
    /// `templates/` are Go templates, not YAML, and were not parsed.
    pub helm_charts: Vec<String>,
    /// Every file of the repository that is not a loaded YAML file (hidden
    /// files included, ignored ones not; outside the scanned folder, every
    /// file git tracks that is not one of `outside_files`), relative to
    /// `root`, sorted.
    pub other_files: Vec<String>,
    /// The text of each of `other_files` (same order); `None` for binaries,
    /// files over [`MAX_TEXT_BYTES`] and unreadable ones.
    pub other_texts: Vec<Option<std::sync::Arc<str>>>,
    /// Problems found while reading: syntax errors, duplicate keys, unreadable files.
    pub findings: Vec<Finding>,
    /// The CI workflows of the repository (`.github/workflows/*.yaml`), as
    /// (repository-relative path, text), wherever the scan started: they say
    /// how an OCI artifact of the repository is built (`flux push artifact --path`).
    pub ci_workflows: Vec<(String, std::sync::Arc<str>)>,
    /// Kubernetes objects of YAML files outside the scanned folder (a
    /// `bootstrap/` Secret, another cluster's settings), as (file, object
    /// node): what exists besides the target, for lookups only.
    pub outside_objects: Vec<(String, std::sync::Arc<Node>)>,
    /// The YAML files outside the scanned folder (what git tracks there, or
    /// every file outside git), parsed once: the secret rules check them and
    /// `outside_objects` are their objects. Their spans carry no file id.
    pub outside_files: Vec<SourceFile>,
    /// The YAML files that are not loaded as manifests, inside the scanned
    /// folder and outside it: those in hidden folders (`.github/`,
    /// `.archive/`) and Helm chart `templates/`. Git tracks them, so the
    /// secret rules check them; nothing else does, and they are no objects
    /// of the repository. Template actions (`{{ … }}`) were blanked before
    /// parsing; their text stays in `other_files`. Their spans carry no file id.
    pub unloaded_yaml: Vec<SourceFile>,
    /// The remote URLs of the git repository (`.git/config`), to tell a
    /// GitRepository of this repository from one of another.
    pub git_remotes: Vec<String>,
    file_index: HashMap<String, usize>,
    /// Every folder that holds a loaded file, and their ancestors: answers
    /// most `is_dir` questions without a `stat`.
    dirs: HashSet<String>,
}

impl Repository {
    pub fn file(&self, relative: &str) -> Option<&SourceFile> {
        self.file_index.get(relative).map(|&i| &self.files[i])
    }

    pub fn file_id(&self, relative: &str) -> Option<usize> {
        self.file_index.get(relative).copied()
    }

    /// The node of an object: its document's root, or its entry in a `List`.
    pub fn node(&self, object: &Object) -> &Node {
        let root = &self.files[object.file].documents[object.document].root;
        match object.list_item {
            Some(item) => root.get("items").and_then(|items| items.items().get(item)).unwrap_or(root),
            None => root,
        }
    }

    /// [`Repository::node`], shared: a whole document is not copied; an
    /// item of a `List` is copied out of it.
    pub fn shared_node(&self, object: &Object) -> std::sync::Arc<Node> {
        match object.list_item {
            None => std::sync::Arc::clone(&self.files[object.file].documents[object.document].root),
            Some(_) => std::sync::Arc::new(self.node(object).clone()),
        }
    }

    /// `file:line:col` of a node in one of the repository's files.
    pub fn location(&self, file: usize, span: Span) -> Location {
        Location::new(self.files[file].path.clone(), span.line, span.column)
    }

    /// `file:line:col` of a span, using the file id the span carries (spans of
    /// built objects may come from patches in other files).
    pub fn span_location(&self, span: Span) -> Location {
        self.location(span.file as usize, span)
    }

    pub fn object_location(&self, object: &Object) -> Location {
        self.location(object.file, self.node(object).span)
    }

    /// The absolute path of a repository-relative path.
    pub fn absolute(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The text of a file that is not a loaded YAML file, if it is text
    /// (and the load read such texts: [`LoadOptions::other_texts`]).
    pub fn other_text(&self, relative: &str) -> Option<&std::sync::Arc<str>> {
        self.other_texts.get(self.other_index(relative)?)?.as_ref()
    }

    /// The text of any file the load read: a YAML file, or one of the other
    /// texts. `None` for files it did not read (or could not read as text).
    pub fn text(&self, relative: &str) -> Option<&str> {
        match self.file(relative) {
            Some(file) if !file.text.is_empty() => Some(&file.text),
            Some(_) => None,
            None => self.other_text(relative).map(|text| &**text),
        }
    }

    /// The position of a path in `other_files` (sorted).
    fn other_index(&self, relative: &str) -> Option<usize> {
        self.other_files.binary_search_by(|other| other.as_str().cmp(relative)).ok()
    }

    /// Whether a repository-relative path exists on disk (file or folder).
    pub fn exists(&self, relative: &str) -> bool {
        self.file_index.contains_key(relative)
            || self.other_index(relative).is_some()
            || self.dirs.contains(relative)
            || self.absolute(relative).exists()
    }

    /// Every folder that holds a loaded file, and their ancestors (`""` is the root).
    pub fn known_dirs(&self) -> impl Iterator<Item = &str> {
        self.dirs.iter().map(String::as_str)
    }

    pub fn is_dir(&self, relative: &str) -> bool {
        self.dirs.contains(relative) || self.absolute(relative).is_dir()
    }

    /// The repository-relative form of an absolute path, if it is inside the root.
    pub fn relative(&self, path: &Path) -> Option<String> {
        relative_path(&self.root, path)
    }

    /// Objects in one file, in document order.
    pub fn objects_in_file(&self, file: usize) -> impl Iterator<Item = (usize, &Object)> {
        self.objects.iter().enumerate().filter(move |(_, o)| o.file == file)
    }
}
