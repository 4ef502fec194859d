//! The plain-HTTP server cuts off a client that sends its header lines too slowly (slowloris),
//! answers ordinary requests meanwhile, and stops when told to.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get_ok(addr: std::net::SocketAddr) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.expect("read");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_sender_is_cut_off_while_others_are_served() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().route("/", get(|| async { "ok" }));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cairn_http::serve_plain(
        listener,
        app,
        Duration::from_secs(1),
        async {
            let _ = stopped.await;
        },
    ));

    // A header line every 200 ms, never the blank line that ends them.
    let slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = slow.into_split();
    let dripping = tokio::spawn(async move {
        writer
            .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n")
            .await
            .expect("start");
        for i in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let line = format!("X-Slow-{i}: a\r\n");
            if writer.write_all(line.as_bytes()).await.is_err() {
                return i;
            }
        }
        50
    });
    assert!(
        get_ok(addr).await.ends_with("ok"),
        "others are served meanwhile"
    );
    let mut buf = [0u8; 512];
    let ended = tokio::time::timeout(Duration::from_secs(5), reader.read(&mut buf))
        .await
        .expect("the server ends the connection well before 5 s");
    match ended {
        Ok(0) | Err(_) => {}
        Ok(n) => {
            let text = String::from_utf8_lossy(&buf[..n]);
            assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        }
    }
    dripping.abort();

    stop.send(()).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops")
        .expect("task")
        .expect("serve");
}
