//! A firmware update from start to end, against an embedded mock nRF Cloud (no account):
//! upload a bundle, create a FOTA job for a tag, wait for it with progress, then list what
//! each device did.
//!
//! ```text
//! cargo run -p nrfcloud --example fota
//! ```
//!
//! Against the real API, build the client with `.api_key(...)` and your own base URL and tag;
//! a real job takes minutes to hours (devices fetch the image when they next connect), which
//! is why `WaitOptions::default()` polls every 5 s for up to an hour.

use std::time::Duration;

use futures::TryStreamExt;
use nrfcloud::Client;
use nrfcloud::firmware::{FileType, FirmwareBundle};
use nrfcloud::fota::{FotaJob, FotaTarget};
use nrfcloud::runtime::PollOptions;
use nrfcloud_mock::{MockConfig, MockServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 20 seeded devices, tagged "even" or "odd"; the mock steps FOTA executions every 50 ms
    // and fails 10% of devices on purpose.
    let mock = MockServer::start_with(MockConfig {
        devices: 20,
        fota_step: Duration::from_millis(50),
        ..Default::default()
    })
    .await?;
    let client = Client::builder()
        .base_url(mock.base_url())
        .api_key(mock.api_key())
        .build()?;

    // 1. A bundle: checked locally (manifest, sizes) before it is uploaded.
    let bundle = FirmwareBundle::new("1.2.0").name("fota example").file(
        "app_update.bin",
        FileType::Application,
        vec![0x5A; 32 * 1024],
    );
    let uploaded = client.firmware().upload(&bundle).await?;
    let bundle_id = uploaded
        .bundle_id
        .ok_or("no bundle id in the upload's URIs")?;
    println!("uploaded bundle {bundle_id}");

    // 2. A job for every device tagged "even", applied at once.
    let job = FotaJob {
        name: Some("fota example".into()),
        ..FotaJob::new(&bundle_id, FotaTarget::Tags(vec!["even".into()]))
    };
    let job_id = client.fota().create(&job).await?;
    println!("created job {job_id}");

    // 3. Wait for a terminal status, printing each change.
    let wait = PollOptions::every(Duration::from_millis(100), Duration::from_secs(60));
    let mut last = String::new();
    let done = client
        .fota()
        .wait(&job_id, wait, |state| {
            let status = state.status.to_string();
            if status != last {
                println!("  job status: {status}");
                last = status;
            }
        })
        .await?;
    let stats = &done.execution_stats;
    println!(
        "job {job_id} ended {}: {} succeeded, {} failed of {} executions",
        done.status, stats.succeeded, stats.failed, stats.executions
    );

    // 4. What each device did.
    let executions: Vec<_> = client.fota().executions(&job_id).try_collect().await?;
    for e in &executions {
        println!("  {} {}", e.device_id.as_str(), e.status);
    }
    if executions.is_empty() {
        return Err("the job has no executions".into());
    }
    Ok(())
}
