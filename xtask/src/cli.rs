//! Command-line parsing (clap derive): `fetch`, `regen`, `drift`, `jsonata-suite`,
//! `bench-report` and `package` with their options. Each command's module owns the options only it reads
//! (`fetch::Source`, `bench_report::BenchArgs`); this module puts them together.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::fetch::Source;
use crate::paths::default_spec_path;
use nrfcloud_bench::report::BenchArgs;

/// The default `--min-pass` of `jsonata-suite`: the best Rust engines' score.
pub const DEFAULT_MIN_PASS: usize = 1680;

/// `cargo xtask`: maintenance of the committed nRF Cloud OpenAPI snapshot, the conformance
/// suite and the benchmarks.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    after_help = "exit codes: 0 ok, 1 drift (or a missed benchmark target / suite floor), \
                  2 fetch/IO failure or bad arguments, 3 generation failed"
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// A command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Download {base}/v1/openapi.json, check it is OpenAPI 3.0.x, normalise it and write it.
    Fetch(FetchArgs),
    /// Fetch, generate the client from the new document, then write the spec and
    /// spec/generated-surface.txt (only if generation succeeds).
    Regen(RegenArgs),
    /// Fetch into memory and compare with the snapshot (exit 0 equal, 1 drift, 2 fetch failed).
    Drift(DriftArgs),
    /// Run the official JSONata test suite through nrfcloud::Transform; prints `N passed, N
    /// failed`; exit 1 below the floor, 2 if the suite is missing.
    JsonataSuite(SuiteArgs),
    /// Run the side-by-side benchmarks (interleaved rounds, medians) and print a table of
    /// ratios, also written to target/bench-report.md. Run it in release mode: `cargo run
    /// --release -p xtask -- bench-report`. Groups: instructions (callgrind through gungraun:
    /// needs valgrind and gungraun-runner 0.20.0), calls, pagination, memory, jsonata,
    /// onboarding, jwt, build, attacks (the mock's peak RSS after hostile requests), cli,
    /// python (the same calls through a client openapi-python-client generates).
    BenchReport(BenchArgs),
    /// Package the publishable crates as they are published, into DIR: `cargo package`, then
    /// unpack, and give nrfcloud-api its generated files (so a user's build runs no generator).
    /// Prints the crate directories, dependencies first.
    Package(PackageArgs),
}

/// `cargo xtask package`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct PackageArgs {
    /// Where to unpack the crates: a new or empty directory (a full one is refused). Outside this repository, so that cargo does
    /// not take them for members of its workspace.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `cargo xtask fetch`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct FetchArgs {
    /// Where the document comes from.
    #[command(flatten)]
    pub source: Source,
    /// Where to write the document.
    #[arg(long, value_name = "PATH", default_value_os_t = default_spec_path())]
    pub out: PathBuf,
}

/// `cargo xtask regen`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct RegenArgs {
    /// Where the document comes from.
    #[command(flatten)]
    pub source: Source,
    /// The snapshot to replace.
    #[arg(long, value_name = "PATH", default_value_os_t = default_spec_path())]
    pub spec: PathBuf,
    /// The generated-surface summary to rewrite (default: generated-surface.txt beside --spec).
    #[arg(long = "surface", value_name = "PATH")]
    surface_path: Option<PathBuf>,
}

impl RegenArgs {
    /// The generated-surface summary to rewrite.
    pub fn surface(&self) -> PathBuf {
        self.surface_path.clone().unwrap_or_else(|| {
            self.spec
                .parent()
                .unwrap_or(Path::new(""))
                .join("generated-surface.txt")
        })
    }
}

/// `cargo xtask drift`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct DriftArgs {
    /// Where the document comes from.
    #[command(flatten)]
    pub source: Source,
    /// The snapshot to compare with.
    #[arg(long, value_name = "PATH", default_value_os_t = default_spec_path())]
    pub spec: PathBuf,
    /// Print the change report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cargo xtask jsonata-suite`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct SuiteArgs {
    /// The suite's root (holding groups/ and datasets/).
    #[arg(long, value_name = "DIR")]
    pub suite: PathBuf,
    /// Fewest passing cases accepted.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MIN_PASS)]
    pub min_pass: usize,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::CommandFactory;

    use super::*;
    use crate::fetch::{DEFAULT_BASE_URL, DEFAULT_TIMEOUT_SECS};
    use crate::paths::workspace_root;

    fn parse(s: &str) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(s.split_whitespace())).map(|c| c.command)
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let Command::Fetch(f) = parse("fetch").unwrap() else {
            panic!("not fetch")
        };
        assert_eq!(f.source.base_url, DEFAULT_BASE_URL);
        assert_eq!(
            f.source.timeout(),
            Duration::from_secs(DEFAULT_TIMEOUT_SECS)
        );
        assert_eq!(f.out, workspace_root().join("spec/openapi.json"));
        let Command::JsonataSuite(s) = parse("jsonata-suite --suite d").unwrap() else {
            panic!("not jsonata-suite")
        };
        assert_eq!(
            (s.suite, s.min_pass),
            (PathBuf::from("d"), DEFAULT_MIN_PASS)
        );
    }

    #[test]
    fn options_with_and_without_equals() {
        let Command::Regen(r) =
            parse("regen --base-url=http://h:1/p --timeout-secs 2 --spec /t/s/openapi.json")
                .unwrap()
        else {
            panic!("not regen")
        };
        assert_eq!(r.source.base_url, "http://h:1/p");
        assert_eq!(r.source.timeout(), Duration::from_secs(2));
        assert_eq!(r.surface(), PathBuf::from("/t/s/generated-surface.txt"));
        let Command::Drift(d) = parse("drift --json").unwrap() else {
            panic!("not drift")
        };
        assert!(d.json);
    }

    #[test]
    fn bench_report_arguments() {
        let Command::BenchReport(b) = parse("bench-report --check --only calls,jwt").unwrap()
        else {
            panic!("not bench-report")
        };
        assert!(b.check && !b.quick);
        assert_eq!(b.only, vec!["calls".to_string(), "jwt".to_string()]);
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            "",
            "bogus",
            "fetch --json",
            "drift --out x",
            "fetch --timeout-secs",
            "fetch --timeout-secs 0",
            "fetch --timeout-secs soon",
            "drift --json=yes",
            "jsonata-suite",
            "jsonata-suite --suite d --min-pass many",
            "bench-report --only bogus",
            "bench-report --memory-probe stream",
            "bench-report --only calls,",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
