//! Hostile servers against the client, on the wire with the recording test server: each test
//! is one attack of the adversarial pass (issue #18) and checks that it ends in a typed error
//! naming the limit, or a correct result, after a counted number of requests; never a panic,
//! a hang or unbounded memory. No test measures time: the hang guard is generous, and where
//! the code reads a clock it is an injected one.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nrfcloud::{Client, DeviceKey, Error, RetryPolicy, runtime::TimeSource};
use nrfcloud_testkit::{Recorder, Reply};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::{Value, json};

const API_KEY: &str = "hostile-test-api-key-0123456789";

/// No test here needs more than a few seconds; past this it is hanging.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Runs a test body; a hang fails the test instead of blocking CI.
async fn guarded<T>(body: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, body)
        .await
        .expect("the test hung past its guard")
}

fn api_key_client(server: &Recorder, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .retry(retry)
        .build()
        .unwrap()
}

fn account() -> Value {
    let spec: Value = serde_json::from_str(include_str!("../../../spec/openapi.json")).unwrap();
    spec["paths"]["/account"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}

fn device_pem(seed: u8) -> String {
    SigningKey::from_slice(&[seed; 32])
        .unwrap()
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap()
        .to_string()
}

/// The claims of a bearer JWT (not verified: the client tests do that).
fn claims(authorization: &str) -> Value {
    let token = authorization.strip_prefix("Bearer ").expect("a bearer");
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// #18.4: Retry-After arithmetic

#[tokio::test]
async fn retry_after_u64_max_after_a_slow_first_attempt() {
    guarded(async {
        let server = Recorder::start().await;
        // A first attempt slower than a second, so the elapsed time has whole seconds that an
        // unchecked `elapsed + Retry-After` would overflow with.
        server.then([
            Reply::empty(503)
                .header("retry-after", u64::MAX.to_string())
                .delayed(Duration::from_millis(1100)),
            Reply::json(200, account()),
        ]);
        let policy = RetryPolicy::standard().with_max_wait(Duration::from_millis(20));
        let client = api_key_client(&server, policy);
        let info = client
            .api()
            .fetch_account_info()
            .send()
            .await
            .expect("clamped to max_wait, then retried");
        assert!(!info.team.tenant_id.as_str().is_empty());
        assert_eq!(server.count(), 2);

        // With the default longest wait (30 s) and a budget that leaves less than that, the
        // answer is the 503 itself, after one request: no overflow, no sleep.
        server.then([Reply::empty(503)
            .header("retry-after", u64::MAX.to_string())
            .delayed(Duration::from_millis(1100))]);
        let client = api_key_client(
            &server,
            RetryPolicy::standard().with_max_elapsed(Duration::from_secs(5)),
        );
        let err = client.api().fetch_account_info().send().await.unwrap_err();
        assert_eq!(err.api().map(|a| a.status), Some(503), "{err:?}");
        assert_eq!(server.count(), 3);
    })
    .await;
}

#[tokio::test]
async fn retry_after_of_an_hour_is_clamped_to_the_policy_max_wait() {
    guarded(async {
        let server = Recorder::start().await;
        server.then([
            Reply::empty(503).header("retry-after", "3600"),
            Reply::empty(429).header("retry-after", "99999999999999999999999999"),
            Reply::json(200, account()),
        ]);
        let policy = RetryPolicy::standard()
            .with_max_wait(Duration::from_millis(10))
            .with_max_elapsed(Duration::from_secs(30));
        let client = api_key_client(&server, policy);
        client
            .api()
            .fetch_account_info()
            .send()
            .await
            .expect("each wait cut to 10 ms");
        assert_eq!(server.count(), 3);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// #18.9: a retry must not re-send an expired JWT

/// A clock that moves 3 s forward with every request the server has received: time passes
/// between attempts without sleeping.
struct RequestClock {
    server: Arc<Recorder>,
    start: SystemTime,
}

impl std::fmt::Debug for RequestClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestClock")
    }
}

impl TimeSource for RequestClock {
    fn now(&self) -> SystemTime {
        self.start + Duration::from_secs(3 * self.server.count() as u64)
    }
}

#[tokio::test]
async fn retry_after_a_503_resends_an_expired_device_jwt() {
    guarded(async {
        let server = Arc::new(Recorder::start().await);
        let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = Arc::new(RequestClock {
            server: server.clone(),
            start,
        });
        // Device tokens live 2 s; the 503 says to come back in 3 s (clamped to 10 ms here, so
        // the test does not wait), and the clock moves 3 s per request.
        let device =
            DeviceKey::with_lifetime("nrf-1", &device_pem(21), Duration::from_secs(2)).unwrap();
        server.then([
            Reply::empty(503).header("retry-after", "3"),
            Reply::empty(200).header("content-length", "1200"),
        ]);
        let client = Client::builder()
            .base_url(&server.base)
            .device_key(device.clone())
            .time_source(clock)
            .retry(RetryPolicy::standard().with_max_wait(Duration::from_millis(10)))
            .build()
            .unwrap();
        client
            .api()
            .get_assistance_data_size()
            .send()
            .await
            .expect("the retry succeeds");
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        let first = claims(requests[0].header("authorization"));
        let second = claims(requests[1].header("authorization"));
        let sent_at = start.duration_since(UNIX_EPOCH).unwrap().as_secs() + 3;
        assert!(
            first["exp"].as_u64().unwrap() < sent_at,
            "the first token has expired when the retry is sent: {first}"
        );
        assert!(
            second["exp"].as_u64().unwrap() > sent_at,
            "the retry carries a token valid when it is sent: {second}"
        );
        assert_eq!(
            second["iat"].as_u64(),
            Some(sent_at),
            "minted for the retry"
        );
        assert_eq!(nrfcloud::testing::mint_count(&device), 2);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// #18.16: 307/308 redirects that would re-send a body to another origin

fn onboarding_csv() -> String {
    // An onboarding token is exactly what must not reach another host.
    "deviceId,subType,tags,supportedFirmwareTypes,certificate,onboardingToken\n\
     nrf-1,,,,,secret-onboarding-token-1\n"
        .to_string()
}

async fn onboard(client: &Client) -> Result<String, Error> {
    use nrfcloud::types::RestApiPayloadContentTypeWithCsv as Ct;
    client
        .api()
        .onboard_devices()
        .content_type(Ct::ApplicationOctetStream)
        .body(onboarding_csv())
        .send()
        .await
        .map(|r| r.bulk_ops_request_id.to_string())
}

#[tokio::test]
async fn redirect_307_or_308_of_a_post_body_to_another_origin() {
    guarded(async {
        let api = Recorder::start().await;
        let elsewhere = Recorder::start().await;
        elsewhere.reply(Reply::json(
            202,
            json!({"bulkOpsRequestId": "01HZ0000000000000000000000"}),
        ));
        let client = api_key_client(&api, RetryPolicy::standard());
        for status in [307u16, 308] {
            api.then([Reply::empty(status).header(
                "location",
                format!("{}/v1/devices?X-Signature=abc", elsewhere.base),
            )]);
            let err = onboard(&client).await.unwrap_err();
            match &err {
                Error::CrossOriginRedirect {
                    operation,
                    status: s,
                    target,
                } => {
                    assert_eq!(*operation, "OnboardDevices");
                    assert_eq!(*s, status);
                    assert_eq!(*target, format!("{}/v1/devices", elsewhere.base));
                }
                other => panic!("{status}: {other:?}"),
            }
            assert!(err.to_string().contains(&elsewhere.base), "{err}");
            assert!(!err.is_retryable());
        }
        assert_eq!(elsewhere.count(), 0, "the body never left the API");
        assert_eq!(api.count(), 2, "one request each, no retry");

        // Within the API's origin a 307 is followed with its body.
        api.then([
            Reply::empty(307).header("location", format!("{}/v1/devices-moved", api.base)),
            Reply::json(
                202,
                json!({"bulkOpsRequestId": "01HZ0000000000000000000001"}),
            ),
        ]);
        let id = onboard(&client).await.expect("same-origin 307 followed");
        assert_eq!(id, "01HZ0000000000000000000001");
        let last = api.last();
        assert_eq!(last.path, "/v1/devices-moved");
        assert_eq!(last.body, onboarding_csv().as_bytes());
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// #18.18: endless or huge response headers

/// A server that answers every request (at most `connections` of them) with a status line,
/// then `headers` header lines of `line` (or until the client stops reading), then an empty
/// body. Returns its base URL and the number of connections it accepted.
async fn header_flood(
    headers: usize,
    line: &'static str,
    connections: usize,
) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                if socket.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                    return;
                }
                for _ in 0..headers {
                    if socket.write_all(line.as_bytes()).await.is_err() {
                        return; // the client gave up reading
                    }
                }
                let _ = socket.write_all(b"content-length: 0\r\n\r\n").await;
            });
        }
    });
    (base, accepted)
}

#[tokio::test]
async fn endless_response_headers_name_the_cause() {
    guarded(async {
        // 64 MiB of headers at most (the client stops long before): as good as endless.
        let (base, accepted) =
            header_flood(2 << 20, "x-flood: aaaaaaaaaaaaaaaaaaaaaaa\r\n", 8).await;
        let client = Client::builder()
            .base_url(&base)
            .api_key(API_KEY)
            .retry(RetryPolicy::standard())
            .build()
            .unwrap();
        let err = client.api().fetch_account_info().send().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::ResponseHeadTooLarge {
                    operation: "FetchAccountInfo"
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("headers are too large"), "{err}");
        assert!(!err.is_retryable());
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "not retried: the same answer would come again"
        );
    })
    .await;
}

#[tokio::test]
async fn too_many_response_headers_name_the_cause() {
    guarded(async {
        let (base, _) = header_flood(150, "x-h: 1\r\n", 4).await;
        let client = Client::builder()
            .base_url(&base)
            .api_key(API_KEY)
            .build()
            .unwrap();
        let err = client.api().fetch_account_info().send().await.unwrap_err();
        assert!(matches!(err, Error::ResponseHeadTooLarge { .. }), "{err:?}");

        // The setting raises it: 150 headers pass with a limit of 200.
        let (base, _) = header_flood(150, "x-h: 1\r\n", 4).await;
        let client = Client::builder()
            .base_url(&base)
            .api_key(API_KEY)
            .max_response_headers(200)
            .build()
            .unwrap();
        let err = client.api().fetch_account_info().send().await.unwrap_err();
        // Past the headers, the empty body is not an account: a decode error, not the head.
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// #18.14: endless pages

fn firmware_page(items: usize, token: &str) -> Reply {
    let items: Vec<Value> = (0..items)
        .map(|n| {
            json!({
                "bundleId": format!("APP*{n:08x}*v1.0.{n}"), "lastModified": "2024-01-01T00:00:00.000Z",
                "uris": [format!("https://firmware.example/{n}.bin")], "filenames": ["app.bin"],
                "version": format!("1.0.{n}"), "type": "APP", "size": 1024
            })
        })
        .collect();
    let total = items.len();
    Reply::json(
        200,
        json!({"items": items, "total": total, "pageNextToken": token}),
    )
}

#[tokio::test]
async fn endless_empty_pages_with_new_tokens() {
    guarded(async {
        use futures::StreamExt;
        use nrfcloud::pagination::DEFAULT_MAX_EMPTY_PAGES;
        let server = Recorder::start().await;
        // Far more empty pages, each with a new token, than the default allows; past them a
        // server error, which is what an unbounded client would end on.
        server.then((0..200).map(|i| firmware_page(0, &format!("token-{i}"))));
        server.reply(Reply::json(
            500,
            json!({"code": 50000, "message": "end of script"}),
        ));
        let client = api_key_client(&server, RetryPolicy::none());
        let results: Vec<_> = client
            .api()
            .list_firmware()
            .max_items(10)
            .pages()
            .collect()
            .await;
        let n = DEFAULT_MAX_EMPTY_PAGES as usize;
        assert_eq!(results.len(), n + 1, "{n} empty pages, then the error");
        assert!(
            results[..n]
                .iter()
                .all(|p| p.as_ref().unwrap().items.is_empty())
        );
        match &results[n] {
            Err(Error::LimitExceeded {
                operation: "ListFirmware",
                limit: nrfcloud::Limit::EmptyPages(max),
            }) => assert_eq!(*max, DEFAULT_MAX_EMPTY_PAGES),
            other => panic!("{other:?}"),
        }
        assert_eq!(server.count(), n, "no request past the limit");

        // The setting moves it.
        let before = server.count();
        let items: Vec<_> = client
            .api()
            .list_firmware()
            .max_empty_pages(3)
            .items()
            .collect()
            .await;
        assert!(matches!(
            items.as_slice(),
            [Err(Error::LimitExceeded {
                limit: nrfcloud::Limit::EmptyPages(3),
                ..
            })]
        ));
        assert_eq!(server.count() - before, 3);
    })
    .await;
}

#[tokio::test]
async fn endless_pages_stop_at_max_pages() {
    guarded(async {
        use futures::StreamExt;
        let server = Recorder::start().await;
        server.then((0..50).map(|i| firmware_page(2, &format!("t{i}"))));
        server.reply(Reply::json(
            500,
            json!({"code": 50000, "message": "end of script"}),
        ));
        let client = api_key_client(&server, RetryPolicy::none());
        let results: Vec<_> = client
            .api()
            .list_firmware()
            .max_pages(7)
            .pages()
            .collect()
            .await;
        assert_eq!(results.len(), 8);
        assert!(
            results[..7]
                .iter()
                .all(|p| p.as_ref().unwrap().items.len() == 2)
        );
        assert!(
            matches!(
                results[7],
                Err(Error::LimitExceeded {
                    limit: nrfcloud::Limit::Pages(7),
                    ..
                })
            ),
            "{:?}",
            results[7]
        );
        assert_eq!(server.count(), 7);
    })
    .await;
}

#[tokio::test]
async fn page_tokens_cycling_through_three_values() {
    guarded(async {
        use futures::StreamExt;
        let server = Recorder::start().await;
        server.then((0..30).map(|i| firmware_page(1, ["a", "b", "c"][i % 3])));
        let client = api_key_client(&server, RetryPolicy::none());
        let results: Vec<_> = client.api().list_firmware().pages().collect().await;
        assert_eq!(results.len(), 4, "a, b, c, then the repeat of a");
        assert!(
            matches!(&results[3], Err(Error::Decode { reason, .. }) if reason.contains("repeated"))
        );
        assert_eq!(server.count(), 4);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// #18.13: A-GNSS with 1-byte fragments

fn agnss_request() -> nrfcloud::types::GetAssistanceDataBody {
    serde_json::from_value(json!({"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712})).unwrap()
}

/// A HEAD announcing `total` bytes, then 1-byte 206 fragments, each exactly where asked.
fn one_byte_fragments(server: &Recorder, total: usize) {
    server.then(std::iter::once(
        Reply::empty(200).header("content-length", total.to_string()),
    ));
    server.then((0..total).map(|i| {
        Reply::bytes(206, "application/octet-stream", vec![(i % 251) as u8])
            .header("content-range", format!("bytes {i}-{i}/{total}"))
    }));
}

#[tokio::test]
async fn agnss_one_byte_fragments() {
    guarded(async {
        use nrfcloud::agnss::{AgnssDownload, DEFAULT_MIN_FRAGMENT_SIZE};
        let server = Recorder::start().await;
        one_byte_fragments(&server, 1000);
        let client = Client::builder()
            .base_url(&server.base)
            .jwt("test-jwt")
            .build()
            .unwrap();
        let err = client
            .location()
            .agnss(agnss_request(), AgnssDownload::new())
            .await
            .map(|data| data.len())
            .unwrap_err();
        let allowed = 1000u64.div_ceil(DEFAULT_MIN_FRAGMENT_SIZE);
        match &err {
            Error::LimitExceeded {
                operation: "GetAssistanceData",
                limit:
                    nrfcloud::Limit::AgnssRequests {
                        requests,
                        min_fragment,
                    },
            } => {
                assert_eq!(
                    (*requests, *min_fragment),
                    (allowed, DEFAULT_MIN_FRAGMENT_SIZE)
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("min_fragment_size"), "{err}");
        assert_eq!(
            server.count() as u64,
            1 + allowed,
            "the HEAD and {allowed} fragments"
        );

        // A server that sends what was asked is not affected: 1,000 bytes in fragments of
        // 100 are 10 requests (under 1,000 / 64 = 16).
        let server = Recorder::start().await;
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        server.then(std::iter::once(
            Reply::empty(200).header("content-length", "1000"),
        ));
        server.then((0..10).map(|k| {
            let (a, b) = (k * 100, k * 100 + 99);
            Reply::bytes(206, "application/octet-stream", data[a..=b].to_vec())
                .header("content-range", format!("bytes {a}-{b}/1000"))
        }));
        let client = Client::builder()
            .base_url(&server.base)
            .jwt("test-jwt")
            .build()
            .unwrap();
        let got = client
            .location()
            .agnss(agnss_request(), AgnssDownload::new().fragment_size(100))
            .await
            .unwrap();
        assert_eq!(got, data);
        assert_eq!(server.count(), 11);
    })
    .await;
}

/// A clock that moves 10 s forward with every request the server has received.
struct TenSecondsPerRequest {
    server: Arc<Recorder>,
    start: SystemTime,
}

impl std::fmt::Debug for TenSecondsPerRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TenSecondsPerRequest")
    }
}

impl TimeSource for TenSecondsPerRequest {
    fn now(&self) -> SystemTime {
        self.start + Duration::from_secs(10 * self.server.count() as u64)
    }
}

#[tokio::test]
async fn agnss_slow_fragments_past_the_deadline() {
    guarded(async {
        use nrfcloud::agnss::{AgnssDownload, DEFAULT_DEADLINE};
        let server = Arc::new(Recorder::start().await);
        one_byte_fragments(&server, 1000);
        let client = Client::builder()
            .base_url(&server.base)
            .jwt("test-jwt")
            .time_source(Arc::new(TenSecondsPerRequest {
                server: server.clone(),
                start: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            }))
            .build()
            .unwrap();
        // Every fragment is allowed (min_fragment_size 1), but each takes 10 s.
        let err = client
            .location()
            .agnss(agnss_request(), AgnssDownload::new().min_fragment_size(1))
            .await
            .map(|data| data.len())
            .unwrap_err();
        match &err {
            Error::LimitExceeded {
                operation: "GetAssistanceData",
                limit: nrfcloud::Limit::AgnssDeadline(d),
            } => assert_eq!(*d, DEFAULT_DEADLINE),
            other => panic!("{other:?}"),
        }
        // 60 s at 10 s a request: the HEAD and 5 fragments.
        assert_eq!(server.count(), 6);
    })
    .await;
}
