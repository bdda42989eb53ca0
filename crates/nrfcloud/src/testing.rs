//! Hooks for tests and benchmarks of code built on this crate: how many JWTs a key has
//! minted, a key's token at a chosen time, and a manual clock whose sleeps move it instead
//! of waiting. Nothing here is needed to call the API.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;

use crate::runtime::{AsyncSleep, TimeSource};
use crate::{CredentialError, DeviceKey, Secret};

/// How many JWTs `key` (and its clones, which share one cache) has minted so far: a test
/// checks with it that tokens are cached and re-minted when they should be.
pub fn mint_count(key: &DeviceKey) -> u64 {
    key.minter().mint_count()
}

/// `key`'s token as the client would send it at `time`'s time: cached while it has more than
/// the refresh margin left, else newly minted (a benchmark advances the clock to measure a
/// mint).
///
/// # Errors
///
/// [`CredentialError::SigningFailed`] when the operating system gives no randomness for the
/// signature.
pub fn token_at(key: &DeviceKey, time: &dyn TimeSource) -> Result<Secret, CredentialError> {
    key.minter().token(time)
}

/// A clock that only moves when told to, or when the client sleeps on it: give it to
/// [`ClientBuilder::time_source`](crate::ClientBuilder::time_source) and
/// [`ClientBuilder::sleep`](crate::ClientBuilder::sleep), and retries, polls and token expiry
/// happen at once, with every wait recorded. Clones share one clock.
///
/// ```
/// use std::time::Duration;
/// use nrfcloud::runtime::AsyncSleep;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let time = nrfcloud::testing::ManualTime::new();
/// time.sleep(Duration::from_secs(30)).await; // returns at once
/// assert_eq!(time.elapsed(), Duration::from_secs(30));
/// assert_eq!(time.sleeps(), [Duration::from_secs(30)]);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ManualTime(Arc<Mutex<ManualState>>);

#[derive(Debug)]
struct ManualState {
    start: SystemTime,
    now: SystemTime,
    sleeps: Vec<Duration>,
}

impl ManualTime {
    /// A clock at 2023-11-14T22:13:20Z (a fixed, recent time).
    pub fn new() -> Self {
        Self::at(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }

    /// A clock at `start`.
    pub fn at(start: SystemTime) -> Self {
        ManualTime(Arc::new(Mutex::new(ManualState {
            start,
            now: start,
            sleeps: Vec::new(),
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut s = self.state();
        s.now += by;
    }

    /// How far the clock has moved since it was made.
    pub fn elapsed(&self) -> Duration {
        let s = self.state();
        s.now.duration_since(s.start).unwrap_or_default()
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state().sleeps.clone()
    }
}

impl Default for ManualTime {
    fn default() -> Self {
        Self::new()
    }
}

impl TimeSource for ManualTime {
    fn now(&self) -> SystemTime {
        self.state().now
    }
}

impl AsyncSleep for ManualTime {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        {
            let mut s = self.state();
            s.sleeps.push(duration);
            s.now += duration;
        }
        // Let other tasks run, as a real sleep would.
        Box::pin(tokio::task::yield_now())
    }
}
