//! The bulk-ops error file (`errorSummaryUrl`) on the wire: the API is a scripted server
//! (submit, then a FAILED bulk-ops request pointing at the file), the file comes from a
//! second host. The format Nordic's own onboarding tool reads, the older object form, a file
//! in neither format, and a hostile, huge file; every row ends up in the report.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nrfcloud::onboarding::{
    BulkOptions, BulkReport, DEFAULT_MAX_ERROR_SUMMARY_BYTES, DeviceCredential, OnboardingRow,
};
use nrfcloud::runtime::PollOptions;
use nrfcloud::{Client, Error, Limit};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::json;

const REQUEST_ID: &str = "01J00000000000000000000BKZ";
const KEY: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ\n-----END PUBLIC KEY-----\n";

/// No test here needs more than a few seconds; past this it is hanging.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn guarded<T>(body: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, body)
        .await
        .expect("the test hung past its guard")
}

fn rows(n: usize) -> Vec<OnboardingRow> {
    (0..n)
        .map(|i| {
            OnboardingRow::new(
                format!("nrf-row-{i}"),
                DeviceCredential::PublicKey(KEY.into()),
            )
        })
        .collect()
}

fn fast() -> BulkOptions {
    BulkOptions {
        poll: PollOptions {
            interval: Duration::from_millis(1),
            max_interval: Duration::from_millis(5),
            timeout: Duration::from_secs(30),
        },
        ..Default::default()
    }
}

/// Scripts the API: the submission is accepted, and the request is FAILED with its error
/// summary at `summary_url`.
fn script_failed_request(api: &Recorder, summary_url: &str) {
    api.then([
        Reply::json(202, json!({"bulkOpsRequestId": REQUEST_ID})),
        Reply::json(
            200,
            json!({
                "bulkOpsRequestId": REQUEST_ID, "endpoint": "ONBOARD_DEVICES",
                "requestedAt": "2026-01-01T00:00:00.000Z", "completedAt": "2026-01-01T00:00:01.000Z",
                "status": "FAILED", "uploadedDataUrl": "https://files.example/upload.csv",
                "errorSummaryUrl": summary_url,
            }),
        ),
    ]);
}

async fn onboard_with_summary(
    summary: Reply,
    n: usize,
    client_limit: Option<u64>,
) -> (Result<BulkReport, Error>, Recorder) {
    let api = Recorder::start().await;
    let files = Recorder::start().await;
    files.reply(summary);
    script_failed_request(
        &api,
        &format!("{}/bulk/{REQUEST_ID}/errors.json", files.base),
    );
    let mut builder = Client::builder().base_url(&api.base).api_key("key");
    if let Some(limit) = client_limit {
        builder = builder.max_response_bytes(limit);
    }
    let client = builder.build().unwrap();
    let report = client.onboarding().devices(rows(n), fast()).await;
    assert!(
        files.last().headers.get("authorization").is_none(),
        "the summary is fetched without the API key"
    );
    (report, files)
}

fn failed(report: &BulkReport) -> Vec<(&str, &str)> {
    report
        .failed
        .iter()
        .map(|f| (f.device_id.as_str(), f.reason.as_str()))
        .collect()
}

#[tokio::test]
async fn the_format_nordics_tool_reads_maps_0_based_rows_to_device_ids() {
    guarded(async {
        let file = json!({"errors": [
            "[0]: Device nrf-row-0 already exists.",
            "[3]: Invalid certificate.",
            "[9]: a row this request does not have",
        ]});
        let (report, _) = onboard_with_summary(Reply::json(200, file), 5, None).await;
        let report = report.unwrap();
        assert_eq!(
            failed(&report),
            [
                ("nrf-row-0", "Device nrf-row-0 already exists."),
                ("nrf-row-3", "Invalid certificate.")
            ]
        );
        assert_eq!(report.succeeded, ["nrf-row-1", "nrf-row-2", "nrf-row-4"]);
        assert_eq!(report.unmapped_errors.len(), 1, "kept, not dropped");
        let unmapped = &report.unmapped_errors[0];
        assert_eq!(unmapped.request_id, REQUEST_ID);
        assert_eq!(unmapped.text, "[9]: a row this request does not have");
        assert!(unmapped.reason.contains("past the request's 5 rows"));
    })
    .await;
}

#[tokio::test]
async fn the_older_object_form_is_still_mapped() {
    guarded(async {
        let file = json!({
            "bulkOpsRequestId": REQUEST_ID, "endpoint": "ONBOARD_DEVICES", "totalRows": 4,
            "failedRows": 2,
            "errors": [
                {"row": 2, "deviceId": null, "message": "bad tag"},
                {"row": 1, "deviceId": "NRF-ROW-3", "message": "already onboarded"},
            ],
        });
        let (report, _) = onboard_with_summary(Reply::json(200, file), 4, None).await;
        let report = report.unwrap();
        assert_eq!(
            failed(&report),
            [("nrf-row-1", "bad tag"), ("nrf-row-3", "already onboarded")]
        );
        assert_eq!(report.succeeded, ["nrf-row-0", "nrf-row-2"]);
        assert!(report.unmapped_errors.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_file_in_neither_format_keeps_its_text_and_every_row() {
    guarded(async {
        let html = "<html><body>Internal error</body></html>";
        let (report, _) = onboard_with_summary(Reply::bytes(200, "text/html", html), 3, None).await;
        let report = report.unwrap();
        assert!(report.succeeded.is_empty());
        assert_eq!(report.failed.len(), 3, "no row lost");
        assert!(
            report
                .failed
                .iter()
                .all(|f| f.reason.contains("could not be read")),
            "{:?}",
            report.failed
        );
        assert_eq!(report.unmapped_errors.len(), 1);
        assert_eq!(report.unmapped_errors[0].text, html, "the raw text");
        assert!(
            report.unmapped_errors[0]
                .reason
                .contains("neither known format"),
            "{}",
            report.unmapped_errors[0].reason
        );

        // Strings in another wording: each is kept, and the rows of the FAILED request are
        // reported as failed, pointing at them.
        let file = json!({"errors": ["row 1: bad", "row 2: bad"]});
        let (report, _) = onboard_with_summary(Reply::json(200, file), 2, None).await;
        let report = report.unwrap();
        assert_eq!(report.failed.len(), 2);
        assert!(report.failed[0].reason.contains("names none of its rows"));
        assert_eq!(report.unmapped_errors.len(), 2);
    })
    .await;
}

/// A server whose file is `{"errors": [0,0,0,…` for up to `total` bytes, chunked (no
/// Content-Length), until the client stops reading. Returns its URL and the bytes it wrote.
async fn endless_summary(total: u64) -> (String, Arc<AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/bulk/{REQUEST_ID}/errors.json",
        listener.local_addr().unwrap()
    );
    let written = Arc::new(AtomicU64::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let mut chunk = b"{\"errors\": [0".to_vec();
        chunk.extend(",0".repeat(32 * 1024).into_bytes());
        let mut sent = 0u64;
        while sent < total {
            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
            frame.extend_from_slice(&chunk);
            frame.extend_from_slice(b"\r\n");
            if socket.write_all(&frame).await.is_err() {
                return; // the client stopped reading
            }
            sent += chunk.len() as u64;
            count.store(sent, Ordering::SeqCst);
            chunk = ",0".repeat(32 * 1024).into_bytes();
        }
        let _ = socket.write_all(b"1\r\n]\r\n1\r\n}\r\n0\r\n\r\n").await;
    });
    (url, written)
}

#[tokio::test]
async fn error_summary_of_64_mib_of_zeros() {
    guarded(async {
        const HOSTILE: u64 = 64 << 20;
        // The default summary limit (4 MiB), under the client's default of 8 MiB.
        let api = Recorder::start().await;
        let (url, written) = endless_summary(HOSTILE).await;
        script_failed_request(&api, &url);
        let client = Client::builder()
            .base_url(&api.base)
            .api_key("key")
            .build()
            .unwrap();
        let err = client
            .onboarding()
            .devices(rows(3), fast())
            .await
            .map(|r| (r.failed.len(), r.unmapped_errors.len()))
            .unwrap_err();
        match &err {
            Error::LimitExceeded {
                operation: "download_error_summary",
                limit: Limit::ErrorSummaryBytes(max),
            } => assert_eq!(*max, DEFAULT_MAX_ERROR_SUMMARY_BYTES),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("max_error_summary_bytes"), "{err}");
        // The server could push what the socket buffers hold past the limit, not the file.
        let sent = written.load(Ordering::SeqCst);
        assert!(
            sent < 16 << 20,
            "{sent} bytes were sent: read past the limit"
        );

        // The client's own limit, smaller than the summary's, holds too.
        let api = Recorder::start().await;
        let (url, written) = endless_summary(HOSTILE).await;
        script_failed_request(&api, &url);
        let client = Client::builder()
            .base_url(&api.base)
            .api_key("key")
            .max_response_bytes(1 << 20)
            .build()
            .unwrap();
        let err = client
            .onboarding()
            .devices(rows(3), fast())
            .await
            .map(|r| (r.failed.len(), r.unmapped_errors.len()))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ResponseTooLarge {
                    operation: "download_error_summary",
                    status: 200,
                    limit: 1048576
                }
            ),
            "{err:?}"
        );
        let sent = written.load(Ordering::SeqCst);
        assert!(
            sent < 16 << 20,
            "{sent} bytes were sent: read past the limit"
        );

        // A file announced larger than the limit is not read at all.
        let (report, files) = onboard_with_summary(
            Reply::bytes(200, "application/json", vec![b' '; 5 << 20]),
            3,
            None,
        )
        .await;
        assert!(
            matches!(report, Err(Error::LimitExceeded { .. })),
            "{report:?}"
        );
        assert_eq!(files.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn download_url_honours_the_clients_max_response_bytes() {
    guarded(async {
        let files = Recorder::start().await;
        files.reply(Reply::bytes(
            200,
            "application/octet-stream",
            vec![7; 300_000],
        ));
        let client = Client::builder()
            .base_url(&files.base)
            .max_response_bytes(100_000)
            .build()
            .unwrap();
        let err = client
            .download_url(&format!("{}/big.bin", files.base))
            .await
            .map(|b| b.len())
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ResponseTooLarge {
                    operation: "download_url",
                    limit: 100_000,
                    ..
                }
            ),
            "{err:?}"
        );
        let client = Client::builder()
            .base_url(&files.base)
            .max_response_bytes(300_000)
            .build()
            .unwrap();
        let body = client
            .download_url(&format!("{}/big.bin", files.base))
            .await
            .unwrap();
        assert_eq!(body.len(), 300_000);
    })
    .await;
}
