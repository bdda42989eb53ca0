//! Firmware bundles (zip upload with manifest.json checks) and FOTA jobs whose executions move
//! through their statuses over time.

use std::io::Write;
use std::time::Duration;

use base64::Engine;
use nrfcloud_mock::MockConfig;
use nrfcloud_mock::test_support::fota_execution_fails;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Api, fast, send};

fn bundle_zip(manifest: &Value, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    w.start_file("manifest.json", options).expect("start");
    w.write_all(manifest.to_string().as_bytes()).expect("write");
    for (name, bytes) in files {
        w.start_file(*name, options).expect("start");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn app_bundle(version: &str) -> Vec<u8> {
    bundle_zip(
        &json!({"name": "app", "fwversion": version, "format-version": 1,
                "files": [{"file": "app_update.bin", "type": "application", "size": 4}]}),
        &[("app_update.bin", b"\x01\x02\x03\x04")],
    )
}

async fn upload(api: &Api, zip: Vec<u8>) -> String {
    let r = send(
        api.key(Method::POST, "/firmwares")
            .header("content-type", "application/zip")
            .body(zip),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let list = send(api.key(Method::GET, "/firmwares")).await.json();
    list["items"][0]["bundleId"]
        .as_str()
        .expect("bundleId")
        .to_owned()
}

#[tokio::test]
async fn upload_list_and_delete_bundles() {
    let api = Api::with(fast(0)).await;
    let r = send(
        api.key(Method::POST, "/firmwares")
            .header("content-type", "application/octet-stream")
            .body(app_bundle("1.0.0")),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let uri = r.json()["uris"][0].as_str().expect("uri").to_owned();
    let file = send(api.http.get(format!("{}/{uri}", api.server.base_url()))).await;
    assert_eq!(file.bytes, b"\x01\x02\x03\x04");
    let b64 = base64::engine::general_purpose::STANDARD.encode(app_bundle("1.0.1"));
    let r = send(
        api.key(Method::POST, "/firmwares")
            .header("content-type", "text/plain;charset=ASCII")
            .body(b64),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    let list = send(api.key(Method::GET, "/firmwares")).await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    let first = &list["items"][0];
    assert_eq!(first["version"], "1.0.1");
    assert_eq!(first["type"], "APP");
    assert_eq!(first["size"], 4);
    let id = first["bundleId"].as_str().expect("bundleId");
    assert!(id.starts_with("APP*") && id.ends_with("*1.0.1"), "{id}");
    let encoded: String = id.replace('*', "%2A");
    assert_eq!(
        send(api.key(Method::DELETE, &format!("/firmwares/{encoded}")))
            .await
            .status,
        202
    );
    assert_eq!(
        send(api.key(Method::DELETE, &format!("/firmwares/{encoded}")))
            .await
            .status,
        404
    );
    let modem = send(api.key(Method::GET, "/firmwares?modemOnly=true"))
        .await
        .json();
    assert_eq!(modem["items"][0]["type"], "MODEM");
}

#[tokio::test]
async fn manifests_are_checked() {
    let api = Api::with(fast(0)).await;
    let cases = [
        (
            bundle_zip(
                &json!({"fwversion": "1 0", "format-version": 1, "files": [{"file": "a.bin", "type": "application", "size": 1}]}),
                &[("a.bin", b"a")],
            ),
            "fwversion",
        ),
        (
            bundle_zip(
                &json!({"fwversion": "1", "format-version": 2, "files": [{"file": "a.bin", "type": "application", "size": 1}]}),
                &[("a.bin", b"a")],
            ),
            "format-version",
        ),
        (
            bundle_zip(
                &json!({"fwversion": "1", "format-version": 1, "files": [{"file": "a.hex", "type": "application", "size": 1}]}),
                &[("a.hex", b"a")],
            ),
            ".bin",
        ),
        (
            bundle_zip(
                &json!({"fwversion": "1", "format-version": 1, "files": [{"file": "a.bin", "type": "modem", "size": 1}]}),
                &[("a.bin", b"a")],
            ),
            "type",
        ),
        (
            bundle_zip(
                &json!({"fwversion": "1", "format-version": 1, "files": [{"file": "missing.bin", "type": "application", "size": 1}]}),
                &[],
            ),
            "missing.bin",
        ),
        (b"PK not really".to_vec(), "zip"),
    ];
    for (zip, word) in cases {
        let r = send(
            api.key(Method::POST, "/firmwares")
                .header("content-type", "application/zip")
                .body(zip),
        )
        .await;
        assert_eq!((r.status, r.code()), (422, Some(42200)), "{word}");
        let message = r.json()["message"].as_str().expect("message").to_owned();
        assert!(message.contains(word), "{message} should mention {word}");
    }
    let r = send(
        api.key(Method::POST, "/firmwares")
            .header("content-type", "text/plain")
            .body("%%% not base64"),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        api.key(Method::POST, "/firmwares")
            .header("content-type", "text/csv")
            .body(app_bundle("1")),
    )
    .await;
    assert_eq!(r.status, 422);
}

async fn wait_job(api: &Api, job_id: &str) -> Value {
    for _ in 0..300 {
        let job = send(api.key(Method::GET, &format!("/fota-jobs/{job_id}")))
            .await
            .json();
        if job["completedAt"].is_string() {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {job_id} never finished");
}

#[tokio::test]
async fn fota_jobs_reach_terminal_statuses() {
    let api = Api::with(MockConfig {
        fota_failure_percent: 50,
        fota_step: Duration::from_millis(150),
        ..fast(8)
    })
    .await;
    let bundle = upload(&api, app_bundle("2.0.0")).await;
    let r = send(
        api.key(Method::POST, "/fota-jobs")
            .json(&json!({"bundleId": bundle, "tags": ["even"], "name": "rollout"})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let job_id = r.json()["jobId"].as_str().expect("jobId").to_owned();
    let job = send(api.key(Method::GET, &format!("/fota-jobs/{job_id}")))
        .await
        .json();
    assert!(
        ["QUEUED", "IN_PROGRESS"].contains(&job["status"].as_str().unwrap_or_default()),
        "{job}"
    );
    assert_eq!(job["executionStats"]["executions"], 4);
    let done = wait_job(&api, &job_id).await;
    let statuses = send(api.key(
        Method::GET,
        &format!("/fota-job-execution-statuses/{job_id}"),
    ))
    .await
    .json();
    let mut failed = 0;
    for item in statuses["items"].as_array().expect("items") {
        let device = item["deviceId"].as_str().expect("deviceId");
        let expected = if fota_execution_fails(device, 50) {
            "FAILED"
        } else {
            "SUCCEEDED"
        };
        failed += usize::from(expected == "FAILED");
        assert_eq!(item["status"], expected, "{device}");
    }
    let expected_job = match failed {
        0 => "SUCCEEDED",
        4 => "FAILED",
        _ => "COMPLETED",
    };
    assert_eq!(done["status"], expected_job);
    assert_eq!(done["executionStats"]["completedExecutions"], 4);
    assert_eq!(done["firmware"]["bundleId"], bundle.as_str());
    let r = send(api.key(
        Method::GET,
        &format!("/fota-job-execution-statuses/{job_id}?status=SUCCEEDED"),
    ))
    .await
    .json();
    assert_eq!(r["items"].as_array().map(Vec::len), Some(4 - failed));
    let device = "nrf-352656100000000";
    let execs = send(api.key(Method::GET, &format!("/fota-job-executions/{device}")))
        .await
        .json();
    assert_eq!(execs["items"][0]["jobId"], job_id.as_str());
    assert!(
        execs["items"][0]["jobDocument"]["path"]
            .as_str()
            .expect("path")
            .contains("app_update.bin")
    );
    let r = send(api.key(Method::PUT, &format!("/fota-jobs/{job_id}/cancel"))).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        send(api.key(Method::DELETE, &format!("/fota-jobs/{job_id}")))
            .await
            .status,
        202
    );
    assert_eq!(
        send(api.key(Method::GET, &format!("/fota-jobs/{job_id}")))
            .await
            .status,
        404
    );
    let r = send(api.key(
        Method::GET,
        &format!("/fota-job-executions/{device}/{job_id}"),
    ))
    .await;
    assert_eq!(r.status, 200, "executions outlive their job");
}

#[tokio::test]
async fn manual_apply_device_reports_and_cancel() {
    let api = Api::with(MockConfig {
        fota_step: Duration::from_secs(3600),
        ..fast(2)
    })
    .await;
    let device = "nrf-352656100000001";
    let bundle = upload(&api, app_bundle("3.0.0")).await;
    let r = send(
        api.key(Method::POST, "/fota-jobs")
            .json(&json!({"bundleId": bundle, "deviceIds": [device], "autoApply": false})),
    )
    .await;
    let job_id = r.json()["jobId"].as_str().expect("jobId").to_owned();
    assert_eq!(
        send(api.key(Method::GET, &format!("/fota-jobs/{job_id}")))
            .await
            .json()["status"],
        "CREATED"
    );
    let r = send(api.key(
        Method::GET,
        &format!("/fota-job-executions/{device}/current"),
    ))
    .await;
    assert_eq!((r.status, r.code()), (404, Some(40499)));
    assert_eq!(
        send(api.key(Method::POST, &format!("/fota-jobs/{job_id}/apply")))
            .await
            .status,
        202
    );
    assert_eq!(
        send(api.key(Method::POST, &format!("/fota-jobs/{job_id}/apply")))
            .await
            .status,
        400
    );

    let key = api.server.state().device_key(device).expect("key");
    let jwt = key.device_jwt(device, Duration::from_secs(60));
    let current = send(api.bearer(
        Method::GET,
        &format!("/fota-job-executions/{device}/current"),
        &jwt,
    ))
    .await;
    assert_eq!(current.status, 200);
    assert_eq!(current.json()["status"], "QUEUED");
    let path = format!("/fota-job-executions/{device}/{job_id}");
    let r = send(
        api.bearer(Method::PATCH, &path, &jwt)
            .json(&json!({"status": "IN_PROGRESS"})),
    )
    .await;
    assert_eq!(r.status, 202);
    let r = send(
        api.bearer(Method::PATCH, &path, &jwt)
            .json(&json!({"status": "DONE"})),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        send(api.key(Method::GET, &format!("/fota-jobs/{job_id}")))
            .await
            .json()["status"],
        "IN_PROGRESS"
    );

    let r = send(api.key(
        Method::PUT,
        &format!("/fota-jobs/{job_id}/cancel?reason=stop"),
    ))
    .await;
    assert_eq!(r.status, 202);
    let job = send(api.key(Method::GET, &format!("/fota-jobs/{job_id}")))
        .await
        .json();
    assert_eq!(
        (job["status"].as_str(), job["statusDetail"].as_str()),
        (Some("CANCELLED"), Some("stop"))
    );
    let exec = send(api.key(Method::GET, &path)).await.json();
    assert_eq!(exec["status"], "CANCELLED");
    let r = send(
        api.bearer(Method::PATCH, &path, &jwt)
            .json(&json!({"status": "SUCCEEDED"})),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(
        api.key(Method::POST, "/fota-jobs")
            .json(&json!({"bundleId": "APP*00000000*9", "deviceIds": [device]})),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = send(
        api.key(Method::POST, "/fota-jobs")
            .json(&json!({"bundleId": bundle})),
    )
    .await;
    assert_eq!(r.status, 422);
    let jobs = send(api.key(Method::GET, "/fota-jobs")).await.json();
    assert_eq!(jobs["items"].as_array().map(Vec::len), Some(1));
}

/// The document: a bundle id is "the concatenation of firmware type, random string, and
/// firmware version". The canned modem bundles are of type MODEM, so their ids say MODEM.
#[tokio::test]
async fn canned_modem_bundle_ids_start_with_their_type() {
    let api = Api::with(fast(0)).await;
    let modem = send(api.key(Method::GET, "/firmwares?modemOnly=true"))
        .await
        .json();
    let items = modem["items"].as_array().expect("items");
    assert!(!items.is_empty());
    for bundle in items {
        let id = bundle["bundleId"].as_str().expect("bundleId");
        let parts: Vec<&str> = id.splitn(3, '*').collect();
        assert_eq!(parts.len(), 3, "{id}");
        assert_eq!(parts[0], bundle["type"].as_str().expect("type"), "{id}");
        assert!(
            parts[1].len() == 8 && parts[1].chars().all(|c| c.is_ascii_alphanumeric()),
            "{id}"
        );
        assert_eq!(
            parts[2],
            bundle["version"].as_str().expect("version"),
            "{id}"
        );
    }
}

/// A CreateFOTAJob body with `"autoApply": "false"` (a string) is answered with the field
/// that is wrong, not with a property another alternative of the anyOf requires.
#[tokio::test]
async fn create_fota_job_names_the_wrong_field() {
    let api = Api::with(fast(1)).await;
    let r = send(api.key(Method::POST, "/fota-jobs").json(&json!({
        "bundleId": "APP*1e29f2c5*v1.0.0",
        "tags": ["kitchen"],
        "autoApply": "false"
    })))
    .await;
    assert_eq!((r.status, r.code()), (422, Some(42200)));
    let message = r.json()["message"].as_str().expect("message").to_owned();
    assert!(
        message.contains("body.autoApply must be a boolean"),
        "{message}"
    );
    assert!(!message.contains("deviceIdentifiers"), "{message}");
}
