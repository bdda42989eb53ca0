//! The `onboarding` group: bulk onboarding.

use super::*;

/// One onboarding run of `rows` on a fresh mock with 5 ms latency.
async fn onboard_once(
    rows: &[nrfcloud::onboarding::OnboardingRow],
    concurrency: usize,
) -> Result<f64, String> {
    let server = nrfcloud_mock::MockServer::start_with(common::bulk_mock_config())
        .await
        .map_err(err)?;
    server.faults().set_latency(BULK_LATENCY);
    let client = common::ours(server.base_url(), server.api_key()).map_err(err)?;
    let rows = rows.to_vec();
    let expected = rows.len();
    let t = Instant::now();
    let report = client
        .onboarding()
        .devices(rows, common::bulk_options(concurrency))
        .await
        .map_err(err)?;
    let elapsed = t.elapsed().as_secs_f64();
    if report.succeeded.len() != expected {
        return Err(format!(
            "{} of {expected} rows onboarded",
            report.succeeded.len()
        ));
    }
    server.shutdown().await;
    Ok(elapsed)
}

pub(super) async fn onboarding(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    let n = rounds.bulk_devices;
    let name = format!(
        "bulk onboarding {} devices, 5 ms latency (mock): concurrency 4 vs sequential",
        thousands(n)
    );
    let target = Target::AtMost(0.35);
    let input = common::onboarding_rows(n);
    let input = input.as_slice();
    let result = interleaved(
        rounds.bulk,
        || async move { onboard_once(input, 4).await },
        || async move { onboard_once(input, 1).await },
    )
    .await;
    rows.push(pair_row(&name, target, result));

    let name = format!(
        "bulk onboarding {} devices: peak heap (concurrency 4) vs the rows alone",
        thousands(n)
    );
    let memory = async {
        let server = nrfcloud_mock::MockServer::start_with(common::bulk_mock_config())
            .await
            .map_err(err)?;
        server.faults().set_latency(BULK_LATENCY);
        run_probe("onboard", server.base_url(), server.api_key(), n).await
    };
    rows.push(match memory.await {
        Ok(p) => Row::new(
            name,
            format_bytes(p.peak),
            format_bytes(p.held),
            Some(p.peak / p.held),
        )
        .kind(Kind::HeapBytes),
        Err(e) => Row::failed(name, Target::Info, e),
    });
    notes.push(
        "Bulk onboarding: 1,000 rows per request, the mock completes a bulk-ops request 50 ms \
         after accepting it, polled every 25 ms doubling to 200 ms; a fresh mock per run."
            .into(),
    );
}

pub(super) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
