//! CSV files in (issue #19): an OnboardDevices file and a RegisterPublicKeys file read from
//! disk go through the bulk workflows against the mock, with progress to a plain closure.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nrfcloud::onboarding::{BulkOptions, Progress, read_onboarding_csv, read_public_keys_csv};
use nrfcloud::{Client, Error};
use nrfcloud_mock::MockServer;

#[tokio::test]
async fn files_in_the_documentations_format_onboard_and_register_keys() {
    let mock = MockServer::start().await.unwrap();
    let client = Client::builder()
        .base_url(mock.base_url())
        .api_key(mock.api_key())
        .build()
        .unwrap();
    let pem = nrfcloud_mock::test_support::KeyPair::generate().public_key_pem();
    let dir = std::env::temp_dir().join(format!("nrfcloud-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let onboarding = dir.join("devices.csv");
    let mut text = String::from("deviceId,subType,tags,supportedFirmwareTypes,certificate\n");
    for i in 0..5 {
        text.push_str(&format!(
            "csv-device-{i},humidity-sensor,east|csv,APP|MODEM,\"{pem}\"\n"
        ));
    }
    std::fs::write(&onboarding, &text).unwrap();

    let rows = read_onboarding_csv(std::fs::File::open(&onboarding).unwrap()).unwrap();
    assert_eq!(rows.len(), 5);
    let events = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&events);
    let options = BulkOptions::default().progress(move |p| {
        if matches!(p, Progress::Finished { .. }) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let report = client.onboarding().devices(rows, options).await.unwrap();
    assert_eq!((report.succeeded.len(), report.failed.len()), (5, 0));
    assert_eq!(
        events.load(Ordering::SeqCst),
        1,
        "one request, one Finished event"
    );
    assert!(
        mock.state()
            .device_ids()
            .contains(&"csv-device-3".to_string())
    );

    let keys = dir.join("keys.csv");
    std::fs::write(
        &keys,
        format!("csv-device-0,\"{pem}\"\nnew-device-9,\"{pem}\"\n"),
    )
    .unwrap();
    let rows = read_public_keys_csv(std::fs::File::open(&keys).unwrap()).unwrap();
    let report = client
        .onboarding()
        .public_keys(rows, BulkOptions::default())
        .await
        .unwrap();
    assert_eq!(report.succeeded.len(), 2, "{report:?}");

    // A bad row fails before anything is sent, naming the file's line and column.
    std::fs::write(&keys, format!("csv-device-0,\"{pem}\"\nbad id,\"{pem}\"\n")).unwrap();
    let err = read_public_keys_csv(std::fs::File::open(&keys).unwrap()).unwrap_err();
    // The first row spans the PEM's lines; the second starts after them.
    let line = 2 + pem.matches('\n').count();
    let expected = format!("line {line}, column 1 (deviceId)");
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if *field == expected),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
