//! Per-call overhead of the wrapper + generated client against a hand-written `reqwest` +
//! `serde` call, on the same minimal in-process server; JWT minting against the cache; calls
//! from 64 tasks sharing one client.
//!
//! `cargo bench -p nrfcloud-bench --bench overhead`. The side-by-side ratios (medians of interleaved
//! runs) come from `cargo run --release -p xtask -- bench-report`.

use nrfcloud_bench::fixtures as common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nrfcloud::runtime::SystemTimeSource;

fn per_call(c: &mut Criterion) {
    let Some(rt) = common::runtime() else { return };
    let server = match rt.block_on(common::BenchServer::start()) {
        Ok(s) => s,
        Err(e) => return eprintln!("server: {e}"),
    };
    let base = server.base_url(100);
    let (ours, hand) = match (
        common::ours(&base, common::API_KEY),
        common::Hand::new(&base, common::API_KEY),
    ) {
        (Ok(o), Ok(h)) => (o, h),
        (o, h) => return eprintln!("clients: {:?} {:?}", o.err(), h.err()),
    };
    let (ours, hand) = (&ours, &hand);
    let id = common::device_id(0);
    let id = id.as_str();

    let mut group = c.benchmark_group("fetch_device");
    group.bench_function("nrfcloud", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(common::ours_fetch_device(ours, id).await) })
    });
    group.bench_function("reqwest_serde", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(hand.fetch_device(id).await) })
    });
    group.finish();

    let mut group = c.benchmark_group("list_devices_page_100");
    group.throughput(Throughput::Elements(100));
    group.bench_function("nrfcloud", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(common::ours_list_page(ours).await) })
    });
    group.bench_function("reqwest_serde", |b| {
        b.to_async(&rt)
            .iter(|| async move { black_box(hand.list_page(None).await) })
    });
    group.finish();
}

fn jwt(c: &mut Criterion) {
    let pem = common::device_key_pem();
    let (cached, minting) = match (
        nrfcloud::DeviceKey::from_pem(common::device_id(0), &pem),
        nrfcloud::DeviceKey::from_pem(common::device_id(0), &pem),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (a, _) => return eprintln!("device key: {:?}", a.err()),
    };
    let advancing = common::AdvancingClock::default();
    let mut group = c.benchmark_group("jwt_token");
    group.bench_function("cached", |b| {
        b.iter(|| {
            black_box(
                nrfcloud::testing::token_at(&cached, &SystemTimeSource)
                    .expect("the bench key signs"),
            )
        })
    });
    group.bench_function("minted_each_call", |b| {
        b.iter(|| {
            black_box(
                nrfcloud::testing::token_at(&minting, &advancing).expect("the bench key signs"),
            )
        })
    });
    group.finish();

    let Some(rt) = common::runtime() else { return };
    let server = match rt.block_on(common::BenchServer::start()) {
        Ok(s) => s,
        Err(e) => return eprintln!("server: {e}"),
    };
    let base = server.base_url(100);
    let (with_jwt, with_key) = match (
        common::ours_with_device_key(&base),
        common::ours(&base, common::API_KEY),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => return eprintln!("clients: {:?} {:?}", a.err(), b.err()),
    };
    let (with_jwt, with_key) = (&with_jwt, &with_key);
    const TASKS: usize = 64;
    const CALLS: usize = 10;
    let mut group = c.benchmark_group("fetch_device_from_64_tasks");
    group.throughput(Throughput::Elements((TASKS * CALLS) as u64));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("device_jwt", |b| {
        b.to_async(&rt).iter(|| async move {
            black_box(common::calls_from_tasks(with_jwt, TASKS, CALLS).await)
        })
    });
    group.bench_function("api_key", |b| {
        b.to_async(&rt).iter(|| async move {
            black_box(common::calls_from_tasks(with_key, TASKS, CALLS).await)
        })
    });
    group.finish();
}

criterion_group!(benches, per_call, jwt);
criterion_main!(benches);
