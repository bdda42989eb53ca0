//! The chunked A-GNSS download against a local scripted server: HEAD size, `Range` headers on
//! the wire, 206 fragments joined, a custom fragment size, a 200 full answer, 41600, a server
//! that trims fragments, Content-Range over HEAD, and every inconsistent answer refused
//! without looping.

use std::time::Duration;

use nrfcloud::agnss::{AgnssData, AgnssDownload, AgnssElementType};
use nrfcloud::types::GetAssistanceDataBody;
use nrfcloud::{Client, Error, NrfCode, RetryPolicy};
use nrfcloud_testkit::{Recorded, Recorder, Reply};
use serde_json::{Value, json};

/// Valid A-GNSS data: schema 1 and one element of `n` ephemerides (4 + 62·n bytes).
fn payload(n: u16) -> Vec<u8> {
    let mut v = vec![1, 2];
    v.extend(n.to_le_bytes());
    for sv in 0..n {
        v.extend((0..62u8).map(|i| i.wrapping_mul(7).wrapping_add(sv as u8)));
    }
    v
}

fn request() -> GetAssistanceDataBody {
    serde_json::from_value(json!({"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712})).unwrap()
}

fn client(server: &Recorder) -> Client {
    Client::builder()
        .base_url(&server.base)
        .jwt("test-jwt")
        .build()
        .unwrap()
}

fn head(size: usize) -> Reply {
    Reply::empty(200).header("content-length", size.to_string())
}

fn partial(data: &[u8], start: usize, end: usize, total: usize) -> Reply {
    Reply::bytes(206, "application/octet-stream", data[start..=end].to_vec())
        .header("content-range", format!("bytes {start}-{end}/{total}"))
}

fn ranges(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.header("range").to_string())
        .collect()
}

fn decode_reason(e: Error) -> String {
    match e {
        Error::Decode {
            operation, reason, ..
        } => {
            assert_eq!(operation, "GetAssistanceData");
            reason
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn head_size_then_206_fragments_joined() {
    let data = payload(80);
    assert_eq!(data.len(), 4964);
    let server = Recorder::start().await;
    server.then([
        head(4964),
        partial(&data, 0, 1699, 4964),
        partial(&data, 1700, 3399, 4964),
        partial(&data, 3400, 4963, 4964),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new().validate(true))
        .await
        .unwrap();
    assert_eq!(got, data);
    let parsed = AgnssData::parse(&got).unwrap();
    assert_eq!(parsed.entries(), vec![(AgnssElementType::Ephemerides, 80)]);

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    let h = &requests[0];
    assert_eq!(
        (h.method.as_str(), h.path.as_str()),
        ("HEAD", "/v1/location/agnss")
    );
    let query = h.query.clone().unwrap_or_default();
    for param in ["mcc=242", "mnc=2", "tac=2305", "eci=33703712"] {
        assert!(query.split('&').any(|p| p == param), "{param} in {query}");
    }
    assert_eq!(h.header("authorization"), "Bearer test-jwt");
    assert_eq!(
        ranges(&requests),
        ["bytes=0-1699", "bytes=1700-3399", "bytes=3400-4963"]
    );
    for r in &requests[1..] {
        assert_eq!(r.path, "/v1/location/agnss");
        assert_eq!(r.header("authorization"), "Bearer test-jwt");
        assert_eq!(r.header("accept"), "application/octet-stream");
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body.as_object().unwrap().len(), 4, "{body}");
        for (k, v) in [
            ("mcc", 242.0),
            ("mnc", 2.0),
            ("tac", 2305.0),
            ("eci", 33703712.0),
        ] {
            assert_eq!(body[k].as_f64(), Some(v), "{k} in {body}");
        }
    }
}

#[tokio::test]
async fn the_head_gets_every_body_field_as_a_query_parameter() {
    let server = Recorder::start().await;
    server.then([head(1)]);
    server.reply(
        Reply::bytes(206, "application/octet-stream", vec![1])
            .header("content-range", "bytes 0-0/1"),
    );
    let body: GetAssistanceDataBody = serde_json::from_value(json!({
        "types": [1, 2], "mcc": 310, "mnc": 120, "tac": 13601, "eci": 167899669,
        "rsrp": -90, "filtered": true, "mask": 5
    }))
    .unwrap();
    client(&server)
        .location()
        .agnss(body, AgnssDownload::new())
        .await
        .unwrap();
    let requests = server.requests();
    let query = requests[0].query.clone().unwrap_or_default();
    let names: Vec<&str> = query
        .split('&')
        .filter_map(|p| p.split('=').next())
        .collect();
    for name in [
        "types", "mcc", "mnc", "tac", "eci", "rsrp", "filtered", "mask",
    ] {
        assert!(names.contains(&name), "{name} in {query}");
    }
    assert!(
        query.contains("filtered=true") && query.contains("eci=167899669"),
        "{query}"
    );
    println!("HEAD query: {query}");
    let post: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(post["eci"], 167899669);
    assert_eq!(post["filtered"], true);
}

#[tokio::test]
async fn a_custom_fragment_size() {
    let data: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
    let server = Recorder::start().await;
    server.then([
        head(2500),
        partial(&data, 0, 999, 2500),
        partial(&data, 1000, 1999, 2500),
        partial(&data, 2000, 2499, 2500),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new().fragment_size(1000))
        .await
        .unwrap();
    assert_eq!(got, data);
    assert_eq!(
        ranges(&server.requests()),
        ["bytes=0-999", "bytes=1000-1999", "bytes=2000-2499"]
    );
}

#[tokio::test]
async fn a_file_smaller_than_one_fragment_is_one_request() {
    let data = payload(20);
    assert_eq!(data.len(), 1244);
    let server = Recorder::start().await;
    server.then([head(data.len()), partial(&data, 0, 1243, 1244)]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap();
    assert_eq!(got, data);
    assert_eq!(ranges(&server.requests()), ["bytes=0-1243"]);
}

#[tokio::test]
async fn a_200_answer_is_the_whole_file() {
    let data = payload(80);
    let server = Recorder::start().await;
    server.then([
        head(data.len()),
        Reply::bytes(200, "application/octet-stream", data.clone()),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new().validate(true))
        .await
        .unwrap();
    assert_eq!(got, data);
    assert_eq!(ranges(&server.requests()), ["bytes=0-1699"]);
}

#[tokio::test]
async fn a_200_after_fragments_must_agree_with_them() {
    let data = payload(80);
    let server = Recorder::start().await;
    server.then([
        head(data.len()),
        partial(&data, 0, 1699, 4964),
        Reply::bytes(200, "application/octet-stream", data.clone()),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap();
    assert_eq!(got, data, "the whole file replaces the fragments");

    let mut other = data.clone();
    other[10] ^= 0xFF;
    server.then([
        head(data.len()),
        partial(&data, 0, 1699, 4964),
        Reply::bytes(200, "application/octet-stream", other),
    ]);
    let e = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap_err();
    assert!(decode_reason(e).contains("does not begin with the fragments"));
}

#[tokio::test]
async fn range_not_satisfiable_is_an_api_error() {
    let server = Recorder::start().await;
    server.then([
        head(4964),
        Reply::json(
            416,
            json!({"code": 41600, "message": "Range Not Satisfiable"}),
        ),
    ]);
    let e = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap_err();
    let api = e.api().expect("an API error");
    assert_eq!(api.status, 416);
    assert_eq!(api.code, Some(NrfCode::RangeNotSatisfiable));
    assert_eq!(api.operation, "GetAssistanceData");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_head_error_stops_the_download() {
    let server = Recorder::start().await;
    server.then([Reply::empty(401)]);
    let e = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap_err();
    assert_eq!(
        e.api().map(|a| (a.status, a.operation)),
        Some((401, "GetAssistanceDataSize"))
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_server_that_trims_fragments_to_whole_records() {
    // Trimmed to whole ephemerides: 4 + 27·62 = 1678, then 1678 + 27·62 = 3352, ...
    let data = payload(80);
    let server = Recorder::start().await;
    server.then([
        head(4964),
        partial(&data, 0, 1677, 4964),
        partial(&data, 1678, 3351, 4964),
        partial(&data, 3352, 4963, 4964),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new().validate(true))
        .await
        .unwrap();
    assert_eq!(got, data);
    assert_eq!(
        ranges(&server.requests()),
        ["bytes=0-1699", "bytes=1678-3377", "bytes=3352-4963"]
    );
}

#[tokio::test]
async fn content_range_total_wins_over_the_head_size() {
    let data = payload(80);
    let server = Recorder::start().await;
    // The HEAD says 6000, the fragments say 4964.
    server.then([
        head(6000),
        partial(&data, 0, 1699, 4964),
        partial(&data, 1700, 3399, 4964),
        partial(&data, 3400, 4963, 4964),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap();
    assert_eq!(got, data);
    assert_eq!(
        ranges(&server.requests()),
        ["bytes=0-1699", "bytes=1700-3399", "bytes=3400-4963"]
    );

    // The HEAD says less than there is.
    server.then([
        head(2000),
        partial(&data, 0, 1699, 4964),
        partial(&data, 1700, 3399, 4964),
        partial(&data, 3400, 4963, 4964),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap();
    assert_eq!(got, data);
    assert_eq!(
        ranges(&server.requests())[3..],
        ["bytes=0-1699", "bytes=1700-3399", "bytes=3400-4963"]
    );
}

#[tokio::test]
async fn without_a_head_size_the_total_comes_from_content_range() {
    // An empty HEAD answer: the server stack sends `Content-Length: 0`, taken as unknown.
    let data = payload(30);
    let server = Recorder::start().await;
    server.then([
        Reply::empty(200),
        partial(&data, 0, 1699, 1864),
        partial(&data, 1700, 1863, 1864),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap();
    assert_eq!(got, data);
    let requests = server.requests();
    assert_eq!(requests[0].method, "HEAD");
    assert_eq!(ranges(&requests), ["bytes=0-1699", "bytes=1700-1863"]);
}

#[tokio::test]
async fn no_total_anywhere_is_an_error_not_a_loop() {
    let data = payload(30);
    let cases = [
        (
            Reply::bytes(206, "application/octet-stream", data[..100].to_vec())
                .header("content-range", "bytes 0-99/*"),
            "neither the HEAD (Content-Length) nor Content-Range gives the total size",
        ),
        (
            Reply::bytes(206, "application/octet-stream", data[..100].to_vec()),
            "206 answer to bytes=0-1699 without Content-Range",
        ),
    ];
    for (reply, reason) in cases {
        let server = Recorder::start().await;
        server.then([Reply::empty(200), reply]);
        server.reply(Reply::json(
            500,
            json!({"message": "no more requests expected"}),
        ));
        let e = client(&server)
            .location()
            .agnss(request(), AgnssDownload::new())
            .await
            .unwrap_err();
        let got = decode_reason(e);
        assert!(got.contains(reason), "{got:?} should contain {reason:?}");
        assert_eq!(server.count(), 2);
    }
}

#[tokio::test]
async fn an_unreadable_head_size_is_a_decode_error() {
    let server = Recorder::start().await;
    server.then([Reply::empty(200).header("content-length", "not-a-number")]);
    let result = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await;
    match result {
        Err(Error::Decode {
            operation: "GetAssistanceDataSize",
            reason,
            ..
        }) => assert!(reason.contains("bad Content-Length"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn inconsistent_ranges_are_decode_errors() {
    let data = payload(80);
    let cases: Vec<(Reply, &str)> = vec![
        (
            partial(&data, 100, 1799, 4964),
            "asked for bytes=0-1699, the server sent bytes 100-1799",
        ),
        (
            Reply::bytes(206, "application/octet-stream", data[..1000].to_vec())
                .header("content-range", "bytes 0-1699/4964"),
            "announces 1700 bytes, the body has 1000",
        ),
        (
            Reply::bytes(206, "application/octet-stream", data[..1700].to_vec())
                .header("content-range", "bytes 0-1699/1000"),
            "ends past its total",
        ),
        (
            Reply::bytes(206, "application/octet-stream", data[..1700].to_vec())
                .header("content-range", "bytes=0-1699/4964"),
            "bad Content-Range",
        ),
        (
            Reply::bytes(206, "application/octet-stream", data[..100].to_vec())
                .header("content-range", "bytes 0-99/*"),
            "",
        ),
        (
            Reply::bytes(206, "application/octet-stream", data[..1800].to_vec())
                .header("content-range", "bytes 0-1799/4964"),
            "longer than the 1700 bytes expected",
        ),
        (
            Reply::bytes(206, "application/octet-stream", Vec::new()),
            "without Content-Range and without bytes",
        ),
        (
            Reply::bytes(206, "application/octet-stream", Vec::new())
                .header("content-range", "bytes 0--1/4964"),
            "bad Content-Range",
        ),
        (
            Reply::empty(204),
            "a success status the API document does not declare",
        ),
    ];
    for (reply, reason) in cases {
        let server = Recorder::start().await;
        server.then([head(4964), reply.clone()]);
        // Anything further would show a loop: answer it with an error.
        server.reply(Reply::json(
            500,
            json!({"message": "no more requests expected"}),
        ));
        let result = client(&server)
            .location()
            .agnss(request(), AgnssDownload::new())
            .await;
        if reason.is_empty() {
            // `*` as total is fine while the HEAD size is known: the download goes on.
            assert!(server.count() > 2);
            continue;
        }
        let e = result.expect_err(reason);
        let text = e.to_string();
        let got = decode_reason(e);
        assert!(got.contains(reason), "{got:?} should contain {reason:?}");
        assert_eq!(
            server.count(),
            2,
            "no further request after {reason:?}: {text}"
        );
    }
}

#[tokio::test]
async fn validation_rejects_bad_data_and_size_limits_hold() {
    let mut bad = payload(30);
    bad[1] = 0xFD;
    let server = Recorder::start().await;
    server.then([
        head(bad.len()),
        partial(&bad, 0, 1699, 1864),
        partial(&bad, 1700, 1863, 1864),
    ]);
    let e = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new().validate(true))
        .await
        .unwrap_err();
    let reason = decode_reason(e);
    assert!(
        reason.starts_with("invalid A-GNSS data: unsupported A-GNSS element type 253 at offset 1"),
        "{reason}"
    );

    // Without validation, the same bytes come back as they are.
    server.then([
        head(bad.len()),
        partial(&bad, 0, 1699, 1864),
        partial(&bad, 1700, 1863, 1864),
    ]);
    let got = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap();
    assert_eq!(got, bad);

    // Over the size limit: nothing is downloaded.
    let before = server.count();
    server.then([head(1_000_000)]);
    let e = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new().max_size(100_000))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_eq!(server.count(), before + 1);

    // A fragment size of 0 is refused before sending anything.
    let e = client(&server)
        .location()
        .agnss(request(), AgnssDownload::new().fragment_size(0))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput { ref field, .. } if field == "fragment_size"),
        "{e:?}"
    );
    assert_eq!(server.count(), before + 1);
}

#[tokio::test]
async fn fragments_are_retried_and_carry_the_custom_device_id() {
    let data = payload(30);
    let server = Recorder::start().await;
    server.then([
        head(data.len()),
        partial(&data, 0, 1699, 1864),
        Reply::json(503, json!({"message": "busy"})),
        partial(&data, 1700, 1863, 1864),
    ]);
    let client = Client::builder()
        .base_url(&server.base)
        .evaluation_token("eval-token")
        .retry(
            RetryPolicy::standard()
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let got = client
        .location()
        .agnss(
            request(),
            AgnssDownload::new().custom_device_id("my-device-12345".parse().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(got, data);
    let requests = server.requests();
    assert_eq!(
        ranges(&requests),
        ["bytes=0-1699", "bytes=1700-1863", "bytes=1700-1863"],
        "the POST fragment was retried after the 503"
    );
    for r in requests.iter().filter(|r| r.method == "POST") {
        assert_eq!(r.header("x-custom-device-id"), "my-device-12345");
        assert_eq!(r.header("authorization"), "Bearer eval-token");
    }
}

#[tokio::test]
async fn a_fragment_over_the_clients_size_limit_is_response_too_large() {
    // The client's one body cap (`max_response_bytes`) holds for A-GNSS fragments too, and a
    // hit is reported as such, not as a transport failure.
    let data = payload(80);
    let server = Recorder::start().await;
    server.then([
        head(data.len()),
        Reply::bytes(200, "application/octet-stream", data.clone()),
    ]);
    let client = Client::builder()
        .base_url(&server.base)
        .jwt("test-jwt")
        .max_response_bytes(1000)
        .build()
        .unwrap();
    let err = client
        .location()
        .agnss(request(), AgnssDownload::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                operation: "GetAssistanceData",
                status: 200,
                limit: 1000
            }
        ),
        "{err:?}"
    );
}
