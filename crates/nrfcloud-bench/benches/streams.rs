//! Pagination streams against the hand-written `pageNextToken` loop (10,000 devices, with no
//! latency on the minimal server, and with 2 ms per page on the mock and a consumer that
//! spends 2 ms per page), and local JSONata evaluation over 10,000 device documents.
//!
//! `cargo bench -p nrfcloud-bench --bench streams`. The side-by-side ratios (and the jsonata-js
//! comparison) come from `cargo run --release -p xtask -- bench-report`.

use nrfcloud_bench::fixtures as common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const DEVICES: usize = 10_000;
const PAGE_LATENCY: Duration = Duration::from_millis(2);

fn no_latency(c: &mut Criterion) {
    let Some(rt) = common::runtime() else { return };
    let server = match rt.block_on(common::BenchServer::start()) {
        Ok(s) => s,
        Err(e) => return eprintln!("server: {e}"),
    };
    let base = server.base_url(DEVICES);
    let (ours, hand) = match (
        common::ours(&base, common::API_KEY),
        common::Hand::new(&base, common::API_KEY),
    ) {
        (Ok(o), Ok(h)) => (o, h),
        (o, h) => return eprintln!("clients: {:?} {:?}", o.err(), h.err()),
    };
    let (ours, hand) = (&ours, &hand);
    let mut group = c.benchmark_group("list_10000_devices");
    group.throughput(Throughput::Elements(DEVICES as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("nrfcloud_items_stream", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(common::ours_list_all(ours).await) })
    });
    group.bench_function("reqwest_token_loop", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(hand.list_all(Duration::ZERO).await) })
    });
    group.finish();
}

fn with_latency(c: &mut Criterion) {
    let Some(rt) = common::runtime() else { return };
    let config = nrfcloud_mock::MockConfig {
        devices: DEVICES,
        ..Default::default()
    };
    let server = match rt.block_on(nrfcloud_mock::MockServer::start_with(config)) {
        Ok(s) => s,
        Err(e) => return eprintln!("mock: {e}"),
    };
    server.faults().set_latency(PAGE_LATENCY);
    let (ours, hand) = match (
        common::ours(server.base_url(), server.api_key()),
        common::Hand::new(server.base_url(), server.api_key()),
    ) {
        (Ok(o), Ok(h)) => (o, h),
        (o, h) => return eprintln!("clients: {:?} {:?}", o.err(), h.err()),
    };
    let (ours, hand) = (&ours, &hand);
    let mut group = c.benchmark_group("list_10000_devices_2ms_per_page_2ms_consumer");
    group.throughput(Throughput::Elements(DEVICES as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("nrfcloud_pages_stream", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(common::ours_list_pages(ours, PAGE_LATENCY).await) })
    });
    group.bench_function("reqwest_token_loop", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(hand.list_all(PAGE_LATENCY).await) })
    });
    group.finish();
}

fn transform(c: &mut Criterion) {
    let docs = common::device_values(DEVICES);
    let t = match nrfcloud::Transform::new(common::TRANSFORM) {
        Ok(t) => t,
        Err(e) => return eprintln!("transform: {e}"),
    };
    let mut group = c.benchmark_group("transform_10000_devices");
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.sample_size(10);
    group.bench_function("nrfcloud_transform_evaluate", |b| {
        b.iter(|| {
            for d in &docs {
                let _ = black_box(t.evaluate(d));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, no_latency, with_latency, transform);
criterion_main!(benches);
