//! Quickstart: a walk through the client against an embedded mock nRF Cloud (no account).
//!
//! ```text
//! cargo run -p nrfcloud --example quickstart                        # embedded mock
//! cargo run -p nrfcloud --example quickstart -- --base-url URL      # another server (needs NRFCLOUD_API_KEY)
//! NRFCLOUD_API_KEY=... cargo run -p nrfcloud --example quickstart -- --live   # read-only steps, real API
//! ```
//!
//! Steps: account info; bulk-onboard 2,500 devices with a progress bar; list them through a
//! pagination stream with a JSONata transform; send and list messages; upload firmware,
//! create, apply and wait for a FOTA job; a ground fix with a device JWT; an A-GNSS download;
//! location anchors and the system status.
//!
//! Every call is a typed send, `client.api().<operation>().<setters>().send()` (or a page
//! stream), and every request body is built with the generated types and their builders.

use std::io::Write;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use nrfcloud::agnss::AgnssDownload;
use nrfcloud::firmware::{FileType, FirmwareBundle};
use nrfcloud::fota::{FotaJob, FotaTarget};
use nrfcloud::ground_fix::{GroundFixOptions, lte_cell};
use nrfcloud::onboarding::{BulkOptions, DeviceCredential, OnboardingRow, Progress};
use nrfcloud::runtime::PollOptions;
use nrfcloud::{Client, DeviceKey, ServiceKey, Transform, types};
use serde_json::{Map, Value};

const DEVICES: usize = 2500;

/// Where the quickstart runs.
enum Target {
    /// The embedded mock (the default).
    Mock,
    /// Another server (a mock elsewhere, a staging host), with full steps.
    Server(String),
    /// The real API, read-only steps only.
    Live,
}

fn parse_args() -> Result<Target, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(Target::Mock),
        [flag] if flag == "--live" => Ok(Target::Live),
        [flag, url] if flag == "--base-url" => Ok(Target::Server(url.clone())),
        _ => Err("usage: quickstart [--base-url URL | --live]".into()),
    }
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("\nquickstart failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let target = parse_args()?;
    let api_key = std::env::var("NRFCLOUD_API_KEY").ok();
    // Keeps the embedded mock alive for the whole run.
    let mut _mock = None;
    let (base_url, key, live) = match target {
        Target::Mock => {
            let server = nrfcloud_mock::MockServer::start_with(nrfcloud_mock::MockConfig {
                bulk_ops_delay: Duration::from_millis(100),
                fota_step: Duration::from_millis(150),
                ..Default::default()
            })
            .await?;
            let (url, key) = (server.base_url().to_string(), server.api_key().to_string());
            println!("embedded mock nRF Cloud at {url}/v1");
            _mock = Some(server);
            (url, key, false)
        }
        Target::Server(url) => (
            url,
            api_key.ok_or("set NRFCLOUD_API_KEY for --base-url")?,
            false,
        ),
        Target::Live => (
            nrfcloud::DEFAULT_BASE_URL.to_string(),
            api_key.ok_or("set NRFCLOUD_API_KEY for --live")?,
            true,
        ),
    };
    let client = Client::builder().base_url(&base_url).api_key(key).build()?;
    let started = Instant::now();

    // 1. Account.
    let account = client.api().fetch_account_info().send().await?;
    let role = serde_json::to_value(&account.role)?;
    let team = account.team.name.as_deref().unwrap_or("(unnamed)");
    step(
        "account",
        format!(
            "team {team:?} ({}), role {}",
            account.team.tenant_id.as_str(),
            role.as_str().unwrap_or("?")
        ),
    );
    let status = client.api().get_system_status().send().await?;
    step("system status", compact(&status.to_value()?));

    if live {
        let devices: Vec<Value> = client
            .api()
            .list_devices()
            .transform(&Transform::new("{ \"id\": id, \"type\": type }")?)
            .max_items(10)
            .items_as::<Value>()
            .try_collect()
            .await?;
        step(
            "devices",
            format!(
                "first {} of your devices: {}",
                devices.len(),
                compact(&Value::Array(devices.clone()))
            ),
        );
        println!(
            "\nread-only live run done in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }

    // 2. Bulk onboarding with a progress bar.
    let device_key = DeviceKey::from_pem("nrf-quickstart-00000", &example_private_key())?;
    let public = device_key.public_key_pem();
    let rows: Vec<OnboardingRow> = (0..DEVICES)
        .map(|i| {
            OnboardingRow::new(
                format!("nrf-quickstart-{i:05}"),
                DeviceCredential::PublicKey(public.clone()),
            )
            .tags(["quickstart"])
            .firmware_types(["APP", "MODEM"])
        })
        .collect();
    let options = BulkOptions {
        chunk_size: 500,
        ..Default::default()
    }
    .progress(|p| {
        if let Progress::Finished { done, total, .. } = p {
            let width = 40 * done / total.max(&1);
            print!(
                "\r  onboarding [{}{}] {done}/{total}",
                "#".repeat(width),
                ".".repeat(40 - width)
            );
            let _ = std::io::stdout().flush();
        }
    });
    let report = client.onboarding().devices(rows, options).await?;
    println!();
    step(
        "onboarding",
        format!(
            "{} devices in {} bulk requests, {} failed",
            report.succeeded.len(),
            report.requests.len(),
            report.failed.len()
        ),
    );

    // 3. A pagination stream with a JSONata transform.
    let transform = Transform::new("{ \"id\": id, \"type\": type }")?;
    let listed: Vec<Value> = client
        .api()
        .list_devices()
        .transform(&transform)
        .items_as()
        .try_collect()
        .await?;
    step(
        "listing",
        format!(
            "{} devices streamed with `{}`; first: {}",
            listed.len(),
            transform,
            compact(&listed[0])
        ),
    );

    // 4. Messages.
    let device_id = "nrf-quickstart-00000";
    let mut reading = Map::new();
    reading.insert("temp".into(), Value::from(21.5));
    reading.insert("ts".into(), Value::from(1_764_000_000_000u64));
    reading.insert("units".into(), Value::from("C"));
    let topic: types::MqttTopic = format!("m/d/{device_id}/d2c/bulk").parse()?;
    client
        .api()
        .send_device_message()
        .device_id(device_id)
        .body_map(|b| b.topic(Some(topic)).message(vec![types::Message(reading)]))
        .send()
        .await?;
    let messages: Vec<_> = client
        .api()
        .list_messages()
        .device_id(device_id)
        .items()
        .try_collect()
        .await?;
    step(
        "messages",
        format!("sent 1, listed {} for {device_id}", messages.len()),
    );

    // 5. Firmware and a FOTA job.
    let bundle = FirmwareBundle::new("1.1.0").name("quickstart app").file(
        "app_update.bin",
        FileType::Application,
        vec![0xA5; 16 * 1024],
    );
    let uploaded = client.firmware().upload(&bundle).await?;
    let bundle_id = uploaded
        .bundle_id
        .ok_or("no bundle id in the upload's URIs")?;
    let targets = (0..10).map(|i| format!("nrf-quickstart-{i:05}")).collect();
    let job = FotaJob {
        auto_apply: false,
        name: Some("quickstart".into()),
        ..FotaJob::new(&bundle_id, FotaTarget::Devices(targets))
    };
    let job_id = client.fota().create(&job).await?;
    client.fota().apply(&job_id).await?;
    let wait = PollOptions::every(Duration::from_millis(200), Duration::from_secs(60));
    let mut statuses: Vec<String> = Vec::new();
    let done = client
        .fota()
        .wait(&job_id, wait, |s| {
            let status = s.status.to_string();
            if statuses.last() != Some(&status) {
                statuses.push(status);
            }
        })
        .await?;
    let stats = &done.execution_stats;
    step(
        "fota",
        format!(
            "bundle {bundle_id}, job {job_id}: {} ({} succeeded, {} failed of {}; the mock fails \
             10% of devices on purpose, MockConfig::fota_failure_percent)",
            statuses.join(" -> "),
            stats.succeeded,
            stats.failed,
            stats.executions
        ),
    );

    // 6. A ground fix signed by the device's own key.
    let device = Client::builder()
        .base_url(&base_url)
        .device_key(device_key)
        .build()?;
    // The generated body; measurements are JSON numbers sent as given (-97, not -97.0).
    let mut cell = lte_cell(242, 2, 2305, 33703712);
    cell.rsrp = Some((-97).into());
    let cells = types::GroundFixCurrentForm {
        lte: Some(vec![cell]),
        ..Default::default()
    };
    let fix = device
        .location()
        .ground_fix(cells, &GroundFixOptions::new())
        .await?;
    step(
        "ground fix",
        format!(
            "{:.5}, {:.5} ± {} m (device JWT)",
            fix.lat.0, fix.lon.0, fix.uncertainty.0
        ),
    );

    // 7. A-GNSS with a service-key JWT.
    let service = client.api().generate_service_key_and_token().send().await?;
    let agnss_client = Client::builder()
        .base_url(&base_url)
        .service_key(ServiceKey::from_pem(
            account.team.tenant_id.as_str(),
            &service.key,
        )?)
        .build()?;
    let elements = [1, 2, 3, 4, 6, 7, 8, 9]
        .into_iter()
        .map(types::NrfMessageType::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    // `Mnc` is the document's anyOf integer | string (a string keeps leading zeros: "001").
    let request: types::GetAssistanceDataBody = types::GetAssistanceDataBody::builder()
        .types(elements)
        .mcc(Some(types::Mcc(242)))
        .mnc(Some(types::Mnc::Integer(2)))
        .tac(Some(types::Tac(2305)))
        .eci(Some(types::Eci(33703712)))
        .try_into()?;
    let bytes = agnss_client
        .location()
        .agnss(request, AgnssDownload::new())
        .await?;
    let data = nrfcloud::AgnssData::parse(&bytes).map_err(|e| e.to_string())?;
    let parts: Vec<String> = data
        .entries()
        .iter()
        .map(|(t, n)| format!("{n} {}", t.name()))
        .collect();
    step(
        "a-gnss",
        format!(
            "{} bytes in 1,700-byte fragments: {}",
            bytes.len(),
            parts.join(", ")
        ),
    );

    // 8. Location anchors.
    client
        .api()
        .create_anchor()
        .body_map(|b| {
            b.mac_address(types::MacAddress("40:01:7a:c9:10:22".into()))
                .lat(types::Latitude(63.4214))
                .lon(types::Longitude(10.4377))
                .name(Some("lab".to_string()))
        })
        .send()
        .await?;
    let anchors: Vec<_> = client.api().list_anchors().items().try_collect().await?;
    step("anchors", format!("{} anchor(s) stored", anchors.len()));

    println!("\ndone in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn step(name: &str, text: String) {
    println!("  {name:<14} {text}");
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 100 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(99).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

/// A fixed example device key (a P-256 key made for this example; never use it for real).
fn example_private_key() -> String {
    nrfcloud_mock::test_support::KeyPair::from_seed(b"nrfcloud-rs quickstart device")
        .private_key_pem()
}
