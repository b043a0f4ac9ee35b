//! Schemas fetched over HTTP(S), only from locations the user named.
//!
//! Every response is kept on disk under `$XDG_CACHE_HOME/anton/schemas/remote/`
//! (default `~/.cache/…`), keyed by URL, so the second run is offline. A
//! schema younger than a week is used without asking the server; an older
//! one is refreshed, and kept when the server cannot be reached. A 404 is
//! remembered for a day. 429 and 5xx answers are retried with backoff
//! (honouring `Retry-After`, up to a few seconds). When a host cannot be
//! reached at all, it is not asked again during the run.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// What fetching a URL gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fetched {
    Body(String),
    NotFound,
    /// The server could not be reached or kept failing; the message says why
    /// and what to do.
    Failed(String),
}

const FRESH_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
const MISSING_FOR: Duration = Duration::from_secs(24 * 3600);
const ATTEMPTS: u32 = 4;
const LARGEST_SCHEMA: u64 = 64 * 1024 * 1024;

pub(crate) struct Remote {
    cache_dir: Option<PathBuf>,
    agent: ureq::Agent,
    unreachable: Mutex<HashSet<String>>,
    /// Backoff before retry `n` (1-based) is `base * 2^(n-1)`; tests shorten it.
    backoff_base: Duration,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("cache_dir", &self.cache_dir).finish()
    }
}

/// `$XDG_CACHE_HOME/anton/schemas`, or `~/.cache/anton/schemas`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("anton").join("schemas"))
}

impl Remote {
    pub fn new(cache_dir: Option<PathBuf>) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("anton/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            cache_dir: cache_dir.map(|dir| dir.join("remote")),
            agent: config.into(),
            unreachable: Mutex::new(HashSet::new()),
            backoff_base: Duration::from_millis(250),
        }
    }

    #[cfg(test)]
    pub fn with_backoff(mut self, base: Duration) -> Self {
        self.backoff_base = base;
        self
    }

    pub fn fetch(&self, url: &str) -> Fetched {
        let cached = self.cached(url);
        if let Some((body, age)) = &cached {
            if *age < FRESH_FOR {
                return Fetched::Body(body.clone());
            }
        }
        if self.cached_missing(url) {
            return Fetched::NotFound;
        }
        let host = host_of(url);
        if self.unreachable.lock().is_ok_and(|hosts| hosts.contains(&host)) {
            return self.stale_or(cached, format!("{host} could not be reached earlier in this run"));
        }
        match self.download(url) {
            Fetched::Body(body) => {
                self.store(url, &body);
                Fetched::Body(body)
            }
            Fetched::NotFound => {
                self.store_missing(url);
                Fetched::NotFound
            }
            Fetched::Failed(reason) => {
                if let Ok(mut hosts) = self.unreachable.lock() {
                    hosts.insert(host);
                }
                self.stale_or(cached, reason)
            }
        }
    }

    fn stale_or(&self, cached: Option<(String, Duration)>, reason: String) -> Fetched {
        match cached {
            // An old copy beats no schema when offline.
            Some((body, _)) => Fetched::Body(body),
            None => Fetched::Failed(reason),
        }
    }

    fn download(&self, url: &str) -> Fetched {
        let mut last_status = String::new();
        for attempt in 1..=ATTEMPTS {
            let response = match self.agent.get(url).call() {
                Ok(response) => response,
                Err(error) => {
                    return Fetched::Failed(format!(
                        "could not fetch {url}: {error}. anton works offline by default; this schema location needs \
                         the network once, after which the cached copy is used"
                    ));
                }
            };
            let status = response.status().as_u16();
            match status {
                200..=299 => {
                    let mut response = response;
                    return match response.body_mut().with_config().limit(LARGEST_SCHEMA).read_to_string() {
                        Ok(body) => Fetched::Body(body),
                        Err(error) => Fetched::Failed(format!("could not read {url}: {error}")),
                    };
                }
                404 | 410 => return Fetched::NotFound,
                429 | 500..=599 => {
                    last_status = format!("HTTP {status}");
                    if attempt < ATTEMPTS {
                        let retry_after = response
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        let backoff = self.backoff_base * 2u32.pow(attempt - 1);
                        std::thread::sleep(retry_after.unwrap_or(backoff).min(Duration::from_secs(5)));
                    }
                }
                other => return Fetched::Failed(format!("could not fetch {url}: HTTP {other}")),
            }
        }
        Fetched::Failed(format!("could not fetch {url}: {last_status} after {ATTEMPTS} attempts; try again later"))
    }

    fn entry(&self, url: &str, extension: &str) -> Option<PathBuf> {
        Some(self.cache_dir.as_ref()?.join(format!("{:016x}.{extension}", fnv1a(url))))
    }

    fn cached(&self, url: &str) -> Option<(String, Duration)> {
        let path = self.entry(url, "json")?;
        let body = std::fs::read_to_string(&path).ok()?;
        Some((body, age(&path)))
    }

    fn cached_missing(&self, url: &str) -> bool {
        self.entry(url, "missing").is_some_and(|path| path.exists() && age(&path) < MISSING_FOR)
    }

    fn store(&self, url: &str, body: &str) {
        let (Some(path), Some(index)) = (self.entry(url, "json"), self.entry(url, "url")) else { return };
        // A cache that cannot be written only costs a download next time.
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let temporary = path.with_extension(format!("json.{}", std::process::id()));
        if std::fs::write(&temporary, body).is_ok() {
            let _ = std::fs::rename(&temporary, &path);
        }
        let _ = std::fs::write(index, url);
        if let Some(missing) = self.entry(url, "missing") {
            let _ = std::fs::remove_file(missing);
        }
    }

    fn store_missing(&self, url: &str) {
        let Some(path) = self.entry(url, "missing") else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(path, url);
    }
}

fn age(path: &Path) -> Duration {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .unwrap_or(Duration::MAX)
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// A stable, dependency-free hash for cache file names (FNV-1a, 64 bits).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A one-route HTTP server on 127.0.0.1 that answers each request with
    /// the next of `answers` (status, body), repeating the last one. Serves at
    /// most `answers.len() + 8` requests, then stops by itself.
    fn serve(answers: Vec<(u16, &'static str)>) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("address");
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(answers.len() + 8) {
                let Ok(mut stream) = stream else { continue };
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer);
                let index = counter.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
                let (status, body) = answers[index];
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        (format!("http://{address}"), served)
    }

    #[test]
    fn retries_rate_limits_and_server_errors_then_caches() {
        let cache = tempfile::tempdir().unwrap();
        let (base, served) = serve(vec![(429, ""), (503, ""), (200, "{\"type\":\"object\"}")]);
        let remote = Remote::new(Some(cache.path().to_path_buf())).with_backoff(Duration::from_millis(1));
        let url = format!("{base}/widget_v1.json");
        assert_eq!(remote.fetch(&url), Fetched::Body("{\"type\":\"object\"}".into()));
        assert_eq!(served.load(Ordering::SeqCst), 3);
        // Second time from disk, without asking the server.
        let again = Remote::new(Some(cache.path().to_path_buf()));
        assert_eq!(again.fetch(&url), Fetched::Body("{\"type\":\"object\"}".into()));
        assert_eq!(served.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn remembers_missing_schemas() {
        let cache = tempfile::tempdir().unwrap();
        let (base, served) = serve(vec![(404, "")]);
        let remote = Remote::new(Some(cache.path().to_path_buf()));
        let url = format!("{base}/nothing.json");
        assert_eq!(remote.fetch(&url), Fetched::NotFound);
        assert_eq!(remote.fetch(&url), Fetched::NotFound);
        assert_eq!(served.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn unreachable_hosts_give_a_clear_message_once() {
        // Bind then drop: nothing listens on this port any more.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let remote = Remote::new(None);
        let first = remote.fetch(&format!("http://127.0.0.1:{port}/a.json"));
        let Fetched::Failed(message) = first else { panic!("{first:?}") };
        assert!(message.contains("offline by default"), "{message}");
        let second = remote.fetch(&format!("http://127.0.0.1:{port}/b.json"));
        assert!(matches!(second, Fetched::Failed(m) if m.contains("earlier in this run")));
    }
}
