//! Where the manifests probably are, when a target has none.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

/// Folder names GitOps repositories keep their manifests under.
pub const MANIFEST_FOLDER_NAMES: [&str; 3] = ["kubernetes", "clusters", "cluster"];

/// How deep below the search root a manifest folder is looked for: a
/// repository's layout is shallow, and a typo'd path should not cost a walk
/// of a large tree.
const SEARCH_DEPTH: usize = 4;

/// Folders named like [`MANIFEST_FOLDER_NAMES`] under `search_root` (the
/// outermost ones, at most a few levels down, gitignore respected, hidden
/// folders skipped) that hold at least one YAML file: what to suggest when a
/// target holds none. Sorted, shallowest first.
pub fn manifest_folders(search_root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = WalkBuilder::new(search_root)
        .max_depth(Some(SEARCH_DEPTH))
        .ignore(false)
        .require_git(false)
        .git_global(false)
        .filter_entry(crate::load::safe_to_enter)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.depth() > 0 && entry.file_type().is_some_and(|t| t.is_dir()))
        .filter(|entry| MANIFEST_FOLDER_NAMES.iter().any(|name| entry.file_name() == *name))
        .map(ignore::DirEntry::into_path)
        .collect();
    found.sort_by_key(|path| (path.components().count(), path.clone()));
    let mut outermost: Vec<PathBuf> = Vec::new();
    for folder in found {
        if !outermost.iter().any(|outer| folder.starts_with(outer)) && holds_yaml(&folder) {
            outermost.push(folder);
        }
    }
    outermost
}

/// Whether any YAML file is under `folder` (stops at the first).
pub fn holds_yaml(folder: &Path) -> bool {
    let walk = WalkBuilder::new(folder).ignore(false).require_git(false).git_global(false).filter_entry(crate::load::safe_to_enter).build();
    walk.filter_map(Result::ok).any(|entry| {
        entry.file_type().is_some_and(|t| t.is_file()) && {
            let name = entry.file_name().to_string_lossy();
            name.ends_with(".yaml") || name.ends_with(".yml")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, relative: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "a: 1\n").unwrap();
    }

    #[test]
    fn finds_the_outermost_manifest_folders_that_hold_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "clusters/home/flux-system/gotk-sync.yaml");
        touch(root, "deploy/kubernetes/apps/app.yml");
        // Named right but empty of YAML, hidden, or too deep: not suggested.
        touch(root, "cluster/README.md");
        touch(root, ".github/kubernetes/ci.yaml");
        touch(root, "a/b/c/d/kubernetes/deep.yaml");
        let found = manifest_folders(root);
        assert_eq!(found, [root.join("clusters"), root.join("deploy/kubernetes")]);
    }

    #[test]
    fn a_folder_without_yaml_holds_none() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "notes.txt");
        assert!(!holds_yaml(dir.path()));
        touch(dir.path(), "x/values.yml");
        assert!(holds_yaml(dir.path()));
    }
}
