//! A connection's activity clock, for the idle timeout: when a byte was last read or written,
//! whether a handler is at work, and whether that handler is waiting for request-body bytes
//! (a stalled upload is idle; a handler computing an answer is not).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::sync::Notify;
use tokio::time::Instant;

/// What one connection has been doing.
#[derive(Debug)]
pub(crate) struct Activity {
    started: Instant,
    /// Milliseconds after `started` of the last byte read or written, or of a handler's end.
    last_ms: AtomicU64,
    /// Handlers at work (HTTP/1.1: zero or one).
    handling: AtomicUsize,
    /// A handler is waiting for bytes of its request body.
    awaiting_body: AtomicBool,
    /// Woken when a handler ends, so the idle clock is re-read.
    changed: Notify,
}

impl Activity {
    /// A clock that starts now (a new connection counts as activity).
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            started: Instant::now(),
            last_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
            awaiting_body: AtomicBool::new(false),
            changed: Notify::new(),
        })
    }

    /// Records that bytes were read or written.
    pub(crate) fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// When the connection becomes idle for `timeout` if nothing happens before.
    pub(crate) fn deadline(&self, timeout: Duration) -> Instant {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.started
            .checked_add(last)
            .and_then(|t| t.checked_add(timeout))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365))
    }

    /// Whether the connection has been idle for `timeout`: no byte read or written for that
    /// long, and no handler at work unless it waits for its request body.
    pub(crate) fn is_idle(&self, timeout: Duration) -> bool {
        let waiting_for_client =
            self.handling.load(Ordering::SeqCst) == 0 || self.awaiting_body.load(Ordering::SeqCst);
        waiting_for_client && Instant::now() >= self.deadline(timeout)
    }

    /// Waits until a handler ends.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Marks a handler at work until the guard is dropped.
    pub(crate) fn handling(self: &Arc<Self>) -> Handling {
        self.handling.fetch_add(1, Ordering::SeqCst);
        Handling(Arc::clone(self))
    }
}

/// A handler at work; its end counts as activity.
#[derive(Debug)]
pub(crate) struct Handling(Arc<Activity>);

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.awaiting_body.store(false, Ordering::SeqCst);
        self.0.touch();
        self.0.handling.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_one();
    }
}

/// A request body that tells the activity clock when its handler waits for bytes.
#[derive(Debug)]
pub(crate) struct WatchedBody {
    inner: Incoming,
    activity: Arc<Activity>,
}

impl WatchedBody {
    /// Wraps `inner`.
    pub(crate) fn new(inner: Incoming, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

impl Body for WatchedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        this.activity
            .awaiting_body
            .store(polled.is_pending(), Ordering::SeqCst);
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_only_while_waiting_for_the_client() {
        let timeout = Duration::from_secs(10);
        let activity = Activity::new();
        assert!(!activity.is_idle(timeout));
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(activity.is_idle(timeout));
        activity.touch();
        assert!(!activity.is_idle(timeout));
        let guard = activity.handling();
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(!activity.is_idle(timeout), "a handler at work is not idle");
        activity.awaiting_body.store(true, Ordering::SeqCst);
        assert!(activity.is_idle(timeout), "a stalled request body is idle");
        drop(guard);
        assert!(!activity.is_idle(timeout), "a handler's end is activity");
    }
}
