//! `nrfcloud-mock`: runs the mock nRF Cloud on a loopback port until Ctrl-C.
//!
//! ```text
//! nrfcloud-mock [--port N] [--api-key KEY] [--devices N] [--tenant-id UUID]
//!               [--bulk-delay-ms MS] [--fota-step-ms MS] [--fota-failure-percent P]
//!               [--transform-timeout-ms MS] [--transform-workers N]
//!               [--header-timeout-ms MS] [--idle-timeout-ms MS] [--max-connections N]
//! ```

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use nrfcloud_mock::{MockConfig, MockServer};

const USAGE: &str = "\
Usage: nrfcloud-mock [OPTIONS]

A local mock of the nRF Cloud REST API v1 (served under <base URL>/v1).

Options:
  --port N                   loopback port to listen on (default: a free one)
  --api-key KEY              the team's API key (default: a random one)
  --devices N                devices to create at start (default: 0)
  --tenant-id UUID           the team id (default: a random UUID)
  --bulk-delay-ms MS         time a bulk-ops request stays IN_PROGRESS (default: 200)
  --fota-step-ms MS          time between FOTA execution steps (default: 500)
  --fota-failure-percent P   share of devices whose FOTA executions fail (default: 10)
  --transform-timeout-ms MS  time for the transforms of one request (default: 1000; 0: no limit)
  --transform-workers N      transforms evaluated at once (default: 2)
  --header-timeout-ms MS     time allowed to send a request head (default: 30000)
  --idle-timeout-ms MS       a connection idle this long is closed (default: 60000)
  --max-connections N        connections served at once; more wait (default: 1024)
  -h, --help                 show this help";

fn parse(args: &[String]) -> Result<Option<MockConfig>, String> {
    let mut config = MockConfig::default();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if matches!(flag, "-h" | "--help") {
            return Ok(None);
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (flag, None),
        };
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i)
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))?
            }
        };
        let number = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name} needs a whole number, got '{v}'"))
        };
        match name {
            "--port" => {
                config.port =
                    u16::try_from(number(&value)?).map_err(|_| "--port is at most 65535")?
            }
            "--api-key" => config.api_key = value,
            "--devices" => {
                config.devices =
                    usize::try_from(number(&value)?).map_err(|_| "--devices is too large")?
            }
            "--tenant-id" => config.tenant_id = value,
            "--bulk-delay-ms" => config.bulk_ops_delay = Duration::from_millis(number(&value)?),
            "--fota-step-ms" => config.fota_step = Duration::from_millis(number(&value)?),
            "--fota-failure-percent" => {
                config.fota_failure_percent = u8::try_from(number(&value)?.min(100)).unwrap_or(100)
            }
            "--transform-timeout-ms" => {
                config.transform_limits.timeout = match number(&value)? {
                    0 => None,
                    ms => Some(Duration::from_millis(ms)),
                }
            }
            "--transform-workers" => {
                config.transform_workers = usize::try_from(number(&value)?)
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("--transform-workers is at least 1")?
            }
            "--header-timeout-ms" => {
                config.connection_limits.header_read_timeout =
                    Duration::from_millis(number(&value)?.max(1))
            }
            "--idle-timeout-ms" => {
                config.connection_limits.idle_timeout =
                    Duration::from_millis(number(&value)?.max(1))
            }
            "--max-connections" => {
                config.connection_limits.max_connections = usize::try_from(number(&value)?)
                    .map_err(|_| "--max-connections is too large")?
                    .max(1)
            }
            other => return Err(format!("unknown option {other}")),
        }
        i += 1;
    }
    Ok(Some(config))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("nrfcloud-mock: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let devices = config.devices;
    let server = match MockServer::start_with(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("nrfcloud-mock: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
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

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_are_read() {
        let config = parse(&args(&["--port", "8080", "--api-key=k", "--devices", "3"]))
            .expect("valid")
            .expect("config");
        assert_eq!(
            (config.port, config.api_key.as_str(), config.devices),
            (8080, "k", 3)
        );
        assert!(parse(&args(&["--help"])).expect("valid").is_none());
        assert!(parse(&args(&["--port"])).is_err());
        assert!(parse(&args(&["--port", "x"])).is_err());
        assert!(parse(&args(&["--colour", "red"])).is_err());
        let config = parse(&args(&[
            "--transform-timeout-ms",
            "250",
            "--transform-workers=3",
        ]))
        .expect("valid")
        .expect("config");
        assert_eq!(
            (config.transform_limits.timeout, config.transform_workers),
            (Some(Duration::from_millis(250)), 3)
        );
        let config = parse(&args(&["--transform-timeout-ms", "0"]))
            .expect("valid")
            .expect("config");
        assert_eq!(config.transform_limits.timeout, None);
        assert!(parse(&args(&["--transform-workers", "0"])).is_err());
        let config = parse(&args(&[
            "--header-timeout-ms",
            "250",
            "--idle-timeout-ms=500",
            "--max-connections",
            "7",
        ]))
        .expect("valid")
        .expect("config");
        let limits = config.connection_limits;
        assert_eq!(
            (
                limits.header_read_timeout,
                limits.idle_timeout,
                limits.max_connections
            ),
            (Duration::from_millis(250), Duration::from_millis(500), 7)
        );
    }
}
