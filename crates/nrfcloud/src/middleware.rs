//! What every generated call runs through (the raw crate's `Middleware`): the user agent and
//! the bearer token on the way out (only to the API's own origin), retries with backoff, a
//! bound on the size of response bodies and a `tracing` span on the way back. A call's own
//! options ([`CallOptions`]) and the slot for its typed credential error ([`CredentialSlot`])
//! travel together ([`CallContext`]) in the request builder's per-call extensions, which the
//! generated `send` hands to both hooks.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bytes::Bytes;
use futures_util::future::Either;
use futures_util::{FutureExt, StreamExt};
use nrfcloud_api::hooks::{BoxFuture, Extensions, Middleware};
use nrfcloud_api::operations::Operation;
use reqwest::ResponseBuilderExt;
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use tracing::Instrument;

use crate::credentials::Credentials;
use crate::error::CredentialError;
use crate::redirect::Origin;
use crate::retry::{self, RetryPolicy};
use crate::runtime::{AsyncSleep, TimeSource};
use crate::secret::Secret;

/// Per-call options ([`crate::Request::with_options`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Allow retries of this call even if its method is not idempotent (POST, PATCH): use it
    /// for calls you know are safe to repeat.
    pub retry_non_idempotent: bool,
    /// A retry policy for this call instead of the client's.
    pub retry: Option<RetryPolicy>,
}

/// Where the `prepare` hook leaves the typed error of a call it refuses for its credentials:
/// progenitor's `Error::Custom` carries only text, and the wrapper hands the caller
/// [`crate::Error::Credentials`]. One per call, in the call's extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct CredentialSlot(Arc<OnceLock<CredentialError>>);

impl CredentialSlot {
    /// The error `prepare` left, if any.
    pub(crate) fn take(&self) -> Option<CredentialError> {
        self.0.get().cloned()
    }
}

/// What one call hands the middleware in its per-call extensions: one entry, so one insert
/// into the extensions' map per call.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallContext {
    /// The call's options.
    pub options: CallOptions,
    /// Where `prepare` leaves a refused credential.
    pub refused: CredentialSlot,
}

/// The wrapper's state as the generated client's middleware.
#[derive(Debug)]
pub(crate) struct State {
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    pub time: Arc<dyn TimeSource>,
    pub sleep: Arc<dyn AsyncSleep>,
    /// Scheme, host and port of the base URL: the only origin that gets the bearer token.
    pub origin: Origin,
    pub user_agent: HeaderValue,
    /// The largest response body read, in bytes.
    pub max_response_bytes: u64,
    /// The `Authorization` value of the last token sent.
    pub bearer: BearerCache,
}

/// The `Authorization` value of the last token sent, kept with the token: the same token (an
/// API key, a cached JWT) is not formatted and checked again on every call (about 1,400
/// instructions a call). A different token replaces it.
#[derive(Default)]
pub(crate) struct BearerCache(std::sync::Mutex<Option<(Secret, HeaderValue)>>);

impl std::fmt::Debug for BearerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerCache(***)")
    }
}

impl BearerCache {
    /// `Bearer {token}`, marked sensitive; `None` when the token cannot be a header value.
    fn header(&self, token: &Secret) -> Option<HeaderValue> {
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((cached, value)) = slot.as_ref()
            && cached == token
        {
            return Some(value.clone());
        }
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
        value.set_sensitive(true);
        *slot = Some((token.clone(), value.clone()));
        Some(value)
    }
}

impl State {
    fn same_origin(&self, url: &reqwest::Url) -> bool {
        crate::redirect::is_at(&self.origin, url)
    }
}

impl State {
    /// Puts the bearer token for `op` on `request`, when it goes to the API's origin: the
    /// credential is read again (a minted JWT re-checked against the clock, re-minted when it
    /// is about to expire) every time, so a retry never re-sends an expired token.
    fn authorize(
        &self,
        request: &mut reqwest::Request,
        op: &'static Operation,
        extensions: &Extensions,
    ) -> Result<(), String> {
        if !self.same_origin(request.url()) {
            // Never send a bearer token anywhere but the API.
            request.headers_mut().remove(AUTHORIZATION);
            return Ok(());
        }
        // The one credential check of every call, whatever path it took to get here.
        let refuse = |e: CredentialError| {
            let text = e.to_string();
            if let Some(call) = extensions.get::<CallContext>() {
                let _ = call.refused.0.set(e);
            }
            text
        };
        let token = self
            .credentials
            .token_for(op, self.time.as_ref())
            .map_err(refuse)?;
        match token {
            Some(token) => {
                let value = self.bearer.header(&token).ok_or_else(|| {
                    refuse(CredentialError::BadToken {
                        what: "credential",
                        reason: "cannot be sent in a header",
                    })
                })?;
                // Replaces the token of an earlier attempt (a retry's copy of the request).
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            None => {
                request.headers_mut().remove(AUTHORIZATION);
            }
        }
        Ok(())
    }
}

impl Middleware for State {
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        op: &'static Operation,
        extensions: &Extensions,
    ) -> Result<(), String> {
        if let http::header::Entry::Vacant(slot) = request.headers_mut().entry(USER_AGENT) {
            slot.insert(self.user_agent.clone());
        }
        self.authorize(request, op, extensions)
    }

    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static Operation,
        extensions: Extensions,
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
        Box::pin(
            self.send_with_retries(client, request, op, extensions)
                .instrument(span),
        )
    }
}

impl State {
    /// The first attempt inline; the retry loop, which a call rarely needs, in a boxed future of
    /// its own. The call's settings are read and the request cloned for a retry before the
    /// future is built, so that it holds the request once (inside the first attempt) and stays
    /// under glibc's per-thread cache for small blocks (1,032 bytes): as an `async fn` holding
    /// the loop it was 1.6 kB, and every call's allocation took the slower path.
    fn send_with_retries<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static Operation,
        extensions: Extensions,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
        let opts = extensions
            .get::<CallContext>()
            .map(|call| call.options)
            .unwrap_or_default();
        let policy = opts.retry.unwrap_or(self.retry);
        let may_retry = retry::is_idempotent(request.method()) || opts.retry_non_idempotent;
        let started = self.time.now();
        let again = if may_retry && 1 < policy.max_attempts {
            request.try_clone()
        } else {
            None
        };
        // `then` rather than an `async` block, which would keep a second copy of the first
        // attempt's future beside the one it awaits. `reqwest` takes the request apart when
        // `execute` is called (its future is a pointer), so the attempt does not hold it.
        self.attempt(client.execute(request), 1)
            .then(move |result| match again {
                Some(next) if wants_retry(&result) => {
                    let retries = Retries {
                        op,
                        extensions,
                        policy,
                        started,
                    };
                    Either::Left(Box::pin(self.retry(client, result, next, retries)))
                }
                _ => Either::Right(std::future::ready(result)),
            })
    }

    /// One attempt: the request sent (`reqwest`'s `execute`), its response bounded, the span's
    /// fields recorded.
    async fn attempt(
        &self,
        sending: impl Future<Output = reqwest::Result<reqwest::Response>>,
        attempt: u32,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::Span::current();
        // The clock is read only for a span that records it.
        let sent = (!span.is_disabled()).then(Instant::now);
        let result = sending.await.map(|r| bounded(r, self.max_response_bytes));
        span.record("attempt", attempt);
        if let Some(sent) = sent {
            span.record("duration_ms", sent.elapsed().as_millis() as u64);
        }
        match &result {
            Ok(r) => {
                span.record("status", r.status().as_u16());
                tracing::debug!(status = r.status().as_u16(), attempt, "response");
            }
            Err(e) => tracing::debug!(error = %e.without_url_ref(), attempt, "transport error"),
        }
        result
    }

    /// After an attempt whose outcome the policy retries ([`wants_retry`]): waits and sends
    /// `next`, until an answer that is not retried, the last attempt, or the policy's time
    /// budget. `result` is a retryable outcome at the top of each round.
    async fn retry(
        &self,
        client: &reqwest::Client,
        mut result: reqwest::Result<reqwest::Response>,
        mut next: reqwest::Request,
        retries: Retries,
    ) -> reqwest::Result<reqwest::Response> {
        let Retries {
            op,
            ref extensions,
            policy,
            started,
        } = retries;
        let mut attempt: u32 = 1;
        loop {
            let (result_now, retry_after) = match result {
                Ok(r) => {
                    let after = retry::retry_after(r.headers(), self.time.now());
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
                    (Ok(r), after)
                }
                Err(e) => (Err(e), None),
            };
            // Retry-After is clamped to the policy's longest wait; the budget check saturates.
            // On the injected clock; one that goes back counts as no time passed.
            let elapsed = self.time.now().duration_since(started).unwrap_or_default();
            let Some(wait) = policy.wait_before_retry(attempt - 1, retry_after, elapsed) else {
                return result_now;
            };
            tracing::debug!(wait_ms = wait.as_millis() as u64, attempt, "retrying");
            self.sleep.sleep(wait).await;
            let mut request = next;
            // The token of the first attempt may have expired during the wait.
            if let Err(reason) = self.authorize(&mut request, op, extensions) {
                tracing::debug!(%reason, attempt, "no credential for the retry");
                return result_now;
            }
            attempt += 1;
            let again = if attempt < policy.max_attempts {
                request.try_clone()
            } else {
                None
            };
            result = self.attempt(client.execute(request), attempt).await;
            match again {
                Some(again) if wants_retry(&result) => next = again,
                _ => return result,
            }
        }
    }
}

/// What the retry loop needs of the call beyond the request.
struct Retries {
    op: &'static Operation,
    extensions: Extensions,
    policy: RetryPolicy,
    started: std::time::SystemTime,
}

/// Whether an attempt's outcome is one the policy retries (a transient status or transport
/// error; the 429 of the monthly quota is told apart when the loop reads its body).
fn wants_retry(result: &reqwest::Result<reqwest::Response>) -> bool {
    match result {
        Ok(r) => retry::is_retryable_status(r.status().as_u16()),
        Err(e) => retry::is_retryable_error(e),
    }
}

/// The error a response body yields once it passes the limit (the source of the
/// `reqwest::Error` the reader gets; the client turns it into
/// [`crate::Error::ResponseTooLarge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge {
    pub status: u16,
    pub limit: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the response is larger than {} bytes", self.limit)
    }
}

impl std::error::Error for TooLarge {}

impl TooLarge {
    /// The [`TooLarge`] somewhere in the sources of `e`, if any.
    pub(crate) fn find(e: &(dyn std::error::Error + 'static)) -> Option<TooLarge> {
        let mut current = Some(e);
        while let Some(e) = current {
            if let Some(t) = e.downcast_ref::<TooLarge>() {
                return Some(*t);
            }
            current = e.source();
        }
        None
    }
}

/// The response with a body that fails past `limit` bytes. A `Content-Length` over the limit
/// fails at once, without reading a byte (dropping the original body closes the connection);
/// a body of unknown length (chunked, or until close) is counted as it streams and fails on
/// the chunk that crosses the limit. A known length within the limit is left alone (hyper
/// never delivers more than `Content-Length`).
pub(crate) fn bounded(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let announced = response.content_length();
    if announced.is_some_and(|n| n <= limit) {
        return response;
    }
    let too_large = TooLarge {
        status: response.status().as_u16(),
        limit,
    };
    let mut head = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    if let Some(headers) = head.headers_mut() {
        *headers = response.headers().clone();
    }
    let body = if announced.is_some() {
        drop(response);
        reqwest::Body::wrap_stream(futures_util::stream::once(async move {
            Err::<Bytes, BoxError>(Box::new(too_large))
        }))
    } else {
        let mut seen: u64 = 0;
        let mut failed = false;
        let chunks = response.bytes_stream().scan((), move |_, chunk| {
            if failed {
                return futures_util::future::ready(None);
            }
            let item = match chunk {
                Ok(chunk) => {
                    seen = seen.saturating_add(chunk.len() as u64);
                    if seen > limit {
                        failed = true;
                        Err(Box::new(too_large) as BoxError)
                    } else {
                        Ok(chunk)
                    }
                }
                Err(e) => {
                    failed = true;
                    Err(Box::new(e) as BoxError)
                }
            };
            futures_util::future::ready(Some(item))
        });
        reqwest::Body::wrap_stream(chunks)
    };
    let head = head.body(()).unwrap_or_default();
    reqwest::Response::from(head.map(|()| body))
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads a 429 body to see whether it is the monthly quota (40005), and gives back an
/// equivalent response.
async fn peek_quota(response: reqwest::Response) -> (bool, reqwest::Result<reqwest::Response>) {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    match response.bytes().await {
        Ok(body) => {
            let code = crate::error::ApiError::from_body("", status.as_u16(), &body).code;
            let quota = !retry::is_retryable_answer(status.as_u16(), code);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: reqwest::Body) -> reqwest::Response {
        let mut r = http::Response::new(body);
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
        r.headers_mut()
            .insert("x-kept", HeaderValue::from_static("yes"));
        reqwest::Response::from(r)
    }

    /// A body of unknown length, in these chunks.
    fn chunked(chunks: &[&'static [u8]]) -> reqwest::Body {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
    }

    #[test]
    fn the_bearer_value_follows_the_token() {
        let cache = BearerCache::default();
        let first = cache.header(&Secret::new("token-1")).unwrap();
        assert_eq!(first, "Bearer token-1");
        assert!(first.is_sensitive());
        // The same token (another handle on it, or an equal one) reuses the value.
        assert_eq!(cache.header(&Secret::new("token-1")).unwrap(), first);
        // A new token (a re-minted JWT) replaces it.
        let second = cache.header(&Secret::new("token-2")).unwrap();
        assert_eq!(second, "Bearer token-2");
        assert!(second.is_sensitive());
        assert_eq!(
            cache.header(&Secret::new("token-1")).unwrap(),
            "Bearer token-1"
        );
        // A token that cannot be a header value is refused, and the last good one stays.
        assert!(cache.header(&Secret::new("bad\ntoken")).is_none());
        assert_eq!(
            cache.header(&Secret::new("token-1")).unwrap(),
            "Bearer token-1"
        );
        assert_eq!(format!("{cache:?}"), "BearerCache(***)");
    }

    #[tokio::test]
    async fn a_body_of_unknown_length_is_counted_up_to_the_limit() {
        let at_limit = bounded(response(200, chunked(&[b"abc", b"def"])), 6);
        assert_eq!(at_limit.headers()["x-kept"], "yes");
        assert_eq!(&at_limit.bytes().await.unwrap()[..], b"abcdef");

        let over = bounded(response(200, chunked(&[b"abc", b"defg", b"h"])), 6);
        assert_eq!(over.status(), 200);
        let err = over.bytes().await.unwrap_err();
        assert_eq!(
            TooLarge::find(&err),
            Some(TooLarge {
                status: 200,
                limit: 6
            })
        );
    }

    #[tokio::test]
    async fn a_known_length_over_the_limit_fails_and_one_within_is_untouched() {
        let within = bounded(response(200, reqwest::Body::from("abcdef")), 6);
        assert_eq!(within.content_length(), Some(6), "left as it was");
        assert_eq!(&within.bytes().await.unwrap()[..], b"abcdef");

        let over = bounded(response(503, reqwest::Body::from("abcdefg")), 6);
        assert_eq!(over.status(), 503);
        assert_eq!(over.headers()["x-kept"], "yes");
        let err = over.bytes().await.unwrap_err();
        assert_eq!(
            TooLarge::find(&err),
            Some(TooLarge {
                status: 503,
                limit: 6
            })
        );
    }

    #[tokio::test]
    async fn other_body_errors_pass_through_and_end_the_stream() {
        let failing: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::other("broken")),
            Ok(Bytes::from_static(b"cd")),
        ];
        let r = bounded(
            response(
                200,
                reqwest::Body::wrap_stream(futures_util::stream::iter(failing)),
            ),
            100,
        );
        let mut stream = r.bytes_stream();
        assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"ab");
        let err = stream.next().await.unwrap().unwrap_err();
        assert!(TooLarge::find(&err).is_none());
        assert!(stream.next().await.is_none(), "nothing after the error");
    }

    /// Every call allocates the middleware's future; glibc serves blocks of up to 1,032 bytes
    /// from a per-thread cache and larger ones through the slower general path (about 600
    /// more instructions a call). The retry loop is boxed apart to keep the call's future under.
    #[test]
    fn a_call_future_fits_the_allocator_cache_for_small_blocks() {
        nrfcloud_api::hooks::ensure_crypto_provider();
        let http = reqwest::Client::new();
        let client = crate::Client::builder()
            .base_url("http://127.0.0.1:1")
            .api_key("k")
            .build()
            .unwrap();
        let op = nrfcloud_api::operations::by_method_name("fetch_device").unwrap();
        let request = reqwest::Request::new(
            reqwest::Method::GET,
            "http://127.0.0.1:1/v1/devices/d".parse().unwrap(),
        );
        let future = client
            .middleware()
            .execute(&http, request, op, Extensions::default());
        let size = std::mem::size_of_val(&*future);
        assert!(size <= 1032, "the call's future is {size} bytes");
    }
}
