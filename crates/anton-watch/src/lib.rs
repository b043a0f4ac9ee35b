//! `anton watch`: the cluster as it changes, fed by the API server's watch
//! streams (kube-rs watchers), never by re-listing on a timer.
//!
//! - [`feed`]: one watcher per kind (Flux objects, workloads, pods, PVCs,
//!   the CephCluster when its CRD is served, Warning events) turned into
//!   [`model::Update`]s; resumes from the last resourceVersion after a lost
//!   connection and lists again after `410 Gone`.
//! - [`model`]: compact rows per object, the transitions between states, the log.
//! - [`rows`]: what state an object is in (Flux readiness from `anton-health`).
//! - [`ui`]: the ratatui dashboard, drawn from the model.
//! - [`app`]: the dashboard loop and the `--events` NDJSON stream.

pub mod app;
pub mod feed;
pub mod model;
pub mod rows;
pub mod ui;

pub use app::{Options, dashboard, events};
