use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Gives the text of a repository-relative file (`/`-separated, as in
/// [`anton_core::Location::file`]) so renderers can show code frames.
///
/// Returning `None` is always safe: the renderer then shows no frame.
pub trait SourceProvider {
    fn source(&self, file: &str) -> Option<Cow<'_, str>>;
}

/// No sources at all: renders without code frames.
impl SourceProvider for () {
    fn source(&self, _file: &str) -> Option<Cow<'_, str>> {
        None
    }
}

/// In-memory sources keyed by repository-relative path (tests, editors, stdin).
impl<S: std::hash::BuildHasher> SourceProvider for HashMap<String, String, S> {
    fn source(&self, file: &str) -> Option<Cow<'_, str>> {
        self.get(file).map(|text| Cow::Borrowed(text.as_str()))
    }
}

/// Reads sources from a repository checkout on disk, each file at most once.
#[derive(Debug)]
pub struct DiskSources {
    root: PathBuf,
    // `None` remembers a file that could not be read, so it is not retried.
    cache: Mutex<HashMap<String, Option<Arc<str>>>>,
}

impl DiskSources {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn read(&self, file: &str) -> Option<Arc<str>> {
        // Locations are repository-relative; anything else is not ours to read.
        let relative = Path::new(file);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return None;
        }
        std::fs::read_to_string(self.root.join(relative))
            .ok()
            .map(Arc::from)
    }
}

impl SourceProvider for DiskSources {
    fn source(&self, file: &str) -> Option<Cow<'_, str>> {
        // A poisoned lock only means another render panicked; the cache is still valid.
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let text = cache
            .entry(file.to_owned())
            .or_insert_with(|| self.read(file))
            .clone();
        text.map(|text| Cow::Owned(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_relative_files_once_and_refuses_to_leave_the_root() {
        let root =
            std::env::temp_dir().join(format!("anton-report-sources-{}", std::process::id()));
        std::fs::create_dir_all(root.join("apps")).unwrap();
        std::fs::write(root.join("apps/a.yaml"), "kind: ConfigMap\n").unwrap();
        let sources = DiskSources::new(&root);

        assert_eq!(
            sources.source("apps/a.yaml").as_deref(),
            Some("kind: ConfigMap\n")
        );
        std::fs::write(root.join("apps/a.yaml"), "changed\n").unwrap();
        assert_eq!(
            sources.source("apps/a.yaml").as_deref(),
            Some("kind: ConfigMap\n")
        );
        assert_eq!(sources.source("apps/missing.yaml"), None);
        assert_eq!(sources.source("../outside.yaml"), None);
        assert_eq!(sources.source("/etc/hostname"), None);

        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn maps_and_unit_are_providers() {
        let mut map = HashMap::new();
        map.insert("a.yaml".to_owned(), "x: 1\n".to_owned());
        assert_eq!(map.source("a.yaml").as_deref(), Some("x: 1\n"));
        assert_eq!(().source("a.yaml"), None);
    }
}
