//! Time and waiting, in one place and injected through the [`ClientBuilder`]
//! (`time_source`, `sleep`), as smithy-rs does with `TimeSource` and `AsyncSleep`: where
//! "now" comes from (JWT minting, `Retry-After` dates, retry budgets, poll timeouts, the
//! A-GNSS deadline) and how the client waits (between retries, between polls). Tests give a
//! [`testing::ManualTime`](crate::testing::ManualTime), whose sleeps move its clock instead
//! of waiting, so retries, polling and token expiry are tested without sleeping.
//!
//! One polling loop (`poll_until`, inside the crate) serves every wait (a FOTA job until it
//! ends, a bulk-ops request until it finishes), with one set of options, [`PollOptions`].
//!
//! [`ClientBuilder`]: crate::ClientBuilder

use std::future::Future;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;

use crate::Error;

/// Where "now" comes from.
pub trait TimeSource: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock (the default).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemTimeSource;

impl TimeSource for SystemTimeSource {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// How the client waits.
pub trait AsyncSleep: Send + Sync + std::fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Tokio's timer (the default).
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleep;

impl AsyncSleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// How a workflow polls until something ends: the first delay, doubled after each poll up to
/// `max_interval` (equal to `interval` for a fixed pace), for at most `timeout` in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// The delay before the second poll.
    pub interval: Duration,
    /// The longest delay between polls.
    pub max_interval: Duration,
    /// Give up after this long; the wait ends with [`Error::Timeout`].
    pub timeout: Duration,
}

impl PollOptions {
    /// Polls every `interval` (no backoff) for at most `timeout`.
    pub const fn every(interval: Duration, timeout: Duration) -> Self {
        PollOptions {
            interval,
            max_interval: interval,
            timeout,
        }
    }

    /// The delay after `delay`: doubled, at most `max_interval` (and at least `interval`).
    fn next(&self, delay: Duration) -> Duration {
        delay
            .saturating_mul(2)
            .min(self.max_interval)
            .max(self.interval)
    }
}

/// Calls `poll` until it answers `Some`, waiting between calls as `options` says, on `time`
/// and `sleep`. The first call is made at once.
///
/// # Errors
///
/// The first error `poll` answers; [`Error::Timeout`] (naming `operation`) when the next wait
/// would end past `options.timeout`, counted from the first call.
pub(crate) async fn poll_until<T, F, Fut>(
    time: &dyn TimeSource,
    sleep: &dyn AsyncSleep,
    options: &PollOptions,
    operation: &'static str,
    mut poll: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, Error>>,
{
    let started = time.now();
    let mut delay = options.interval;
    loop {
        if let Some(done) = poll().await? {
            return Ok(done);
        }
        // A clock that goes back counts as no time passed.
        let elapsed = time.now().duration_since(started).unwrap_or_default();
        if elapsed.saturating_add(delay) > options.timeout {
            return Err(Error::Timeout { operation });
        }
        sleep.sleep(delay).await;
        delay = options.next(delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ManualTime;

    #[tokio::test]
    async fn polls_back_off_up_to_the_largest_interval_and_stop_at_the_timeout() {
        let time = ManualTime::new();
        let options = PollOptions {
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
        };
        let mut polls = 0;
        let err = poll_until(&time, &time, &options, "Op", || {
            polls += 1;
            async { Ok::<Option<()>, Error>(None) }
        })
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Timeout { operation: "Op" }), "{err:?}");
        // 1 + 2 + 4 + 5 + 5 + 5 + 5 = 27 s slept; the next 5 s would pass 30 s.
        let secs: Vec<u64> = time.sleeps().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 2, 4, 5, 5, 5, 5]);
        assert_eq!(polls, 8);
        assert_eq!(time.elapsed(), Duration::from_secs(27));
    }

    #[tokio::test]
    async fn a_poll_that_answers_ends_the_wait_without_sleeping_again() {
        let time = ManualTime::new();
        let options = PollOptions::every(Duration::from_secs(2), Duration::from_secs(60));
        let mut left = 3;
        let got = poll_until(&time, &time, &options, "Op", || {
            left -= 1;
            let done = (left == 0).then_some("done");
            async move { Ok::<_, Error>(done) }
        })
        .await
        .unwrap();
        assert_eq!(got, "done");
        assert_eq!(time.sleeps(), [Duration::from_secs(2); 2]);
    }

    #[tokio::test]
    async fn a_poll_error_ends_the_wait() {
        let time = ManualTime::new();
        let options = PollOptions::every(Duration::from_secs(2), Duration::from_secs(60));
        let err = poll_until(&time, &time, &options, "Op", || async {
            Err::<Option<()>, _>(Error::Timeout { operation: "Inner" })
        })
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Timeout { operation: "Inner" }));
        assert!(time.sleeps().is_empty());
    }
}
