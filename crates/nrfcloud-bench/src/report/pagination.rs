//! The `pagination` group: streaming every device page by page, against a plain reqwest loop.

use super::*;

pub(super) async fn pagination(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    // (a) no latency, the minimal server.
    const PLAIN: &str = "(a) stream 10,000 devices (pages of 100, no latency) vs reqwest loop";
    // The goal: no slower than the loop, as the median of 15 interleaved rounds.
    let target = Target::AtMost(1.00);
    let mut spread = None;
    let plain = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let base = server.base_url(STREAM_DEVICES);
        let ours = common::ours(&base, common::API_KEY).map_err(err)?;
        let hand = common::Hand::new(&base, common::API_KEY)?;
        let (ours, hand) = (&ours, &hand);
        let counted = (
            common::ours_list_all(ours).await.map_err(err)?,
            hand.list_all(Duration::ZERO).await.map_err(err)?,
        );
        if counted != (STREAM_DEVICES, STREAM_DEVICES) {
            return Err(format!("counted {counted:?} devices"));
        }
        let (xs, ys) = interleaved_rounds(
            rounds.stream,
            || async move {
                let t = Instant::now();
                common::ours_list_all(ours).await.map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
            || async move {
                let t = Instant::now();
                hand.list_all(Duration::ZERO).await.map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
        )
        .await?;
        spread = Some(ratio_spread(&xs, &ys));
        Ok((median(xs), median(ys)))
    };
    rows.push(pair_row(PLAIN, target, plain.await));
    if let Some(spread) = spread {
        notes.push(format!("(a): per-round ratios, {spread}."));
    }

    // (b) 2 ms per page on the mock, a consumer spending 2 ms per page.
    const SLOW: &str = "(b) stream 10,000 devices, 2 ms injected per page (mock) + 2 ms consumer per page, vs naive reqwest loop";
    let target = Target::AtMost(1.0 / 1.5);
    let slow = async {
        let config = nrfcloud_mock::MockConfig {
            devices: STREAM_DEVICES,
            ..Default::default()
        };
        let server = nrfcloud_mock::MockServer::start_with(config)
            .await
            .map_err(err)?;
        server.faults().set_latency(PAGE_LATENCY);
        let ours = common::ours(server.base_url(), server.api_key()).map_err(err)?;
        let hand = common::Hand::new(server.base_url(), server.api_key())?;
        let (ours, hand) = (&ours, &hand);
        let counted = (
            common::ours_list_pages(ours, Duration::ZERO)
                .await
                .map_err(err)?,
            hand.list_all(Duration::ZERO).await.map_err(err)?,
        );
        if counted != (STREAM_DEVICES, STREAM_DEVICES) {
            return Err(format!("counted {counted:?} devices"));
        }
        // What a page costs besides the injected latency, and what a 2 ms sleep lasts.
        let pages = STREAM_DEVICES.div_ceil(100) as f64;
        server.faults().set_latency(Duration::ZERO);
        let t = Instant::now();
        hand.list_all(Duration::ZERO).await.map_err(err)?;
        let work = t.elapsed().as_secs_f64() / pages;
        server.faults().set_latency(PAGE_LATENCY);
        let t = Instant::now();
        for _ in 0..100 {
            tokio::time::sleep(PAGE_LATENCY).await;
        }
        let sleep = t.elapsed().as_secs_f64() / 100.0;
        notes.push(format!(
            "(b): the injected 2 ms and the consumer's 2 ms are both tokio sleeps, {} each \
             here (tokio's timer has 1 ms resolution); the mock's handler and the decoding take \
             another {} per page, which the stream's one-page read-ahead cannot hide.",
            format_secs(sleep),
            format_secs(work)
        ));
        interleaved(
            rounds.latency,
            || async move {
                let t = Instant::now();
                common::ours_list_pages(ours, PAGE_LATENCY)
                    .await
                    .map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
            || async move {
                let t = Instant::now();
                hand.list_all(PAGE_LATENCY).await.map_err(err)?;
                Ok(t.elapsed().as_secs_f64())
            },
        )
        .await
    };
    rows.push(pair_row(SLOW, target, slow.await));
}
