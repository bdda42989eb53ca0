//! Retries, polling and token expiry on an injected clock (`ClientBuilder::time_source` and
//! `sleep` with a `testing::ManualTime`): every wait is recorded and taken at once, so these
//! tests assert the exact waits and never sleep.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;

use nrfcloud::firmware::{FileType, FirmwareBundle};
use nrfcloud::fota::{FotaJob, FotaTarget};
use nrfcloud::onboarding::BulkOptions;
use nrfcloud::runtime::PollOptions;
use nrfcloud::testing::ManualTime;
use nrfcloud::{Client, Error, RetryPolicy};
use nrfcloud_mock::{MockConfig, MockServer};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::Value;

fn account() -> Value {
    let spec: Value = serde_json::from_str(include_str!("../../../spec/openapi.json")).unwrap();
    spec["paths"]["/account"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}

fn on_manual_time(builder: nrfcloud::ClientBuilder, time: &ManualTime) -> Client {
    builder
        .time_source(Arc::new(time.clone()))
        .sleep(Arc::new(time.clone()))
        .build()
        .unwrap()
}

/// A mock with `config`, and a client of it on a new manual clock.
async fn mock_on_manual_time(config: MockConfig) -> (MockServer, Client, ManualTime) {
    let server = MockServer::start_with(config).await.unwrap();
    let time = ManualTime::new();
    let client = on_manual_time(
        Client::builder()
            .base_url(server.base_url())
            .api_key(server.api_key()),
        &time,
    );
    (server, client, time)
}

#[tokio::test]
async fn retries_wait_what_retry_after_says_on_the_injected_clock() {
    let server = Recorder::start().await;
    server.then([
        Reply::empty(503).header("retry-after", "7"),
        Reply::empty(429).header("retry-after", "12"),
        Reply::json(200, account()),
    ]);
    let time = ManualTime::new();
    let client = on_manual_time(
        Client::builder()
            .base_url(&server.base)
            .api_key("key")
            .retry(RetryPolicy::standard()),
        &time,
    );
    client.api().fetch_account_info().send().await.unwrap();
    assert_eq!(server.count(), 3);
    assert_eq!(
        time.sleeps(),
        [Duration::from_secs(7), Duration::from_secs(12)],
        "each wait is the server's Retry-After"
    );
}

#[tokio::test]
async fn the_retry_budget_is_counted_on_the_injected_clock() {
    // A Retry-After longer than the policy's longest wait is clamped; the retries stop when
    // the next wait would pass the policy's budget, on the injected clock.
    let server = Recorder::start().await;
    server.then((0..20).map(|_| Reply::empty(503).header("retry-after", "3600")));
    let time = ManualTime::new();
    let policy = RetryPolicy::standard();
    let client = on_manual_time(
        Client::builder()
            .base_url(&server.base)
            .api_key("key")
            .retry(policy),
        &time,
    );
    let err = client.api().fetch_account_info().send().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let sleeps = time.sleeps();
    assert!(!sleeps.is_empty(), "it retried");
    assert!(
        sleeps.iter().all(|s| *s <= policy.max_wait),
        "clamped to max_wait: {sleeps:?}"
    );
    assert_eq!(server.count() as usize, sleeps.len() + 1);
}

#[tokio::test]
async fn a_fota_wait_times_out_on_the_injected_clock() {
    // The mock's job never moves on (one step a day), so only the injected clock ends the
    // wait: 10 polls 1 s apart fit in 10 s, the 11th wait would not.
    let (_server, client, time) = mock_on_manual_time(MockConfig {
        fota_step: Duration::from_secs(86_400),
        devices: 3,
        ..Default::default()
    })
    .await;
    let bundle = FirmwareBundle::new("1.0.0").file("app.bin", FileType::Application, vec![1u8; 64]);
    let bundle = client
        .firmware()
        .upload(&bundle)
        .await
        .unwrap()
        .bundle_id
        .expect("a bundle id");
    let device = client
        .api()
        .list_devices()
        .max_items(1)
        .items_as::<Value>()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .remove(0);
    let job = client
        .fota()
        .create(&FotaJob::new(
            bundle,
            FotaTarget::Devices(vec![device["id"].as_str().unwrap().to_string()]),
        ))
        .await
        .unwrap();
    let mut polls = 0;
    let err = client
        .fota()
        .wait(
            &job,
            PollOptions::every(Duration::from_secs(1), Duration::from_secs(10)),
            |_| polls += 1,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "FetchFOTAJob"
            }
        ),
        "{err:?}"
    );
    assert_eq!(time.sleeps(), [Duration::from_secs(1); 10]);
    assert_eq!(polls, 11);
}

#[tokio::test]
async fn a_bulk_wait_backs_off_and_times_out_on_the_injected_clock() {
    let (_server, client, time) = mock_on_manual_time(MockConfig {
        bulk_ops_delay: Duration::from_secs(86_400),
        ..Default::default()
    })
    .await;
    let key = nrfcloud_mock::test_support::KeyPair::generate();
    let options = BulkOptions {
        poll: PollOptions {
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(8),
            timeout: Duration::from_secs(60),
        },
        ..Default::default()
    };
    let err = client
        .onboarding()
        .public_keys(
            vec![("nrf-352656100000077".to_string(), key.public_key_pem())],
            options,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "FetchBulkOpsRequest"
            }
        ),
        "{err:?}"
    );
    let secs: Vec<u64> = time.sleeps().iter().map(Duration::as_secs).collect();
    // 1 + 2 + 4 + 8 * 6 = 55 s; the next 8 s would pass 60 s.
    assert_eq!(secs, [1, 2, 4, 8, 8, 8, 8, 8, 8]);
}
