//! Command-line parsing, by hand: `fetch`, `regen`, `drift`, `jsonata-suite` and
//! `bench-report` with their options.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The help text.
pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  fetch   download {base}/v1/openapi.json, check it is OpenAPI 3.0.x, normalise it and write it
  regen   fetch, generate the client from the new document, then write the spec and
          spec/generated-surface.txt (only if generation succeeds)
  drift   fetch into memory and compare with the snapshot (exit 0 equal, 1 drift, 2 fetch failed)
  jsonata-suite --suite DIR [--min-pass N]
          run the official JSONata test suite through nrfcloud::Transform; prints
          `N passed, N failed`; exit 1 below N passes (default 1680), 2 if DIR is missing
  bench-report [--check] [--quick] [--only GROUP,...]
          run the side-by-side benchmarks (interleaved rounds, medians) and print a table of
          ratios; also written to target/bench-report.md. Run it in release mode:
          `cargo run --release -p xtask -- bench-report`. Groups: instructions (callgrind
          through gungraun: needs valgrind and gungraun-runner 0.20.0), calls, pagination,
          memory, jsonata, onboarding, jwt, build, attacks (the mock's peak RSS after hostile
          requests). Exit 0, or with --check 1 when a target of an instruction or heap-bytes
          row is missed or a benchmark failed (wall-clock rows are a report)
  help    show this text

options:
  --base-url URL      API base (default https://api.nrfcloud.com); fetches URL/v1/openapi.json
  --timeout-secs N    give up after N seconds (default 30)
  --out PATH          fetch: where to write (default <workspace>/spec/openapi.json)
  --spec PATH         regen, drift: the snapshot (default <workspace>/spec/openapi.json)
  --surface PATH      regen: the surface summary (default generated-surface.txt beside --spec)
  --json              drift: print the change report as JSON

exit codes: 0 ok, 1 drift, 2 fetch/IO failure or bad arguments, 3 generation failed
";

/// The default API base.
pub const DEFAULT_BASE_URL: &str = "https://api.nrfcloud.com";
/// The default timeout for the whole download.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The API base; the document is at `{base_url}/v1/openapi.json`.
    pub base_url: String,
    /// Limit for connecting and reading the whole response.
    pub timeout: Duration,
}

/// `cargo xtask fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchArgs {
    /// Where the document comes from.
    pub source: Source,
    /// The file to write.
    pub out: PathBuf,
}

/// `cargo xtask regen`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegenArgs {
    /// Where the document comes from.
    pub source: Source,
    /// The snapshot to replace.
    pub spec: PathBuf,
    /// The generated-surface summary to rewrite.
    pub surface: PathBuf,
}

/// `cargo xtask drift`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftArgs {
    /// Where the document comes from.
    pub source: Source,
    /// The snapshot to compare with.
    pub spec: PathBuf,
    /// Print the report as JSON.
    pub json: bool,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `fetch`.
    Fetch(FetchArgs),
    /// `regen`.
    Regen(RegenArgs),
    /// `drift`.
    Drift(DriftArgs),
    /// `jsonata-suite`.
    JsonataSuite {
        /// The suite's root (holding `groups/` and `datasets/`).
        suite: PathBuf,
        /// Fewest passing cases accepted.
        min_pass: usize,
    },
    /// `bench-report`.
    BenchReport(BenchArgs),
    /// `help`, `--help`, `-h`, or nothing.
    Help,
}

/// `cargo xtask bench-report`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BenchArgs {
    /// Exit 1 when a target is missed or a benchmark fails.
    pub check: bool,
    /// Fewer rounds and smaller bulk runs, for trying the command out.
    pub quick: bool,
    /// Only these groups (all when empty).
    pub only: Vec<String>,
    /// Run as a memory probe (the report starts itself this way).
    pub probe: Option<Probe>,
}

/// `bench-report --memory-probe CASE --url URL --api-key KEY --devices N`: one peak-memory
/// measurement, run in a child process by the report.
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

fn parse_bench_report(rest: &[String]) -> Result<Command, String> {
    let mut args = BenchArgs::default();
    let (mut case, mut url, mut api_key, mut devices) = (None, None, None, None);
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name {
            "--check" => args.check = true,
            "--quick" => args.quick = true,
            "--only" => {
                for group in value()?.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                    if !crate::bench_report::GROUPS.contains(&group) {
                        return Err(format!(
                            "bench-report: unknown group {group:?} (groups: {})",
                            crate::bench_report::GROUPS.join(", ")
                        ));
                    }
                    args.only.push(group.to_string());
                }
            }
            "--memory-probe" => case = Some(value()?),
            "--url" => url = Some(value()?),
            "--api-key" => api_key = Some(value()?),
            "--devices" => {
                let v = value()?;
                devices = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("--devices: {v:?} is not a whole number"))?,
                );
            }
            "--help" | "-h" => return Ok(Command::Help),
            other => return Err(format!("bench-report: unknown option {other:?}")),
        }
    }
    if let Some(case) = case {
        args.probe = Some(Probe {
            case,
            url: url.ok_or("--memory-probe needs --url")?,
            api_key: api_key.unwrap_or_default(),
            devices: devices.ok_or("--memory-probe needs --devices")?,
        });
    }
    Ok(Command::BenchReport(args))
}

/// The default `--min-pass` of `jsonata-suite`: the best Rust engines' score.
pub const DEFAULT_MIN_PASS: usize = 1680;

fn parse_jsonata_suite(rest: &[String]) -> Result<Command, String> {
    let mut suite = None;
    let mut min_pass = DEFAULT_MIN_PASS;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name {
            "--suite" => suite = Some(PathBuf::from(value()?)),
            "--min-pass" => {
                let v = value()?;
                min_pass = v
                    .parse()
                    .map_err(|_| format!("--min-pass: {v:?} is not a whole number"))?;
            }
            "--help" | "-h" => return Ok(Command::Help),
            other => return Err(format!("jsonata-suite: unknown option {other:?}")),
        }
    }
    let suite = suite.ok_or("jsonata-suite: --suite DIR is required")?;
    Ok(Command::JsonataSuite { suite, min_pass })
}

/// The workspace root: the parent of this package's directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}

/// `<root>/spec/openapi.json`.
pub fn default_spec_path() -> PathBuf {
    workspace_root().join("spec").join("openapi.json")
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    let allowed: &[&str] = match command.as_str() {
        "help" | "--help" | "-h" => return Ok(Command::Help),
        "jsonata-suite" => return parse_jsonata_suite(rest),
        "bench-report" => return parse_bench_report(rest),
        "fetch" => &["--base-url", "--timeout-secs", "--out"],
        "regen" => &["--base-url", "--timeout-secs", "--spec", "--surface"],
        "drift" => &["--base-url", "--timeout-secs", "--spec", "--json"],
        other => return Err(format!("unknown command {other:?}")),
    };

    let mut base_url = DEFAULT_BASE_URL.to_string();
    let mut timeout = DEFAULT_TIMEOUT;
    let mut out = None;
    let mut spec = None;
    let mut surface = None;
    let mut json = false;

    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(Command::Help);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        if !allowed.contains(&name) {
            return Err(format!("{command}: unknown option {name:?}"));
        }
        if name == "--json" {
            if inline.is_some() {
                return Err("--json takes no value".into());
            }
            json = true;
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))?,
        };
        match name {
            "--base-url" => base_url = value,
            "--timeout-secs" => {
                let secs: u64 = value
                    .parse()
                    .map_err(|_| format!("--timeout-secs: {value:?} is not a whole number"))?;
                if secs == 0 {
                    return Err("--timeout-secs must be at least 1".into());
                }
                timeout = Duration::from_secs(secs);
            }
            "--out" => out = Some(PathBuf::from(value)),
            "--spec" => spec = Some(PathBuf::from(value)),
            "--surface" => surface = Some(PathBuf::from(value)),
            _ => return Err(format!("{command}: unknown option {name:?}")),
        }
    }

    let source = Source { base_url, timeout };
    Ok(match command.as_str() {
        "fetch" => Command::Fetch(FetchArgs {
            source,
            out: out.unwrap_or_else(default_spec_path),
        }),
        "regen" => {
            let spec = spec.unwrap_or_else(default_spec_path);
            let surface = surface.unwrap_or_else(|| {
                spec.parent()
                    .unwrap_or(Path::new(""))
                    .join("generated-surface.txt")
            });
            Command::Regen(RegenArgs {
                source,
                spec,
                surface,
            })
        }
        _ => Command::Drift(DriftArgs {
            source,
            spec: spec.unwrap_or_else(default_spec_path),
            json,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn defaults() {
        let Command::Fetch(f) = parse(&args("fetch")).unwrap() else {
            panic!("not fetch")
        };
        assert_eq!(f.source.base_url, DEFAULT_BASE_URL);
        assert_eq!(f.source.timeout, DEFAULT_TIMEOUT);
        assert!(f.out.ends_with("spec/openapi.json"));
        assert_eq!(f.out, workspace_root().join("spec/openapi.json"));
        assert_eq!(parse(&[]).unwrap(), Command::Help);
    }

    #[test]
    fn options_with_and_without_equals() {
        let Command::Regen(r) = parse(&args(
            "regen --base-url=http://h:1/p --timeout-secs 2 --spec /t/s/openapi.json",
        ))
        .unwrap() else {
            panic!("not regen")
        };
        assert_eq!(r.source.base_url, "http://h:1/p");
        assert_eq!(r.source.timeout, Duration::from_secs(2));
        assert_eq!(r.surface, PathBuf::from("/t/s/generated-surface.txt"));
        let Command::Drift(d) = parse(&args("drift --json")).unwrap() else {
            panic!("not drift")
        };
        assert!(d.json);
    }

    #[test]
    fn bench_report_arguments() {
        let Command::BenchReport(b) =
            parse(&args("bench-report --check --only calls,jwt")).unwrap()
        else {
            panic!("not bench-report")
        };
        assert!(b.check && !b.quick && b.probe.is_none());
        assert_eq!(b.only, vec!["calls".to_string(), "jwt".to_string()]);
        let Command::BenchReport(b) = parse(&args(
            "bench-report --memory-probe stream --url http://127.0.0.1:1/n10 --devices 10",
        ))
        .unwrap() else {
            panic!("not bench-report")
        };
        let probe = b.probe.unwrap();
        assert_eq!((probe.case.as_str(), probe.devices), ("stream", 10));
        assert!(parse(&args("bench-report --only bogus")).is_err());
        assert!(parse(&args("bench-report --memory-probe stream")).is_err());
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            "bogus",
            "fetch --json",
            "drift --out x",
            "fetch --timeout-secs",
            "fetch --timeout-secs 0",
            "fetch --timeout-secs soon",
            "drift --json=yes",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
    }
}
