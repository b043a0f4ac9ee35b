use std::path::{Component, Path, PathBuf};

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
    let mut parts: Vec<String> = if reference.starts_with('/') {
        Vec::new()
    } else {
        base_dir.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect()
    };
    for component in Path::new(reference.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
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
    }

    #[test]
    fn relative_paths_use_forward_slashes() {
        let root = Path::new("/repo");
        assert_eq!(relative_path(root, Path::new("/repo/a/b.yaml")).as_deref(), Some("a/b.yaml"));
        assert_eq!(relative_path(root, Path::new("/elsewhere")), None);
    }
}
