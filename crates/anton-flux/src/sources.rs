//! Where each source's artifact comes from in this repository.
//!
//! A Flux Kustomization's `spec.path` is relative to the root of its source's
//! artifact, which is not always the folder holding `.git`: CI may push an
//! OCI artifact of one folder (`flux push artifact --path=./kubernetes`), a
//! GitRepository may leave folders out (`spec.ignore`) or take in another
//! repository's (`spec.include`). This module finds, for every source the
//! Kustomizations use, the repository folder its artifact is made of.

use std::collections::BTreeMap;
use foldhash::{HashMap, HashMapExt};
use std::path::Path;

use anton_core::Location;
use anton_repo::{Repository, normalize_relative};
use anton_yaml::Node;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::model::{FluxSpec, Spanned};

/// How anton knows a source's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootEvidence {
    /// `[sources] roots` in `.anton.toml`.
    Configured,
    /// A CI workflow pushes the artifact: `flux push artifact --path=...` at this place.
    Workflow(Location),
    /// A GitRepository of this repository: the artifact is the git checkout.
    GitCheckout,
    /// The folder under which most of its Kustomizations' paths resolve.
    Inferred,
}

/// A `spec.include` entry of a GitRepository: another GitRepository's
/// `from` folder, copied to `to` in this artifact.
#[derive(Debug, Clone)]
pub struct Include {
    pub to: String,
    pub from: String,
    pub repository: String,
}

/// One source (as kind and name) that Kustomizations build from.
#[derive(Debug, Clone)]
pub struct SourceRoot {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The repository folder that is the artifact's root (`""`: the
    /// repository root); `None` when no folder holds its paths.
    pub root: Option<String>,
    pub evidence: RootEvidence,
    /// Something says this source holds this repository (bootstrap, `.anton.toml`,
    /// a CI workflow, a FluxInstance's sync, a URL that is a git remote), as
    /// opposed to a source taken to be local only because its paths resolve.
    pub claimed: bool,
    /// The source object, when it is in the repository.
    pub location: Option<Location>,
    /// Paths of its Kustomizations anton can check (no `${VAR}` in them).
    pub checkable: usize,
    /// How many of those resolve under `root`.
    pub resolving: usize,
    /// Folders that could be the root, best first (when few or no paths resolve).
    pub candidates: Vec<String>,
    pub includes: Vec<Include>,
    /// `spec.ignore`, one matcher per pattern, in order.
    ignore: Vec<Gitignore>,
}

impl SourceRoot {
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.kind, self.namespace, self.name)
    }

    /// The root as a user writes it: `./kubernetes`, or `./` for the repository root.
    pub fn root_display(&self) -> String {
        match self.root.as_deref() {
            Some("") | None => "./".to_owned(),
            Some(root) => format!("./{root}"),
        }
    }

    /// Whether no path resolves, though several were written: one finding for
    /// the source says more than one per Kustomization.
    pub fn unresolved(&self) -> bool {
        self.checkable >= 2 && self.resolving == 0
    }

    /// Whether `spec.ignore` leaves this artifact folder (relative to the root) out.
    ///
    /// source-controller matches with go-git's gitignore: the last pattern
    /// that matches the path or one of its parents decides, so `!/a/b`
    /// brings `a/b` back even after `/*` left `a` out.
    pub fn excludes(&self, inside: &str) -> bool {
        if inside.is_empty() || !self.claimed {
            return false;
        }
        let path = Path::new(ARTIFACT_ROOT).join(inside);
        for pattern in self.ignore.iter().rev() {
            let decided = path
                .ancestors()
                .take_while(|p| p.starts_with(ARTIFACT_ROOT) && *p != Path::new(ARTIFACT_ROOT))
                .map(|p| pattern.matched(p, true))
                .find(|m| !m.is_none());
            if let Some(decided) = decided {
                return decided.is_ignore();
            }
        }
        false
    }
}

/// Where `spec.ignore` patterns are anchored (any absolute folder will do).
const ARTIFACT_ROOT: &str = "/artifact";

/// What a Kustomization's `spec.path` is in this repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// This repository folder (it may not exist).
    Folder(String),
    /// A folder `spec.ignore` of the source leaves out of the artifact.
    Excluded(String),
    /// Not checkable here: another repository, or a source without a root.
    Elsewhere,
}

/// A FluxInstance's `spec.sync` (or the flux-instance chart's `instance.sync`):
/// the source and Kustomization the Flux Operator creates, both named after
/// the instance's namespace.
#[derive(Debug, Clone)]
pub struct SyncEntry {
    pub kind: String,
    pub namespace: String,
    pub url: Option<String>,
    pub path: Option<Spanned<String>>,
    pub location: Location,
    /// Written outside the checked folder: it says where its source's
    /// artifact comes from, and gets no finding of its own.
    pub outside: bool,
}

/// A `flux push artifact` command of a CI workflow.
#[derive(Debug, Clone)]
struct Push {
    url: String,
    path: String,
    location: Location,
}

/// Reads every source the Kustomizations (and FluxInstances) use and finds its root.
pub(crate) fn resolve(
    repo: &Repository,
    specs: &[&FluxSpec],
    bootstrap: &[(String, String, String)],
    configured: &[((String, String, String), String)],
    syncs: &[SyncEntry],
) -> BTreeMap<(String, String), SourceRoot> {
    // Paths by source, as written (normalised), and the namespace the source is named in.
    let mut paths: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    for spec in specs {
        let FluxSpec::Kustomization(ks) = spec else { continue };
        let Some(source) = &ks.source_ref else { continue };
        if !matches!(source.kind.as_str(), "GitRepository" | "OCIRepository" | "Bucket") {
            continue;
        }
        let entry = paths
            .entry((source.kind.clone(), source.name.clone()))
            .or_insert_with(|| (source.namespace.clone().unwrap_or_else(|| "flux-system".into()), Vec::new()));
        let path = ks.path.as_ref().map_or("./", |p| p.value.as_str());
        if let Some(path) = checkable_path(path) {
            entry.1.push(path);
        }
    }
    for sync in syncs {
        let entry = paths.entry((sync.kind.clone(), sync.namespace.clone())).or_insert_with(|| (sync.namespace.clone(), Vec::new()));
        if let Some(path) = sync.path.as_ref().and_then(|p| checkable_path(&p.value)) {
            entry.1.push(path);
        }
    }
    for (kind, namespace, name) in bootstrap {
        paths.entry((kind.clone(), name.clone())).or_insert_with(|| (namespace.clone(), Vec::new()));
    }

    let pushes = workflow_pushes(repo);
    let dirs: Vec<&str> = repo.known_dirs().collect();
    let mut roots = BTreeMap::new();
    for ((kind, name), (namespace, paths)) in paths {
        let object = repo
            .objects
            .iter()
            .find(|o| o.group() == crate::model::SOURCE_GROUP && o.kind == kind && o.name == name);
        // A source written outside the checked folder (`clusters/main/flux-system/gotk-sync.yaml`):
        // its url, spec.ignore and spec.include say where its artifact comes from all the same.
        let outside = match object {
            Some(_) => None,
            None => crate::model::FluxKind::parse_source_kind(&kind)
                .and_then(|kind| crate::checks::objects_outside(repo, kind, &name).next()),
        };
        let node = object.map(|o| repo.node(o)).or(outside);
        let spec = node.and_then(|n| n.get("spec"));
        let sync = syncs.iter().find(|s| s.kind == kind && s.namespace == name);
        let url = spec
            .and_then(|s| s.str_at(&["url"]))
            .map(str::to_owned)
            .or_else(|| sync.and_then(|s| s.url.clone()));
        let is_bootstrap = bootstrap.iter().any(|(k, _, n)| *k == kind && *n == name);
        let configured_root = configured
            .iter()
            .find(|((k, _, n), _)| *k == kind && *n == name)
            .and_then(|(_, root)| normalize_relative("", root));
        let push = (kind == "OCIRepository").then(|| matching_push(&pushes, url.as_deref())).flatten();
        let is_git_checkout = kind == "GitRepository"
            && (url.as_deref().is_some_and(|url| repo.git_remotes.iter().any(|remote| same_repository(remote, url)))
                || (is_bootstrap || sync.is_some()) && (url.is_none() || repo.git_remotes.is_empty()));
        let is_bootstrap_git = kind == "GitRepository" && is_bootstrap;

        let scores = score_prefixes(repo, &dirs, &paths);
        let score_of = |prefix: &str| scores.iter().find(|(p, _)| p == prefix).map_or(0, |(_, n)| *n);
        let best = scores.first().filter(|(_, n)| *n > 0).map(|(p, _)| p.clone());
        let (root, evidence, claimed) = if let Some(root) = configured_root {
            (Some(root), RootEvidence::Configured, true)
        } else if let Some(push) = push {
            (Some(push.path.clone()), RootEvidence::Workflow(push.location.clone()), true)
        } else if is_git_checkout || is_bootstrap_git {
            (Some(String::new()), RootEvidence::GitCheckout, true)
        } else if is_bootstrap || sync.is_some() {
            (best, RootEvidence::Inferred, true)
        } else if score_of("") > 0 {
            // A source of another kind whose paths exist here: this repository.
            (Some(String::new()), RootEvidence::Inferred, false)
        } else {
            // Only a folder that holds every path is evidence enough.
            let all = scores.first().filter(|(_, n)| *n > 0 && *n == paths.iter().filter(|p| !p.is_empty()).count());
            (all.map(|(p, _)| p.clone()), RootEvidence::Inferred, false)
        };
        if root.is_none() && !claimed {
            continue;
        }
        let ignore = spec.and_then(|s| s.str_at(&["ignore"])).map(gitignore).unwrap_or_default();
        let includes = spec.map(includes_of).unwrap_or_default();
        let resolving = match &root {
            Some(root) => paths.iter().filter(|p| repo.is_dir(&join(root, p))).count(),
            None => 0,
        };
        let mut candidates: Vec<String> = scores.iter().filter(|(_, n)| *n > 0).map(|(p, _)| p.clone()).collect();
        if candidates.is_empty() {
            candidates = first_folder_candidates(&dirs, &paths);
        }
        candidates.retain(|c| Some(c) != root.as_ref() || resolving == 0);
        candidates.truncate(3);
        roots.insert(
            (kind.clone(), name.clone()),
            SourceRoot {
                namespace: object
                    .and_then(|o| o.namespace.clone())
                    .or_else(|| outside.and_then(|n| n.str_at(&["metadata", "namespace"])).map(str::to_owned))
                    .unwrap_or(namespace),
                kind,
                name,
                root,
                evidence,
                claimed,
                // Outside the target, it gets no finding: the one for its
                // paths goes to a Kustomization that uses it.
                location: object.map(|o| repo.object_location(o)),
                checkable: paths.len(),
                resolving,
                candidates,
                includes,
                ignore,
            },
        );
    }
    roots
}

/// Resolves `path` of a Kustomization whose source is `key`.
pub(crate) fn resolve_path(roots: &BTreeMap<(String, String), SourceRoot>, key: &(String, String), path: &str) -> Resolution {
    let Some(source) = roots.get(key) else { return Resolution::Elsewhere };
    let Some(root) = &source.root else { return Resolution::Elsewhere };
    let Some(inside) = normalize_relative("", path) else { return Resolution::Elsewhere };
    // A folder another GitRepository's artifact is copied to.
    if let Some(include) = source
        .includes
        .iter()
        .filter(|i| inside == i.to || inside.starts_with(&format!("{}/", i.to)) || i.to.is_empty())
        .max_by_key(|i| i.to.len())
    {
        let rest = inside[include.to.len()..].trim_start_matches('/');
        let included = (String::from("GitRepository"), include.repository.clone());
        return match roots.get(&included).and_then(|s| s.root.clone()) {
            Some(included_root) => Resolution::Folder(join(&join(&included_root, &include.from), rest)),
            None => Resolution::Elsewhere,
        };
    }
    let folder = join(root, &inside);
    if source.excludes(&inside) { Resolution::Excluded(folder) } else { Resolution::Folder(folder) }
}

/// A path anton can look for: normalised, with no variable left in it.
fn checkable_path(path: &str) -> Option<String> {
    if path.contains('$') {
        return None;
    }
    normalize_relative("", path)
}

pub(crate) fn join(root: &str, rest: &str) -> String {
    match (root.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (false, true) => root.to_owned(),
        (false, false) => format!("{root}/{rest}"),
    }
}

/// For each folder that could be the root, how many paths resolve under it;
/// best first (ties: the repository root, then the shallower folder).
///
/// Each folder is split at each `/` into a prefix and the path below it, and
/// the path looked up among the written ones: linear in folders and paths
/// (comparing every path with every folder grew with their product, which a
/// repository of many clusters makes large).
fn score_prefixes(repo: &Repository, dirs: &[&str], paths: &[String]) -> Vec<(String, usize)> {
    // How many Kustomizations write each path.
    let mut written: HashMap<&str, usize> = HashMap::new();
    for path in paths.iter().filter(|p| !p.is_empty()) {
        *written.entry(path.as_str()).or_default() += 1;
    }
    let mut scores: HashMap<String, usize> = HashMap::new();
    for dir in dirs {
        // `dir` is `prefix/path` for each `/` in it (a folder gives each prefix once).
        for (slash, _) in dir.match_indices('/') {
            if let Some(&count) = written.get(&dir[slash + 1..]) {
                *scores.entry(dir[..slash].to_owned()).or_default() += count;
            }
        }
    }
    let at_root: usize = written.iter().filter(|(path, _)| repo.is_dir(path)).map(|(_, count)| count).sum();
    if at_root > 0 {
        *scores.entry(String::new()).or_default() += at_root;
    }
    let mut scores: Vec<(String, usize)> = scores.into_iter().collect();
    scores.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.matches('/').count().cmp(&b.0.matches('/').count())).then(a.0.cmp(&b.0)));
    scores
}

/// Folders holding the first folder of some path (`apps` of `./apps/media`),
/// best first: roots worth naming when no whole path resolves anywhere.
fn first_folder_candidates(dirs: &[&str], paths: &[String]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for first in paths.iter().filter_map(|p| p.split('/').next()).filter(|f| !f.is_empty()) {
        for dir in dirs {
            let prefix = if *dir == first {
                Some("")
            } else {
                dir.strip_suffix(first).and_then(|p| p.strip_suffix('/'))
            };
            if let Some(prefix) = prefix {
                *counts.entry(prefix).or_default() += 1;
            }
        }
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts.into_iter().map(|(p, _)| p.to_owned()).collect()
}

/// One matcher per pattern of `spec.ignore` (a bad pattern is skipped).
fn gitignore(patterns: &str) -> Vec<Gitignore> {
    patterns
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut builder = GitignoreBuilder::new(ARTIFACT_ROOT);
            builder.add_line(None, line).ok()?;
            builder.build().ok()
        })
        .collect()
}

fn includes_of(spec: &Node) -> Vec<Include> {
    spec.get("include")
        .map(|list| list.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            let repository = item.str_at(&["repository", "name"])?.to_owned();
            let to = item.str_at(&["toPath"]).filter(|t| !t.is_empty()).unwrap_or(&repository);
            Some(Include {
                to: normalize_relative("", to)?,
                from: normalize_relative("", item.str_at(&["fromPath"]).unwrap_or(""))?,
                repository,
            })
        })
        .collect()
}

/// Reads FluxInstance `spec.sync`, and `instance.sync` in the values of a
/// HelmRelease of the flux-instance chart, inside the checked folder and
/// outside it (what the sync says about its source counts wherever it is written).
pub(crate) fn sync_entries(repo: &Repository) -> Vec<SyncEntry> {
    let mut entries = Vec::new();
    for object in &repo.objects {
        let Some(sync) = sync_of(repo.node(object)) else { continue };
        if let Some(entry) = sync_entry(sync, object.namespace.as_deref(), repo.location(object.file, sync.span), false) {
            entries.push(entry);
        }
    }
    for (file, node) in &repo.outside_objects {
        let Some(sync) = sync_of(node) else { continue };
        let location = Location::new(file.clone(), sync.span.line, sync.span.column);
        if let Some(entry) = sync_entry(sync, node.str_at(&["metadata", "namespace"]), location, true) {
            entries.push(entry);
        }
    }
    entries
}

/// The `spec.sync` of a FluxInstance, or `instance.sync` of a flux-instance HelmRelease.
fn sync_of(node: &Node) -> Option<&Node> {
    let group = node.str_at(&["apiVersion"]).and_then(|v| v.split_once('/')).map(|(group, _)| group);
    match (group, node.str_at(&["kind"])) {
        (Some("fluxcd.controlplane.io"), Some("FluxInstance")) => node.path(&["spec", "sync"]),
        (Some(crate::model::HELM_GROUP), Some("HelmRelease")) => node.path(&["spec", "values", "instance", "sync"]),
        _ => None,
    }
}

fn sync_entry(sync: &Node, namespace: Option<&str>, location: Location, outside: bool) -> Option<SyncEntry> {
    Some(SyncEntry {
        kind: sync.str_at(&["kind"])?.to_owned(),
        // The operator names the source and the Kustomization after the namespace.
        namespace: namespace.unwrap_or("flux-system").to_owned(),
        url: sync.str_at(&["url"]).map(str::to_owned),
        path: sync.get("path").and_then(|p| Some(Spanned { value: p.scalar_text()?.to_owned(), span: p.span })),
        location,
        outside,
    })
}

/// Every `flux push artifact URL --path=DIR` in the repository's CI workflows.
fn workflow_pushes(repo: &Repository) -> Vec<Push> {
    let mut pushes = Vec::new();
    for (file, text) in &repo.ci_workflows {
        // Shell continuations join a command written over several lines.
        let lines: Vec<&str> = text.lines().collect();
        let mut index = 0;
        while index < lines.len() {
            let start = index;
            let mut command = String::new();
            while index < lines.len() {
                let line = lines[index].trim_end();
                index += 1;
                match line.strip_suffix('\\') {
                    Some(head) => {
                        command.push_str(head);
                        command.push(' ');
                    }
                    None => {
                        command.push_str(line);
                        break;
                    }
                }
            }
            let Some(at) = command.find("flux push artifact") else { continue };
            let words = shell_words(&command[at + "flux push artifact".len()..]);
            let mut url = None;
            let mut path = None;
            let mut iter = words.iter();
            while let Some(word) = iter.next() {
                if let Some(value) = word.strip_prefix("--path=") {
                    path = Some(value.to_owned());
                } else if word == "--path" {
                    path = iter.next().cloned();
                } else if word.starts_with("oci://") && url.is_none() {
                    url = Some(word.clone());
                }
            }
            let (Some(url), Some(path)) = (url, path) else { continue };
            let Some(path) = normalize_relative("", &path) else { continue };
            let column = lines[start].find("flux push").map_or(1, |c| c as u32 + 1);
            pushes.push(Push { url, path, location: Location::new(file.clone(), start as u32 + 1, column) });
        }
    }
    pushes
}

/// Splits a shell command line into words, dropping quotes (enough for flags and URLs).
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() || c == ';' || c == '&' || c == '|' => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                if c != ' ' && c != '\t' {
                    break;
                }
            }
            (_, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The push for an OCIRepository of `url`: the one whose URL matches (CI
/// variables such as `${{ github.repository_owner }}` match anything), or the
/// only push path when the URL is not known.
fn matching_push<'p>(pushes: &'p [Push], url: Option<&str>) -> Option<&'p Push> {
    match url {
        Some(url) => {
            let wanted = artifact_name(url);
            pushes.iter().find(|push| wildcard_match(&artifact_name(&push.url), &wanted))
        }
        None => {
            let first = pushes.first()?;
            pushes.iter().all(|p| p.path == first.path).then_some(first)
        }
    }
}

/// `oci://ghcr.io/me/manifests:tag` → `ghcr.io/me/manifests`.
fn artifact_name(url: &str) -> String {
    let url = url.trim().trim_start_matches("oci://");
    let url = url.split_once('@').map_or(url, |(name, _)| name);
    match url.rfind(':') {
        Some(colon) if colon > url.rfind('/').unwrap_or(0) => url[..colon].to_owned(),
        _ => url.to_owned(),
    }
}

/// Whether `text` matches `pattern`, where every shell or Actions expression
/// of the pattern (`${{ … }}`, `${…}`, `$(…)`, `$NAME`) matches any text.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut literals: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            if let Some(last) = literals.last_mut() {
                last.push(c);
            }
            continue;
        }
        match chars.peek() {
            Some('{') | Some('(') => {
                let close = if chars.peek() == Some(&'{') { '}' } else { ')' };
                let mut depth = 0;
                for c in chars.by_ref() {
                    if c == '{' || c == '(' {
                        depth += 1;
                    } else if c == close || c == '}' || c == ')' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                }
            }
            _ => {
                while chars.peek().is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    chars.next();
                }
            }
        }
        literals.push(String::new());
    }
    if literals.len() == 1 {
        return pattern.eq_ignore_ascii_case(text);
    }
    let text = text.to_ascii_lowercase();
    let mut rest = text.as_str();
    let last = literals.len() - 1;
    for (i, literal) in literals.iter().map(|l| l.to_ascii_lowercase()).enumerate() {
        if i == 0 {
            let Some(after) = rest.strip_prefix(literal.as_str()) else { return false };
            rest = after;
        } else if i == last {
            return rest.ends_with(literal.as_str());
        } else {
            let Some(at) = rest.find(literal.as_str()) else { return false };
            rest = &rest[at + literal.len()..];
        }
    }
    true
}

/// Whether two git URLs name the same repository (`git@github.com:me/ops.git`
/// and `https://github.com/me/ops` do).
fn same_repository(a: &str, b: &str) -> bool {
    fn canonical(url: &str) -> String {
        let url = url.trim();
        let url = url.split_once("://").map_or(url, |(_, rest)| rest);
        let url = url.split_once('@').map_or(url, |(_, rest)| rest);
        let url = url.replacen(':', "/", 1);
        url.trim_end_matches('/').trim_end_matches(".git").to_ascii_lowercase()
    }
    // `ssh://git@host:22/me/ops` keeps the port out of the comparison.
    let strip_port = |s: String| {
        let mut parts: Vec<&str> = s.split('/').collect();
        if parts.len() > 1 && parts[1].chars().all(|c| c.is_ascii_digit()) {
            parts.remove(1);
        }
        parts.join("/")
    };
    strip_port(canonical(a)) == strip_port(canonical(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_drop_scheme_and_tag() {
        assert_eq!(artifact_name("oci://ghcr.io/me/manifests:latest"), "ghcr.io/me/manifests");
        assert_eq!(artifact_name("oci://localhost:5000/me/manifests"), "localhost:5000/me/manifests");
        assert_eq!(artifact_name("oci://ghcr.io/me/m@sha256:abc"), "ghcr.io/me/m");
    }

    #[test]
    fn ci_expressions_match_anything() {
        assert!(wildcard_match("ghcr.io/${{ github.repository_owner }}/manifests", "ghcr.io/me/manifests"));
        assert!(wildcard_match("ghcr.io/$OWNER/manifests", "ghcr.io/me/manifests"));
        assert!(!wildcard_match("ghcr.io/${{ github.repository_owner }}/other", "ghcr.io/me/manifests"));
        assert!(wildcard_match("GHCR.io/me/manifests", "ghcr.io/me/manifests"));
    }

    #[test]
    fn ssh_and_https_urls_of_one_repository_match() {
        assert!(same_repository("git@github.com:me/home-ops.git", "https://github.com/me/home-ops"));
        assert!(same_repository("ssh://git@github.com/me/home-ops", "https://github.com/Me/home-ops.git"));
        assert!(!same_repository("https://github.com/me/home-ops", "https://github.com/me/other"));
    }

    #[test]
    fn shell_words_drop_quotes_and_stop_at_the_command_end() {
        assert_eq!(
            shell_words(r#" "oci://x/y:$(git rev-parse HEAD)" --path="./kubernetes" && echo"#),
            ["oci://x/y:$(git rev-parse HEAD)", "--path=./kubernetes"]
        );
    }

    #[test]
    fn ignore_patterns_exclude_folders_as_source_controller_does() {
        let root = |patterns: &str| SourceRoot {
            kind: "GitRepository".into(),
            namespace: "flux-system".into(),
            name: "x".into(),
            root: Some(String::new()),
            evidence: RootEvidence::GitCheckout,
            claimed: true,
            location: None,
            checkable: 0,
            resolving: 0,
            candidates: Vec::new(),
            includes: Vec::new(),
            ignore: gitignore(patterns),
        };
        let only_deploy = root("/*\n!/deploy\n");
        assert!(!only_deploy.excludes("deploy/apps"));
        assert!(only_deploy.excludes("clusters/prod"));
        let no_archive = root("archive/\n");
        assert!(no_archive.excludes("archive/old"));
        assert!(!no_archive.excludes("apps"));
        // go-git: a later negation brings a folder back under an excluded parent.
        let deep = root("# only one cluster\n/*\n!/clusters/prod\n");
        assert!(!deep.excludes("clusters/prod/apps"));
        assert!(deep.excludes("clusters/dev"));
    }
}
