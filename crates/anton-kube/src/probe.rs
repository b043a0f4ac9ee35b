//! `anton network --probe`: from this machine, resolve each Ingress host
//! through k8s-gateway's LoadBalancer address (hickory-resolver) and GET it
//! over HTTPS at its controller's address, with SNI and certificate checks
//! (rustls, Mozilla's roots plus `--ca-file`). Bounded concurrency, one
//! timeout per host, redirects followed only on the same host.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anton_health::network::{HostProbe, ProbePlan, ProbeTarget};
use futures::StreamExt;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

/// How far redirects on the same host are followed.
const MAX_REDIRECTS: usize = 3;

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// For each host, DNS and HTTPS together.
    pub timeout: Duration,
    /// Hosts probed at once.
    pub concurrency: usize,
    /// Extra trust anchors (PEM), for a private CA.
    pub extra_roots: Option<String>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(5), concurrency: 8, extra_roots: None }
    }
}

/// The TLS client: Mozilla's roots and `extra` (PEM); an error names a bad `--ca-file`.
pub fn tls_config(extra: Option<&str>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("not a PEM certificate: {e}"))?;
            roots.add(cert).map_err(|e| format!("not a usable CA certificate: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err("no CERTIFICATE block in it".to_owned());
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn resolver(server: SocketAddr, timeout: Duration) -> Result<TokioResolver, String> {
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.port();
    let config = ResolverConfig::from_parts(None, Vec::new(), vec![NameServerConfig::new(server.ip(), true, vec![udp, tcp])]);
    let mut options = ResolverOpts::default();
    options.timeout = timeout;
    options.attempts = 1;
    options.cache_size = 0;
    options.use_hosts_file = ResolveHosts::Never;
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .map_err(|e| format!("DNS client: {e}"))
}

/// Probes every host of `plan`; the results in the plan's order.
pub async fn run_probes(plan: &ProbePlan, options: &ProbeOptions) -> Vec<HostProbe> {
    let tls = match tls_config(options.extra_roots.as_deref()) {
        Ok(tls) => tls,
        Err(e) => {
            return plan.targets.iter().map(|t| HostProbe { host: t.host.clone(), class: t.class.clone(), error: Some(e.clone()), ..HostProbe::default() }).collect();
        }
    };
    let server: Option<SocketAddr> = plan.dns_server.as_deref().and_then(|s| s.parse().ok());
    let resolver = server.map(|s| resolver(s, options.timeout));
    let resolver = Arc::new(resolver);
    let results: Vec<(usize, HostProbe)> = futures::stream::iter(plan.targets.iter().enumerate())
        .map(|(index, target)| {
            let tls = Arc::clone(&tls);
            let resolver = Arc::clone(&resolver);
            let dns_server = plan.dns_server.clone();
            async move { (index, probe_host(target, dns_server, resolver.as_ref().as_ref(), tls, options.timeout).await) }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    let mut results = results;
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, probe)| probe).collect()
}

async fn probe_host(
    target: &ProbeTarget,
    dns_server: Option<String>,
    resolver: Option<&Result<TokioResolver, String>>,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> HostProbe {
    let started = Instant::now();
    // DNS and HTTPS share one deadline: `timeout` is per host.
    let deadline = tokio::time::Instant::now() + timeout;
    let mut probe = HostProbe {
        host: target.host.clone(),
        class: target.class.clone(),
        dns_server: dns_server.clone(),
        expected: target.expected.clone(),
        https_target: target.https.clone(),
        ..HostProbe::default()
    };
    match resolver {
        Some(Ok(resolver)) => {
            let name = format!("{}.", target.host.trim_end_matches('.'));
            match tokio::time::timeout_at(deadline, resolver.lookup_ip(name.as_str())).await {
                Ok(Ok(answer)) => probe.resolved = answer.iter().map(|ip: IpAddr| ip.to_string()).collect(),
                Ok(Err(e)) => probe.dns_error = Some(e.to_string()),
                Err(_) => probe.dns_error = Some(format!("no answer within {}s", timeout.as_secs())),
            }
        }
        Some(Err(e)) => probe.dns_error = Some(e.clone()),
        None => {}
    }
    let address = target.https.as_deref().map(|a| a.parse::<SocketAddr>().map_err(|_| a.to_owned()));
    if let Some(Err(address)) = &address {
        probe.error = Some(format!("its controller's address {address} is not an IP address and port"));
    }
    if let Some(Ok(address)) = address {
        match tokio::time::timeout_at(deadline, https_get(address, &target.host, tls)).await {
            Ok(Ok((status, redirect))) => {
                probe.status = Some(status);
                probe.redirect = redirect;
            }
            Ok(Err(HttpsError::Tls(e))) => probe.tls_error = Some(e),
            Ok(Err(HttpsError::Redirects(e))) => probe.redirect_error = Some(e),
            Ok(Err(HttpsError::Other(e))) => probe.error = Some(e),
            Err(_) => probe.timed_out = true,
        }
    } else if target.https.is_none() {
        probe.error = Some("its controller has no LoadBalancer address with an HTTPS port to send the request to".to_owned());
    }
    probe.elapsed_ms = Some(started.elapsed().as_millis() as u64);
    probe
}

enum HttpsError {
    Tls(String),
    /// The host answered, with redirects in a loop or too many of them.
    Redirects(String),
    Other(String),
}

/// GET `https://host/` at `address`: the last status, and a redirect to
/// another host (not followed). Redirects on the same host are followed.
async fn https_get(address: SocketAddr, host: &str, tls: Arc<rustls::ClientConfig>) -> Result<(u16, Option<String>), HttpsError> {
    let server_name = ServerName::try_from(host.to_owned()).map_err(|e| HttpsError::Other(format!("{host} is not a valid TLS server name: {e}")))?;
    let mut path = "/".to_owned();
    let mut visited: Vec<String> = Vec::new();
    for _ in 0..=MAX_REDIRECTS {
        let tcp = TcpStream::connect(address).await.map_err(|e| HttpsError::Other(format!("connect: {e}")))?;
        let stream = tokio_rustls::TlsConnector::from(Arc::clone(&tls))
            .connect(server_name.clone(), tcp)
            .await
            .map_err(|e| HttpsError::Tls(e.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| HttpsError::Other(format!("HTTP: {e}")))?;
        let driver = tokio::spawn(connection);
        let request = http::Request::get(path.as_str())
            .header(http::header::HOST, host)
            .header(http::header::USER_AGENT, concat!("anton/", env!("CARGO_PKG_VERSION")))
            .body(Empty::<Bytes>::new())
            .map_err(|e| HttpsError::Other(format!("request: {e}")))?;
        let response = sender.send_request(request).await.map_err(|e| HttpsError::Other(format!("HTTP: {e}")))?;
        driver.abort();
        let status = response.status();
        if !status.is_redirection() {
            return Ok((status.as_u16(), None));
        }
        let Some(location) = response.headers().get(http::header::LOCATION).and_then(|l| l.to_str().ok()).map(str::to_owned) else {
            return Ok((status.as_u16(), None));
        };
        visited.push(std::mem::take(&mut path));
        match same_host_path(&location, host, visited.last().map_or("/", String::as_str)) {
            Some(next) if visited.contains(&next) => {
                visited.push(next);
                return Err(HttpsError::Redirects(format!("redirect loop: {}", visited.join(" → "))));
            }
            Some(next) => path = next,
            None => return Ok((status.as_u16(), Some(location))),
        }
    }
    Err(HttpsError::Redirects(format!("more than {MAX_REDIRECTS} redirects: {}", visited.join(" → "))))
}

/// The path to follow when `location` stays on `https://host`; `None`
/// otherwise. A relative reference (`login`, `../x`, `?next=/`, `#top`) is
/// resolved against `current`, the path just requested (RFC 3986 §5.2).
fn same_host_path(location: &str, host: &str, current: &str) -> Option<String> {
    // The fragment never reaches the server.
    let location = location.split('#').next().unwrap_or_default();
    let has_scheme = location.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if location.starts_with("//") {
        return None;
    }
    if !has_scheme {
        let current_path = current.split('?').next().unwrap_or("/");
        if location.is_empty() {
            return Some(current.to_owned());
        }
        if location.starts_with('?') {
            return Some(format!("{current_path}{location}"));
        }
        let (path, query) = location.split_once('?').map_or((location, None), |(p, q)| (p, Some(q)));
        let merged = if path.starts_with('/') {
            path.to_owned()
        } else {
            let directory = current_path.rsplit_once('/').map_or("", |(directory, _)| directory);
            format!("{directory}/{path}")
        };
        let resolved = remove_dot_segments(&merged);
        return Some(match query {
            Some(query) => format!("{resolved}?{query}"),
            None => resolved,
        });
    }
    let (scheme, rest) = location.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) if rest[at..].starts_with('/') => (&rest[..at], rest[at..].to_owned()),
        Some(at) => (&rest[..at], format!("/{}", &rest[at..])),
        None => (rest, "/".to_owned()),
    };
    let authority = authority.strip_suffix(":443").unwrap_or(authority);
    authority.eq_ignore_ascii_case(host).then(|| remove_dot_segments(&path))
}

/// `/a/./b/../c` → `/a/c` (RFC 3986 §5.2.4), so a relative loop is seen as one.
fn remove_dot_segments(path: &str) -> String {
    let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let mut kept: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    kept.push("");
                }
            }
            ".." => {
                kept.pop();
                if last {
                    kept.push("");
                }
            }
            other => kept.push(other),
        }
    }
    let mut out = format!("/{}", kept.join("/"));
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::same_host_path;

    #[test]
    fn only_same_host_redirects_are_followed() {
        let host = "app.example.com";
        assert_eq!(same_host_path("/login", host, "/").as_deref(), Some("/login"));
        assert_eq!(same_host_path("https://app.example.com/x", host, "/").as_deref(), Some("/x"));
        assert_eq!(same_host_path("https://APP.example.com:443", host, "/").as_deref(), Some("/"));
        assert_eq!(same_host_path("https://sso.example.com/x", host, "/"), None);
        assert_eq!(same_host_path("//evil.example/x", host, "/"), None);
        assert_eq!(same_host_path("http://app.example.com/", host, "/"), None);
        assert_eq!(same_host_path("mailto:a@example.com", host, "/"), None);
    }

    #[test]
    fn relative_redirects_resolve_against_the_path_requested() {
        let host = "app.example.com";
        assert_eq!(same_host_path("web", host, "/").as_deref(), Some("/web"));
        assert_eq!(same_host_path("login?next=1", host, "/admin/index.html").as_deref(), Some("/admin/login?next=1"));
        assert_eq!(same_host_path("?page=2", host, "/list?page=1").as_deref(), Some("/list?page=2"));
        assert_eq!(same_host_path("./a:b", host, "/x/").as_deref(), Some("/x/a:b"));
        assert_eq!(same_host_path("../up", host, "/a/b/c").as_deref(), Some("/a/up"));
        assert_eq!(same_host_path("../../../../x", host, "/a/b").as_deref(), Some("/x"));
        assert_eq!(same_host_path("#top", host, "/a/b").as_deref(), Some("/a/b"));
        assert_eq!(same_host_path("", host, "/a/b?q=1").as_deref(), Some("/a/b?q=1"));
        assert_eq!(same_host_path("next#frag", host, "/a/b").as_deref(), Some("/a/next"));
        assert_eq!(same_host_path("HTTPS://app.example.com/x/../y", host, "/").as_deref(), Some("/y"));
        assert_eq!(same_host_path("https://app.example.com?x=1", host, "/").as_deref(), Some("/?x=1"));
        assert_eq!(same_host_path("https://app.example.com:8443/", host, "/"), None, "another port is another server");
    }
}
