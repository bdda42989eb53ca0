//! Pagination streams against a local scripted server: coverage of every paginated operation,
//! filters on every page, tokens on the wire, 40499, repeated tokens, one-page prefetch, caps.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use nrfcloud::pagination::PAGINATED;
use nrfcloud::{Client, Error};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::{Value, json};

fn firmware(n: usize) -> Value {
    json!({
        "bundleId": format!("APP*{n:08x}*v1.0.{n}"), "lastModified": "2024-01-01T00:00:00.000Z",
        "uris": [format!("https://firmware.example/{n}.bin")], "filenames": ["app_update.bin"],
        "version": format!("1.0.{n}"), "type": "APP", "size": 1024
    })
}

fn page(range: std::ops::Range<usize>, token: Option<&str>) -> Reply {
    let mut body =
        json!({"items": range.clone().map(firmware).collect::<Vec<_>>(), "total": range.len()});
    if let Some(t) = token {
        body["pageNextToken"] = json!(t);
    }
    Reply::json(200, body)
}

async fn client(server: &Recorder) -> Client {
    Client::builder()
        .base_url(&server.base)
        .api_key("key")
        .build()
        .unwrap()
}

#[test]
fn every_paginated_operation_of_the_spec_has_a_stream() {
    let spec: Value = serde_json::from_str(include_str!("../../../spec/openapi.json")).unwrap();
    let mut in_spec = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let takes_token = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "pageNextToken" && p["in"] == "query");
            // The page envelope is inline or a named component (PaginatedResult…).
            let mut envelope = &op["responses"]["200"]["content"]["application/json"]["schema"];
            if let Some(name) = envelope["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                envelope = &spec["components"]["schemas"][name];
            }
            let returns_items = envelope["properties"]["items"].is_object();
            if takes_token && returns_items {
                in_spec.push(op["operationId"].as_str().unwrap().to_string());
            }
        }
    }
    let mut streamed: Vec<String> = PAGINATED.iter().map(|s| s.to_string()).collect();
    in_spec.sort();
    streamed.sort();
    assert_eq!(streamed, in_spec);
    for id in [
        "ListInvoices",
        "ListApiUsage",
        "ListAnchors",
        "GetContributions",
    ] {
        assert!(PAGINATED.contains(&id), "{id} has a stream");
    }
    assert_eq!(
        streamed.len(),
        14,
        "the 14 paginated operations: the documentation's 10, ListInvoices, ListApiUsage, ListAnchors and GetContributions"
    );
}

#[tokio::test]
async fn follows_tokens_and_sends_the_filters_with_every_page() {
    let server = Recorder::start().await;
    server.then([
        page(0..3, Some("t1")),
        page(3..5, Some("t2")),
        page(5..6, None),
    ]);
    let client = client(&server).await;
    let items: Vec<_> = client
        .api()
        .list_firmware()
        .modem_only(true)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(items[5].version, "1.0.5");
    let queries: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        queries,
        vec![
            "modemOnly=true&pageLimit=100",
            "modemOnly=true&pageLimit=100&pageNextToken=t1",
            "modemOnly=true&pageLimit=100&pageNextToken=t2"
        ]
    );
}

#[tokio::test]
async fn page_tokens_are_encoded_exactly_once() {
    let server = Recorder::start().await;
    server.then([
        page(0..1, Some("ab+c/d==")),
        page(1..2, Some("ab%2Bc%2Fd%3D%3D")),
        page(2..3, None),
    ]);
    let client = client(&server).await;
    let pages: Vec<_> = client
        .api()
        .list_firmware()
        .page_limit(1)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let requests = server.requests();
    assert_eq!(
        requests[1].query.as_deref(),
        Some("pageLimit=1&pageNextToken=ab%2Bc%2Fd%3D%3D")
    );
    assert_eq!(
        requests[2].query.as_deref(),
        Some("pageLimit=1&pageNextToken=ab%252Bc%252Fd%253D%253D"),
        "an already-encoded token is returned as received, encoded once more by the query encoder"
    );
}

#[tokio::test]
async fn not_found_but_no_error_is_an_empty_result() {
    let server = Recorder::start().await;
    server.reply(Reply::json(
        404,
        json!({"code": 40499, "message": "No location history"}),
    ));
    let client = client(&server).await;
    let items: Vec<_> = client
        .api()
        .get_location_history()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn other_errors_end_the_stream_with_the_error() {
    let server = Recorder::start().await;
    server.then([
        page(0..2, Some("t1")),
        Reply::json(404, json!({"code": 40410, "message": "gone"})),
    ]);
    let client = client(&server).await;
    let results: Vec<_> = client.api().list_firmware().pages().collect().await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().api().unwrap().status, 404);
}

#[tokio::test]
async fn a_repeated_token_is_an_error_not_a_loop() {
    let server = Recorder::start().await;
    server.then([page(0..1, Some("A")), page(1..2, Some("B"))]);
    server.reply(page(2..3, Some("A")));
    let client = client(&server).await;
    let results: Vec<_> = client.api().list_firmware().pages().collect().await;
    assert_eq!(results.len(), 3);
    match &results[2] {
        Err(Error::Decode { reason, .. }) => {
            assert!(reason.contains("repeated a page token"), "{reason}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn the_next_page_is_fetched_while_the_current_one_is_consumed_and_no_further() {
    let server = Recorder::start().await;
    server.then((0..5).map(|i| page(i..i + 1, Some(["p1", "p2", "p3", "p4", "p5"][i]))));
    server.reply(page(5..6, None));
    let client = client(&server).await;
    let mut pages = client.api().list_firmware().pages();
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 1);
    // While the caller holds page 1 without polling, page 2 is requested...
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.count() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(server.count(), 2, "page 2 was requested ahead");
    // ...and nothing beyond it: at most one page ahead.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.count(), 2, "no second page ahead");
    let rest: Vec<_> = pages.try_collect().await.unwrap();
    assert_eq!(rest.len(), 5);
}

#[tokio::test]
async fn a_page_requested_ahead_that_timed_out_while_the_caller_was_busy_is_sent_again() {
    let server = Recorder::start().await;
    server.then([
        page(0..1, Some("t1")),
        page(1..2, Some("t2")),
        page(1..2, Some("t2")),
    ]);
    server.reply(page(2..3, None));
    let client = Client::builder()
        .base_url(&server.base)
        .api_key("key")
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut pages = client.api().list_firmware().pages();
    let first = pages.next().await.unwrap().unwrap();
    // The caller is busy longer than the request timeout while page 2 waits unread.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(server.count(), 2, "page 2 was sent ahead");
    let second = pages.next().await.unwrap().unwrap();
    assert_eq!(
        (first.items.len(), second.items.len()),
        (1, 1),
        "both pages arrive"
    );
    let tokens: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| {
            r.query
                .as_deref()
                .and_then(|q| {
                    q.split('&')
                        .find_map(|kv| kv.strip_prefix("pageNextToken="))
                })
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        tokens[..3],
        [None, Some("t1".to_string()), Some("t1".to_string())],
        "page 2 was sent once more, with the same token"
    );
    let rest: Vec<_> = pages.try_collect().await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn max_items_stops_early_and_bad_limits_fail_before_sending() {
    let server = Recorder::start().await;
    server.then([page(0..3, Some("t1")), page(3..6, Some("t2"))]);
    let client = client(&server).await;
    let items: Vec<_> = client
        .api()
        .list_firmware()
        .max_items(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 4);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.count(), 2, "no page after the cap");

    let before = server.count();
    for limit in [0, 101] {
        let err = client
            .api()
            .list_devices()
            .page_limit(limit)
            .items()
            .next()
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { ref field, .. } if field == "pageLimit"),
            "{err}"
        );
    }
    assert_eq!(server.count(), before);
}

#[tokio::test]
async fn dropping_the_stream_stops_fetching() {
    let server = Recorder::start().await;
    server.reply(page(0..1, Some("again")).delayed(Duration::from_millis(20)));
    server.then([page(0..1, Some("t1"))]);
    let client = client(&server).await;
    let mut pages = client.api().list_firmware().pages();
    pages.next().await.unwrap().unwrap();
    drop(pages);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.count() <= 2,
        "{} requests after drop",
        server.count()
    );
}

#[tokio::test]
async fn a_transform_goes_with_every_page_and_items_decode_as_values() {
    let server = Recorder::start().await;
    server.then([Reply::json(
        200,
        json!({"items": [{"id": "a", "type": "Generic"}], "pageNextToken": "t1"}),
    )]);
    server.reply(Reply::json(200, json!({"items": ["just-a-string"]})));
    let client = client(&server).await;
    let transform = nrfcloud::Transform::new("{ \"id\": id, \"type\": type }").unwrap();
    let items: Vec<Value> = client
        .api()
        .list_devices()
        .transform(&transform)
        .items_as::<Value>()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        items,
        vec![
            json!({"id": "a", "type": "Generic"}),
            json!("just-a-string")
        ]
    );
    for r in server.requests() {
        assert!(
            r.query
                .unwrap()
                .contains("transform=%7B+%22id%22%3A+id%2C+%22type%22%3A+type+%7D")
        );
    }
    // An operation that takes no transform has no `transform` setter: a compile error (see
    // the `compile_fail` example on `Request::transform`).
    assert!(
        nrfcloud::Transform::new("{ \"id\": ").is_err(),
        "syntax errors are caught before any request"
    );
}
