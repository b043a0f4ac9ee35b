//! `kustomize/unpinned-remote`: a remote resource that follows a branch.

use anton_core::{Finding, Severity};
use anton_kustomize::classify_remote;

use crate::context::Context;
use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "kustomize/unpinned-remote",
    severity: Severity::Warning,
    summary: "A remote resource or component URL follows a branch instead of a tag or commit",
    doc: Doc {
        what: "`resources:`, `components:` and generator `files:` entries of a kustomization that point into another repository or at a URL, and follow a branch: `?ref=main`, `?ref=master`, any other ref that is neither a version tag nor a commit, no ref at all, or a raw file URL on a branch (`raw.githubusercontent.com/org/repo/main/…`). A version tag (`v1.2.3`, `1.2.3`), a commit hash, and release-download URLs are pinned.",
        why: "A branch changes under you: the next reconcile applies whatever was pushed upstream — new CRD versions, removed fields — without a commit in this repository to review or revert. The Anton operators' rule: pin everything.",
        bad: "resources:\n  - https://github.com/kubernetes-sigs/external-dns//kustomize?ref=master\n  - https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/main/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml\n",
        fixed: "resources:\n  - https://github.com/kubernetes-sigs/external-dns//kustomize?ref=v0.15.1\n  - https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.80.1/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml\n",
        notes: "",
    },
    implementation: Implementation::Check(check),
};

/// Whether a git ref is a version tag or a commit (not a branch).
fn is_pinned_ref(reference: &str) -> bool {
    let reference = reference.trim();
    let commit = reference.len() >= 7 && reference.len() <= 40 && reference.chars().all(|c| c.is_ascii_hexdigit());
    let tag = reference.trim_start_matches(['v', 'V']).starts_with(|c: char| c.is_ascii_digit());
    // `external-dns-helm-chart-1.15.0`: a release tag with a prefix.
    let bytes = reference.as_bytes();
    let named_tag = (1..bytes.len().saturating_sub(1))
        .any(|i| bytes[i] == b'.' && bytes[i - 1].is_ascii_digit() && bytes[i + 1].is_ascii_digit());
    commit || tag || named_tag
}

/// The ref a plain URL embeds in its path, when it is a known layout.
fn ref_in_url(url: &str) -> Option<Option<&str>> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["raw.githubusercontent.com", _, _, reference, ..] => Some(Some(*reference)),
        [host, _, _, "releases", "download", tag, ..] if host.ends_with("github.com") => Some(Some(*tag)),
        [host, _, _, "raw" | "blob", reference, ..] if host.ends_with("github.com") => Some(Some(*reference)),
        [_, .., "-", "raw" | "blob", reference, _] => Some(Some(*reference)),
        _ => None,
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut configs: Vec<_> = ctx.engine.configs().collect();
    configs.sort_by_key(|c| c.file);
    for config in configs {
        for (reference, what) in config
            .resources
            .iter()
            .map(|r| (r, "resource"))
            .chain(config.components.iter().map(|r| (r, "component")))
            .chain(config.generators.iter().flat_map(|g| g.sources.iter()).map(|r| (r, "generator input")))
        {
            let Some(remote) = classify_remote(&reference.value) else { continue };
            let (reference_text, pinned) = match (&remote.git_ref, ref_in_url(&remote.url)) {
                (Some(git_ref), _) => (format!("ref `{git_ref}`"), is_pinned_ref(git_ref)),
                (None, Some(Some(embedded))) => (format!("`{embedded}` in its path"), is_pinned_ref(embedded)),
                _ => ("no ref".to_owned(), false),
            };
            if pinned {
                continue;
            }
            out.push(
                RULE.finding(format!(
                    "remote {what} `{}` follows a branch ({reference_text}), not a tag or commit",
                    remote.url
                ))
                .at(ctx.repo.location(config.file, reference.span))
                .hint("pin a release tag or a commit, e.g. `?ref=v1.2.3`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_commits_are_pinned() {
        for pinned in ["v0.14.0", "1.2.3", "0a1b2c3d", "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c", "external-dns-helm-chart-1.15.0"] {
            assert!(is_pinned_ref(pinned), "{pinned}");
        }
        for branch in ["main", "master", "develop", "release", "HEAD"] {
            assert!(!is_pinned_ref(branch), "{branch}");
        }
    }

    #[test]
    fn refs_embedded_in_urls() {
        assert_eq!(ref_in_url("https://raw.githubusercontent.com/o/r/main/x.yaml"), Some(Some("main")));
        assert_eq!(ref_in_url("https://github.com/o/r/releases/download/v1.2.0/crds.yaml"), Some(Some("v1.2.0")));
        assert_eq!(ref_in_url("https://example.com/crds.yaml"), None);
    }
}
