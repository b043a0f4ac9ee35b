//! Which folder a command looks at when none is given.

use std::path::{Path, PathBuf};

/// The `kubernetes/` folder of the git repository around `cwd`, or `cwd`
/// itself when there is no such folder — the same default the old scripts had.
pub fn default_target(cwd: &Path) -> PathBuf {
    if let Some(root) = anton_repo::find_repository_root(cwd) {
        let kubernetes = root.join("kubernetes");
        if kubernetes.is_dir() {
            return kubernetes;
        }
    }
    cwd.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_kubernetes_folder_of_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("kubernetes/apps")).unwrap();
        let nested = dir.path().join("kubernetes/apps");
        assert_eq!(default_target(&nested), dir.path().join("kubernetes"));
    }

    #[test]
    fn falls_back_to_the_current_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(default_target(dir.path()), dir.path());
    }
}
