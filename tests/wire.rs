//! What the raw client puts on the wire, compared with the documentation's curl examples.

use futures::TryStreamExt;
use nrfcloud_api::{Client, hooks::Hooks, types};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::json;

const PEM_CSV: &str = "deviceId,subType,tags,supportedFirmwareTypes,certificate\n\
nrf-352656100000001,my-thing,tag1|tag2,APP|MODEM,\"-----BEGIN CERTIFICATE-----\n\
MIIB7DCCAZMCFD\n-----END CERTIFICATE-----\n\"\n";

async fn setup() -> (Recorder, Client) {
    let server = Recorder::start().await;
    let client = Client::new(&format!("{}/v1", server.base), Hooks::default());
    (server, client)
}

#[tokio::test]
async fn associate_device_sends_the_ownership_code_as_plain_text() {
    let (server, client) = setup().await;
    server.reply(Reply::empty(202));
    client
        .associate_device()
        .device_id("nrf-352656100000001")
        .body("123456")
        .send()
        .await
        .unwrap();
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("PUT", "/v1/association/nrf-352656100000001")
    );
    assert_eq!(r.header("content-type"), "text/plain");
    assert_eq!(&r.body[..], b"123456", "not JSON-quoted");
    assert!(
        r.headers.get("api-version").is_none(),
        "api-version is stripped"
    );
}

#[tokio::test]
async fn delete_device_sends_the_ownership_code_as_plain_text() {
    let (server, client) = setup().await;
    server.reply(Reply::empty(202));
    client
        .delete_device()
        .device_id("nrf-352656100000001")
        .body("PIN42")
        .send()
        .await
        .unwrap();
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/v1/devices/nrf-352656100000001")
    );
    assert_eq!(r.header("content-type"), "text/plain");
    assert_eq!(&r.body[..], b"PIN42");
}

#[tokio::test]
async fn csv_bodies_are_sent_raw_with_the_chosen_content_type() {
    let (server, client) = setup().await;
    server.reply(Reply::json(
        202,
        json!({"bulkOpsRequestId": "01H8Z1XQ3V6Y8GQ6E4W5T7R9KJ"}),
    ));
    let ct = types::RestApiPayloadContentTypeWithCsv::ApplicationOctetStream;
    let resp = client
        .onboard_devices()
        .content_type(ct)
        .body(PEM_CSV.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.into_inner().bulk_ops_request_id.to_string(),
        "01H8Z1XQ3V6Y8GQ6E4W5T7R9KJ"
    );
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/devices")
    );
    assert_eq!(r.header("content-type"), "application/octet-stream");
    assert_eq!(
        std::str::from_utf8(&r.body).unwrap(),
        PEM_CSV,
        "CSV bytes unchanged, line breaks of the PEM kept"
    );

    for (name, path) in [
        ("keys", "/v1/devices/public-keys"),
        ("certs", "/v1/devices/certificates"),
    ] {
        let csv = types::RestApiPayloadContentTypeWithCsv::TextCsv;
        let sent = if name == "keys" {
            client
                .register_public_keys()
                .content_type(csv)
                .body(PEM_CSV.to_string())
                .send()
                .await
                .map(|_| ())
        } else {
            client
                .register_certificates()
                .content_type(csv)
                .body(PEM_CSV.to_string())
                .send()
                .await
                .map(|_| ())
        };
        sent.unwrap();
        let r = server.last();
        assert_eq!(r.path, path);
        assert_eq!(
            r.header("content-type"),
            "text/csv",
            "{name}: the header parameter wins over the default"
        );
        assert_eq!(
            r.headers.get_all("content-type").iter().count(),
            1,
            "exactly one content-type"
        );
        assert_eq!(std::str::from_utf8(&r.body).unwrap(), PEM_CSV);
    }
}

#[tokio::test]
async fn upload_firmware_sends_the_zip_raw() {
    let (server, client) = setup().await;
    server.reply(Reply::json(
        202,
        json!({"uris": ["https://firmware.example/APP*1e29dfa3*v1.0.0/app_update.bin"]}),
    ));
    let zip: Vec<u8> = b"PK\x03\x04\x00\xff\x10binary".to_vec();
    client
        .upload_firmware()
        .content_type(types::RestApiPayloadContentTypeWithZip::ApplicationZip)
        .body(zip.clone())
        .send()
        .await
        .unwrap();
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/firmwares")
    );
    assert_eq!(r.header("content-type"), "application/zip");
    assert_eq!(&r.body[..], &zip[..]);
}

#[tokio::test]
async fn update_device_state_sends_if_match() {
    let (server, client) = setup().await;
    server.reply(Reply::empty(202));
    let body: types::UpdateDeviceStateBody = serde_json::from_value(
        json!({"reported": {"device": {"serviceInfo": {"fota_v1": ["BOOT"]}}}}),
    )
    .unwrap();
    client
        .update_device_state()
        .device_id("nrf-352656100000001")
        .if_match(7)
        .body(body)
        .send()
        .await
        .unwrap();
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("PATCH", "/v1/devices/nrf-352656100000001/state")
    );
    assert_eq!(r.header("if-match"), "7");
    assert_eq!(r.header("content-type"), "application/json");
    let sent: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        sent,
        json!({"reported": {"device": {"serviceInfo": {"fota_v1": ["BOOT"]}}}})
    );
}

#[tokio::test]
async fn list_devices_sends_arrays_and_the_transform() {
    let (server, client) = setup().await;
    server.reply(Reply::json(200, json!({"items": [], "total": 0})));
    client
        .list_devices()
        .device_ids(vec![
            "nrf-1".parse::<types::DeviceId>().unwrap(),
            "nrf-2".parse().unwrap(),
        ])
        .tags(vec!["warehouse-east".parse::<types::DeviceTag>().unwrap()])
        .transform("{ \"id\": id, \"type\": type }")
        .page_limit(std::num::NonZeroU32::new(50).unwrap())
        .send()
        .await
        .unwrap();
    let r = server.last();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v1/devices"));
    assert_eq!(
        r.query.as_deref().unwrap(),
        "deviceIds=nrf-1&deviceIds=nrf-2&pageLimit=50&tags=warehouse-east&transform=%7B+%22id%22%3A+id%2C+%22type%22%3A+type+%7D"
    );
}

#[tokio::test]
async fn agnss_download_asks_for_bytes_with_a_range() {
    let (server, client) = setup().await;
    let payload: Vec<u8> = (0u8..=255).collect();
    server.reply(
        Reply::bytes(206, "application/octet-stream", payload.clone())
            .header("content-range", "bytes 0-255/4000"),
    );
    let body: types::GetAssistanceDataBody = serde_json::from_value(
        json!({"types": [8], "mcc": 244, "mnc": 91, "tac": 4099, "eci": 36078631}),
    )
    .unwrap();
    let resp = client
        .get_assistance_data()
        .range("bytes=0-2200")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    let bytes: Vec<u8> = resp
        .into_inner()
        .into_inner()
        .map_ok(|b| b.to_vec())
        .try_concat()
        .await
        .unwrap();
    assert_eq!(bytes, payload);
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/location/agnss")
    );
    assert_eq!(r.header("range"), "bytes=0-2200");
    assert_eq!(r.header("accept"), "application/octet-stream");
    assert_eq!(r.header("content-type"), "application/json");
}

#[tokio::test]
async fn agnss_size_comes_from_content_length() {
    let (server, client) = setup().await;
    server.reply(Reply::empty(200).header("content-length", "4000"));
    let resp = client
        .get_assistance_data_size()
        .mcc(244)
        .send()
        .await
        .unwrap();
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_deref()),
        ("HEAD", "/v1/location/agnss", Some("mcc=244"))
    );
    assert_eq!(resp.headers()["content-length"], "4000");
}

#[tokio::test]
async fn page_tokens_are_encoded_exactly_once() {
    let (server, client) = setup().await;
    server.reply(Reply::json(200, json!({"items": [], "total": 0})));
    client
        .get_location_history()
        .page_next_token("ab+c/d==".to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.last().query.as_deref(),
        Some("pageNextToken=ab%2Bc%2Fd%3D%3D")
    );
}

#[tokio::test]
async fn delete_firmware_sends_the_bundle_id_unquoted() {
    // The bundleId parameter had an empty schema: it went out as JSON, `%22APP*…%22`.
    let (server, client) = setup().await;
    server.reply(Reply::empty(202));
    client
        .delete_firmware()
        .bundle_id("APP*1e29dfa3*v2.0.1")
        .send()
        .await
        .unwrap();
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/v1/firmwares/APP*1e29dfa3*v2.0.1")
    );
    // The documentation's bundle-id shape is checked before sending.
    let err = client
        .delete_firmware()
        .bundle_id("not-a-bundle")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("bundle_id"), "{err}");
    assert_eq!(server.count(), 1);
}
