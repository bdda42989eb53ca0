//! Downloading the upstream document: `GET {base}/v1/openapi.json` with a timeout, then the
//! checks (HTTP 200, JSON, OpenAPI 3.0.x) and the project's one normaliser.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use nrfcloud_codegen::{normalize, spec};
use serde_json::Value;

/// The default API base.
pub const DEFAULT_BASE_URL: &str = "https://api.nrfcloud.com";
/// The default timeout for the whole download, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// Where the document comes from (the options every fetching command shares).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Source {
    /// API base; the document is fetched from URL/v1/openapi.json.
    #[arg(long = "base-url", value_name = "URL", default_value = DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Give up after N seconds (connecting and reading the whole response).
    #[arg(
        long = "timeout-secs",
        value_name = "N",
        default_value_t = DEFAULT_TIMEOUT_SECS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub timeout_secs: u64,
}

impl Source {
    /// The limit for connecting and reading the whole response.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

/// Refuse bodies larger than this (the real document is a few hundred KiB).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A fetched, checked and normalised document.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL it came from.
    pub url: String,
    /// The parsed document.
    pub doc: Value,
    /// The document as `spec/openapi.json` stores it.
    pub text: String,
}

/// Why the document could not be fetched; displays as one line naming the URL and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// The URL (or the base URL, if no URL could be made from it).
    pub url: String,
    /// The cause, one line.
    pub cause: String,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot fetch {}: {}", self.url, one_line(&self.cause))
    }
}

/// `{base}/v1/openapi.json`, keeping any path prefix of the base.
pub fn document_url(base: &str) -> Result<reqwest::Url, String> {
    let joined = format!("{}/v1/openapi.json", base.trim_end_matches('/'));
    let url = reqwest::Url::parse(&joined).map_err(|e| format!("invalid base URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("invalid base URL: unsupported scheme {other:?}")),
    }
}

/// Fetches, checks and normalises the document.
pub fn fetch(source: &Source) -> Result<Fetched, FetchError> {
    let url = document_url(&source.base_url).map_err(|cause| FetchError {
        url: source.base_url.clone(),
        cause,
    })?;
    let url_text = url.to_string();
    let fail = |cause: String| FetchError {
        url: url_text.clone(),
        cause,
    };

    let body = download(url, source).map_err(&fail)?;
    let text = String::from_utf8(body).map_err(|e| fail(format!("not JSON: {e}")))?;
    let doc = spec::parse_json(&text).map_err(|e| fail(e.to_string()))?;
    spec::check_version_30(&doc).map_err(|e| fail(e.to_string()))?;
    let text = normalize::normalize_document(&doc);
    Ok(Fetched {
        url: url_text,
        doc,
        text,
    })
}

/// The body of a 200 response, within the timeout.
fn download(url: reqwest::Url, source: &Source) -> Result<Vec<u8>, String> {
    // reqwest is built without a default TLS crypto provider; the workspace uses ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(source.timeout())
        .timeout(source.timeout())
        .user_agent(concat!("nrfcloud-rs-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let secs = source.timeout_secs;
    let work = async {
        let mut response = client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| describe(&e, secs))?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(format!("HTTP {status}"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e, secs))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(format!(
                    "response larger than {} MiB",
                    MAX_BODY / 1024 / 1024
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    runtime.block_on(async {
        // reqwest's own timeout covers the whole exchange; this one is a backstop.
        match tokio::time::timeout(source.timeout(), work).await {
            Ok(result) => result,
            Err(_) => Err(timed_out(secs)),
        }
    })
}

fn timed_out(secs: u64) -> String {
    format!("timed out after {secs} s")
}

/// A reqwest error as a short cause (the URL is named by [`FetchError`] already).
fn describe(e: &reqwest::Error, secs: u64) -> String {
    if e.is_timeout() {
        return timed_out(secs);
    }
    let chain = error_chain(e);
    if e.is_connect() {
        format!("cannot connect: {chain}")
    } else if e.is_body() || e.is_decode() {
        format!("error reading the response: {chain}")
    } else {
        chain
    }
}

/// The causes of an error, innermost detail last, without reqwest's own URL-naming top line.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        // hyper-util's "client error (Connect)" only repeats what `describe` says.
        let noise = text.starts_with("client error (");
        if !text.is_empty() && !noise && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        let text = e.to_string();
        match e.url() {
            Some(url) => text.replace(&format!(" for url ({url})"), ""),
            None => text,
        }
    } else {
        parts.join(": ")
    }
}

/// Collapses line breaks so every message stays on one line.
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keeps_the_path_prefix() {
        assert_eq!(
            document_url("http://127.0.0.1:9999/prefix")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9999/prefix/v1/openapi.json"
        );
        assert_eq!(
            document_url("https://api.nrfcloud.com/").unwrap().as_str(),
            "https://api.nrfcloud.com/v1/openapi.json"
        );
        assert!(document_url("not a url").is_err());
        assert!(document_url("ftp://example.com").is_err());
    }

    #[test]
    fn errors_are_one_line() {
        let e = FetchError {
            url: "http://x/v1/openapi.json".into(),
            cause: "a\nb\r\n c".into(),
        };
        assert_eq!(
            e.to_string(),
            "cannot fetch http://x/v1/openapi.json: a b c"
        );
    }
}
