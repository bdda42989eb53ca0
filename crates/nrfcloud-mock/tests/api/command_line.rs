//! The mock binary's command line (issue #19): unknown arguments and bad values are usage
//! errors (exit 2) that name them, a port in use is named, and `--log-requests` prints each
//! request.

use std::process::{Command, Stdio};

use reqwest::Method;

use crate::binary::MockProcess;

/// Runs the binary with `args` to its end: exit code and stderr.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nrfcloud-mock"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the mock binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_arguments_and_bad_values_are_usage_errors_that_name_them() {
    for (args, needle) in [
        (&["--verbose"][..], "'--verbose'"),
        (&["serve"][..], "'serve'"),
        (&["--tenant-id", "team-1"][..], "is not a team id"),
        (&["--api-key", ""][..], "must not be empty"),
        (
            &["--fota-failure-percent", "150"][..],
            "150 is not in 0..=100",
        ),
    ] {
        let (code, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let (code, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
}

#[tokio::test]
async fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, stderr) = run(&["--port", &port]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("port {port} is in use")),
        "{stderr}"
    );
}

#[tokio::test]
async fn log_requests_prints_method_path_status_and_duration() {
    let mock = MockProcess::spawn_logging(&["--log-requests", "--devices", "2"]).await;
    let status = mock
        .key(Method::GET, "/account")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let line = mock.next_stderr_line().await;
    assert!(line.starts_with("GET /v1/account 200 "), "{line}");
    assert!(line.ends_with(" ms"), "{line}");
}
