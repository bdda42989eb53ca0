//! Device JWTs the mock used to accept although JWT libraries refuse them (issue #18, item
//! 12), sent to the mock binary: no `exp`, an `exp` that is a string or `null`, a lifetime of
//! millennia, `iat` or `nbf` a day ahead. And the choices that stay lenient, as the service's
//! libraries are: high-S signatures, service-key JWTs without `exp`.

use std::time::Duration;

use nrfcloud_mock::test_support::KeyPair;
use nrfcloud_mock::{JwtRules, MAX_DEVICE_JWT_LIFETIME, MockConfig};
use p256::ecdsa::Signature;
use reqwest::Method;
use serde_json::{Value, json};

use crate::binary::MockProcess;
use crate::common::{Api, Resp, fast, quoted, send};

const DEVICE: &str = "nrf-352656100000000";

/// The mock binary with one device whose JWT key is `key` (registered through
/// RegisterPublicKeys).
async fn mock_with_device_key(key: &KeyPair) -> MockProcess {
    let mock = MockProcess::spawn(&["--devices", "1", "--bulk-delay-ms", "0"]).await;
    let r = send(
        mock.key(Method::POST, "/devices/public-keys")
            .header("content-type", "text/csv")
            .body(format!("{DEVICE},{}\n", quoted(&key.public_key_pem()))),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    for _ in 0..500 {
        let r = send(mock.key(Method::GET, &format!("/bulk-ops-requests/{id}"))).await;
        match r.json()["status"].as_str() {
            Some("SUCCEEDED") => return mock,
            Some("IN_PROGRESS" | "PENDING") => tokio::task::yield_now().await,
            other => panic!("the key registration ended {other:?}: {:?}", r.json()),
        }
    }
    panic!("the key registration did not complete");
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn fetch_device(mock: &MockProcess, jwt: &str) -> Resp {
    send(mock.bearer(Method::GET, &format!("/devices/{DEVICE}"), jwt)).await
}

/// Asserts 401 / 40100 with `words` in the message.
fn assert_refused(r: &Resp, words: &str) {
    assert_eq!((r.status, r.code()), (401, Some(40100)), "{:?}", r.json());
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains(words), "{message:?} should say {words:?}");
}

async fn refused_claims(claims: Value, words: &str) {
    let key = KeyPair::generate();
    let mock = mock_with_device_key(&key).await;
    let good = key.device_jwt(DEVICE, Duration::from_secs(300));
    assert_eq!(fetch_device(&mock, &good).await.status, 200);
    let r = fetch_device(&mock, &key.sign_jwt(&claims)).await;
    assert_refused(&r, words);
}

#[tokio::test]
async fn device_jwt_without_exp_is_refused() {
    refused_claims(
        json!({"sub": DEVICE, "iat": now()}),
        "must have an exp claim",
    )
    .await;
}

#[tokio::test]
async fn device_jwt_with_exp_as_the_string_zero_is_refused() {
    refused_claims(
        json!({"sub": DEVICE, "iat": now(), "exp": "0"}),
        "exp claim must be a number",
    )
    .await;
}

#[tokio::test]
async fn device_jwt_with_exp_null_is_refused() {
    refused_claims(
        json!({"sub": DEVICE, "iat": now(), "exp": null}),
        "exp claim must be a number",
    )
    .await;
}

#[tokio::test]
async fn device_jwt_expiring_in_the_year_5000_is_refused() {
    // 5000-01-01T00:00:00Z
    refused_claims(
        json!({"sub": DEVICE, "iat": now(), "exp": 95_617_584_000_i64}),
        "at most 604800 s",
    )
    .await;
}

#[tokio::test]
async fn device_jwt_without_iat_expiring_in_the_year_5000_is_refused() {
    refused_claims(
        json!({"sub": DEVICE, "exp": 95_617_584_000_i64}),
        "at most 604800 s",
    )
    .await;
}

#[tokio::test]
async fn device_jwt_issued_a_day_ahead_is_refused() {
    let ahead = now() + 86_400;
    refused_claims(
        json!({"sub": DEVICE, "iat": ahead, "exp": ahead + 3600}),
        "issued in the future",
    )
    .await;
}

#[tokio::test]
async fn device_jwt_not_valid_before_a_day_ahead_is_refused() {
    refused_claims(
        json!({"sub": DEVICE, "iat": now(), "nbf": now() + 86_400, "exp": now() + 3600}),
        "not valid yet",
    )
    .await;
}

#[tokio::test]
async fn device_jwt_with_nbf_as_a_string_is_refused() {
    refused_claims(
        json!({"sub": DEVICE, "iat": now(), "nbf": "0", "exp": now() + 3600}),
        "nbf claim must be a number",
    )
    .await;
}

/// The bounds are where they say: 7 days exactly, and a device clock up to the leeway ahead.
#[tokio::test]
async fn device_jwts_at_the_bounds_are_accepted() {
    let key = KeyPair::generate();
    let mock = mock_with_device_key(&key).await;
    let t = now();
    let week = MAX_DEVICE_JWT_LIFETIME.as_secs() as i64;
    for claims in [
        json!({"sub": DEVICE, "iat": t, "exp": t + week}),
        json!({"sub": DEVICE, "iat": t + 30, "nbf": t + 30, "exp": t + 3600}),
        json!({"sub": DEVICE, "exp": t + week}),
        json!({"sub": DEVICE, "iat": t as f64 + 0.5, "exp": t as f64 + 60.5}),
    ] {
        let r = fetch_device(&mock, &key.sign_jwt(&claims)).await;
        assert_eq!(r.status, 200, "{claims}: {:?}", r.json());
    }
}

/// A choice, documented in the mock's `jwt` module: a signature whose `s` is replaced by
/// `n − s` is as valid as the original for ECDSA over P-256, and the libraries the service
/// most likely verifies with (OpenSSL-based ones) accept it; so does the mock.
#[tokio::test]
async fn device_jwt_with_a_high_s_signature_is_accepted_as_jwt_libraries_do() {
    let key = KeyPair::generate();
    let mock = mock_with_device_key(&key).await;
    let token = key.device_jwt(DEVICE, Duration::from_secs(300));
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signature =
        Signature::from_slice(&base64::Engine::decode(&b64, signature).expect("base64"))
            .expect("a signature");
    let (r, s) = signature.split_scalars();
    let twin = Signature::from_scalars(r, -*s).expect("n − s is a valid scalar");
    assert_ne!(twin, signature);
    assert!(
        twin.normalize_s().is_some() || signature.normalize_s().is_some(),
        "one of the two is high-S"
    );
    let malleated = format!("{input}.{}", base64::Engine::encode(&b64, twin.to_bytes()));
    assert_eq!(fetch_device(&mock, &malleated).await.status, 200);
}

/// Service-key JWTs may omit `exp` (the service documents "an expiry of your choice") and
/// may live longer than 7 days (its own token is valid for a year), but a present `exp` must
/// still be a number.
#[tokio::test]
async fn service_key_jwts_need_no_exp_but_a_numeric_one_when_present() {
    let mock = MockProcess::spawn(&["--devices", "1"]).await;
    let r = send(mock.key(Method::POST, "/account/service-key-and-token")).await;
    assert_eq!(r.status, 200);
    let key = KeyPair::from_private_key_pem(r.json()["key"].as_str().expect("key")).expect("pem");
    let tenant = send(mock.key(Method::GET, "/account")).await.json()["team"]["tenantId"]
        .as_str()
        .expect("tenant")
        .to_owned();
    let path = format!("/devices/{DEVICE}");
    let no_exp = key.sign_jwt(&json!({"aud": tenant, "iat": now()}));
    assert_eq!(
        send(mock.bearer(Method::GET, &path, &no_exp)).await.status,
        200
    );
    let year = key.sign_jwt(&json!({"aud": tenant, "iat": now(), "exp": now() + 365 * 86_400}));
    assert_eq!(
        send(mock.bearer(Method::GET, &path, &year)).await.status,
        200
    );
    let string_exp = key.sign_jwt(&json!({"aud": tenant, "exp": "0"}));
    let r = send(mock.bearer(Method::GET, &path, &string_exp)).await;
    assert_refused(&r, "exp claim must be a number");
}

#[tokio::test]
async fn jwt_rules_are_settable() {
    let api = Api::with(MockConfig {
        jwt_rules: JwtRules {
            max_device_lifetime: Duration::from_secs(600),
            clock_leeway: Duration::ZERO,
        },
        ..fast(1)
    })
    .await;
    let key = api.server.state().device_key(DEVICE).expect("seeded key");
    let path = format!("/devices/{DEVICE}");
    let ok = key.device_jwt(DEVICE, Duration::from_secs(600));
    assert_eq!(send(api.bearer(Method::GET, &path, &ok)).await.status, 200);
    let long = key.device_jwt(DEVICE, Duration::from_secs(601));
    assert_refused(
        &send(api.bearer(Method::GET, &path, &long)).await,
        "at most 600 s",
    );
    let t = now();
    let ahead = key.sign_jwt(&json!({"sub": DEVICE, "iat": t + 5, "exp": t + 60}));
    assert_refused(
        &send(api.bearer(Method::GET, &path, &ahead)).await,
        "issued in the future",
    );
}
