//! The page stream's memory bound, counted (not timed): while a slow consumer reads a long
//! listing on a runtime starved by CPU-bound tasks, the live heap never holds more than two
//! pages' worth (the page being consumed and the one in flight) above what it held before.
//!
//! The counting allocator of `nrfcloud_bench::counting` is this test binary's global
//! allocator. The minimal server (`nrfcloud_bench::fixtures`, on a thread of its own) is left
//! out of the count.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use nrfcloud_bench::counting::{CountingAlloc, peak_bytes, start_counting};
use nrfcloud_bench::fixtures as common;

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// Pages of the listing.
const PAGES: usize = 30;
/// CPU-bound tasks competing with the stream for the runtime's two workers.
const HOGS: usize = 4;

#[test]
fn a_starved_slow_consumer_holds_at_most_two_pages() {
    let _ = common::SERVER_THREAD_HOOK.set(nrfcloud_bench::counting::exclude_this_thread);
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
        let before = start_counting();
        let page = common::ours_list_page(&client).await.unwrap();
        assert_eq!(page.items.len(), 100);
        let page_worth = peak_bytes() - before;
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

        let before = start_counting();
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
        let peak = peak_bytes() - before;
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
