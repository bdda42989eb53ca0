//! Fault injection, set per server and changeable while it runs: added latency, error answers,
//! 429 with `Retry-After`, dropped connections (closed without an answer) and truncated bodies.
//! Rules fire deterministically (every Nth matching request, the next N, or a seeded random
//! draw), so tests of retries and error handling are repeatable.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
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

use crate::app::App;
use crate::errors::ApiError;

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
    /// Let the request through but send a broken body.
    Truncate(Truncation),
}

/// How a body is broken by [`Fault::Truncate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// `Content-Length` announces the full body but only half is sent before the connection
    /// closes.
    ShortBody,
    /// A correct `Content-Length` for a body cut in half (invalid JSON).
    CutJson,
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
    rules: Vec<RuleState>,
}

/// The fault knobs of one server (`MockServer::faults()`). Rules are checked in the order they
/// were added; the first that fires decides. Latency applies to every request.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<Inner>,
    injected: AtomicU64,
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

    /// Removes every rule and the latency.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.rules.clear();
        inner.latency = Duration::ZERO;
    }

    /// How many faults were injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
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

/// Put into each request by the accept loop: notifying it closes that request's connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// The outermost middleware: applies latency and faults before the request is handled.
pub(crate) async fn inject(State(app): State<App>, req: Request, next: Next) -> Response {
    let (latency, fault) = app.faults.decide(req.uri().path());
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
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
        Some(Fault::Drop) => match req.extensions().get::<ConnectionKill>() {
            Some(kill) => {
                kill.0.notify_one();
                std::future::pending::<Response>().await
            }
            None => StatusCode::BAD_GATEWAY.into_response(),
        },
        Some(Fault::Truncate(how)) => truncate(next.run(req).await, how).await,
    }
}

async fn truncate(response: Response, how: Truncation) -> Response {
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
        Truncation::ShortBody => {
            let announced = bytes.len().max(16);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
            Response::from_parts(
                parts,
                Body::new(ShortBody {
                    data: Some(half),
                    pause: None,
                }),
            )
        }
    }
}

/// Half a body with no size hint (so the server trusts the announced `Content-Length`), then
/// a pause that lets it reach the client, then the end: the server closes the connection.
struct ShortBody {
    data: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
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
        Poll::Ready(None)
    }
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
