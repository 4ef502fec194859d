//! The fetch policy against a local HTTP server on 127.0.0.1 (the only host ever contacted):
//! refused addresses (literal, by DNS, after a redirect), size caps, redirect limits, timeouts,
//! the cache and offline mode, each with its code.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_fetch::{FetchPolicy, Fetcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// Serves fixed answers by path; counts requests per path.
async fn server() -> (String, Hits) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits: Hits = Arc::default();
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                *counter.lock().unwrap().entry(path.clone()).or_default() += 1;
                let big = "x".repeat(3 * 1024 * 1024);
                let response = match path.as_str() {
                    "/doc" => "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: public, max-age=60\r\nConnection: close\r\n\r\nhello".to_owned(),
                    "/nostore" => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nno".to_owned(),
                    "/big" => format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}", big.len()),
                    "/big-unannounced" => format!("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{big}"),
                    "/loop" => "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                    "/to-private" => "HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/doc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                    "/to-localhost" => format!("HTTP/1.1 302 Found\r\nLocation: http://localhost:{}/doc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", addr.port()),
                    "/to-doc" => "HTTP/1.1 301 Moved\r\nLocation: /doc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                    "/slow" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_owned()
                    }
                    p if p.starts_with("/many/") => format!("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nCache-Control: max-age=60\r\nConnection: close\r\n\r\n{}", "m".repeat(1000)),
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                };
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (format!("http://127.0.0.1:{}", addr.port()), hits)
}

/// Plain http to the test server's own address is allowed; everything else keeps the defaults.
fn local_policy() -> FetchPolicy {
    FetchPolicy {
        allow_http: true,
        allow_hosts: vec!["127.0.0.1".into()],
        total_timeout: Duration::from_secs(2),
        ..FetchPolicy::default()
    }
}

async fn code(fetcher: &Fetcher, url: &str) -> &'static str {
    match fetcher.get(url).await {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[tokio::test]
async fn refusals_have_their_own_codes() {
    let (base, hits) = server().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let strict = Fetcher::new(FetchPolicy::default()).expect("fetcher");
    // Refused before any connection: scheme, then literal addresses, then DNS answers.
    let cases = [
        (format!("{base}/doc"), "https_required"),
        (format!("https://127.0.0.1:{port}/doc"), "loopback_address"),
        (
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            "metadata_address",
        ),
        ("https://10.0.0.1/doc".to_owned(), "private_address"),
        ("https://[::1]/doc".to_owned(), "loopback_address"),
        ("https://100.64.0.1/doc".to_owned(), "cgnat_address"),
        (format!("https://localhost:{port}/doc"), "loopback_address"),
        ("ftp://example.org/x".to_owned(), "invalid_url"),
        ("not a url".to_owned(), "invalid_url"),
    ];
    for (url, want) in &cases {
        assert_eq!(code(&strict, url).await, *want, "{url}");
    }
    assert!(
        hits.lock().unwrap().is_empty(),
        "a refused fetch reached the server"
    );

    let local = Fetcher::new(local_policy()).expect("fetcher");
    assert_eq!(code(&local, &format!("{base}/doc")).await, "ok");
    assert_eq!(code(&local, &format!("{base}/to-doc")).await, "ok");
    // Every redirect hop is checked again.
    assert_eq!(
        code(&local, &format!("{base}/to-private")).await,
        "private_address"
    );
    assert_eq!(
        code(&local, &format!("{base}/to-localhost")).await,
        "loopback_address"
    );
    assert_eq!(
        code(&local, &format!("{base}/loop")).await,
        "too_many_redirects"
    );
    assert_eq!(
        hits.lock().unwrap()["/loop"],
        4,
        "the first request and 3 redirects"
    );
    // Size caps, announced or not.
    assert_eq!(
        code(&local, &format!("{base}/big")).await,
        "response_too_large"
    );
    assert_eq!(
        code(&local, &format!("{base}/big-unannounced")).await,
        "response_too_large"
    );
    assert_eq!(
        code(&local, &format!("{base}/missing")).await,
        "http_status"
    );
    assert_eq!(code(&local, &format!("{base}/slow")).await, "fetch_timeout");
}

#[tokio::test]
async fn the_cache_honours_cache_control_and_offline_uses_only_it() {
    let (base, hits) = server().await;
    let fetcher = Fetcher::new(local_policy()).expect("fetcher");
    for _ in 0..3 {
        let body = fetcher.get(&format!("{base}/doc")).await.expect("doc");
        assert_eq!(body.as_slice(), b"hello");
        fetcher
            .get(&format!("{base}/nostore"))
            .await
            .expect("nostore");
    }
    let counts = hits.lock().unwrap().clone();
    assert_eq!(counts["/doc"], 1, "max-age=60 is served from the cache");
    assert_eq!(counts["/nostore"], 3, "no-store is fetched every time");

    let offline = Fetcher::new(FetchPolicy {
        offline: true,
        ..local_policy()
    })
    .expect("fetcher");
    assert_eq!(code(&offline, &format!("{base}/doc")).await, "offline");
    assert_eq!(hits.lock().unwrap()["/doc"], 1);
}

#[tokio::test]
async fn the_cache_is_bounded_by_bytes_and_entries_and_keeps_the_recently_used() {
    let (base, hits) = server().await;
    let fetcher = Fetcher::new(FetchPolicy {
        max_cache_entries: 10,
        max_cache_bytes: 5_000,
        ..local_policy()
    })
    .expect("fetcher");
    for i in 0..50 {
        fetcher
            .get(&format!("{base}/many/{i}"))
            .await
            .expect("many");
        let (entries, bytes) = fetcher.cache_usage();
        assert!(
            entries <= 10 && bytes <= 5_000,
            "{entries} entries, {bytes} bytes"
        );
    }
    // Five 1,000-byte bodies fit in 5,000 bytes: the last five are kept.
    assert_eq!(fetcher.cache_usage(), (5, 5_000));
    fetcher.get(&format!("{base}/many/49")).await.expect("hit");
    fetcher.get(&format!("{base}/many/0")).await.expect("miss");
    let counts = hits.lock().unwrap().clone();
    assert_eq!(
        counts["/many/49"], 1,
        "the most recent is served from the cache"
    );
    assert_eq!(counts["/many/0"], 2, "the least recently used was evicted");

    // The entry limit binds when the bodies are small.
    let by_count = Fetcher::new(FetchPolicy {
        max_cache_entries: 3,
        ..local_policy()
    })
    .expect("fetcher");
    for i in 100..110 {
        by_count
            .get(&format!("{base}/many/{i}"))
            .await
            .expect("many");
    }
    assert_eq!(by_count.cache_usage(), (3, 3_000));
}

#[tokio::test]
async fn a_body_the_caller_cannot_parse_is_not_cached() {
    let (base, hits) = server().await;
    let fetcher = Fetcher::new(local_policy()).expect("fetcher");
    let is_json = |b: &[u8]| b.starts_with(b"{");
    for _ in 0..2 {
        let body = fetcher
            .get_valid(&format!("{base}/doc"), is_json)
            .await
            .expect("doc");
        assert_eq!(body.as_slice(), b"hello");
    }
    assert_eq!(
        hits.lock().unwrap()["/doc"],
        2,
        "\"hello\" is not JSON: never cached"
    );
    assert_eq!(fetcher.cache_usage(), (0, 0));
}
