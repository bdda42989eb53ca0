//! Fault injection, set per server and changeable while it runs: added latency, a fast server
//! clock (JWTs expire early), error answers, 429 with `Retry-After`, dropped or reset
//! connections (closed without an answer), truncated, empty, non-JSON and oversized bodies, and
//! page tokens that repeat. Rules fire deterministically (every Nth matching request, the next
//! N, or a seeded random draw), so tests of retries and error handling are repeatable.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::Frame;
use tokio::sync::Notify;

use crate::errors::ApiError;
use crate::query::QueryParams;

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this HTTP status and an nRF body whose code is `status × 100`.
    Error {
        /// The HTTP status, e.g. 500 or 503.
        status: u16,
    },
    /// Answer 429 Too Many Requests with `Retry-After: <seconds>`.
    RateLimit {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Close the connection without sending any response.
    Drop,
    /// Reset the connection (TCP RST) without sending any response.
    Reset,
    /// Let the request through but send a broken body.
    Truncate(Truncation),
    /// Let the request through but send its status and headers with an empty body
    /// (`Content-Length: 0`).
    EmptyBody,
    /// Let the request through but replace its body with an HTML page, keeping the status and
    /// the content type (a proxy's error page announced as JSON).
    NotJson,
    /// Answer 200 with a valid JSON object of exactly `bytes` bytes (at least 14):
    /// `{"padding":"aaa…"}`, generated while it is sent, never held in memory. See
    /// [`Faults::oversized_bytes_sent`].
    Oversized {
        /// The size of the body.
        bytes: u64,
        /// `false`: announced by `Content-Length`; `true`: sent chunked, with no length.
        chunked: bool,
    },
    /// Let the request through; when it carried a `pageNextToken` and the answer is a page
    /// (an object with `items`), answer that same token as the next one, so a client that
    /// follows tokens blindly never ends.
    RepeatPageToken,
}

/// How a body is broken by [`Fault::Truncate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// `Content-Length` announces the full body but only half is sent before the connection
    /// closes.
    ShortBody,
    /// A correct `Content-Length` for a body cut in half (invalid JSON).
    CutJson,
    /// `Content-Length` announces the full body but only half is sent before the connection
    /// is reset (TCP RST).
    Reset,
}

/// When a rule fires, counting only the requests that match it.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Every matching request.
    Always,
    /// The Nth, 2Nth, 3Nth … matching request.
    EveryNth(u64),
    /// The next N matching requests, then never again.
    Next(u64),
    /// Each matching request with this probability, drawn from a generator seeded with `seed`.
    Random {
        /// Between 0 and 1.
        probability: f64,
        /// The seed of the deterministic generator.
        seed: u64,
    },
}

/// A fault, when it fires, and which requests it applies to.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// What happens.
    pub fault: Fault,
    /// When it happens.
    pub trigger: Trigger,
    /// Only requests whose path starts with this (e.g. `/v1/devices`); `None` for all.
    pub path_prefix: Option<String>,
}

#[derive(Debug)]
struct RuleState {
    rule: FaultRule,
    seen: u64,
    fired: u64,
    rng: u64,
}

#[derive(Debug, Default)]
struct Inner {
    latency: Duration,
    clock_skew: Duration,
    rules: Vec<RuleState>,
}

/// The fault knobs of one server (`MockServer::faults()`). Rules are checked in the order they
/// were added; the first that fires decides. Latency and clock skew apply to every request.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<Inner>,
    injected: AtomicU64,
    requests: AtomicU64,
    oversized_sent: AtomicU64,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Delays every request by `latency` (zero to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The added latency.
    pub fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// Runs the server's clock `skew` ahead when it checks credentials: a JWT whose `exp` is
    /// less than `skew` after the real time is refused as expired (401 / 40100), as by a
    /// server whose clock is fast. Zero to stop.
    pub fn set_clock_skew(&self, skew: Duration) {
        self.lock().clock_skew = skew;
    }

    /// How far ahead the server's clock runs.
    pub fn clock_skew(&self) -> Duration {
        self.lock().clock_skew
    }

    /// The server's time for credential checks, in seconds since the epoch: now plus the skew.
    pub(crate) fn now_secs(&self) -> i64 {
        let skew = i64::try_from(self.clock_skew().as_secs()).unwrap_or(i64::MAX);
        chrono::Utc::now().timestamp().saturating_add(skew)
    }

    /// Adds a rule.
    pub fn add(&self, rule: FaultRule) {
        let rng = match rule.trigger {
            Trigger::Random { seed, .. } => seed | 1,
            _ => 1,
        };
        self.lock().rules.push(RuleState {
            rule,
            seen: 0,
            fired: 0,
            rng,
        });
    }

    /// Removes every rule, the latency and the clock skew.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.rules.clear();
        inner.latency = Duration::ZERO;
        inner.clock_skew = Duration::ZERO;
    }

    /// How many faults were injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// How many requests reached the server so far, faulted or not.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// How many bytes of [`Fault::Oversized`] bodies were generated so far: those handed to
    /// connections, which stop asking once the client stops reading (the rest is never made).
    pub fn oversized_bytes_sent(&self) -> u64 {
        self.oversized_sent.load(Ordering::Relaxed)
    }

    /// Applies `fault` to the next `count` requests.
    pub fn inject_next(&self, count: u64, fault: Fault) {
        self.add(rule(fault, Trigger::Next(count)));
    }

    /// Answers every `n`th request with `status`.
    pub fn fail_every(&self, n: u64, status: u16) {
        self.add(rule(Fault::Error { status }, Trigger::EveryNth(n)));
    }

    /// Answers the next `count` requests with `status`.
    pub fn fail_next(&self, count: u64, status: u16) {
        self.add(rule(Fault::Error { status }, Trigger::Next(count)));
    }

    /// Answers requests with `status` with this probability (seeded, so repeatable).
    pub fn fail_randomly(&self, probability: f64, status: u16, seed: u64) {
        self.add(rule(
            Fault::Error { status },
            Trigger::Random { probability, seed },
        ));
    }

    /// Answers the next `count` requests with 429 and `Retry-After: retry_after_secs`.
    pub fn rate_limit_next(&self, count: u64, retry_after_secs: u64) {
        self.add(rule(
            Fault::RateLimit { retry_after_secs },
            Trigger::Next(count),
        ));
    }

    /// Closes the connection of every `n`th request without answering.
    pub fn drop_every(&self, n: u64) {
        self.add(rule(Fault::Drop, Trigger::EveryNth(n)));
    }

    /// Closes the connections of the next `count` requests without answering.
    pub fn drop_next(&self, count: u64) {
        self.add(rule(Fault::Drop, Trigger::Next(count)));
    }

    /// Resets (TCP RST) the connections of the next `count` requests without answering.
    pub fn reset_next(&self, count: u64) {
        self.add(rule(Fault::Reset, Trigger::Next(count)));
    }

    /// Breaks the body of every `n`th response.
    pub fn truncate_every(&self, n: u64, how: Truncation) {
        self.add(rule(Fault::Truncate(how), Trigger::EveryNth(n)));
    }

    /// Breaks the bodies of the next `count` responses.
    pub fn truncate_next(&self, count: u64, how: Truncation) {
        self.add(rule(Fault::Truncate(how), Trigger::Next(count)));
    }

    /// The latency and the fault (if any) for a request to `path`.
    pub(crate) fn decide(&self, path: &str) -> (Duration, Option<Fault>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        let latency = inner.latency;
        let mut chosen = None;
        for state in inner.rules.iter_mut() {
            if state
                .rule
                .path_prefix
                .as_deref()
                .is_some_and(|p| !path.starts_with(p))
            {
                continue;
            }
            state.seen += 1;
            let fire = match state.rule.trigger {
                Trigger::Always => true,
                Trigger::EveryNth(n) => n > 0 && state.seen % n == 0,
                Trigger::Next(n) => state.fired < n,
                Trigger::Random { probability, .. } => {
                    let mut x = state.rng;
                    x ^= x >> 12;
                    x ^= x << 25;
                    x ^= x >> 27;
                    state.rng = x;
                    let draw =
                        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
                    draw < probability
                }
            };
            if fire {
                state.fired += 1;
                chosen = Some(state.rule.fault.clone());
                break;
            }
        }
        inner
            .rules
            .retain(|s| !matches!(s.rule.trigger, Trigger::Next(n) if s.fired >= n));
        drop(inner);
        if chosen.is_some() {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        (latency, chosen)
    }
}

fn rule(fault: Fault, trigger: Trigger) -> FaultRule {
    FaultRule {
        fault,
        trigger,
        path_prefix: None,
    }
}

/// Put into each request by the accept loop: closing or resetting it ends that request's
/// connection without an answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionKill {
    notify: Arc<Notify>,
    reset: Arc<AtomicBool>,
}

impl ConnectionKill {
    /// Closes the connection (FIN).
    pub(crate) fn close(&self) {
        self.notify.notify_one();
    }

    /// Resets the connection (RST): the socket is closed with a zero linger.
    pub(crate) fn reset(&self) {
        self.reset.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    /// Waits until [`ConnectionKill::close`] or [`ConnectionKill::reset`] is called.
    pub(crate) async fn killed(&self) {
        self.notify.notified().await;
    }

    /// Whether the connection is to be reset rather than closed.
    pub(crate) fn resets(&self) -> bool {
        self.reset.load(Ordering::SeqCst)
    }
}

/// The outermost middleware: applies latency and faults before the request is handled.
pub(crate) async fn inject(
    State(faults): State<Arc<Faults>>,
    req: Request,
    next: Next,
) -> Response {
    let (latency, fault) = faults.decide(req.uri().path());
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    match fault {
        None => next.run(req).await,
        Some(Fault::Error { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::new(
                status,
                u32::from(status.as_u16()) * 100,
                "Fault injected by the mock server",
            )
            .into_response()
        }
        Some(Fault::RateLimit { retry_after_secs }) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            42900,
            "Too many requests (fault injected by the mock server)",
        )
        .with_header(header::RETRY_AFTER, &retry_after_secs.to_string())
        .into_response(),
        Some(Fault::Drop) => match kill {
            Some(kill) => {
                kill.close();
                std::future::pending::<Response>().await
            }
            None => StatusCode::BAD_GATEWAY.into_response(),
        },
        Some(Fault::Reset) => match kill {
            Some(kill) => {
                kill.reset();
                std::future::pending::<Response>().await
            }
            None => StatusCode::BAD_GATEWAY.into_response(),
        },
        Some(Fault::Truncate(how)) => truncate(next.run(req).await, how, kill).await,
        Some(Fault::EmptyBody) => {
            let (mut parts, _) = next.run(req).await.into_parts();
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(0));
            Response::from_parts(parts, Body::empty())
        }
        Some(Fault::NotJson) => {
            let (mut parts, _) = next.run(req).await.into_parts();
            let page = Bytes::from_static(NOT_JSON);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(page.len()));
            Response::from_parts(parts, Body::from(page))
        }
        Some(Fault::Oversized { bytes, chunked }) => oversized(Arc::clone(&faults), bytes, chunked),
        Some(Fault::RepeatPageToken) => {
            let token = QueryParams::parse(req.uri().query())
                .get("pageNextToken")
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            let response = next.run(req).await;
            match token {
                Some(token) => repeat_token(response, token).await,
                None => response,
            }
        }
    }
}

/// The body of [`Fault::NotJson`].
const NOT_JSON: &[u8] = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
    <body><h1>Bad Gateway</h1></body></html>\n";

async fn truncate(response: Response, how: Truncation, kill: Option<ConnectionKill>) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    match how {
        Truncation::CutJson => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
            Response::from_parts(parts, Body::from(half))
        }
        Truncation::ShortBody | Truncation::Reset => {
            let announced = bytes.len().max(16);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
            let reset = match how {
                Truncation::Reset => kill,
                _ => None,
            };
            Response::from_parts(
                parts,
                Body::new(ShortBody {
                    data: Some(half),
                    pause: None,
                    reset,
                }),
            )
        }
    }
}

/// Half a body with no size hint (so the server trusts the announced `Content-Length`), then
/// a pause that lets it reach the client, then the end: the server closes the connection, or
/// resets it when `reset` is set.
struct ShortBody {
    data: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    reset: Option<ConnectionKill>,
}

impl http_body::Body for ShortBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Some(data) = self.data.take() {
            self.pause = Some(Box::pin(tokio::time::sleep(Duration::from_millis(50))));
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if let Some(pause) = self.pause.as_mut() {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.pause = None;
        }
        if let Some(kill) = &self.reset {
            // The connection task drops the connection with a zero linger; never end cleanly.
            kill.reset();
            return Poll::Pending;
        }
        Poll::Ready(None)
    }
}

/// The opening and closing of a [`Fault::Oversized`] body; `a`s fill the rest.
const PAD_OPEN: &[u8] = b"{\"padding\":\"";
const PAD_CLOSE: &[u8] = b"\"}";
static PAD: [u8; 64 * 1024] = [b'a'; 64 * 1024];

fn oversized(faults: Arc<Faults>, bytes: u64, chunked: bool) -> Response {
    let total = bytes.max((PAD_OPEN.len() + PAD_CLOSE.len()) as u64);
    let body = Padding {
        faults,
        total,
        sent: 0,
        chunked,
    };
    let mut response = Response::new(Body::new(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if !chunked {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    }
    response
}

/// `{"padding":"aaa…"}` of `total` bytes, made 64 KiB at a time as the connection asks.
struct Padding {
    faults: Arc<Faults>,
    total: u64,
    sent: u64,
    chunked: bool,
}

impl http_body::Body for Padding {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let close_at = self.total - PAD_CLOSE.len() as u64;
        let chunk = if self.sent >= self.total {
            return Poll::Ready(None);
        } else if self.sent == 0 {
            Bytes::from_static(PAD_OPEN)
        } else if self.sent >= close_at {
            Bytes::from_static(PAD_CLOSE)
        } else {
            let n = (close_at - self.sent).min(PAD.len() as u64) as usize;
            Bytes::from_static(&PAD[..n])
        };
        self.sent += chunk.len() as u64;
        self.faults
            .oversized_sent
            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.total
    }

    fn size_hint(&self) -> http_body::SizeHint {
        if self.chunked {
            http_body::SizeHint::default()
        } else {
            http_body::SizeHint::with_exact(self.total - self.sent)
        }
    }
}

/// Sets the `pageNextToken` of a page to `token` (the one its request carried).
async fn repeat_token(response: Response, token: String) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut page))
            if parts.status.is_success() && page.contains_key("items") =>
        {
            page.insert("pageNextToken".into(), serde_json::Value::String(token));
            Bytes::from(serde_json::to_vec(&page).unwrap_or_default())
        }
        _ => bytes,
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_next_and_prefix() {
        let faults = Faults::default();
        faults.fail_every(3, 503);
        let fired: Vec<bool> = (0..6).map(|_| faults.decide("/v1/x").1.is_some()).collect();
        assert_eq!(fired, vec![false, false, true, false, false, true]);
        faults.clear();
        faults.fail_next(2, 500);
        let fired: Vec<bool> = (0..4).map(|_| faults.decide("/v1/x").1.is_some()).collect();
        assert_eq!(fired, vec![true, true, false, false]);
        faults.add(FaultRule {
            fault: Fault::Drop,
            trigger: Trigger::Always,
            path_prefix: Some("/v1/devices".into()),
        });
        assert_eq!(faults.decide("/v1/account").1, None);
        assert_eq!(faults.decide("/v1/devices/x").1, Some(Fault::Drop));
        assert_eq!(faults.injected(), 5);
    }

    #[test]
    fn requests_are_counted_and_inject_next_runs_out() {
        let faults = Faults::default();
        faults.inject_next(2, Fault::EmptyBody);
        faults.reset_next(1);
        let decided: Vec<Option<Fault>> = (0..4).map(|_| faults.decide("/v1/x").1).collect();
        assert_eq!(
            decided,
            vec![
                Some(Fault::EmptyBody),
                Some(Fault::EmptyBody),
                Some(Fault::Reset),
                None
            ]
        );
        assert_eq!((faults.requests(), faults.injected()), (4, 3));
        faults.set_clock_skew(Duration::from_secs(90));
        assert!(faults.now_secs() >= chrono::Utc::now().timestamp() + 89);
        faults.clear();
        assert_eq!(faults.clock_skew(), Duration::ZERO);
    }

    #[test]
    fn random_faults_repeat_with_the_seed() {
        let run = || {
            let faults = Faults::default();
            faults.fail_randomly(0.5, 500, 42);
            (0..32)
                .map(|_| faults.decide("/").1.is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }
}
