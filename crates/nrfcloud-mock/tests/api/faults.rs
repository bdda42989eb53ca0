//! Fault injection: latency, errors, 429 with Retry-After, dropped connections and broken
//! bodies, changed while the server runs.

use std::time::{Duration, Instant};

use nrfcloud_mock::{Fault, FaultRule, Trigger, Truncation};
use reqwest::Method;

use crate::common::{Api, fast, send};

#[tokio::test]
async fn latency_errors_and_rate_limits() {
    let api = Api::with(fast(1)).await;
    let faults = api.server.faults();
    faults.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    faults.set_latency(Duration::ZERO);

    faults.fail_next(2, 503);
    let r = send(api.key(Method::GET, "/account")).await;
    assert_eq!((r.status, r.code()), (503, Some(50300)));
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 503);
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 200);

    faults.fail_every(3, 500);
    let statuses: Vec<u16> = futures_free_sequence(&api, 6).await;
    assert_eq!(statuses, vec![200, 200, 500, 200, 200, 500]);
    faults.clear();

    faults.rate_limit_next(1, 7);
    let r = send(api.key(Method::GET, "/account")).await;
    assert_eq!((r.status, r.code()), (429, Some(42900)));
    assert_eq!(r.header("retry-after").as_deref(), Some("7"));
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 200);

    faults.add(FaultRule {
        fault: Fault::Error { status: 500 },
        trigger: Trigger::Always,
        path_prefix: Some("/v1/devices".into()),
    });
    assert_eq!(send(api.key(Method::GET, "/devices")).await.status, 500);
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 200);
    assert_eq!(faults.injected(), 6);
    faults.clear();
    assert_eq!(send(api.key(Method::GET, "/devices")).await.status, 200);
}

async fn futures_free_sequence(api: &Api, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(send(api.key(Method::GET, "/account")).await.status);
    }
    out
}

#[tokio::test]
async fn dropped_connections_and_broken_bodies() {
    let api = Api::with(fast(1)).await;
    let faults = api.server.faults();
    faults.drop_next(1);
    let dropped = api.key(Method::GET, "/account").send().await;
    assert!(dropped.is_err(), "the connection closes without an answer");
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 200);

    faults.truncate_next(1, Truncation::ShortBody);
    let response = api
        .key(Method::GET, "/account")
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err(), "the body ends early");

    faults.truncate_next(1, Truncation::CutJson);
    let response = api
        .key(Method::GET, "/account")
        .send()
        .await
        .expect("headers arrive");
    let bytes = response.bytes().await.expect("the body is complete");
    assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
    assert!(!bytes.is_empty());

    faults.fail_randomly(0.5, 502, 7);
    let first: Vec<u16> = futures_free_sequence(&api, 10).await;
    faults.clear();
    faults.fail_randomly(0.5, 502, 7);
    let second: Vec<u16> = futures_free_sequence(&api, 10).await;
    assert_eq!(first, second, "seeded faults repeat");
    assert!(first.contains(&502) && first.contains(&200));
}
