//! The retry policy: opt-in, idempotent methods only unless a call opts in, on connection
//! errors, 429, 502, 503 and 504, with exponential backoff and full jitter, honouring
//! `Retry-After` up to a longest wait, within limits on attempts and total time. Never on
//! other 4xx, 401/403, or 40005 (monthly quota). Every sum of durations saturates: no server
//! answer can make the arithmetic overflow.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// How failed calls are retried. The default retries nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries).
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; doubles each retry.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling.
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
    /// The longest wait before one retry: a longer `Retry-After` (or backoff) is cut to this.
    pub max_wait: Duration,
}

/// The default [`RetryPolicy::max_wait`]: 30 s.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(30);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::none()
    }
}

impl RetryPolicy {
    /// No retries.
    pub const fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
            max_wait: DEFAULT_MAX_WAIT,
        }
    }

    /// Up to 4 attempts, backoff from 200 ms to 10 s, waits of at most 30 s (`Retry-After`
    /// included), within 60 s.
    pub const fn standard() -> Self {
        RetryPolicy {
            max_attempts: 4,
            ..RetryPolicy::none()
        }
    }

    /// Sets the number of attempts (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the first backoff ceiling and the largest one.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the total time budget.
    pub fn with_max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Sets the longest wait before one retry (default [`DEFAULT_MAX_WAIT`]): a server's
    /// `Retry-After` beyond it is clamped to it.
    pub fn with_max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// How long to wait before retry number `retry` (0 for the first retry), given the
    /// server's `Retry-After` (see [`retry_after`]) and the time `elapsed` since the first
    /// attempt; `None` when no retry may start (the wait would end past
    /// [`RetryPolicy::max_elapsed`]). The wait is the `Retry-After`, else the jittered
    /// [`RetryPolicy::backoff`], clamped to [`RetryPolicy::max_wait`]. The number of attempts
    /// is the caller's to count. Never panics, whatever the durations.
    pub fn wait_before_retry(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        let wait = retry_after
            .unwrap_or_else(|| self.backoff(retry))
            .min(self.max_wait);
        (elapsed.saturating_add(wait) <= self.max_elapsed).then_some(wait)
    }

    /// Full jitter: a random wait in `[0, min(max, initial * 2^retry)]`; `retry` counts from 0.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .checked_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff);
        let millis = ceiling.as_millis() as u64;
        Duration::from_millis(if millis == 0 { 0 } else { jitter(millis) })
    }
}

thread_local! {
    /// The jitter generator's state, one per thread, seeded from the standard library's
    /// per-process random hash keys (no crate of its own: jitter needs spread, not secrecy).
    static JITTER: Cell<u64> = Cell::new(RandomState::new().build_hasher().finish());
}

/// A uniformly spread number in `[0, max]`: splitmix64, scaled by multiplication (each value's
/// odds are off by at most `(max + 1) / 2^64`, nothing a backoff can notice).
fn jitter(max: u64) -> u64 {
    let x = JITTER.with(|state| {
        let next = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(next);
        next
    });
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    match max.checked_add(1) {
        Some(span) => ((u128::from(z) * u128::from(span)) >> 64) as u64,
        None => z,
    }
}

/// Methods that are safe to send twice.
pub fn is_idempotent(method: &reqwest::Method) -> bool {
    matches!(
        method.as_str(),
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

// What is retryable is defined here once: the retry loop (`middleware`) and
// `Error::is_retryable` / `ApiError::is_retryable` all read these three functions.

/// Statuses worth retrying (429 needs its body checked for 40005 as well, see
/// [`is_retryable_answer`]).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// An answer worth retrying, its nRF code known: a retryable status, except the monthly
/// usage limit (429 with 40005), which no retry can fix.
pub fn is_retryable_answer(status: u16, code: Option<crate::NrfCode>) -> bool {
    is_retryable_status(status)
        && !(status == 429 && code == Some(crate::NrfCode::UsageLimitExceeded))
}

/// Transport errors worth retrying: the connection failed or broke before a response (not a
/// timeout, whose request the server may still be working on, and not a response head over
/// the parser's limits, which would come again).
pub fn is_retryable_error(e: &reqwest::Error) -> bool {
    (e.is_connect() || (e.is_request() && !e.is_timeout())) && !crate::error::is_head_too_large(e)
}

/// Reads the `Retry-After` header (see [`parse_retry_after`]); `None` when absent or not
/// visible ASCII.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    parse_retry_after(
        headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?,
        now,
    )
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date (a date in the past is no
/// wait). Delay-seconds too large for a `u64` saturate to the longest [`Duration`]: clamp the
/// result with [`RetryPolicy::wait_before_retry`]. `None` when unreadable.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_under_a_doubling_ceiling() {
        let p = RetryPolicy::standard()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(700));
        for retry in 0..6 {
            let ceiling = Duration::from_millis((100u64 << retry).min(700));
            for _ in 0..50 {
                assert!(p.backoff(retry) <= ceiling);
            }
        }
        let distinct: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(distinct.len() > 5, "jittered");
    }

    #[test]
    fn jitter_reaches_both_ends_and_stays_in_range() {
        let draws: Vec<u64> = (0..200).map(|_| jitter(1)).collect();
        assert!(draws.contains(&0) && draws.contains(&1));
        assert!((0..200).all(|_| jitter(0) == 0));
        assert!((0..200).all(|_| jitter(9) <= 9));
        let spread: std::collections::HashSet<_> = (0..200).map(|_| jitter(u64::MAX)).collect();
        assert!(spread.len() > 190);
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(3)));
        h.insert(
            "retry-after",
            httpdate::fmt_http_date(now + Duration::from_secs(5))
                .parse()
                .unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(5)));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", "18446744073709551615".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(u64::MAX)));
        h.insert("retry-after", "99999999999999999999999".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::MAX), "saturates");
        h.insert("retry-after", "-3".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn the_wait_is_clamped_and_the_budget_sums_saturate() {
        let p = RetryPolicy::standard()
            .with_max_wait(Duration::from_secs(2))
            .with_max_elapsed(Duration::from_secs(10));
        assert_eq!(
            p.wait_before_retry(0, Some(Duration::MAX), Duration::from_secs(1)),
            Some(Duration::from_secs(2)),
            "Retry-After clamped to max_wait"
        );
        assert_eq!(
            p.wait_before_retry(0, Some(Duration::from_secs(1)), Duration::from_secs(3)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            p.wait_before_retry(0, Some(Duration::from_secs(2)), Duration::from_secs(9)),
            None,
            "past max_elapsed"
        );
        let unbounded = p
            .with_max_wait(Duration::MAX)
            .with_max_elapsed(Duration::MAX);
        assert_eq!(
            unbounded.wait_before_retry(0, Some(Duration::MAX), Duration::MAX),
            Some(Duration::MAX),
            "saturates instead of overflowing"
        );
        assert!(p.wait_before_retry(u32::MAX, None, Duration::ZERO).unwrap() <= p.max_wait);
    }

    #[test]
    fn only_idempotent_methods_and_transient_statuses() {
        assert!(is_idempotent(&reqwest::Method::PUT) && !is_idempotent(&reqwest::Method::POST));
        assert!(!is_idempotent(&reqwest::Method::PATCH));
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [400, 401, 403, 404, 422, 500] {
            assert!(!is_retryable_status(s));
        }
    }
}
