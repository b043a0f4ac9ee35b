use std::path::{Path, PathBuf};

/// The nearest folder at or above `start` that holds `.git`, which is what
/// Flux paths are relative to.
pub fn find_repository_root(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() { start.parent()? } else { start };
    start.ancestors().find(|dir| dir.join(".git").exists()).map(Path::to_path_buf)
}

/// `path` relative to `root`, with `/` separators, or `None` outside `root`.
pub fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    Some(parts.join("/"))
}

/// Joins a relative reference onto a repository-relative folder and folds
/// `.` and `..` away, as kustomize and Flux do. Returns `None` when the result
/// would climb above the repository root.
pub fn normalize_relative(base_dir: &str, reference: &str) -> Option<String> {
    // Borrowed pieces, one allocation for the result: this runs for every
    // reference of every kustomization and Flux path.
    let mut parts: Vec<&str> = Vec::with_capacity(16);
    if !reference.starts_with('/') {
        parts.extend(base_dir.split('/').filter(|part| !part.is_empty()));
    }
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_references_like_kustomize() {
        assert_eq!(normalize_relative("apps/media", "./plex/app").as_deref(), Some("apps/media/plex/app"));
        assert_eq!(normalize_relative("apps/media", "../common").as_deref(), Some("apps/common"));
        assert_eq!(normalize_relative("apps", "../../outside"), None);
        assert_eq!(normalize_relative("", "./kubernetes/apps/").as_deref(), Some("kubernetes/apps"));
        assert_eq!(normalize_relative("x", "/clusters/prod").as_deref(), Some("clusters/prod"));
        assert_eq!(normalize_relative("", "./").as_deref(), Some(""));
        assert_eq!(normalize_relative("a", "b//c/./d/.").as_deref(), Some("a/b/c/d"));
        assert_eq!(normalize_relative("a/b", "c/../../d").as_deref(), Some("a/d"));
        assert_eq!(normalize_relative("a", "./../..").as_deref(), None);
    }

    #[test]
    fn relative_paths_use_forward_slashes() {
        let root = Path::new("/repo");
        assert_eq!(relative_path(root, Path::new("/repo/a/b.yaml")).as_deref(), Some("a/b.yaml"));
        assert_eq!(relative_path(root, Path::new("/elsewhere")), None);
    }
}
