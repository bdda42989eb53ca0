//! Downloads outside the API (P-GPS prediction files, URLs the API returns) against local
//! scripted servers: never an `Authorization` header, whatever credentials the client holds
//! and whatever the host; errors (404, timeout, refused connection, bad URLs) as [`Error`]s.

use std::time::Duration;

use nrfcloud::types::GetPredictedAssistanceDataResponse;
use nrfcloud::{Client, DeviceKey, Error};
use nrfcloud_testkit::{Recorder, Reply};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::json;

const API_KEY: &str = "test-api-key-0123456789abcdef";

fn client(api: &Recorder) -> Client {
    let pem = SigningKey::from_slice(&[7; 32])
        .unwrap()
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap()
        .to_string();
    Client::builder()
        .base_url(&api.base)
        .api_key(API_KEY)
        .device_key(DeviceKey::from_pem("nrf-352656100000001", &pem).unwrap())
        .user_agent("downloads-test/1")
        .build()
        .unwrap()
}

fn prediction_file() -> Vec<u8> {
    (0..5000u32).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn pgps_files_are_fetched_without_credentials() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);

    // The API answers GetPredictedAssistanceData with the file's {host, path}.
    api.reply(Reply::json(
        200,
        json!({"host": files.base, "path": "public/15131-0_15135-72000.bin"}),
    ));
    let location = client
        .api()
        .get_predicted_assistance_data()
        .send()
        .await
        .unwrap();
    assert!(
        api.last().header("authorization").starts_with("Bearer ey"),
        "the API call itself carries the device JWT"
    );

    files.reply(Reply::bytes(
        200,
        "application/octet-stream",
        prediction_file(),
    ));
    let got = client.location().pgps(&location).await.unwrap();
    assert_eq!(got.as_ref(), prediction_file().as_slice());
    let r = files.last();
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/public/15131-0_15135-72000.bin");
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);
    assert_eq!(r.header("user-agent"), "downloads-test/1");
    assert_eq!(files.count(), 1);
}

#[tokio::test]
async fn the_api_host_itself_gets_no_credentials_from_a_download() {
    let api = Recorder::start().await;
    let client = client(&api);
    api.reply(Reply::bytes(200, "application/octet-stream", vec![1, 2, 3]));
    let got = client
        .download_url(&format!("{}/v1/location/agnss?x=1", api.base))
        .await
        .unwrap();
    assert_eq!(got.as_ref(), [1, 2, 3]);
    let r = api.last();
    assert_eq!(r.query.as_deref(), Some("x=1"));
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);

    // A P-GPS location naming the API's own host: no credentials either.
    let location: GetPredictedAssistanceDataResponse =
        serde_json::from_value(json!({"host": api.base, "path": "/public/a.bin"})).unwrap();
    client.location().pgps(&location).await.unwrap();
    let r = api.last();
    assert_eq!(r.path, "/public/a.bin");
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);
}

#[tokio::test]
async fn redirects_are_followed_without_credentials() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);
    api.then([Reply::empty(302).header("location", format!("{}/moved.bin", files.base))]);
    files.reply(Reply::bytes(200, "application/octet-stream", vec![9; 10]));
    let got = client
        .download_url(&format!("{}/files/a.bin", api.base))
        .await
        .unwrap();
    assert_eq!(got.len(), 10);
    for r in api.requests().iter().chain(files.requests().iter()) {
        assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);
    }
    assert_eq!(files.last().path, "/moved.bin");
}

#[tokio::test]
async fn not_found_is_an_api_error_with_its_body() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    files.reply(Reply::bytes(
        404,
        "application/xml",
        "<Error><Code>NoSuchKey</Code></Error>",
    ));
    let client = client(&api);
    let e = client
        .download_url(&format!("{}/public/missing.bin", files.base))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let api_error = e.api().unwrap();
    assert_eq!(api_error.status, 404);
    assert_eq!(api_error.operation, "download_url");
    assert!(api_error.body.contains("NoSuchKey"));

    let location: GetPredictedAssistanceDataResponse =
        serde_json::from_value(json!({"host": files.base, "path": "public/missing.bin"})).unwrap();
    let e = client.location().pgps(&location).await.unwrap_err();
    assert_eq!(
        e.api().map(|a| (a.status, a.operation)),
        Some((404, "download_pgps"))
    );

    files.reply(Reply::json(503, json!({"message": "slow down"})));
    let e = client
        .download_url(&format!("{}/x", files.base))
        .await
        .unwrap_err();
    assert_eq!(e.api().map(|a| a.status), Some(503));
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_timeout_is_error_timeout() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    files.reply(
        Reply::bytes(200, "application/octet-stream", vec![1]).delayed(Duration::from_secs(3)),
    );
    let client = Client::builder()
        .base_url(&api.base)
        .api_key(API_KEY)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = client
        .download_url(&format!("{}/slow.bin", files.base))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                operation: "download_url"
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let api = Recorder::start().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = client(&api)
        .download_url(&format!("http://127.0.0.1:{port}/a.bin"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                operation: "download_url",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn bad_urls_are_refused_before_sending() {
    let api = Recorder::start().await;
    let client = client(&api);
    let user_info = format!("{}/a.bin", api.base).replace("http://", "http://user:secret@");
    for url in [
        "ftp://example.com/a.bin",
        "not a url",
        "file:///etc/passwd",
        &user_info,
    ] {
        let e = client.download_url(url).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidInput {
                    operation: Some("download_url"),
                    ..
                }
            ),
            "{url}: {e:?}"
        );
    }
    let location: GetPredictedAssistanceDataResponse =
        serde_json::from_value(json!({"host": "ftp://pgnss.example", "path": "a.bin"})).unwrap();
    assert!(matches!(
        client.location().pgps(&location).await,
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(api.count(), 0, "nothing was sent");
}

// ---------------------------------------------------------------------------------------------
// download_to: streaming into a writer, with size limits
// ---------------------------------------------------------------------------------------------

/// A writer that counts what it gets and keeps nothing (or fails every write).
#[derive(Default)]
struct Counting {
    bytes: u64,
    writes: usize,
    largest_write: usize,
    fail: bool,
}

impl tokio::io::AsyncWrite for Counting {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.fail {
            return std::task::Poll::Ready(Err(std::io::Error::other("disk full")));
        }
        self.bytes += buf.len() as u64;
        self.writes += 1;
        self.largest_write = self.largest_write.max(buf.len());
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// A server that answers every request with `body` in chunked transfer encoding (no
/// `Content-Length`), 64 KiB per chunk; returns its base URL.
async fn chunked_server(body: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let body = std::sync::Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\
                            transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for chunk in body.chunks(64 * 1024) {
                    let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                    frame.extend_from_slice(chunk);
                    frame.extend_from_slice(b"\r\n");
                    if socket.write_all(&frame).await.is_err() {
                        return; // the client hung up
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    base
}

fn decode_reason(e: &Error) -> &str {
    match e {
        Error::Decode {
            operation: "download_url",
            reason,
            ..
        } => reason,
        other => panic!("not a Decode error of download_url: {other:?}"),
    }
}

#[tokio::test]
async fn download_to_streams_into_a_writer_without_credentials() {
    use nrfcloud::DownloadLimits;
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    files.reply(Reply::bytes(200, "application/zip", body.clone()));

    let mut out: Vec<u8> = Vec::new();
    let written = client
        .download_to(
            &format!("{}/logs/binary-logs.zip", files.base),
            &mut out,
            DownloadLimits::new(1 << 20).with_expected_len(300_000),
        )
        .await
        .unwrap();
    assert_eq!(written, 300_000);
    assert_eq!(out, body);
    let r = files.last();
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);
    assert_eq!(r.header("user-agent"), "downloads-test/1");

    // The API's own host gets no credentials from a download either (an errorSummaryUrl
    // may point there).
    api.reply(Reply::json(200, json!({"errors": []})));
    let mut out = Vec::new();
    client
        .download_to(
            &format!("{}/v1/bulk-ops-requests/x/summary", api.base),
            &mut out,
            DownloadLimits::default(),
        )
        .await
        .unwrap();
    assert_eq!(out, br#"{"errors":[]}"#);
    assert!(api.last().headers.get("authorization").is_none());

    // Without Content-Length: streamed chunk by chunk too.
    let base = chunked_server(body.clone()).await;
    let mut out = Vec::new();
    let written = client
        .download_to(
            &format!("{base}/x.bin"),
            &mut out,
            DownloadLimits::default(),
        )
        .await
        .unwrap();
    assert_eq!((written, out == body), (300_000, true));
}

#[tokio::test]
async fn a_size_other_than_the_expected_one_fails() {
    use nrfcloud::DownloadLimits;
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);
    let url = format!("{}/firmware.bin", files.base);
    files.reply(Reply::bytes(200, "application/octet-stream", vec![7; 5000]));

    // Content-Length says otherwise: nothing is written.
    for expected in [6000, 4000] {
        let mut out = Vec::new();
        let e = client
            .download_to(
                &url,
                &mut out,
                DownloadLimits::new(1 << 20).with_expected_len(expected),
            )
            .await
            .unwrap_err();
        assert!(
            decode_reason(&e).contains(&format!("Content-Length 5000, {expected} bytes expected")),
            "{e}"
        );
        assert!(out.is_empty(), "nothing written before the check");
    }

    // No Content-Length: too short fails at the end, too long stops at the expected length.
    let base = chunked_server(vec![7; 200_000]).await;
    let url = format!("{base}/firmware.bin");
    let mut out = Vec::new();
    let e = client
        .download_to(
            &url,
            &mut out,
            DownloadLimits::new(1 << 20).with_expected_len(250_000),
        )
        .await
        .unwrap_err();
    assert!(
        decode_reason(&e).contains("ended after 200000 bytes, 250000 expected"),
        "{e}"
    );
    assert_eq!(out.len(), 200_000);
    let mut out = Vec::new();
    let e = client
        .download_to(
            &url,
            &mut out,
            DownloadLimits::new(1 << 20).with_expected_len(100_000),
        )
        .await
        .unwrap_err();
    assert!(
        decode_reason(&e).contains("past the 100000 bytes expected"),
        "{e}"
    );
    assert!(out.len() <= 100_000, "{}", out.len());

    // An expected length over the limit is refused before sending.
    let before = files.count();
    let e = client
        .download_to(
            &format!("{}/x", files.base),
            &mut Vec::new(),
            DownloadLimits::new(10).with_expected_len(11),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "limits.expected_len"),
        "{e:?}"
    );
    assert_eq!(files.count(), before);
}

#[tokio::test]
async fn a_body_over_the_limit_stops_early() {
    use nrfcloud::DownloadLimits;
    const BIG: usize = 8 << 20;
    const LIMIT: u64 = 1 << 20;
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);

    // Content-Length over the limit: fails before writing a byte.
    files.reply(Reply::bytes(200, "application/octet-stream", vec![1; BIG]));
    let mut sink = Counting::default();
    let e = client
        .download_to(
            &format!("{}/big.bin", files.base),
            &mut sink,
            DownloadLimits::new(LIMIT),
        )
        .await
        .unwrap_err();
    assert!(
        decode_reason(&e).contains("Content-Length 8388608 is over the limit of 1048576 bytes"),
        "{e}"
    );
    assert_eq!(sink.bytes, 0);

    // No Content-Length: written chunk by chunk up to the limit, then stopped.
    let base = chunked_server(vec![1; BIG]).await;
    let mut sink = Counting::default();
    let e = client
        .download_to(
            &format!("{base}/big.bin"),
            &mut sink,
            DownloadLimits::new(LIMIT),
        )
        .await
        .unwrap_err();
    assert!(
        decode_reason(&e).contains("runs past the limit of 1048576 bytes"),
        "{e}"
    );
    assert!(sink.bytes <= LIMIT, "{}", sink.bytes);
    assert!(
        sink.writes > 1,
        "streamed, not buffered: {} writes",
        sink.writes
    );

    // Within the limit, the whole 8 MiB streams in pieces, never held at once.
    let mut sink = Counting::default();
    let written = client
        .download_to(
            &format!("{base}/big.bin"),
            &mut sink,
            DownloadLimits::new(16 << 20),
        )
        .await
        .unwrap();
    assert_eq!(written, BIG as u64);
    assert!(
        sink.writes > 8 && sink.largest_write < (1 << 20),
        "{} writes, the largest {} bytes",
        sink.writes,
        sink.largest_write
    );
}

#[tokio::test]
async fn download_to_errors() {
    use nrfcloud::DownloadLimits;
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);

    // A non-2xx answer: an API error with a bounded excerpt of the body; nothing written.
    let mut huge = b"<Error><Code>AccessDenied</Code>".to_vec();
    huge.resize(200_000, b' ');
    files.reply(Reply::bytes(403, "application/xml", huge));
    let mut out = Vec::new();
    let e = client
        .download_to(
            &format!("{}/expired.zip", files.base),
            &mut out,
            DownloadLimits::default(),
        )
        .await
        .unwrap_err();
    let api_error = e.api().expect("an API error");
    assert_eq!(
        (api_error.status, api_error.operation),
        (403, "download_url")
    );
    assert!(api_error.body.contains("AccessDenied"));
    assert!(
        api_error.body.len() <= 16 * 1024,
        "{}",
        api_error.body.len()
    );
    assert!(out.is_empty());

    // The writer fails: Error::Write.
    files.reply(Reply::bytes(200, "application/octet-stream", vec![1; 10]));
    let mut broken = Counting {
        fail: true,
        ..Counting::default()
    };
    let e = client
        .download_to(
            &format!("{}/a.bin", files.base),
            &mut broken,
            DownloadLimits::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Write { operation: "download_url", source } if source.to_string() == "disk full"),
        "{e:?}"
    );

    // Bad URLs are refused before sending, as with download_url.
    let before = files.count();
    for url in ["ftp://example.com/a.bin", "not a url"] {
        let e = client
            .download_to(url, &mut Vec::new(), DownloadLimits::default())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{url}: {e:?}");
    }
    assert_eq!(files.count(), before);
}

/// The real service answers P-GPS with a bare host and a relative path, fetched as
/// `https://{host}/{path}`. A local server has no TLS: `download_origin_override` sends that
/// origin's downloads to the server's plain-HTTP base URL; the API call itself carries the
/// interval the caller asked for (120, which Nordic's tests use; the document lists 240 only).
#[tokio::test]
async fn pgps_downloads_follow_an_origin_override() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let host = files.base.trim_start_matches("http://").to_owned();
    let pem = SigningKey::from_slice(&[7; 32])
        .unwrap()
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap()
        .to_string();
    let client = Client::builder()
        .base_url(&api.base)
        .device_key(DeviceKey::from_pem("nrf-352656100000001", &pem).unwrap())
        .download_origin_override(format!("https://{host}"), &files.base)
        .build()
        .unwrap();
    api.reply(Reply::json(
        200,
        json!({"host": host, "path": "public/15131-0_15135-72000.bin"}),
    ));
    let location = client
        .api()
        .get_predicted_assistance_data()
        .prediction_count(6.0)
        .prediction_interval_minutes(120.0)
        .send()
        .await
        .unwrap();
    let query = api.last().query.unwrap_or_default();
    assert!(
        query.contains("predictionIntervalMinutes=120"),
        "the interval asked for is sent: {query}"
    );
    files.reply(Reply::bytes(
        200,
        "application/octet-stream",
        prediction_file(),
    ));
    let got = client.location().pgps(&location).await.unwrap();
    assert_eq!(got.as_ref(), prediction_file().as_slice());
    let r = files.last();
    assert_eq!(r.path, "/public/15131-0_15135-72000.bin");
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);

    // Other origins are untouched: the API's own host stays as it is.
    api.reply(Reply::bytes(200, "application/octet-stream", vec![4, 2]));
    let got = client
        .download_url(&format!("{}/files/x.bin", api.base))
        .await
        .unwrap();
    assert_eq!(got.as_ref(), [4, 2]);
    assert_eq!(files.count(), 1);
}

/// Without the override, the same answer names an `https://` URL, which a plain-HTTP server
/// cannot answer: the override is what makes the mock's file downloadable.
#[tokio::test]
async fn pgps_downloads_use_https_without_an_override() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);
    let host = files.base.trim_start_matches("http://");
    let location: GetPredictedAssistanceDataResponse =
        serde_json::from_value(json!({"host": host, "path": "public/a.bin"})).unwrap();
    let e = client.location().pgps(&location).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
}

#[test]
fn origin_overrides_must_be_bare_origins() {
    for (from, to) in [
        ("https://127.0.0.1:1/prefix", "http://127.0.0.1:1"),
        ("https://127.0.0.1:1", "ftp://127.0.0.1:1"),
    ] {
        let e = Client::builder()
            .download_origin_override(from, to)
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { field, .. } if field == "download_origin_override"),
            "{e:?}"
        );
    }
}

/// End to end: the mock's P-GPS answer, fetched as `https://{host}/{path}` through the override.
#[tokio::test]
async fn the_mocks_pgps_file_downloads_through_the_override() {
    let server = nrfcloud_mock::MockServer::start().await.unwrap();
    let device = "nrf-352656100000077";
    let key = server.state().add_device(device, &[]);
    let client = Client::builder()
        .base_url(server.base_url())
        .device_key(DeviceKey::from_pem(device, &key.private_key_pem()).unwrap())
        .download_origin_override(
            server.base_url().replacen("http://", "https://", 1),
            server.base_url(),
        )
        .build()
        .unwrap();
    let location = client
        .api()
        .get_predicted_assistance_data()
        .prediction_count(6.0)
        .prediction_interval_minutes(120.0)
        .send()
        .await
        .unwrap();
    let url = nrfcloud::downloads::prediction_url(&location.host, &location.path).unwrap();
    assert_eq!(url.scheme(), "https", "as the real service names it");
    let file = client.location().pgps(&location).await.unwrap();
    assert_eq!(file.len(), 6 * 512);
}
