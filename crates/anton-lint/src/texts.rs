//! The text of the repository's files, gathered once at the edge so that
//! rules stay pure: YAML files (for suppression comments and positions, as
//! the loader read them) and every other text file under the scanned folder
//! (for committed private keys).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anton_repo::Repository;
use rayon::prelude::*;

/// Files larger than this are not text a person commits by hand (bundles,
/// dumps); they are not read.
const MAX_TEXT_BYTES: u64 = 4 * 1024 * 1024;

/// Repository-relative path → text, for every readable text file.
#[derive(Debug, Default, Clone)]
pub struct SourceTexts {
    texts: HashMap<String, Arc<str>>,
    /// Paths of files that are not YAML (sorted).
    others: Vec<String>,
}

impl SourceTexts {
    /// The repository's YAML files (their texts as the loader read them)
    /// and every other text file the loader's walk found under the scanned
    /// folder (hidden files too; ignored files and `.git` not), read here.
    pub fn read(repo: &Repository) -> Self {
        let mut texts: HashMap<String, Arc<str>> =
            repo.files.iter().map(|file| (file.path.clone(), Arc::clone(&file.text))).collect();
        let others: Vec<(String, Arc<str>)> = repo
            .other_files
            .par_iter()
            .filter_map(|path| read_text(&repo.absolute(path)).map(|text| (path.clone(), text)))
            .collect();
        let others_read = others.iter().map(|(path, _)| path.clone()).collect();
        texts.extend(others);
        Self { texts, others: others_read }
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
