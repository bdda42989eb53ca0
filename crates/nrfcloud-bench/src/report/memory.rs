//! The `memory` group: peak memory, measured in child processes (the `bench-memory-probe`
//! binary, whose global allocator counts), and the probe itself.

use super::*;
use crate::counting::{live_bytes, peak_bytes, restart_peak, start_counting, stop_counting};

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

/// Builds the `bench-memory-probe` binary (this program's profile) once and returns its path.
fn probe_binary() -> Result<PathBuf, String> {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| build_binary("nrfcloud-bench", "bench-memory-probe"))
        .clone()
}

/// Runs the probe binary on one case and reads its result.
pub(super) async fn run_probe(
    case: &str,
    url: &str,
    api_key: &str,
    devices: usize,
) -> Result<ProbeResult, String> {
    let exe = probe_binary()?;
    let args = vec![
        case.to_string(),
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

pub(super) async fn stream_memory(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    const NAME: &str = "(c) peak live heap streaming 100,000 devices (a consumer holding each page 15 ms) vs two pages' worth (the bound: the page consumed + the one in flight)";
    let target = Target::AtMost(1.0);
    let result = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let large = server.base_url(STREAM_DEVICES_LARGE);
        let mut ratios = Vec::new();
        let mut last = ProbeResult::default();
        for _ in 0..rounds.memory.max(1) {
            let p = run_probe("stream", &large, common::API_KEY, STREAM_DEVICES_LARGE).await?;
            ratios.push(p.peak / (2.0 * p.held));
            last = p;
        }
        Ok::<_, String>((median(ratios), last, server.connections()))
    };
    rows.push(match result.await {
        Ok((ratio, p, connections)) => {
            notes.push(format!(
                "(c): one page of 100 is {} live at its peak (fetched, decoded, held); the \
                 stream's peak is counted from the live bytes before it; the server accepted \
                 {connections} connections over {} probe runs.",
                format_bytes(p.held),
                rounds.memory.max(1)
            ));
            Row::new(
                NAME,
                format_bytes(p.peak),
                format_bytes(2.0 * p.held),
                Some(ratio),
            )
            .target(target)
            .kind(Kind::HeapBytes)
        }
        Err(e) => Row::failed(NAME, target, e).kind(Kind::HeapBytes),
    });
}

/// One peak-memory measurement, run in the `bench-memory-probe` binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `stream` or `onboard`.
    pub case: String,
    /// The server's base URL.
    pub url: String,
    /// Its API key.
    pub api_key: String,
    /// How many devices.
    pub devices: usize,
}

/// Runs one case with the counting allocator on and prints
/// `probe peak_bytes=N held_bytes=N items=N`; returns the exit code. Meant for the
/// `bench-memory-probe` binary, where [`crate::counting::CountingAlloc`] is the global
/// allocator (elsewhere the counts stay zero).
pub fn memory_probe(probe: &Probe) -> u8 {
    let zero = start_counting();
    let result = (|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(err)?;
        runtime.block_on(async {
            match probe.case.as_str() {
                "stream" => {
                    // One page's worth first: the peak above the live bytes while one page
                    // is fetched, decoded and held (on a warm connection).
                    let client = common::ours(&probe.url, &probe.api_key).map_err(err)?;
                    common::ours_list_page(&client).await.map_err(err)?;
                    let before = restart_peak();
                    let page = common::ours_list_page(&client).await.map_err(err)?;
                    let page_worth = peak_bytes() - before;
                    drop(page);
                    // Then the listing, with a slow consumer: it holds each page for longer
                    // than the next one takes to fetch and decode, so the stream's bound
                    // (the page being consumed plus the one in flight) is reached on every
                    // page. The peak is counted from the live bytes before the stream.
                    let before = restart_peak();
                    let mut pages = client.api().list_devices().pages();
                    let mut count = 0;
                    while let Some(page) = pages.next().await {
                        let page = page.map_err(err)?;
                        count += page.items.len();
                        tokio::time::sleep(PROBE_HOLD).await;
                        drop(page);
                    }
                    drop(pages);
                    Ok((page_worth, count, Some(peak_bytes() - before)))
                }
                "onboard" => {
                    let before = live_bytes();
                    let rows = common::onboarding_rows(probe.devices);
                    let held = live_bytes() - before;
                    let client = common::ours(&probe.url, &probe.api_key).map_err(err)?;
                    let report = client
                        .onboarding()
                        .devices(rows, common::bulk_options(4))
                        .await
                        .map_err(err)?;
                    if !report.failed.is_empty() {
                        return Err(format!("{} rows failed", report.failed.len()));
                    }
                    Ok((held, report.succeeded.len(), None))
                }
                other => Err(format!("unknown probe {other:?}")),
            }
        })
    })();
    let whole_run = peak_bytes() - zero;
    stop_counting();
    match result {
        Ok((held, items, stream_peak)) => {
            let peak = stream_peak.unwrap_or(whole_run);
            println!("probe peak_bytes={peak} held_bytes={held} items={items}");
            0
        }
        Err(e) => {
            eprintln!("bench-report probe: {e}");
            1
        }
    }
}
