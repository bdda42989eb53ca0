//! One accessor for a device's shadow (issue #19): reported and desired as JSON maps and the
//! version as an integer, whichever device type FetchDevice answers.

use nrfcloud::{Client, ShadowState};
use nrfcloud_mock::{MockConfig, MockServer};
use serde_json::{Map, Value, json};

#[tokio::test]
async fn a_seeded_device_shadow_reads_as_maps_and_an_integer_version() {
    let mock = MockServer::start_with(MockConfig {
        devices: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .base_url(mock.base_url())
        .api_key(mock.api_key())
        .build()
        .unwrap();
    let id = mock.state().device_ids()[0].clone();
    let device = client
        .api()
        .fetch_device()
        .device_id(id.as_str())
        .send()
        .await
        .unwrap();
    let before: ShadowState = device
        .shadow()
        .unwrap()
        .expect("a generic device has a shadow");
    assert_eq!(before.reported.get("connected"), Some(&json!(true)));
    let version = before.version.expect("the mock sends a version");

    let mut desired = Map::new();
    desired.insert("config".into(), json!({"activeMode": true}));
    client
        .api()
        .update_device_state()
        .device_id(id.as_str())
        .body_map(|b| b.desired(desired))
        .send()
        .await
        .unwrap();
    let device = client
        .api()
        .fetch_device()
        .device_id(id.as_str())
        .send()
        .await
        .unwrap();
    let after = device.shadow().unwrap().unwrap();
    assert_eq!(
        after.desired.get("config"),
        Some(&json!({"activeMode": true})),
        "{after:?}"
    );
    assert_eq!(
        after.delta.get("config").map(Value::is_object),
        Some(true),
        "{after:?}"
    );
    assert!(
        after.version.unwrap() > version,
        "{before:?} then {after:?}"
    );

    // The same view from a listing's items (the shadow comes with `includeState`).
    let listed: Vec<_> =
        futures::TryStreamExt::try_collect(client.api().list_devices().include_state(true).items())
            .await
            .unwrap();
    let shadows: Vec<_> = listed
        .iter()
        .filter_map(|item| match item {
            nrfcloud::types::ListDevicesResponseItemsItem::Device(d) => d.shadow().unwrap(),
            _ => None,
        })
        .collect();
    assert_eq!(shadows.len(), 2);
}
