//! The page stream's memory bound, counted (not timed): while a slow consumer reads a long
//! listing on a runtime starved by CPU-bound tasks, the live heap never holds more than two
//! pages' worth (the page being consumed and the one in flight) above what it held before.
//!
//! A counting global allocator in this test binary tracks live bytes and their peak. The
//! minimal server (benches/common, on a thread of its own) is left out of the count.

#[path = "../benches/common/mod.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use futures::StreamExt;

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    /// False on the server's thread.
    static COUNTED: Cell<bool> = const { Cell::new(true) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(true)
}

fn add(bytes: i64) {
    if counted() {
        let now = LIVE.fetch_add(bytes, Ordering::SeqCst) + bytes;
        PEAK.fetch_max(now, Ordering::SeqCst);
    }
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract.
        unsafe { System.dealloc(ptr, layout) };
        add(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts a measurement: the peak becomes the live count, which is returned.
fn start() -> i64 {
    let live = LIVE.load(Ordering::SeqCst);
    PEAK.store(live, Ordering::SeqCst);
    live
}

/// Pages of the listing.
const PAGES: usize = 30;
/// CPU-bound tasks competing with the stream for the runtime's two workers.
const HOGS: usize = 4;

#[test]
fn a_starved_slow_consumer_holds_at_most_two_pages() {
    let _ = common::SERVER_THREAD_HOOK.set(|| COUNTED.with(|c| c.set(false)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = common::BenchServer::start().await.unwrap();
        let client = common::ours(&server.base_url(PAGES * 100), common::API_KEY).unwrap();

        // One page's worth: the peak above the live count while one page is fetched,
        // decoded and held (warm connection).
        for _ in 0..2 {
            common::ours_list_page(&client).await.unwrap();
        }
        let before = start();
        let page = common::ours_list_page(&client).await.unwrap();
        assert_eq!(page.items.len(), 100);
        let page_worth = PEAK.load(Ordering::SeqCst) - before;
        drop(page);

        // CPU-bound tasks that yield only now and then: the stream's tasks (and hyper's
        // connection task) wait for a worker behind them.
        let stop = Arc::new(AtomicBool::new(false));
        let hogs: Vec<_> = (0..HOGS)
            .map(|_| {
                let stop = stop.clone();
                tokio::spawn(async move {
                    let mut x = 1u64;
                    while !stop.load(Ordering::Relaxed) {
                        for i in 0..200_000u64 {
                            x = std::hint::black_box(x.wrapping_mul(6364136223846793005) ^ i);
                        }
                        tokio::task::yield_now().await;
                    }
                    x
                })
            })
            .collect();

        let before = start();
        let mut pages = client.api().list_devices().pages();
        let mut devices = 0;
        while let Some(page) = pages.next().await {
            let page = page.unwrap();
            // A slow consumer: it works on every item and lets the hogs run in between.
            for item in &page.items {
                std::hint::black_box(serde_json::to_string(item).unwrap().len());
                tokio::task::yield_now().await;
            }
            devices += page.items.len();
            drop(page);
        }
        drop(pages);
        let peak = PEAK.load(Ordering::SeqCst) - before;
        stop.store(true, Ordering::Relaxed);
        for hog in hogs {
            hog.await.unwrap();
        }
        assert_eq!(devices, PAGES * 100);
        eprintln!(
            "one page's worth {page_worth} B; peak while streaming {PAGES} pages {peak} B \
             ({:.2} pages); {} connections",
            peak as f64 / page_worth as f64,
            server.connections()
        );
        assert!(
            peak <= 2 * page_worth,
            "the stream held {peak} bytes at its peak, more than two pages' worth ({} bytes); \
             the server saw {} connections",
            2 * page_worth,
            server.connections()
        );
    });
}
