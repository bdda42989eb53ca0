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
//! - Peak memory is measured in a child process per measurement (the `bench-memory-probe`
//!   binary of this package), whose counting global allocator reports the peak of live heap
//!   bytes; the servers it talks to run in this process, so they do not count.
//! - jsonata-js runs in `node` with the npm package `jsonata` (installed into
//!   `target/bench-js` when missing); without them that row says it was skipped.
//! - Build timings use their own target directory (`target/bench-build`), so they neither
//!   wait for nor disturb other builds; its first use builds the dependencies once, untimed.
//! - The `python` group generates a Python client with `openapi-python-client` (pinned; a
//!   virtual environment in `target/bench-py`, made when missing) and runs the same calls
//!   through it; without `python3` or the package that row says it was skipped.
//! - The `attacks` group starts the built `nrfcloud-mock` binary once per hostile request and
//!   reads its peak resident memory from `/proc` (see `attacks`).
//!
//! - The `instructions` group runs `cargo bench -p nrfcloud-bench --bench instructions` (callgrind
//!   through gungraun) and prints instruction counts beside the wall-clock rows.
//!
//! The exit code is 0 (a report, not a gate) unless `--check` is given: then 1 when a target
//! of a deterministic row (instruction counts, counted heap bytes, a child's peak resident
//! bytes) is missed or a benchmark
//! failed. Wall-clock ratios swing with the machine's load: their targets are reported, not
//! gated.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::fixtures as common;

mod args;
mod attacks;
mod build;
mod calls;
mod cli_rows;
mod instructions;
mod jsonata;
mod jwt;
mod memory;
mod onboarding;
mod pagination;
mod python_anchor;
mod table;

pub use args::BenchArgs;
use build::{build, build_binary};
use calls::calls;
use instructions::instructions;
use jsonata::jsonata;
use jwt::jwt;
pub use memory::{Probe, memory_probe};
use memory::{run_probe, stream_memory};
use onboarding::onboarding;
use pagination::pagination;
use table::{format_bytes, format_ratio, format_secs, machine, render, today};

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
                stream: 15,
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
    "instructions",
    "calls",
    "pagination",
    "memory",
    "jsonata",
    "onboarding",
    "jwt",
    "build",
    "attacks",
    "cli",
    "python",
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

/// What a row measures: instruction counts (deterministic: `--check` gates on them), wall
/// time (a report: it moves with the machine's load), counted heap bytes, or a child process's
/// peak resident bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Instructions,
    WallClock,
    HeapBytes,
    /// Peak resident memory of a child process, read from `/proc` (bytes: gated, like heap
    /// bytes).
    ResidentBytes,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Instructions => "instructions",
            Kind::WallClock => "wall clock",
            Kind::HeapBytes => "heap bytes",
            Kind::ResidentBytes => "resident bytes",
        }
    }
}

#[derive(Debug, Clone)]
struct Row {
    kind: Kind,
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
            kind: Kind::WallClock,
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

    fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// Whether `--check` fails on this row's missed target: instruction counts and counted
    /// bytes only; wall-clock ratios swing with the machine's load.
    fn gates(&self) -> bool {
        self.kind != Kind::WallClock
    }

    fn failed(name: impl Into<String>, target: Target, why: impl Into<String>) -> Self {
        Row {
            kind: Kind::WallClock,
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

    fn cells(&self) -> [String; 7] {
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
            self.kind.label().to_string(),
            self.name.clone(),
            self.ours.clone(),
            self.baseline.clone(),
            ratio,
            target,
            ok.to_string(),
        ]
    }
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
async fn interleaved<A, FA, B, FB>(rounds: usize, a: A, b: B) -> Result<(f64, f64), String>
where
    A: FnMut() -> FA,
    FA: std::future::Future<Output = Result<f64, String>>,
    B: FnMut() -> FB,
    FB: std::future::Future<Output = Result<f64, String>>,
{
    let (xs, ys) = interleaved_rounds(rounds, a, b).await?;
    Ok((median(xs), median(ys)))
}

/// Runs `a` then `b`, `rounds` times; every round's figures, in order.
async fn interleaved_rounds<A, FA, B, FB>(
    rounds: usize,
    mut a: A,
    mut b: B,
) -> Result<(Vec<f64>, Vec<f64>), String>
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
    Ok((xs, ys))
}

/// The spread of the per-round ratios `xs[i] / ys[i]`: minimum, quartiles, maximum.
fn ratio_spread(xs: &[f64], ys: &[f64]) -> String {
    let mut r: Vec<f64> = xs.iter().zip(ys).map(|(x, y)| x / y).collect();
    r.sort_by(f64::total_cmp);
    if r.is_empty() {
        return "no rounds".into();
    }
    let at = |q: f64| {
        r.get(((r.len() - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    format!(
        "min {}, quartiles {}–{}, max {} over {} rounds",
        format_ratio(at(0.0)),
        format_ratio(at(0.25)),
        format_ratio(at(0.75)),
        format_ratio(at(1.0)),
        r.len()
    )
}

/// Exit code when the report cannot run at all (no runtime).
const EXIT_FAILED: u8 = 2;

fn err(e: impl std::fmt::Display) -> String {
    // On one line, for a table cell.
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A row of two medians in seconds (smaller is better).
fn pair_row(name: &str, target: Target, result: Result<(f64, f64), String>) -> Row {
    match result {
        Ok((a, b)) => Row::new(name, format_secs(a), format_secs(b), Some(a / b)).target(target),
        Err(e) => Row::failed(name, target, e),
    }
}

// ---------------------------------------------------------------------------------------------
// The command.

/// `cargo xtask bench-report`.
pub fn command(args: &BenchArgs) -> u8 {
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
            return EXIT_FAILED;
        }
    };
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for group in &selected {
        eprintln!("bench-report: {group} …");
        let group_started = Instant::now();
        match *group {
            "instructions" => instructions(&mut rows, &mut notes, args.quick),
            "calls" => runtime.block_on(calls(&mut rows, rounds)),
            "pagination" => runtime.block_on(pagination(&mut rows, &mut notes, rounds)),
            "memory" => runtime.block_on(stream_memory(&mut rows, &mut notes, rounds)),
            "jsonata" => runtime.block_on(jsonata(&mut rows, &mut notes, rounds)),
            "onboarding" => runtime.block_on(onboarding(&mut rows, &mut notes, rounds)),
            "jwt" => runtime.block_on(jwt(&mut rows, rounds)),
            "build" => build(&mut rows, &mut notes, rounds),
            "attacks" => runtime.block_on(attacks::attacks_group(&mut rows, &mut notes)),
            "cli" => cli_rows::cli_group(&mut rows, &mut notes, rounds.memory),
            "python" => {
                runtime.block_on(python_anchor::python_anchor(&mut rows, &mut notes, rounds))
            }
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
    let out = crate::workspace_root()
        .join("target")
        .join("bench-report.md");
    if let Err(e) = std::fs::write(&out, &report) {
        eprintln!("bench-report: cannot write {}: {e}", out.display());
    }

    let missed = rows
        .iter()
        .filter(|r| r.gates() && r.met() == Some(false))
        .count();
    let missed_wall = rows
        .iter()
        .filter(|r| !r.gates() && r.met() == Some(false))
        .count();
    let failed = rows
        .iter()
        .filter(|r| matches!(r.problem, Some(Problem::Failed(_))))
        .count();
    eprintln!(
        "bench-report: {} rows, {missed} gating targets missed (instructions, bytes), \
         {missed_wall} wall-clock targets missed (a report, not gated), {failed} failed",
        rows.len()
    );
    if args.check && (missed > 0 || failed > 0) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::build::codegen_line;
    use super::memory::parse_probe;
    use super::onboarding::thousands;
    use super::*;

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
        let row = Row::new("x", "1".into(), "2".into(), Some(0.5)).target(Target::AtMost(0.35));
        assert_eq!(row.met(), Some(false));
        assert_eq!(row.cells()[6], "**no**");
        assert!(!row.gates());
        assert!(row.clone().kind(Kind::Instructions).gates());
        // The mock's resident memory after an attack gates, as bytes do (issue #18).
        assert!(row.kind(Kind::ResidentBytes).gates());
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
}
