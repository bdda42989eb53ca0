//! Hostile `transform` parameters against the mock binary (issue #18): each one used to
//! crash the server, pin a CPU forever or take hundreds of megabytes; now each ends in a
//! 422 / 42200 naming the bound, and the server keeps answering its other requests.
//!
//! The binary is the one Cargo built for this test (`CARGO_BIN_EXE_nrfcloud-mock`), so
//! `cargo test --release` checks the release build. `.ci/run` runs both.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A running `nrfcloud-mock` process, killed when dropped.
struct MockProcess {
    child: Child,
    /// Its standard output, kept open: the process must not meet a closed pipe when it
    /// prints.
    _stdout: BufReader<ChildStdout>,
    api_url: String,
    api_key: String,
    http: reqwest::Client,
}

impl MockProcess {
    /// Starts the binary with `args` and reads its base URL and API key.
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nrfcloud-mock"))
            .args(["--devices", "3"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the mock binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut api_url = None;
        let mut api_key = None;
        let mut line = String::new();
        // Up to the last line it prints when ready.
        while !line.starts_with("Press Ctrl-C") {
            line.clear();
            let read = stdout
                .read_line(&mut line)
                .expect("the mock prints its settings");
            assert!(read > 0, "the mock ended before it was ready");
            if let Some(url) = line.strip_prefix("API base URL:") {
                api_url = Some(url.trim().to_owned());
            } else if let Some(key) = line.strip_prefix("API key:") {
                api_key = Some(key.trim().to_owned());
            }
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // A hang guard, far above any answer here.
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client builds");
        MockProcess {
            child,
            _stdout: stdout,
            api_url: api_url.expect("the mock printed its API base URL"),
            api_key: api_key.expect("the mock printed its API key"),
            http,
        }
    }

    /// GET `{api}/{path_and_query}` with the API key; the status and the JSON body.
    async fn get(&self, path_and_query: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/{path_and_query}", self.api_url))
            .bearer_auth(&self.api_key)
            .send()
            .await
            .unwrap_or_else(|e| {
                let short: String = path_and_query.chars().take(60).collect();
                panic!("GET {short}…: {}", e.without_url())
            });
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("a body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// ListDevices with `transform` (form-encoded).
    async fn list_devices_with(&self, transform: &str) -> (u16, Value) {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("transform", transform)
            .finish();
        self.get(&format!("devices?{query}")).await
    }

    /// Whether the process is still running.
    fn is_running(&mut self) -> bool {
        self.child
            .try_wait()
            .expect("the process can be polled")
            .is_none()
    }

    /// CPU time the process has used, from `/proc` (Linux).
    fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("/proc/PID/stat is readable");
        // Fields after the command name (which ends with the last ')'): utime and stime
        // are the 12th and 13th, in clock ticks (100 per second on Linux).
        let fields: Vec<&str> = stat[stat.rfind(')').expect("a command name") + 2..]
            .split(' ')
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_millis(ticks * 10)
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The answer to a transform stopped by a bound: 422 / 42200, the message naming it.
fn assert_stopped(answer: &(u16, Value), code: &str, setting: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 422, "{body}");
    assert_eq!(body["code"], 42200, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(code), "{message}");
    assert!(message.contains(setting), "{message}");
}

#[tokio::test]
async fn deeply_nested_transform_is_a_422_not_a_crash() {
    let mut mock = MockProcess::start(&[]);
    let levels = 10_000;
    // Parentheses need no escaping in a query: 20,000 characters.
    let deep = format!("{}1{}", "(".repeat(levels), ")".repeat(levels));
    let answer = mock.get(&format!("devices?transform={deep}")).await;
    assert_stopped(&answer, "S0299", "Transform::with_max_nesting");
    let answer = mock
        .get(&format!("devices/nrf-352656100000000?transform={deep}"))
        .await;
    assert_stopped(&answer, "S0299", "Transform::with_max_nesting");
    assert!(mock.is_running());
    assert_eq!(mock.get("account").await.0, 200);
}

#[tokio::test]
async fn recursive_function_transform_is_stopped_by_the_time_bound() {
    let mut mock = MockProcess::start(&[]);
    let answer = mock
        .list_devices_with("($f := function($x){$f($x)}; $f(1))")
        .await;
    assert_stopped(&answer, "D1012", "EvalLimits::timeout");
    assert!(mock.is_running());
    assert_eq!(mock.get("account").await.0, 200);
}

#[tokio::test]
async fn huge_range_transform_is_stopped_by_the_size_bound() {
    let mut mock = MockProcess::start(&[]);
    let answer = mock.list_devices_with("[1..10000000]").await;
    assert_stopped(&answer, "D2015", "EvalLimits::max_sequence_length");
    assert!(mock.is_running());
    assert_eq!(mock.get("account").await.0, 200);
}

#[tokio::test]
async fn account_answers_while_endless_transforms_evaluate() {
    // No time limit: these transforms never end, and more of them are sent than there are
    // transform workers (2) and cores (the mock's request threads).
    let mock = std::sync::Arc::new(MockProcess::start(&["--transform-timeout-ms", "0"]));
    let started = mock.cpu_time();
    let attacks: Vec<_> = (0..4)
        .map(|_| {
            let mock = std::sync::Arc::clone(&mock);
            tokio::spawn(async move {
                mock.list_devices_with("($f := function($x){$f($x)}; $f(1))")
                    .await
            })
        })
        .collect();
    // Wait until the transforms are evaluating: the process has spent half a second of
    // CPU time more (a hang guard bounds the wait).
    let mut polls = 0;
    while mock.cpu_time() < started + Duration::from_millis(500) {
        polls += 1;
        assert!(polls < 600, "the transforms did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..20 {
        let (status, body) = mock.get("account").await;
        assert_eq!(status, 200, "{body}");
    }
    assert!(
        attacks.iter().all(|attack| !attack.is_finished()),
        "the endless transforms ended"
    );
    for attack in attacks {
        attack.abort();
    }
}
