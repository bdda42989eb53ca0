//! Bulk onboarding through the mock with 5 ms of injected latency: bounded concurrency (4
//! requests in flight) against sequential requests. 10,000 devices here (a fresh mock per
//! run); the report (`cargo run --release -p xtask -- bench-report`) runs the 100,000.
//!
//! `cargo bench -p nrfcloud-bench --bench bulk`.

use nrfcloud_bench::fixtures as common;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const DEVICES: usize = 10_000;
const LATENCY: Duration = Duration::from_millis(5);

/// One onboarding run on a fresh mock; only the onboarding itself is timed.
async fn onboard(
    rows: &[nrfcloud::onboarding::OnboardingRow],
    concurrency: usize,
) -> Result<Duration, String> {
    let server = nrfcloud_mock::MockServer::start_with(common::bulk_mock_config())
        .await
        .map_err(|e| e.to_string())?;
    server.faults().set_latency(LATENCY);
    let client = common::ours(server.base_url(), server.api_key()).map_err(|e| e.to_string())?;
    let rows = rows.to_vec();
    let started = Instant::now();
    let report = client
        .onboarding()
        .devices(rows, common::bulk_options(concurrency))
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    if !report.failed.is_empty() {
        return Err(format!("{} rows failed", report.failed.len()));
    }
    Ok(elapsed)
}

fn bulk(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return eprintln!("no tokio runtime: {e}"),
    };
    let rows = common::onboarding_rows(DEVICES);
    let rows = rows.as_slice();
    let mut group = c.benchmark_group("onboard_10000_devices_5ms_latency");
    group.throughput(Throughput::Elements(DEVICES as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for concurrency in [4, 1] {
        group.bench_function(format!("concurrency_{concurrency}"), |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    match onboard(rows, concurrency).await {
                        Ok(d) => total += d,
                        Err(e) => eprintln!("onboarding failed: {e}"),
                    }
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bulk);
criterion_main!(benches);
