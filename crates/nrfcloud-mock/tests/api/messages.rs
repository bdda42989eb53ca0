//! Messages (send, list with the supported parameter combinations), binary logs and alerts.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Api, fast, send};

const DEVICE: &str = "nrf-352656100000000";

fn count(body: &Value) -> usize {
    body["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn send_and_list_messages() {
    let api = Api::with(fast(2)).await;
    let before = api.server.state().message_count();
    let path = format!("/devices/{DEVICE}/messages");
    let r = send(
        api.key(Method::POST, &path)
            .json(&json!({"message": {"appId": "BUTTON", "data": "1"}})),
    )
    .await;
    assert_eq!(r.status, 202);
    let r = send(api.key(Method::POST, &path).json(&json!({
        "topic": format!("d/{DEVICE}/d2c/bulk"),
        "message": [{"appId": "TEMP", "data": "20"}, {"appId": "TEMP", "data": "21"}],
    })))
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(api.server.state().message_count(), before + 3);
    let r = send(api.key(Method::POST, &path).json(&json!({"topic": "x"}))).await;
    assert_eq!(r.status, 422);
    let r = send(
        api.key(Method::POST, "/devices/unknown-device/messages")
            .json(&json!({"message": {}})),
    )
    .await;
    assert_eq!((r.status, r.code()), (404, Some(40410)));

    let list = |q: &str| api.key(Method::GET, &format!("/messages?{q}"));
    let r = send(list(&format!("deviceId={DEVICE}&appId=TEMP"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(count(&r.json()), 3, "seeded TEMP plus two");
    let r = send(list(&format!(
        "deviceId={DEVICE}&topic=d/{DEVICE}/d2c/bulk&pageSort=asc"
    )))
    .await;
    let body = r.json();
    assert_eq!(count(&body), 2);
    assert_eq!(body["items"][0]["message"]["data"], "20");
    let r = send(list("appId=BUTTON")).await;
    assert_eq!(count(&r.json()), 1);
    let r = send(list(&format!("topic=d/{DEVICE}/d2c/bulk"))).await;
    assert_eq!(count(&r.json()), 2);
    let r = send(list(&format!("appId=TEMP&topic=d/{DEVICE}/d2c/bulk"))).await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    let r = send(list(&format!("appId=TEMP&topic=x&deviceId={DEVICE}"))).await;
    assert_eq!(r.status, 422);
    let r = send(list("start=yesterday")).await;
    assert_eq!(r.status, 422);
    let r = send(list("start=2000-01-01&end=2000-01-02")).await;
    assert_eq!(count(&r.json()), 0);
    let newest = send(list(&format!("deviceId={DEVICE}&pageLimit=1")))
        .await
        .json();
    assert_eq!(newest["items"][0]["message"]["data"], "21");
    assert_eq!(newest["items"][0]["tenantId"], api.server.tenant_id());
}

#[tokio::test]
async fn binary_logs_are_zipped() {
    let api = Api::with(fast(1)).await;
    let r = send(api.key(Method::GET, &format!("/binary-logs/url?deviceId={DEVICE}"))).await;
    assert_eq!((r.status, r.code()), (404, Some(40499)));
    let r = send(
        api.key(Method::POST, &format!("/devices/{DEVICE}/messages"))
            .json(&json!({
                "topic": format!("d/{DEVICE}/d2c/bin"),
                "message": "blJGQwAAAAAd2qCkkAEAAAEAAABoZWxsbyB3b3JsZA==",
            })),
    )
    .await;
    assert_eq!(r.status, 202);
    let r = send(api.key(Method::GET, &format!("/binary-logs/url?deviceId={DEVICE}"))).await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let zip = send(api.http.get(body["url"].as_str().expect("url"))).await;
    assert_eq!(zip.status, 200);
    assert_eq!(body["contentLength"].as_u64(), Some(zip.bytes.len() as u64));
    assert!(zip.bytes.starts_with(b"PK"));
    let r = send(api.key(
        Method::GET,
        &format!(
            "/binary-logs/url?deviceId={DEVICE}&start=2024-01-01T00:00:00Z&end=2024-01-03T00:00:00Z"
        ),
    ))
    .await;
    assert_eq!(r.status, 422);
    let r = send(api.key(Method::GET, "/binary-logs/url")).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn alerts_list_archive_restore() {
    let api = Api::with(fast(3)).await;
    let id = api
        .server
        .state()
        .add_alert(DEVICE, json!({"appId": "TEMP", "data": "99"}));
    let all = send(api.key(Method::GET, "/alerts")).await.json();
    assert_eq!(count(&all), 4);
    let active = send(api.key(
        Method::GET,
        &format!("/alerts?status=ACTIVE&deviceIds={DEVICE}"),
    ))
    .await
    .json();
    assert_eq!(count(&active), 2);
    let r = send(api.key(Method::PATCH, &format!("/alerts/{id}/archive"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ARCHIVED");
    assert_eq!(r.json()["id"], id.as_str());
    let r = send(api.key(Method::PATCH, &format!("/alerts/{id}/restore"))).await;
    assert_eq!(r.json()["status"], "ACTIVE");
    let r = send(api.key(
        Method::PATCH,
        "/alerts/bc631093-7f7c-4c1b-aa63-a68c759bcd5c/archive",
    ))
    .await;
    assert_eq!((r.status, r.code()), (404, Some(40410)));
    let r = send(api.key(Method::PATCH, "/alerts/not-a-uuid/archive")).await;
    assert_eq!(r.status, 422);
    let r = send(api.key(Method::GET, "/alerts?status=GONE")).await;
    assert_eq!(r.status, 422);
}
