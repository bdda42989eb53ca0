//! The `nrfcloud.request` span of a typed send carries the same fields as that of the
//! generated builder sent through `Client::raw()` (its own test binary: it installs the
//! process-wide subscriber).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nrfcloud::{Client, RetryPolicy};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::Value;

/// Collects everything `tracing` writes.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Takes the lines written so far, with the (timing-dependent) durations and waits
    /// blanked.
    fn take(&self) -> Vec<String> {
        let text = String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap();
        text.lines()
            .map(|line| {
                line.split(' ')
                    .map(|word| {
                        for timed in ["duration_ms=", "wait_ms="] {
                            if let Some((before, _)) = word.split_once(timed) {
                                return format!("{before}{timed}_");
                            }
                        }
                        word.to_string()
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

fn account() -> Value {
    let spec: Value = serde_json::from_str(include_str!("../../../spec/openapi.json")).unwrap();
    spec["paths"]["/account"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}

#[tokio::test]
async fn the_request_span_has_the_same_fields_both_ways() {
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .without_time()
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    tracing::callsite::rebuild_interest_cache();

    let server = Recorder::start().await;
    let client = Client::builder()
        .base_url(&server.base)
        .api_key("key")
        .retry(
            RetryPolicy::standard()
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let mut runs = Vec::new();
    for typed in [false, true] {
        server.then([Reply::empty(503), Reply::json(200, account())]);
        if typed {
            client.api().fetch_account_info().send().await.unwrap();
        } else {
            client.raw().fetch_account_info().send().await.unwrap();
        }
        let lines: Vec<String> = logs
            .take()
            .into_iter()
            // The wrapper's own events (the connection pool's differ: the second call reuses
            // the first one's connection).
            .filter(|l| l.contains("nrfcloud.request{") && l.contains("nrfcloud::"))
            .collect();
        runs.push(lines);
    }
    assert!(!runs[0].is_empty(), "the span was recorded");
    assert_eq!(runs[0], runs[1]);
    let last = runs[1].last().unwrap();
    for field in [
        "operation=\"FetchAccountInfo\"",
        "method=\"GET\"",
        "path=\"/account\"",
        "status=200",
        "attempt=2",
        "duration_ms=_",
    ] {
        assert!(last.contains(field), "{field} in {last}");
    }
}
