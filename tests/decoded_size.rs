//! The memory a decoded response takes, counted in bytes by a counting allocator (issue
//! #18.8): open JSON the server fills (device shadows, message payloads, alert messages,
//! JSONata results, bare JSON answers) must not expand the way `serde_json::Value` does
//! (about 35 bytes per byte for `[0,0,…]`).
//!
//! Everything is measured in one test: the allocator counts the whole process, so no other
//! test of this binary may run alongside. `cargo test --release --test decoded_size --
//! --ignored --nocapture` prints the expansion factors of other shapes (documented in the
//! README's Limits table).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use nrfcloud_api::types::{
    DeviceAlert, DeviceMessage, FetchAccountInfoResponse, FetchDeviceResponse,
    ListDeviceTagsResponse, ListDevicesResponse, ListMessagesResponse,
};
use serde::de::DeserializeOwned;

/// Counts live and peak heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let live = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most heap bytes alive at once while decoding `body` as `T` (the decoded value
/// included, the body not), divided by the body's length.
fn decoding_ratio<T: DeserializeOwned>(body: &[u8]) -> f64 {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let decoded: T = serde_json::from_slice(body).expect("the document decodes");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    drop(decoded);
    peak as f64 / body.len() as f64
}

/// `[0,0,…,0]` of about `bytes` bytes.
fn zeros(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 2);
    s.push('[');
    while s.len() < bytes {
        s.push_str("0,");
    }
    s.push('0');
    s.push(']');
    s
}

const MIB: usize = 1024 * 1024;

fn device_with_state(state: &str) -> String {
    format!(
        r#"{{"id":"nrf-352656100000000","name":"n","tags":[],"tenantId":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","$meta":{{"createdAt":"2024-01-02T03:04:05Z"}},"type":"Generic","subType":"jitp","state":{state}}}"#
    )
}

/// A document an attacker can fill: what it is, its text, and how to measure its decoding.
type Hostile = (&'static str, String, fn(&[u8]) -> f64);

/// The shapes an attacker can fill, each about `n` bytes.
fn hostile_documents(n: usize) -> Vec<Hostile> {
    let junk = zeros(n);
    vec![
        (
            "FetchDevice, state.reported",
            device_with_state(&format!(r#"{{"reported":{{"junk":{junk}}},"version":1}}"#)),
            decoding_ratio::<FetchDeviceResponse>,
        ),
        (
            "FetchDevice, state.metadata",
            device_with_state(&format!(r#"{{"metadata":{{"junk":{junk}}}}}"#)),
            decoding_ratio::<FetchDeviceResponse>,
        ),
        (
            "ListDevices, a transform's result",
            format!(r#"{{"items":[{junk}],"total":1}}"#),
            decoding_ratio::<ListDevicesResponse>,
        ),
        (
            "ListDevices, a device's state.desired",
            format!(
                r#"{{"items":[{}],"total":1}}"#,
                device_with_state(&format!(r#"{{"desired":{{"junk":{junk}}}}}"#))
            ),
            decoding_ratio::<ListDevicesResponse>,
        ),
        (
            "ListMessages, a message payload",
            format!(
                r#"{{"items":[{{"deviceId":"nrf-1","receivedAt":"2024-01-02T03:04:05Z","topic":"t","tenantId":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","message":{{"junk":{junk}}}}}],"total":1}}"#
            ),
            decoding_ratio::<ListMessagesResponse>,
        ),
    ]
}

#[test]
fn hostile_open_json_costs_about_one_byte_per_byte() {
    // Was: 35 bytes per byte (a 60 MiB response took 2.2 GB).
    for (what, body, ratio) in hostile_documents(4 * MIB) {
        let r = ratio(body.as_bytes());
        // The text of the open JSON is copied once (the body itself is not counted).
        assert!(r < 1.5, "{what}: {r:.2} bytes per byte of JSON");
        // With the body: what a call holds at its peak.
        assert!(r + 1.0 < 3.0, "{what}: {r:.2}");
    }
}

/// Prints bytes of heap per byte of JSON for hostile and real shapes (not a test of a
/// bound: the figures are documented in the README).
#[test]
#[ignore]
fn expansion_factors() {
    let n = 8 * MIB;
    let mut rows: Vec<(String, f64)> = hostile_documents(n)
        .into_iter()
        .map(|(what, body, ratio)| (what.to_string(), ratio(body.as_bytes())))
        .collect();
    // Typed arrays the server could fill: the worst shapes of the generated types.
    let tags = {
        let mut s = String::from(r#"{"items":["#);
        while s.len() < n {
            s.push_str(r#""a","#);
        }
        s.push_str(r#""a"],"total":1}"#);
        s
    };
    rows.push((
        "ListDeviceTags, one-letter tags".into(),
        decoding_ratio::<ListDeviceTagsResponse>(tags.as_bytes()),
    ));
    let alerts = {
        let one = r#"{"id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","deviceId":"nrf-1","receivedAt":"2024-01-02T03:04:05Z","status":"ACTIVE","originalMessage":{}}"#;
        let mut s = String::from("[");
        while s.len() < n {
            s.push_str(one);
            s.push(',');
        }
        s.push_str(one);
        s.push(']');
        s
    };
    rows.push((
        "DeviceAlert array, small alerts".into(),
        decoding_ratio::<Vec<DeviceAlert>>(alerts.as_bytes()),
    ));
    let messages = {
        let one = r#"{"deviceId":"nrf-1","receivedAt":"2024-01-02T03:04:05Z","topic":"t","tenantId":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","message":{}}"#;
        let mut s = String::from("[");
        while s.len() < n {
            s.push_str(one);
            s.push(',');
        }
        s.push_str(one);
        s.push(']');
        s
    };
    rows.push((
        "DeviceMessage array, empty payloads".into(),
        decoding_ratio::<Vec<DeviceMessage>>(messages.as_bytes()),
    ));
    let account = {
        let mut keys = String::from("[");
        while keys.len() < n {
            keys.push_str("{},");
        }
        keys.push_str("{}]");
        format!(
            r#"{{"mqttEndpoint":"m","mqttTopicPrefix":"p/","role":"owner","tags":[],"team":{{"tenantId":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"}},"userId":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","plan":{{"name":"PRO","proxyUsageDeclarations":{{}},"serviceKeys":{keys}}}}}"#
        )
    };
    rows.push((
        "FetchAccountInfo, plan.serviceKeys of `{}` (an untagged union)".into(),
        decoding_ratio::<FetchAccountInfoResponse>(account.as_bytes()),
    ));
    rows.push((
        "FetchCharacteristicValue, [0,0,…] as numbers".into(),
        decoding_ratio::<Vec<f64>>(zeros(n).as_bytes()),
    ));
    // The same zeros as a `Value`, as every open object was decoded before.
    rows.push((
        "serde_json::Value, [0,0,…]".into(),
        decoding_ratio::<serde_json::Value>(zeros(n).as_bytes()),
    ));
    println!("| shape ({} MiB) | heap bytes per byte of JSON |", n / MIB);
    println!("| --- | --- |");
    for (what, r) in rows {
        println!("| {what} | {r:.2} |");
    }
}
