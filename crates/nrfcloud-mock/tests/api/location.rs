//! Location services: deterministic fixes, the one-access-point 422, geocoding, GNSS history,
//! A-GNSS sizes and ranged chunks, P-GPS files.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Api, fast, send};

const DEVICE: &str = "nrf-352656100000000";

fn mcell() -> Value {
    json!({"lte": [{"mcc": 242, "mnc": 2, "eci": 33703712, "tac": 2305, "earfcn": 6300, "adv": 65535,
        "rsrp": -97, "rsrq": -9, "nmr": [{"earfcn": 6300, "pci": 426, "rsrp": -104, "rsrq": -18}]}]})
}

async fn jwt_api() -> (Api, String) {
    let api = Api::with(fast(2)).await;
    let key = api.server.state().device_key(DEVICE).expect("key");
    let jwt = key.device_jwt(DEVICE, Duration::from_secs(600));
    (api, jwt)
}

#[tokio::test]
async fn ground_fix_is_deterministic_and_needs_two_access_points() {
    let (api, jwt) = jwt_api().await;
    let post = |body: &Value| {
        send(
            api.bearer(Method::POST, "/location/ground-fix", &jwt)
                .json(body),
        )
    };
    let a = post(&mcell()).await;
    assert_eq!(a.status, 200, "{:?}", a.json());
    let b = post(&mcell()).await;
    assert_eq!(a.json(), b.json());
    let fix = a.json();
    assert_eq!(fix["fulfilledWith"], "MCELL");
    assert!((fix["lat"].as_f64().expect("lat") - 63.428).abs() < 0.5);
    assert!((fix["lon"].as_f64().expect("lon") - 10.334).abs() < 0.5);
    assert!(fix["uncertainty"].as_u64().expect("uncertainty") < 5000);
    let single = post(&json!({"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712}]}))
        .await
        .json();
    assert_eq!(single["fulfilledWith"], "SCELL");
    let one_ap = json!({"wifi": {"accessPoints": [{"macAddress": "40:01:7a:c9:10:22"}]}});
    let r = post(&one_ap).await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    let two = json!({"wifi": {"accessPoints": [{"macAddress": "40:01:7a:c9:10:22"}, {"macAddress": "80:e0:1d:2a:92:f2"}]}});
    let wifi = post(&two).await.json();
    assert_eq!(wifi["fulfilledWith"], "WIFI");
    assert!(wifi["uncertainty"].as_u64().expect("uncertainty") < 100);
    let mut combined = mcell();
    combined["wifi"] = two["wifi"].clone();
    let r = send(
        api.bearer(
            Method::POST,
            "/location/ground-fix?alt=true&hiConf=true",
            &jwt,
        )
        .json(&combined),
    )
    .await;
    let body = r.json();
    assert_eq!(body["fulfilledWith"], "WIFI");
    assert_eq!(body["alt"]["loc"]["fulfilledWith"], "MCELL");
    let r = send(
        api.bearer(Method::POST, "/location/ground-fix?doReply=false", &jwt)
            .json(&mcell()),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.bytes.is_empty());
    let r =
        post(&json!({"wifi": [{"macAddress": "zz"}, {"macAddress": "80:e0:1d:2a:92:f2"}]})).await;
    assert_eq!(r.status, 422);
    let r = post(&json!({"lte": [{"mcc": 242}]})).await;
    assert_eq!(r.status, 422, "mnc, tac and eci are required");
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("body.lte[0]")
    );
    // Every fix went into the device's history.
    let history = send(api.key(
        Method::GET,
        &format!("/location/history?deviceId={DEVICE}&pageLimit=100"),
    ))
    .await
    .json();
    assert!(history["items"].as_array().expect("items").len() >= 6);
}

#[tokio::test]
async fn cell_wifi_single_cell_and_geocoding() {
    let (api, jwt) = jwt_api().await;
    let r = send(
        api.bearer(Method::POST, "/location/cell", &jwt)
            .json(&mcell()),
    )
    .await;
    assert_eq!(r.json()["fulfilledWith"], "MCELL");
    let aps = json!({"accessPoints": [{"macAddress": "40:01:7a:c9:10:22"}, {"macAddress": "80:e0:1d:2a:92:f2"}]});
    let r = send(api.bearer(Method::POST, "/location/wifi", &jwt).json(&aps)).await;
    assert_eq!(r.status, 200);
    assert!(r.json()["lat"].is_f64());
    let r = send(
        api.bearer(Method::POST, "/location/wifi", &jwt)
            .json(&json!({"accessPoints": [{"macAddress": "40:01:7a:c9:10:22"}]})),
    )
    .await;
    assert_eq!(r.status, 422);
    let q = "/location/single-cell?mcc=242&mnc=2&tac=2305&eci=33703712";
    let r = send(api.bearer(Method::GET, &format!("{q}&format=json"), &jwt)).await;
    assert_eq!(r.status, 200);
    let r = send(api.bearer(Method::GET, q, &jwt)).await;
    assert_eq!(r.bytes.len(), 20);
    let r = send(api.bearer(Method::GET, "/location/single-cell?mcc=242", &jwt)).await;
    assert_eq!(r.status, 422);
    let r = send(api.bearer(
        Method::GET,
        "/location/geo?lat=45.524098&lon=-122.688408",
        &jwt,
    ))
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["address"]["state"], "Oregon");
    let r = send(api.bearer(Method::GET, "/location/geo?lat=-60&lon=-140", &jwt)).await;
    assert_eq!((r.status, r.code()), (404, Some(40410)));
    let r = send(api.bearer(Method::GET, "/location/geo?lat=north&lon=1", &jwt)).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn gnss_fixes_feed_the_history() {
    let (api, jwt) = jwt_api().await;
    for i in 0..3 {
        let fix = json!({"lat": 63.0 + f64::from(i), "lon": 10.0, "acc": 5.0, "alt": 12, "spd": 1, "hdg": 90});
        let r = send(api.bearer(Method::POST, "/location/gnss", &jwt).json(&fix)).await;
        assert_eq!(r.status, 202, "{:?}", r.json());
    }
    let r = send(
        api.bearer(Method::POST, "/location/gnss", &jwt)
            .json(&json!({"lat": 100, "lon": 0})),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        api.bearer(Method::POST, "/location/gnss", &jwt)
            .json(&json!({"lon": 0})),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        api.bearer(Method::POST, "/location/gnss", &jwt)
            .json(&"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"),
    )
    .await;
    assert_eq!(r.status, 202);
    let history = send(api.key(
        Method::GET,
        &format!("/location/history?deviceId={DEVICE}&pageLimit=2"),
    ))
    .await;
    let body = history.json();
    assert_eq!(body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["items"][0]["serviceType"], "GNSS");
    assert_eq!(body["items"][1]["lat"], "65");
    assert!(body["pageNextToken"].as_str().expect("token").contains('+'));
    let latest = send(api.key(Method::GET, "/location/history?latest=true"))
        .await
        .json();
    assert_eq!(
        latest["items"].as_array().map(Vec::len),
        Some(2),
        "one per device"
    );
    let id = body["items"][0]["id"].as_str().expect("id").to_owned();
    let r = send(api.key(Method::DELETE, &format!("/location/history/{DEVICE}/{id}"))).await;
    assert_eq!(r.status, 202);
    let r = send(api.key(Method::DELETE, &format!("/location/history/{DEVICE}/{id}"))).await;
    assert_eq!((r.status, r.code()), (404, Some(40410)));
}

/// Parses an A-GNSS payload like a client would: version 1, then type/count/records.
fn entries(bytes: &[u8]) -> Vec<(u8, u16)> {
    let len = |t: u8| {
        nrfcloud_api::agnss_format::record_len(t).unwrap_or_else(|| panic!("unsupported type {t}"))
    };
    assert_eq!(bytes[0], 1);
    let mut at = 1;
    let mut out = Vec::new();
    while at < bytes.len() {
        let kind = bytes[at];
        let count = u16::from_le_bytes([bytes[at + 1], bytes[at + 2]]);
        at += 3 + len(kind) * usize::from(count);
        out.push((kind, count));
    }
    assert_eq!(at, bytes.len());
    out
}

#[tokio::test]
async fn agnss_size_and_ranged_chunks() {
    let (api, jwt) = jwt_api().await;
    let cell = "mcc=242&mnc=2&tac=2305&eci=33703712";
    let head = send(api.bearer(
        Method::HEAD,
        &format!("/location/agnss?{cell}&types=1&types=2&types=8"),
        &jwt,
    ))
    .await;
    assert_eq!(head.status, 200);
    let total: usize = head
        .header("content-length")
        .expect("content-length")
        .parse()
        .expect("number");
    let body = json!({"types": [1, 2, 8], "mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712});
    let mut joined = Vec::new();
    loop {
        let end = joined.len() + 999;
        let r = send(
            api.bearer(Method::POST, "/location/agnss", &jwt)
                .header("range", format!("bytes={}-{end}", joined.len()))
                .json(&body),
        )
        .await;
        assert_eq!(r.status, 206, "{:?}", r.json());
        let range = r.header("content-range").expect("content-range");
        let start = joined.len();
        let stop = start + r.bytes.len() - 1;
        assert_eq!(range, format!("bytes {start}-{stop}/{total}"));
        assert!(r.bytes.len() <= 1000);
        joined.extend_from_slice(&r.bytes);
        if joined.len() >= total {
            break;
        }
    }
    assert_eq!(joined.len(), total);
    assert_eq!(entries(&joined), vec![(1, 1), (2, 31), (8, 1)]);
    let whole = send(
        api.bearer(Method::POST, "/location/agnss", &jwt)
            .json(&body),
    )
    .await;
    assert_eq!(whole.status, 206);
    assert_eq!(whole.bytes, joined);
    // The first chunk ends on a record boundary: 1 + (3 + 14) + 3 + 15 × 62 = 951.
    let r = send(
        api.bearer(Method::POST, "/location/agnss", &jwt)
            .header("range", "bytes=0-999")
            .json(&body),
    )
    .await;
    assert_eq!(r.bytes.len(), 951);
    for bad in [
        format!("bytes={total}-"),
        "bytes=9-3".into(),
        "lines=0-1".into(),
        "bytes=0-1,5-9".into(),
    ] {
        let r = send(
            api.bearer(Method::POST, "/location/agnss", &jwt)
                .header("range", bad.clone())
                .json(&body),
        )
        .await;
        assert_eq!((r.status, r.code()), (416, Some(41600)), "{bad}");
        assert_eq!(r.header("content-range"), Some(format!("bytes */{total}")));
    }
    let default = send(api.bearer(Method::POST, "/location/agnss", &jwt)).await;
    assert_eq!(
        entries(&default.bytes)
            .iter()
            .map(|e| e.0)
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 6, 7, 9]
    );
    let r = send(
        api.bearer(Method::POST, "/location/agnss", &jwt)
            .json(&json!({"types": [99]})),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        api.bearer(Method::POST, "/location/agnss", &jwt)
            .json(&json!({"filtered": true})),
    )
    .await;
    assert_eq!(r.status, 422);
    let agps = send(api.bearer(Method::HEAD, "/location/agps?types=1", &jwt)).await;
    assert_eq!(agps.header("content-length").as_deref(), Some("18"));
}

#[tokio::test]
async fn pgps_points_at_a_served_file() {
    let (api, jwt) = jwt_api().await;
    let r = send(api.bearer(Method::GET, "/location/pgnss?predictionCount=6", &jwt)).await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let host = body["host"].as_str().expect("host");
    let path = body["path"].as_str().expect("path");
    // As the real service: a bare host and a relative path, so that `https://{host}/{path}`
    // names the file. The mock serves it over plain HTTP at the same host and path.
    assert!(
        !host.contains('/') && !path.starts_with('/'),
        "{host} {path}"
    );
    let named = reqwest::Url::parse(&format!("https://{host}/{path}")).expect("a URL");
    assert_eq!(named.host_str(), Some("127.0.0.1"));
    let mut served = named.clone();
    served.set_scheme("http").expect("http");
    let file = send(api.http.get(served)).await;
    assert_eq!((file.status, file.bytes.len()), (200, 6 * 512));
    assert_eq!(
        file.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert!(file.headers.get("authorization").is_none());
    let r = send(api.bearer(
        Method::GET,
        "/location/pgps?predictionIntervalMinutes=60",
        &jwt,
    ))
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("predictionIntervalMinutes"),
        "{:?}",
        r.json()
    );
    let r = send(api.bearer(Method::GET, "/location/pgnss?predictionCount=43", &jwt)).await;
    assert_eq!(r.status, 422);
}

/// The document lists 240 as the only valid interval; Nordic's location-services tests request
/// 120 from the real service and expect a prediction file. Both work, anything else is a 422
/// naming the field.
#[tokio::test]
async fn pgps_intervals_of_120_and_240_minutes() {
    let (api, jwt) = jwt_api().await;
    for path in ["/location/pgps", "/location/pgnss"] {
        for minutes in ["120", "240", "120.0"] {
            let r = send(api.bearer(
                Method::GET,
                &format!("{path}?predictionCount=6&predictionIntervalMinutes={minutes}"),
                &jwt,
            ))
            .await;
            assert_eq!(r.status, 200, "{path} {minutes}: {:?}", r.json());
        }
        for minutes in ["60", "180", "480", "120.5", "0"] {
            let r = send(api.bearer(
                Method::GET,
                &format!("{path}?predictionIntervalMinutes={minutes}"),
                &jwt,
            ))
            .await;
            assert_eq!((r.status, r.code()), (422, Some(42200)), "{minutes}");
            let message = r.json()["message"].as_str().expect("message").to_owned();
            assert!(message.contains("predictionIntervalMinutes"), "{message}");
        }
    }
    // 120-minute predictions span half the time of 240-minute ones.
    let file = |minutes: u32| {
        let api = &api;
        let jwt = &jwt;
        async move {
            send(api.bearer(
                Method::GET,
                &format!(
                    "/location/pgnss?predictionCount=12&startGpsTimeOfDaySeconds=0&predictionIntervalMinutes={minutes}"
                ),
                jwt,
            ))
            .await
            .json()["path"]
                .as_str()
                .expect("path")
                .to_owned()
        }
    };
    assert_ne!(file(120).await, file(240).await);
}
