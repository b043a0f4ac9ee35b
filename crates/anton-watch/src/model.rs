//! What the dashboard and the event stream show, kept current by watch
//! events: one compact [`Row`] per object (never the object itself, so 2,000
//! pods cost a few hundred kilobytes), the [`Transition`]s between states,
//! and a bounded log. Pure: no I/O, the time comes from the caller.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

/// The panes of the dashboard, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pane {
    Flux,
    Workloads,
    Storage,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Flux, Pane::Workloads, Pane::Storage];
}

/// One object: kind, namespace (empty for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub fn new(kind: &'static str, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self { kind, namespace: namespace.into(), name: name.into() }
    }

    /// `flux-system/apps`, or `name` when cluster-scoped.
    pub fn path(&self) -> String {
        if self.namespace.is_empty() { self.name.clone() } else { format!("{}/{}", self.namespace, self.name) }
    }
}

/// What the dashboard knows about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: Key,
    pub pane: Pane,
    /// `ready`, `failed`, `CrashLoopBackOff`, `HEALTH_WARN`, `Pending` …: a
    /// change of it is a [`Transition`].
    pub state: String,
    /// Healthy rows of the workloads and storage panes are counted, not listed.
    pub healthy: bool,
    /// Flux objects: the revision `flux get` shows.
    pub revision: String,
    /// Since when the object is in this state (its age when unknown).
    pub since: Option<Timestamp>,
    pub message: String,
    /// The `enter` view: label and text.
    pub details: Vec<(String, String)>,
}

/// A change of state of one object: what `--events` prints, one per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    #[serde(serialize_with = "rfc3339")]
    pub time: Timestamp,
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    /// `null`: the object appeared.
    pub from: Option<String>,
    /// `null`: the object was deleted.
    pub to: Option<String>,
    pub message: String,
}

fn rfc3339<S: serde::Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    // Whole seconds, like the API server's own timestamps.
    let seconds = Timestamp::from_second(time.as_second()).unwrap_or(*time);
    serializer.collect_str(&seconds)
}

/// A line of the log pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub time: Timestamp,
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A transition to a healthy state, or an action that worked.
    Good,
    /// A transition to an unhealthy state, a Warning event, a failed action.
    Bad,
    Info,
}

/// What a watch stream reports (see `feed.rs`), reduced to rows.
#[derive(Debug, Clone)]
pub enum Update {
    /// The stream (re-)lists: rows follow, then [`Update::Listed`].
    Relist(&'static str),
    /// An object was added or changed (or listed).
    Upsert(Row),
    /// An object was deleted.
    Remove(Key),
    /// The list is complete: objects not listed again are gone.
    Listed(&'static str),
    /// A Warning event, or the outcome of a dashboard action.
    Log(LogEntry),
    /// The stream failed; the watcher retries with a backoff.
    Trouble(&'static str, String),
    /// The stream's requests succeed again.
    Connected(&'static str),
}

#[derive(Debug, Default, Clone)]
struct StreamState {
    listed_once: bool,
    /// Keys seen during a re-list, to find what was deleted meanwhile.
    relisting: Option<BTreeSet<Key>>,
    trouble: Option<String>,
}

/// Whether the streams are all listed and connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Waiting for the first list of these streams.
    Syncing { listed: usize, total: usize },
    Live,
    /// Some streams failed and are retrying; the first error.
    Reconnecting { streams: usize, error: String },
}

/// The state of everything watched.
#[derive(Debug, Default)]
pub struct Model {
    rows: BTreeMap<Key, Row>,
    streams: BTreeMap<&'static str, StreamState>,
    log: VecDeque<LogEntry>,
    log_capacity: usize,
}

impl Model {
    /// A model fed by these streams (their names, as in [`Update`]).
    pub fn new(streams: &[&'static str]) -> Self {
        Self {
            rows: BTreeMap::new(),
            streams: streams.iter().map(|s| (*s, StreamState::default())).collect(),
            log: VecDeque::new(),
            log_capacity: 1000,
        }
    }

    /// Applies one update; returns the transitions it made. The first list
    /// of a stream is the starting point, not a transition; a re-list after
    /// a reconnect reports what changed while the stream was down.
    pub fn apply(&mut self, update: Update, now: Timestamp) -> Vec<Transition> {
        let mut transitions = Vec::new();
        match update {
            Update::Relist(stream) => {
                let state = self.streams.entry(stream).or_default();
                state.relisting = Some(BTreeSet::new());
                state.trouble = None;
            }
            Update::Upsert(row) => {
                let state = self.streams.entry(row.key.kind).or_default();
                state.trouble = None;
                if let Some(seen) = &mut state.relisting {
                    seen.insert(row.key.clone());
                }
                let report = state.listed_once;
                let from = self.rows.get(&row.key).map(|p| p.state.clone());
                if report && from.as_deref() != Some(row.state.as_str()) {
                    transitions.push(Transition {
                        time: now,
                        kind: row.key.kind,
                        namespace: row.key.namespace.clone(),
                        name: row.key.name.clone(),
                        from,
                        to: Some(row.state.clone()),
                        message: row.message.clone(),
                    });
                }
                self.rows.insert(row.key.clone(), row);
            }
            Update::Remove(key) => {
                let report = self.streams.get(key.kind).is_some_and(|s| s.listed_once);
                if let Some(row) = self.rows.remove(&key)
                    && report
                {
                    transitions.push(gone(row, now));
                }
            }
            Update::Listed(stream) => {
                let state = self.streams.entry(stream).or_default();
                let seen = state.relisting.take();
                let report = state.listed_once;
                state.listed_once = true;
                if let Some(seen) = seen {
                    let stale: Vec<Key> =
                        self.rows.keys().filter(|k| k.kind == stream && !seen.contains(*k)).cloned().collect();
                    for key in stale {
                        if let Some(row) = self.rows.remove(&key)
                            && report
                        {
                            transitions.push(gone(row, now));
                        }
                    }
                }
            }
            Update::Log(entry) => self.push_log(entry),
            Update::Trouble(stream, error) => {
                self.streams.entry(stream).or_default().trouble = Some(error);
            }
            Update::Connected(stream) => {
                self.streams.entry(stream).or_default().trouble = None;
            }
        }
        for transition in &transitions {
            let healthy = transition.to.as_ref().and_then(|_| {
                self.rows.get(&Key::new(transition.kind, transition.namespace.clone(), transition.name.clone())).map(|r| r.healthy)
            });
            let level = match healthy {
                Some(true) => Level::Good,
                Some(false) => Level::Bad,
                None => Level::Info,
            };
            self.push_log(LogEntry { time: now, level, text: describe(transition) });
        }
        transitions
    }

    fn push_log(&mut self, entry: LogEntry) {
        if self.log.len() == self.log_capacity {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    pub fn connection(&self) -> Connection {
        let troubled: Vec<&String> = self.streams.values().filter_map(|s| s.trouble.as_ref()).collect();
        if let Some(first) = troubled.first() {
            return Connection::Reconnecting { streams: troubled.len(), error: (*first).clone() };
        }
        let listed = self.streams.values().filter(|s| s.listed_once).count();
        if listed < self.streams.len() {
            return Connection::Syncing { listed, total: self.streams.len() };
        }
        Connection::Live
    }

    /// Whether every stream has listed once.
    pub fn synced(&self) -> bool {
        self.streams.values().all(|s| s.listed_once)
    }

    pub fn row(&self, key: &Key) -> Option<&Row> {
        self.rows.get(key)
    }

    /// The rows of a pane, problems first. Healthy workloads and volumes are
    /// left out (they are counted in the pane title).
    pub fn pane_rows(&self, pane: Pane, filter: &str) -> Vec<&Row> {
        let filter = filter.to_lowercase();
        let mut rows: Vec<&Row> = self
            .rows
            .values()
            .filter(|r| r.pane == pane)
            .filter(|r| pane == Pane::Flux || !r.healthy || r.key.kind == "CephCluster")
            .filter(|r| filter.is_empty() || matches(r, &filter))
            .collect();
        rows.sort_by(|a, b| (rank(a), &a.key).cmp(&(rank(b), &b.key)));
        rows
    }

    /// (all rows, healthy rows) of a pane, for the pane title.
    pub fn counts(&self, pane: Pane, kind: Option<&str>) -> (usize, usize) {
        let rows = self.rows.values().filter(|r| r.pane == pane && kind.is_none_or(|k| r.key.kind == k));
        rows.fold((0, 0), |(all, healthy), r| (all + 1, healthy + usize::from(r.healthy)))
    }

    /// Flux rows per state, for the header.
    pub fn flux_states(&self) -> BTreeMap<&str, usize> {
        let mut states = BTreeMap::new();
        for row in self.rows.values().filter(|r| r.pane == Pane::Flux) {
            *states.entry(row.state.as_str()).or_default() += 1;
        }
        states
    }

    pub fn log(&self) -> &VecDeque<LogEntry> {
        &self.log
    }
}

fn gone(row: Row, now: Timestamp) -> Transition {
    Transition {
        time: now,
        kind: row.key.kind,
        namespace: row.key.namespace,
        name: row.key.name,
        from: Some(row.state),
        to: None,
        message: "deleted".to_owned(),
    }
}

/// `Kustomization flux-system/apps: ready → failed: kustomize build failed`.
pub fn describe(t: &Transition) -> String {
    let path = if t.namespace.is_empty() { t.name.clone() } else { format!("{}/{}", t.namespace, t.name) };
    let from = t.from.as_deref().unwrap_or("(new)");
    let to = t.to.as_deref().unwrap_or("(deleted)");
    let mut text = format!("{} {path}: {from} → {to}", t.kind);
    if !t.message.is_empty() && t.to.is_some() {
        text.push_str(": ");
        text.push_str(&t.message);
    }
    text
}

fn matches(row: &Row, filter: &str) -> bool {
    [row.key.kind, &row.key.namespace, &row.key.name, &row.state, &row.message]
        .iter()
        .any(|field| field.to_lowercase().contains(filter))
}

/// Sort order: what needs attention first.
fn rank(row: &Row) -> u8 {
    match row.state.as_str() {
        _ if row.healthy => 4,
        "failed" | "stalled" => 0,
        "reconciling" | "unknown" => 1,
        "suspended" => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &'static str, name: &str, state: &str, healthy: bool) -> Row {
        Row {
            key: Key::new(kind, "ns", name),
            pane: if kind == "Pod" { Pane::Workloads } else { Pane::Flux },
            state: state.to_owned(),
            healthy,
            revision: String::new(),
            since: None,
            message: format!("{name} is {state}"),
            details: Vec::new(),
        }
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap()
    }

    #[test]
    fn the_first_list_is_the_starting_point_not_a_transition() {
        let mut model = Model::new(&["Kustomization"]);
        assert_eq!(model.connection(), Connection::Syncing { listed: 0, total: 1 });
        assert!(model.apply(Update::Relist("Kustomization"), at(0)).is_empty());
        assert!(model.apply(Update::Upsert(row("Kustomization", "apps", "ready", true)), at(0)).is_empty());
        assert!(model.apply(Update::Listed("Kustomization"), at(0)).is_empty());
        assert_eq!(model.connection(), Connection::Live);
        assert!(model.log().is_empty());

        let changed = model.apply(Update::Upsert(row("Kustomization", "apps", "failed", false)), at(5));
        assert_eq!(
            changed,
            vec![Transition {
                time: at(5),
                kind: "Kustomization",
                namespace: "ns".into(),
                name: "apps".into(),
                from: Some("ready".into()),
                to: Some("failed".into()),
                message: "apps is failed".into(),
            }]
        );
        assert_eq!(model.log()[0].text, "Kustomization ns/apps: ready → failed: apps is failed");
        assert_eq!(model.log()[0].level, Level::Bad);
    }

    #[test]
    fn only_a_change_of_state_is_a_transition() {
        let mut model = Model::new(&["Kustomization"]);
        model.apply(Update::Listed("Kustomization"), at(0));
        let first = model.apply(Update::Upsert(row("Kustomization", "apps", "ready", true)), at(1));
        assert_eq!(first[0].from, None, "a new object after the first list");
        let mut same = row("Kustomization", "apps", "ready", true);
        same.revision = "main@sha1:2".into();
        assert!(model.apply(Update::Upsert(same), at(2)).is_empty(), "a new revision, the same state");
        assert_eq!(model.row(&Key::new("Kustomization", "ns", "apps")).unwrap().revision, "main@sha1:2");
        let deleted = model.apply(Update::Remove(Key::new("Kustomization", "ns", "apps")), at(3));
        assert_eq!((deleted[0].from.as_deref(), deleted[0].to.as_deref()), (Some("ready"), None));
        assert_eq!(deleted[0].message, "deleted");
    }

    #[test]
    fn a_relist_after_a_reconnect_reports_what_changed_meanwhile() {
        let mut model = Model::new(&["Pod"]);
        model.apply(Update::Relist("Pod"), at(0));
        model.apply(Update::Upsert(row("Pod", "a", "Running", true)), at(0));
        model.apply(Update::Upsert(row("Pod", "b", "Running", true)), at(0));
        model.apply(Update::Listed("Pod"), at(0));

        model.apply(Update::Trouble("Pod", "connection refused".into()), at(1));
        assert_eq!(model.connection(), Connection::Reconnecting { streams: 1, error: "connection refused".into() });
        model.apply(Update::Connected("Pod"), at(2));
        assert_eq!(model.connection(), Connection::Live);

        // 410 Gone: the watcher lists again. `a` crashed, `b` was deleted, `c` is new.
        model.apply(Update::Relist("Pod"), at(3));
        let mut changes = model.apply(Update::Upsert(row("Pod", "a", "CrashLoopBackOff", false)), at(3));
        changes.extend(model.apply(Update::Upsert(row("Pod", "c", "Pending", false)), at(3)));
        changes.extend(model.apply(Update::Listed("Pod"), at(3)));
        let summary: Vec<(String, Option<String>, Option<String>)> =
            changes.into_iter().map(|t| (t.name, t.from, t.to)).collect();
        assert_eq!(
            summary,
            vec![
                ("a".into(), Some("Running".into()), Some("CrashLoopBackOff".into())),
                ("c".into(), None, Some("Pending".into())),
                ("b".into(), Some("Running".into()), None),
            ]
        );
    }

    #[test]
    fn panes_list_problems_first_and_filter() {
        let mut model = Model::new(&["Kustomization", "Pod"]);
        for r in [
            row("Kustomization", "a-ok", "ready", true),
            row("Kustomization", "b-broken", "failed", false),
            row("Kustomization", "c-paused", "suspended", false),
            row("Pod", "web", "Running", true),
            row("Pod", "db", "CrashLoopBackOff", false),
        ] {
            model.apply(Update::Upsert(r), at(0));
        }
        let names = |rows: Vec<&Row>| rows.iter().map(|r| r.key.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(model.pane_rows(Pane::Flux, "")), ["b-broken", "c-paused", "a-ok"]);
        assert_eq!(names(model.pane_rows(Pane::Workloads, "")), ["db"], "healthy pods are counted, not listed");
        assert_eq!(model.counts(Pane::Workloads, Some("Pod")), (2, 1));
        assert_eq!(names(model.pane_rows(Pane::Flux, "PAUSED")), ["c-paused"]);
        assert_eq!(names(model.pane_rows(Pane::Flux, "suspended")), ["c-paused"], "the state matches too");
    }

    #[test]
    fn transitions_serialise_as_the_documented_object() {
        let t = Transition {
            time: at(0),
            kind: "HelmRelease",
            namespace: "media".into(),
            name: "plex".into(),
            from: None,
            to: Some("ready".into()),
            message: "Helm install succeeded".into(),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"time":"2027-01-15T08:00:00Z","kind":"HelmRelease","namespace":"media","name":"plex","from":null,"to":"ready","message":"Helm install succeeded"}"#
        );
    }
}
