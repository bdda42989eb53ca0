//! Concurrency: 16 clients onboard 10,000 devices at once and none is lost.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::Method;
use serde_json::Value;

use crate::common::{Api, FAKE_CERT, fast, quoted, send, wait_bulk};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_clients_onboard_ten_thousand_devices() {
    let api = Arc::new(Api::with(fast(0)).await);
    let cert = quoted(FAKE_CERT);
    let mut tasks = Vec::new();
    for client in 0..16usize {
        let api = Arc::clone(&api);
        let cert = cert.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            // 625 devices per client, in five CSVs (4 × 100 rows, then 225).
            for batch in 0..5usize {
                let rows: usize = if batch == 4 { 225 } else { 100 };
                let start = client * 625 + batch * 100;
                let csv: String = (start..start + rows)
                    .map(|i| format!("load-{i:05},,load|c{client},APP,{cert}\n"))
                    .collect();
                let r = send(
                    api.key(Method::POST, "/devices")
                        .header("content-type", "text/csv")
                        .body(csv),
                )
                .await;
                assert_eq!(r.status, 202, "{:?}", r.json());
                ids.push(
                    r.json()["bulkOpsRequestId"]
                        .as_str()
                        .expect("id")
                        .to_owned(),
                );
            }
            for id in &ids {
                assert_eq!(wait_bulk(&api, id).await["status"], "SUCCEEDED");
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    assert_eq!(api.server.state().device_count(), 10_000);
    let mut seen = HashSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![("pageLimit", "100".to_owned()), ("tags", "load".to_owned())];
        if let Some(t) = &token {
            query.push(("pageNextToken", t.clone()));
        }
        let body = send(api.key(Method::GET, "/devices").query(&query))
            .await
            .json();
        for item in body["items"].as_array().expect("items") {
            seen.insert(item["id"].as_str().expect("id").to_owned());
        }
        match body.get("pageNextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10_000);
    assert!((0..10_000).all(|i| seen.contains(&format!("load-{i:05}"))));
}
