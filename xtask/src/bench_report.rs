//! `cargo xtask bench-report`: the side-by-side comparisons of the benchmark issue, in one
//! process run, printed as a table of ratios.
//!
//! Run it in release mode for real figures:
//!
//! ```text
//! cargo run --release -p xtask -- bench-report [--check] [--quick] [--only GROUPS]
//! ```
//!
//! - Each comparison runs as interleaved rounds (ours, baseline, ours, baseline, …) in this
//!   process, and the figures are the medians of the rounds; the ratio is ours ÷ baseline.
//! - Peak memory is measured in a child process per measurement (this program again, with
//!   `--memory-probe CASE`), whose counting global allocator reports the peak of live heap
//!   bytes; the servers it talks to run in this process, so they do not count.
//! - jsonata-js runs in `node` with the npm package `jsonata` (installed into
//!   `target/bench-js` when missing); without them that row says it was skipped.
//! - Build timings use their own target directory (`target/bench-build`), so they neither
//!   wait for nor disturb other builds; its first use builds the dependencies once, untimed.
//! - The `attacks` group starts the built `nrfcloud-mock` binary once per hostile request and
//!   reads its peak resident memory from `/proc` (see `attacks`).
//!
//! The exit code is 0 (a report, not a gate) unless `--check` is given: then 1 when a target
//! is missed or a benchmark failed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use nrfcloud::pagination::ListDevices;

use crate::bench_common as common;
use crate::cli::{BenchArgs, Probe};

mod attacks;

// ---------------------------------------------------------------------------------------------
// The counting allocator (installed in main.rs; counts only in a memory probe).

/// Forwards to the system allocator; while a memory probe runs, also counts live heap bytes
/// and their peak.
#[derive(Debug)]
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

fn grew(bytes: usize) {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters have no effect on it.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            shrank(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Starts counting; returns the live bytes now (the probe's zero).
fn start_counting() -> i64 {
    COUNTING.store(true, Ordering::SeqCst);
    let now = CURRENT.load(Ordering::SeqCst);
    PEAK.store(now, Ordering::SeqCst);
    now
}

// ---------------------------------------------------------------------------------------------
// Sizes.

/// Per-call comparisons: calls per round.
const FETCH_CALLS: usize = 300;
const PAGE_CALLS: usize = 10;
/// Devices of the pagination and JSONata comparisons.
const STREAM_DEVICES: usize = 10_000;
/// The larger listing of the memory comparison.
const STREAM_DEVICES_LARGE: usize = 100_000;
/// Injected latency per page, and the consumer's time per page.
const PAGE_LATENCY: Duration = Duration::from_millis(2);
/// How long the memory probe's consumer holds each page (longer than a page takes to
/// fetch and decode here).
const PROBE_HOLD: Duration = Duration::from_millis(15);
/// Devices of the bulk onboarding comparison, and the mock's latency there.
const BULK_DEVICES: usize = 100_000;
const BULK_LATENCY: Duration = Duration::from_millis(5);
/// Tasks sharing one client.
const TASKS: usize = 64;
const CALLS_PER_TASK: usize = 20;

/// Rounds per comparison (each round runs ours once and the baseline once).
#[derive(Debug, Clone, Copy)]
struct Rounds {
    calls: usize,
    stream: usize,
    latency: usize,
    memory: usize,
    jsonata: usize,
    bulk: usize,
    bulk_devices: usize,
    jwt: usize,
    noop_builds: usize,
}

impl Rounds {
    fn new(quick: bool) -> Self {
        if quick {
            Rounds {
                calls: 5,
                stream: 3,
                latency: 3,
                memory: 1,
                jsonata: 2,
                bulk: 1,
                bulk_devices: 10_000,
                jwt: 3,
                noop_builds: 1,
            }
        } else {
            Rounds {
                calls: 21,
                stream: 9,
                latency: 7,
                memory: 3,
                jsonata: 5,
                bulk: 3,
                bulk_devices: BULK_DEVICES,
                jwt: 9,
                noop_builds: 3,
            }
        }
    }
}

/// The groups, in the order they run.
pub const GROUPS: &[&str] = &[
    "calls",
    "pagination",
    "memory",
    "jsonata",
    "onboarding",
    "jwt",
    "build",
    "attacks",
];

// ---------------------------------------------------------------------------------------------
// The table.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// A figure to know, not a target.
    Info,
    /// The ratio must be at most this.
    AtMost(f64),
}

#[derive(Debug, Clone)]
struct Row {
    name: String,
    ours: String,
    baseline: String,
    ratio: Option<f64>,
    target: Target,
    /// Why there is no figure (skipped, failed).
    problem: Option<Problem>,
}

#[derive(Debug, Clone)]
enum Problem {
    Skipped(String),
    Failed(String),
}

impl Row {
    fn new(name: impl Into<String>, ours: String, baseline: String, ratio: Option<f64>) -> Self {
        Row {
            name: name.into(),
            ours,
            baseline,
            ratio,
            target: Target::Info,
            problem: None,
        }
    }

    fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    fn failed(name: impl Into<String>, target: Target, why: impl Into<String>) -> Self {
        Row {
            name: name.into(),
            ours: "—".into(),
            baseline: "—".into(),
            ratio: None,
            target,
            problem: Some(Problem::Failed(why.into())),
        }
    }

    fn skipped(name: impl Into<String>, target: Target, why: impl Into<String>) -> Self {
        Row {
            problem: Some(Problem::Skipped(why.into())),
            ..Row::failed(name, target, "")
        }
    }

    /// `Some(true)` met, `Some(false)` missed, `None` nothing to judge.
    fn met(&self) -> Option<bool> {
        let r = self.ratio?;
        match self.target {
            Target::Info => None,
            Target::AtMost(t) => Some(r <= t),
        }
    }

    fn cells(&self) -> [String; 6] {
        let ratio = match (&self.problem, self.ratio) {
            (Some(Problem::Skipped(why)), _) => format!("skipped: {why}"),
            (Some(Problem::Failed(why)), _) => format!("failed: {why}"),
            (None, Some(r)) => format_ratio(r),
            (None, None) => "—".into(),
        };
        let target = match self.target {
            Target::Info => "—".to_string(),
            Target::AtMost(t) => format!("≤ {}", format_ratio(t)),
        };
        let ok = match (&self.problem, self.met()) {
            (Some(Problem::Failed(_)), _) => "error",
            (Some(Problem::Skipped(_)), _) => "—",
            (None, Some(true)) => "yes",
            (None, Some(false)) => "**no**",
            (None, None) => "—",
        };
        [
            self.name.clone(),
            self.ours.clone(),
            self.baseline.clone(),
            ratio,
            target,
            ok.to_string(),
        ]
    }
}

fn format_ratio(r: f64) -> String {
    if r == 0.0 || r.abs() >= 0.1 {
        format!("{r:.2}")
    } else {
        format!("{r:.2e}")
    }
}

/// Seconds, in the unit that suits them.
fn format_secs(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.2} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn format_bytes(b: f64) -> String {
    if b < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    }
}

fn render(rows: &[Row]) -> String {
    let header = ["benchmark", "ours", "baseline", "ratio", "target", "ok?"];
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        header.iter().map(|_| " --- ").collect::<Vec<_>>().join("|")
    );
    for row in rows {
        let _ = writeln!(out, "| {} |", row.cells().join(" | "));
    }
    out
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values.get(n / 2).copied().unwrap_or(f64::NAN),
        _ => {
            let a = values.get(n / 2 - 1).copied().unwrap_or(f64::NAN);
            let b = values.get(n / 2).copied().unwrap_or(f64::NAN);
            (a + b) / 2.0
        }
    }
}

/// Runs `a` then `b`, `rounds` times; the medians of each.
async fn interleaved<A, FA, B, FB>(rounds: usize, mut a: A, mut b: B) -> Result<(f64, f64), String>
where
    A: FnMut() -> FA,
    FA: std::future::Future<Output = Result<f64, String>>,
    B: FnMut() -> FB,
    FB: std::future::Future<Output = Result<f64, String>>,
{
    let mut xs = Vec::with_capacity(rounds);
    let mut ys = Vec::with_capacity(rounds);
    for _ in 0..rounds.max(1) {
        xs.push(a().await?);
        ys.push(b().await?);
    }
    Ok((median(xs), median(ys)))
}

fn err(e: impl std::fmt::Display) -> String {
    crate::fetch::one_line(&e.to_string())
}

// ---------------------------------------------------------------------------------------------
// The command.

/// `cargo xtask bench-report`.
pub fn command(args: &BenchArgs) -> u8 {
    if let Some(probe) = &args.probe {
        return memory_probe(probe);
    }
    let selected: Vec<&str> = GROUPS
        .iter()
        .copied()
        .filter(|g| args.only.is_empty() || args.only.iter().any(|o| o == g))
        .collect();
    let rounds = Rounds::new(args.quick);
    let started = Instant::now();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    if cfg!(debug_assertions) {
        eprintln!(
            "bench-report: this is a debug build; for real figures run \
             `cargo run --release -p xtask -- bench-report`"
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench-report: no tokio runtime: {e}");
            return crate::EXIT_FETCH;
        }
    };
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for group in &selected {
        eprintln!("bench-report: {group} …");
        let group_started = Instant::now();
        match *group {
            "calls" => runtime.block_on(calls(&mut rows, rounds)),
            "pagination" => runtime.block_on(pagination(&mut rows, &mut notes, rounds)),
            "memory" => runtime.block_on(stream_memory(&mut rows, rounds)),
            "jsonata" => runtime.block_on(jsonata(&mut rows, &mut notes, rounds)),
            "onboarding" => runtime.block_on(onboarding(&mut rows, &mut notes, rounds)),
            "jwt" => runtime.block_on(jwt(&mut rows, rounds)),
            "build" => build(&mut rows, &mut notes, rounds),
            "attacks" => runtime.block_on(attacks::attacks_group(&mut rows, &mut notes)),
            _ => {}
        }
        eprintln!(
            "bench-report: {group} took {}",
            format_secs(group_started.elapsed().as_secs_f64())
        );
    }
    drop(runtime);

    let mut report = String::new();
    let _ = writeln!(
        report,
        "Machine: {}; load average {load} at the start  ",
        machine()
    );
    let _ = writeln!(
        report,
        "Date: {} (UTC); whole run {}  ",
        today(),
        format_secs(started.elapsed().as_secs_f64())
    );
    let mut cmd = "cargo run --release -p xtask -- bench-report".to_string();
    for a in std::env::args().skip(2) {
        cmd.push(' ');
        cmd.push_str(&a);
    }
    let _ = writeln!(
        report,
        "Command: `{cmd}`{}",
        if cfg!(debug_assertions) {
            " (debug build: not representative)"
        } else {
            ""
        }
    );
    let _ = writeln!(report);
    report.push_str(&render(&rows));
    if !notes.is_empty() {
        let _ = writeln!(report);
        for n in &notes {
            let _ = writeln!(report, "- {n}");
        }
    }
    print!("{report}");
    let out = crate::cli::workspace_root()
        .join("target")
        .join("bench-report.md");
    if let Err(e) = std::fs::write(&out, &report) {
        eprintln!("bench-report: cannot write {}: {e}", out.display());
    }

    let missed = rows.iter().filter(|r| r.met() == Some(false)).count();
    let failed = rows
        .iter()
        .filter(|r| matches!(r.problem, Some(Problem::Failed(_))))
        .count();
    eprintln!(
        "bench-report: {} rows, {missed} targets missed, {failed} failed",
        rows.len()
    );
    if args.check && (missed > 0 || failed > 0) {
        1
    } else {
        0
    }
}

// ---------------------------------------------------------------------------------------------
// Per-call overhead.

async fn calls(rows: &mut Vec<Row>, rounds: Rounds) {
    const FETCH: &str = "FetchDevice (5.5 kB device with shadow), per call";
    const PAGE: &str = "ListDevices, one page of 100, per call";
    let target = Target::AtMost(1.05);
    let setup = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let base = server.base_url(100);
        let ours = common::ours(&base, common::API_KEY).map_err(err)?;
        let hand = common::Hand::new(&base, common::API_KEY)?;
        Ok::<_, String>((server, ours, hand))
    };
    let (_server, ours, hand) = match setup.await {
        Ok(s) => s,
        Err(e) => {
            rows.push(Row::failed(FETCH, target, &e));
            rows.push(Row::failed(PAGE, target, e));
            return;
        }
    };
    let (ours, hand) = (&ours, &hand);
    let id = common::device_id(0);
    let id = id.as_str();

    // Both decode the same document, and warm their connections.
    let check = async {
        for _ in 0..200 {
            common::ours_fetch_device(ours, id).await.map_err(err)?;
            hand.fetch_device(id).await.map_err(err)?;
        }
        let o = common::ours_list_page(ours).await.map_err(err)?;
        let h = hand.list_page(None).await.map_err(err)?;
        if o.items.len() != 100 || h.items.len() != 100 {
            return Err(format!(
                "pages of {} and {} items",
                o.items.len(),
                h.items.len()
            ));
        }
        Ok::<_, String>(())
    };
    if let Err(e) = check.await {
        rows.push(Row::failed(FETCH, target, &e));
        rows.push(Row::failed(PAGE, target, e));
        return;
    }

    let fetch = interleaved(
        rounds.calls,
        || async move {
            let t = Instant::now();
            for _ in 0..FETCH_CALLS {
                std::hint::black_box(common::ours_fetch_device(ours, id).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / FETCH_CALLS as f64)
        },
        || async move {
            let t = Instant::now();
            for _ in 0..FETCH_CALLS {
                std::hint::black_box(hand.fetch_device(id).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / FETCH_CALLS as f64)
        },
    )
    .await;
    rows.push(pair_row(FETCH, target, fetch));

    let page = interleaved(
        rounds.calls,
        || async move {
            let t = Instant::now();
            for _ in 0..PAGE_CALLS {
                std::hint::black_box(common::ours_list_page(ours).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / PAGE_CALLS as f64)
        },
        || async move {
            let t = Instant::now();
            for _ in 0..PAGE_CALLS {
                std::hint::black_box(hand.list_page(None).await.map_err(err)?);
            }
            Ok(t.elapsed().as_secs_f64() / PAGE_CALLS as f64)
        },
    )
    .await;
    rows.push(pair_row(PAGE, target, page));

    // Where the difference comes from: decoding the same bytes into the generated types
    // (unions decoded by `nrfcloud_api::unions`, pattern-checked strings) and into the
    // hand-written structs.
    const DECODE_DEVICE: &str =
        "↳ decode only: the device document, generated type vs hand-written struct";
    const DECODE_PAGE: &str =
        "↳ decode only: the page of 100, generated type vs hand-written struct";
    let device = common::device_json(id);
    let page = common::page_json(100, 0, 100);
    let (device, page) = (device.as_bytes(), page.as_bytes());
    let device_decode = interleaved(
        rounds.calls,
        || async move { decode_time::<nrfcloud::types::FetchDeviceResponse>(device, FETCH_CALLS) },
        || async move { decode_time::<common::HandDevice>(device, FETCH_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_DEVICE, Target::Info, device_decode));
    const DECODE_VARIANT: &str =
        "↳ decode only: the device document as `GenericDevice` (no union) vs hand-written";
    let variant_decode = interleaved(
        rounds.calls,
        || async move { decode_time::<nrfcloud::types::GenericDevice>(device, FETCH_CALLS) },
        || async move { decode_time::<common::HandDevice>(device, FETCH_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_VARIANT, Target::Info, variant_decode));
    const DECODE_SORTED: &str = "↳ decode only: the device document with its keys sorted (`type` after the shadow), generated type vs hand-written";
    let sorted = common::device_json_sorted(id);
    let sorted = sorted.as_bytes();
    let sorted_decode = interleaved(
        rounds.calls,
        || async move { decode_time::<nrfcloud::types::FetchDeviceResponse>(sorted, FETCH_CALLS) },
        || async move { decode_time::<common::HandDevice>(sorted, FETCH_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_SORTED, Target::Info, sorted_decode));
    let page_decode = interleaved(
        rounds.calls,
        || async move { decode_time::<nrfcloud::types::ListDevicesResponse>(page, PAGE_CALLS) },
        || async move { decode_time::<common::HandPage>(page, PAGE_CALLS) },
    )
    .await;
    rows.push(pair_row(DECODE_PAGE, Target::Info, page_decode));
}

/// Seconds per `serde_json::from_slice::<T>(bytes)`, over `n` decodes.
fn decode_time<T: serde::de::DeserializeOwned>(bytes: &[u8], n: usize) -> Result<f64, String> {
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(serde_json::from_slice::<T>(bytes).map_err(err)?);
    }
    Ok(t.elapsed().as_secs_f64() / n as f64)
}

/// A row of two medians in seconds (smaller is better).
fn pair_row(name: &str, target: Target, result: Result<(f64, f64), String>) -> Row {
    match result {
        Ok((a, b)) => Row::new(name, format_secs(a), format_secs(b), Some(a / b)).target(target),
        Err(e) => Row::failed(name, target, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Pagination.

async fn pagination(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    // (a) no latency, the minimal server.
    const PLAIN: &str = "(a) stream 10,000 devices (pages of 100, no latency) vs reqwest loop";
    let target = Target::AtMost(1.05);
    let plain = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let base = server.base_url(STREAM_DEVICES);
        let ours = common::ours(&base, common::API_KEY).map_err(err)?;
        let hand = common::Hand::new(&base, common::API_KEY)?;
        let (ours, hand) = (&ours, &hand);
        let counted = (
            common::ours_list_all(ours).await.map_err(err)?,
            hand.list_all(Duration::ZERO).await.map_err(err)?,
        );
        if counted != (STREAM_DEVICES, STREAM_DEVICES) {
            return Err(format!("counted {counted:?} devices"));
        }
        interleaved(
            rounds.stream,
            || async move {
                let t = Instant::now();
                common::ours_list_all(ours).await.map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
            || async move {
                let t = Instant::now();
                hand.list_all(Duration::ZERO).await.map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
        )
        .await
    };
    rows.push(pair_row(PLAIN, target, plain.await));

    // (b) 2 ms per page on the mock, a consumer spending 2 ms per page.
    const SLOW: &str = "(b) stream 10,000 devices, 2 ms injected per page (mock) + 2 ms consumer per page, vs naive reqwest loop";
    let target = Target::AtMost(1.0 / 1.5);
    let slow = async {
        let config = nrfcloud_mock::MockConfig {
            devices: STREAM_DEVICES,
            ..Default::default()
        };
        let server = nrfcloud_mock::MockServer::start_with(config)
            .await
            .map_err(err)?;
        server.faults().set_latency(PAGE_LATENCY);
        let ours = common::ours(server.base_url(), server.api_key()).map_err(err)?;
        let hand = common::Hand::new(server.base_url(), server.api_key())?;
        let (ours, hand) = (&ours, &hand);
        let counted = (
            common::ours_list_pages(ours, Duration::ZERO)
                .await
                .map_err(err)?,
            hand.list_all(Duration::ZERO).await.map_err(err)?,
        );
        if counted != (STREAM_DEVICES, STREAM_DEVICES) {
            return Err(format!("counted {counted:?} devices"));
        }
        // What a page costs besides the injected latency, and what a 2 ms sleep lasts.
        let pages = STREAM_DEVICES.div_ceil(100) as f64;
        server.faults().set_latency(Duration::ZERO);
        let t = Instant::now();
        hand.list_all(Duration::ZERO).await.map_err(err)?;
        let work = t.elapsed().as_secs_f64() / pages;
        server.faults().set_latency(PAGE_LATENCY);
        let t = Instant::now();
        for _ in 0..100 {
            tokio::time::sleep(PAGE_LATENCY).await;
        }
        let sleep = t.elapsed().as_secs_f64() / 100.0;
        notes.push(format!(
            "(b): the injected 2 ms and the consumer's 2 ms are both tokio sleeps, {} each \
             here (tokio's timer has 1 ms resolution); the mock's handler and the decoding take \
             another {} per page, which the stream's one-page read-ahead cannot hide.",
            format_secs(sleep),
            format_secs(work)
        ));
        interleaved(
            rounds.latency,
            || async move {
                let t = Instant::now();
                common::ours_list_pages(ours, PAGE_LATENCY)
                    .await
                    .map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
            || async move {
                let t = Instant::now();
                hand.list_all(PAGE_LATENCY).await.map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
        )
        .await
    };
    rows.push(pair_row(SLOW, target, slow.await));
}

// ---------------------------------------------------------------------------------------------
// Memory (child processes).

/// What a probe printed.
#[derive(Debug, Clone, Copy, Default)]
struct ProbeResult {
    peak: f64,
    held: f64,
    items: usize,
}

fn parse_probe(stdout: &str) -> Option<ProbeResult> {
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
async fn run_probe(
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

async fn stream_memory(rows: &mut Vec<Row>, rounds: Rounds) {
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
        .target(target),
        Err(e) => Row::failed(NAME, target, e),
    });
}

/// `--memory-probe CASE`: runs one case with the counting allocator on and prints
/// `probe peak_bytes=N held_bytes=N items=N`.
fn memory_probe(probe: &Probe) -> u8 {
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
                    let mut pages = client.paginate::<ListDevices>().pages();
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
                        .onboard_devices(rows, common::bulk_options(4))
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

// ---------------------------------------------------------------------------------------------
// JSONata: local evaluation vs jsonata-js.

const NODE_SCRIPT: &str = r#"// Written by `cargo xtask bench-report`: times jsonata-js over the same device documents.
const fs = require('fs');
const jsonata = require('jsonata');
const [dataPath, expression, warmups] = process.argv.slice(2);
const docs = JSON.parse(fs.readFileSync(dataPath, 'utf8'));
const expr = jsonata(expression);
async function pass() {
  let n = 0;
  for (const d of docs) {
    const r = await expr.evaluate(d);
    if (r !== undefined) n++;
  }
  return n;
}
(async () => {
  for (let i = 0; i < Number(warmups); i++) await pass();
  const t0 = process.hrtime.bigint();
  const n = await pass();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(JSON.stringify({ ns, n }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"#;

fn bench_js_dir() -> PathBuf {
    crate::cli::workspace_root().join("target").join("bench-js")
}

/// `node`, with the npm package `jsonata` in `target/bench-js` (installed when missing).
fn node_with_jsonata(dir: &Path) -> Result<String, String> {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|_| "node unavailable".to_string())?;
    if !version.status.success() {
        return Err("node unavailable".into());
    }
    let package = dir
        .join("node_modules")
        .join("jsonata")
        .join("package.json");
    if !package.exists() {
        std::fs::create_dir_all(dir).map_err(err)?;
        eprintln!(
            "bench-report: npm install --prefix {} jsonata@2",
            dir.display()
        );
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg("jsonata@2")
            .status()
            .map_err(|_| "npm unavailable".to_string())?;
        if !status.success() || !package.exists() {
            return Err("npm install jsonata@2 failed".into());
        }
    }
    let text = std::fs::read_to_string(&package).map_err(err)?;
    let jsonata_version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default();
    Ok(format!(
        "node {}, jsonata {jsonata_version}",
        String::from_utf8_lossy(&version.stdout).trim()
    ))
}

async fn jsonata(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    const NAME: &str = "(d) evaluate `{ \"id\": id, \"type\": type }` over 10,000 device documents, local vs jsonata-js";
    let docs = common::device_values(STREAM_DEVICES);
    let transform = match nrfcloud::Transform::new(common::TRANSFORM) {
        Ok(t) => t,
        Err(e) => return rows.push(Row::failed(NAME, Target::Info, err(e))),
    };
    let dir = bench_js_dir();
    let versions = match node_with_jsonata(&dir) {
        Ok(v) => v,
        Err(why) => {
            return rows.push(Row::skipped(
                NAME,
                Target::Info,
                format!("node/jsonata unavailable ({why})"),
            ));
        }
    };
    let data = dir.join("devices.json");
    let script = dir.join("bench.js");
    let written = serde_json::to_string(&docs)
        .map_err(err)
        .and_then(|text| std::fs::write(&data, text).map_err(err))
        .and_then(|()| std::fs::write(&script, NODE_SCRIPT).map_err(err));
    if let Err(e) = written {
        return rows.push(Row::failed(NAME, Target::Info, e));
    }
    let local = |docs: &[serde_json::Value]| -> Result<f64, String> {
        let t = Instant::now();
        let mut n = 0;
        for d in docs {
            if !transform.evaluate(d).map_err(err)?.is_null() {
                n += 1;
            }
        }
        let elapsed = t.elapsed().as_secs_f64();
        if n != docs.len() {
            return Err(format!("{n} of {} results", docs.len()));
        }
        Ok(elapsed)
    };
    let (docs, data, script) = (&docs, &data, &script);
    let node = || async move {
        let (script, data) = (script.clone(), data.clone());
        let output = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg(script)
                .arg(data)
                .arg(common::TRANSFORM)
                .arg("2")
                .output()
        })
        .await
        .map_err(err)?
        .map_err(err)?;
        if !output.status.success() {
            return Err(format!(
                "node: {}",
                err(String::from_utf8_lossy(&output.stderr))
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(output.stdout.trim_ascii()).map_err(err)?;
        let n = v.get("n").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if n as usize != STREAM_DEVICES {
            return Err(format!("jsonata-js gave {n} results"));
        }
        let ns = v
            .get("ns")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(f64::NAN);
        Ok(ns / 1e9)
    };
    // One untimed local pass, as node's warm-up passes.
    if let Err(e) = local(docs) {
        return rows.push(Row::failed(NAME, Target::Info, e));
    }
    let result = interleaved(rounds.jsonata, || async move { local(docs) }, node).await;
    rows.push(pair_row(NAME, Target::Info, result));
    notes.push(format!(
        "(d): one evaluation per document, as the server applies a transform to each item; \
         jsonata-js ({versions}) timed inside node after 2 warm-up passes, one node process per round."
    ));
}

// ---------------------------------------------------------------------------------------------
// Bulk onboarding.

/// One onboarding run of `rows` on a fresh mock with 5 ms latency.
async fn onboard_once(
    rows: &[nrfcloud::onboarding::OnboardingRow],
    concurrency: usize,
) -> Result<f64, String> {
    let server = nrfcloud_mock::MockServer::start_with(common::bulk_mock_config())
        .await
        .map_err(err)?;
    server.faults().set_latency(BULK_LATENCY);
    let client = common::ours(server.base_url(), server.api_key()).map_err(err)?;
    let rows = rows.to_vec();
    let expected = rows.len();
    let t = Instant::now();
    let report = client
        .onboard_devices(rows, common::bulk_options(concurrency))
        .await
        .map_err(err)?;
    let elapsed = t.elapsed().as_secs_f64();
    if report.succeeded.len() != expected {
        return Err(format!(
            "{} of {expected} rows onboarded",
            report.succeeded.len()
        ));
    }
    server.shutdown().await;
    Ok(elapsed)
}

async fn onboarding(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    let n = rounds.bulk_devices;
    let name = format!(
        "bulk onboarding {} devices, 5 ms latency (mock): concurrency 4 vs sequential",
        thousands(n)
    );
    let target = Target::AtMost(0.35);
    let input = common::onboarding_rows(n);
    let input = input.as_slice();
    let result = interleaved(
        rounds.bulk,
        || async move { onboard_once(input, 4).await },
        || async move { onboard_once(input, 1).await },
    )
    .await;
    rows.push(pair_row(&name, target, result));

    let name = format!(
        "bulk onboarding {} devices: peak heap (concurrency 4) vs the rows alone",
        thousands(n)
    );
    let memory = async {
        let server = nrfcloud_mock::MockServer::start_with(common::bulk_mock_config())
            .await
            .map_err(err)?;
        server.faults().set_latency(BULK_LATENCY);
        run_probe("onboard", server.base_url(), server.api_key(), n).await
    };
    rows.push(match memory.await {
        Ok(p) => Row::new(
            name,
            format_bytes(p.peak),
            format_bytes(p.held),
            Some(p.peak / p.held),
        ),
        Err(e) => Row::failed(name, Target::Info, e),
    });
    notes.push(
        "Bulk onboarding: 1,000 rows per request, the mock completes a bulk-ops request 50 ms \
         after accepting it, polled every 25 ms doubling to 200 ms; a fresh mock per run."
            .into(),
    );
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// JWT.

async fn jwt(rows: &mut Vec<Row>, rounds: Rounds) {
    const TOKEN: &str = "JWT: cached device token vs minting (ES256) every call, per call";
    let pem = common::device_key_pem();
    let keys = (
        nrfcloud::DeviceKey::from_pem(common::device_id(0), &pem),
        nrfcloud::DeviceKey::from_pem(common::device_id(0), &pem),
    );
    match keys {
        (Ok(cached), Ok(minting)) => {
            let clock = common::AdvancingClock::default();
            let (cached, minting, clock) = (&cached, &minting, &clock);
            const CACHED: usize = 100_000;
            const MINTED: usize = 500;
            let result = interleaved(
                rounds.jwt,
                || async move {
                    let t = Instant::now();
                    for _ in 0..CACHED {
                        std::hint::black_box(cached.minter().token(&nrfcloud::jwt::SystemClock));
                    }
                    Ok(t.elapsed().as_secs_f64() / CACHED as f64)
                },
                || async move {
                    let t = Instant::now();
                    for _ in 0..MINTED {
                        std::hint::black_box(minting.minter().token(clock));
                    }
                    Ok(t.elapsed().as_secs_f64() / MINTED as f64)
                },
            )
            .await;
            rows.push(pair_row(TOKEN, Target::Info, result));
        }
        (a, b) => rows.push(Row::failed(
            TOKEN,
            Target::Info,
            format!("{:?} {:?}", a.err(), b.err()),
        )),
    }

    const SHARED: &str =
        "JWT: calls/s, one shared client, 64 tasks (FetchDevice): device JWT vs API key";
    let result = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let base = server.base_url(100);
        let with_jwt = common::ours_with_device_key(&base)?;
        let with_key = common::ours(&base, common::API_KEY).map_err(err)?;
        let (with_jwt, with_key) = (&with_jwt, &with_key);
        common::calls_from_tasks(with_jwt, TASKS, 2).await?;
        common::calls_from_tasks(with_key, TASKS, 2).await?;
        let calls = (TASKS * CALLS_PER_TASK) as f64;
        interleaved(
            rounds.jwt,
            || async move {
                let d = common::calls_from_tasks(with_jwt, TASKS, CALLS_PER_TASK).await?;
                Ok(calls / d.as_secs_f64())
            },
            || async move {
                let d = common::calls_from_tasks(with_key, TASKS, CALLS_PER_TASK).await?;
                Ok(calls / d.as_secs_f64())
            },
        )
        .await
    };
    rows.push(match result.await {
        Ok((a, b)) => Row::new(
            SHARED,
            format!("{a:.0} calls/s"),
            format!("{b:.0} calls/s"),
            Some(a / b),
        ),
        Err(e) => Row::failed(SHARED, Target::Info, e),
    });
}

// ---------------------------------------------------------------------------------------------
// Build.

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs cargo in the workspace with the bench target directory; output and wall time.
fn run_cargo(args: &[&str], target_dir: &Path) -> Result<(String, f64), String> {
    let t = Instant::now();
    let output = Command::new(cargo())
        .args(args)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(crate::cli::workspace_root())
        .output()
        .map_err(err)?;
    let elapsed = t.elapsed().as_secs_f64();
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        return Err(format!(
            "cargo {} failed: {}",
            args.join(" "),
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    Ok((text, elapsed))
}

/// `generated in T ms` of build.rs's line `nrfcloud-codegen: N operations, L lines, generated in T ms`.
fn codegen_line(output: &str) -> Option<(String, f64)> {
    let line = output
        .lines()
        .find(|l| l.contains("nrfcloud-codegen: ") && l.contains("generated in"))?;
    let start = line.find("nrfcloud-codegen: ")? + "nrfcloud-codegen: ".len();
    let what = line.get(start..)?.trim().to_string();
    let ms: f64 = what
        .rsplit_once("generated in ")?
        .1
        .trim_end_matches(" ms")
        .trim()
        .parse()
        .ok()?;
    Some((what, ms / 1e3))
}

fn build(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    // The generation step in-process (this binary's profile).
    const INPROCESS: &str =
        "build: generation step in-process (`nrfcloud_codegen::generate`, this binary's profile)";
    let spec = crate::cli::default_spec_path();
    match std::fs::read_to_string(&spec) {
        Ok(text) => {
            let mut times = Vec::new();
            let mut failure = None;
            for _ in 0..rounds.noop_builds {
                let t = Instant::now();
                match nrfcloud_codegen::generate(&text) {
                    Ok(g) => {
                        std::hint::black_box(g);
                        times.push(t.elapsed().as_secs_f64());
                    }
                    Err(e) => {
                        failure = Some(err(e));
                        break;
                    }
                }
            }
            rows.push(match failure {
                None => Row::new(INPROCESS, format_secs(median(times)), "—".into(), None),
                Some(e) => Row::failed(INPROCESS, Target::Info, e),
            });
        }
        Err(e) => rows.push(Row::failed(INPROCESS, Target::Info, err(e))),
    }

    const GENERATION: &str = "build: build.rs generation step (dev profile, as printed with -vv)";
    const CLEAN: &str =
        "build: clean build of the raw crate `nrfcloud-api` (dev profile, dependencies built)";
    const NOOP: &str = "build: no-op rebuild of `nrfcloud-api` (dev profile)";
    let target_dir = crate::cli::workspace_root()
        .join("target")
        .join("bench-build");
    let fail_all = |rows: &mut Vec<Row>, e: String| {
        for name in [GENERATION, CLEAN, NOOP] {
            rows.push(Row::failed(name, Target::Info, e.clone()));
        }
    };
    // Dependencies once (untimed), then the crate from clean.
    let warm = match run_cargo(&["build", "-p", "nrfcloud-api"], &target_dir) {
        Ok((_, s)) => s,
        Err(e) => return fail_all(rows, e),
    };
    if let Err(e) = run_cargo(&["clean", "-p", "nrfcloud-api"], &target_dir) {
        return fail_all(rows, e);
    }
    let clean = match run_cargo(&["build", "-p", "nrfcloud-api", "-vv"], &target_dir) {
        Ok(r) => r,
        Err(e) => return fail_all(rows, e),
    };
    match codegen_line(&clean.0) {
        Some((what, secs)) => {
            rows.push(Row::new(GENERATION, format_secs(secs), "—".into(), None));
            notes.push(format!("build.rs: {what}."));
        }
        None => rows.push(Row::failed(
            GENERATION,
            Target::Info,
            "no `nrfcloud-codegen: … generated in T ms` line in the -vv output",
        )),
    }
    rows.push(Row::new(CLEAN, format_secs(clean.1), "—".into(), None));
    let mut noops = Vec::new();
    for _ in 0..rounds.noop_builds {
        match run_cargo(&["build", "-p", "nrfcloud-api"], &target_dir) {
            Ok((_, s)) => noops.push(s),
            Err(e) => {
                rows.push(Row::failed(NOOP, Target::Info, e));
                return;
            }
        }
    }
    rows.push(Row::new(NOOP, format_secs(median(noops)), "—".into(), None));
    notes.push(format!(
        "Build timings use `--target-dir target/bench-build` (first step there, dependencies \
         included and untimed, took {}); the clean build is `cargo clean -p nrfcloud-api` then \
         `cargo build -p nrfcloud-api -vv`: compiling and running build.rs, and compiling the \
         generated code.",
        format_secs(warm)
    ));
}

// ---------------------------------------------------------------------------------------------
// The machine and the date.

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, v)| v.trim())
        .to_string();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or("unknown memory".to_string(), |kb| {
            format!("{:.0} GiB RAM", kb / (1024.0 * 1024.0))
        });
    format!(
        "{cores} cores ({model}), {memory}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
        let row = Row::new("x", "1".into(), "2".into(), Some(0.5)).target(Target::AtMost(0.35));
        assert_eq!(row.met(), Some(false));
        assert_eq!(row.cells()[5], "**no**");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn probe_output_and_codegen_line() {
        let p = parse_probe("noise\nprobe peak_bytes=2048 held_bytes=10 items=3\n").unwrap();
        assert_eq!((p.peak, p.held, p.items), (2048.0, 10.0, 3));
        let (what, secs) = codegen_line(
            "[nrfcloud-api 0.1.0] nrfcloud-codegen: 82 operations, 33530 lines, generated in 1234 ms\n",
        )
        .unwrap();
        assert_eq!(what, "82 operations, 33530 lines, generated in 1234 ms");
        assert!((secs - 1.234).abs() < 1e-9);
    }

    #[test]
    fn today_is_a_date() {
        let d = today();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"));
    }
}
