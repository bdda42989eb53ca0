//! The `jwt` group: a cached device JWT against minting one per call, and calls per second
//! with a device JWT against an API key.

use super::*;

pub(super) async fn jwt(rows: &mut Vec<Row>, rounds: Rounds) {
    const TOKEN: &str = "JWT: cached device token vs minting (ES256) every call, per call";
    let pem = common::device_key_pem();
    let keys = (
        nrfcloud::DeviceKey::from_pem(common::device_id(0), &pem),
        nrfcloud::DeviceKey::from_pem(common::device_id(0), &pem),
    );
    match keys {
        (Ok(cached), Ok(minting)) => {
            let clock = common::AdvancingClock::default();
            let (cached, minting, clock) = (&cached, &minting, &clock);
            const CACHED: usize = 100_000;
            const MINTED: usize = 500;
            let result = interleaved(
                rounds.jwt,
                || async move {
                    let t = Instant::now();
                    for _ in 0..CACHED {
                        std::hint::black_box(
                            nrfcloud::testing::token_at(
                                cached,
                                &nrfcloud::runtime::SystemTimeSource,
                            )
                            .expect("the bench key signs"),
                        );
                    }
                    Ok(t.elapsed().as_secs_f64() / CACHED as f64)
                },
                || async move {
                    let t = Instant::now();
                    for _ in 0..MINTED {
                        std::hint::black_box(
                            nrfcloud::testing::token_at(minting, clock)
                                .expect("the bench key signs"),
                        );
                    }
                    Ok(t.elapsed().as_secs_f64() / MINTED as f64)
                },
            )
            .await;
            rows.push(pair_row(TOKEN, Target::Info, result));
        }
        (a, b) => rows.push(Row::failed(
            TOKEN,
            Target::Info,
            format!("{:?} {:?}", a.err(), b.err()),
        )),
    }

    const SHARED: &str =
        "JWT: calls/s, one shared client, 64 tasks (FetchDevice): device JWT vs API key";
    let result = async {
        let server = common::BenchServer::start().await.map_err(err)?;
        let base = server.base_url(100);
        let with_jwt = common::ours_with_device_key(&base)?;
        let with_key = common::ours(&base, common::API_KEY).map_err(err)?;
        let (with_jwt, with_key) = (&with_jwt, &with_key);
        common::calls_from_tasks(with_jwt, TASKS, 2).await?;
        common::calls_from_tasks(with_key, TASKS, 2).await?;
        let calls = (TASKS * CALLS_PER_TASK) as f64;
        interleaved(
            rounds.jwt,
            || async move {
                let d = common::calls_from_tasks(with_jwt, TASKS, CALLS_PER_TASK).await?;
                Ok(calls / d.as_secs_f64())
            },
            || async move {
                let d = common::calls_from_tasks(with_key, TASKS, CALLS_PER_TASK).await?;
                Ok(calls / d.as_secs_f64())
            },
        )
        .await
    };
    rows.push(match result.await {
        Ok((a, b)) => Row::new(
            SHARED,
            format!("{a:.0} calls/s"),
            format!("{b:.0} calls/s"),
            Some(a / b),
        ),
        Err(e) => Row::failed(SHARED, Target::Info, e),
    });
}
