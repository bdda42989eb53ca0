//! A local HTTP server that records every request and answers with a scripted response, for
//! asserting exactly what the client puts on the wire.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
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
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: vec![],
            body: vec![],
        }
    }
}

/// The running server: base URL and the log.
pub struct Recorder {
    pub base: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    reply: Arc<Mutex<Reply>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Recorder {
    pub async fn start() -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(Mutex::new(Reply::empty(200)));
        let (l, r) = (log.clone(), reply.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (l, r) = (l.clone(), r.clone());
                async move {
                    l.lock().unwrap().push(Recorded {
                        method,
                        path: uri.path().to_string(),
                        query: uri.query().map(str::to_owned),
                        headers,
                        body,
                    });
                    let reply = r.lock().unwrap().clone();
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
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Recorder {
            base,
            log,
            reply,
            _shutdown: tx,
        }
    }

    /// Sets the reply for the following requests.
    pub fn reply(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
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
}
