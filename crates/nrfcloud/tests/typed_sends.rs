//! Typed sends (`client.api().op().setters().send()`) against the recording server and the
//! mock: the same bytes on the wire as the generated builders sent through `Client::raw()`
//! (the same middleware, progenitor's error type), the same retries, the size limit,
//! the credential check where the request is prepared (for `Client::raw()` too), per-call
//! options, and paginated streams from a configured request.

use std::num::NonZeroU32;
use std::time::Duration;

use futures::TryStreamExt;
use nrfcloud::{CallOptions, Client, CredentialError, Error, RetryPolicy, Transform, types};
use nrfcloud_mock::{MockConfig, MockServer};
use nrfcloud_testkit::{Recorded, Recorder, Reply};
use serde_json::{Value, json};

const API_KEY: &str = "test-api-key-1234";

/// The FetchAccountInfo example of the API document.
fn account() -> Value {
    let spec: Value = serde_json::from_str(include_str!("../../../spec/openapi.json")).unwrap();
    spec["paths"]["/account"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}

fn client(server: &Recorder) -> Client {
    Client::builder()
        .base_url(format!("{}/prefix", server.base))
        .api_key(API_KEY)
        .build()
        .unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::standard().with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

/// Method, path, query, headers (in a stable order) and body of a request.
type Wire = (
    String,
    String,
    Option<String>,
    Vec<(String, String)>,
    Vec<u8>,
);

/// Everything of a request that goes on the wire.
fn wire(r: &Recorded) -> Wire {
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    headers.sort();
    (
        r.method.to_string(),
        r.path.clone(),
        r.query.clone(),
        headers,
        r.body.to_vec(),
    )
}

fn message_body(b: types::builder::SendDeviceMessageBody) -> types::builder::SendDeviceMessageBody {
    let mut reading = serde_json::Map::new();
    reading.insert("temp".into(), json!(21.5));
    b.message(types::Message(reading))
        .topic(Some("m/d/nrf-1/d2c".parse::<types::MqttTopic>().unwrap()))
}

/// Whether the call succeeded (the error types differ: progenitor's through `raw()`).
fn outcome<T>(r: Result<T, Error>) -> bool {
    r.is_ok()
}

/// [`outcome`] of a call through `Client::raw()`.
fn raw_outcome<T, E>(r: Result<T, nrfcloud::api::RawError<E>>) -> bool {
    r.is_ok()
}

#[tokio::test]
async fn typed_sends_put_the_same_bytes_on_the_wire_as_the_raw_client() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, account()));
    let client = client(&server);
    let limit = types::PageLimit::from(NonZeroU32::new(50).unwrap());
    let tag: types::DeviceTag = "warehouse-east".parse().unwrap();
    // A real token shape: `+ / =` must reach the server encoded exactly once.
    let token = "eyJrIjoiYStiL2M9In0+/=";
    let transform = Transform::new("{ \"id\": id }").unwrap();
    let mac: types::MacAddress = "aa:bb:cc:dd:ee:ff".parse().unwrap();

    let mut pairs = Vec::new();
    let mut run = async |old: bool, new: bool| {
        let requests = server.requests();
        let n = requests.len();
        assert!(n >= 2, "both calls were sent");
        assert_eq!(old, new, "same outcome");
        pairs.push((wire(&requests[n - 2]), wire(&requests[n - 1])));
    };

    let old = raw_outcome(client.raw().fetch_account_info().send().await);
    let new = outcome(client.api().fetch_account_info().send().await);
    run(old, new).await;

    let old = raw_outcome(
        client
            .raw()
            .fetch_device()
            .device_id("nrf-1")
            .transform("{ \"id\": id }")
            .send()
            .await,
    );
    let new = outcome(
        client
            .api()
            .fetch_device()
            .device_id("nrf-1")
            .transform(&transform)
            .send()
            .await,
    );
    run(old, new).await;

    let old = raw_outcome(
        client
            .raw()
            .list_devices()
            .tags(vec![tag.clone()])
            .page_limit(limit.clone())
            .page_next_token(token.to_string())
            .send()
            .await,
    );
    let new = outcome(
        client
            .api()
            .list_devices()
            .tags(vec![tag.clone()])
            .page_limit(50)
            .page_next_token(token.to_string())
            .send()
            .await,
    );
    run(old, new).await;

    let old = raw_outcome(
        client
            .raw()
            .send_device_message()
            .device_id("nrf-1")
            .body_map(message_body)
            .send()
            .await,
    );
    let new = outcome(
        client
            .api()
            .send_device_message()
            .device_id("nrf-1")
            .body_map(message_body)
            .send()
            .await,
    );
    run(old, new).await;

    let old = raw_outcome(
        client
            .raw()
            .delete_anchor()
            .mac_address(mac.clone())
            .send()
            .await,
    );
    let new = outcome(
        client
            .api()
            .delete_anchor()
            .mac_address(mac.clone())
            .send()
            .await,
    );
    run(old, new).await;

    assert_eq!(pairs.len(), 5);
    for (old, new) in &pairs {
        assert_eq!(old, new, "same method, path, query, headers and body");
        let auth = old.3.iter().find(|(k, _)| k == "authorization");
        assert_eq!(
            auth.map(|(_, v)| v.as_str()),
            Some("Bearer test-api-key-1234")
        );
        assert!(
            old.3
                .iter()
                .any(|(k, v)| k == "user-agent" && v.starts_with("nrfcloud-rs/"))
        );
    }
    let (_, path, query, _, _) = &pairs[2].1;
    assert_eq!(path, "/prefix/v1/devices");
    let query = query.as_deref().unwrap();
    assert!(query.contains("pageLimit=50"), "{query}");
    assert!(
        query.contains("pageNextToken=eyJrIjoiYStiL2M9In0%2B%2F%3D"),
        "{query}"
    );
    let body: Value = serde_json::from_slice(&pairs[3].1.4).unwrap();
    assert_eq!(
        body,
        json!({"message": {"temp": 21.5}, "topic": "m/d/nrf-1/d2c"})
    );
}

#[tokio::test]
async fn typed_sends_retry_like_the_raw_client() {
    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .retry(fast_retries())
        .build()
        .unwrap();
    let mut counts = Vec::new();
    for typed in [false, true] {
        let before = server.count();
        server.then([
            Reply::empty(503),
            Reply::empty(502),
            Reply::json(200, account()),
        ]);
        if typed {
            client.api().fetch_account_info().send().await.unwrap();
        } else {
            client.raw().fetch_account_info().send().await.unwrap();
        }
        // A POST is not retried unless the call opts in.
        server.then([Reply::empty(503)]);
        if typed {
            let sent = client
                .api()
                .send_device_message()
                .device_id("nrf-1")
                .body_map(message_body)
                .send()
                .await;
            assert_eq!(sent.unwrap_err().api().map(|a| a.status), Some(503));
        } else {
            let sent = client
                .raw()
                .send_device_message()
                .device_id("nrf-1")
                .body_map(message_body)
                .send()
                .await;
            assert_eq!(sent.unwrap_err().status().map(|s| s.as_u16()), Some(503));
        }
        counts.push(server.count() - before);
    }
    assert_eq!(counts, [4, 4], "3 GETs then 1 unretried request, both ways");
}

#[tokio::test]
async fn per_call_options_are_a_builder_step() {
    let server = Recorder::start().await;
    // No retries configured on the client: the call's own policy applies.
    let client = client(&server);
    server.then([Reply::empty(503), Reply::empty(503)]);
    server.reply(Reply::json(200, account()));
    let options = CallOptions {
        retry: Some(fast_retries()),
        ..CallOptions::default()
    };
    client
        .api()
        .fetch_account_info()
        .with_options(options)
        .send()
        .await
        .unwrap();
    assert_eq!(server.count(), 3);
    // The next call is back to the client's policy: one attempt.
    server.then([Reply::empty(503)]);
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert_eq!(err.api().map(|a| a.status), Some(503));
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn the_size_limit_gives_response_too_large() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, account()));
    let client = Client::builder()
        .base_url(&server.base)
        .api_key(API_KEY)
        .max_response_bytes(64)
        .build()
        .unwrap();
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                operation: "FetchAccountInfo",
                status: 200,
                limit: 64
            }
        ),
        "{err:?}"
    );
}

fn cells_body() -> types::GetLocationFromCellsOrWifiNetworksBody {
    serde_json::from_value(json!({"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712}]}))
        .unwrap()
}

#[tokio::test]
async fn a_missing_credential_is_typed_and_nothing_is_sent_on_every_path() {
    let server = Recorder::start().await;
    let client = client(&server);
    let err = client
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Credentials(CredentialError::Missing {
            operation,
            accepted,
        }) => {
            assert_eq!(*operation, "GetLocationFromCellsOrWifiNetworks");
            assert_eq!(accepted, &["Service Evaluation Token", "JSON Web Token"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    // The escape hatch goes through the same prepare hook: refused, nothing sent.
    let raw = client
        .raw()
        .get_location_from_cells_or_wifi_networks()
        .body(cells_body())
        .send()
        .await
        .unwrap_err();
    match raw {
        nrfcloud::api::RawError::Custom(text) => {
            assert!(
                text.contains("GetLocationFromCellsOrWifiNetworks needs"),
                "{text}"
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn bad_page_limits_fail_before_sending() {
    let server = Recorder::start().await;
    let client = client(&server);
    let err = client
        .api()
        .list_firmware()
        .page_limit(0)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "pageLimit"),
        "{err:?}"
    );
    let first = client
        .api()
        .list_firmware()
        .page_limit(101)
        .pages()
        .try_next()
        .await;
    assert!(
        matches!(&first, Err(Error::InvalidInput { field, .. }) if field == "pageLimit"),
        "{first:?}"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn sends_can_be_spawned() {
    let server = Recorder::start().await;
    server.reply(Reply::json(200, account()));
    let client = client(&server);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.api().fetch_account_info().send().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(server.count(), 4);
}

async fn mock(devices: usize) -> (MockServer, Client) {
    let server = MockServer::start_with(MockConfig {
        devices,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .base_url(server.base_url())
        .api_key(server.api_key())
        .build()
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn paginated_items_walk_every_page_on_the_mock() {
    let (_server, client) = mock(230).await;
    let items: Vec<_> = client
        .api()
        .list_devices()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 230);
    let pages: Vec<_> = client
        .api()
        .list_devices()
        .page_limit(100)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [100, 100, 30]
    );
    let capped: Vec<_> = client
        .api()
        .list_devices()
        .max_items(120)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(capped.len(), 120);
    let ids: Vec<String> = client
        .api()
        .list_devices()
        .page_limit(40)
        .transform(&Transform::new("id").unwrap())
        .items_as()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 230);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 230, "every device once");
}
