//! Runs `transform` (JSONata) expressions within bounds: on a pool of blocking threads of
//! bounded size, never on the threads that serve requests, with a time and size budget per
//! request.
//!
//! # The answer to a failed transform
//!
//! The documentation does not say what the service answers when a transform fails (it
//! describes the parameter only as "a JSONata expression"), and the document declares no
//! error response for ListDevices or FetchDevice. Its table of nRF codes has two
//! candidates: 40000, "something is not as expected on the cloud like a file was missing or
//! an internal service failed" (for Nordic support to look at), and 42200, "You are calling
//! an endpoint with invalid request data. Check the expected request format and try again".
//! An expression that is not valid, fails, or passes a bound is request data the caller
//! wrote and can fix, so the mock answers **422 with code 42200**, the same answer for a
//! syntax error, an evaluation error and a passed bound (a choice, listed in the crate
//! docs). Only a failure of the engine itself (a panic of a custom [`TransformFn`])
//! answers 400 / 40000.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use nrfcloud_jsonata::{EvalLimits, Transform};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::config::TransformFn;
use crate::errors::ApiError;

/// The engine, its bounds and its workers.
pub(crate) struct Transforms {
    engine: TransformFn,
    limits: EvalLimits,
    workers: Arc<Semaphore>,
}

impl Transforms {
    /// At most `workers` (at least one) evaluations at once.
    pub(crate) fn new(engine: TransformFn, limits: EvalLimits, workers: usize) -> Self {
        Transforms {
            engine,
            limits,
            workers: Arc::new(Semaphore::new(workers.max(1))),
        }
    }

    /// Applies `expression` to `items` on a worker thread, within the configured limits
    /// for all items together; waiting for a free worker counts against the time limit.
    pub(crate) async fn apply(
        &self,
        expression: String,
        items: Vec<Value>,
    ) -> Result<Vec<Value>, ApiError> {
        let deadline = self.limits.timeout.map(|t| Instant::now() + t);
        let acquire = Arc::clone(&self.workers).acquire_owned();
        let permit = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), acquire)
                .await
                .map_err(|_| {
                    failed(&format!(
                        "the time limit of {} ms ran out while the transform waited for a \
                         free worker (MockConfig::transform_limits, transform_workers)",
                        self.limits.timeout.unwrap_or_default().as_millis()
                    ))
                })?,
            None => acquire.await,
        }
        .map_err(|_| ApiError::bad_request("transform: the transform workers are closed"))?;
        let mut limits = self.limits.clone();
        if let Some(deadline) = deadline {
            limits.timeout = Some(deadline.saturating_duration_since(Instant::now()));
        }
        let engine = Arc::clone(&self.engine);
        // The permit is held by the worker: a request that is dropped while its transform
        // runs (the client went away) keeps the worker counted until the evaluation ends.
        let outcome = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            engine(&expression, &items, &limits)
        })
        .await
        .map_err(|_| ApiError::bad_request("transform: the JSONata engine failed"))?;
        outcome.map_err(|e| failed(&e))
    }
}

/// 422 / 42200 for a transform that failed (see the module docs).
fn failed(reason: &str) -> ApiError {
    ApiError::validation(format!("transform: the expression failed: {reason}"))
}

/// The default engine ([`crate::jsonata_transform`]): checks `expression` once, then
/// evaluates it against each item with what is left of the time and result-size budget.
pub(crate) fn evaluate_all(
    expression: &str,
    items: &[Value],
    limits: &EvalLimits,
    max_nesting: usize,
) -> Result<Vec<Value>, String> {
    let transform =
        Transform::with_max_nesting(expression, max_nesting).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut bytes_left = limits.max_result_bytes;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let mut item_limits = limits.clone();
        if let Some(timeout) = limits.timeout {
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(format!(
                    "D1012: the {} ms for the transforms of this response ran out \
                     (stopped by the time limit (EvalLimits::timeout))",
                    timeout.as_millis()
                ));
            }
            item_limits.timeout = Some(left);
        }
        item_limits.max_result_bytes = bytes_left;
        let result = transform
            .evaluate_with(Some(item), None, &item_limits)
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        if let Some(left) = &mut bytes_left {
            *left = left.saturating_sub(json_len(&result));
        }
        results.push(result);
    }
    Ok(results)
}

/// The length of `value` as JSON text, without building the text.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail, and a result is within the depth limit.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_result_budget_is_shared_by_the_items() {
        let items = vec![json!({ "id": "0123456789" }); 10];
        // Each result is `"0123456789"`: 12 bytes; ten of them need 120.
        let limits = EvalLimits::default().max_result_bytes(120);
        assert_eq!(
            evaluate_all("id", &items, &limits, nrfcloud_jsonata::DEFAULT_MAX_NESTING)
                .map(|r| r.len()),
            Ok(10)
        );
        let limits = EvalLimits::default().max_result_bytes(119);
        let err =
            evaluate_all("id", &items, &limits, nrfcloud_jsonata::DEFAULT_MAX_NESTING).unwrap_err();
        assert!(err.contains("EvalLimits::max_result_bytes"), "{err}");
    }

    #[test]
    fn json_len_is_the_length_of_the_text() {
        let value = json!({ "a": [1, "two", null, { "b": true }] });
        assert_eq!(json_len(&value), value.to_string().len());
    }
}
