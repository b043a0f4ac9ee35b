//! anton's Kubernetes client layer: the I/O edge of the live commands.
//!
//! - [`Cluster::connect`]: kubeconfig (`--kubeconfig`, `KUBECONFIG`,
//!   `~/.kube/config`, in-cluster), `--context`, timeouts, and a counter of
//!   every HTTP request sent;
//! - [`discover`]: which Flux kinds and whether metrics.k8s.io are served
//!   (aggregated discovery: two requests);
//! - [`fetch_snapshot`]: one paginated list per kind, all in parallel, into an
//!   [`anton_health::Snapshot`] for the pure checks;
//! - [`fetch_storage`]: the same for `anton storage`, plus one kubelet
//!   `stats/summary` per node through the API server's node proxy;
//! - [`fetch_network`]: the same for `anton network`, plus cloudflared's
//!   `/ready` through the pod proxy and, with `--probe`, [`probe`]'s DNS and
//!   HTTPS requests from this machine;
//! - [`flux_ops`]: the Flux CLI's writes (reconcile annotation, suspend/resume);
//! - [`schemas`]: OpenAPI v3 and CRD schemas for offline validation.
//!
//! Every error is a [`LiveError`] whose message names the server, the context,
//! or the verb and resource that was refused, and says what to do.

mod client;
mod discovery;
mod error;
mod fetch;
mod kubeconfig;
mod network;
pub mod probe;
pub mod flux_ops;
pub mod schemas;
pub mod secrets;
mod storage;

pub use client::{Cluster, ConnectOptions};
pub use discovery::{Served, discover};
pub use error::{LiveError, Op};
pub use kubeconfig::parse_request_timeout;
pub use fetch::{FLUX_CONTROLLER_SELECTOR, FetchStats, PAGE_SIZE, Plan, fetch_snapshot};
pub use network::{NetworkPlan, fetch_network};
pub use secrets::{Applied, FIELD_MANAGER, fetch_secrets, fetch_secrets_with};
pub use storage::{STORAGE_DEPLOYMENT_SELECTOR, StoragePlan, fetch_storage};

/// The async runtime of one command: a small multi-threaded tokio runtime
/// (two workers, so list decoding runs in parallel). A [`Cluster`] must be
/// used on the runtime it was connected on (its connection pool's tasks
/// live there), so a command keeps one for its whole run.
pub struct Runtime(tokio::runtime::Runtime);

impl Runtime {
    pub fn new() -> Result<Self, LiveError> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map(Runtime)
            .map_err(|e| LiveError::Other(format!("cannot start the async runtime: {e}")))
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
}

/// Runs one future (which connects, works, and is done) on a fresh [`Runtime`].
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, LiveError> {
    Ok(Runtime::new()?.block_on(future))
}
