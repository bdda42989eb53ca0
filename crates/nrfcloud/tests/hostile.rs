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
use nrfcloud::{Client, DeviceKey, RetryPolicy, jwt::Clock};
use nrfcloud_testkit::{Recorder, Reply};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::Value;

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
            .execute(|api| api.fetch_account_info())
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
        let err = client
            .execute(|api| api.fetch_account_info())
            .await
            .unwrap_err();
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
            .execute(|api| api.fetch_account_info())
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

impl Clock for RequestClock {
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
            .clock(clock)
            .retry(RetryPolicy::standard().with_max_wait(Duration::from_millis(10)))
            .build()
            .unwrap();
        client
            .execute(|api| api.get_assistance_data_size())
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
        assert_eq!(device.minter().mint_count(), 2);
    })
    .await;
}
