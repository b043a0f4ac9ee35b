//! Errors of the client layer, each with a message that says what to do.
//! Every one of them makes a command exit 3 (anton could not do its job).

use std::error::Error as _;
use std::time::Duration;

/// What anton was doing when a request failed: `list nodes`,
/// `patch kustomizations.kustomize.toolkit.fluxcd.io` in `flux-system`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub verb: &'static str,
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Op {
    pub fn new(verb: &'static str, resource: impl Into<String>, namespace: Option<&str>) -> Self {
        Self { verb, resource: resource.into(), namespace: namespace.map(str::to_owned), name: None }
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// `patch kustomizations.kustomize.toolkit.fluxcd.io apps in flux-system`.
    pub fn describe(&self) -> String {
        let mut text = format!("{} {}", self.verb, self.resource);
        if let Some(name) = &self.name {
            text.push(' ');
            text.push_str(name);
        }
        match &self.namespace {
            Some(ns) => text.push_str(&format!(" in {ns}")),
            None if self.verb == "list" || self.verb == "get" => text.push_str(" (all namespaces)"),
            None => {}
        }
        text
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// No usable kubeconfig, or the context does not exist.
    #[error("{0}")]
    Config(String),
    #[error(
        "cannot reach the API server at {server}: {detail}. Check that the cluster is up and that --context / KUBECONFIG point at it{context}"
    )]
    Unreachable { server: String, detail: String, context: String },
    #[error(
        "the API server at {server} rejected the credentials of {who} (401 Unauthorized): the token or client certificate has expired or is invalid. Fetch a fresh kubeconfig (Talos: `talosctl kubeconfig`) or pick another --context"
    )]
    Unauthorized { server: String, who: String },
    #[error("could not get credentials for {who}: {detail}. Check the user entry of the kubeconfig (an exec plugin or token file)")]
    Credentials { who: String, detail: String },
    #[error(
        "permission denied: {who} may not {op} (403 Forbidden: {detail}). Use a context whose user has that right{advice}"
    )]
    Forbidden { who: String, op: String, detail: String, advice: String },
    #[error("{what} not found{advice}")]
    NotFound { what: String, advice: String },
    #[error("{op} took longer than {}s; the API server at {server} is slow or unreachable (raise --request-timeout)", .after.as_secs())]
    Timeout { op: String, server: String, after: Duration },
    #[error("{op} failed: {detail}")]
    Api { op: String, detail: String },
    #[error("{0}")]
    Other(String),
}

/// Who anton talked as, for messages: `context "admin"`.
pub(crate) fn who(context: Option<&str>) -> String {
    match context {
        Some(c) => format!("context \"{c}\""),
        None => "the current kubeconfig user".to_owned(),
    }
}

/// The error for a server that answered, but not as a Kubernetes API server
/// (a web page, a proxy's login form, a wrong port).
fn not_kubernetes(server: &str, op: &Op, what: &str) -> LiveError {
    LiveError::Api {
        op: op.describe(),
        detail: format!(
            "the server at {server} answered with {what}, not the Kubernetes API; check the `server:` URL of the kubeconfig cluster (the API server, usually port 6443)"
        ),
    }
}

/// Whether a response body is a web page rather than JSON.
fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start().get(..64).unwrap_or(text.trim_start()).to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.starts_with("<head") || start.starts_with("<body")
}

pub(crate) fn classify(err: kube::Error, op: &Op, server: &str, context: Option<&str>) -> LiveError {
    match err {
        kube::Error::Api(status) if status.reason == "Failed to parse error data" && looks_like_html(&status.message) => {
            not_kubernetes(server, op, &format!("an HTML page (HTTP {})", status.code))
        }
        kube::Error::SerdeError(e) => not_kubernetes(server, op, &format!("a body that is not Kubernetes JSON ({e})")),
        kube::Error::Api(status) => match status.code {
            401 => LiveError::Unauthorized { server: server.to_owned(), who: who(context) },
            403 => LiveError::Forbidden {
                who: who(context),
                op: op.describe(),
                detail: status.message.clone(),
                advice: if op.namespace.is_none() && op.verb == "list" {
                    ", or limit the check to one namespace with -n".to_owned()
                } else {
                    String::new()
                },
            },
            404 => LiveError::NotFound {
                what: match (&op.name, &op.namespace) {
                    (Some(name), Some(ns)) => format!("{} {name} in namespace {ns}", op.resource),
                    (Some(name), None) => format!("{} {name}", op.resource),
                    _ => op.resource.clone(),
                },
                advice: String::new(),
            },
            _ => LiveError::Api { op: op.describe(), detail: format!("{} ({})", status.message, status.code) },
        },
        kube::Error::Auth(e) => LiveError::Credentials { who: who(context), detail: chain(&e) },
        kube::Error::InferConfig(e) => LiveError::Config(format!("no usable kubeconfig: {}", chain(&e))),
        kube::Error::InferKubeconfig(e) => LiveError::Config(format!("invalid kubeconfig: {}", chain(&e))),
        other => {
            let detail = chain(&other);
            if looks_like_connection_problem(&other, &detail) {
                LiveError::Unreachable {
                    server: server.to_owned(),
                    detail: summarize_connection(&detail),
                    context: context.map(|c| format!(" (context \"{c}\")")).unwrap_or_default(),
                }
            } else {
                LiveError::Api { op: op.describe(), detail }
            }
        }
    }
}

/// An error with its causes, `outer: inner: innermost`, without repeats.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn looks_like_connection_problem(err: &kube::Error, detail: &str) -> bool {
    if matches!(err, kube::Error::HyperError(_) | kube::Error::Service(_)) {
        return true;
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(io.kind(), ConnectionRefused | ConnectionReset | TimedOut | NotConnected | AddrNotAvailable) {
                return true;
            }
        }
        source = cause.source();
    }
    let lower = detail.to_ascii_lowercase();
    ["connection refused", "dns error", "tcp connect", "timed out", "certificate", "tls", "no route to host"]
        .iter()
        .any(|needle| lower.contains(needle))
}

/// The part of a connection error chain a person can act on.
fn summarize_connection(detail: &str) -> String {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("connection refused") {
        "connection refused".to_owned()
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        "the host name does not resolve (DNS)".to_owned()
    } else if lower.contains("timed out") || lower.contains("elapsed") {
        "the connection timed out".to_owned()
    } else if lower.contains("certificate") || lower.contains("tls") {
        format!("TLS failed ({detail}); the kubeconfig's certificate-authority-data may not match the server")
    } else {
        detail.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_read_like_rbac_rules() {
        let op = Op::new("patch", "kustomizations.kustomize.toolkit.fluxcd.io", Some("flux-system")).named("apps");
        assert_eq!(op.describe(), "patch kustomizations.kustomize.toolkit.fluxcd.io apps in flux-system");
        assert_eq!(Op::new("list", "nodes", None).describe(), "list nodes (all namespaces)");
    }

    #[test]
    fn forbidden_names_the_verb_and_resource() {
        let status = kube::core::Status::failure("nodes is forbidden: User \"viewer\" cannot list resource \"nodes\"", "Forbidden")
            .with_code(403);
        let err = classify(kube::Error::Api(Box::new(status)), &Op::new("list", "nodes", None), "https://x", Some("viewer"));
        let text = err.to_string();
        assert!(text.contains("permission denied: context \"viewer\" may not list nodes (all namespaces)"), "{text}");
        assert!(text.contains("-n"), "{text}");
    }

    #[test]
    fn an_html_page_is_named_as_not_the_kubernetes_api() {
        let status = kube::core::Status::failure("<!DOCTYPE html><html><body>Welcome</body></html>", "Failed to parse error data")
            .with_code(404);
        let err = classify(kube::Error::Api(Box::new(status)), &Op::new("get", "/api", None), "http://127.0.0.1:8080", None);
        let text = err.to_string();
        assert!(text.contains("answered with an HTML page (HTTP 404), not the Kubernetes API"), "{text}");
        assert!(!text.contains("Welcome"), "{text}");
    }

    #[test]
    fn unauthorized_says_what_to_do() {
        let status = kube::core::Status::failure("Unauthorized", "Unauthorized").with_code(401);
        let err = classify(kube::Error::Api(Box::new(status)), &Op::new("list", "pods", None), "https://x:6443", None);
        assert!(err.to_string().contains("expired or is invalid"), "{err}");
    }
}
