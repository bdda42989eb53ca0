//! Concurrency: 16 clients onboard 10,000 devices at once and none is lost; 64 clients send
//! 20,000 mixed requests within a time bound without an unexpected answer.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// What one client of the mixed load did.
#[derive(Default)]
struct ClientRun {
    requests: usize,
    errors: Vec<String>,
    onboarded: Vec<String>,
    bulk_requests: Vec<String>,
}

/// One client's share of the mixed load, sequentially on its own connection pool: every 20th
/// request a CSV of 5 devices (OnboardDevices), else in turn OnboardDevice, FetchDevice of
/// the device it just onboarded, ListDevices by its own tag. Failures are collected, not
/// panicked on.
async fn mixed_client(base: String, key: String, client: usize, requests: usize) -> ClientRun {
    let http = crate::common::client();
    let mut run = ClientRun::default();
    let mut last_single: Option<String> = None;
    let tag = format!("m{client}");
    for i in 0..requests {
        let (what, request, expected) = if i % 20 == 19 {
            let ids: Vec<String> = (0..5)
                .map(|r| format!("csv-{client:02}-{i:04}-{r}"))
                .collect();
            let csv: String = ids
                .iter()
                .map(|id| format!("{id},,mix|{tag},APP,{}\n", quoted(FAKE_CERT)))
                .collect();
            run.onboarded.extend(ids);
            let request = http
                .post(format!("{base}/devices"))
                .header("content-type", "text/csv")
                .body(csv);
            ("OnboardDevices", request, 202)
        } else {
            match i % 3 {
                0 => {
                    let id = format!("one-{client:02}-{i:04}");
                    let body = serde_json::json!({"certificate": FAKE_CERT, "tags": ["mix", tag]});
                    let request = http.post(format!("{base}/devices/{id}")).json(&body);
                    run.onboarded.push(id.clone());
                    last_single = Some(id);
                    ("OnboardDevice", request, 202)
                }
                1 => {
                    let id = last_single.clone().unwrap_or_default();
                    ("FetchDevice", http.get(format!("{base}/devices/{id}")), 200)
                }
                _ => {
                    let request = http
                        .get(format!("{base}/devices"))
                        .query(&[("tags", tag.as_str()), ("pageLimit", "10")]);
                    ("ListDevices", request, 200)
                }
            }
        };
        run.requests += 1;
        let response = match request.bearer_auth(&key).send().await {
            Ok(r) => r,
            Err(e) => {
                run.errors.push(format!("client {client} #{i} {what}: {e}"));
                continue;
            }
        };
        let status = response.status().as_u16();
        let body: Value = match response.bytes().await {
            Ok(b) if b.is_empty() => Value::Null,
            Ok(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
            Err(e) => {
                run.errors
                    .push(format!("client {client} #{i} {what}: body: {e}"));
                continue;
            }
        };
        let problem = if status != expected {
            Some(format!("HTTP {status}: {body}"))
        } else {
            match what {
                "OnboardDevices" => match body["bulkOpsRequestId"].as_str() {
                    Some(id) => {
                        run.bulk_requests.push(id.to_owned());
                        None
                    }
                    None => Some(format!("no bulkOpsRequestId: {body}")),
                },
                "FetchDevice" => (body["id"].as_str() != last_single.as_deref())
                    .then(|| format!("wrong device: {body}")),
                "ListDevices" => {
                    let items = body["items"].as_array().cloned().unwrap_or_default();
                    let own = items.iter().all(|d| {
                        d["tags"]
                            .as_array()
                            .is_some_and(|t| t.iter().any(|t| t == tag.as_str()))
                    });
                    (items.is_empty() || !own).then(|| format!("wrong page: {body}"))
                }
                _ => None,
            }
        };
        if let Some(p) = problem {
            run.errors.push(format!("client {client} #{i} {what}: {p}"));
        }
    }
    run
}

/// 64 clients send 20,000 requests in all (OnboardDevice, CSV onboarding, FetchDevice,
/// ListDevices) within 60 s, with no unexpected answer; afterwards every onboarded device is
/// there, in the state and through ListDevices. Slow in debug builds, so run in release:
/// `cargo test -p nrfcloud-mock --release --test api load -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load test: run it in release, see the doc comment"]
async fn sixty_four_clients_send_twenty_thousand_mixed_requests() {
    const CLIENTS: usize = 64;
    const REQUESTS: usize = 20_000;
    const BOUND: Duration = Duration::from_secs(60);
    let api = Api::with(fast(0)).await;
    let base = api.server.api_url();
    let key = api.server.api_key().to_owned();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let share = REQUESTS / CLIENTS + usize::from(c < REQUESTS % CLIENTS);
            tokio::spawn(mixed_client(base.clone(), key.clone(), c, share))
        })
        .collect();
    let runs = tokio::time::timeout(BOUND, futures_join(tasks))
        .await
        .expect("20,000 requests within 60 s");
    let elapsed = started.elapsed();
    let requests: usize = runs.iter().map(|r| r.requests).sum();
    let errors: Vec<&String> = runs.iter().flat_map(|r| &r.errors).collect();
    let onboarded: HashSet<&String> = runs.iter().flat_map(|r| &r.onboarded).collect();
    eprintln!(
        "mixed load: {requests} requests from {CLIENTS} clients in {elapsed:.2?} \
         ({:.0} requests/s), {} unexpected, {} devices onboarded",
        requests as f64 / elapsed.as_secs_f64(),
        errors.len(),
        onboarded.len()
    );
    assert_eq!(requests, REQUESTS);
    assert!(
        errors.is_empty(),
        "{} unexpected: {:?}",
        errors.len(),
        &errors[..errors.len().min(10)]
    );

    for id in runs.iter().flat_map(|r| &r.bulk_requests) {
        assert_eq!(wait_bulk(&api, id).await["status"], "SUCCEEDED");
    }
    let present: HashSet<String> = api.server.state().device_ids().into_iter().collect();
    let missing: Vec<&&String> = onboarded
        .iter()
        .filter(|id| !present.contains(**id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert_eq!(present.len(), onboarded.len());
    let mut listed = HashSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![("pageLimit", "100".to_owned()), ("tags", "mix".to_owned())];
        if let Some(t) = &token {
            query.push(("pageNextToken", t.clone()));
        }
        let body = send(api.key(Method::GET, "/devices").query(&query))
            .await
            .json();
        for item in body["items"].as_array().expect("items") {
            listed.insert(item["id"].as_str().expect("id").to_owned());
        }
        match body.get("pageNextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed.len(), onboarded.len(), "every device is listed");
}

/// Joins the client tasks; a panicked task becomes a run with one error.
async fn futures_join(tasks: Vec<tokio::task::JoinHandle<ClientRun>>) -> Vec<ClientRun> {
    let mut runs = Vec::with_capacity(tasks.len());
    for task in tasks {
        runs.push(task.await.unwrap_or_else(|e| ClientRun {
            errors: vec![format!("client task failed: {e}")],
            ..ClientRun::default()
        }));
    }
    runs
}
