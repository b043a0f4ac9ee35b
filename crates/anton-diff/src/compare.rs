//! Comparing two states, per Flux Kustomization: which objects leave it
//! (and whether Flux deletes them or leaves them), which come, which change.
//!
//! What happens to an object that leaves a Kustomization `K` follows Flux:
//!
//! * `K` still exists: Flux prunes the object when `K` has `prune: true`
//!   (in either state — which spec reconciles first is a race);
//! * `K` is gone too: `K` itself is deleted when whoever applied it prunes
//!   it, and its finalizer then deletes everything in its inventory unless it
//!   is suspended or its `deletionPolicy` (or `prune: false`) says otherwise
//!   — recursively through child Kustomizations;
//! * an object annotated `kustomize.toolkit.fluxcd.io/prune: disabled` (or
//!   `reconcile: disabled`, `ssa: ignore`) is never deleted.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::model::{Action, FieldChange};
use crate::state::{AppliedObject, KsInfo, KsKey, Redaction, Snapshot};
use crate::structural;

/// Cycles of Kustomizations applying each other end here.
const MAX_DEPTH: usize = 64;

pub(crate) struct Removal<'a> {
    pub(crate) object: &'a AppliedObject,
    pub(crate) action: Action,
    /// Why Flux deletes it or leaves it.
    pub(crate) why: String,
    /// `why`, and what deleting this kind of object takes with it.
    pub(crate) reason: String,
    pub(crate) moved_to: Option<KsKey>,
}

pub(crate) struct Change<'a> {
    pub(crate) before: &'a AppliedObject,
    pub(crate) after: &'a AppliedObject,
    pub(crate) changes: Vec<FieldChange>,
}

pub(crate) struct Addition<'a> {
    pub(crate) object: &'a AppliedObject,
    pub(crate) moved_from: Option<KsKey>,
}

/// One Flux Kustomization in both states.
pub(crate) struct Entry<'a> {
    /// Why the objects were not compared (the new state cannot be built).
    pub(crate) skipped: Option<String>,
    pub(crate) base: Option<&'a KsInfo>,
    pub(crate) head: Option<&'a KsInfo>,
    pub(crate) removed: Vec<Removal<'a>>,
    pub(crate) changed: Vec<Change<'a>>,
    pub(crate) added: Vec<Addition<'a>>,
}

pub(crate) struct Comparison<'a> {
    pub(crate) base: &'a Snapshot,
    pub(crate) head: &'a Snapshot,
    pub(crate) entries: BTreeMap<KsKey, Entry<'a>>,
    pub(crate) notes: Vec<String>,
    fates: RefCell<HashMap<KsKey, Result<(), String>>>,
}

impl<'a> Comparison<'a> {
    pub(crate) fn new(base: &'a Snapshot, head: &'a Snapshot) -> Comparison<'a> {
        let mut comparison = Comparison {
            base,
            head,
            entries: BTreeMap::new(),
            notes: Vec::new(),
            fates: RefCell::new(HashMap::new()),
        };
        let keys: BTreeSet<&KsKey> = base.kustomizations.keys().chain(head.kustomizations.keys()).collect();
        for key in keys {
            let entry = comparison.entry(key);
            comparison.entries.insert(key.clone(), entry);
        }
        comparison
    }

    fn entry(&mut self, key: &KsKey) -> Entry<'a> {
        let (base, head) = (self.base.kustomizations.get(key), self.head.kustomizations.get(key));
        let mut entry = Entry { skipped: None, base, head, removed: Vec::new(), changed: Vec::new(), added: Vec::new() };
        if let (Some(before), Some(after)) = (base, head) {
            if let (None, Some(why)) = (&before.unbuildable, &after.unbuildable) {
                let note = if before.source != after.source {
                    // Another repository or artifact: Flux builds it, anton cannot see it.
                    format!(
                        "{}: it now builds from {}, which is not in this repository, so anton cannot compare what it applies; Flux prunes whatever of the {} it applies today the new source does not hold",
                        key.name(),
                        after.source.as_deref().unwrap_or("another source"),
                        crate::rules::objects(before.objects.len())
                    )
                } else {
                    // Flux fails the build and applies (and prunes) nothing until it is fixed.
                    format!(
                        "{}: Flux cannot build it in the new state ({why}); it would apply and prune nothing, so its objects are not compared. Run `anton validate`.",
                        key.name()
                    )
                };
                self.notes.push(note.clone());
                entry.skipped = Some(note);
                return entry;
            }
        }
        if let Some(before) = base {
            for (id, old) in &before.objects {
                if let Some(new) = head.and_then(|h| h.objects.get(id)) {
                    if let (Some(old_json), Some(new_json)) = (&old.json, &new.json) {
                        let redaction = if old.redaction != Redaction::None { old.redaction } else { new.redaction };
                        let changes = structural::diff(&id.group, &id.kind, old_json, new_json, redaction);
                        if !changes.is_empty() {
                            entry.changed.push(Change { before: old, after: new, changes });
                        }
                    }
                    continue;
                }
                let moved_to = other_owner(self.head, key, id);
                let (action, why, consequence) = self.removal(key, old);
                let reason = format!("{why}{consequence}");
                entry.removed.push(Removal { object: old, action, why, reason, moved_to });
            }
        }
        if let Some(after) = head {
            for (id, new) in &after.objects {
                if base.is_some_and(|b| b.objects.contains_key(id)) {
                    continue;
                }
                entry.added.push(Addition { object: new, moved_from: other_owner(self.base, key, id) });
            }
        }
        entry
    }

    /// What Flux does with `object` once it is no longer in `key`'s build:
    /// the action, why, and what deleting it takes with it.
    pub(crate) fn removal(&self, key: &KsKey, object: &AppliedObject) -> (Action, String, String) {
        if let Some(annotation) = &object.protected_by {
            return (Action::Orphan, format!("it carries {annotation}"), String::new());
        }
        match self.applier_deletes(key, 0) {
            Ok(()) => {
                let how = if self.head.kustomizations.contains_key(key) {
                    format!("{} prunes it", key.name())
                } else {
                    format!("garbage-collected with {}", key.name())
                };
                (Action::Delete, how, consequence(self, key, object))
            }
            Err(why) => (Action::Orphan, why, String::new()),
        }
    }

    /// Whether objects leaving `key`'s build are deleted; the reason they stay otherwise.
    pub(crate) fn applier_deletes(&self, key: &KsKey, depth: usize) -> Result<(), String> {
        if let Some(known) = self.fates.borrow().get(key) {
            return known.clone();
        }
        let fate = self.compute_applier(key, depth);
        self.fates.borrow_mut().insert(key.clone(), fate.clone());
        fate
    }

    fn compute_applier(&self, key: &KsKey, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("the Kustomizations apply each other in a cycle".to_owned());
        }
        let base = self.base.kustomizations.get(key);
        match self.head.kustomizations.get(key) {
            Some(head) if head.prune || base.is_some_and(|b| b.prune) => Ok(()),
            Some(_) => Err(format!("{} has prune: false", key.name())),
            None => {
                let Some(base) = base else { return Err(format!("{} is unknown", key.name())) };
                self.kustomization_deleted(base, depth)?;
                base.collects_garbage()
            }
        }
    }

    /// Whether a Flux Kustomization that is gone from the new state is
    /// deleted from the cluster (rather than left there, still reconciling).
    pub(crate) fn kustomization_deleted(&self, ks: &KsInfo, depth: usize) -> Result<(), String> {
        match &ks.parent {
            None if ks.self_applied && !ks.prune => Err(format!("{} applies itself with prune: false", ks.key.name())),
            // A root applied from outside Git (bootstrap, by hand): assume the worst.
            None => Ok(()),
            Some(parent) => {
                let own_object = self.base.kustomizations.get(parent).and_then(|p| p.objects.get(&ks.key.id));
                if let Some(annotation) = own_object.and_then(|o| o.protected_by.as_ref()) {
                    return Err(format!("{} carries {annotation}", ks.key.name()));
                }
                self.applier_deletes(parent, depth + 1)
                    .map_err(|why| format!("{} stays in the cluster ({why})", ks.key.name()))
            }
        }
    }

    /// Everything deleted for good when the removed Kustomization `key` is
    /// deleted: its removals with action `delete` that no other Kustomization
    /// takes over, through the child Kustomizations deleted with it.
    pub(crate) fn cascade(&self, key: &KsKey) -> Vec<&Removal<'a>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.collect_cascade(key, &mut out, &mut seen);
        out
    }

    fn collect_cascade<'s>(&'s self, key: &KsKey, out: &mut Vec<&'s Removal<'a>>, seen: &mut HashSet<KsKey>) {
        if !seen.insert(key.clone()) {
            return;
        }
        let Some(entry) = self.entries.get(key) else { return };
        for removal in &entry.removed {
            if removal.action != Action::Delete || removal.moved_to.is_some() {
                continue;
            }
            out.push(removal);
            if removal.object.is_flux_kustomization() {
                let child = KsKey { cluster: key.cluster.clone(), id: removal.object.id.clone() };
                if self.head.kustomizations.get(&child).is_none() {
                    self.collect_cascade(&child, out, seen);
                }
            }
        }
    }

    /// Objects of a removed Kustomization (and of its children) that another
    /// Kustomization applies in the new state.
    pub(crate) fn moved_out_of(&self, key: &KsKey) -> usize {
        self.entries.get(key).map_or(0, |e| e.removed.iter().filter(|r| r.moved_to.is_some()).count())
    }
}

/// The Kustomization other than `key` that applies `id` in `snapshot`, if any.
fn other_owner(snapshot: &Snapshot, key: &KsKey, id: &anton_core::ObjectId) -> Option<KsKey> {
    snapshot
        .owners
        .get(&(key.cluster.clone(), id.clone()))
        .and_then(|owners| owners.iter().find(|owner| *owner != key))
        .cloned()
}

/// What deleting this kind of object takes with it.
fn consequence(comparison: &Comparison<'_>, key: &KsKey, object: &AppliedObject) -> String {
    let id = &object.id;
    match (id.group.as_str(), id.kind.as_str()) {
        // helm-controller skips the uninstall of a suspended HelmRelease.
        ("helm.toolkit.fluxcd.io", "HelmRelease") if crate::rules::helm_uninstall::suspended(object) => {
            "; it is suspended, so helm-controller deletes it without uninstalling the Helm release".to_owned()
        }
        ("helm.toolkit.fluxcd.io", "HelmRelease") => "; deleting a HelmRelease uninstalls the Helm release".to_owned(),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            "; deleting a CustomResourceDefinition deletes every resource of its kind".to_owned()
        }
        ("", "Namespace") => "; deleting a Namespace deletes everything in it".to_owned(),
        _ if object.is_flux_kustomization() => {
            let child = KsKey { cluster: key.cluster.clone(), id: id.clone() };
            match comparison.base.kustomizations.get(&child).map(KsInfo::collects_garbage) {
                Some(Ok(())) => "; its finalizer then deletes everything it applied".to_owned(),
                _ => String::new(),
            }
        }
        _ => String::new(),
    }
}
