//! The text of the repository's files, read once at the edge so that rules
//! stay pure: YAML files (for suppression comments and positions) and every
//! other text file under the scanned folder (for committed private keys).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use anton_repo::{Repository, relative_path};
use ignore::{WalkBuilder, WalkState};
use rayon::prelude::*;

/// Files larger than this are not text a person commits by hand (bundles,
/// dumps); they are not read.
const MAX_TEXT_BYTES: u64 = 4 * 1024 * 1024;

/// The loader's ignore file (gitignore syntax), honoured here too.
const IGNORE_FILE_NAME: &str = ".antonignore";

/// Repository-relative path → text, for every readable text file.
#[derive(Debug, Default, Clone)]
pub struct SourceTexts {
    texts: HashMap<String, Arc<str>>,
    /// Paths of files that are not YAML (sorted).
    others: Vec<String>,
}

impl SourceTexts {
    /// Reads the repository's YAML files and every other text file under
    /// its scanned folder, honouring `.gitignore` and `.antonignore` as the
    /// loader does (hidden files are read too; `.git` is not).
    pub fn read(repo: &Repository) -> Self {
        // One parallel pass: each file is read by the walker thread that finds it.
        let mut texts: HashMap<String, Arc<str>> = walk_and_read(&repo.root, &repo.scan_root).into_iter().collect();
        // The loader's files, when the walk did not see them (a single file was checked).
        let missing: Vec<&str> = repo.files.iter().map(|f| f.path.as_str()).filter(|p| !texts.contains_key(*p)).collect();
        let extra: Vec<(String, Arc<str>)> = missing
            .par_iter()
            .filter_map(|path| read_text(&repo.absolute(path)).map(|text| ((*path).to_owned(), text)))
            .collect();
        texts.extend(extra);
        let yaml: HashSet<&str> = repo.files.iter().map(|f| f.path.as_str()).collect();
        let mut others: Vec<String> = texts.keys().filter(|p| !yaml.contains(p.as_str())).cloned().collect();
        others.sort();
        Self { texts, others }
    }

    /// In-memory texts (tests).
    pub fn from_texts(texts: impl IntoIterator<Item = (String, String)>, yaml: &[&str]) -> Self {
        let texts: HashMap<String, Arc<str>> = texts.into_iter().map(|(p, t)| (p, Arc::from(t))).collect();
        let mut others: Vec<String> = texts.keys().filter(|p| !yaml.contains(&p.as_str())).cloned().collect();
        others.sort();
        Self { texts, others }
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(|text| &**text)
    }

    /// Every text file read, sorted by path.
    pub fn all(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self.texts.iter().map(|(p, t)| (p.as_str(), &**t)).collect();
        all.sort_unstable_by_key(|(path, _)| *path);
        all
    }

    /// Text files that are not YAML.
    pub fn others(&self) -> impl Iterator<Item = &str> {
        self.others.iter().map(String::as_str)
    }

    /// The 1-based line of a byte offset in a file.
    pub fn line_of(&self, path: &str, offset: usize) -> Option<u32> {
        let text = self.get(path)?;
        let offset = offset.min(text.len());
        Some(text.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() as u32 + 1)
    }
}

/// Every text file under `scan_root` (gitignore-aware), as (path relative to `root`, text).
fn walk_and_read(root: &Path, scan_root: &Path) -> Vec<(String, Arc<str>)> {
    if scan_root.is_file() {
        return Vec::new();
    }
    let found = Mutex::new(Vec::new());
    let mut builder = WalkBuilder::new(scan_root);
    builder
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(IGNORE_FILE_NAME)
        .filter_entry(|entry| entry.file_name() != ".git")
        .threads(rayon::current_num_threads().max(1));
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let Ok(entry) = entry else { return WalkState::Continue };
            if entry.file_type().is_some_and(|t| t.is_file())
                && let Some(relative) = relative_path(root, entry.path())
                && let Some(text) = read_text(entry.path())
                && let Ok(mut found) = found.lock()
            {
                found.push((relative, text));
            }
            WalkState::Continue
        })
    });
    found.into_inner().unwrap_or_default()
}

/// The file as UTF-8 text, or `None` for binaries, huge files and unreadable ones.
fn read_text(path: &Path) -> Option<Arc<str>> {
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.len() > MAX_TEXT_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok().map(Arc::from)
}
