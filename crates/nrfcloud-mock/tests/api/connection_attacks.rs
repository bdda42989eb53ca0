//! Connections that hold the server without finishing a request (issue #18, item 15): request
//! heads that never end, a keep-alive connection left idle, a request body that stalls, and
//! more connections than the server serves at once. Nothing here measures time: a short
//! timeout is configured and the test reads until the server closes the socket (EOF), under a
//! generous hang guard.

use std::time::Duration;

use nrfcloud_mock::{ConnectionLimits, MockConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::binary::MockProcess;
use crate::common::fast;

/// Fails the test (instead of hanging it) if the server never closes.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Reads until the server closes the connection; what it sent before.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn five_hundred_half_open_request_heads_are_closed_after_the_header_timeout() {
    let mock =
        MockProcess::spawn(&["--header-timeout-ms", "300", "--max-connections", "600"]).await;
    let mut sockets = Vec::new();
    for _ in 0..500 {
        let mut s = TcpStream::connect(mock.addr()).await.expect("connects");
        // Half a head; should the server already have closed (a very slow machine), the read
        // below still sees the close.
        let _ = s
            .write_all(b"GET /v1/account HTTP/1.1\r\nHost: mock\r\nX-Slow: ")
            .await;
        sockets.push(s);
    }
    let closed = tokio::time::timeout(HANG_GUARD, async {
        for s in &mut sockets {
            let answer = read_to_close(s).await;
            assert!(
                !answer.starts_with(b"HTTP/1.1 200"),
                "no request was served"
            );
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "every half-open connection is closed by the server"
    );
    // And the server still serves whole requests.
    let r = crate::common::send(mock.key(reqwest::Method::GET, "/account")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let mock = MockProcess::spawn(&["--header-timeout-ms", "300"]).await;
    let mut s = TcpStream::connect(mock.addr()).await.expect("connects");
    let answer = tokio::time::timeout(HANG_GUARD, read_to_close(&mut s)).await;
    assert_eq!(answer.ok(), Some(Vec::new()), "closed without an answer");
}

#[tokio::test]
async fn a_keep_alive_connection_left_idle_is_closed_after_the_idle_timeout() {
    // The header timeout is long, so only the idle timeout can close it (1.5 s leaves the
    // request time to arrive first on a loaded machine).
    let mock =
        MockProcess::spawn(&["--header-timeout-ms", "600000", "--idle-timeout-ms", "1500"]).await;
    let mut s = TcpStream::connect(mock.addr()).await.expect("connects");
    let request = format!(
        "GET /v1/account HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {}\r\n\r\n",
        mock.api_key
    );
    s.write_all(request.as_bytes()).await.expect("sent");
    let answer = tokio::time::timeout(HANG_GUARD, read_to_close(&mut s))
        .await
        .expect("closed once idle");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "served first");
}

#[tokio::test]
async fn a_request_body_that_stalls_is_closed_after_the_idle_timeout() {
    let mock =
        MockProcess::spawn(&["--header-timeout-ms", "600000", "--idle-timeout-ms", "300"]).await;
    let mut s = TcpStream::connect(mock.addr()).await.expect("connects");
    let request = format!(
        "POST /v1/firmwares HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/zip\r\nContent-Length: 100000\r\n\r\nPK\x03\x04",
        mock.api_key
    );
    s.write_all(request.as_bytes()).await.expect("sent");
    let answer = tokio::time::timeout(HANG_GUARD, read_to_close(&mut s))
        .await
        .expect("closed once idle");
    assert!(!answer.starts_with(b"HTTP/1.1 202"), "nothing was accepted");
}

/// A handler at work is not idle: an answer slower than the idle timeout still arrives.
#[tokio::test]
async fn a_slow_answer_is_not_cut_by_the_idle_timeout() {
    let api = crate::common::Api::with(MockConfig {
        connection_limits: ConnectionLimits {
            idle_timeout: Duration::from_millis(50),
            ..ConnectionLimits::default()
        },
        ..fast(0)
    })
    .await;
    api.server.faults().set_latency(Duration::from_millis(300));
    let r = crate::common::send(api.key(reqwest::Method::GET, "/account")).await;
    assert_eq!(r.status, 200);
}

/// Connections past the limit wait (they are not refused) and are served as others close;
/// the server never serves more than the limit at once.
#[tokio::test]
async fn connections_beyond_the_limit_wait_until_a_slot_frees() {
    const LIMIT: usize = 4;
    let api = crate::common::Api::with(MockConfig {
        connection_limits: ConnectionLimits {
            max_connections: LIMIT,
            ..ConnectionLimits::default()
        },
        ..fast(0)
    })
    .await;
    let addr = api
        .server
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let mut holders = Vec::new();
    for _ in 0..LIMIT {
        holders.push(TcpStream::connect(&addr).await.expect("connects"));
    }
    tokio::time::timeout(HANG_GUARD, async {
        while api.server.open_connections() < LIMIT {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the holders are served");
    let request = format!(
        "GET /v1/account HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        api.server.api_key()
    );
    let mut waiting = Vec::new();
    for _ in 0..3 {
        let mut s = TcpStream::connect(&addr)
            .await
            .expect("queued, not refused");
        s.write_all(request.as_bytes()).await.expect("sent");
        waiting.push(s);
    }
    for (mut s, holder) in waiting.into_iter().zip(holders.drain(..)) {
        // The holder is still open (the server has not dropped it to make room)…
        let mut probe = [0u8; 1];
        assert!(
            matches!(holder.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "a holder is still being served"
        );
        // …and closing it lets one waiting connection in.
        drop(holder);
        let answer = tokio::time::timeout(HANG_GUARD, read_to_close(&mut s))
            .await
            .expect("answered once a slot frees");
        assert!(
            answer.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(api.server.peak_connections(), LIMIT);
}
