//! `anton diff`: what a change to a Flux repository will do to the cluster,
//! before Flux does it.
//!
//! Two states of the repository are read from git ([`git`]: a commit is
//! materialised into a temporary folder, the work tree is read in place),
//! each is loaded and its Flux graph built ([`state`]), and the two are
//! compared per Flux Kustomization ([`compare`]): objects added, removed —
//! with what Flux will do about each (delete it, or leave it orphaned) — and
//! changed, with a structural diff ([`structural`]). The [`rules`] turn the
//! comparison into findings. [`DiffOutcome::report`] is the report every
//! renderer reads; `details.diff` carries the [`DiffDetails`].

mod compare;
mod git;
pub mod model;
mod render;
pub mod rules;
mod semver;
mod state;
mod structural;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anton_core::{Finding, Report, Severity};

pub use model::{Action, AddedObject, ChangedObject, DiffDetails, FieldChange, KsDiff, KsStatus, Op, RemovedObject, StateRef, Totals};
pub use render::{TextOptions, render_text};

use crate::compare::Comparison;
use crate::git::Git;
use crate::state::{KsKey, Snapshot};

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct DiffRequest {
    /// A folder (or file) inside the git repository: what to load, as for `anton validate`.
    pub path: PathBuf,
    /// The old state; default: the merge-base of `HEAD` with the default branch, else `HEAD`.
    pub base: Option<String>,
    /// The new state; default: the work tree as it is (uncommitted changes included).
    pub head: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{0}: no such file or folder; pass a folder of a git repository")]
    Missing(PathBuf),
    #[error("{0}: not inside a git repository; anton diff compares two states of one (run `git init` or pass a folder of a clone)")]
    NotAGitRepository(PathBuf),
    #[error("the repository has no commits yet; commit once, or pass --base")]
    NoCommits,
    #[error("`{0}` names no commit ({1}); pass a branch, tag or commit, e.g. --base origin/main")]
    UnknownRevision(String, String),
    #[error("git: {0}")]
    Git(String),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Load(#[from] anton_repo::LoadError),
    /// The file of a Flux Kustomization of the base does not parse in the
    /// head: whether it was removed is unknown, and it is not a deletion.
    #[error(
        "{file} does not parse in the {state} ({why}); it declared the Flux Kustomization {name} in {base}. Fix the YAML (`anton validate` shows where), then diff again: a file that does not parse is not a deletion"
    )]
    Unparsable { file: String, state: String, why: String, name: String, base: String },
}

/// Everything `anton diff` found.
#[derive(Debug, Clone)]
pub struct DiffOutcome {
    pub details: DiffDetails,
    pub findings: Vec<Finding>,
    /// Every object the diff is about, named as findings name objects.
    pub subjects: BTreeSet<String>,
    pub timings: Vec<(&'static str, Duration)>,
}

impl DiffOutcome {
    /// The report: the guard findings, and the diff under `details.diff`.
    pub fn report(&self) -> Report {
        let details = serde_json::to_value(&self.details).unwrap_or(serde_json::Value::Null);
        Report::new(self.subjects.iter().cloned(), self.findings.clone()).with_detail("diff", details)
    }
}

/// Compares the two states `request` names.
pub fn diff(request: &DiffRequest) -> Result<DiffOutcome, DiffError> {
    let started = Instant::now();
    let (git, subdir) = Git::discover(&request.path)?;
    let given: Vec<&str> = [&request.base, &request.head].into_iter().flatten().map(String::as_str).collect();
    let mut commits = git.resolve_all(&given)?.into_iter();
    // In the order asked: the base's commit first, then the head's.
    let base_commit = request.base.as_ref().and_then(|_| commits.next());
    let head_commit = request.head.as_ref().and_then(|_| commits.next());
    let (base_label, base_commit) = match (&request.base, base_commit) {
        (Some(revision), Some(commit)) => (revision.clone(), commit),
        _ => git.default_base()?,
    };
    let head = request.head.clone().zip(head_commit);
    let resolved = started.elapsed();
    // Both commits are read through one git process; each state is then
    // written out and loaded on its own thread.
    let mut wanted = vec![base_commit.as_str()];
    wanted.extend(head.as_ref().map(|(_, commit)| commit.as_str()));
    let mut trees = git.read_trees(&wanted, &subdir)?.into_iter();
    let base_files = trees.next().unwrap_or_default();
    let head_files = trees.next();
    let read = started.elapsed();
    let load_files = |files: &[git::TreeFile]| -> Result<Snapshot, DiffError> {
        let scratch = scratch_dir();
        let folder = tempfile::Builder::new()
            .prefix("anton-diff-")
            .tempdir_in(&scratch)
            .map_err(|e| DiffError::Io(scratch.clone(), e))?;
        let root = folder.path();
        git::write_tree(files, root, &subdir)?;
        Ok(Snapshot::load(&root.join(&subdir), root)?)
    };
    let (base, head_snapshot) = std::thread::scope(|scope| {
        let base = scope.spawn(|| load_files(&base_files));
        let head_snapshot = match &head_files {
            Some(files) => load_files(files),
            None => Snapshot::load(&request.path, &git.toplevel).map_err(DiffError::from),
        };
        let base = base.join().unwrap_or_else(|_| Err(DiffError::Git("reading the base state failed".into())));
        (base, head_snapshot)
    });
    let (base, head_snapshot) = (base?, head_snapshot?);
    let loaded = started.elapsed();

    let base_ref = StateRef { label: base_label, commit: Some(base_commit) };
    let head_ref = match head {
        Some((label, commit)) => StateRef { label, commit: Some(commit) },
        None => StateRef { label: "working tree".into(), commit: None },
    };
    refuse_unparsable_head(&base, &head_snapshot, &base_ref, &head_ref)?;
    let mut outcome = compare_snapshots(&base, &head_snapshot, base_ref, head_ref);
    outcome.timings = vec![
        ("resolve", resolved),
        ("read", read - resolved),
        ("load", loaded - read),
        ("compare", started.elapsed() - loaded),
    ];
    Ok(outcome)
}

/// A Kustomization of the base whose file does not parse in the head would
/// look removed, with everything it applies "deleted": that is an error of
/// the head state (exit 3), named as what it is.
fn refuse_unparsable_head(base: &Snapshot, head: &Snapshot, base_ref: &StateRef, head_ref: &StateRef) -> Result<(), DiffError> {
    for (key, info) in &base.kustomizations {
        if head.kustomizations.contains_key(key) {
            continue;
        }
        if let Some(why) = head.unparsable.get(&info.location.file) {
            return Err(DiffError::Unparsable {
                file: info.location.file.clone(),
                state: head_ref.label.clone(),
                why: why.clone(),
                name: key.name(),
                base: base_ref.label.clone(),
            });
        }
    }
    Ok(())
}

/// Where commits are materialised: `$TMPDIR` when set, else `/dev/shm`
/// (memory: creating a thousand files on a busy disk costs more than the
/// whole comparison), else the system's temporary folder.
fn scratch_dir() -> PathBuf {
    if std::env::var_os("TMPDIR").is_none() {
        let shm = Path::new("/dev/shm");
        if shm.is_dir() && std::fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly()) {
            return shm.to_path_buf();
        }
    }
    std::env::temp_dir()
}

fn compare_snapshots(base: &Snapshot, head: &Snapshot, base_ref: StateRef, head_ref: StateRef) -> DiffOutcome {
    let comparison = Comparison::new(base, head);
    let findings = rules::run(&comparison);
    let clusters: BTreeSet<&str> = comparison.entries.keys().map(|k| k.cluster.as_str()).collect();
    let several_clusters = clusters.len() > 1;

    let mut subjects = BTreeSet::new();
    let mut kustomizations = Vec::new();
    let mut totals = Totals::default();
    for (key, entry) in &comparison.entries {
        let own: Vec<Finding> = findings.iter().filter(|(k, _)| k == key).map(|(_, f)| f.clone()).collect();
        if entry.removed.is_empty() && entry.changed.is_empty() && entry.added.is_empty() && own.is_empty() {
            continue;
        }
        let info = entry.head.or(entry.base);
        let status = match (entry.base, entry.head) {
            (Some(_), Some(_)) => KsStatus::Modified,
            (Some(_), None) => KsStatus::Removed,
            _ => KsStatus::Added,
        };
        let mut removed: Vec<RemovedObject> = entry
            .removed
            .iter()
            .map(|r| RemovedObject {
                object: r.object.id.short(),
                kind: r.object.id.kind.clone(),
                action: r.action,
                reason: r.reason.clone(),
                moved_to: r.moved_to.as_ref().map(KsKey::name),
            })
            .collect();
        removed.sort_by(|a, b| {
            (a.action != Action::Delete, a.moved_to.is_some(), kind_rank(&a.kind), &a.object)
                .cmp(&(b.action != Action::Delete, b.moved_to.is_some(), kind_rank(&b.kind), &b.object))
        });
        let mut changed: Vec<ChangedObject> = entry
            .changed
            .iter()
            .map(|c| ChangedObject { object: c.after.id.short(), kind: c.after.id.kind.clone(), changes: c.changes.clone() })
            .collect();
        changed.sort_by(|a, b| (kind_rank(&a.kind), &a.object).cmp(&(kind_rank(&b.kind), &b.object)));
        let added: Vec<AddedObject> = entry
            .added
            .iter()
            .map(|a| AddedObject {
                object: a.object.id.short(),
                kind: a.object.id.kind.clone(),
                moved_from: a.moved_from.as_ref().map(KsKey::name),
            })
            .collect();
        for r in &removed {
            match (r.action, &r.moved_to) {
                (_, Some(_)) => totals.moved += 1,
                (Action::Delete, None) => totals.deleted += 1,
                (Action::Orphan, None) => totals.orphaned += 1,
            }
        }
        totals.changed += changed.len();
        totals.added += added.iter().filter(|a| a.moved_from.is_none()).count();
        subjects.extend(removed.iter().map(|r| r.object.clone()));
        subjects.extend(changed.iter().map(|c| c.object.clone()));
        subjects.extend(added.iter().map(|a| a.object.clone()));
        if !own.is_empty() {
            subjects.insert(key.name());
        }
        kustomizations.push(KsDiff {
            id: key.name(),
            cluster: several_clusters.then(|| key.cluster.clone()),
            status,
            file: info.map(|i| i.location.file.clone()),
            line: info.map(|i| i.location.line),
            prune: info.is_some_and(|i| i.prune),
            suspend: info.is_some_and(|i| i.suspend),
            findings: own,
            removed,
            changed,
            added,
        });
    }
    // Deletions first: what a reviewer must see before anything else.
    kustomizations.sort_by_key(|ks| (importance(ks), ks.cluster.clone(), ks.id.clone()));
    totals.kustomizations = kustomizations.len();
    DiffOutcome {
        details: DiffDetails { base: base_ref, head: head_ref, totals, kustomizations, notes: comparison.notes.clone() },
        findings: findings.into_iter().map(|(_, f)| f).collect(),
        subjects,
        timings: Vec::new(),
    }
}

/// 0 for a Kustomization with critical findings, then deletions, other
/// removals, warnings, changes, additions.
fn importance(ks: &KsDiff) -> u8 {
    let worst = ks.findings.iter().map(|f| f.severity).max();
    if worst == Some(Severity::Critical) {
        0
    } else if ks.deleted().next().is_some() {
        1
    } else if !ks.removed.is_empty() {
        2
    } else if worst == Some(Severity::Warning) {
        3
    } else if !ks.changed.is_empty() {
        4
    } else {
        5
    }
}

/// Flux Kustomizations and HelmReleases first in lists: they take the most with them.
fn kind_rank(kind: &str) -> u8 {
    match kind {
        "Kustomization" => 0,
        "HelmRelease" => 1,
        "Namespace" => 2,
        "PersistentVolumeClaim" | "PersistentVolume" | "StatefulSet" => 3,
        _ => 4,
    }
}

/// Compares two folders that are not git states: `(scan, root)` of each.
/// For tests and for callers that materialise states themselves.
pub fn diff_folders(base: (&Path, &Path), head: (&Path, &Path)) -> Result<DiffOutcome, DiffError> {
    let base_snapshot = Snapshot::load(base.0, base.1)?;
    let head_snapshot = Snapshot::load(head.0, head.1)?;
    let label = |path: &Path| StateRef { label: path.display().to_string(), commit: None };
    Ok(compare_snapshots(&base_snapshot, &head_snapshot, label(base.0), label(head.0)))
}
