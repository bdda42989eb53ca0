//! Fault injection: latency, a fast clock, errors, 429 with Retry-After, dropped and reset
//! connections, broken, empty, non-JSON and oversized bodies, repeated page tokens, changed
//! while the server runs.

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

#[tokio::test]
async fn resets_empty_foreign_and_oversized_bodies() {
    let api = Api::with(fast(1)).await;
    let faults = api.server.faults();
    let before = faults.requests();

    faults.reset_next(1);
    let err = api
        .key(Method::GET, "/account")
        .send()
        .await
        .expect_err("reset without an answer");
    assert!(format!("{err:?}").contains("ConnectionReset"), "{err:?}");

    faults.truncate_next(1, Truncation::Reset);
    let response = api
        .key(Method::GET, "/account")
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(response.status(), 200);
    let err = response.bytes().await.expect_err("reset mid-body");
    assert!(format!("{err:?}").contains("ConnectionReset"), "{err:?}");

    faults.inject_next(1, Fault::EmptyBody);
    let r = send(api.key(Method::GET, "/account")).await;
    assert_eq!((r.status, r.bytes.len()), (200, 0));
    assert_eq!(r.header("content-length").as_deref(), Some("0"));

    faults.inject_next(1, Fault::NotJson);
    let r = send(api.key(Method::GET, "/account")).await;
    assert_eq!(r.status, 200);
    let content_type = r.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert!(r.bytes.starts_with(b"<!DOCTYPE html>"));

    for chunked in [false, true] {
        faults.inject_next(
            1,
            Fault::Oversized {
                bytes: 300_000,
                chunked,
            },
        );
        let r = send(api.key(Method::GET, "/account")).await;
        assert_eq!((r.status, r.bytes.len()), (200, 300_000));
        let length = r.header("content-length");
        assert_eq!(length.is_none(), chunked, "{length:?}");
        assert_eq!(r.header("transfer-encoding").is_some(), chunked);
        let padding = r.json()["padding"].as_str().map(str::len);
        assert_eq!(
            padding,
            Some(300_000 - 14),
            "valid JSON of exactly that size"
        );
    }
    assert_eq!(faults.oversized_bytes_sent(), 600_000);
    assert_eq!(faults.requests() - before, 6);
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 200);
}

#[tokio::test]
async fn repeated_page_tokens_and_a_fast_clock() {
    let api = Api::with(fast(3)).await;
    let faults = api.server.faults();
    faults.add(FaultRule {
        fault: Fault::RepeatPageToken,
        trigger: Trigger::Always,
        path_prefix: Some("/v1/devices".into()),
    });
    let first = send(api.key(Method::GET, "/devices?pageLimit=1"))
        .await
        .json();
    let token = first["pageNextToken"]
        .as_str()
        .expect("a next page")
        .to_owned();
    for _ in 0..3 {
        let page = send(
            api.key(Method::GET, "/devices")
                .query(&[("pageLimit", "1"), ("pageNextToken", token.as_str())]),
        )
        .await
        .json();
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            page["pageNextToken"],
            token.as_str(),
            "the same token again"
        );
    }
    faults.clear();

    let device = api.server.state().device_ids()[0].clone();
    let key = api.server.state().device_key(&device).expect("seeded key");
    let jwt = key.device_jwt(&device, Duration::from_secs(300));
    let path = format!("/devices/{device}");
    assert_eq!(send(api.bearer(Method::GET, &path, &jwt)).await.status, 200);
    // `iat`/`exp` are whole seconds taken when the token is minted, and the server's clock
    // is read at each request: 299 s ahead refused the token whenever a second boundary fell
    // between the two. 290 s leaves ten seconds for a slow machine.
    faults.set_clock_skew(Duration::from_secs(290));
    assert_eq!(send(api.bearer(Method::GET, &path, &jwt)).await.status, 200);
    faults.set_clock_skew(Duration::from_secs(302));
    let r = send(api.bearer(Method::GET, &path, &jwt)).await;
    assert_eq!((r.status, r.code()), (401, Some(40100)));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired")
    );
    assert_eq!(
        send(api.key(Method::GET, &path)).await.status,
        200,
        "API keys do not expire"
    );
    faults.clear();
    assert_eq!(faults.clock_skew(), Duration::ZERO);
    assert_eq!(send(api.bearer(Method::GET, &path, &jwt)).await.status, 200);
}
