//! Safe fetching of the documents a verifier needs (did:web DID documents, key documents, JWK
//! Sets, status lists, issuer profiles): https only, no loopback, private, link-local, CGNAT or
//! metadata addresses after DNS resolution, every redirect re-checked, time and size capped, and
//! a cache that honours `Cache-Control` up to a maximum lifetime.
//!
//! The public interface is [`Fetcher`] (built from a [`FetchPolicy`]) and [`FetchError`], whose
//! `code()` is stable. The verifier's `Resolver` adapts it; this crate knows nothing of
//! credentials.

#![warn(missing_docs, unreachable_pub)]

mod address;
mod cache;

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use address::{classify, AddressKind};
use cache::Cache;

/// What may be fetched, and how long and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Allow plain `http://` URLs (tests, local development).
    pub allow_http: bool,
    /// Allow loopback, private, link-local, CGNAT and metadata addresses.
    pub allow_private_network: bool,
    /// Hosts (as written in URLs, e.g. `registry.district.internal` or `127.0.0.1`) exempt from
    /// the address rules: a district's own internal document host.
    pub allow_hosts: Vec<String>,
    /// Fetch nothing; only the cache answers.
    pub offline: bool,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// The whole exchange, redirects included.
    pub total_timeout: Duration,
    /// Largest response body accepted.
    pub max_bytes: usize,
    /// Most redirects followed (each hop checked like the first).
    pub max_redirects: usize,
    /// The longest a response is cached, whatever its `Cache-Control` says.
    pub max_cache_ttl: Duration,
    /// Most bytes of response bodies kept in the cache; the least recently used go first.
    pub max_cache_bytes: usize,
    /// Most responses kept in the cache.
    pub max_cache_entries: usize,
    /// Certificate authorities (PEM) trusted beside the system's: a district's own CA for its
    /// internal document host, or a test run's self-signed issuer.
    pub extra_roots_pem: Vec<Vec<u8>>,
}

impl Default for FetchPolicy {
    /// https only, public addresses only, 3 s to connect, 10 s in all, 2 MiB, 3 redirects,
    /// cached for at most 10 minutes in at most 32 MiB and 1,024 responses.
    fn default() -> Self {
        FetchPolicy {
            allow_http: false,
            allow_private_network: false,
            allow_hosts: Vec::new(),
            offline: false,
            connect_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(10),
            max_bytes: 2 * 1024 * 1024,
            max_redirects: 3,
            max_cache_ttl: Duration::from_secs(600),
            max_cache_bytes: 32 * 1024 * 1024,
            max_cache_entries: 1024,
            extra_roots_pem: Vec::new(),
        }
    }
}

/// Why a document was not fetched. Every refusal has its own code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not an absolute http(s) URL.
    #[error("{0} is not an absolute http(s) URL")]
    InvalidUrl(String),
    /// Plain http where https is required.
    #[error("{0} is not https (plain http is refused)")]
    HttpsRequired(String),
    /// The name resolves to an address the policy refuses.
    #[error("{url} resolves to {addr}, a {kind} address, which is refused")]
    ForbiddenAddress {
        /// The URL asked for.
        url: String,
        /// The refused address.
        addr: IpAddr,
        /// Its range.
        kind: AddressKind,
    },
    /// More redirects than allowed.
    #[error("{0} redirected more than the limit allows")]
    TooManyRedirects(String),
    /// A body over the limit (cut off while streaming).
    #[error("{url} answered with more than {limit} bytes")]
    TooLarge {
        /// The URL asked for.
        url: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// No answer in time.
    #[error("{0} did not answer in time")]
    Timeout(String),
    /// An answer other than 200.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL asked for.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// Not cached, and fetching is off.
    #[error("{0} is not in the cache and fetching is off (offline)")]
    Offline(String),
    /// Anything else (connection, TLS, …).
    #[error("fetching {url} failed: {message}")]
    Failed {
        /// The URL asked for.
        url: String,
        /// What happened.
        message: String,
    },
}

impl FetchError {
    /// The stable snake_case code of this failure.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl(_) => "invalid_url",
            FetchError::HttpsRequired(_) => "https_required",
            FetchError::ForbiddenAddress { kind, .. } => kind.code(),
            FetchError::TooManyRedirects(_) => "too_many_redirects",
            FetchError::TooLarge { .. } => "response_too_large",
            FetchError::Timeout(_) => "fetch_timeout",
            FetchError::Status { .. } => "http_status",
            FetchError::Offline(_) => "offline",
            FetchError::Failed { .. } => "fetch_failed",
        }
    }

    /// Whether the fetch was refused by policy (rather than attempted and failed).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            FetchError::InvalidUrl(_)
                | FetchError::HttpsRequired(_)
                | FetchError::ForbiddenAddress { .. }
                | FetchError::TooManyRedirects(_)
                | FetchError::TooLarge { .. }
                | FetchError::Offline(_)
        )
    }
}

/// A DNS answer containing a refused address; carried through reqwest's error chain.
#[derive(Debug)]
struct Forbidden {
    addr: IpAddr,
    kind: AddressKind,
}

impl std::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is a {} address", self.addr, self.kind)
    }
}

impl std::error::Error for Forbidden {}

/// Resolves names and refuses the whole answer when any address in it is not public, so a name
/// that also points at an internal address cannot be used to reach it.
struct CheckingResolver {
    allow_hosts: Vec<String>,
}

impl reqwest::dns::Resolve for CheckingResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let exempt = self
            .allow_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&host));
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if exempt {
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            if let Some((addr, kind)) = addrs
                .iter()
                .find_map(|a| classify(a.ip()).map(|k| (a.ip(), k)))
            {
                return Err(Box::new(Forbidden { addr, kind }) as Box<_>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A URL refused by the scheme or literal-address rules, checked before any connection.
fn check_url(url: &reqwest::Url, policy: &FetchPolicy) -> Result<(), FetchError> {
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        "http" => return Err(FetchError::HttpsRequired(url.to_string())),
        _ => return Err(FetchError::InvalidUrl(url.to_string())),
    }
    if policy.allow_private_network {
        return Ok(());
    }
    let host = url
        .host_str()
        .ok_or_else(|| FetchError::InvalidUrl(url.to_string()))?;
    if policy
        .allow_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    {
        return Ok(());
    }
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    match literal.and_then(|a| classify(a).map(|k| (a, k))) {
        Some((addr, kind)) => Err(FetchError::ForbiddenAddress {
            url: url.to_string(),
            addr,
            kind,
        }),
        None => Ok(()),
    }
}

/// Fetches documents under a [`FetchPolicy`]; cheap to clone (the cache is shared).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Option<reqwest::Client>,
    policy: FetchPolicy,
    cache: Arc<Mutex<Cache>>,
}

impl Fetcher {
    /// A fetcher for `policy` (no network client at all when offline).
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        let client = if policy.offline {
            None
        } else {
            let checked = policy.clone();
            let redirects = reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > checked.max_redirects {
                    let url = attempt.url().to_string();
                    return attempt.error(FetchError::TooManyRedirects(url));
                }
                // Every hop is checked again: scheme and literal address here, names by the
                // resolver when the hop connects.
                match check_url(attempt.url(), &checked) {
                    Ok(()) => attempt.follow(),
                    Err(e) => attempt.error(e),
                }
            });
            let mut builder = reqwest::Client::builder()
                .redirect(redirects)
                .connect_timeout(policy.connect_timeout)
                .timeout(policy.total_timeout)
                .no_proxy()
                .user_agent(concat!("cairn-verify/", env!("CARGO_PKG_VERSION")));
            for pem in &policy.extra_roots_pem {
                let cert = reqwest::Certificate::from_pem(pem).map_err(|e| FetchError::Failed {
                    url: String::new(),
                    message: format!("a trusted certificate is not PEM: {e}"),
                })?;
                builder = builder.add_root_certificate(cert);
            }
            if !policy.allow_private_network {
                builder = builder.dns_resolver(Arc::new(CheckingResolver {
                    allow_hosts: policy.allow_hosts.clone(),
                }));
            }
            Some(builder.build().map_err(|e| FetchError::Failed {
                url: String::new(),
                message: e.to_string(),
            })?)
        };
        Ok(Fetcher {
            client,
            policy,
            cache: Arc::new(Mutex::new(Cache::default())),
        })
    }

    /// The policy this fetcher enforces.
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The body served at `url`, from the cache while fresh.
    pub async fn get(&self, url: &str) -> Result<Arc<Vec<u8>>, FetchError> {
        self.get_valid(url, |_| true).await
    }

    /// Like [`Fetcher::get`], but a body that `valid` refuses (one the caller cannot parse) is
    /// returned without being cached, so a broken document is not served again from memory.
    pub async fn get_valid(
        &self,
        url: &str,
        valid: impl Fn(&[u8]) -> bool,
    ) -> Result<Arc<Vec<u8>>, FetchError> {
        let parsed =
            reqwest::Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.to_owned()))?;
        if let Some(hit) = self.cached(url) {
            return Ok(hit);
        }
        let Some(client) = &self.client else {
            return Err(FetchError::Offline(url.to_owned()));
        };
        check_url(&parsed, &self.policy)?;
        let mut response = client
            .get(parsed)
            .header(
                reqwest::header::ACCEPT,
                "application/json, application/ld+json, application/did+json, */*;q=0.5",
            )
            .send()
            .await
            .map_err(|e| map_error(url, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
            });
        }
        let limit = self.policy.max_bytes;
        let too_large = || FetchError::TooLarge {
            url: url.to_owned(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let ttl = cache_ttl(response.headers(), self.policy.max_cache_ttl);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| map_error(url, &e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let body = Arc::new(body);
        if let Some(ttl) = ttl.filter(|_| valid(&body)) {
            if let Ok(mut cache) = self.cache.lock() {
                cache.insert(url, body.clone(), Instant::now() + ttl, &self.policy);
            }
        }
        Ok(body)
    }

    /// What the cache holds now: (responses, body bytes).
    pub fn cache_usage(&self) -> (usize, usize) {
        self.cache.lock().map(|c| c.usage()).unwrap_or_default()
    }

    fn cached(&self, url: &str) -> Option<Arc<Vec<u8>>> {
        self.cache.lock().ok()?.get(url, self.policy.offline)
    }
}

/// RFC 9111 §5.2.2: `no-store`/`no-cache`/`private` are not cached; otherwise `max-age`
/// (at most `max`), and nothing without it.
fn cache_ttl(headers: &reqwest::header::HeaderMap, max: Duration) -> Option<Duration> {
    let value = headers
        .get_all(reqwest::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let mut ttl = None;
    for directive in value.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if directive == "no-store" || directive == "no-cache" || directive == "private" {
            return None;
        }
        if let Some(secs) = directive.strip_prefix("max-age=") {
            ttl = secs
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    ttl.filter(|t| !t.is_zero()).map(|t| t.min(max))
}

/// Finds the policy error or timeout inside a reqwest error.
fn map_error(url: &str, e: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(f) = s.downcast_ref::<FetchError>() {
            return f.clone();
        }
        if let Some(f) = s.downcast_ref::<Forbidden>() {
            return FetchError::ForbiddenAddress {
                url: url.to_owned(),
                addr: f.addr,
                kind: f.kind,
            };
        }
        source = s.source();
    }
    if e.is_timeout() {
        return FetchError::Timeout(url.to_owned());
    }
    FetchError::Failed {
        url: url.to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_lifetimes_follow_cache_control() {
        let h = |v: &str| {
            let mut m = reqwest::header::HeaderMap::new();
            m.insert(reqwest::header::CACHE_CONTROL, v.parse().expect("value"));
            m
        };
        let max = Duration::from_secs(600);
        assert_eq!(
            cache_ttl(&h("public, max-age=300"), max),
            Some(Duration::from_secs(300))
        );
        assert_eq!(cache_ttl(&h("max-age=86400"), max), Some(max));
        assert_eq!(cache_ttl(&h("no-store"), max), None);
        assert_eq!(cache_ttl(&h("max-age=60, no-cache"), max), None);
        assert_eq!(cache_ttl(&h("max-age=0"), max), None);
        assert_eq!(cache_ttl(&reqwest::header::HeaderMap::new(), max), None);
    }
}
