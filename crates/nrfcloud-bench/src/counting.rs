//! The counting allocator: forwards every call to the system allocator and, while counting is
//! on, tracks live heap bytes and their peak. It is the global allocator of the
//! `bench-memory-probe` binary (the memory rows of the report) and of the stream's memory-bound
//! test; nowhere else.
//!
//! Counting is off until [`start_counting`]; a thread that calls [`exclude_this_thread`] (the
//! benchmark server's) is never counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Forwards to the system allocator; while counting is on, also counts live heap bytes and
/// their peak.
#[derive(Debug)]
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    /// True on threads left out of the count.
    static EXCLUDED: Cell<bool> = const { Cell::new(false) };
}

fn counts() -> bool {
    COUNTING.load(Ordering::Relaxed) && !EXCLUDED.try_with(Cell::get).unwrap_or(false)
}

fn grew(bytes: usize) {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

fn shrank(bytes: usize) {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    CURRENT.fetch_sub(bytes, Ordering::SeqCst);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters have no effect on it.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && counts() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && counts() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        if counts() {
            shrank(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && counts() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Turns counting on and starts a measurement; returns the live bytes now (its zero).
pub fn start_counting() -> i64 {
    COUNTING.store(true, Ordering::SeqCst);
    restart_peak()
}

/// Turns counting off.
pub fn stop_counting() {
    COUNTING.store(false, Ordering::SeqCst);
}

/// Starts a new measurement: the peak becomes the live count, which is returned.
pub fn restart_peak() -> i64 {
    let now = CURRENT.load(Ordering::SeqCst);
    PEAK.store(now, Ordering::SeqCst);
    now
}

/// The live bytes counted now.
pub fn live_bytes() -> i64 {
    CURRENT.load(Ordering::SeqCst)
}

/// The highest live count since the measurement started.
pub fn peak_bytes() -> i64 {
    PEAK.load(Ordering::SeqCst)
}

/// Leaves the calling thread out of the count from now on (e.g. a server's thread).
pub fn exclude_this_thread() {
    EXCLUDED.with(|e| e.set(true));
}
