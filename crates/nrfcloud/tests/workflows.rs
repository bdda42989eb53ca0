//! The workflows against the local mock nRF Cloud: bulk onboarding with failed rows mapped
//! back, device JWTs accepted after onboarding, firmware upload and a FOTA job to a terminal
//! status, listings with a JSONata transform, and an A-GNSS download that parses.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use nrfcloud::agnss::AgnssDownload;
use nrfcloud::firmware::{FileType, FirmwareBundle};
use nrfcloud::fota::{FotaJob, FotaTarget};
use nrfcloud::onboarding::{BulkOptions, DeviceCredential, OnboardingRow, Progress};
use nrfcloud::runtime::PollOptions;
use nrfcloud::{Client, DeviceKey, Error, Transform};
use nrfcloud_mock::{MockConfig, MockServer};
use serde_json::{Value, json};

async fn mock() -> MockServer {
    MockServer::start_with(MockConfig {
        bulk_ops_delay: Duration::from_millis(20),
        fota_step: Duration::from_millis(20),
        ..Default::default()
    })
    .await
    .expect("mock starts")
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .api_key(server.api_key())
        .build()
        .unwrap()
}

fn fast() -> BulkOptions {
    BulkOptions {
        poll: PollOptions {
            interval: Duration::from_millis(10),
            max_interval: Duration::from_millis(50),
            timeout: Duration::from_secs(30),
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn bulk_onboarding_in_chunks_with_failed_rows_mapped_back() {
    let server = mock().await;
    let client = client(&server);
    let key = DeviceKey::from_pem(
        "seed",
        &nrfcloud_mock::test_support::KeyPair::from_seed(b"bulk").private_key_pem(),
    )
    .unwrap();
    let public = key.public_key_pem();
    let rows: Vec<OnboardingRow> = (0..2500)
        .map(|i| {
            OnboardingRow::new(
                format!("nrf-bulk-{i:05}"),
                DeviceCredential::PublicKey(public.clone()),
            )
            .tags(["bulk"])
            .firmware_types(["APP", "MODEM"])
        })
        .collect();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let options = BulkOptions {
        concurrency: 2,
        on_progress: Some(Arc::new(move |p: &Progress| {
            sink.lock().unwrap().push(p.clone())
        })),
        ..fast()
    };
    let report = client.onboarding().devices(rows, options).await.unwrap();
    assert_eq!(
        (
            report.succeeded.len(),
            report.failed.len(),
            report.requests.len()
        ),
        (2500, 0, 3)
    );
    assert_eq!(server.state().device_count(), 2500);
    let events = events.lock().unwrap().clone();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Progress::Submitted { .. }))
            .count(),
        3
    );
    assert!(events.iter().any(|e| matches!(
        e,
        Progress::Finished {
            done: 2500,
            total: 2500,
            ..
        }
    )));

    // Three already exist: the server rejects those rows, the report says which and why.
    let again: Vec<OnboardingRow> = [
        "nrf-bulk-00001",
        "nrf-new-1",
        "nrf-bulk-00007",
        "nrf-new-2",
        "nrf-bulk-02499",
    ]
    .iter()
    .map(|id| OnboardingRow::new(*id, DeviceCredential::PublicKey(public.clone())))
    .collect();
    let report = client.onboarding().devices(again, fast()).await.unwrap();
    assert_eq!(report.succeeded, vec!["nrf-new-1", "nrf-new-2"]);
    let failed: Vec<&str> = report.failed.iter().map(|f| f.device_id.as_str()).collect();
    assert_eq!(
        failed,
        vec!["nrf-bulk-00001", "nrf-bulk-00007", "nrf-bulk-02499"]
    );
    assert!(
        report.failed[0].reason.contains("already"),
        "{}",
        report.failed[0].reason
    );
}

#[tokio::test]
async fn a_bad_row_fails_before_anything_is_sent() {
    let server = mock().await;
    let rows = vec![
        OnboardingRow::new(
            "nrf-ok",
            DeviceCredential::PublicKey(
                nrfcloud_mock::test_support::KeyPair::generate().public_key_pem(),
            ),
        ),
        OnboardingRow::new("nrf bad", DeviceCredential::OnboardingToken("t".into())),
    ];
    let err = client(&server)
        .onboarding()
        .devices(rows, fast())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "rows[1].deviceId"),
        "{err}"
    );
    assert_eq!(server.state().bulk_ops_request_count(), 0);
}

#[tokio::test]
async fn an_onboarded_device_calls_location_services_with_its_own_jwt() {
    let server = mock().await;
    let admin = client(&server);
    let key = DeviceKey::from_pem(
        "nrf-jwt-1",
        &nrfcloud_mock::test_support::KeyPair::from_seed(b"jwt").private_key_pem(),
    )
    .unwrap();
    let row = OnboardingRow::new(
        "nrf-jwt-1",
        DeviceCredential::PublicKey(key.public_key_pem()),
    );
    admin.onboarding().devices(vec![row], fast()).await.unwrap();

    let device = Client::builder()
        .base_url(server.base_url())
        .device_key(key)
        .build()
        .unwrap();
    let body: nrfcloud::types::GetLocationFromCellsOrWifiNetworksBody = serde_json::from_value(
        json!({"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712}]}),
    )
    .unwrap();
    let fix = device
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        (fix.lat.0 - 63.4).abs() < 1.0,
        "Trondheim, deterministically: {fix:?}"
    );

    // A key the server does not know is refused with an nRF 401.
    let stranger = DeviceKey::from_pem(
        "nrf-jwt-1",
        &nrfcloud_mock::test_support::KeyPair::from_seed(b"other").private_key_pem(),
    )
    .unwrap();
    let stranger = Client::builder()
        .base_url(server.base_url())
        .device_key(stranger)
        .build()
        .unwrap();
    let body: nrfcloud::types::GetLocationFromCellsOrWifiNetworksBody = serde_json::from_value(
        json!({"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712}]}),
    )
    .unwrap();
    let err = stranger
        .api()
        .get_location_from_cells_or_wifi_networks()
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.api().map(|e| e.status), Some(401), "{err}");
}

#[tokio::test]
async fn delete_firmware_deletes_the_uploaded_bundle() {
    // DeleteFirmware's bundleId went out JSON-quoted: the mock answered 404 and the bundle
    // stayed.
    let server = mock().await;
    let client = client(&server);
    let bundle =
        FirmwareBundle::new("1.0.0").file("app_update.bin", FileType::Application, vec![1u8; 64]);
    let bundle_id = client
        .firmware()
        .upload(&bundle)
        .await
        .unwrap()
        .bundle_id
        .expect("bundle id in the URIs");
    let listed = || async {
        client.api().list_firmware().send().await.map(|page| {
            page.items
                .iter()
                .map(|b| b.bundle_id.to_string())
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(listed().await.unwrap(), vec![bundle_id.clone()]);
    client
        .api()
        .delete_firmware()
        .bundle_id(bundle_id.as_str())
        .send()
        .await
        .unwrap();
    let left = match listed().await {
        Ok(ids) => ids,
        Err(e) if e.api().is_some_and(|a| a.is_empty_result()) => Vec::new(),
        Err(e) => panic!("{e}"),
    };
    assert!(left.is_empty(), "the bundle is gone: {left:?}");
}

#[tokio::test]
async fn firmware_upload_then_a_fota_job_to_a_terminal_status() {
    let server = mock().await;
    let client = client(&server);
    let public = nrfcloud_mock::test_support::KeyPair::generate().public_key_pem();
    let rows = (0..5)
        .map(|i| {
            OnboardingRow::new(
                format!("nrf-fota-{i}"),
                DeviceCredential::PublicKey(public.clone()),
            )
            .firmware_types(["APP"])
            .tags(["fleet"])
        })
        .collect();
    client.onboarding().devices(rows, fast()).await.unwrap();

    let bundle = FirmwareBundle::new("2.0.1").name("sensor").file(
        "app_update.bin",
        FileType::Application,
        vec![7u8; 4096],
    );
    let uploaded = client.firmware().upload(&bundle).await.unwrap();
    let bundle_id = uploaded.bundle_id.expect("bundle id in the URIs");
    assert!(bundle_id.starts_with("APP*"), "{bundle_id}");

    let job = FotaJob {
        auto_apply: false,
        ..FotaJob::new(
            &bundle_id,
            FotaTarget::Devices((0..5).map(|i| format!("nrf-fota-{i}")).collect()),
        )
    };
    let job_id = client.fota().create(&job).await.unwrap();
    assert!(client.fota().state(&job_id).await.unwrap().status == "CREATED");
    client.fota().apply(&job_id).await.unwrap();
    let mut seen = Vec::new();
    let wait = PollOptions::every(Duration::from_millis(20), Duration::from_secs(30));
    let done = client
        .fota()
        .wait(&job_id, wait, |s| seen.push(s.status.to_string()))
        .await
        .unwrap();
    assert!(done.is_terminal(), "{}", done.status);
    // The mock's job ends COMPLETED, a value of the document's enum; the counts are integers.
    assert!(
        matches!(
            done.status,
            nrfcloud::types::FotaV2JobEvents::FotaV2JobEventsKnown(
                nrfcloud::types::FotaV2JobEventsKnown::Completed
            )
        ),
        "{:?}",
        done.status
    );
    assert_eq!(done.execution_stats.executions, 5);
    assert_eq!(
        done.execution_stats.succeeded + done.execution_stats.failed,
        5,
        "{:?}",
        done.execution_stats
    );
    assert!(seen.len() >= 2, "progress was reported: {seen:?}");

    let executions: Vec<_> = client
        .fota()
        .executions(&job_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(executions.len(), 5);
    // The handle's stream is the operation's: the same executions, in the same order.
    let raw: Vec<_> = client
        .api()
        .list_fota_job_execution_statuses()
        .job_id(job_id.parse::<nrfcloud::types::JobId>().unwrap())
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids = |list: &[nrfcloud::types::FotaJobExecutionState]| {
        list.iter()
            .map(|e| e.device_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&executions), ids(&raw));
    // A job id that is not a UUID is refused before anything is sent.
    let bad: Vec<_> = futures::StreamExt::collect(client.fota().executions("not-a-job")).await;
    assert!(
        matches!(&bad[..], [Err(nrfcloud::Error::InvalidInput { field, .. })] if field == "jobId"),
        "{bad:?}"
    );
    // Each execution's status is a known value of the document's execution-status enum
    // (fixup execution_states_use_the_execution_status_enum), not a string to compare.
    use nrfcloud::types::{FotaV2JobExecutionEvents as Status, FotaV2JobExecutionEventsKnown as K};
    let ended = executions
        .iter()
        .filter(|e| {
            matches!(
                e.status,
                Status::FotaV2JobExecutionEventsKnown(K::Succeeded | K::Failed)
            )
        })
        .count();
    assert_eq!(
        ended as u64,
        done.execution_stats.succeeded + done.execution_stats.failed
    );
}

#[tokio::test]
async fn listing_with_a_transform_returns_the_transformed_items() {
    let server = MockServer::start_with(MockConfig {
        devices: 250,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = client(&server);
    let transform = Transform::new("{ \"id\": id, \"type\": type }").unwrap();
    let items: Vec<Value> = client
        .api()
        .list_devices()
        .transform(&transform)
        .items_as::<Value>()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 250);
    assert_eq!(items[0], json!({"id": items[0]["id"], "type": "Generic"}));
    // The same expression evaluated locally gives the same answer as the server.
    let device: Value = client
        .api()
        .fetch_device()
        .device_id(items[3]["id"].as_str().unwrap())
        .send()
        .await
        .map(|d| serde_json::to_value(d).unwrap())
        .unwrap();
    assert_eq!(transform.evaluate(&device).unwrap(), items[3]);
}

#[tokio::test]
async fn an_agnss_download_in_fragments_parses() {
    let server = mock().await;
    let client = Client::builder()
        .base_url(server.base_url())
        .service_key(
            nrfcloud::ServiceKey::from_pem(
                server.tenant_id(),
                &generate_service_key(&server).await,
            )
            .unwrap(),
        )
        .build()
        .unwrap();
    let body = serde_json::from_value(json!({"types": [1, 2, 3, 4, 6, 7, 8, 9], "mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712})).unwrap();
    let bytes = client
        .location()
        .agnss(body, AgnssDownload::new().fragment_size(1700))
        .await
        .unwrap();
    let data = nrfcloud::AgnssData::parse(&bytes).unwrap();
    assert!(!data.entries().is_empty());
}

/// GenerateServiceKeyAndToken through the API key; returns the private key PEM.
async fn generate_service_key(server: &MockServer) -> String {
    let admin = client(server);
    admin
        .api()
        .generate_service_key_and_token()
        .send()
        .await
        .unwrap()
        .key
        .to_string()
}

#[tokio::test]
async fn the_location_history_is_read_and_pruned_through_the_location_handle() {
    let server = MockServer::start_with(MockConfig {
        devices: 3,
        ..Default::default()
    })
    .await
    .expect("mock starts");
    let client = client(&server);
    let all: Vec<_> = client
        .location()
        .history()
        .items()
        .try_collect()
        .await
        .expect("history");
    assert!(!all.is_empty(), "the mock seeds location history");
    let device = all[0].device_id.to_string();
    let of_device = |client: &Client| {
        let client = client.clone();
        let device = device.clone();
        async move {
            client
                .location()
                .history()
                .device_id(device.as_str())
                .items()
                .try_collect::<Vec<_>>()
                .await
                .expect("history of one device")
        }
    };
    let before = of_device(&client).await;
    assert!(before.iter().all(|r| r.device_id.to_string() == device));
    client
        .location()
        .delete_history()
        .device_id(device.as_str())
        .id(before[0].id.to_string())
        .send()
        .await
        .expect("deleted");
    let after = of_device(&client).await;
    assert_eq!(after.len(), before.len() - 1);
    assert!(after.iter().all(|r| r.id != before[0].id));
}
