/// A resource or component that lives in another repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRef {
    pub url: String,
    /// `?ref=` / `?version=` value, or the ref embedded in a GitHub archive URL.
    pub git_ref: Option<String>,
}

/// Whether a `resources:` entry points outside the repository, and at what ref.
///
/// kustomize accepts `https://…`, `http://…`, `git@…:`, `ssh://…`, and
/// `github.com/owner/repo/path?ref=v1` without a scheme.
pub fn classify_remote(entry: &str) -> Option<RemoteRef> {
    let is_remote = entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/");
    if !is_remote {
        return None;
    }
    let git_ref = entry.split_once('?').and_then(|(_, query)| {
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            matches!(key, "ref" | "version").then(|| value.to_owned())
        })
    });
    Some(RemoteRef { url: entry.to_owned(), git_ref })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_remote_forms() {
        assert_eq!(
            classify_remote("https://github.com/kubernetes-sigs/external-dns//kustomize?ref=v0.14.0")
                .and_then(|r| r.git_ref)
                .as_deref(),
            Some("v0.14.0")
        );
        assert!(classify_remote("github.com/org/repo/deploy").is_some_and(|r| r.git_ref.is_none()));
        assert!(classify_remote("https://raw.githubusercontent.com/x/y/main/crds.yaml").is_some());
        assert!(classify_remote("./app").is_none());
        assert!(classify_remote("../common/namespace.yaml").is_none());
    }
}
