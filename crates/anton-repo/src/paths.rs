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
    // Written straight into the result, `..` cutting it back at its last
    // `/`: this runs for every reference of every kustomization and Flux path.
    let mut joined = String::with_capacity(base_dir.len() + reference.len() + 1);
    let append = |joined: &mut String, part: &str| {
        if !joined.is_empty() {
            joined.push('/');
        }
        joined.push_str(part);
    };
    if !reference.starts_with('/') {
        for part in base_dir.split('/').filter(|part| !part.is_empty()) {
            append(&mut joined, part);
        }
    }
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if joined.is_empty() {
                    return None;
                }
                let parent = joined.rfind('/').unwrap_or(0);
                joined.truncate(parent);
            }
            part => append(&mut joined, part),
        }
    }
    Some(joined)
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
        assert_eq!(normalize_relative("a/./b", "..").as_deref(), Some("a/."), "the folder's own parts as written");
        assert_eq!(normalize_relative("/a//b/", "c").as_deref(), Some("a/b/c"));
        assert_eq!(normalize_relative("a/b", "../..").as_deref(), Some(""));
        assert_eq!(normalize_relative("a/b", "../../..").as_deref(), None);
    }

    #[test]
    fn relative_paths_use_forward_slashes() {
        let root = Path::new("/repo");
        assert_eq!(relative_path(root, Path::new("/repo/a/b.yaml")).as_deref(), Some("a/b.yaml"));
        assert_eq!(relative_path(root, Path::new("/elsewhere")), None);
    }
}
