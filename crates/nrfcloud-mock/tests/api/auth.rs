//! Credentials: API key, device JWTs (registered keys and certificates), service-key JWTs and
//! evaluation tokens, each accepted only where the spec's security lists it.

use std::time::Duration;

use nrfcloud_mock::test_support::KeyPair;
use reqwest::Method;
use serde_json::json;

use crate::common::{Api, fast, quoted, send, wait_bulk};

const DEVICE: &str = "nrf-352656100000000";
const OTHER: &str = "nrf-352656100000001";
const WIFI: &str = r#"{"wifi":{"accessPoints":[{"macAddress":"40:01:7a:c9:10:22"},{"macAddress":"80:e0:1d:2a:92:f2"}]}}"#;

#[tokio::test]
async fn missing_and_garbage_credentials_are_401() {
    let api = Api::with(fast(1)).await;
    let r = send(api.req(Method::GET, "/account")).await;
    assert_eq!((r.status, r.code()), (401, Some(40100)));
    let r = send(api.bearer(Method::GET, "/account", "not-the-key")).await;
    assert_eq!((r.status, r.code()), (401, Some(40100)));
    let r = send(
        api.req(Method::GET, "/account")
            .header("authorization", "Basic abc"),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = send(api.key(Method::GET, "/account")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["team"]["tenantId"], api.server.tenant_id());
}

#[tokio::test]
async fn device_jwts_are_verified_against_the_registered_key() {
    let api = Api::with(fast(2)).await;
    let key = api.server.state().device_key(DEVICE).expect("seeded key");
    let jwt = key.device_jwt(DEVICE, Duration::from_secs(300));
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &jwt)).await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    // Its own device only.
    let r = send(api.bearer(Method::GET, &format!("/devices/{OTHER}"), &jwt)).await;
    assert_eq!((r.status, r.code()), (403, Some(40100)));
    // Signed by another key.
    let forged = KeyPair::generate().device_jwt(DEVICE, Duration::from_secs(300));
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &forged)).await;
    assert_eq!((r.status, r.code()), (401, Some(40100)));
    // Expired.
    let expired = key.sign_jwt(&json!({"sub": DEVICE, "iat": 1, "exp": 2}));
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &expired)).await;
    assert_eq!(r.status, 401);
    // A device JWT is no API key.
    let r = send(api.bearer(Method::GET, "/devices", &jwt)).await;
    assert_eq!((r.status, r.code()), (403, Some(40100)));
    // Location services take device JWTs but not the API key.
    let r = send(
        api.bearer(Method::POST, "/location/ground-fix", &jwt)
            .header("content-type", "application/json")
            .body(WIFI),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert_eq!(r.json()["fulfilledWith"], "WIFI");
    let r = send(
        api.key(Method::POST, "/location/ground-fix")
            .header("content-type", "application/json")
            .body(WIFI),
    )
    .await;
    assert_eq!((r.status, r.code()), (403, Some(40100)));
}

#[tokio::test]
async fn keys_from_onboarded_certificates_and_registered_public_keys() {
    let api = Api::with(fast(0)).await;
    let cert_key = KeyPair::generate();
    let csv = format!(
        "dev-a,,,APP,{}\n",
        quoted(&cert_key.certificate_pem("dev-a"))
    );
    let r = send(
        api.key(Method::POST, "/devices")
            .header("content-type", "text/csv")
            .body(csv),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(wait_bulk(&api, &id).await["status"], "SUCCEEDED");
    let jwt = cert_key.device_jwt("dev-a", Duration::from_secs(60));
    let r = send(api.bearer(Method::GET, "/devices/dev-a", &jwt)).await;
    assert_eq!(r.status, 200);

    // A dedicated JWT key replaces the certificate's key.
    let jwt_key = KeyPair::generate();
    let csv = format!("dev-a,{}\n", quoted(&jwt_key.public_key_pem()));
    let r = send(
        api.key(Method::POST, "/devices/public-keys")
            .header("content-type", "application/octet-stream")
            .body(csv),
    )
    .await;
    assert_eq!(r.status, 202);
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(wait_bulk(&api, &id).await["status"], "SUCCEEDED");
    let r = send(api.bearer(Method::GET, "/devices/dev-a", &jwt)).await;
    assert_eq!(r.status, 401);
    let jwt = jwt_key.device_jwt("dev-a", Duration::from_secs(60));
    let r = send(api.bearer(Method::GET, "/devices/dev-a", &jwt)).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn service_key_jwts_use_the_team_id_as_audience() {
    let api = Api::with(fast(1)).await;
    let r = send(api.key(Method::POST, "/account/service-key-and-token")).await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let token = body["token"].as_str().expect("token").to_owned();
    let pem = body["key"].as_str().expect("key").to_owned();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let r = send(
        api.bearer(Method::POST, "/location/ground-fix", &token)
            .header("x-custom-device-id", "my-device")
            .body(WIFI),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &token)).await;
    assert_eq!(r.status, 200);
    // The private key mints more tokens.
    let key = KeyPair::from_private_key_pem(&pem).expect("pem parses");
    let own = key.service_jwt(api.server.tenant_id(), Duration::from_secs(60));
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &own)).await;
    assert_eq!(r.status, 200);
    let stranger = KeyPair::generate().service_jwt(api.server.tenant_id(), Duration::from_secs(60));
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &stranger)).await;
    assert_eq!(r.status, 401);
    let r = send(api.key(Method::GET, "/account/service-token")).await;
    assert_eq!(r.json()["token"], token.as_str());
    // A new key invalidates the old tokens.
    let r = send(api.key(Method::POST, "/account/service-key-and-token")).await;
    assert_eq!(r.status, 200);
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &own)).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn evaluation_tokens_work_for_location_services_only() {
    let api = Api::with(fast(1)).await;
    let r = send(api.key(Method::GET, "/account/service-evaluation-token")).await;
    assert_eq!((r.status, r.code()), (404, Some(40410)));
    let r = send(api.key(Method::POST, "/account/service-evaluation-token")).await;
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().expect("token").to_owned();
    let r = send(
        api.bearer(Method::POST, "/location/ground-fix", &token)
            .body(WIFI),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["fulfilledWith"], "WIFI_EVAL");
    let r = send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &token)).await;
    assert_eq!((r.status, r.code()), (403, Some(40100)));
    let r = send(api.key(Method::GET, "/account/service-evaluation-token")).await;
    assert_eq!(r.json()["token"], token.as_str());
}

/// The document declares no security on the location history, but its curl examples all send
/// the API key ("† Requires admin privileges" for all devices): the mock asks for it, on both
/// operations, and refuses a device's JWT.
#[tokio::test]
async fn location_history_needs_the_api_key() {
    let api = Api::with(fast(2)).await;
    let r = send(api.req(Method::GET, "/location/history")).await;
    assert_eq!((r.status, r.code()), (401, Some(40100)), "{:?}", r.json());
    let r = send(api.bearer(Method::GET, "/location/history", "not-the-key")).await;
    assert_eq!((r.status, r.code()), (401, Some(40100)));
    let r = send(api.key(Method::GET, "/location/history")).await;
    assert_eq!(r.status, 200);
    let items = r.json()["items"].as_array().expect("items").clone();
    assert!(!items.is_empty());
    let device = items[0]["deviceId"].as_str().expect("deviceId").to_owned();
    let id = items[0]["id"].as_str().expect("id").to_owned();
    let path = format!("/location/history/{device}/{id}");

    let r = send(api.req(Method::DELETE, &path)).await;
    assert_eq!((r.status, r.code()), (401, Some(40100)));
    let key = KeyPair::generate();
    let csv = format!("{device},{}\n", quoted(&key.public_key_pem()));
    let r = send(
        api.key(Method::POST, "/devices/public-keys")
            .header("content-type", "text/csv")
            .body(csv),
    )
    .await;
    assert_eq!(r.status, 202);
    let bulk = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(wait_bulk(&api, &bulk).await["status"], "SUCCEEDED");
    let jwt = key.device_jwt(&device, Duration::from_secs(600));
    let r = send(api.bearer(Method::DELETE, &path, &jwt)).await;
    assert_eq!(
        (r.status, r.code()),
        (403, Some(40100)),
        "a device JWT is not the API key"
    );
    let r = send(api.key(Method::DELETE, &path)).await;
    assert_eq!(r.status, 202);
}
