//! Connecting: kubeconfig and context selection, timeouts, and a request counter.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde::de::DeserializeOwned;

use crate::error::{LiveError, Op, chain, classify};

/// How to reach the cluster, as the command line says it.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `--kubeconfig`; otherwise `KUBECONFIG` (a list of files is merged), then `~/.kube/config`,
    /// then the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; otherwise the kubeconfig's current context.
    pub context: Option<String>,
    /// Upper bound for one API request (default 30 s).
    pub request_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self { kubeconfig: None, context: None, request_timeout: Duration::from_secs(30) }
    }
}

/// A connected client and what the messages need to know about it.
#[derive(Clone)]
pub struct Cluster {
    pub(crate) client: Client,
    /// The same client without kube-rs's retries of 429/503/504: through the
    /// API server's proxy a 503 is the answer of the app behind it
    /// (cloudflared's `/ready` when it has no connection), not a busy server
    /// to wait for, and retrying it would run into the request timeout.
    pub(crate) proxy_client: Client,
    server: String,
    context: Option<String>,
    requests: Arc<AtomicU64>,
    pub(crate) request_timeout: Duration,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("server", &self.server).field("context", &self.context).finish_non_exhaustive()
    }
}

impl Cluster {
    /// Reads the kubeconfig and builds a client. Makes no request yet, so an
    /// unreachable server is reported by the first call, with its URL.
    pub async fn connect(options: &ConnectOptions) -> Result<Cluster, LiveError> {
        let (mut config, context) = load_config(options).await?;
        config.connect_timeout = Some(options.request_timeout.min(Duration::from_secs(10)));
        config.read_timeout = Some(options.request_timeout);
        config.write_timeout = Some(options.request_timeout);
        let server = config.cluster_url.to_string().trim_end_matches('/').to_owned();
        let requests = Arc::new(AtomicU64::new(0));
        let counter = requests.clone();
        // Counts every HTTP request the client sends (discovery, list pages,
        // patches, polls): the number the benchmark and `details.api` report.
        let count = tower::util::MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
            counter.fetch_add(1, Ordering::Relaxed);
            request
        });
        let mut proxy_config = config.clone();
        proxy_config.default_retry = false;
        let build = |config: kube::Config| {
            kube::client::ClientBuilder::try_from(config)
                .map_err(|e| classify(e, &Op::new("connect to", server.clone(), None), &server, context.as_deref()))
                .map(|builder| builder.with_layer(&count).build())
        };
        let client = build(config)?;
        let proxy_client = build(proxy_config)?;
        Ok(Cluster { client, proxy_client, server, context, requests, request_timeout: options.request_timeout })
    }

    /// `https://192.168.1.97:6443`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The kubeconfig context in use, if there was a kubeconfig.
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// The kube-rs client, for what anton-kube does not wrap (the watchers of
    /// `anton watch`). Its requests are counted like every other.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Runs one API call with the request timeout and turns its error into a
    /// message naming `op`.
    pub(crate) async fn call<T>(
        &self,
        op: &Op,
        call: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, LiveError> {
        // A little more than the client's own read timeout, so that one fires first
        // with the better message when it can.
        let limit = self.request_timeout.saturating_add(Duration::from_secs(2));
        match tokio::time::timeout(limit, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(classify(err, op, &self.server, self.context.as_deref())),
            Err(_) => Err(LiveError::Timeout { op: op.describe(), server: self.server.clone(), after: limit }),
        }
    }

    /// GET of a raw path (`/openapi/v3`, `/version`) as JSON.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, LiveError> {
        let op = Op::new("get", path.to_owned(), None);
        let request = http::Request::get(path)
            .body(Vec::new())
            .map_err(|e| LiveError::Other(format!("building GET {path}: {e}")))?;
        let text = self.call(&op, self.client.request_text(request)).await?;
        serde_json::from_str(&text).map_err(|e| LiveError::Api { op: op.describe(), detail: format!("invalid JSON: {e}") })
    }
}

async fn load_config(options: &ConnectOptions) -> Result<(Config, Option<String>), LiveError> {
    // Checked before kube-rs reads them: regular files only, credentials
    // registered as secrets, header values without line breaks.
    let paths = match &options.kubeconfig {
        Some(path) => vec![path.clone()],
        None => crate::kubeconfig::default_paths(),
    };
    for path in &paths {
        crate::kubeconfig::read_checked(path)?;
    }
    let kubeconfig = match &options.kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|e| {
            LiveError::Config(format!("cannot read the kubeconfig {}: {}", path.display(), first_line(&chain(&e))))
        })?),
        None => match Kubeconfig::read() {
            Ok(config) => Some(config),
            Err(err) => {
                if std::env::var_os("KUBECONFIG").is_some() {
                    return Err(LiveError::Config(format!("cannot read KUBECONFIG: {}", first_line(&chain(&err)))));
                }
                None
            }
        },
    };
    let Some(kubeconfig) = kubeconfig else {
        // No kubeconfig anywhere: inside a pod, use its service account.
        return match Config::incluster() {
            Ok(config) => Ok((config, None)),
            Err(_) => Err(LiveError::Config(
                "no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (Talos: `talosctl kubeconfig`)".into(),
            )),
        };
    };
    let context = options.context.clone().or_else(|| kubeconfig.current_context.clone());
    if let Some(wanted) = &options.context
        && !kubeconfig.contexts.iter().any(|c| &c.name == wanted) {
            let have: Vec<&str> = kubeconfig.contexts.iter().map(|c| c.name.as_str()).collect();
            return Err(LiveError::Config(format!(
                "the kubeconfig has no context \"{wanted}\" (it has: {})",
                if have.is_empty() { "none".to_owned() } else { have.join(", ") }
            )));
        }
    let kube_options = KubeConfigOptions { context: options.context.clone(), cluster: None, user: None };
    let config = Config::from_custom_kubeconfig(kubeconfig, &kube_options)
        .await
        .map_err(|e| LiveError::Config(format!("invalid kubeconfig: {}", first_line(&chain(&e)))))?;
    Ok((config, context))
}

/// The first line of a parser's message: what follows is a code frame of
/// the kubeconfig, and its lines hold tokens and keys.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim_end()
}
