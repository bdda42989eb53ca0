//! End-to-end tests of `cargo xtask fetch|regen|drift`: the xtask binary against a tiny HTTP
//! server on 127.0.0.1 (a `TcpListener` in a thread, no external network). Every test works on
//! its own temporary copy of the snapshot; the committed `spec/openapi.json` is only read.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use nrfcloud_codegen::normalize::normalize_document;
use serde_json::{Value, json};

/// What the server answers at `{prefix}/v1/openapi.json` (anything else gets a 404).
#[derive(Clone)]
enum Reply {
    /// 200 with this body.
    Body(String),
    /// This status with a short body.
    Status(u16),
    /// Headers and the start of a body, then silence until the client gives up.
    Hang,
}

/// A server serving one reply, and the request paths it saw.
struct Server {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve(reply: Reply, prefix: &str) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let port = listener.local_addr().expect("local address").port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    let route = format!("{prefix}/v1/openapi.json");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let reply = reply.clone();
            let seen = Arc::clone(&seen);
            let route = route.clone();
            thread::spawn(move || answer(stream, &reply, &route, &seen));
        }
    });
    Server {
        base: format!("http://127.0.0.1:{port}{prefix}"),
        requests,
    }
}

fn answer(mut stream: TcpStream, reply: &Reply, route: &str, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    seen.lock().expect("lock").push(path.clone());
    let respond = |stream: &mut TcpStream, status: &str, body: &str| {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    if path != route {
        respond(&mut stream, "404 Not Found", "{}");
        return;
    }
    match reply {
        Reply::Body(body) => respond(&mut stream, "200 OK", body),
        Reply::Status(code) => respond(&mut stream, &format!("{code} Oops"), "{\"error\":1}"),
        Reply::Hang => {
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"openapi\":"
            );
            let _ = stream.flush();
            thread::sleep(Duration::from_secs(20));
        }
    }
}

/// A fresh directory under cargo's per-target temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("xtask-cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

fn committed_spec_text() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi.json"))
        .expect("committed spec")
}

fn committed_spec() -> Value {
    serde_json::from_str(&committed_spec_text()).expect("committed spec is JSON")
}

/// A temporary `openapi.json` holding `text`, in its own directory.
fn snapshot(name: &str, text: &str) -> PathBuf {
    let path = temp_dir(name).join("openapi.json");
    std::fs::write(&path, text).expect("write snapshot");
    path
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        // Never send the local test traffic through a proxy from the environment.
        .env("NO_PROXY", "*")
        .env("no_proxy", "*")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("run xtask")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The committed spec with one operation added, one removed, one parameter's type changed and
/// one enum value added.
fn drifted_spec() -> Value {
    let mut doc = committed_spec();
    doc["paths"]["/foo"] = json!({"get": {"operationId": "GetFoo",
        "responses": {"200": {"description": "ok"}}}});
    let removed = doc["paths"]["/account"]
        .as_object_mut()
        .expect("/account in the spec")
        .remove("get");
    assert!(
        removed.is_some(),
        "FetchAccountInfo GET /account is in the spec"
    );
    let params = doc["paths"]["/devices"]["get"]["parameters"]
        .as_array_mut()
        .expect("ListDevices has parameters");
    let param = params
        .iter_mut()
        .find(|p| p["name"] == "bleFirmwareSupport")
        .expect("ListDevices has bleFirmwareSupport");
    param["schema"]["type"] = json!("string");
    doc["components"]["schemas"]["FotaV2JobEvents"]["enum"]
        .as_array_mut()
        .expect("FotaV2JobEvents is an enum")
        .push(json!("SUCCEEDED"));
    doc
}

const DRIFT_LINES: [&str; 4] = [
    "+ operation GetFoo GET /foo",
    "- operation FetchAccountInfo GET /account",
    "~ operation ListDevices GET /devices: parameter bleFirmwareSupport: type boolean -> string",
    "~ schema FotaV2JobEvents: enum + SUCCEEDED",
];

#[test]
fn drift_is_clean_against_the_committed_spec() {
    let text = committed_spec_text();
    let spec = snapshot("drift-clean", &text);
    let server = serve(Reply::Body(text), "");
    let out = xtask(&["drift", "--base-url", &server.base, "--spec", path(&spec)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).starts_with("no drift:"), "{}", stdout(&out));
}

#[test]
fn drift_reports_each_change_in_text_and_json() {
    let spec = snapshot("drift-changes", &committed_spec_text());
    let server = serve(Reply::Body(drifted_spec().to_string()), "");

    let out = xtask(&["drift", "--base-url", &server.base, "--spec", path(&spec)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(['+', '-', '~']))
        .collect();
    assert_eq!(lines, DRIFT_LINES, "{text}");

    let out = xtask(&[
        "drift",
        "--json",
        "--base-url",
        &server.base,
        "--spec",
        path(&spec),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    assert_eq!(
        report["operations_added"],
        json!([{"operation_id": "GetFoo", "method": "GET", "path": "/foo"}])
    );
    assert_eq!(
        report["operations_removed"][0]["operation_id"],
        "FetchAccountInfo"
    );
    assert_eq!(
        report["operations_changed"][0]["changes"],
        json!(["parameter bleFirmwareSupport: type boolean -> string"])
    );
    assert_eq!(
        report["schemas_changed"],
        json!([{"name": "FotaV2JobEvents", "changes": ["enum + SUCCEEDED"]}])
    );
}

#[test]
fn fetch_writes_the_normalised_document_under_a_path_prefix() {
    let dir = temp_dir("fetch-prefix");
    let out_path = dir.join("openapi.json");
    std::fs::write(&out_path, "stale\n").expect("write");
    let doc = committed_spec();
    // Served compact, so the test sees the normaliser at work.
    let server = serve(Reply::Body(doc.to_string()), "/prefix");

    let out = xtask(&[
        "fetch",
        "--base-url",
        &format!("{}/", server.base),
        "--out",
        path(&out_path),
        "--timeout-secs",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&out_path).expect("read"),
        normalize_document(&doc)
    );
    assert_eq!(
        *server.requests.lock().expect("lock"),
        vec!["/prefix/v1/openapi.json".to_string()]
    );
    // Only the target is left: the temporary file was renamed over it.
    let names: Vec<_> = std::fs::read_dir(&dir).expect("list").flatten().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// Runs `fetch` against `reply` and checks: exit 2, one stderr line naming the URL and
/// `cause`, the snapshot untouched.
fn assert_fetch_fails(name: &str, reply: Reply, cause: &str) {
    let spec = snapshot(name, "the old snapshot\n");
    let server = serve(reply, "");
    let started = Instant::now();
    let out = xtask(&[
        "fetch",
        "--base-url",
        &server.base,
        "--out",
        path(&spec),
        "--timeout-secs",
        "1",
    ]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "{name}: {}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{name}: {err}");
    let url = format!("{}/v1/openapi.json", server.base);
    assert!(err.contains(&url), "{name}: {err}");
    assert!(err.contains(cause), "{name}: {err}");
    assert_eq!(
        std::fs::read_to_string(&spec).expect("read"),
        "the old snapshot\n"
    );
    assert_eq!(
        std::fs::read_dir(spec.parent().expect("dir"))
            .expect("list")
            .count(),
        1
    );
}

#[test]
fn fetch_refuses_an_http_error() {
    assert_fetch_fails("http-500", Reply::Status(500), "HTTP 500");
}

#[test]
fn fetch_refuses_invalid_json() {
    assert_fetch_fails(
        "not-json",
        Reply::Body("<html>nope</html>".into()),
        "not JSON",
    );
}

#[test]
fn fetch_refuses_json_that_is_not_openapi() {
    assert_fetch_fails(
        "swagger",
        Reply::Body(r#"{"swagger":"2.0","paths":{}}"#.into()),
        "not an OpenAPI document",
    );
}

#[test]
fn fetch_refuses_openapi_31() {
    let doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "content":
            {"application/json": {"schema": {"type": ["string", "null"]}}}}}}}}});
    assert_fetch_fails(
        "openapi-31",
        Reply::Body(doc.to_string()),
        "unsupported OpenAPI version 3.1.0",
    );
}

#[test]
fn fetch_gives_up_on_a_response_that_never_finishes() {
    assert_fetch_fails("hang", Reply::Hang, "timed out after 1 s");
}

#[test]
fn drift_and_fetch_fail_with_2_when_nothing_listens() {
    // A port that was free a moment ago: connection refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let spec = snapshot("refused", &committed_spec_text());
    for command in ["drift", "fetch"] {
        let flag = if command == "fetch" {
            "--out"
        } else {
            "--spec"
        };
        let out = xtask(&[command, "--base-url", &base, flag, path(&spec)]);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stdout(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&format!("{base}/v1/openapi.json")), "{err}");
        assert!(err.contains("cannot connect"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(&spec).expect("read"),
        committed_spec_text()
    );
}

#[test]
fn regen_writes_the_spec_and_surface_and_reports() {
    let spec = snapshot("regen-ok", &committed_spec_text());
    let surface = spec.with_file_name("generated-surface.txt");
    std::fs::write(&surface, "old surface\n").expect("write");
    let doc = drifted_spec();
    let server = serve(Reply::Body(doc.to_string()), "");

    let out = xtask(&["regen", "--base-url", &server.base, "--spec", path(&spec)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in DRIFT_LINES {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(text.contains("fixups applied: "), "{text}");
    assert!(
        text.contains("fixups that no longer apply (no-ops): "),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&spec).expect("read"),
        normalize_document(&doc)
    );
    let surface_text = std::fs::read_to_string(&surface).expect("read");
    assert!(
        surface_text.contains("get_foo GET /foo ()"),
        "{surface_text}"
    );
    assert!(!surface_text.contains("fetch_account_info GET /account"));
}

#[test]
fn regen_refuses_a_document_that_breaks_generation() {
    let old = committed_spec_text();
    let spec = snapshot("regen-broken", &old);
    let surface = spec.with_file_name("generated-surface.txt");
    std::fs::write(&surface, "old surface\n").expect("write");
    // typify rejects the invalid regular expression.
    let doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"operationId": "GetX", "responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bad"}}}}}}}},
        "components": {"schemas": {"Bad": {"type": "string", "pattern": "(?<"}}}});
    let server = serve(Reply::Body(doc.to_string()), "");

    let out = xtask(&["regen", "--base-url", &server.base, "--spec", path(&spec)]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    // The culprit is named (the schema, or the operation using it) with typify's reason.
    assert!(err.contains("Bad") || err.contains("GetX"), "{err}");
    assert!(err.contains("invalid pattern"), "{err}");
    assert_eq!(std::fs::read_to_string(&spec).expect("read"), old);
    assert_eq!(
        std::fs::read_to_string(&surface).expect("read"),
        "old surface\n"
    );
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}
