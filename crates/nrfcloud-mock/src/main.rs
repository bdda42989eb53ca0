//! `nrfcloud-mock`: runs the mock nRF Cloud on a loopback port until Ctrl-C.
//!
//! `nrfcloud-mock --help` lists the options. Values are checked before the server starts
//! (the team id against the API's `TenantId` pattern, a non-empty API key, percentages in
//! 0..=100); a port in use is named.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use nrfcloud_mock::{MockConfig, MockServer};

/// A local mock of the nRF Cloud REST API v1 (served under <base URL>/v1).
///
/// Prints its base URL, API key and team id, then serves until Ctrl-C. Point the client at
/// the printed URL: `Client::builder().base_url(URL).api_key(KEY)`.
#[derive(Debug, Parser)]
#[command(name = "nrfcloud-mock", version)]
struct Args {
    /// Loopback port to listen on (default: a free one).
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,
    /// The team's API key (default: a random one).
    #[arg(long, value_name = "KEY", value_parser = non_empty)]
    api_key: Option<String>,
    /// Devices to create at start.
    #[arg(long, value_name = "N", default_value_t = 0)]
    devices: usize,
    /// The team id, a UUID (default: a random one).
    #[arg(long, value_name = "UUID", value_parser = tenant_id)]
    tenant_id: Option<String>,
    /// Time a bulk-ops request stays IN_PROGRESS, in ms.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    bulk_delay_ms: u64,
    /// Time between FOTA execution steps, in ms.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    fota_step_ms: u64,
    /// Share of devices whose FOTA executions fail, in percent (0..=100).
    #[arg(long, value_name = "P", default_value_t = 10,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    fota_failure_percent: u8,
    /// Time for the transforms of one request, in ms (0: no limit).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    transform_timeout_ms: u64,
    /// Nesting levels a transform expression may have (at least 1); deeper ones are refused
    /// before they are evaluated.
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..))]
    transform_max_nesting: u32,
    /// Transforms evaluated at once (at least 1).
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..))]
    transform_workers: u16,
    /// Time allowed to send a request head, in ms (at least 1).
    #[arg(long, value_name = "MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_ms: u64,
    /// A connection idle this long is closed, in ms (at least 1).
    #[arg(long, value_name = "MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_ms: u64,
    /// Connections served at once; more wait (at least 1).
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Print one line per request to stderr: method, path, status and duration.
    #[arg(long)]
    log_requests: bool,
}

/// A non-empty value.
fn non_empty(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(value.to_owned())
    }
}

/// A team id as the API's `TenantId` pattern has it:
/// `^[a-f0-9]{8}-?[a-f0-9]{4}-?[a-f0-9]{4}-?[a-f0-9]{4}-?[a-f0-9]{12}$`.
fn tenant_id(value: &str) -> Result<String, String> {
    let mut groups = [8usize, 4, 4, 4, 12].into_iter().peekable();
    let mut rest = value;
    while let Some(len) = groups.next() {
        let (group, tail) = rest
            .split_at_checked(len)
            .ok_or_else(|| bad_tenant(value))?;
        if !group
            .bytes()
            .all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9'))
        {
            return Err(bad_tenant(value));
        }
        rest = if groups.peek().is_some() {
            tail.strip_prefix('-').unwrap_or(tail)
        } else {
            tail
        };
    }
    if rest.is_empty() {
        Ok(value.to_owned())
    } else {
        Err(bad_tenant(value))
    }
}

fn bad_tenant(value: &str) -> String {
    format!(
        "{value:?} is not a team id: a UUID in lowercase hex, e.g. \
         bbfe6b73-a46a-43ad-94bd-8e4b4a7847ce"
    )
}

impl Args {
    fn config(&self) -> MockConfig {
        let defaults = MockConfig::default();
        let mut connection_limits = defaults.connection_limits;
        connection_limits.header_read_timeout = Duration::from_millis(self.header_timeout_ms);
        connection_limits.idle_timeout = Duration::from_millis(self.idle_timeout_ms);
        connection_limits.max_connections =
            usize::try_from(self.max_connections).unwrap_or(usize::MAX);
        let mut transform_limits = defaults.transform_limits.clone();
        transform_limits.timeout = (self.transform_timeout_ms > 0)
            .then(|| Duration::from_millis(self.transform_timeout_ms));
        MockConfig {
            port: self.port,
            api_key: self.api_key.clone().unwrap_or(defaults.api_key.clone()),
            tenant_id: self.tenant_id.clone().unwrap_or(defaults.tenant_id.clone()),
            devices: self.devices,
            bulk_ops_delay: Duration::from_millis(self.bulk_delay_ms),
            fota_step: Duration::from_millis(self.fota_step_ms),
            fota_failure_percent: self.fota_failure_percent,
            transform: Some(nrfcloud_mock::jsonata_transform_with_max_nesting(
                usize::try_from(self.transform_max_nesting).unwrap_or(usize::MAX),
            )),
            transform_limits,
            transform_workers: usize::from(self.transform_workers),
            connection_limits,
            log_requests: self.log_requests,
            seed_progress: Some(std::sync::Arc::new(|created, total| {
                eprintln!("nrfcloud-mock: {created} of {total} devices created");
            })),
            ..defaults
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = args.config();
    let devices = config.devices;
    let started = Instant::now();
    if devices > 0 {
        eprintln!("nrfcloud-mock: creating {devices} devices…");
    }
    let server = match MockServer::start_with(config).await {
        Ok(server) => server,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "nrfcloud-mock: port {} is in use on 127.0.0.1: stop what listens there, or pick \
                 another with --port (0 picks a free one)",
                args.port
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("nrfcloud-mock: cannot start on port {}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    if devices > 0 {
        eprintln!(
            "nrfcloud-mock: {devices} devices created in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    // A closed stdout (a parent that read the banner and went away) is no reason to stop.
    let banner = format!(
        "nRF Cloud mock listening on {}\nAPI base URL: {}\nAPI key:      {}\nTeam id:      {}\n\
         Devices:      {devices}\nPress Ctrl-C to stop.",
        server.base_url(),
        server.api_url(),
        server.api_key(),
        server.tenant_id()
    );
    let _ = writeln!(std::io::stdout(), "{banner}");
    let _ = std::io::stdout().flush();
    if let Err(e) = tokio::signal::ctrl_c().await {
        let _ = writeln!(
            std::io::stderr(),
            "nrfcloud-mock: cannot wait for Ctrl-C: {e}"
        );
    }
    server.shutdown().await;
    let _ = writeln!(std::io::stdout(), "nRF Cloud mock stopped.");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(list: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("nrfcloud-mock").chain(list.iter().copied()))
    }

    #[test]
    fn the_command_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn the_transform_nesting_bound_is_settable() {
        let items = [serde_json::json!({"a": 1})];
        let limits = nrfcloud_mock::EvalLimits::default();
        let deep = format!("{}a{}", "(".repeat(5), ")".repeat(5));
        let engine = parse(&[]).unwrap().config().transform.unwrap();
        assert_eq!(
            engine(&deep, &items, &limits).unwrap(),
            vec![serde_json::json!(1)]
        );
        let engine = parse(&["--transform-max-nesting", "3"])
            .unwrap()
            .config()
            .transform
            .unwrap();
        let refused = engine(&deep, &items, &limits).unwrap_err();
        assert!(refused.contains("S0299"), "{refused}");
        assert!(parse(&["--transform-max-nesting", "0"]).is_err());
    }

    #[test]
    fn options_are_read() {
        let c = parse(&["--port", "8080", "--api-key=k", "--devices", "3"])
            .unwrap()
            .config();
        assert_eq!((c.port, c.api_key.as_str(), c.devices), (8080, "k", 3));
        let c = parse(&["--transform-timeout-ms", "250", "--transform-workers=3"])
            .unwrap()
            .config();
        assert_eq!(
            (c.transform_limits.timeout, c.transform_workers),
            (Some(Duration::from_millis(250)), 3)
        );
        let c = parse(&["--transform-timeout-ms", "0"]).unwrap().config();
        assert_eq!(c.transform_limits.timeout, None);
        let c = parse(&[
            "--header-timeout-ms",
            "250",
            "--idle-timeout-ms=500",
            "--max-connections",
            "7",
            "--log-requests",
        ])
        .unwrap()
        .config();
        let limits = c.connection_limits;
        assert_eq!(
            (
                limits.header_read_timeout,
                limits.idle_timeout,
                limits.max_connections
            ),
            (Duration::from_millis(250), Duration::from_millis(500), 7)
        );
        assert!(c.log_requests);
        let c = parse(&["--tenant-id", "bbfe6b73a46a43ad94bd8e4b4a7847ce"])
            .unwrap()
            .config();
        assert_eq!(c.tenant_id, "bbfe6b73a46a43ad94bd8e4b4a7847ce");
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        for (args, needle) in [
            (&["--verbose"][..], "unexpected argument '--verbose'"),
            (&["stray"][..], "unexpected argument 'stray'"),
            (&["--port"][..], "a value is required"),
            (&["--port", "x"][..], "invalid value 'x' for '--port"),
            (&["--port", "70000"][..], "--port"),
            (&["--api-key", ""][..], "must not be empty"),
            (&["--tenant-id", "team-1"][..], "is not a team id"),
            (
                &["--tenant-id", "BBFE6B73-A46A-43AD-94BD-8E4B4A7847CE"][..],
                "is not a team id",
            ),
            (
                &["--tenant-id", "bbfe6b73-a46a-43ad-94bd-8e4b4a7847ce0"][..],
                "is not a team id",
            ),
            (
                &["--fota-failure-percent", "101"][..],
                "101 is not in 0..=100",
            ),
            (&["--transform-workers", "0"][..], "0 is not in 1.."),
        ] {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
        assert!(parse(&["--tenant-id", "bbfe6b73-a46a-43ad-94bd-8e4b4a7847ce"]).is_ok());
    }
}
