//! A local HTTP server for tests: it records every request and answers with scripted
//! replies (a queue, then a default), optionally after a delay, so tests can assert exactly
//! what a client put on the wire and how it reacts to each kind of answer.

pub mod zips;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: Method,
    /// Path, percent-encoded as sent.
    pub path: String,
    /// Raw query string, as sent.
    pub query: Option<String>,
    /// All headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Recorded {
    /// A header's value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// What the server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(&'static str, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    /// A JSON body.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
        }
    }

    /// No body.
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: vec![],
            body: vec![],
            delay: Duration::ZERO,
        }
    }

    /// Any body, with a content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("content-type", content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Answers only after `d`.
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

#[derive(Default)]
struct Script {
    queue: VecDeque<Reply>,
    default: Option<Reply>,
}

/// The running server. Shuts down when dropped.
pub struct Recorder {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<Script>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Recorder {
    /// Starts on a free loopback port; answers 200 with no body until told otherwise.
    pub async fn start() -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(Script::default()));
        let (l, s) = (log.clone(), script.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (l, s) = (l.clone(), s.clone());
                async move {
                    l.lock().unwrap().push(Recorded {
                        method,
                        path: uri.path().to_string(),
                        query: uri.query().map(str::to_owned),
                        headers,
                        body,
                    });
                    let reply = {
                        let mut s = s.lock().unwrap();
                        s.queue
                            .pop_front()
                            .or_else(|| s.default.clone())
                            .unwrap_or_else(|| Reply::empty(200))
                    };
                    if !reply.delay.is_zero() {
                        tokio::time::sleep(reply.delay).await;
                    }
                    let mut resp =
                        Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
                    for (k, v) in reply.headers {
                        resp = resp.header(k, v);
                    }
                    resp.body(Body::from(reply.body)).unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Recorder {
            base,
            log,
            script,
            _shutdown: tx,
        }
    }

    /// Sets the reply for every request once the queued ones (see [`Recorder::then`]) are used.
    pub fn reply(&self, reply: Reply) {
        self.script.lock().unwrap().default = Some(reply);
    }

    /// Queues replies for the next requests, in order.
    pub fn then(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.lock().unwrap().queue.extend(replies);
    }

    /// The last request received.
    pub fn last(&self) -> Recorded {
        self.log
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request was received")
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests were received.
    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

/// The folder `subdir` of the shared reference data (`$NRFCLOUD_SHARED`, default `../shared`
/// beside the workspace), for the conformance tests `.ci/run` runs. Panics with a clear message
/// when it is missing: such a test must fail loudly, never pass on no data.
pub fn shared_dir(subdir: &str) -> std::path::PathBuf {
    let shared = match std::env::var_os("NRFCLOUD_SHARED") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let dir = shared.join(subdir);
    assert!(
        dir.is_dir(),
        "conformance data: directory {} not found (set NRFCLOUD_SHARED to the shared directory that holds {subdir})",
        dir.display()
    );
    dir
}

/// A small deterministic generator (xorshift64) for seeded random test inputs, so a failure
/// reproduces from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (0 is replaced, xorshift would stay at 0).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x2545_f491_4f6c_dd1d
        } else {
            seed
        })
    }

    /// The next value.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
