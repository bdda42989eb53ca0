//! Shared helpers: a started server plus an HTTP client, and small request/response helpers.

use nrfcloud_mock::{MockConfig, MockServer};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

/// A running server and a client for it.
pub struct Api {
    pub server: MockServer,
    pub http: reqwest::Client,
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    pub fn code(&self) -> Option<u64> {
        self.json().get("code").and_then(Value::as_u64)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client builds")
}

impl Api {
    pub async fn start() -> Self {
        Self::with(MockConfig::default()).await
    }

    pub async fn with(config: MockConfig) -> Self {
        let server = MockServer::start_with(config).await.expect("server starts");
        Self {
            server,
            http: client(),
        }
    }

    /// A request to `{api}/{path}` (path relative to /v1) without credentials.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.server.api_url()))
    }

    /// The same with the team's API key.
    pub fn key(&self, method: Method, path: &str) -> RequestBuilder {
        self.req(method, path).bearer_auth(self.server.api_key())
    }

    /// The same with another bearer token.
    pub fn bearer(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.req(method, path).bearer_auth(token)
    }
}

/// Sends and reads the whole response.
pub async fn send(builder: RequestBuilder) -> Resp {
    let response = builder.send().await.expect("request is answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body is read").to_vec();
    Resp {
        status,
        headers,
        bytes,
    }
}

/// Polls a bulk-ops request until it leaves IN_PROGRESS.
pub async fn wait_bulk(api: &Api, id: &str) -> Value {
    for _ in 0..200 {
        let r = send(api.key(Method::GET, &format!("/bulk-ops-requests/{id}"))).await;
        assert_eq!(r.status, 200, "{:?}", r.json());
        let body = r.json();
        if body["status"] != "IN_PROGRESS" {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("bulk-ops request {id} never completed");
}

/// A fast configuration for tests.
pub fn fast(devices: usize) -> MockConfig {
    MockConfig {
        devices,
        bulk_ops_delay: std::time::Duration::from_millis(150),
        fota_step: std::time::Duration::from_millis(20),
        ..MockConfig::default()
    }
}

/// A PEM certificate line-broken body the CSV endpoints accept, not a real certificate.
pub const FAKE_CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB7DCCAZMCFDexample\nAv3CVgjzn5BLS03X7lyf4w==\n-----END CERTIFICATE-----\n";

/// The CSV cell for a PEM: quoted, with inner quotes doubled.
pub fn quoted(pem: &str) -> String {
    format!("\"{}\"", pem.replace('"', "\"\""))
}
