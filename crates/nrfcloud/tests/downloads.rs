//! Downloads outside the API (P-GPS prediction files, URLs the API returns) against local
//! scripted servers: never an `Authorization` header, whatever credentials the client holds
//! and whatever the host; errors (404, timeout, refused connection, bad URLs) as [`Error`]s.

use std::time::Duration;

use nrfcloud::types::GetPredictedAssistanceDataResponse;
use nrfcloud::{Client, DeviceKey, Error};
use nrfcloud_testkit::{Recorder, Reply};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::json;

const API_KEY: &str = "test-api-key-0123456789abcdef";

fn client(api: &Recorder) -> Client {
    let pem = SigningKey::from_slice(&[7; 32])
        .unwrap()
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap()
        .to_string();
    Client::builder()
        .base_url(&api.base)
        .api_key(API_KEY)
        .device_key(DeviceKey::from_pem("nrf-352656100000001", &pem).unwrap())
        .user_agent("downloads-test/1")
        .build()
        .unwrap()
}

fn prediction_file() -> Vec<u8> {
    (0..5000u32).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn pgps_files_are_fetched_without_credentials() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);

    // The API answers GetPredictedAssistanceData with the file's {host, path}.
    api.reply(Reply::json(
        200,
        json!({"host": files.base, "path": "public/15131-0_15135-72000.bin"}),
    ));
    let location = client
        .execute(|api| api.get_predicted_assistance_data())
        .await
        .unwrap();
    assert!(
        api.last().header("authorization").starts_with("Bearer ey"),
        "the API call itself carries the device JWT"
    );

    files.reply(Reply::bytes(
        200,
        "application/octet-stream",
        prediction_file(),
    ));
    let got = client.download_pgps(&location).await.unwrap();
    assert_eq!(got.as_ref(), prediction_file().as_slice());
    let r = files.last();
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/public/15131-0_15135-72000.bin");
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);
    assert_eq!(r.header("user-agent"), "downloads-test/1");
    assert_eq!(files.count(), 1);
}

#[tokio::test]
async fn the_api_host_itself_gets_no_credentials_from_a_download() {
    let api = Recorder::start().await;
    let client = client(&api);
    api.reply(Reply::bytes(200, "application/octet-stream", vec![1, 2, 3]));
    let got = client
        .download_url(&format!("{}/v1/location/agnss?x=1", api.base))
        .await
        .unwrap();
    assert_eq!(got.as_ref(), [1, 2, 3]);
    let r = api.last();
    assert_eq!(r.query.as_deref(), Some("x=1"));
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);

    // A P-GPS location naming the API's own host: no credentials either.
    let location: GetPredictedAssistanceDataResponse =
        serde_json::from_value(json!({"host": api.base, "path": "/public/a.bin"})).unwrap();
    client.download_pgps(&location).await.unwrap();
    let r = api.last();
    assert_eq!(r.path, "/public/a.bin");
    assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);
}

#[tokio::test]
async fn redirects_are_followed_without_credentials() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    let client = client(&api);
    api.then([Reply::empty(302).header("location", format!("{}/moved.bin", files.base))]);
    files.reply(Reply::bytes(200, "application/octet-stream", vec![9; 10]));
    let got = client
        .download_url(&format!("{}/files/a.bin", api.base))
        .await
        .unwrap();
    assert_eq!(got.len(), 10);
    for r in api.requests().iter().chain(files.requests().iter()) {
        assert!(r.headers.get("authorization").is_none(), "{:?}", r.headers);
    }
    assert_eq!(files.last().path, "/moved.bin");
}

#[tokio::test]
async fn not_found_is_an_api_error_with_its_body() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    files.reply(Reply::bytes(
        404,
        "application/xml",
        "<Error><Code>NoSuchKey</Code></Error>",
    ));
    let client = client(&api);
    let e = client
        .download_url(&format!("{}/public/missing.bin", files.base))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let api_error = e.api().unwrap();
    assert_eq!(api_error.status, 404);
    assert_eq!(api_error.operation, "download_url");
    assert!(api_error.body.contains("NoSuchKey"));

    let location: GetPredictedAssistanceDataResponse =
        serde_json::from_value(json!({"host": files.base, "path": "public/missing.bin"})).unwrap();
    let e = client.download_pgps(&location).await.unwrap_err();
    assert_eq!(
        e.api().map(|a| (a.status, a.operation)),
        Some((404, "download_pgps"))
    );

    files.reply(Reply::json(503, json!({"message": "slow down"})));
    let e = client
        .download_url(&format!("{}/x", files.base))
        .await
        .unwrap_err();
    assert_eq!(e.api().map(|a| a.status), Some(503));
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_timeout_is_error_timeout() {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    files.reply(
        Reply::bytes(200, "application/octet-stream", vec![1]).delayed(Duration::from_secs(3)),
    );
    let client = Client::builder()
        .base_url(&api.base)
        .api_key(API_KEY)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = client
        .download_url(&format!("{}/slow.bin", files.base))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                operation: "download_url"
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let api = Recorder::start().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = client(&api)
        .download_url(&format!("http://127.0.0.1:{port}/a.bin"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                operation: "download_url",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn bad_urls_are_refused_before_sending() {
    let api = Recorder::start().await;
    let client = client(&api);
    let user_info = format!("{}/a.bin", api.base).replace("http://", "http://user:secret@");
    for url in [
        "ftp://example.com/a.bin",
        "not a url",
        "file:///etc/passwd",
        &user_info,
    ] {
        let e = client.download_url(url).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidInput {
                    operation: Some("download_url"),
                    ..
                }
            ),
            "{url}: {e:?}"
        );
    }
    let location: GetPredictedAssistanceDataResponse =
        serde_json::from_value(json!({"host": "ftp://pgnss.example", "path": "a.bin"})).unwrap();
    assert!(matches!(
        client.download_pgps(&location).await,
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(api.count(), 0, "nothing was sent");
}
