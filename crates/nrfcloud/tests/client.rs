//! The wrapper against a local scripted server: credentials on the wire (JWT claims and
//! signatures verified), refresh, single mint, per-operation choice, every error variant,
//! every retry rule, and redaction.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nrfcloud::{
    CallOptions, Client, CredentialError, DeviceKey, Error, NrfCode, RetryPolicy, ServiceKey,
    runtime::TimeSource,
};
use nrfcloud_testkit::{Recorder, Reply};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey, signature::Verifier};
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::{Value, json};

const API_KEY: &str = "test-api-key-0123456789abcdef";

/// The documentation's FetchAccountInfo sample, as the spec holds it.
fn account() -> Value {
    let spec: Value = serde_json::from_str(include_str!("../../../spec/openapi.json")).unwrap();
    spec["paths"]["/account"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}

fn ground_fix() -> Value {
    json!({"lat": 63.42, "lon": 10.43, "uncertainty": 440, "fulfilledWith": "SCELL"})
}

fn key(seed: u8) -> (String, VerifyingKey) {
    let sk = SigningKey::from_slice(&[seed; 32]).unwrap();
    (
        sk.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        *sk.verifying_key(),
    )
}

/// Verifies an ES256 bearer token and returns its claims.
fn verified_claims(authorization: &str, vk: &VerifyingKey) -> Value {
    let token = authorization
        .strip_prefix("Bearer ")
        .expect("a bearer token");
    let parts: Vec<&str> = token.split('.').collect();
    let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    vk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .expect("signed by the matching key");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

#[derive(Debug)]
struct ManualClock(Mutex<SystemTime>);
impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

fn cells_body() -> nrfcloud::types::GetLocationFromCellsOrWifiNetworksBody {
    serde_json::from_value(json!({"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712}]}))
        .unwrap()
}

#[tokio::test]
async fn api_key_user_agent_and_prefix_on_the_wire() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, account()));
    let client = Client::builder()
        .base_url(format!("{}/nrfcloud/", server.base))
        .api_key(API_KEY)
        .build()
        .unwrap();
    let info = client.api().fetch_account_info().send().await.unwrap();
    assert_eq!(
        info.team.tenant_id.as_str(),
        "a5592ec1-18ae-4d9d-bc44-1d9bd927bbe9"
    );
    let r = server.last();
    assert_eq!(r.path, "/nrfcloud/v1/account");
    assert_eq!(r.header("authorization"), format!("Bearer {API_KEY}"));
    assert_eq!(
        r.header("user-agent"),
        concat!("nrfcloud-rs/", env!("CARGO_PKG_VERSION"))
    );
    assert!(r.headers.get("api-version").is_none());
}

#[tokio::test]
async fn each_operation_uses_a_credential_its_security_accepts() {
    let server = Recorder::start().await;
    let (pem, vk) = key(3);
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .device_key(DeviceKey::from_pem("nrf-352656100000001", &pem).unwrap())
        .build()
        .unwrap();
    server.reply(Reply::json(200, account()));
    client.api().fetch_account_info().send().await.unwrap();
    assert_eq!(
        server.last().header("authorization"),
        format!("Bearer {API_KEY}"),
        "Simple Token only"
    );

    server.reply(Reply::json(200, ground_fix()));
    client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap();
    let claims = verified_claims(server.last().header("authorization"), &vk);
    assert_eq!(claims["sub"], "nrf-352656100000001");
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 3600, "device tokens live one hour by default");

    server.reply(Reply::json(200, json!({"status": "ok"})));
    client.api().get_system_status().send().await.unwrap();
    assert!(
        server.last().headers.get("authorization").is_none(),
        "no auth declared, none sent"
    );

    // Declared without security upstream, but the service needs the API key (a fixup says so).
    server.reply(Reply::json(200, json!({"items": [], "total": 0})));
    client.api().get_location_history().send().await.unwrap();
    assert_eq!(
        server.last().header("authorization"),
        format!("Bearer {API_KEY}"),
        "the location history is sent with the API key"
    );
    server.reply(Reply::empty(202));
    client
        .api()
        .delete_location_history()
        .device_id("nrf-352656100000001")
        .id("bc631093-7f7c-4c1b-aa63-a68c759bcd5c")
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.last().header("authorization"),
        format!("Bearer {API_KEY}")
    );
}

#[tokio::test]
async fn service_key_tokens_carry_the_team_as_audience() {
    let server = Recorder::start().await;
    let (pem, vk) = key(5);
    let key = ServiceKey::from_pem("a5592ec1-18ae-4d9d-bc44-1d9bd927bbe9", &pem).unwrap();
    let client = Client::builder()
        .base_url(&server.base)
        .service_key(key)
        .build()
        .unwrap();
    server.reply(Reply::json(200, ground_fix()));
    client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap();
    let claims = verified_claims(server.last().header("authorization"), &vk);
    assert_eq!(claims["aud"], "a5592ec1-18ae-4d9d-bc44-1d9bd927bbe9");
    assert!(claims.get("sub").is_none());
}

#[tokio::test]
async fn tokens_are_refreshed_a_margin_before_expiry() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, ground_fix()));
    let (pem, vk) = key(9);
    let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let clock = Arc::new(ManualClock(Mutex::new(start)));
    let device = DeviceKey::from_pem("nrf-1", &pem)
        .unwrap()
        .with_refresh_margin(Duration::from_secs(300));
    let client = Client::builder()
        .base_url(&server.base)
        .device_key(device.clone())
        .time_source(clock.clone())
        .build()
        .unwrap();
    let call = || {
        client
            .api()
            .get_location_from_cells_or_wifi_networks()
            .body(cells_body())
            .send()
    };
    call().await.unwrap();
    let first = server.last().header("authorization").to_string();
    *clock.0.lock().unwrap() = start + Duration::from_secs(3600 - 301);
    call().await.unwrap();
    assert_eq!(
        server.last().header("authorization"),
        first,
        "reused while outside the margin"
    );
    *clock.0.lock().unwrap() = start + Duration::from_secs(3600 - 299);
    call().await.unwrap();
    let second = server.last().header("authorization").to_string();
    assert_ne!(second, first, "refreshed inside the margin");
    assert_eq!(
        verified_claims(&second, &vk)["iat"],
        1_800_000_000u64 + 3600 - 299
    );
    assert_eq!(nrfcloud::testing::mint_count(&device), 2);
}

#[tokio::test]
async fn a_keys_token_is_the_one_the_client_sends() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, ground_fix()));
    let (pem, vk) = key(10);
    let device = DeviceKey::from_pem("nrf-7", &pem).unwrap();
    let token = device.token().unwrap();
    let bearer = format!("Bearer {}", token.expose());
    assert_eq!(verified_claims(&bearer, &vk)["sub"], "nrf-7");
    let client = Client::builder()
        .base_url(&server.base)
        .device_key(device.clone())
        .build()
        .unwrap();
    client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.last().header("authorization"),
        bearer,
        "the cached token"
    );
    assert_eq!(nrfcloud::testing::mint_count(&device), 1);
}

#[tokio::test]
async fn a_thousand_concurrent_calls_mint_once() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, ground_fix()));
    let (pem, _) = key(11);
    let device = DeviceKey::from_pem("nrf-1", &pem).unwrap();
    let client = Client::builder()
        .base_url(&server.base)
        .device_key(device.clone())
        .build()
        .unwrap();
    let calls = (0..1000).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .api()
                .get_location_from_cells_or_wifi_networks()
                .body(cells_body())
                .send()
                .await
                .map(|_| ())
        })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
    assert_eq!(nrfcloud::testing::mint_count(&device), 1);
    let tokens: std::collections::HashSet<String> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").to_string())
        .collect();
    assert_eq!((server.count(), tokens.len()), (1000, 1));
}

#[tokio::test]
async fn missing_credentials_fail_before_sending() {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .build()
        .unwrap();
    let err = client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Credentials(CredentialError::Missing {
            operation,
            accepted,
        }) => {
            assert_eq!(*operation, "GetLocationFromCellsOrWifiNetworks");
            assert_eq!(
                accepted,
                &vec!["Service Evaluation Token", "JSON Web Token"]
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn bad_keys_and_base_urls_fail_at_construction() {
    assert!(matches!(
        DeviceKey::from_pem("d", "not a key"),
        Err(CredentialError::BadKey { .. })
    ));
    let (pem, vk) = key(1);
    let public = p256::pkcs8::EncodePublicKey::to_public_key_pem(&vk, LineEnding::LF).unwrap();
    let err = ServiceKey::from_pem("team", &public)
        .unwrap_err()
        .to_string();
    assert!(err.contains("public key was given"), "{err}");
    assert!(DeviceKey::from_pem("d", &pem).is_ok());
    let err = Client::builder()
        .base_url("ftp://example")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "base_url"),
        "{err}"
    );
    let err = Client::builder().api_key("a\nb").build().unwrap_err();
    assert!(
        matches!(err, Error::Credentials(CredentialError::BadToken { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn api_errors_keep_status_code_message_and_body() {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .build()
        .unwrap();
    server.reply(Reply::json(
        404,
        json!({"code": 40410, "message": "Device nrf-9 not found"}),
    ));
    let err = client
        .api()
        .fetch_device()
        .device_id("nrf-9")
        .send()
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(
        (api.status, api.code, api.message.as_deref()),
        (
            404,
            Some(NrfCode::EntityNotFound),
            Some("Device nrf-9 not found")
        )
    );
    assert!(err.is_not_found() && !err.is_retryable());

    server.reply(Reply::json(422, json!(["row 1: deviceId invalid"])));
    let csv = nrfcloud::types::RestApiPayloadContentTypeWithCsv::TextCsv;
    let err = client
        .api()
        .onboard_devices()
        .content_type(csv)
        .body("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.api().unwrap().message.as_deref(),
        Some("row 1: deviceId invalid")
    );

    server.reply(Reply::bytes(502, "text/html", "<html>bad gateway</html>"));
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert_eq!(err.api().unwrap().body, "<html>bad gateway</html>");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn decode_timeout_and_transport_errors_are_distinct() {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    server.reply(Reply::bytes(
        200,
        "application/json",
        "{\"mqttEndpoint\": 12",
    ));
    match client.api().fetch_account_info().send().await.unwrap_err() {
        Error::Decode {
            operation,
            status,
            excerpt,
            ..
        } => {
            assert_eq!((operation, status), ("FetchAccountInfo", Some(200)));
            assert!(excerpt.starts_with("{\"mqttEndpoint\""));
        }
        other => panic!("unexpected {other:?}"),
    }
    server.reply(Reply::json(200, account()).delayed(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "FetchAccountInfo"
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead = Client::builder()
        .base_url(format!("http://{closed}"))
        .api_key(API_KEY)
        .build()
        .unwrap();
    let err = dead.api().fetch_account_info().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // The message says why, down to the root cause, not only "error sending request".
    let text = err.to_string();
    assert!(
        text.starts_with("FetchAccountInfo: transport error: ")
            && text.to_lowercase().contains("connection refused"),
        "{text}"
    );
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::standard().with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

#[tokio::test]
async fn idempotent_calls_are_retried_on_transient_statuses() {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .retry(fast_retries())
        .build()
        .unwrap();
    server.then([
        Reply::empty(503),
        Reply::empty(502),
        Reply::json(200, account()),
    ]);
    client.api().fetch_account_info().send().await.unwrap();
    assert_eq!(server.count(), 3);

    server.reply(Reply::empty(504));
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert_eq!(err.api().unwrap().status, 504);
    assert_eq!(server.count(), 3 + 4, "max_attempts bounds the retries");
}

#[tokio::test]
async fn post_is_not_retried_unless_the_call_opts_in() {
    let server = Recorder::start().await;
    let (pem, _) = key(2);
    let client = Client::builder()
        .base_url(&server.base)
        .device_key(DeviceKey::from_pem("d", &pem).unwrap())
        .retry(fast_retries())
        .build()
        .unwrap();
    server.reply(Reply::json(200, ground_fix()));
    server.then([Reply::empty(503)]);
    let err = client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, 503);
    assert_eq!(server.count(), 1, "POST is not retried by default");
    let opts = CallOptions {
        retry_non_idempotent: true,
        ..Default::default()
    };
    server.then([Reply::empty(503)]);
    client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .with_options(opts)
        .send_response()
        .await
        .unwrap();
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured_and_quota_auth_validation_are_not_retried() {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .retry(fast_retries())
        .build()
        .unwrap();
    server.then([
        Reply::json(429, json!({"code": 42900, "message": "slow down"})).header("retry-after", "1"),
        Reply::json(200, account()),
    ]);
    let started = std::time::Instant::now();
    client.api().fetch_account_info().send().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited for Retry-After"
    );
    assert_eq!(server.count(), 2);

    for reply in [
        Reply::json(429, json!({"code": 40005, "message": "monthly limit"})),
        Reply::json(401, json!({"code": 40100, "message": "no"})),
        Reply::json(403, json!({"code": 40100, "message": "no"})),
        Reply::json(422, json!({"code": 42200, "message": "bad"})),
        Reply::json(400, json!({"code": 40000, "message": "bad"})),
    ] {
        let before = server.count();
        let status = reply.status;
        server.reply(reply);
        let err = client.api().fetch_account_info().send().await.unwrap_err();
        assert_eq!(err.api().unwrap().status, status);
        assert_eq!(server.count(), before + 1, "{status} is not retried");
        if status == 429 {
            assert_eq!(
                err.api().unwrap().code,
                Some(NrfCode::UsageLimitExceeded),
                "the body survives the peek"
            );
        }
    }
}

#[tokio::test]
async fn connection_errors_are_retried() {
    // A listener that accepts and immediately closes: every attempt fails before a response.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .api_key(API_KEY)
        .retry(fast_retries())
        .build()
        .unwrap();
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        4,
        "4 attempts"
    );
}

#[tokio::test]
async fn the_token_never_follows_a_redirect_to_another_host() {
    let api = Recorder::start().await;
    let elsewhere = Recorder::start().await;
    elsewhere.reply(Reply::json(200, account()));
    api.reply(Reply::empty(302).header("location", format!("{}/v1/account", elsewhere.base)));
    let client = Client::builder()
        .base_url(&api.base)
        .api_key(API_KEY)
        .build()
        .unwrap();
    client.api().fetch_account_info().send().await.unwrap();
    assert_eq!(
        api.last().header("authorization"),
        format!("Bearer {API_KEY}")
    );
    assert!(
        elsewhere.last().headers.get("authorization").is_none(),
        "stripped on the cross-origin redirect"
    );
}

/// Collects everything `tracing` writes.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process-wide log sink. A global subscriber (not a thread-local default) because
/// `tracing` caches per-callsite interest process-wide: a callsite first hit by a test thread
/// without a subscriber would stay disabled for a thread-local one.
fn logs() -> &'static Logs {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("only this test installs a subscriber");
        tracing::callsite::rebuild_interest_cache();
        logs
    })
}

#[tokio::test]
async fn no_secret_appears_in_debug_errors_or_logs() {
    let logs = logs();

    let server = Recorder::start().await;
    let (pem, _) = key(13);
    let device = DeviceKey::from_pem("nrf-1", &pem).unwrap();
    let jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    let eval = "evaluation-token-secret-value";
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .device_key(device.clone())
        .jwt(jwt)
        .evaluation_token(eval)
        .retry(
            RetryPolicy::standard()
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();

    server.reply(Reply::json(
        401,
        json!({"code": 40100, "message": "denied"}),
    ));
    server.then([Reply::empty(503)]);
    let e1 = client.api().fetch_account_info().send().await.unwrap_err();
    let device_only = Client::builder()
        .base_url(&server.base)
        .device_key(device.clone())
        .build()
        .unwrap();
    let e2 = device_only
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap_err();
    let minted = server
        .last()
        .header("authorization")
        .trim_start_matches("Bearer ")
        .to_string();
    assert_eq!(
        minted.split('.').count(),
        3,
        "a minted device JWT was really sent"
    );
    let no_eval = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .build()
        .unwrap();
    let e3 = no_eval
        .api()
        .get_assistance_data_size()
        .send()
        .await
        .unwrap_err();
    let e4 = DeviceKey::from_pem(
        "d",
        &pem.replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\n@@"),
    )
    .unwrap_err();
    let secrets = [
        API_KEY,
        jwt,
        eval,
        minted.as_str(),
        pem.lines().nth(1).unwrap(),
    ];

    let texts = [
        format!("{client:?}"),
        format!("{device:?}"),
        format!("{e1} {e1:?} {e2} {e2:?} {e3} {e3:?} {e4} {e4:?}"),
        String::from_utf8(logs.0.lock().unwrap().clone()).unwrap(),
    ];
    assert!(
        texts[3].contains("nrfcloud.request") && texts[3].contains("FetchAccountInfo"),
        "spans are logged: {}",
        texts[3]
    );
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
}
