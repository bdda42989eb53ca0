//! OnboardDevice through the wrapper: a certificate or a provisioning token (the
//! documentation's two modalities; Nordic's nRF93M script sends the token as
//! `onboardingToken`), checked by the same rules as the OnboardDevices CSV rows before anything
//! is sent; on the wire against a recording server, and end to end against the mock.

use nrfcloud::onboarding::{DeviceCredential, OnboardingRow, onboarding_csv};
use nrfcloud::{Client, Error};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::{Value, json};

const API_KEY: &str = "test-api-key-0123456789abcdef";
const DEVICE: &str = "988234bd-a066-a101-656e-684d6f5adad6";
const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnQiOiJ0In0.c2lnbmF0dXJl";

fn client(base: &str, key: &str) -> Client {
    Client::builder()
        .base_url(base)
        .api_key(key)
        .build()
        .unwrap()
}

fn token_row() -> OnboardingRow {
    OnboardingRow::new(DEVICE, DeviceCredential::OnboardingToken(TOKEN.into()))
        .sub_type("nRF93M1")
        .tags(["nRF93M1-EK"])
        .firmware_types(["MODEM"])
}

fn certificate() -> String {
    nrfcloud_mock::test_support::KeyPair::from_seed(b"one").certificate_pem(DEVICE)
}

#[tokio::test]
async fn a_token_goes_out_as_onboarding_token() {
    let server = Recorder::start().await;
    let client = client(&server.base, API_KEY);
    server.reply(Reply::empty(202));
    client.onboarding().device(&token_row()).await.unwrap();
    let r = server.last();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("/v1/devices/{DEVICE}"));
    assert_eq!(r.header("authorization"), format!("Bearer {API_KEY}"));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({
            "onboardingToken": TOKEN,
            "subType": "nRF93M1",
            "tags": ["nRF93M1-EK"],
            "supportedFirmwareTypes": ["MODEM"]
        })
    );
}

#[tokio::test]
async fn a_certificate_goes_out_as_certificate() {
    let server = Recorder::start().await;
    let client = client(&server.base, API_KEY);
    server.reply(Reply::empty(202));
    let pem = certificate();
    let row = OnboardingRow::new(
        "dev-1",
        DeviceCredential::Certificate(pem.trim().to_owned()),
    );
    client.onboarding().device(&row).await.unwrap();
    let body: Value = serde_json::from_slice(&server.last().body).unwrap();
    assert_eq!(
        body,
        json!({"certificate": pem}),
        "the PEM ends in a line break"
    );
}

/// The same rules as the CSV's `onboardingToken` column: what the CSV writer refuses,
/// OnboardDevice refuses too, naming the same field, and nothing is sent.
#[tokio::test]
async fn bad_rows_fail_before_sending_with_the_csv_rules() {
    let server = Recorder::start().await;
    let client = client(&server.base, API_KEY);
    let bad = [
        (
            OnboardingRow::new(
                DEVICE,
                DeviceCredential::OnboardingToken("two words".into()),
            ),
            "onboardingToken",
        ),
        (
            OnboardingRow::new(DEVICE, DeviceCredential::OnboardingToken(String::new())),
            "onboardingToken",
        ),
        (
            OnboardingRow::new(DEVICE, DeviceCredential::OnboardingToken("x".repeat(8193))),
            "onboardingToken",
        ),
        (
            OnboardingRow::new("bad id!", DeviceCredential::OnboardingToken(TOKEN.into())),
            "deviceId",
        ),
        (
            token_row().firmware_types(["FLASH"]),
            "supportedFirmwareTypes[0]",
        ),
        (
            OnboardingRow::new(DEVICE, DeviceCredential::Certificate("not a pem".into())),
            "certificate",
        ),
    ];
    for (row, field) in bad {
        let e = client.onboarding().device(&row).await.unwrap_err();
        match &e {
            Error::InvalidInput { field: f, .. } => assert_eq!(f, field, "{e}"),
            other => panic!("{other:?}"),
        }
        let csv = onboarding_csv(std::slice::from_ref(&row)).unwrap_err();
        match &csv {
            Error::InvalidInput { field: f, .. } => assert_eq!(f, &format!("rows[0].{field}")),
            other => panic!("{other:?}"),
        }
    }
    let pem = nrfcloud_mock::test_support::KeyPair::from_seed(b"one").public_key_pem();
    let public = OnboardingRow::new(DEVICE, DeviceCredential::PublicKey(pem));
    let e = client.onboarding().device(&public).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "credential"),
        "{e:?}"
    );
    assert_eq!(server.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn onboards_with_a_token_against_the_mock() {
    let server = nrfcloud_mock::MockServer::start_with(nrfcloud_mock::MockConfig {
        devices: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = client(server.base_url(), server.api_key());
    client.onboarding().device(&token_row()).await.unwrap();
    let device = server.state().device(DEVICE).expect("onboarded");
    assert_eq!(device["subType"], "nRF93M1");
    assert_eq!(device["tags"], json!(["nRF93M1-EK"]));
    let again = client.onboarding().device(&token_row()).await.unwrap_err();
    assert_eq!(again.api().map(|a| a.status), Some(400), "{again:?}");

    let row = OnboardingRow::new("dev-cert", DeviceCredential::Certificate(certificate()));
    client.onboarding().device(&row).await.unwrap();
    assert_eq!(server.state().device_count(), 2);
}
