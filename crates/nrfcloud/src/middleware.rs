//! What every generated call runs through (the raw crate's `Middleware`): the user agent and
//! the bearer token on the way out (only to the API's own origin), retries with backoff and a
//! `tracing` span on the way back.

use std::sync::Arc;
use std::time::Instant;

use nrfcloud_api::hooks::{BoxFuture, Middleware};
use nrfcloud_api::operations::Operation;
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use tracing::Instrument;

use crate::credentials::Credentials;
use crate::jwt::Clock;
use crate::retry::{self, RetryPolicy};

tokio::task_local! {
    /// Options of the call being executed (set by `Client::execute_with`).
    pub(crate) static CALL: CallOptions;
}

/// Per-call options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Allow retries of this call even if its method is not idempotent (POST, PATCH): use it
    /// for calls you know are safe to repeat.
    pub retry_non_idempotent: bool,
    /// A retry policy for this call instead of the client's.
    pub retry: Option<RetryPolicy>,
}

/// The wrapper's state as the generated client's middleware.
#[derive(Debug)]
pub(crate) struct State {
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    pub clock: Arc<dyn Clock>,
    /// Scheme, host and port of the base URL: the only origin that gets the bearer token.
    pub origin: (String, String, Option<u16>),
    pub user_agent: HeaderValue,
}

impl State {
    fn same_origin(&self, url: &reqwest::Url) -> bool {
        let (scheme, host, port) = &self.origin;
        url.scheme() == scheme
            && url.host_str() == Some(host.as_str())
            && url.port_or_known_default() == *port
    }
}

impl Middleware for State {
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        op: &'static Operation,
    ) -> Result<(), String> {
        let headers = request.headers_mut();
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.user_agent.clone());
        }
        headers.remove(AUTHORIZATION);
        if !self.same_origin(request.url()) {
            // Never send a bearer token anywhere but the API.
            return Ok(());
        }
        let token = self
            .credentials
            .token_for(op, self.clock.as_ref())
            .map_err(|e| e.to_string())?;
        if let Some(token) = token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    format!(
                        "{}: the credential cannot be sent in a header",
                        op.operation_id
                    )
                })?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        Ok(())
    }

    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        let span = tracing::info_span!(
            "nrfcloud.request",
            operation = op.operation_id,
            method = op.method,
            path = op.path,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        Box::pin(self.send_with_retries(client, request).instrument(span))
    }
}

impl State {
    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let opts = CALL.try_with(|o| *o).unwrap_or_default();
        let policy = opts.retry.unwrap_or(self.retry);
        let may_retry = retry::is_idempotent(request.method()) || opts.retry_non_idempotent;
        let started = Instant::now();
        let mut attempt: u32 = 1;
        loop {
            let again = if may_retry && attempt < policy.max_attempts {
                request.try_clone()
            } else {
                None
            };
            let sent = Instant::now();
            let result = client.execute(request).await;
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            span.record("duration_ms", sent.elapsed().as_millis() as u64);
            match &result {
                Ok(r) => {
                    span.record("status", r.status().as_u16());
                    tracing::debug!(status = r.status().as_u16(), attempt, "response");
                }
                Err(e) => tracing::debug!(error = %e.without_url_ref(), attempt, "transport error"),
            }
            let Some(next) = again else { return result };
            let (result, wait) = match result {
                Ok(r) if retry::is_retryable_status(r.status().as_u16()) => {
                    let after = retry::retry_after(r.headers(), self.clock.now());
                    let r = if r.status().as_u16() == 429 {
                        // The monthly quota (40005) is a 429 that no retry can fix.
                        let (quota, rebuilt) = peek_quota(r).await;
                        if quota {
                            return rebuilt;
                        }
                        rebuilt?
                    } else {
                        r
                    };
                    (Ok(r), after.unwrap_or_else(|| policy.backoff(attempt - 1)))
                }
                Err(e) if retry::is_retryable_error(&e) => (Err(e), policy.backoff(attempt - 1)),
                other => return other,
            };
            if started.elapsed() + wait > policy.max_elapsed {
                return result;
            }
            tracing::debug!(wait_ms = wait.as_millis() as u64, attempt, "retrying");
            tokio::time::sleep(wait).await;
            request = next;
            attempt += 1;
        }
    }
}

/// Reads a 429 body to see whether it is the monthly quota (40005), and gives back an
/// equivalent response.
async fn peek_quota(response: reqwest::Response) -> (bool, reqwest::Result<reqwest::Response>) {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    match response.bytes().await {
        Ok(body) => {
            let quota = crate::error::ApiError::from_body("", status.as_u16(), &body).code
                == Some(crate::error::NrfCode::UsageLimitExceeded);
            let mut rebuilt = http::Response::new(body);
            *rebuilt.status_mut() = status;
            *rebuilt.version_mut() = version;
            *rebuilt.headers_mut() = headers;
            (quota, Ok(reqwest::Response::from(rebuilt)))
        }
        Err(e) => (false, Err(e)),
    }
}

/// `reqwest::Error::without_url` by reference, for logging.
trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut s = self.to_string();
        if let Some(url) = self.url() {
            s = s.replace(
                url.as_str(),
                &format!("{}{}", url.origin().ascii_serialization(), url.path()),
            );
        }
        s
    }
}
