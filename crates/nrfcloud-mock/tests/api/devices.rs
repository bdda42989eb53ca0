//! Devices: filters, name, tags, image, state with If-Match, and the pluggable `transform`.

use nrfcloud_mock::MockConfig;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Api, fast, send};

const DEVICE: &str = "nrf-352656100000000";

#[tokio::test]
async fn state_updates_merge_and_if_match_rejects_stale_versions() {
    let api = Api::with(fast(1)).await;
    let device = send(api.key(Method::GET, &format!("/devices/{DEVICE}")))
        .await
        .json();
    let version = device["$meta"]["version"].as_u64().expect("version");
    assert_eq!(device["state"]["version"].as_u64(), Some(version));
    let patch =
        json!({"desired": {"config": {"gnss": true}}, "reported": {"config": {"gnss": false}}});
    let r = send(
        api.key(Method::PATCH, &format!("/devices/{DEVICE}/state"))
            .header("if-match", version.to_string())
            .json(&patch),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let device = send(api.key(Method::GET, &format!("/devices/{DEVICE}")))
        .await
        .json();
    assert_eq!(device["$meta"]["version"].as_u64(), Some(version + 1));
    assert_eq!(device["state"]["delta"], json!({"config": {"gnss": true}}));
    assert_eq!(
        device["state"]["reported"]["connected"], true,
        "earlier state kept"
    );
    assert!(device["state"]["metadata"]["reported"]["config"]["gnss"]["timestamp"].is_i64());
    // The old version is stale now.
    let r = send(
        api.key(Method::PATCH, &format!("/devices/{DEVICE}/state"))
            .header("if-match", version.to_string())
            .json(&patch),
    )
    .await;
    assert_eq!((r.status, r.code()), (412, Some(41200)));
    // Without If-Match it goes through.
    let r = send(
        api.key(Method::PATCH, &format!("/devices/{DEVICE}/state"))
            .json(&json!({"reported": {"config": {"gnss": true}}})),
    )
    .await;
    assert_eq!(r.status, 202);
    let device = send(api.key(Method::GET, &format!("/devices/{DEVICE}")))
        .await
        .json();
    assert!(device["state"].get("delta").is_none());
    let r = send(
        api.key(Method::PATCH, &format!("/devices/{DEVICE}/state"))
            .json(&json!({"desired": 5})),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("body.desired")
    );
}

#[tokio::test]
async fn name_tags_image_and_filters() {
    let api = Api::with(fast(4)).await;
    let r = send(
        api.key(Method::PUT, &format!("/devices/{DEVICE}/name"))
            .json(&"kitchen-sensor"),
    )
    .await;
    assert_eq!(r.status, 202);
    let r = send(
        api.key(Method::PUT, &format!("/devices/{DEVICE}/name"))
            .header("content-type", "text/plain")
            .body("bad name"),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        api.key(Method::PUT, &format!("/devices/{DEVICE}/tags"))
            .json(&json!(["kitchen", "even"])),
    )
    .await;
    assert_eq!(r.status, 202);
    let r = send(api.key(
        Method::PUT,
        &format!("/devices/{DEVICE}/image?sourceUrl=https://example.com/a.png"),
    ))
    .await;
    assert_eq!(r.status, 202);
    let device = send(api.key(Method::GET, &format!("/devices/{DEVICE}")))
        .await
        .json();
    assert_eq!(device["name"], "kitchen-sensor");
    assert_eq!(device["image"], "https://example.com/a.png");
    assert_eq!(
        send(api.key(Method::DELETE, &format!("/devices/{DEVICE}/image")))
            .await
            .status,
        202
    );

    let ids = |body: Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("items in {body}"))
            .iter()
            .map(|d| d["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let r = send(api.key(Method::GET, "/devices?tags=kitchen")).await;
    assert_eq!(ids(r.json()), vec![DEVICE]);
    let r = send(api.key(Method::GET, "/devices?deviceNameFuzzy=KITCHEN")).await;
    assert_eq!(ids(r.json()), vec![DEVICE]);
    let r = send(api.key(Method::GET, "/devices?tags=odd")).await;
    assert_eq!(ids(r.json()).len(), 2);
    let r = send(api.key(
        Method::GET,
        "/devices?deviceIds=nrf-352656100000001,nrf-352656100000003",
    ))
    .await;
    assert_eq!(ids(r.json()).len(), 2);
    let r = send(api.key(Method::GET, "/devices?firmwareSupportExclude=APP")).await;
    assert!(ids(r.json()).is_empty());
    let r = send(api.key(Method::GET, "/devices?firmwareSupport=FLASH")).await;
    assert_eq!(r.status, 422);
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("firmwareSupport")
    );
    let r = send(api.key(Method::GET, "/devices?includeState=true&pageLimit=1")).await;
    assert!(r.json()["items"][0]["state"].is_object());
    let r = send(api.key(Method::GET, "/devices?pageLimit=1")).await;
    assert!(r.json()["items"][0].get("state").is_none());
    let tags = send(api.key(Method::GET, "/account/tags")).await.json();
    assert!(
        tags["items"]
            .as_array()
            .expect("items")
            .contains(&json!("kitchen"))
    );
}

#[tokio::test]
async fn transform_uses_the_jsonata_engine_and_can_be_switched_off() {
    let api = Api::with(MockConfig {
        transform: None,
        ..fast(2)
    })
    .await;
    let r = send(
        api.key(Method::GET, "/devices")
            .query(&[("transform", "id")]),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("transform")
    );

    // The default engine is the project's JSONata engine.
    let api = Api::with(fast(2)).await;
    let r = send(
        api.key(Method::GET, "/devices")
            .query(&[("transform", "id")]),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["items"],
        json!(["nrf-352656100000000", "nrf-352656100000001"])
    );
    let r = send(
        api.key(Method::GET, "/devices")
            .query(&[("transform", "{ \"id\": id, \"type\": type }")]),
    )
    .await;
    assert_eq!(
        r.json()["items"][0],
        json!({"id": "nrf-352656100000000", "type": "Generic"})
    );
    let r = send(
        api.key(Method::GET, &format!("/devices/{DEVICE}"))
            .query(&[("transform", "id")]),
    )
    .await;
    assert_eq!(r.json(), json!(DEVICE));
    let r = send(
        api.key(Method::GET, "/devices")
            .query(&[("transform", "$nope(")]),
    )
    .await;
    assert_eq!(r.status, 422);
}

/// A device name sent as a JSON array is the wrong type ("must be a string"), not a string
/// that breaks the name pattern.
#[tokio::test]
async fn a_device_name_must_be_a_json_string() {
    let api = Api::with(fast(1)).await;
    let r = send(
        api.key(Method::PUT, &format!("/devices/{DEVICE}/name"))
            .json(&json!(["kitchen-sensor"])),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    let message = r.json()["message"].as_str().expect("message").to_owned();
    assert!(message.contains("body must be a string"), "{message}");
    assert!(!message.contains("pattern"), "{message}");
}

/// Seeding tells its progress (issue #19.7): every `SEED_PROGRESS_STEP` devices and at the
/// end, with the total.
#[tokio::test]
async fn seeding_reports_its_progress() {
    use std::sync::{Arc, Mutex};
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&calls);
    let devices = nrfcloud_mock::SEED_PROGRESS_STEP + 1;
    let server = nrfcloud_mock::MockServer::start_with(nrfcloud_mock::MockConfig {
        devices,
        seed_progress: Some(Arc::new(move |created, total| {
            seen.lock().unwrap().push((created, total));
        })),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        *calls.lock().unwrap(),
        vec![
            (nrfcloud_mock::SEED_PROGRESS_STEP, devices),
            (devices, devices)
        ]
    );
    assert_eq!(server.state().device_count(), devices);
}
