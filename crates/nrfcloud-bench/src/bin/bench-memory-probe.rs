//! One peak-memory measurement of `cargo xtask bench-report`'s memory group, in a process of
//! its own so the counting allocator sees only what it measures:
//! `bench-memory-probe CASE --url URL --api-key KEY --devices N` prints
//! `probe peak_bytes=N held_bytes=N items=N`.

use std::process::ExitCode;

use clap::Parser;
use nrfcloud_bench::counting::CountingAlloc;
use nrfcloud_bench::report::Probe;

/// Counts live heap bytes while the probe runs (forwards to the system allocator otherwise).
#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// The probe's command line.
#[derive(Debug, Parser)]
struct Args {
    /// `stream` (a page stream over the benchmark server) or `onboard` (bulk onboarding).
    case: String,
    /// The server's base URL.
    #[arg(long)]
    url: String,
    /// Its API key.
    #[arg(long, default_value = "")]
    api_key: String,
    /// How many devices.
    #[arg(long)]
    devices: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    ExitCode::from(nrfcloud_bench::report::memory_probe(&Probe {
        case: args.case,
        url: args.url,
        api_key: args.api_key,
        devices: args.devices,
    }))
}
