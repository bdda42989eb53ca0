//! The `memory` group: peak memory, measured in child processes (memory probes), and the
//! probe itself (`--memory-probe CASE`).

use std::sync::atomic::Ordering;

use super::counting::{COUNTING, CURRENT, PEAK, start_counting};
use super::*;

/// What a probe printed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ProbeResult {
    pub(super) peak: f64,
    pub(super) held: f64,
    pub(super) items: usize,
}

pub(super) fn parse_probe(stdout: &str) -> Option<ProbeResult> {
    let line = stdout.lines().rev().find(|l| l.starts_with("probe "))?;
    let mut r = ProbeResult::default();
    for field in line.split_whitespace().skip(1) {
        let (k, v) = field.split_once('=')?;
        match k {
            "peak_bytes" => r.peak = v.parse().ok()?,
            "held_bytes" => r.held = v.parse().ok()?,
            "items" => r.items = v.parse().ok()?,
            _ => {}
        }
    }
    Some(r)
}

/// Runs this program as a memory probe and reads its result.
pub(super) async fn run_probe(
    case: &str,
    url: &str,
    api_key: &str,
    devices: usize,
) -> Result<ProbeResult, String> {
    let exe = std::env::current_exe().map_err(err)?;
    let args = vec![
        "bench-report".to_string(),
        "--memory-probe".into(),
        case.into(),
        "--url".into(),
        url.into(),
        "--api-key".into(),
        api_key.into(),
        "--devices".into(),
        devices.to_string(),
    ];
    let output = tokio::task::spawn_blocking(move || Command::new(exe).args(args).output())
        .await
        .map_err(err)?
        .map_err(err)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "probe {case} exited with {}: {}",
            output.status,
            err(String::from_utf8_lossy(&output.stderr))
        ));
    }
    let result = parse_probe(&stdout).ok_or_else(|| format!("probe {case}: no result"))?;
    eprintln!(
        "bench-report: probe {case} {devices}: peak {}, held {}",
        format_bytes(result.peak),
        format_bytes(result.held)
    );
    if result.items != devices {
        return Err(format!(
            "probe {case}: {} of {devices} devices",
            result.items
        ));
    }
    Ok(result)
}

pub(super) async fn stream_memory(rows: &mut Vec<Row>, rounds: Rounds) {
    const NAME: &str = "(c) peak heap streaming 100,000 vs 10,000 devices (ours vs ours; a consumer holding each page 15 ms)";
    let target = Target::AtMost(1.2);
    let result = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let (small, large) = (
            server.base_url(STREAM_DEVICES),
            server.base_url(STREAM_DEVICES_LARGE),
        );
        let (small, large) = (&small, &large);
        interleaved(
            rounds.memory,
            || async move {
                Ok(
                    run_probe("stream", large, common::API_KEY, STREAM_DEVICES_LARGE)
                        .await?
                        .peak,
                )
            },
            || async move {
                Ok(run_probe("stream", small, common::API_KEY, STREAM_DEVICES)
                    .await?
                    .peak)
            },
        )
        .await
    };
    rows.push(match result.await {
        Ok((large, small)) => Row::new(
            NAME,
            format_bytes(large),
            format_bytes(small),
            Some(large / small),
        )
        .target(target)
        .kind(Kind::HeapBytes),
        Err(e) => Row::failed(NAME, target, e),
    });
}

/// `--memory-probe CASE`: runs one case with the counting allocator on and prints
/// `probe peak_bytes=N held_bytes=N items=N`.
pub(super) fn memory_probe(probe: &Probe) -> u8 {
    let zero = start_counting();
    let result = (|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(err)?;
        runtime.block_on(async {
            match probe.case.as_str() {
                "stream" => {
                    // A slow consumer: it holds each page for longer than the next one takes
                    // to fetch and decode, so the stream's bound (the page being consumed plus
                    // the one fetched ahead) is reached on every page, and the peak does not
                    // depend on how the threads happened to be scheduled.
                    let client = common::ours(&probe.url, &probe.api_key).map_err(err)?;
                    let mut pages = client.api().list_devices().pages();
                    let mut count = 0;
                    while let Some(page) = pages.next().await {
                        let page = page.map_err(err)?;
                        count += page.items.len();
                        tokio::time::sleep(PROBE_HOLD).await;
                        drop(page);
                    }
                    Ok((0, count))
                }
                "onboard" => {
                    let before = CURRENT.load(Ordering::SeqCst);
                    let rows = common::onboarding_rows(probe.devices);
                    let held = CURRENT.load(Ordering::SeqCst) - before;
                    let client = common::ours(&probe.url, &probe.api_key).map_err(err)?;
                    let report = client
                        .onboarding()
                        .devices(rows, common::bulk_options(4))
                        .await
                        .map_err(err)?;
                    if !report.failed.is_empty() {
                        return Err(format!("{} rows failed", report.failed.len()));
                    }
                    Ok((held, report.succeeded.len()))
                }
                other => Err(format!("unknown probe {other:?}")),
            }
        })
    })();
    let peak = PEAK.load(Ordering::SeqCst) - zero;
    COUNTING.store(false, Ordering::SeqCst);
    match result {
        Ok((held, items)) => {
            println!("probe peak_bytes={peak} held_bytes={held} items={items}");
            0
        }
        Err(e) => {
            eprintln!("bench-report probe: {e}");
            1
        }
    }
}
