//! Safe fetching of the documents a verifier needs (did:web DID documents, key documents, JWK
//! Sets, status lists, issuer profiles): https only, no loopback, private, link-local, CGNAT or
//! metadata addresses after DNS resolution, every redirect re-checked, time and size capped, and
//! a cache that honours `Cache-Control` up to a maximum lifetime.
//!
//! The public interface is [`Fetcher`] (built from a [`FetchPolicy`]) and [`FetchError`], whose
//! `code()` is stable. The verifier's `Resolver` adapts it; this crate knows nothing of
//! credentials.

#![warn(missing_docs, unreachable_pub)]

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// Certificate authorities (PEM) trusted beside the system's: a district's own CA for its
    /// internal document host, or a test run's self-signed issuer.
    pub extra_roots_pem: Vec<Vec<u8>>,
}

impl Default for FetchPolicy {
    /// https only, public addresses only, 3 s to connect, 10 s in all, 2 MiB, 3 redirects,
    /// cached for at most 10 minutes.
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

/// The address ranges that are refused unless private networks are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918 ranges and IPv6 unique local addresses.
    Private,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// 100.64.0.0/10 (carrier-grade NAT).
    Cgnat,
    /// Cloud instance metadata (169.254.169.254, fd00:ec2::254).
    Metadata,
    /// Unspecified, broadcast, multicast, documentation and other reserved ranges.
    Reserved,
}

impl AddressKind {
    /// The stable code of a refusal for this range.
    pub fn code(self) -> &'static str {
        match self {
            AddressKind::Loopback => "loopback_address",
            AddressKind::Private => "private_address",
            AddressKind::LinkLocal => "link_local_address",
            AddressKind::Cgnat => "cgnat_address",
            AddressKind::Metadata => "metadata_address",
            AddressKind::Reserved => "reserved_address",
        }
    }
}

impl std::fmt::Display for AddressKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AddressKind::Loopback => "loopback",
            AddressKind::Private => "private",
            AddressKind::LinkLocal => "link-local",
            AddressKind::Cgnat => "carrier-grade NAT",
            AddressKind::Metadata => "cloud metadata",
            AddressKind::Reserved => "reserved",
        })
    }
}

/// The kind of a non-public address, or `None` for a public one. An IPv6 address that carries an
/// IPv4 address a host can reach through it is judged by that IPv4 address too.
pub fn classify(addr: IpAddr) -> Option<AddressKind> {
    match addr {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => embedded_v4(v6)
            .into_iter()
            .find_map(classify_v4)
            .or_else(|| classify_v6(v6)),
    }
}

/// The IPv4 addresses an IPv6 address embeds: IPv4-mapped `::ffff:0:0/96` and IPv4-compatible
/// `::/96` (RFC 4291 §2.5.5), NAT64 `64:ff9b::/96` (RFC 6052 §2.1), 6to4 `2002::/16` (RFC 3056
/// §2) and Teredo `2001::/32` (RFC 4380 §4: the server address, and the client address stored
/// inverted). On a host with a NAT64 gateway or a 6to4 or Teredo relay each of them reaches the
/// IPv4 address it carries.
fn embedded_v4(a: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = a.segments();
    let o = a.octets();
    let last = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => vec![last],
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 || lo > 1 => vec![last],
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => vec![last],
        [0x2002, ..] => vec![Ipv4Addr::new(o[2], o[3], o[4], o[5])],
        [0x2001, 0, ..] => vec![
            Ipv4Addr::new(o[4], o[5], o[6], o[7]),
            Ipv4Addr::new(!o[12], !o[13], !o[14], !o[15]),
        ],
        _ => Vec::new(),
    }
}

fn classify_v4(a: Ipv4Addr) -> Option<AddressKind> {
    let o = a.octets();
    if a == Ipv4Addr::new(169, 254, 169, 254) {
        Some(AddressKind::Metadata)
    } else if a.is_loopback() {
        Some(AddressKind::Loopback)
    } else if a.is_private() {
        Some(AddressKind::Private)
    } else if a.is_link_local() {
        Some(AddressKind::LinkLocal)
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        // RFC 6598 shared address space.
        Some(AddressKind::Cgnat)
    } else if a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o[0] == 0
        || o[0] >= 240
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (18..20).contains(&o[1]))
    {
        Some(AddressKind::Reserved)
    } else {
        None
    }
}

fn classify_v6(a: Ipv6Addr) -> Option<AddressKind> {
    let s = a.segments();
    if a == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some(AddressKind::Metadata)
    } else if a.is_loopback() {
        Some(AddressKind::Loopback)
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some(AddressKind::Private)
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some(AddressKind::LinkLocal)
    } else if (s[0], s[1], s[2]) == (0x64, 0xff9b, 1) {
        // RFC 8215: local-use NAT64, translated to addresses of the operator's own choosing.
        Some(AddressKind::Private)
    } else if a.is_unspecified()
        || a.is_multicast()
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0], s[1], s[2], s[3]) == (0x100, 0, 0, 0)
    {
        Some(AddressKind::Reserved)
    } else {
        None
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

#[derive(Debug, Clone)]
struct Cached {
    body: Arc<Vec<u8>>,
    until: Instant,
}

/// Fetches documents under a [`FetchPolicy`]; cheap to clone (the cache is shared).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Option<reqwest::Client>,
    policy: FetchPolicy,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
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
            cache: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// The policy this fetcher enforces.
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The body served at `url`, from the cache while fresh.
    pub async fn get(&self, url: &str) -> Result<Arc<Vec<u8>>, FetchError> {
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
        if let Some(ttl) = ttl {
            if let Ok(mut cache) = self.cache.lock() {
                cache.insert(
                    url.to_owned(),
                    Cached {
                        body: body.clone(),
                        until: Instant::now() + ttl,
                    },
                );
            }
        }
        Ok(body)
    }

    fn cached(&self, url: &str) -> Option<Arc<Vec<u8>>> {
        let mut cache = self.cache.lock().ok()?;
        match cache.get(url) {
            Some(c) if c.until > Instant::now() => Some(c.body.clone()),
            Some(_) if !self.policy.offline => {
                cache.remove(url);
                None
            }
            // Offline, a stale entry is still the best there is.
            Some(c) => Some(c.body.clone()),
            None => None,
        }
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
    fn address_ranges_are_classified() {
        let cases: &[(&str, Option<AddressKind>)] = &[
            ("127.0.0.1", Some(AddressKind::Loopback)),
            ("127.8.9.10", Some(AddressKind::Loopback)),
            ("::1", Some(AddressKind::Loopback)),
            ("10.1.2.3", Some(AddressKind::Private)),
            ("172.16.0.1", Some(AddressKind::Private)),
            ("172.31.255.255", Some(AddressKind::Private)),
            ("192.168.1.1", Some(AddressKind::Private)),
            ("fd12::1", Some(AddressKind::Private)),
            ("169.254.169.254", Some(AddressKind::Metadata)),
            ("fd00:ec2::254", Some(AddressKind::Metadata)),
            ("169.254.1.1", Some(AddressKind::LinkLocal)),
            ("fe80::1", Some(AddressKind::LinkLocal)),
            ("100.64.0.1", Some(AddressKind::Cgnat)),
            ("100.127.255.254", Some(AddressKind::Cgnat)),
            ("0.0.0.0", Some(AddressKind::Reserved)),
            ("255.255.255.255", Some(AddressKind::Reserved)),
            ("224.0.0.1", Some(AddressKind::Reserved)),
            ("::ffff:10.0.0.1", Some(AddressKind::Private)),
            ("::ffff:127.0.0.1", Some(AddressKind::Loopback)),
            // IPv4-compatible, NAT64, 6to4 and Teredo addresses are judged by the IPv4 inside.
            ("::7f00:1", Some(AddressKind::Loopback)),
            ("::10.0.0.1", Some(AddressKind::Private)),
            ("64:ff9b::7f00:1", Some(AddressKind::Loopback)),
            ("64:ff9b::a00:1", Some(AddressKind::Private)),
            ("64:ff9b::a9fe:a9fe", Some(AddressKind::Metadata)),
            ("64:ff9b:1::1", Some(AddressKind::Private)),
            ("2002:7f00:1::1", Some(AddressKind::Loopback)),
            ("2002:a9fe:a9fe::", Some(AddressKind::Metadata)),
            ("2002:c0a8:101::1", Some(AddressKind::Private)),
            // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted (80ff:fffe).
            (
                "2001:0:4136:e378:8000:63bf:80ff:fffe",
                Some(AddressKind::Loopback),
            ),
            // Teredo with a private server address.
            (
                "2001:0:a00:1:8000:63bf:3fff:fdd2",
                Some(AddressKind::Private),
            ),
            ("100::1", Some(AddressKind::Reserved)),
            ("64:ff9b::5db8:d822", None),
            ("2002:5db8:d822::1", None),
            ("2001:0:4136:e378:8000:63bf:a247:27dd", None),
            ("93.184.216.34", None),
            ("100.128.0.1", None),
            ("172.32.0.1", None),
            ("2606:4700::1111", None),
        ];
        for (text, want) in cases {
            let addr: IpAddr = text.parse().expect("address");
            assert_eq!(classify(addr), *want, "{text}");
        }
    }

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
