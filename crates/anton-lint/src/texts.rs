//! The text of the repository's files, gathered once at the edge so that
//! rules stay pure: YAML files (for suppression comments and positions, as
//! the loader read them) and every other text file of the repository (for
//! committed private keys).

use foldhash::HashMap;
use std::sync::Arc;

use anton_repo::Repository;

/// Repository-relative path → text, for every readable text file.
#[derive(Debug, Default, Clone)]
pub struct SourceTexts {
    texts: HashMap<String, Arc<str>>,
    /// Paths of files that are not YAML (sorted).
    others: Vec<String>,
}

impl SourceTexts {
    /// The repository's YAML files and every other text file it read
    /// (hidden files too; ignored files and `.git` not; outside the scanned
    /// folder, what git tracks), as the loader read them.
    pub fn read(repo: &Repository) -> Self {
        // YAML files outside the scanned folder are read for committed keys too.
        let mut texts: HashMap<String, Arc<str>> = repo
            .files
            .iter()
            .chain(&repo.outside_files)
            .map(|file| (file.path.clone(), Arc::clone(&file.text)))
            .collect();
        let mut others = Vec::new();
        for (path, text) in repo.other_files.iter().zip(&repo.other_texts) {
            if let Some(text) = text {
                texts.insert(path.clone(), Arc::clone(text));
                others.push(path.clone());
            }
        }
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

