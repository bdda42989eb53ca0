//! Pagination: `pageLimit` bounds and opaque tokens with `+`, `/` and `=` that round-trip through
//! ordinary query encoding.

use std::collections::HashSet;

use nrfcloud_mock::MockConfig;
use reqwest::Method;
use serde_json::Value;

use crate::common::{Api, fast, send};

#[tokio::test]
async fn pages_follow_tokens_to_the_end() {
    let api = Api::with(fast(25)).await;
    let mut seen = HashSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query: Vec<(&str, String)> = vec![("pageLimit", "10".into())];
        if let Some(t) = &token {
            assert!(t.contains('+') && t.contains('/') && t.contains('='), "{t}");
            query.push(("pageNextToken", t.clone()));
        }
        let r = send(api.key(Method::GET, "/devices").query(&query)).await;
        assert_eq!(r.status, 200, "{:?}", r.json());
        let body = r.json();
        let items = body["items"].as_array().expect("items");
        assert_eq!(body["total"].as_u64(), Some(items.len() as u64));
        for item in items {
            assert!(seen.insert(item["id"].as_str().expect("id").to_owned()));
        }
        pages += 1;
        match body.get("pageNextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!((pages, seen.len()), (3, 25));
}

#[tokio::test]
async fn page_limit_must_be_1_to_100() {
    let api = Api::with(fast(3)).await;
    for bad in ["0", "101", "abc", "2.5", "-1"] {
        let r = send(api.key(Method::GET, &format!("/devices?pageLimit={bad}"))).await;
        assert_eq!((r.status, r.code()), (422, Some(42200)), "pageLimit={bad}");
        assert!(
            r.json()["message"]
                .as_str()
                .expect("message")
                .contains("pageLimit")
        );
    }
    for good in ["1", "100"] {
        let r = send(api.key(Method::GET, &format!("/devices?pageLimit={good}"))).await;
        assert_eq!(r.status, 200, "pageLimit={good}");
    }
    // ListBulkOpsRequests declares a plain number, the bounds hold all the same.
    let r = send(api.key(Method::GET, "/bulk-ops-requests?pageLimit=500")).await;
    assert_eq!(r.status, 422);
    // ListDeviceTags requires it.
    let r = send(api.key(Method::GET, "/devices/tags")).await;
    assert_eq!(r.status, 422);
    let r = send(api.key(Method::GET, "/devices/tags?pageLimit=1")).await;
    assert_eq!(r.status, 200);
    assert!(r.json()["pageNextToken"].is_string());
}

#[tokio::test]
async fn tokens_must_be_encoded_exactly_once_and_belong_to_the_list() {
    let api = Api::with(fast(5)).await;
    let r = send(api.key(Method::GET, "/devices?pageLimit=2")).await;
    let token = r.json()["pageNextToken"]
        .as_str()
        .expect("token")
        .to_owned();
    // Not encoded: '+' turns into a space.
    let r = send(api.key(
        Method::GET,
        &format!("/devices?pageLimit=2&pageNextToken={token}"),
    ))
    .await;
    assert_eq!(r.status, 422);
    // Encoded twice.
    let once: String = form_urlencoded_encode(&token);
    let twice: String = form_urlencoded_encode(&once);
    let r = send(api.key(
        Method::GET,
        &format!("/devices?pageLimit=2&pageNextToken={twice}"),
    ))
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.json()["message"]
            .as_str()
            .expect("message")
            .contains("twice")
    );
    // Encoded once.
    let r = send(api.key(
        Method::GET,
        &format!("/devices?pageLimit=2&pageNextToken={once}"),
    ))
    .await;
    assert_eq!(r.status, 200);
    // Another list's token.
    let r = send(
        api.key(Method::GET, "/messages")
            .query(&[("pageNextToken", token.as_str())]),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        api.key(Method::GET, "/devices")
            .query(&[("pageNextToken", "garbage")]),
    )
    .await;
    assert_eq!(r.status, 422);
}

fn form_urlencoded_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn empty_lists_can_answer_40499() {
    let api = Api::with(MockConfig {
        empty_lists_as_40499: true,
        ..fast(0)
    })
    .await;
    let r = send(api.key(Method::GET, "/devices")).await;
    assert_eq!((r.status, r.code()), (404, Some(40499)));
    let plain = Api::with(fast(0)).await;
    let r = send(plain.key(Method::GET, "/devices")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["items"], serde_json::json!([]));
}
