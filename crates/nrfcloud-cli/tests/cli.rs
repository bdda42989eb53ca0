//! End-to-end tests of the built `nrfcloud` binary against the mock nRF Cloud (embedded in
//! this test process): every workflow command, every output format, and bad input (an
//! invalid id, an invalid JSONata expression, no credential, an unreachable host, a malformed
//! CSV row), each with its message and exit code, and nothing sent when the input is invalid.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use nrfcloud_mock::test_support::KeyPair;
use nrfcloud_mock::{MockConfig, MockServer};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nrfcloud");
const DEVICE: &str = "nrf-352656100000000";

/// A mock and a scratch directory (with its own config file).
struct Env {
    server: MockServer,
    dir: tempfile::TempDir,
}

async fn env_with(config: MockConfig) -> Env {
    let server = MockServer::start_with(config).await.expect("mock starts");
    Env {
        server,
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

async fn env(devices: usize) -> Env {
    env_with(MockConfig {
        devices,
        bulk_ops_delay: Duration::from_millis(20),
        fota_step: Duration::from_millis(20),
        fota_failure_percent: 0,
        ..Default::default()
    })
    .await
}

/// The binary with a clean environment: no key, no profile, a private config file.
fn bare(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("NRFCLOUD_") {
            c.env_remove(k);
        }
    }
    c.env("NRFCLOUD_CONFIG", dir.join("config.toml"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

impl Env {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary pointed at the mock with its API key.
    fn cmd(&self) -> Command {
        let mut c = bare(self.dir.path());
        c.env("NRFCLOUD_BASE_URL", self.server.base_url())
            .env("NRFCLOUD_API_KEY", self.server.api_key());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        run(self.cmd().args(args))
    }
}

fn run(c: &mut Command) -> Output {
    c.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code; stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// A port with a listener that accepts nothing: a request to it would be seen as a pending
/// connection.
fn silent_listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    (l, url)
}

#[track_caller]
fn assert_nothing_sent(l: &TcpListener) {
    match l.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok(_) => panic!("the command connected to the server"),
        Err(e) => panic!("accept: {e}"),
    }
}

#[test]
fn help_lists_the_groups_and_every_operation_has_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(bare(dir.path()).arg("--help"));
    assert_code(&o, 0);
    let help = stdout(&o);
    for group in [
        "devices",
        "fota-jobs",
        "messages",
        "location",
        "account",
        "onboard",
        "mock",
    ] {
        assert!(
            help.contains(&format!("\n  {group} ")),
            "{group} in:\n{help}"
        );
    }
    // Each group's help lists its commands with the document's text.
    let o = run(bare(dir.path()).args(["devices", "--help"]));
    assert_code(&o, 0);
    assert!(
        stdout(&o).lines().any(|l| l.trim() == "list"),
        "{}",
        stdout(&o)
    );
    let o = run(bare(dir.path()).args(["devices", "fetch-device", "--help"]));
    assert_code(&o, 0);
    assert!(stdout(&o).contains("Operation FetchDevice (GET /devices/{deviceId})"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_in_every_format_with_max_items_and_page_limit() {
    let e = env(120).await;
    let o = e.run(&["devices", "list", "-o", "json", "--page-limit", "7"]);
    assert_code(&o, 0);
    let all: Vec<Value> = serde_json::from_str(&stdout(&o)).expect("a JSON array");
    assert_eq!(all.len(), 120);

    let o = e.run(&[
        "devices",
        "list",
        "-o",
        "ndjson",
        "--max-items",
        "15",
        "--page-limit",
        "4",
    ]);
    assert_code(&o, 0);
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    assert_eq!(lines.len(), 15);
    assert_eq!(lines[0]["id"], DEVICE);

    let o = e.run(&["devices", "list", "-o", "csv", "--max-items", "3"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    let mut rows = text.lines();
    let header = rows.next().expect("a header");
    assert!(header.split(',').any(|c| c == "id"), "{header}");
    assert_eq!(rows.count(), 3);

    let o = e.run(&["devices", "list", "-o", "table", "--max-items", "60"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(text.lines().next().unwrap().starts_with("ID "), "{text}");
    assert_eq!(text.lines().count(), 61);

    // Not a terminal: JSON by default. A transform's items come as they are.
    let o = e.run(&[
        "devices",
        "list",
        "--max-items",
        "2",
        "--transform",
        "{\"i\": id}",
    ]);
    assert_code(&o, 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{"i": DEVICE}, {"i": "nrf-352656100000001"}])
    );

    // A single answer in each format.
    for format in ["json", "ndjson", "table", "csv"] {
        let o = e.run(&["devices", "get", DEVICE, "-o", format]);
        assert_code(&o, 0);
        assert!(stdout(&o).contains(DEVICE), "{format}: {}", stdout(&o));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (listener, url) = silent_listener();
    let cmd = |args: &[&str]| {
        let mut c = bare(dir.path());
        c.env("NRFCLOUD_BASE_URL", &url)
            .env("NRFCLOUD_API_KEY", "k-123456")
            .args(args);
        run(&mut c)
    };

    let o = cmd(&["devices", "get", "NOT A DEVICE"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("FetchDevice: invalid value \"NOT A DEVICE\" for DEVICE_ID"),
        "{}",
        stderr(&o)
    );

    let o = cmd(&["devices", "list", "--transform", "$count(items"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("invalid JSONata expression") && stderr(&o).contains("position"),
        "{}",
        stderr(&o)
    );

    let o = cmd(&["devices", "list", "--page-limit", "1000"]);
    assert_code(&o, 2);

    let o = cmd(&[
        "location",
        "single-cell",
        "--mcc",
        "two",
        "--mnc",
        "1",
        "--tac",
        "1",
        "--eci",
        "1",
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("--mcc: not an integer"),
        "{}",
        stderr(&o)
    );
    let o = cmd(&["devices", "list", "--include-state=maybe"]);
    assert_code(&o, 2);

    let o = cmd(&["devices", "update-name", DEVICE]);
    assert_code(&o, 2);

    let bad_body = dir.path().join("job.json");
    std::fs::write(&bad_body, r#"{"bundleId": 12}"#).unwrap();
    let o = cmd(&["fota-jobs", "create", "--body", bad_body.to_str().unwrap()]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("invalid request body"),
        "{}",
        stderr(&o)
    );

    let csv = dir.path().join("devices.csv");
    std::fs::write(&csv, "nrf-1,,east,APP,not a certificate\nBAD ID,,,APP,x\n").unwrap();
    let o = cmd(&["onboard", csv.to_str().unwrap()]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("line 1"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was sent"), "{}", stderr(&o));

    let o = cmd(&["fota", "create", "--bundle", "B"]);
    assert_code(&o, 2);

    assert_nothing_sent(&listener);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_transport_and_api_errors_have_their_exit_codes() {
    let e = env(2).await;
    // No credential: 3, before sending.
    let (listener, url) = silent_listener();
    let o = run(bare(e.dir.path())
        .env("NRFCLOUD_BASE_URL", &url)
        .args(["devices", "list"]));
    assert_code(&o, 3);
    assert!(
        stderr(&o).contains("ListDevices: no credential"),
        "{}",
        stderr(&o)
    );
    assert_nothing_sent(&listener);
    // An API key file that does not exist: 3.
    let o = e.run(&["--api-key-file", "/nonexistent/key", "account", "get"]);
    assert_code(&o, 3);

    // Nothing listens there: 4.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = run(e
        .cmd()
        .env("NRFCLOUD_BASE_URL", format!("http://127.0.0.1:{port}"))
        .args(["devices", "get", DEVICE]));
    assert_code(&o, 4);
    assert!(stderr(&o).contains("FetchDevice"), "{}", stderr(&o));

    // The API's error: 1, with the operation, the status, the nRF code and the message.
    let o = e.run(&["devices", "get", "nrf-no-such-device"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("FetchDevice failed: HTTP 404, nRF code 40410"),
        "{err}"
    );
    // A wrong key: the API's 401, and the key is not printed.
    let o = run(e
        .cmd()
        .env("NRFCLOUD_API_KEY", "wrong-key-5e5e5e")
        .args(["account", "get"]));
    assert_code(&o, 1);
    assert!(stderr(&o).contains("HTTP 401"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("wrong-key-5e5e5e"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_never_printed_and_profiles_hold_targets() {
    let e = env(1).await;
    let key = e.server.api_key().to_string();
    // --verbose shows the request spans, never the key.
    let o = e.run(&["-v", "account", "get"]);
    assert_code(&o, 0);
    assert!(stderr(&o).contains("FetchAccountInfo"), "{}", stderr(&o));
    assert!(!stderr(&o).contains(&key) && !stdout(&o).contains(&key));

    // A service key made by the API, then used for a JWT operation.
    let o = e.run(&["account", "generate-service-key-and-token", "-o", "json"]);
    assert_code(&o, 0);
    let made: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let pem = e.path("service.pem");
    std::fs::write(&pem, made["key"].as_str().unwrap()).unwrap();
    let o = run(bare(e.dir.path())
        .env("NRFCLOUD_BASE_URL", e.server.base_url())
        .args([
            "--service-key",
            pem.to_str().unwrap(),
            "--team-id",
            e.server.tenant_id(),
        ])
        .args(["ground-fix", "--lte", "242,2,2305,33703712", "-o", "json"]));
    assert_code(&o, 0);
    // A service key without its team: a credentials error, before anything is sent.
    let o = run(bare(e.dir.path())
        .env("NRFCLOUD_BASE_URL", e.server.base_url())
        .args([
            "--service-key",
            pem.to_str().unwrap(),
            "ground-fix",
            "--lte",
            "242,2,2305,33703712",
        ]));
    assert_code(&o, 2);

    // --api-key-file instead of the environment.
    let key_file = e.path("key.txt");
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let o = run(bare(e.dir.path())
        .env("NRFCLOUD_BASE_URL", e.server.base_url())
        .args([
            "--api-key-file",
            key_file.to_str().unwrap(),
            "account",
            "get",
            "-o",
            "json",
        ]));
    assert_code(&o, 0);
    assert!(!stdout(&o).contains(&key));

    // A profile with the base URL and the key: `--profile staging` uses it.
    let cfg = |args: &[&str]| run(bare(e.dir.path()).args(args));
    assert_code(
        &cfg(&[
            "config",
            "set",
            "--profile",
            "staging",
            "base_url",
            e.server.base_url(),
        ]),
        0,
    );
    assert_code(
        &cfg(&["config", "set", "--profile", "staging", "api_key", &key]),
        0,
    );
    assert_code(&cfg(&["config", "set", "output", "ndjson"]), 0);
    let o = cfg(&["config", "list"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("staging.api_key = <redacted>"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("default.output = ndjson"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains(&key));
    let o = cfg(&["config", "get", "--profile", "staging", "api_key"]);
    assert_eq!(stdout(&o).trim(), "<redacted>");
    let o = cfg(&[
        "--profile",
        "staging",
        "devices",
        "get",
        DEVICE,
        "-o",
        "json",
    ]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains(DEVICE));
    let o = cfg(&["--profile", "nope", "account", "get"]);
    assert_code(&o, 2);
    assert_code(&cfg(&["config", "set", "api_token", "x"]), 2);
}

fn onboarding_csv(ids: &[&str]) -> String {
    let mut s = String::new();
    for (i, id) in ids.iter().enumerate() {
        let pem = KeyPair::from_seed(format!("cli test {i}").as_bytes()).public_key_pem();
        s.push_str(&format!("{id},,east|cli,APP|MODEM,\"{}\"\n", pem.trim()));
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboard_and_register_keys_write_result_csvs() {
    let e = env(0).await;
    let csv = e.path("devices.csv");
    std::fs::write(
        &csv,
        onboarding_csv(&["nrf-cli-0001", "nrf-cli-0002", "nrf-cli-0003"]),
    )
    .unwrap();
    let result = e.path("out.csv");
    let o = e.run(&[
        "onboard",
        csv.to_str().unwrap(),
        "--result",
        result.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_code(&o, 0);
    let summary: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(summary["succeeded"], 3);
    let written = std::fs::read_to_string(&result).unwrap();
    assert_eq!(written.lines().count(), 4, "{written}");
    assert!(written.contains("nrf-cli-0002,SUCCEEDED"));
    // Plain progress lines when stderr is not a terminal.
    assert!(stderr(&o).contains("onboarding: 3/3"), "{}", stderr(&o));
    let o = e.run(&["devices", "get", "nrf-cli-0003", "-o", "json"]);
    assert_code(&o, 0);

    // The same rows again: the service refuses them; each is reported with its reason.
    let o = e.run(&[
        "onboard",
        csv.to_str().unwrap(),
        "--result",
        result.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_code(&o, 1);
    let written = std::fs::read_to_string(&result).unwrap();
    assert!(
        written.contains("nrf-cli-0001,FAILED,device nrf-cli-0001 is already onboarded"),
        "{written}"
    );
    assert!(
        stderr(&o).contains("failed: nrf-cli-0003: "),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("3 of 3 rows failed"), "{}", stderr(&o));

    let keys = e.path("keys.csv");
    let pem = KeyPair::from_seed(b"cli keys").public_key_pem();
    std::fs::write(&keys, format!("nrf-cli-key-1,\"{}\"\n", pem.trim())).unwrap();
    let o = e.run(&["-q", "register-keys", keys.to_str().unwrap(), "-o", "json"]);
    assert_code(&o, 0);
    assert!(stderr(&o).is_empty(), "quiet: {}", stderr(&o));
    assert!(e.path("keys.result.csv").exists());
}

fn bundle_zip() -> Vec<u8> {
    use nrfcloud::firmware::{FileType, FirmwareBundle};
    FirmwareBundle::new("1.2.0")
        .name("cli test")
        .file("app_update.bin", FileType::Application, vec![0x5A; 4096])
        .to_zip()
        .expect("a bundle")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firmware_upload_and_fota_create_wait_cancel() {
    let e = env(4).await;
    let zip = e.path("bundle.zip");
    std::fs::write(&zip, bundle_zip()).unwrap();
    let o = e.run(&["firmware", "upload", zip.to_str().unwrap(), "-o", "json"]);
    assert_code(&o, 0);
    let up: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let bundle = up["bundleId"].as_str().expect("a bundle id").to_string();

    // A zip without a manifest is refused before sending.
    let not_bundle = e.path("empty.zip");
    std::fs::write(
        &not_bundle,
        b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
    )
    .unwrap();
    let o = e.run(&["firmware", "upload", not_bundle.to_str().unwrap()]);
    assert_code(&o, 2);

    let o = e.run(&[
        "fota",
        "create",
        "--tag",
        "even",
        "--bundle",
        &bundle,
        "--wait",
        "--poll-ms",
        "20",
        "-o",
        "json",
    ]);
    assert_code(&o, 0);
    let done: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        ["COMPLETED", "SUCCEEDED"].contains(&done["status"].as_str().unwrap()),
        "{done}"
    );
    assert!(stderr(&o).contains("fota:"), "{}", stderr(&o));

    let o = e.run(&[
        "fota",
        "create",
        "--device",
        DEVICE,
        "--bundle",
        &bundle,
        "--no-apply",
        "-o",
        "json",
    ]);
    assert_code(&o, 0);
    let job: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let job_id = job["jobId"].as_str().unwrap().to_string();
    let o = e.run(&["fota", "cancel", &job_id, "--reason", "test", "-o", "json"]);
    assert_code(&o, 0);
    let o = e.run(&["fota", "wait", &job_id, "--poll-ms", "20", "-o", "json"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("CANCELLED"), "{}", stderr(&o));
    let o = e.run(&["fota-jobs", "get", &job_id, "-o", "json"]);
    assert_code(&o, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agnss_download_ground_fix_and_messages_tail() {
    let e = env(2).await;
    let pem = e
        .server
        .state()
        .device_key(DEVICE)
        .expect("a seeded key")
        .private_key_pem();
    let key = e.path("device.pem");
    std::fs::write(&key, pem).unwrap();
    let with_key = |args: &[&str]| {
        let mut c = bare(e.dir.path());
        c.env("NRFCLOUD_BASE_URL", e.server.base_url())
            .args(["--device-key", key.to_str().unwrap(), "--device-id", DEVICE])
            .args(args);
        run(&mut c)
    };
    let out = e.path("agnss.bin");
    let o = with_key(&[
        "agnss",
        "download",
        "--mcc",
        "242",
        "--mnc",
        "2",
        "--tac",
        "2305",
        "--eci",
        "33703712",
        "--fragment-size",
        "500",
        "-O",
        out.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_code(&o, 0);
    let summary: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.len() > 500, "several fragments");
    assert_eq!(summary["bytes"], bytes.len());
    assert!(
        !summary["elements"].as_array().unwrap().is_empty(),
        "{summary}"
    );

    // The generated HEAD and binary commands: the size, then one Range fragment.
    let cell = [
        "--mcc", "242", "--mnc", "2", "--tac", "2305", "--eci", "33703712",
    ];
    let mut args = vec!["location", "agnss-size", "-o", "json"];
    args.extend(cell);
    let o = with_key(&args);
    assert_code(&o, 0);
    let head: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(head["status"], 200);
    let size: usize = head["headers"]["content-length"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(size, bytes.len());
    let fragment = e.path("fragment.bin");
    let mut args = vec![
        "location",
        "agnss",
        "--range",
        "bytes=0-99",
        "-O",
        fragment.to_str().unwrap(),
    ];
    args.extend(cell);
    let o = with_key(&args);
    assert_code(&o, 0);
    // The service cuts fragments at whole records: a prefix of at most 100 bytes.
    let got = std::fs::read(&fragment).unwrap();
    assert!(!got.is_empty() && got.len() <= 100, "{} bytes", got.len());
    assert_eq!(got, bytes[..got.len()]);

    // A ground fix signed with the device's own key.
    let o = with_key(&["ground-fix", "--lte", "242,2,2305,33703712", "-o", "json"]);
    assert_code(&o, 0);
    let fix: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(fix["lat"].is_number() && fix["lon"].is_number(), "{fix}");
    let o = e.run(&["ground-fix", "--lte", "242,2"]);
    assert_code(&o, 2);

    // The same ground fix from a JSON file.
    let fix_file = e.path("fix.json");
    std::fs::write(
        &fix_file,
        r#"{"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712}]}"#,
    )
    .unwrap();
    let o = with_key(&[
        "ground-fix",
        "--file",
        fix_file.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_code(&o, 0);

    // A message sent with the body's field flags (an object field takes JSON), then tailed.
    let topic = format!("m/d/{DEVICE}/d2c");
    let o = e.run(&[
        "devices",
        "send",
        DEVICE,
        "--topic",
        &topic,
        "--message",
        r#"{"temp": 21.5}"#,
    ]);
    assert_code(&o, 0);
    let o = e.run(&[
        "messages",
        "tail",
        "--device",
        DEVICE,
        "--since-s",
        "600",
        "--count",
        "1",
        "--interval-ms",
        "50",
        "-o",
        "ndjson",
    ]);
    assert_code(&o, 0);
    let line: Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(line["topic"], topic.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_from_value_flags_field_flags_and_stdin() {
    let e = env(1).await;
    let o = e.run(&["devices", "update-name", DEVICE, "--value", "renamed.1"]);
    assert_code(&o, 0);
    let o = e.run(&["devices", "update-tags", DEVICE, "--value", "east,west"]);
    assert_code(&o, 0);
    // A whole body on stdin.
    let mut child = e
        .cmd()
        .args(["devices", "update-state", DEVICE, "--body", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"desired": {"led": "on"}}"#)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_code(&o, 0);
    let o = e.run(&["devices", "get", DEVICE, "-o", "json"]);
    let device: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(device["name"], "renamed.1");
    assert_eq!(device["tags"], serde_json::json!(["east", "west"]));
    assert!(stdout(&o).contains("\"led\""), "{}", stdout(&o));
    // A required field is named when missing; a field out of its range is refused.
    let o = e.run(&["anchors", "create", "--lat", "60.1"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("--lon") && stderr(&o).contains("--mac-address"),
        "{}",
        stderr(&o)
    );
    let o = e.run(&[
        "anchors",
        "create",
        "--lat",
        "91",
        "--lon",
        "10",
        "--mac-address",
        "40:01:7a:c9:10:22",
    ]);
    assert_code(&o, 1); // the document gives no range: the service judges
    assert!(stderr(&o).contains("nRF code 42200"), "{}", stderr(&o));
    let o = e.run(&[
        "devices",
        "start-scan-for-ble",
        DEVICE,
        "--scan-timeout",
        "100000",
    ]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--scan-timeout"), "{}", stderr(&o));
}

#[test]
fn nrfcloud_mock_prints_the_export_lines_that_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bare(dir.path())
        .args(["mock", "--devices", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mock starts");
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
        lines.push(line.trim().to_string());
    }
    let url = lines[0]
        .strip_prefix("export NRFCLOUD_BASE_URL=")
        .expect("the URL line");
    let key = lines[1]
        .strip_prefix("export NRFCLOUD_API_KEY=")
        .expect("the key line");
    let o = run(bare(dir.path())
        .env("NRFCLOUD_BASE_URL", url)
        .env("NRFCLOUD_API_KEY", key)
        .args(["devices", "list", "-o", "ndjson"]));
    child.kill().expect("stop the mock");
    let _ = child.wait();
    assert_code(&o, 0);
    assert_eq!(stdout(&o).lines().count(), 3);
}

#[test]
fn completions_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = run(bare(dir.path()).args(["completions", shell]));
        assert_code(&o, 0);
        assert!(stdout(&o).contains("fota-jobs"), "{shell}");
    }
}

/// Runs the binary with stdout and stderr on a pseudo-terminal, and returns what it drew.
#[cfg(unix)]
fn run_on_pty(mut c: Command) -> (Option<i32>, String) {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors into the two integers.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty");
    // SAFETY: both descriptors were just opened and are owned here.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    c.stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let mut child = c.spawn().expect("spawn");
    drop(c); // the parent's copies of the terminal's side close
    let mut file = std::fs::File::from(master);
    let mut drawn = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => drawn.extend_from_slice(&buf[..n]),
            Err(_) => break, // EIO once the child has closed its side
        }
    }
    let status = child.wait().expect("wait");
    (status.code(), String::from_utf8_lossy(&drawn).into_owned())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_gets_a_progress_bar_and_a_table() {
    let e = env_with(MockConfig {
        bulk_ops_delay: Duration::from_millis(150),
        ..Default::default()
    })
    .await;
    let ids: Vec<String> = (0..40).map(|i| format!("nrf-pty-{i:04}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let csv = e.path("pty.csv");
    std::fs::write(&csv, onboarding_csv(&refs)).unwrap();
    let mut c = e.cmd();
    c.args([
        "onboard",
        csv.to_str().unwrap(),
        "--chunk-size",
        "10",
        "--concurrency",
        "1",
    ]);
    let (code, drawn) = tokio::task::spawn_blocking(move || run_on_pty(c))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "{drawn}");
    // indicatif's bar: the template's brackets around `=` cells, the position over the total.
    assert!(drawn.contains("onboarding ["), "{drawn}");
    assert!(drawn.contains("/40"), "{drawn}");
    assert!(drawn.contains('='), "{drawn}");
    // Table output by default on a terminal.
    let mut c = e.cmd();
    c.args(["devices", "list", "--max-items", "2"]);
    let (code, drawn) = tokio::task::spawn_blocking(move || run_on_pty(c))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "{drawn}");
    assert!(drawn.starts_with("ID "), "{drawn}");
    // Errors in colour on a terminal, unless NO_COLOR is set.
    let mut c = e.cmd();
    c.env_remove("NO_COLOR")
        .args(["devices", "get", "nrf-no-such-device"]);
    let (code, drawn) = tokio::task::spawn_blocking(move || run_on_pty(c))
        .await
        .unwrap();
    assert_eq!(code, Some(1));
    assert!(drawn.contains("\x1b[1;31merror:"), "{drawn:?}");
    let mut c = e.cmd();
    c.args(["devices", "get", "nrf-no-such-device"]);
    let (_, drawn) = tokio::task::spawn_blocking(move || run_on_pty(c))
        .await
        .unwrap();
    assert!(
        drawn.contains("error: FetchDevice") && !drawn.contains('\x1b'),
        "{drawn:?}"
    );
    let _ = std::io::stdout().flush();
}
