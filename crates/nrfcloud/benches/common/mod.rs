//! What the criterion benches (`cargo bench -p nrfcloud`) and `cargo xtask bench-report`
//! (which includes this file with `#[path]`) share: the canned device document, a minimal
//! HTTP server (in this process, on a thread and runtime of its own), the hand-written `reqwest` + `serde` baselines, the client calls
//! they are compared with, and the setup of the mock for the bulk and latency cases.
//!
//! The minimal server answers, with no checks and no state:
//! - `GET [/n{N}]/v1/devices/{id}`: the ~5.5 kB device document of `device.json` (built from
//!   the FetchDevice example of `spec/openapi.json`, with a fuller shadow) under that id;
//! - `GET [/n{N}]/v1/devices?pageLimit=L&pageNextToken=T`: a page of those documents out of
//!   `N` devices (default 100), rendered on the fly, so listing 100,000 devices holds one page.
//!
//! The `/n{N}` prefix is part of the base URL (the client supports a path prefix), so one
//! server serves every size.

#![allow(dead_code)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use nrfcloud::onboarding::{BulkOptions, DeviceCredential, OnboardingRow};
use nrfcloud::runtime::PollOptions;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The canned device document (pretty-printed; served compact). Its top-level keys are in the
/// order the real API sends them (`id, tags, tenantId, $meta, name, type, subType, …,
/// firmware, state`, as in a recorded FetchDevice response): the discriminating `type` comes
/// before the large shadow, which the device decoder relies on to stream. serde_json keeps
/// that order here (`preserve_order`, enabled by the JSONata engine); [`device_json_sorted`]
/// gives the same document with the keys sorted, for the report's comparison.
pub const DEVICE_DOCUMENT: &str = include_str!("device.json");
/// The id the document carries; replaced by each served device's id.
pub const TEMPLATE_ID: &str = "nrf-352656100000000";
/// The IMEI of the first device: ids are `nrf-{FIRST_IMEI + i}`.
pub const FIRST_IMEI: u64 = 352_656_100_000_000;
/// What the clients send as the API key (the minimal server does not check it).
pub const API_KEY: &str = "0123456789abcdef0123456789abcdef01234567";
/// The JSONata expression of the local-evaluation comparison.
pub const TRANSFORM: &str = r#"{ "id": id, "type": type }"#;
/// The part of every page token after the offset: base64-like, with `+`, `/` and `=` so the
/// query encoder is exercised the way real tokens exercise it.
const TOKEN_TAIL: &str = "eyJ0ZW5hbnQiOiJiZW5jaCIsImxpc3QiOiJkZXZpY2VzIn0+/8=";

/// The id of device `i`.
pub fn device_id(i: usize) -> String {
    format!("nrf-{}", FIRST_IMEI + i as u64)
}

struct Template {
    head: String,
    tail: String,
}

/// The compact document split around its id. A broken `device.json` gives empty parts, and
/// every client then fails to decode, which the report shows.
fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let compact = serde_json::from_str::<Value>(DEVICE_DOCUMENT)
            .map(|v| v.to_string())
            .unwrap_or_default();
        match compact.split_once(TEMPLATE_ID) {
            Some((head, tail)) => Template {
                head: head.to_string(),
                tail: tail.to_string(),
            },
            None => Template {
                head: String::new(),
                tail: String::new(),
            },
        }
    })
}

/// Appends the device document of `id` (compact JSON) to `out`.
pub fn write_device(out: &mut String, id: &str) {
    let t = template();
    out.push_str(&t.head);
    out.push_str(id);
    out.push_str(&t.tail);
}

/// The device document of `id`, compact.
pub fn device_json(id: &str) -> String {
    let mut s = String::with_capacity(6 * 1024);
    write_device(&mut s, id);
    s
}

/// The device document of `id` with its top-level keys in alphabetical order (`type` after
/// the shadow), compact.
pub fn device_json_sorted(id: &str) -> String {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&device_json(id)) else {
        return String::new();
    };
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from("{");
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(k.clone()).to_string());
        out.push(':');
        out.push_str(&v.to_string());
    }
    out.push('}');
    out
}

/// `count` device documents (ids `0..count`) as `serde_json` values.
pub fn device_values(count: usize) -> Vec<Value> {
    (0..count)
        .filter_map(|i| serde_json::from_str(&device_json(&device_id(i))).ok())
        .collect()
}

/// The token of the page starting at `offset`.
pub fn page_token(offset: usize) -> String {
    format!("{offset}.{TOKEN_TAIL}")
}

/// A ListDevices page: devices `offset..offset+limit` of `total`, with a `pageNextToken`
/// when more remain.
pub fn page_json(total: usize, offset: usize, limit: usize) -> String {
    let end = offset.saturating_add(limit).min(total);
    let count = end.saturating_sub(offset);
    let mut s = String::with_capacity(count * 5600 + 128);
    s.push_str("{\"items\":[");
    for i in offset..end {
        if i > offset {
            s.push(',');
        }
        write_device(&mut s, &device_id(i));
    }
    s.push_str("],\"total\":");
    s.push_str(&count.to_string());
    if end < total {
        s.push_str(",\"pageNextToken\":\"");
        s.push_str(&page_token(end));
        s.push('"');
    }
    s.push('}');
    s
}

/// The value of `name` in a query string, still percent-encoded.
fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn leading_number(s: &str) -> Option<usize> {
    let digits: &str = &s[..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())];
    digits.parse().ok()
}

fn json_response(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Answers one request of the minimal server.
fn answer(req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let mut path = req.uri().path();
    let mut total = 100;
    if let Some(rest) = path.strip_prefix("/n") {
        let (n, after) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        total = n.parse().unwrap_or(total);
        path = after;
    }
    let query = req.uri().query().unwrap_or("");
    match path.strip_prefix("/v1/devices") {
        Some("") | Some("/") => {
            let limit = query_value(query, "pageLimit")
                .and_then(leading_number)
                .unwrap_or(10)
                .clamp(1, 100);
            let offset = query_value(query, "pageNextToken")
                .and_then(leading_number)
                .unwrap_or(0);
            json_response(StatusCode::OK, page_json(total, offset, limit))
        }
        Some(rest) if rest.len() > 1 && !rest[1..].contains('/') => {
            json_response(StatusCode::OK, device_json(&rest[1..]))
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            r#"{"code":40400,"message":"Not found"}"#.to_string(),
        ),
    }
}

/// Called first on the minimal server's thread, when set: a test's counting allocator uses it
/// to leave the server's allocations out.
pub static SERVER_THREAD_HOOK: OnceLock<fn()> = OnceLock::new();

/// The minimal server; stops (with its connections) when dropped.
///
/// It runs on its own OS thread with its own single-threaded tokio runtime, like a remote
/// server would: sharing the measured client's runtime workers made the comparison depend on
/// how tokio happened to place the server's tasks next to the client's (a client that
/// spawns a task, as the page stream does, lost a core to the server).
#[derive(Debug)]
pub struct BenchServer {
    base_url: String,
    accepted: std::sync::Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BenchServer {
    /// Binds a free loopback port and serves it from a thread of its own.
    pub async fn start() -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let accepted = std::sync::Arc::new(AtomicU64::new(0));
        let counter = accepted.clone();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                if let Some(hook) = SERVER_THREAD_HOOK.get() {
                    hook();
                }
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let mut connections = tokio::task::JoinSet::new();
                    loop {
                        tokio::select! {
                            _ = &mut stopped => return,
                            Some(_) = connections.join_next(), if !connections.is_empty() => {}
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                counter.fetch_add(1, Ordering::Relaxed);
                                let _ = stream.set_nodelay(true);
                                connections.spawn(async move {
                                    let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                                        Ok::<_, std::convert::Infallible>(answer(&req))
                                    });
                                    let _ = http1::Builder::new()
                                        .keep_alive(true)
                                        .serve_connection(TokioIo::new(stream), service)
                                        .await;
                                });
                            }
                        }
                    }
                })
            })?;
        Ok(BenchServer {
            base_url,
            accepted,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// The base URL (without `/v1`) of a server listing `total` devices.
    pub fn base_url(&self, total: usize) -> String {
        format!("{}/n{total}", self.base_url)
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The hand-written baseline: what a user writes with reqwest + serde and no wrapper.

/// A device as a hand-written client would declare it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandDevice {
    /// The id.
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
    /// `Generic`, `BLE`, `Gateway`.
    #[serde(rename = "type", default)]
    pub device_type: Option<String>,
    /// The sub-type.
    #[serde(default)]
    pub sub_type: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The team.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Timestamps.
    #[serde(rename = "$meta", default)]
    pub meta: Option<HandMeta>,
    /// Firmware.
    #[serde(default)]
    pub firmware: Option<HandFirmware>,
    /// Image URL.
    #[serde(default)]
    pub image: Option<String>,
    /// The shadow.
    #[serde(default)]
    pub state: Option<HandState>,
}

/// `$meta`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandMeta {
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Updated.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `firmware`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandFirmware {
    /// The application.
    #[serde(default)]
    pub app: Option<HandApp>,
    /// Bootloader.
    #[serde(default)]
    pub boot: Option<String>,
    /// Modem firmware.
    #[serde(default)]
    pub modem: Option<String>,
    /// SMP app version.
    #[serde(default)]
    pub smp_device_app_ver: Option<String>,
    /// FOTA types.
    #[serde(default)]
    pub supports: Vec<String>,
}

/// `firmware.app`.
#[derive(Debug, Deserialize)]
pub struct HandApp {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Version.
    #[serde(default)]
    pub version: Option<String>,
}

/// The shadow. Its open objects are kept as raw JSON text, as the generated types keep them
/// (`nrfcloud_api::json::RawObject`), so both sides do the same work.
#[derive(Debug, Deserialize)]
pub struct HandState {
    /// Delta.
    #[serde(default)]
    pub delta: Option<Box<RawValue>>,
    /// Desired.
    #[serde(default)]
    pub desired: Option<Box<RawValue>>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Option<Box<RawValue>>,
    /// Reported.
    #[serde(default)]
    pub reported: Option<Box<RawValue>>,
    /// Version.
    #[serde(default)]
    pub version: Option<f64>,
}

/// A ListDevices page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandPage {
    /// The devices.
    pub items: Vec<HandDevice>,
    /// The count.
    #[serde(default)]
    pub total: Option<u64>,
    /// The next page's token.
    #[serde(default)]
    pub page_next_token: Option<String>,
}

/// The hand-written client: one `reqwest::Client` with the wrapper's default timeouts.
#[derive(Debug, Clone)]
pub struct Hand {
    http: reqwest::Client,
    api: String,
    auth: HeaderValue,
}

impl Hand {
    /// A client for `{base_url}/v1` with `api_key`.
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, String> {
        nrfcloud::api::hooks::ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(nrfcloud::DEFAULT_CONNECT_TIMEOUT)
            .timeout(nrfcloud::DEFAULT_TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        let auth =
            HeaderValue::from_str(&format!("Bearer {api_key}")).map_err(|e| e.to_string())?;
        Ok(Hand {
            http,
            api: format!("{}/v1", base_url.trim_end_matches('/')),
            auth,
        })
    }

    /// FetchDevice.
    pub async fn fetch_device(&self, id: &str) -> Result<HandDevice, reqwest::Error> {
        self.http
            .get(format!("{}/devices/{id}", self.api))
            .header(reqwest::header::AUTHORIZATION, self.auth.clone())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    /// One ListDevices page of 100.
    pub async fn list_page(&self, token: Option<&str>) -> Result<HandPage, reqwest::Error> {
        let mut request = self
            .http
            .get(format!("{}/devices", self.api))
            .header(reqwest::header::AUTHORIZATION, self.auth.clone())
            .query(&[("pageLimit", "100")]);
        if let Some(t) = token {
            request = request.query(&[("pageNextToken", t)]);
        }
        request.send().await?.error_for_status()?.json().await
    }

    /// The naive loop over `pageNextToken`: fetch a page, consume it (sleeping `consume`,
    /// if any), fetch the next. Returns the number of devices.
    pub async fn list_all(&self, consume: Duration) -> Result<usize, reqwest::Error> {
        let mut token: Option<String> = None;
        let mut count = 0;
        loop {
            let page = self.list_page(token.as_deref()).await?;
            count += page.items.len();
            if !consume.is_zero() {
                tokio::time::sleep(consume).await;
            }
            match page.page_next_token.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => return Ok(count),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ours: the wrapper and the generated client.

/// The wrapper with an API key.
pub fn ours(base_url: &str, api_key: &str) -> Result<nrfcloud::Client, nrfcloud::Error> {
    nrfcloud::Client::builder()
        .base_url(base_url)
        .api_key(api_key)
        .build()
}

/// FetchDevice through the wrapper.
pub async fn ours_fetch_device(
    client: &nrfcloud::Client,
    id: &str,
) -> Result<nrfcloud::types::FetchDeviceResponse, nrfcloud::Error> {
    client.api().fetch_device().device_id(id).send().await
}

/// One ListDevices page of 100 through the wrapper.
pub async fn ours_list_page(
    client: &nrfcloud::Client,
) -> Result<nrfcloud::types::ListDevicesResponse, nrfcloud::Error> {
    client.api().list_devices().page_limit(100).send().await
}

/// Every device through the item stream. Returns the number of devices.
pub async fn ours_list_all(client: &nrfcloud::Client) -> Result<usize, nrfcloud::Error> {
    let mut items = client.api().list_devices().items();
    let mut count = 0;
    while let Some(item) = items.next().await {
        std::hint::black_box(item?);
        count += 1;
    }
    Ok(count)
}

/// Every device through the page stream, consuming each page for `consume`. Returns the
/// number of devices.
pub async fn ours_list_pages(
    client: &nrfcloud::Client,
    consume: Duration,
) -> Result<usize, nrfcloud::Error> {
    let mut pages = client.api().list_devices().pages();
    let mut count = 0;
    while let Some(page) = pages.next().await {
        count += page?.items.len();
        if !consume.is_zero() {
            tokio::time::sleep(consume).await;
        }
    }
    Ok(count)
}

// ---------------------------------------------------------------------------------------------
// JWT.

/// A fixed P-256 key (PKCS#8 PEM) for device tokens.
pub fn device_key_pem() -> String {
    nrfcloud_mock::test_support::KeyPair::from_seed(b"nrfcloud-bench").private_key_pem()
}

/// A clock two hours later at every reading, so every `token()` call mints.
#[derive(Debug, Default)]
pub struct AdvancingClock(AtomicU64);

impl nrfcloud::runtime::TimeSource for AdvancingClock {
    fn now(&self) -> SystemTime {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        UNIX_EPOCH + Duration::from_secs(1_700_000_000 + n * 7200)
    }
}

/// The wrapper with a device key: FetchDevice then carries a (cached) device JWT.
pub fn ours_with_device_key(base_url: &str) -> Result<nrfcloud::Client, String> {
    let key = nrfcloud::DeviceKey::from_pem(device_id(0), &device_key_pem())
        .map_err(|e| e.to_string())?;
    nrfcloud::Client::builder()
        .base_url(base_url)
        .device_key(key)
        .build()
        .map_err(|e| e.to_string())
}

/// `tasks` tasks sharing `client`, each making `calls` FetchDevice calls; the wall time.
pub async fn calls_from_tasks(
    client: &nrfcloud::Client,
    tasks: usize,
    calls: usize,
) -> Result<Duration, String> {
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let client = client.clone();
        set.spawn(async move {
            let id = device_id(t);
            for _ in 0..calls {
                ours_fetch_device(&client, &id)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.map_err(|e| e.to_string())??;
    }
    Ok(started.elapsed())
}

// ---------------------------------------------------------------------------------------------
// Bulk onboarding through the mock.

/// The mock for bulk runs: bulk-ops requests complete 50 ms after they are accepted.
pub fn bulk_mock_config() -> nrfcloud_mock::MockConfig {
    nrfcloud_mock::MockConfig {
        bulk_ops_delay: Duration::from_millis(50),
        ..Default::default()
    }
}

/// `count` OnboardDevices rows (one shared public key, as a fleet provisioned from one
/// factory key would not have, but the rows' size is that of real ones).
pub fn onboarding_rows(count: usize) -> Vec<OnboardingRow> {
    let pem =
        nrfcloud_mock::test_support::KeyPair::from_seed(b"nrfcloud-bench-fleet").public_key_pem();
    (0..count)
        .map(|i| {
            OnboardingRow::new(device_id(i), DeviceCredential::PublicKey(pem.clone()))
                .tags(["warehouse-east"])
                .firmware_types(["APP", "MODEM"])
        })
        .collect()
}

/// 1,000 rows per request, `concurrency` requests in flight, polled every 25 ms at first.
pub fn bulk_options(concurrency: usize) -> BulkOptions {
    BulkOptions {
        concurrency,
        poll: PollOptions {
            interval: Duration::from_millis(25),
            max_interval: Duration::from_millis(200),
            ..BulkOptions::default().poll
        },
        ..Default::default()
    }
}

/// A multi-threaded tokio runtime for a bench, or `None` (with a message) if one cannot be built.
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("no tokio runtime: {e}");
            None
        }
    }
}
