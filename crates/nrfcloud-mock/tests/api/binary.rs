//! The built `nrfcloud-mock` binary as a child process, for attacks whose effect must be seen
//! in the server's own process: it is started on a free port, its URL and API key are read off
//! its first lines, and it is killed when dropped.

use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running mock binary.
pub struct MockProcess {
    /// Killed when dropped.
    _child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The team's API key.
    pub api_key: String,
    /// A client for it.
    pub http: reqwest::Client,
    /// Its stderr, when spawned with [`MockProcess::spawn_logging`].
    stderr: tokio::sync::Mutex<Option<tokio::io::Lines<BufReader<tokio::process::ChildStderr>>>>,
}

impl MockProcess {
    /// Starts the binary with `args` (on a free port) and waits for its banner.
    pub async fn spawn(args: &[&str]) -> Self {
        Self::start(args, Stdio::inherit()).await
    }

    /// Like [`MockProcess::spawn`], keeping the binary's stderr for
    /// [`MockProcess::next_stderr_line`].
    pub async fn spawn_logging(args: &[&str]) -> Self {
        Self::start(args, Stdio::piped()).await
    }

    /// The binary's next line on stderr that is a request log line (from
    /// [`MockProcess::spawn_logging`]).
    pub async fn next_stderr_line(&self) -> String {
        let mut lines = self.stderr.lock().await;
        let lines = lines.as_mut().expect("spawned with spawn_logging");
        let next = async {
            loop {
                let line = lines.next_line().await.expect("stderr is readable");
                match line {
                    Some(l) if l.starts_with("nrfcloud-mock:") => continue,
                    Some(l) => return l,
                    None => panic!("the mock binary closed stderr"),
                }
            }
        };
        // A hang guard, not a timing assertion.
        tokio::time::timeout(Duration::from_secs(30), next)
            .await
            .expect("a log line")
    }

    async fn start(args: &[&str], stderr: Stdio) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nrfcloud-mock"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("the mock binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().map(|e| BufReader::new(e).lines());
        let banner = async {
            let mut lines = BufReader::new(stdout).lines();
            let (mut base_url, mut api_key) = (None, None);
            while let Some(line) = lines.next_line().await.expect("stdout is readable") {
                if let Some(url) = line.strip_prefix("nRF Cloud mock listening on ") {
                    base_url = Some(url.trim().to_owned());
                }
                if let Some(key) = line.strip_prefix("API key:") {
                    api_key = Some(key.trim().to_owned());
                }
                if let (Some(url), Some(key)) = (&base_url, &api_key) {
                    // The rest of its output is read and dropped, so it never writes to a
                    // closed pipe.
                    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                    return (url.clone(), key.clone());
                }
            }
            panic!("the mock binary ended before printing its URL and API key");
        };
        // A hang guard, not a timing assertion.
        let (base_url, api_key) = tokio::time::timeout(Duration::from_secs(60), banner)
            .await
            .expect("the mock binary prints its banner");
        Self {
            _child: child,
            base_url,
            api_key,
            http: crate::common::client(),
            stderr: tokio::sync::Mutex::new(stderr),
        }
    }

    /// `host:port`, for raw sockets.
    pub fn addr(&self) -> String {
        self.base_url.trim_start_matches("http://").to_owned()
    }

    /// A request to `{base}/v1{path}` with the team's API key.
    pub fn key(&self, method: Method, path: &str) -> RequestBuilder {
        self.bearer(method, path, &self.api_key)
    }

    /// A request to `{base}/v1{path}` with another bearer token.
    pub fn bearer(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/v1{path}", self.base_url))
            .bearer_auth(token)
    }
}
