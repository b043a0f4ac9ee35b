//! The diff as data: what the report carries under `details.diff`, and what
//! every renderer reads. Field names are the JSON contract (camelCase).
//!
//! ```json
//! { "base": {"label": "merge-base of HEAD and origin/main", "commit": "1a2b…"},
//!   "head": {"label": "working tree", "commit": null},
//!   "totals": {"kustomizations": 2, "deleted": 12, "orphaned": 0, "changed": 3, "added": 1, "moved": 0},
//!   "kustomizations": [
//!     { "id": "Kustomization/flux-system/apps", "cluster": null, "status": "removed",
//!       "file": "kubernetes/apps/ks.yaml", "line": 3, "prune": true, "suspend": false,
//!       "findings": [ …the findings about this Kustomization, as in details.findings… ],
//!       "removed": [ {"object": "Deployment/media/web", "kind": "Deployment", "action": "delete",
//!                     "reason": "…", "movedTo": null} ],
//!       "changed": [ {"object": "…", "kind": "…", "changes": [
//!                     {"path": "spec.replicas", "op": "changed", "before": "1", "after": "2", "note": null} ]} ],
//!       "added":   [ {"object": "…", "kind": "…", "movedFrom": null} ] } ],
//!   "notes": [] }
//! ```

use anton_core::Finding;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffDetails {
    pub base: StateRef,
    pub head: StateRef,
    pub totals: Totals,
    /// Flux Kustomizations with something to say, deletions first.
    pub kustomizations: Vec<KsDiff>,
    /// What could not be compared, and why.
    pub notes: Vec<String>,
}

/// Which state of the repository.
#[derive(Debug, Clone, Serialize)]
pub struct StateRef {
    /// As the user gave it (`origin/main`), or how it was chosen.
    pub label: String,
    /// `None` for the work tree.
    pub commit: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Flux Kustomizations with a change.
    pub kustomizations: usize,
    /// Objects Flux will delete.
    pub deleted: usize,
    /// Objects removed from Git that Flux will leave in the cluster.
    pub orphaned: usize,
    pub changed: usize,
    pub added: usize,
    /// Objects removed from one Flux Kustomization and added to another.
    pub moved: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KsStatus {
    Removed,
    Added,
    Modified,
}

impl KsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KsStatus::Removed => "removed",
            KsStatus::Added => "added",
            KsStatus::Modified => "modified",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KsDiff {
    /// `Kustomization/namespace/name`.
    pub id: String,
    /// The cluster's folder, when the repository holds several clusters.
    pub cluster: Option<String>,
    pub status: KsStatus,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub prune: bool,
    pub suspend: bool,
    pub findings: Vec<Finding>,
    pub removed: Vec<RemovedObject>,
    pub changed: Vec<ChangedObject>,
    pub added: Vec<AddedObject>,
}

impl KsDiff {
    pub fn deleted(&self) -> impl Iterator<Item = &RemovedObject> {
        self.removed.iter().filter(|r| r.action == Action::Delete)
    }

    pub fn orphaned(&self) -> impl Iterator<Item = &RemovedObject> {
        self.removed.iter().filter(|r| r.action == Action::Orphan)
    }
}

/// What Flux does with an object that is no longer in Git.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Delete,
    Orphan,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedObject {
    /// `Kind/namespace/name`.
    pub object: String,
    pub kind: String,
    pub action: Action,
    /// Why Flux deletes it or leaves it, and what deleting it means
    /// (a HelmRelease's release is uninstalled).
    pub reason: String,
    /// The Flux Kustomization that applies it in the new state.
    pub moved_to: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedObject {
    pub object: String,
    pub kind: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedObject {
    pub object: String,
    pub kind: String,
    pub moved_from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Added,
    Removed,
    Changed,
    Reordered,
}

/// One field of a changed object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `spec.template.spec.containers[app].image`; HelmRelease paths start
    /// below `spec` (`values.resources.limits.memory`, `chart.spec.version`).
    pub path: String,
    pub op: Op,
    /// Short renderings; `None` when there is nothing to show or the value
    /// must not be shown (Secret data, SOPS ciphertext).
    pub before: Option<String>,
    pub after: Option<String>,
    /// `minor` for a version bump, `value hidden` for a secret, `+3 −1 lines` …
    pub note: Option<String>,
}

impl FieldChange {
    /// `path: before → after (note)`, the one-line form every renderer uses.
    pub fn line(&self) -> String {
        let mut line = self.path.clone();
        match (self.op, &self.before, &self.after) {
            (Op::Changed, Some(before), Some(after)) => line.push_str(&format!(": {before} → {after}")),
            (Op::Changed, _, _) => line.push_str(": changed"),
            (Op::Added, _, Some(after)) => line.push_str(&format!(": added {after}")),
            (Op::Added, _, None) => line.push_str(": added"),
            (Op::Removed, Some(before), _) => line.push_str(&format!(": removed {before}")),
            (Op::Removed, None, _) => line.push_str(": removed"),
            (Op::Reordered, _, _) => line.push_str(": reordered"),
        }
        if let Some(note) = &self.note {
            line.push_str(&format!(" ({note})"));
        }
        line
    }
}
