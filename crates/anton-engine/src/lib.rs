//! What anton's commands do, as library calls, for the three front ends:
//! the command line (`anton validate`, `anton health`, …), `anton check`
//! (every suite at once) and `anton mcp` (tools for AI agents).
//!
//! Options are plain structs ([`Default`] is the command with no flags);
//! results are data and the report contract ([`anton_core::Report`]);
//! nothing is printed, and nothing panics on bad input. A run that cannot
//! do its job (an unreadable path, no cluster, a 403) comes back as a
//! report with status `error` and the reason in `issues`, not as a crash.
//!
//! ```no_run
//! use anton_engine::{live, validate, health, flux};
//!
//! // Offline: a repository.
//! let validated = validate::validate(&validate::ValidateOptions {
//!     path: Some("kubernetes".into()),
//!     ..Default::default()
//! });
//! println!("{:?}", validated.report.status);
//!
//! // Live: how to reach the cluster is passed in.
//! let kube = live::KubeOptions { context: Some("home".into()), ..Default::default() };
//! let checked = health::health(&health::HealthOptions { kube: kube.clone(), ..Default::default() });
//! let report = live::report_of(checked); // Ok: the suite ran; Err: status error
//!
//! // A write (the only kind: Flux's reconcile, suspend, resume), with a
//! // progress observer (`()` is silent).
//! let target = flux::Target::new(anton_health::FluxKind::Kustomization, "flux-system", "apps");
//! let options = flux::ReconcileOptions {
//!     target, with_source: true, force: false, reset: false,
//!     timeout: std::time::Duration::from_secs(300), no_wait: false,
//! };
//! let written = flux::reconcile(&kube, &options, &mut ());
//! # let _ = (report, written);
//! ```
//!
//! | call | command | result |
//! |---|---|---|
//! | [`validate::validate`] | `anton validate` | [`validate::Validated`]: report + repository (code frames) |
//! | [`get::get`] | `anton get ks\|hr\|sources` | [`get::Listed`] or an error report |
//! | [`build::build`] | `anton build` | [`build::Built`] (`.report()`), or why nothing was built |
//! | [`diff::diff`] | `anton diff` | [`diff::Diffed`] or an error report |
//! | [`rules::list`], [`rules::explain`] | `anton rules [explain ID]` | JSON / documentation |
//! | [`health::health`] | `anton health` | [`live::Checked`] or an error report |
//! | [`flux::status`] | `anton flux status` | [`live::Checked`] with the Flux snapshot |
//! | [`storage::storage`] | `anton storage` | [`live::Checked`] or an error report |
//! | [`secrets::secrets`] | `anton secrets` | [`live::Checked`] or an error report |
//! | [`network::network`] | `anton network` | [`live::Checked`] or an error report |
//! | [`flux::reconcile`], [`flux::suspend`], [`flux::resume`] | `anton flux reconcile\|suspend\|resume` | [`flux::FluxWrite`] |
//!
//! The calls block: each live call runs its own small async runtime. From
//! async code (an MCP server on tokio), call them in `spawn_blocking`.

pub mod analysis;
pub mod build;
pub mod check;
pub mod chart;
pub mod diff;
pub mod flux;
pub mod get;
pub mod health;
pub mod live;
pub mod network;
pub mod rules;
pub mod secrets;
pub mod storage;
pub mod target;
pub mod validate;

pub use validate::validate;
