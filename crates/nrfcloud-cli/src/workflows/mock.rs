//! `nrfcloud mock`: the local mock nRF Cloud, embedded, until Ctrl-C.

use std::io::Write;

use clap::Args;
use nrfcloud_mock::{MockConfig, MockServer};

use crate::error::CliError;

/// `nrfcloud mock` options.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// Loopback port (default: a free one).
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub port: u16,
    /// Devices to create at start.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub devices: usize,
    /// Time a bulk-ops request stays IN_PROGRESS, in ms.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub bulk_delay_ms: u64,
    /// Time between FOTA execution steps, in ms.
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub fota_step_ms: u64,
    /// Print one line per request to stderr.
    #[arg(long)]
    pub log_requests: bool,
}

/// Starts the mock, prints the `export` lines on stdout, serves until Ctrl-C.
pub async fn run(args: &MockArgs, quiet: bool) -> Result<(), CliError> {
    let config = MockConfig {
        port: args.port,
        devices: args.devices,
        bulk_ops_delay: std::time::Duration::from_millis(args.bulk_delay_ms),
        fota_step: std::time::Duration::from_millis(args.fota_step_ms),
        log_requests: args.log_requests,
        ..Default::default()
    };
    let server = MockServer::start_with(config).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            CliError::usage(format!("port {} is in use", args.port))
        } else {
            CliError::Transport(format!("cannot start the mock: {e}"))
        }
    })?;
    // The two lines a shell can paste (or `eval "$(nrfcloud mock | head -2)"`).
    let mut stdout = std::io::stdout();
    writeln!(stdout, "export NRFCLOUD_BASE_URL={}", server.base_url())?;
    writeln!(stdout, "export NRFCLOUD_API_KEY={}", server.api_key())?;
    stdout.flush()?;
    if !quiet {
        eprintln!(
            "mock nRF Cloud at {}/v1 with {} devices (team {}); Ctrl-C stops it",
            server.base_url(),
            args.devices,
            server.tenant_id()
        );
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::Transport(format!("cannot wait for Ctrl-C: {e}")))?;
    server.shutdown().await;
    Ok(())
}
