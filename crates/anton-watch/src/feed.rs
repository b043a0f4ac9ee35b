//! The watch streams: one `kube::runtime::watcher` per kind, each turned
//! into [`Update`]s on a channel. No polling: the watcher lists once, then
//! follows the API server's watch from that resourceVersion; when the stream
//! breaks it resumes from the last resourceVersion it saw (with a backoff),
//! and after `410 Gone` it lists again (the model then reports what changed
//! while it was away).

use std::pin::pin;
use std::time::Duration;

use anton_health::FluxKind;
use anton_kube::Served;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DynamicObject};
use kube::discovery::ApiResource;
use kube::runtime::watcher::{self, Event as WatchEvent};
use kube::runtime::WatchStreamExt;
use kube::runtime::utils::Backoff;
use kube::{Client, Resource};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use crate::model::{Key, Row, Update, WARNING_STREAM};
use crate::rows;

/// Seconds after which the API server ends a watch and the watcher resumes
/// it: bounds how long a silently dead connection goes unnoticed.
pub const WATCH_TIMEOUT_SECONDS: u32 = 120;

/// Warning events already in the cluster that the log starts with.
const RECENT_WARNINGS: usize = 30;

/// Starts a watcher per kind on the current tokio runtime and returns the
/// stream names (the kinds), for [`crate::model::Model::new`], and the
/// tasks: none of them ends while the receiver lives, so one that does
/// (a panic) is a dead stream the caller must not go on without.
/// `client` must have no read timeout shorter than [`WATCH_TIMEOUT_SECONDS`].
pub fn spawn(client: &Client, served: &Served, namespace: Option<&str>, tx: &UnboundedSender<Update>) -> (Vec<&'static str>, JoinSet<()>) {
    let mut tasks = JoinSet::new();
    let mut names = Vec::new();
    for kind in FluxKind::ALL {
        if let Some(resource) = served.flux.get(&kind) {
            let name = kind.kind();
            let api = dynamic_api(signalling(client, name, tx), resource, namespace);
            let resource = resource.clone();
            watch(&mut tasks, name, api, config(), tx, move |o: &DynamicObject| rows::flux_row(&as_json(o, &resource)));
            names.push(name);
        }
    }
    watch(&mut tasks, "Deployment", typed_api(signalling(client, "Deployment", tx), namespace), config(), tx, |d: &Deployment| {
        Some(rows::deployment_row(d))
    });
    watch(&mut tasks, "StatefulSet", typed_api(signalling(client, "StatefulSet", tx), namespace), config(), tx, |s: &StatefulSet| {
        Some(rows::stateful_set_row(s))
    });
    watch(&mut tasks, "DaemonSet", typed_api(signalling(client, "DaemonSet", tx), namespace), config(), tx, |d: &DaemonSet| {
        Some(rows::daemon_set_row(d))
    });
    watch(&mut tasks, "Pod", typed_api(signalling(client, "Pod", tx), namespace), config(), tx, |p: &Pod| Some(rows::pod_row(p)));
    watch(
        &mut tasks,
        "PersistentVolumeClaim",
        typed_api(signalling(client, "PersistentVolumeClaim", tx), namespace),
        config(),
        tx,
        |c: &PersistentVolumeClaim| Some(rows::claim_row(c)),
    );
    names.extend(["Deployment", "StatefulSet", "DaemonSet", "Pod", "PersistentVolumeClaim"]);
    if let Some(resource) = served.storage.get("CephCluster") {
        let api = dynamic_api(signalling(client, "CephCluster", tx), resource, namespace);
        let resource = resource.clone();
        watch(&mut tasks, "CephCluster", api, config(), tx, move |o: &DynamicObject| rows::ceph_row(&as_json(o, &resource)));
        names.push("CephCluster");
    }
    let events: Api<Event> = typed_api(signalling(client, WARNING_STREAM, tx), namespace);
    tasks.spawn(watch_warnings(events, tx.clone()));
    names.push(WARNING_STREAM);
    (names, tasks)
}

fn config() -> watcher::Config {
    watcher::Config::default().timeout(WATCH_TIMEOUT_SECONDS)
}

fn typed_api<K>(client: Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    }
}

fn dynamic_api(client: Client, resource: &ApiResource, namespace: Option<&str>) -> Api<DynamicObject> {
    match namespace {
        Some(ns) => Api::namespaced_with(client, ns, resource),
        None => Api::all_with(client, resource),
    }
}

/// A dynamic object as the JSON the pure checks read (watch events may leave out apiVersion and kind).
fn as_json(object: &DynamicObject, resource: &ApiResource) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.entry("apiVersion").or_insert_with(|| Value::String(resource.api_version.clone()));
        map.entry("kind").or_insert_with(|| Value::String(resource.kind.clone()));
    }
    value
}

fn key_of<K: Resource>(kind: &'static str, object: &K) -> Key {
    let meta = object.meta();
    Key::new(kind, meta.namespace.clone().unwrap_or_default(), meta.name.clone().unwrap_or_default())
}

/// A client that reports [`Update::Connected`] for `stream` whenever one of
/// its requests gets a successful response: a resumed watch makes no event
/// until something changes, so this is how the dashboard knows the API
/// server is back.
fn signalling(inner: &Client, stream: &'static str, tx: &UnboundedSender<Update>) -> Client {
    let namespace = inner.default_namespace().to_owned();
    let (inner, tx) = (inner.clone(), tx.clone());
    let service = tower::service_fn(move |request: http::Request<kube::client::Body>| {
        let (inner, tx) = (inner.clone(), tx.clone());
        async move {
            let response = inner.send(request).await;
            if response.as_ref().is_ok_and(|r| r.status().is_success()) {
                let _ = tx.send(Update::Connected(stream));
            }
            response
        }
    });
    Client::new(service, namespace)
}

/// Follows one kind, turning watcher events into updates, until the receiver is gone.
fn watch<K>(
    tasks: &mut JoinSet<()>,
    name: &'static str,
    api: Api<K>,
    config: watcher::Config,
    tx: &UnboundedSender<Update>,
    to_row: impl Fn(&K) -> Option<Row> + Send + 'static,
) where
    K: Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let tx = tx.clone();
    tasks.spawn(async move {
        let mut stream = pin!(watcher::watcher(api, config).backoff(Retry::default()));
        while let Some(item) = stream.next().await {
            let update = match item {
                Ok(WatchEvent::Init) => Some(Update::Relist(name)),
                Ok(WatchEvent::InitApply(object) | WatchEvent::Apply(object)) => to_row(&object).map(Update::Upsert),
                Ok(WatchEvent::Delete(object)) => Some(Update::Remove(key_of(name, &object))),
                Ok(WatchEvent::InitDone) => Some(Update::Listed(name)),
                Err(error) => Some(Update::Trouble(name, describe_error(&error))),
            };
            if let Some(update) = update
                && tx.send(update).is_err()
            {
                return;
            }
        }
    });
}

/// Warning events go to the log: the newest few of the first list, then
/// every new or repeated one (a re-list after `410 Gone` does not repeat
/// what was already logged).
async fn watch_warnings(api: Api<Event>, tx: UnboundedSender<Update>) {
    const NAME: &str = WARNING_STREAM;
    let config = config().fields("type=Warning");
    let mut stream = pin!(watcher::watcher(api, config).backoff(Retry::default()));
    let mut listing: Vec<Event> = Vec::new();
    let mut latest: Option<Timestamp> = None;
    // Event times have second resolution: a watched event in the same second
    // as the latest one is new (`>=`); a re-listed one must be strictly newer
    // not to repeat what was logged.
    let send_newer = |events: Vec<Event>, latest: &mut Option<Timestamp>, limit: usize, same_second: bool| -> Vec<Update> {
        let mut fresh: Vec<(Timestamp, Event)> = events
            .into_iter()
            .filter_map(|e| rows::event_time(&e).map(|t| (t, e)))
            .filter(|(t, _)| latest.is_none_or(|l| *t > l || (same_second && *t == l)))
            .collect();
        fresh.sort_by_key(|(t, _)| *t);
        let skip = fresh.len().saturating_sub(limit);
        if let Some((t, _)) = fresh.last() {
            *latest = Some(*t);
        }
        fresh.into_iter().skip(skip).map(|(_, e)| Update::Warning(rows::warning(&e))).collect()
    };
    while let Some(item) = stream.next().await {
        let updates = match item {
            Ok(WatchEvent::Init) => {
                listing.clear();
                vec![Update::Relist(NAME)]
            }
            Ok(WatchEvent::InitApply(event)) => {
                listing.push(event);
                Vec::new()
            }
            Ok(WatchEvent::InitDone) => {
                let limit = if latest.is_none() { RECENT_WARNINGS } else { usize::MAX };
                let mut updates = send_newer(std::mem::take(&mut listing), &mut latest, limit, false);
                updates.push(Update::Listed(NAME));
                updates
            }
            Ok(WatchEvent::Apply(event)) => send_newer(vec![event], &mut latest, usize::MAX, true),
            Ok(WatchEvent::Delete(_)) => Vec::new(),
            Err(error) => vec![Update::Trouble(NAME, describe_error(&error))],
        };
        for update in updates {
            if tx.send(update).is_err() {
                return;
            }
        }
    }
}

/// The watcher's error with its innermost cause: `failed to start watching
/// object: … (Connection refused (os error 111))`.
fn describe_error(error: &watcher::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let top = error.to_string();
    let root = cause.to_string();
    let text = if top.contains(&root) { top } else { format!("{top} ({root})") };
    rows::clean(&text)
}

/// When a watch fails: again after 0.5 s, doubling up to 5 s, from 0.5 s
/// again after any success. kube-rs's default grows to 30 s, which after an
/// API server restart (connection errors, then `410 Gone`) kept the
/// dashboard "reconnecting" for a minute after the server was back.
#[derive(Debug, Clone, Copy)]
struct Retry {
    next: Duration,
}

impl Retry {
    const FIRST: Duration = Duration::from_millis(500);
    const MAX: Duration = Duration::from_secs(5);
}

impl Default for Retry {
    fn default() -> Self {
        Self { next: Retry::FIRST }
    }
}

impl Iterator for Retry {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let wait = self.next;
        self.next = (self.next * 2).min(Retry::MAX);
        Some(wait)
    }
}

impl Backoff for Retry {
    fn reset(&mut self) {
        self.next = Retry::FIRST;
    }
}

/// How long the watch client may wait for a byte before it gives up on a
/// connection: longer than a watch lasts, so an idle watch is not cut.
pub fn watch_read_timeout() -> Duration {
    Duration::from_secs(u64::from(WATCH_TIMEOUT_SECONDS) + 30)
}
