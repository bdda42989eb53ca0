//! CSV onboarding and bulk-ops requests, OnboardDevice, AssociateDevice, DeleteDevice.

use nrfcloud_mock::test_support::{KeyPair, ownership_code};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Api, FAKE_CERT, fast, quoted, send, wait_bulk};

async fn post_csv(api: &Api, path: &str, content_type: &str, csv: String) -> crate::common::Resp {
    send(
        api.key(Method::POST, path)
            .header("content-type", content_type)
            .body(csv),
    )
    .await
}

#[tokio::test]
async fn header_rows_tokens_tags_and_firmware_types() {
    let api = Api::with(fast(0)).await;
    let pem = KeyPair::generate().certificate_pem("d1");
    let csv = format!(
        "deviceId,subType,tags,supportedFirmwareTypes,certificate,onboardingToken\n\
         d1,my-thing-type,tag1|tag2,APP|MODEM,{},\n\
         d2,my-thing-type,tag1,APP,,eyJhbGciOiJIUzI1NiJ9.token\n",
        quoted(&pem)
    );
    let r = post_csv(&api, "/devices", "text/plain;charset=UTF8", csv).await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(id.len(), 26);
    let first = send(api.key(Method::GET, &format!("/bulk-ops-requests/{id}")))
        .await
        .json();
    assert_eq!(first["status"], "IN_PROGRESS");
    assert_eq!(first["endpoint"], "ONBOARD_DEVICES");
    let done = wait_bulk(&api, &id).await;
    assert_eq!(done["status"], "SUCCEEDED");
    assert!(done.get("errorSummaryUrl").is_none());
    assert!(done["completedAt"].is_string());
    let uploaded = send(api.http.get(done["uploadedDataUrl"].as_str().expect("url"))).await;
    assert_eq!(uploaded.status, 200);
    let d1 = send(api.key(Method::GET, "/devices/d1")).await.json();
    assert_eq!(d1["tags"], json!(["tag1", "tag2"]));
    assert_eq!(d1["firmware"]["supports"], json!(["APP", "MODEM"]));
    assert_eq!(d1["subType"], "my-thing-type");
    assert_eq!(send(api.key(Method::GET, "/devices/d2")).await.status, 200);
}

#[tokio::test]
async fn bad_rows_fail_the_request_with_an_error_summary() {
    let api = Api::with(fast(0)).await;
    let csv = format!(
        "ok-1,,tag1,APP,{cert}\n\
         bad id!,,,,{cert}\n\
         ok-2,,bad tag!,,{cert}\n\
         ok-3,,,FLASH,{cert}\n\
         ok-1,,,,{cert}\n\
         ok-4,,,,\"-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\"\n\
         ok-5,,,\n",
        cert = quoted(FAKE_CERT)
    );
    let r = post_csv(&api, "/devices", "application/octet-stream", csv).await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    let done = wait_bulk(&api, &id).await;
    assert_eq!(done["status"], "FAILED");
    let url = done["errorSummaryUrl"].as_str().expect("errorSummaryUrl");
    let summary = send(api.http.get(url)).await;
    assert_eq!(summary.status, 200);
    let summary = summary.json();
    // The format Nordic's onboarding tool reads: "[<0-based data row>]: <message>".
    assert_eq!(
        summary
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect::<Vec<_>>()),
        Some(vec!["errors"])
    );
    let errors: Vec<&str> = summary["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e.as_str().expect("a string entry"))
        .collect();
    let rows: Vec<&str> = errors
        .iter()
        .map(|e| e.split_once("]: ").expect("[i]: message").0)
        .collect();
    assert_eq!(rows, vec!["[1", "[2", "[3", "[4", "[5", "[6"]);
    assert!(errors[1].contains("bad tag!"), "{}", errors[1]);
    // The good row was applied.
    assert_eq!(api.server.state().device_count(), 1);
    assert!(api.server.state().device("ok-1").is_some());
}

#[tokio::test]
async fn whole_request_problems_are_422() {
    let api = Api::with(fast(0)).await;
    let r = post_csv(&api, "/devices", "text/csv", String::new()).await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    let r = post_csv(
        &api,
        "/devices",
        "text/csv",
        "deviceId,colour\nx,red\n".into(),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    let many: String = (0..1001)
        .map(|i| format!("d{i},,,,{}\n", quoted(FAKE_CERT)))
        .collect();
    let r = post_csv(&api, "/devices", "text/csv", many).await;
    assert_eq!(r.status, 422);
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("1000")
    );
    let r = post_csv(
        &api,
        "/devices",
        "application/json",
        format!("d1,,,,{}\n", quoted(FAKE_CERT)),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("content-type")
    );
    let r = post_csv(
        &api,
        "/devices/public-keys",
        "text/csv",
        "deviceId,keyPem\n".into(),
    )
    .await;
    assert_eq!(r.status, 422);
    let exactly: String = (0..1000)
        .map(|i| format!("d{i},,,,{}\n", quoted(FAKE_CERT)))
        .collect();
    let r = post_csv(&api, "/devices", "text/csv", exactly).await;
    assert_eq!(r.status, 202);
}

#[tokio::test]
async fn certificates_need_onboarded_devices() {
    let api = Api::with(fast(1)).await;
    let csv = format!(
        "nrf-352656100000000,{c}\nunknown-device,{c}\n",
        c = quoted(&KeyPair::generate().certificate_pem("x"))
    );
    let r = post_csv(&api, "/devices/certificates", "text/plain", csv).await;
    assert_eq!(r.status, 202);
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    let done = wait_bulk(&api, &id).await;
    assert_eq!(done["status"], "FAILED");
    assert_eq!(done["endpoint"], "REGISTER_CERTIFICATES");
    let summary = send(api.http.get(done["errorSummaryUrl"].as_str().expect("url")))
        .await
        .json();
    let entry = summary["errors"][0].as_str().expect("a string entry");
    assert!(entry.starts_with("[1]: "), "the second data row: {entry}");
    assert!(entry.contains("unknown-device"), "{entry}");
    let list = send(api.key(Method::GET, "/bulk-ops-requests?status=FAILED"))
        .await
        .json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let r = send(api.key(Method::GET, "/bulk-ops-requests?status=DONE")).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn onboard_one_associate_and_delete() {
    let api = Api::with(fast(0)).await;
    let pem = KeyPair::generate().certificate_pem("single");
    let body = json!({"certificate": pem, "tags": ["a"], "supportedFirmwareTypes": ["APP"]});
    let r = send(api.key(Method::POST, "/devices/single").json(&body)).await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let r = send(api.key(Method::POST, "/devices/single").json(&body)).await;
    assert_eq!(r.status, 400);
    let r = send(
        api.key(Method::POST, "/devices/other")
            .json(&json!({"tags": []})),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("body.certificate")
    );

    let nordic = "nrf-123456789012345";
    let r = send(
        api.key(Method::PUT, &format!("/association/{nordic}"))
            .header("content-type", "text/plain")
            .body("000000x"),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, Some(40102)));
    let r = send(
        api.key(Method::PUT, "/association/not-nordic")
            .header("content-type", "text/plain")
            .body("123456"),
    )
    .await;
    assert_eq!((r.status, r.code()), (404, Some(40411)));
    let r = send(
        api.key(
            Method::PUT,
            &format!("/association/{nordic}?subType=tracker"),
        )
        .header("content-type", "text/plain")
        .body(ownership_code(nordic)),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let device: Value = send(api.key(Method::GET, &format!("/devices/{nordic}")))
        .await
        .json();
    assert_eq!(device["subType"], "tracker");

    let r = send(api.key(Method::DELETE, &format!("/devices/{nordic}"))).await;
    assert_eq!(r.status, 202);
    let r = send(api.key(Method::DELETE, &format!("/devices/{nordic}"))).await;
    assert_eq!((r.status, r.code()), (404, Some(40414)));
    let r = send(api.key(Method::GET, &format!("/devices/{nordic}"))).await;
    assert_eq!((r.status, r.code()), (404, Some(40410)));
    let r = send(api.key(Method::GET, "/devices/BAD%20ID")).await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
}

#[tokio::test]
async fn mqtt_team_devices_get_real_certificates() {
    let api = Api::with(fast(0)).await;
    let r = send(api.key(Method::POST, "/devices/mqtt-team")).await;
    assert_eq!(r.status, 201);
    let created = r.json();
    let id = created["clientId"].as_str().expect("clientId").to_owned();
    assert!(
        created["clientCert"]
            .as_str()
            .expect("cert")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        created["caCert"]
            .as_str()
            .expect("ca")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let key_pem = created["privateKey"].as_str().expect("key");
    assert!(KeyPair::from_private_key_pem(key_pem).is_ok());
    let r = send(api.key(Method::GET, &format!("/devices/mqtt-team/{id}"))).await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("privateKey").is_none());
    let r = send(api.key(Method::PATCH, &format!("/devices/mqtt-team/{id}"))).await;
    assert_eq!(r.status, 201);
    assert_ne!(r.json()["clientCert"], created["clientCert"]);
    assert_eq!(
        send(api.key(Method::DELETE, &format!("/devices/mqtt-team/{id}")))
            .await
            .status,
        202
    );
    assert_eq!(
        send(api.key(Method::GET, &format!("/devices/mqtt-team/{id}")))
            .await
            .status,
        404
    );
}

/// Nordic's location-services test suite, run against the real service, registers an ES256
/// public key for a brand-new device id (a random UUID), expects the bulk-ops request to end
/// SUCCEEDED, then calls location services with that device's JWT. The device is not listed
/// among the team's devices, since it was never onboarded.
#[tokio::test]
async fn public_keys_for_devices_never_onboarded() {
    let api = Api::with(fast(1)).await;
    let device = "3f2c1a9e-6b4d-4e8f-9a7c-1d2e3f4a5b6c";
    let key = KeyPair::generate();
    let r = post_csv(
        &api,
        "/devices/public-keys",
        "text/csv",
        format!("{device},{}\n", quoted(&key.public_key_pem())),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    let done = wait_bulk(&api, &id).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert!(done.get("errorSummaryUrl").is_none());

    let jwt = key.device_jwt(device, std::time::Duration::from_secs(600));
    let r = send(api.bearer(
        Method::GET,
        "/location/pgps?predictionCount=6&predictionIntervalMinutes=120",
        &jwt,
    ))
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    assert!(r.json()["host"].is_string() && r.json()["path"].is_string());
    let r = send(
        api.bearer(Method::POST, "/location/ground-fix", &jwt)
            .json(&json!({"lte": [{"mcc": 244, "mnc": 91, "tac": 4099, "eci": 36078631}]})),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    // Another key for the same id does not sign for it.
    let forged = KeyPair::generate().device_jwt(device, std::time::Duration::from_secs(600));
    let r = send(
        api.bearer(Method::POST, "/location/ground-fix", &forged)
            .json(&json!({"lte": [{"mcc": 244, "mnc": 91, "tac": 4099, "eci": 36078631}]})),
    )
    .await;
    assert_eq!((r.status, r.code()), (401, Some(40100)));

    // Not an onboarded device: not listed, not fetched.
    assert_eq!(api.server.state().device_count(), 1);
    let r = send(api.key(Method::GET, &format!("/devices/{device}"))).await;
    assert_eq!(r.status, 404, "{:?}", r.json());
    let listed = send(api.key(Method::GET, "/devices?pageLimit=100"))
        .await
        .json();
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|d| d["id"] != device)
    );

    // Onboarded later (with a token, no key of its own), it keeps the registered key.
    let r = post_csv(
        &api,
        "/devices",
        "text/csv",
        format!("deviceId,onboardingToken\n{device},tok-123\n"),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let id = r.json()["bulkOpsRequestId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(wait_bulk(&api, &id).await["status"], "SUCCEEDED");
    let r = send(api.bearer(Method::GET, &format!("/devices/{device}"), &jwt)).await;
    assert_eq!(r.status, 200, "{:?}", r.json());
}

/// OnboardDevice's second modality: "device certificates or a provisioning token", sent by
/// Nordic's nRF93M onboarding script as `{onboardingToken, subType, tags,
/// supportedFirmwareTypes}` (the name of the OnboardDevices CSV column).
#[tokio::test]
async fn onboard_one_device_with_a_provisioning_token() {
    let api = Api::with(fast(0)).await;
    let device = "988234bd-a066-a101-656e-684d6f5adad6";
    let r = send(
        api.key(Method::POST, &format!("/devices/{device}"))
            .json(&json!({
                "onboardingToken": "eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnQiOiJ0In0.c2ln",
                "subType": "nRF93M1",
                "tags": ["nRF93M1-EK"],
                "supportedFirmwareTypes": ["MODEM"]
            })),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let fetched = send(api.key(Method::GET, &format!("/devices/{device}")))
        .await
        .json();
    assert_eq!(fetched["id"], device);
    assert_eq!(fetched["subType"], "nRF93M1");
    assert_eq!(fetched["tags"], json!(["nRF93M1-EK"]));
    assert_eq!(fetched["firmware"]["supports"], json!(["MODEM"]));

    // Both credentials, or neither: a 422 naming them; a token of the wrong type too.
    let pem = KeyPair::generate().certificate_pem("both");
    for (body, needle) in [
        (
            json!({"certificate": pem, "onboardingToken": "t"}),
            "not both",
        ),
        (json!({"tags": ["a"]}), "body.certificate"),
        (json!({"onboardingToken": ""}), "onboardingToken"),
        (json!({"onboardingToken": 42}), "onboardingToken"),
    ] {
        let r = send(api.key(Method::POST, "/devices/other-device").json(&body)).await;
        assert_eq!((r.status, r.code()), (422, Some(42200)), "{body}");
        let message = r.json()["message"].as_str().expect("message").to_owned();
        assert!(message.contains(needle), "{body}: {message}");
    }
    assert_eq!(api.server.state().device_count(), 1);
}
