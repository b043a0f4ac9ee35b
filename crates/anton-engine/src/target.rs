//! Which folder a command looks at when none is given, and what to say when
//! the folder it looked at holds nothing to check.

use std::path::{Path, PathBuf};

use anton_core::{Finding, Location, Report, Severity};
use anton_repo::Repository;

/// Where a command's target is: `path` as given, else the [`default_target`]
/// around the current folder.
pub fn resolve_target(path: Option<&Path>) -> PathBuf {
    match path {
        Some(path) => path.to_path_buf(),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            default_target(&cwd)
        }
    }
}

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

/// A tool error (exit 3) when `repo` has no YAML file at all: a wrong path in
/// CI, or a template repository before rendering, must not pass as "0
/// objects, no problems". It names the folder searched and the folders of the
/// repository that do hold manifests. `given`: the path as typed, if any;
/// `command`: how to run the command again (`anton validate`).
pub fn require_manifests(repo: &Repository, given: Option<&Path>, cwd: &Path, command: &str) -> Result<(), Box<Report>> {
    if !repo.files.is_empty() {
        return Ok(());
    }
    let searched = match given {
        Some(path) => path.display().to_string(),
        None => repo.scan_root.display().to_string(),
    };
    let mut message = format!("no Kubernetes manifests under {searched} (looked for *.yaml, *.yml)");
    if given.is_none() {
        message.push_str(if anton_repo::find_repository_root(&repo.scan_root).is_some() {
            "; with no path given anton reads the kubernetes/ folder of the git repository, and this repository has none"
        } else {
            "; with no path given, outside a git repository, anton reads the current folder"
        });
    }
    // Folders the walk could not enter (an ignore file that is a FIFO …)
    // may be where the manifests are: say so.
    let unread: Vec<String> = repo
        .findings
        .iter()
        .filter(|finding| finding.rule == "yaml/unreadable")
        .map(|finding| match &finding.location {
            Some(location) => format!("{}: {}", location.file, finding.message),
            None => finding.message.clone(),
        })
        .collect();
    if !unread.is_empty() {
        message.push_str(&format!("; not read: {}", unread.join("; ")));
    }
    let suggestions: Vec<String> =
        likely_folders(&repo.scan_root).iter().map(|folder| shown(folder, cwd)).collect();
    match suggestions.as_slice() {
        [] => message.push_str(&format!(
            ". Pass the folder your Flux Kustomizations and manifests are in: `{command} PATH`"
        )),
        [only] => message.push_str(&format!(". Manifests are in {only}: `{command} {only}`")),
        [first, ..] => message.push_str(&format!(
            ". Folders with manifests in this repository: {}; e.g. `{command} {first}`",
            suggestions.join(", ")
        )),
    }
    Err(Box::new(
        Report::tool_error(message)
            .with_detail("searched", serde_json::json!(repo.scan_root.display().to_string()))
            .with_detail("suggestions", serde_json::json!(suggestions)),
    ))
}

/// Folders named like manifest folders elsewhere in the repository around
/// `scan_root` (or beside it, outside git), not `scan_root` itself.
fn likely_folders(scan_root: &Path) -> Vec<PathBuf> {
    let search_root = anton_repo::find_repository_root(scan_root)
        .or_else(|| scan_root.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| scan_root.to_path_buf());
    anton_repo::manifest_folders(&search_root).into_iter().filter(|folder| folder != scan_root).collect()
}

/// `folder` as a person would type it from `cwd`: `./clusters`, else absolute.
fn shown(folder: &Path, cwd: &Path) -> String {
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    match folder.strip_prefix(&cwd) {
        Ok(inside) => format!("./{}", inside.display()),
        Err(_) => folder.display().to_string(),
    }
}

/// The `yaml/no-objects` warning: YAML files under the target, and not one
/// Kubernetes object (nor a kustomization that could build some) in them.
pub fn no_objects_finding(repo: &Repository, cwd: &Path) -> Option<Finding> {
    if !repo.objects.is_empty() || repo.files.is_empty() || repo.files.iter().any(|f| f.is_kustomization_file()) {
        return None;
    }
    let folder = match repo.relative(&repo.scan_root) {
        Some(dir) if !dir.is_empty() => format!("{dir}/"),
        _ => "the repository root".to_owned(),
    };
    let count = repo.files.len();
    let files = if count == 1 { "1 YAML file".to_owned() } else { format!("{count} YAML files") };
    let others: Vec<String> = likely_folders(&repo.scan_root)
        .iter()
        .filter(|f| !repo.scan_root.starts_with(f))
        .map(|f| shown(f, cwd))
        .collect();
    let hint = if others.is_empty() {
        "point anton at the folder Flux applies (`anton validate PATH`); if this folder is meant to hold no objects, `--ignore yaml/no-objects`".to_owned()
    } else {
        format!("point anton at the folder Flux applies, e.g. `anton validate {}` (folders with manifests: {})", others[0], others.join(", "))
    };
    Some(
        Finding::new(
            "yaml/no-objects",
            Severity::Warning,
            format!("{files} under {folder}, but no Kubernetes object in them: no document has apiVersion and kind, so nothing was checked"),
        )
        .at(Location::file(repo.files[0].path.clone()))
        .hint(hint),
    )
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

    #[test]
    fn folders_are_shown_relative_to_the_current_folder_when_inside_it() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().canonicalize().unwrap();
        assert_eq!(shown(&cwd.join("clusters"), &cwd), "./clusters");
        assert_eq!(shown(Path::new("/elsewhere/kubernetes"), &cwd), "/elsewhere/kubernetes");
    }
}
