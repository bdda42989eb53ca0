//! `nrfcloud messages tail --device D`: polls ListMessages and prints each new message until
//! interrupted (or `--count` messages).

use std::collections::HashSet;
use std::time::Duration;

use clap::Args;
use futures::StreamExt;
use serde_json::Value;

use crate::Context;
use crate::error::CliError;

/// `nrfcloud messages tail` options.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Only this device's messages.
    #[arg(long, value_name = "D")]
    pub device: Option<String>,
    /// Time between polls, in ms.
    #[arg(long, value_name = "MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(10..))]
    pub interval_ms: u64,
    /// Also print the messages of the last N seconds at start (default: only new ones).
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub since_s: u64,
    /// Stop after this many messages.
    #[arg(long, value_name = "N")]
    pub count: Option<usize>,
}

/// Tails the messages.
pub async fn tail(ctx: &Context, args: &TailArgs) -> Result<(), CliError> {
    let device: Option<nrfcloud::types::DeviceId> = match &args.device {
        Some(d) => Some(d.parse().map_err(|e| {
            CliError::usage(format!(
                "ListMessages: invalid value {d:?} for --device: {e}"
            ))
        })?),
        None => None,
    };
    let client = ctx.client("ListMessages", true)?;
    let mut since = chrono::Utc::now() - chrono::Duration::seconds(args.since_s as i64);
    let mut seen: HashSet<String> = HashSet::new();
    let mut printed = 0usize;
    let mut out = ctx.output();
    if !ctx.global.quiet {
        eprintln!("waiting for messages (Ctrl-C stops)");
    }
    loop {
        let start = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut req = client.api().list_messages().inclusive_start(start.as_str());
        if let Some(d) = &device {
            req = req.device_id(d.clone());
        }
        let mut items = req.items_as::<Value>();
        let mut newest = since;
        let mut fresh = HashSet::new();
        while let Some(item) = items.next().await {
            let item = item.map_err(|e| CliError::from_client("ListMessages", e))?;
            let key = item.to_string();
            if let Some(at) = item
                .get("receivedAt")
                .and_then(Value::as_str)
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            {
                newest = newest.max(at.with_timezone(&chrono::Utc));
            }
            fresh.insert(key.clone());
            if seen.contains(&key) {
                continue;
            }
            out.value(&item)?;
            printed += 1;
            if args.count.is_some_and(|n| printed >= n) {
                return Ok(());
            }
        }
        // Messages at the newest instant come again next time: remember them.
        seen = fresh;
        since = newest;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(args.interval_ms)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
