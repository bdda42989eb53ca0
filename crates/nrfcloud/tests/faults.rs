//! Fault injection against the local mock nRF Cloud (its fault knobs): every fault ends in a
//! typed error or a successful retry, with a known number of requests and within a bound on
//! time, never a panic, a hang or a wrong result. Each test body runs under a hang guard.
//!
//! The cases: a connection reset before the body, and in the middle of it; a truncated JSON
//! body; invalid JSON; 500, 502, 503, 504; 429 with `Retry-After`; a response slower than the
//! timeout; a page token that repeats; an empty 200; a body far larger than expected (announced
//! by `Content-Length`, or chunked); a JWT that expires in the middle of a long pagination.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use nrfcloud::{Client, DeviceKey, Error, NrfCode, RetryPolicy, runtime::TimeSource};
use nrfcloud_mock::{Fault, FaultRule, MockConfig, MockServer, Trigger, Truncation};

/// No test here takes more than a few seconds; past this it is hanging.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// Runs a test body; a hang fails the test instead of blocking CI.
async fn guarded(body: impl Future<Output = ()>) {
    tokio::time::timeout(HANG_GUARD, body)
        .await
        .expect("the test hung past its guard");
}

async fn mock(devices: usize) -> MockServer {
    MockServer::start_with(MockConfig {
        devices,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

/// Small backoffs: 4 attempts, waits of at most 20 ms.
fn retries() -> RetryPolicy {
    RetryPolicy::standard().with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .api_key(server.api_key())
        .timeout(Duration::from_secs(10))
        .retry(retry)
        .build()
        .expect("client builds")
}

/// The kind of the I/O error under a transport error, if any (e.g. `ConnectionReset`).
fn io_error_kind(err: &Error) -> Option<std::io::ErrorKind> {
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = e.source();
    }
    None
}

async fn account(client: &Client) -> Result<nrfcloud::types::FetchAccountInfoResponse, Error> {
    client.api().fetch_account_info().send().await
}

#[tokio::test]
async fn connection_reset_before_the_body() {
    guarded(async {
        let server = mock(0).await;
        let faults = server.faults();
        let plain = client(&server, RetryPolicy::none());
        let retrying = client(&server, retries());
        let started = Instant::now();

        // A TCP reset instead of an answer: a retryable transport error after one request...
        faults.reset_next(1);
        let err = account(&plain).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Transport {
                    operation: "FetchAccountInfo",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            io_error_kind(&err),
            Some(std::io::ErrorKind::ConnectionReset),
            "a real RST: {err:?}"
        );
        assert!(err.is_retryable());
        assert_eq!(faults.requests(), 1);
        // ...and, with a retry policy, a success on the second attempt.
        faults.reset_next(1);
        let info = account(&retrying).await.expect("retried after the reset");
        assert_eq!(info.team.tenant_id.as_str(), server.tenant_id());
        assert_eq!(faults.requests(), 3);

        // The same with a connection closed (FIN) without an answer.
        faults.drop_next(1);
        let err = account(&plain).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert_eq!(faults.requests(), 4);
        faults.drop_next(1);
        account(&retrying).await.expect("retried after the close");
        assert_eq!(faults.requests(), 6);
        assert_eq!(faults.injected(), 4);
        assert!(started.elapsed() < Duration::from_secs(5));
    })
    .await;
}

#[tokio::test]
async fn connection_reset_in_the_middle_of_the_body() {
    guarded(async {
        let server = mock(0).await;
        let faults = server.faults();
        // Retries are on, but the status line was a 200: the broken body is reported, once.
        let client = client(&server, retries());
        let started = Instant::now();
        for (n, (how, io_kind)) in [
            (Truncation::Reset, std::io::ErrorKind::ConnectionReset),
            (Truncation::ShortBody, std::io::ErrorKind::UnexpectedEof),
        ]
        .into_iter()
        .enumerate()
        {
            faults.truncate_next(1, how);
            let err = account(&client).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Transport {
                        operation: "FetchAccountInfo",
                        ..
                    }
                ),
                "{how:?}: {err:?}"
            );
            assert_eq!(io_error_kind(&err), Some(io_kind), "{how:?}: {err:?}");
            assert_eq!(faults.requests(), 2 * n as u64 + 1, "{how:?}: not retried");
            account(&client).await.expect("the next call is unaffected");
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    })
    .await;
}

#[tokio::test]
async fn truncated_json_body() {
    guarded(async {
        let server = mock(0).await;
        let client = client(&server, retries());
        server.faults().truncate_next(1, Truncation::CutJson);
        let err = account(&client).await.unwrap_err();
        // The status of the response that did not decode is kept and said.
        assert!(
            err.to_string()
                .starts_with("FetchAccountInfo: cannot decode the response (HTTP 200): "),
            "{err}"
        );
        match err {
            Error::Decode {
                operation,
                status,
                reason,
                excerpt,
            } => {
                assert_eq!((operation, status), ("FetchAccountInfo", Some(200)));
                assert!(!reason.starts_with("HTTP"), "{reason}");
                assert!(reason.contains("line 1 column"), "{reason}");
                assert!(excerpt.starts_with('{'), "{excerpt}");
            }
            other => panic!("expected Decode, got {other:?}"),
        }
        assert_eq!(
            server.faults().requests(),
            1,
            "a decode error is not retried"
        );
    })
    .await;
}

#[tokio::test]
async fn invalid_json_body() {
    guarded(async {
        let server = mock(0).await;
        let client = client(&server, retries());
        server.faults().inject_next(1, Fault::NotJson);
        match account(&client).await.unwrap_err() {
            Error::Decode {
                operation, excerpt, ..
            } => {
                assert_eq!(operation, "FetchAccountInfo");
                assert!(excerpt.starts_with("<!DOCTYPE html>"), "{excerpt}");
            }
            other => panic!("expected Decode, got {other:?}"),
        }
        assert_eq!(server.faults().requests(), 1);
    })
    .await;
}

#[tokio::test]
async fn status_500_is_an_api_error_without_retries() {
    guarded(async {
        let server = mock(0).await;
        let client = client(&server, retries());
        server.faults().fail_next(1, 500);
        let err = account(&client).await.unwrap_err();
        let api = err.api().expect("an API error");
        assert_eq!(
            (api.operation, api.status, api.code),
            ("FetchAccountInfo", 500, Some(NrfCode::Unknown(50000)))
        );
        assert!(!err.is_retryable());
        assert_eq!(server.faults().requests(), 1, "500 is not retried");
        account(&client).await.expect("the fault was used up");
    })
    .await;
}

/// Two failures then a success: 3 requests; then more failures than attempts: the API error
/// after exactly 4 requests.
async fn transient_status_is_retried(status: u16) {
    let server = mock(0).await;
    let faults = server.faults();
    let client = client(&server, retries());
    let started = Instant::now();
    faults.fail_next(2, status);
    account(&client)
        .await
        .expect("succeeds on the third attempt");
    assert_eq!(faults.requests(), 3);

    faults.fail_next(5, status);
    let err = account(&client).await.unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(
        (api.status, api.code),
        (status, Some(NrfCode::Unknown(u32::from(status) * 100)))
    );
    assert!(err.is_retryable());
    assert_eq!(faults.requests(), 3 + 4, "max_attempts bounds the retries");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn status_502_is_retried() {
    guarded(transient_status_is_retried(502)).await;
}

#[tokio::test]
async fn status_503_is_retried() {
    guarded(transient_status_is_retried(503)).await;
}

#[tokio::test]
async fn status_504_is_retried() {
    guarded(transient_status_is_retried(504)).await;
}

#[tokio::test]
async fn status_429_with_retry_after_is_waited_out() {
    guarded(async {
        let server = mock(0).await;
        let faults = server.faults();
        let plain = client(&server, RetryPolicy::none());
        faults.rate_limit_next(1, 1);
        let err = account(&plain).await.unwrap_err();
        let api = err.api().expect("an API error");
        assert_eq!((api.status, api.code), (429, Some(NrfCode::Unknown(42900))));
        assert!(err.is_retryable(), "not the monthly quota (40005)");
        assert_eq!(faults.requests(), 1);

        let retrying = client(&server, retries());
        faults.rate_limit_next(1, 1);
        let started = Instant::now();
        account(&retrying)
            .await
            .expect("succeeds after Retry-After");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(950),
            "Retry-After: 1 honoured, not the 20 ms backoff: {waited:?}"
        );
        assert!(waited < Duration::from_secs(1 + 2), "{waited:?}");
        assert_eq!(faults.requests(), 3);
    })
    .await;
}

#[tokio::test]
async fn response_slower_than_the_timeout() {
    guarded(async {
        let server = mock(0).await;
        let faults = server.faults();
        let timeout = Duration::from_millis(500);
        let client = Client::builder()
            .base_url(server.base_url())
            .api_key(server.api_key())
            .timeout(timeout)
            .retry(retries())
            .build()
            .expect("client builds");
        faults.set_latency(Duration::from_secs(20));
        let started = Instant::now();
        let err = account(&client).await.unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(
                err,
                Error::Timeout {
                    operation: "FetchAccountInfo"
                }
            ),
            "{err:?}"
        );
        // One definition of retryable: the client does not retry a timeout (the server may
        // still be working on it), and `is_retryable` says the same.
        assert!(!err.is_retryable(), "a timeout is not retryable");
        assert!(
            took >= timeout && took < timeout + Duration::from_secs(2),
            "{took:?}"
        );
        assert_eq!(faults.requests(), 1, "a timeout is not retried");
        faults.set_latency(Duration::ZERO);
        account(&client).await.expect("answers in time again");
    })
    .await;
}

#[tokio::test]
async fn page_token_that_repeats() {
    guarded(async {
        let server = mock(3).await;
        server.faults().add(FaultRule {
            fault: Fault::RepeatPageToken,
            trigger: Trigger::Always,
            path_prefix: Some("/v1/devices".into()),
        });
        let client = client(&server, retries());
        let results: Vec<_> = client
            .api()
            .list_devices()
            .page_limit(1)
            .pages()
            .collect()
            .await;
        assert_eq!(results.len(), 2, "page 1, then the error; no loop");
        assert_eq!(results[0].as_ref().expect("page 1").items.len(), 1);
        match &results[1] {
            Err(Error::Decode {
                operation, reason, ..
            }) => {
                assert_eq!(*operation, "ListDevices");
                assert!(reason.contains("repeated a page token"), "{reason}");
            }
            other => panic!("expected Decode, got {other:?}"),
        }
        assert_eq!(server.faults().requests(), 2);
    })
    .await;
}

#[tokio::test]
async fn empty_200_where_json_is_expected() {
    guarded(async {
        let server = mock(0).await;
        let client = client(&server, retries());
        server.faults().inject_next(1, Fault::EmptyBody);
        match account(&client).await.unwrap_err() {
            Error::Decode {
                operation,
                excerpt,
                reason,
                ..
            } => {
                assert_eq!(operation, "FetchAccountInfo");
                assert_eq!(excerpt, "");
                assert!(reason.contains("EOF"), "{reason}");
            }
            other => panic!("expected Decode, got {other:?}"),
        }
        assert_eq!(server.faults().requests(), 1);
    })
    .await;
}

const MIB: u64 = 1024 * 1024;
/// What the server may have pushed into socket buffers before the client gave up: far below
/// the 200 MB body.
const BUFFERED: u64 = 32 * MIB;

async fn oversized_body(chunked: bool) {
    let server = mock(0).await;
    let faults = server.faults();
    let client = Client::builder()
        .base_url(server.base_url())
        .api_key(server.api_key())
        .max_response_bytes(MIB)
        .retry(retries())
        .build()
        .expect("client builds");
    let started = Instant::now();
    faults.inject_next(
        1,
        Fault::Oversized {
            bytes: 200_000_000,
            chunked,
        },
    );
    let err = account(&client).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                operation: "FetchAccountInfo",
                status: 200,
                limit: MIB,
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(faults.requests(), 1);
    // The server stops generating once the client has hung up.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = faults.oversized_bytes_sent();
    assert!(
        sent < BUFFERED,
        "{sent} bytes of 200 MB were generated before the client gave up"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    account(&client)
        .await
        .expect("a normal answer is within the limit");

    // The default limit (8 MiB) holds too.
    let default = self::client(&server, RetryPolicy::none());
    faults.inject_next(
        1,
        Fault::Oversized {
            bytes: 200_000_000,
            chunked,
        },
    );
    let err = account(&default).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge { limit, .. } if limit == nrfcloud::DEFAULT_MAX_RESPONSE_BYTES
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn body_far_larger_than_expected_with_content_length() {
    guarded(oversized_body(false)).await;
}

#[tokio::test]
async fn body_far_larger_than_expected_chunked() {
    guarded(oversized_body(true)).await;
}

#[derive(Debug)]
struct ManualClock(Mutex<SystemTime>);

impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// 20 pages, one item each, while 25 s pass per page on the client's clock and, by the same
/// skew, on the server's, which checks every JWT's signature and `exp`. Tokens live 60 s, so
/// each one expires two or three pages after it was minted: a client that kept its first
/// token would be refused from the third page on.
#[tokio::test]
async fn jwt_expiring_in_the_middle_of_a_long_pagination() {
    guarded(async {
        let server = mock(1).await;
        let device_id = server.state().device_ids()[0].clone();
        let pem = server
            .state()
            .device_key(&device_id)
            .expect("the seeded device has a key")
            .private_key_pem();
        let key = DeviceKey::with_lifetime(&device_id, &pem, Duration::from_secs(60))
            .expect("a valid key");
        let start = SystemTime::now();
        let clock = Arc::new(ManualClock(Mutex::new(start)));
        let client = Client::builder()
            .base_url(server.base_url())
            .device_key(key.clone())
            .time_source(clock.clone())
            .build()
            .expect("client builds");
        for i in 0..20 {
            let body: nrfcloud::types::LocationContribution =
                serde_json::from_value(serde_json::json!({
                    "contributions": [],
                    "position": {"lat": 63.4 + f64::from(i) / 100.0, "lon": 10.4, "uncertainty": 30}
                }))
                .expect("a valid contribution");
            client
                .api()
                .contribute_location_data()
                .body(body)
                .send()
                .await
                .expect("contributed");
        }
        assert_eq!(nrfcloud::testing::mint_count(&key), 1);

        let step = Duration::from_secs(25);
        let mut pages = client.api().get_contributions().page_limit(1).pages();
        let (mut served, mut items) = (0u32, 0usize);
        while let Some(page) = pages.next().await {
            let page = page.unwrap_or_else(|e| {
                panic!("page {served}: refused although the token should be fresh: {e}")
            });
            served += 1;
            items += page.items.len();
            // The single-threaded runtime runs the prefetch of the next page only at the next
            // await: it is minted and checked 25 s later on both clocks.
            *clock.0.lock().unwrap_or_else(|p| p.into_inner()) = start + step * served;
            server.faults().set_clock_skew(step * served);
        }
        assert_eq!((served, items), (20, 20));
        // Minted at 0 s (used for the uploads and pages 1-2), then every other page: 50 s,
        // 100 s, … 450 s.
        assert_eq!(nrfcloud::testing::mint_count(&key), 10);
        assert_eq!(server.faults().requests(), 20 + 20);

        // The server does refuse an expired token: two minutes further on its clock only.
        server
            .faults()
            .set_clock_skew(step * served + Duration::from_secs(120));
        let err = client
            .api()
            .get_contributions()
            .pages()
            .next()
            .await
            .expect("one result")
            .unwrap_err();
        let api = err.api().expect("an API error");
        assert_eq!((api.status, api.code), (401, Some(NrfCode::AccessDenied)));
        assert!(
            api.message
                .as_deref()
                .unwrap_or_default()
                .contains("expired"),
            "{api:?}"
        );
    })
    .await;
}
