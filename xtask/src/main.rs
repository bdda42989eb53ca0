//! `cargo xtask`: maintenance of the committed nRF Cloud OpenAPI snapshot.
//!
//! - `fetch`: download `{base}/v1/openapi.json`, check it, normalise it and write it atomically.
//! - `regen`: fetch, run the code generator on the new document in-process, and only when that
//!   succeeds replace `spec/openapi.json` and `spec/generated-surface.txt`.
//! - `drift`: fetch into memory and report how upstream differs from the snapshot.
//! - `jsonata-suite`: run the official JSONata suite through `nrfcloud::Transform`.
//! - `bench-report`: the side-by-side benchmarks of `crates/nrfcloud-bench`, as a table of
//!   ratios (run it with `cargo run --release -p xtask -- bench-report`).
//! - `package`: the publishable crates as they are published, `nrfcloud-api` with its
//!   generated files.
//!
//! Exit codes: 0 success (no drift), 1 drift found, 2 the document could not be fetched or a
//! file could not be read or written (also bad arguments), 3 the generator rejected the document.

mod cli;
mod commands;
mod fetch;
mod files;
mod jsonata_suite;
mod package;
mod paths;
mod spec_diff;

use std::process::ExitCode;

/// Exit code of `drift` when the snapshot differs from upstream.
pub const EXIT_DRIFT: u8 = 1;
/// Exit code when the document could not be fetched, or a file could not be read or written.
pub const EXIT_FETCH: u8 = 2;
/// Exit code of `regen` when code generation fails on the fetched document.
pub const EXIT_GENERATE: u8 = 3;

fn main() -> ExitCode {
    // Usage errors exit 2 (EXIT_FETCH), as clap does by default; --help and --version exit 0.
    let cli = <cli::Cli as clap::Parser>::parse();
    let code = match cli.command {
        cli::Command::Fetch(a) => commands::fetch(&a),
        cli::Command::Regen(a) => commands::regen(&a),
        cli::Command::Drift(a) => commands::drift(&a),
        cli::Command::JsonataSuite(a) => jsonata_suite::command(&a.suite, a.min_pass),
        cli::Command::BenchReport(a) => nrfcloud_bench::report::command(&a),
        cli::Command::Package(a) => package::command(&a.out),
    };
    ExitCode::from(code)
}
