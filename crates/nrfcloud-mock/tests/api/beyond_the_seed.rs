//! Operations beyond the seed documentation (invoices, usage, system status, DissociateDevice,
//! CreateDeviceCertificate, Bluetooth LE, anchors, contributions): routed, guarded, and doing
//! what they say.

use std::time::Duration;

use nrfcloud_mock::MockServer;
use nrfcloud_mock::test_support::{KeyPair, ownership_code};
use reqwest::Method;
use serde_json::json;

use crate::common::{Api, client, fast, send};

const DEVICE: &str = "nrf-352656100000000";
const UUID: &str = "bc631093-7f7c-4c1b-aa63-a68c759bcd5c";

#[tokio::test]
async fn extra_operations_are_routed_and_guarded() {
    let api = Api::with(fast(1)).await;
    let simple = ["Simple Token"];
    let location = ["JSON Web Token"];
    let ops: Vec<(Method, String, &[&str])> = vec![
        (Method::GET, "/account/invoices".into(), &simple),
        (
            Method::GET,
            "/account/usage?inclusiveStart=2024-01&exclusiveEnd=2024-02".into(),
            &simple,
        ),
        (Method::GET, "/account/usage/summary".into(), &simple),
        (Method::DELETE, format!("/association/{DEVICE}"), &simple),
        (
            Method::POST,
            format!("/devices/{DEVICE}/certificates"),
            &simple,
        ),
        (
            Method::GET,
            format!("/devices/{DEVICE}/characteristics/c1"),
            &simple,
        ),
        (
            Method::PUT,
            format!("/devices/{DEVICE}/characteristics/c1"),
            &simple,
        ),
        (
            Method::GET,
            format!("/devices/{DEVICE}/characteristics/c1/descriptors/d1"),
            &simple,
        ),
        (
            Method::PUT,
            format!("/devices/{DEVICE}/characteristics/c1/descriptors/d1"),
            &simple,
        ),
        (Method::POST, format!("/devices/{DEVICE}/scan"), &simple),
        (
            Method::POST,
            format!("/devices/{DEVICE}/discover/p1"),
            &simple,
        ),
        (Method::PUT, format!("/devices/{DEVICE}/p1"), &simple),
        (Method::GET, "/location/anchors".into(), &simple),
        (Method::POST, "/location/anchors".into(), &simple),
        (
            Method::GET,
            "/location/anchors/40:01:7a:c9:10:22".into(),
            &simple,
        ),
        (
            Method::PATCH,
            "/location/anchors/40:01:7a:c9:10:22".into(),
            &simple,
        ),
        (
            Method::DELETE,
            "/location/anchors/40:01:7a:c9:10:22".into(),
            &simple,
        ),
        (Method::GET, "/location/contribute".into(), &location),
        (Method::POST, "/location/contribute".into(), &location),
        (
            Method::DELETE,
            format!("/location/contribute/{UUID}"),
            &location,
        ),
        (Method::GET, "/status".into(), &[]),
    ];
    assert_eq!(ops.len(), 21);
    for (method, path, schemes) in ops {
        let anonymous = send(api.req(method.clone(), &path)).await;
        assert!(
            ![404, 405].contains(&anonymous.status) || anonymous.code() == Some(40410),
            "{method} {path}: {}",
            anonymous.status
        );
        if schemes.is_empty() {
            assert_eq!(anonymous.status, 200, "{method} {path}");
        } else {
            assert_eq!(anonymous.status, 401, "{method} {path}");
            let with_key = send(api.key(method.clone(), &path)).await;
            let expected_refusal = !schemes.contains(&"Simple Token");
            assert_eq!(
                with_key.status == 403,
                expected_refusal,
                "{method} {path}: {}",
                with_key.status
            );
        }
    }
}

#[tokio::test]
async fn extra_operations_behave() {
    let api = Api::with(fast(2)).await;
    // Anchors.
    let anchor =
        json!({"macAddress": "40:01:7a:c9:10:22", "lat": 63.4, "lon": 10.4, "name": "lobby"});
    assert_eq!(
        send(api.key(Method::POST, "/location/anchors").json(&anchor))
            .await
            .status,
        202
    );
    assert_eq!(
        send(api.key(Method::POST, "/location/anchors").json(&anchor))
            .await
            .status,
        400
    );
    let r = send(
        api.key(Method::PATCH, "/location/anchors/40-01-7A-C9-10-22")
            .json(&json!({"name": "hall"})),
    )
    .await;
    assert_eq!(r.status, 202);
    let r = send(api.key(Method::GET, "/location/anchors/40:01:7a:c9:10:22")).await;
    assert_eq!(r.json()["name"], "hall");
    assert_eq!(
        send(api.key(Method::GET, "/location/anchors")).await.json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        send(api.key(Method::DELETE, "/location/anchors/40:01:7a:c9:10:22"))
            .await
            .status,
        202
    );
    assert_eq!(
        send(api.key(Method::GET, "/location/anchors/40:01:7a:c9:10:22"))
            .await
            .status,
        404
    );
    // Contributions.
    let jwt = api
        .server
        .state()
        .device_key(DEVICE)
        .expect("key")
        .device_jwt(DEVICE, Duration::from_secs(60));
    let contribution = json!({
        "contributions": [{"wifi": [{"macAddress": "40:01:7a:c9:10:22", "observedAt": "2024-01-01T00:00:00Z"}]}],
        "position": {"lat": 63.4, "lon": 10.4, "uncertainty": 5},
    });
    let r = send(
        api.bearer(Method::POST, "/location/contribute", &jwt)
            .json(&contribution),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let list = send(api.bearer(Method::GET, "/location/contribute", &jwt))
        .await
        .json();
    assert_eq!(list["items"][0]["id"], id.as_str());
    let r = send(
        api.bearer(Method::POST, "/location/contribute", &jwt)
            .json(&json!({"contributions": []})),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        send(api.bearer(Method::DELETE, &format!("/location/contribute/{id}"), &jwt))
            .await
            .status,
        202
    );
    // Certificates from the mock's CA.
    let r = send(
        api.key(Method::POST, &format!("/devices/{DEVICE}/certificates"))
            .header("content-type", "text/plain")
            .body("123456"),
    )
    .await;
    assert_eq!(r.status, 201);
    let key =
        KeyPair::from_private_key_pem(r.json()["privateKey"].as_str().expect("key")).expect("pem");
    let jwt = key.device_jwt(DEVICE, Duration::from_secs(60));
    assert_eq!(
        send(api.bearer(Method::GET, &format!("/devices/{DEVICE}"), &jwt))
            .await
            .status,
        200
    );
    // BLE values.
    let path = format!("/devices/{DEVICE}/characteristics/2a19");
    assert_eq!(send(api.key(Method::GET, &path)).await.status, 404);
    assert_eq!(
        send(api.key(Method::PUT, &path).json(&json!([1, 2, 3])))
            .await
            .status,
        202
    );
    assert_eq!(
        send(api.key(Method::GET, &path)).await.json(),
        json!([1.0, 2.0, 3.0])
    );
    assert_eq!(
        send(api.key(Method::PUT, &format!("/devices/{DEVICE}/p1")))
            .await
            .status,
        204
    );
    let r = send(
        api.key(Method::POST, &format!("/devices/{DEVICE}/scan"))
            .json(&json!({"scanTimeout": 0})),
    )
    .await;
    assert_eq!(r.status, 422);
    // Dissociation only undoes an association.
    let r = send(api.key(Method::DELETE, &format!("/association/{DEVICE}"))).await;
    assert_eq!((r.status, r.code()), (400, Some(40002)));
    let nordic = "nrf-111111111111111";
    let r = send(
        api.key(Method::PUT, &format!("/association/{nordic}"))
            .header("content-type", "text/plain")
            .body(ownership_code(nordic)),
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(
        send(api.key(Method::DELETE, &format!("/association/{nordic}")))
            .await
            .status,
        202
    );
    let r = send(api.key(Method::DELETE, &format!("/association/{nordic}"))).await;
    assert_eq!((r.status, r.code()), (404, Some(40413)));
    // Usage.
    let summary = send(api.key(Method::GET, "/account/usage/summary"))
        .await
        .json();
    assert_eq!(summary["currentDevices"]["total"], 2);
    let r = send(api.key(Method::GET, "/account/usage")).await;
    assert_eq!(
        r.status, 422,
        "inclusiveStart and exclusiveEnd are required"
    );
}

#[tokio::test]
async fn servers_stop_on_drop_and_on_shutdown() {
    let http = client();
    let server = MockServer::start().await.expect("starts");
    let url = format!("{}/health", server.base_url());
    assert!(http.get(&url).send().await.is_ok());
    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        http.get(&url).send().await.is_err(),
        "no longer listening after drop"
    );

    let server = MockServer::start().await.expect("starts");
    let url = format!("{}/health", server.base_url());
    assert!(http.get(&url).send().await.is_ok());
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown finishes");
    assert!(http.get(&url).send().await.is_err());
}
