//! Files the API points to, on its own host or others: one helper for every URL the API
//! hands out.
//!
//! - P-GPS prediction files ([`LocationHandler::pgps`](crate::LocationHandler::pgps), from GetPredictedAssistanceData's
//!   `{host, path}`; [`prediction_url`] builds the URL);
//! - firmware URIs (a bundle's `uris`, FOTA job documents' file locations);
//! - binary-log zips (the `downloadUrl` of a binary-log request);
//! - bulk-ops error summaries (`errorSummaryUrl`) and any other presigned link.
//!
//! [`Client::download_to`] streams the body chunk by chunk into any
//! [`tokio::io::AsyncWrite`] (a file, a `Vec<u8>`, a hasher), never holding more than one
//! chunk in memory, and checks its size against [`DownloadLimits`]: a `Content-Length` over
//! the limit or different from the expected length fails before anything is written, a body
//! that runs past the limit stops there, one that ends short of the expected length fails.
//! [`Client::download_url`] and [`LocationHandler::pgps`](crate::LocationHandler::pgps) go through the same code into
//! memory, within the client's [`max_response_bytes`](crate::ClientBuilder::max_response_bytes)
//! ([`Error::ResponseTooLarge`] past it), and so does the bulk workflow's error summary,
//! within its own smaller limit.
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client, url: &str) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::downloads::DownloadLimits;
//!
//! // Any tokio AsyncWrite: a file, a socket, or memory.
//! let mut image: Vec<u8> = Vec::new();
//! let limits = DownloadLimits::new(16 << 20).with_expected_len(409_600);
//! let written = client.download_to(url, &mut image, limits).await?;
//!
//! let location = client.api().get_predicted_assistance_data().send().await?;
//! let predictions = client.location().pgps(&location).await?;
//! # let _ = (written, predictions); Ok(()) }
//! ```
//!
//! A test that downloads from a local mock maps the `https://` origin the API names to the
//! mock's plain-HTTP base URL with
//! [`ClientBuilder::download_origin_override`](crate::ClientBuilder::download_origin_override).
//!
//! These downloads never carry the API credential: they are plain `GET`s with the client's
//! `reqwest::Client` (its timeouts, proxies and TLS settings) and `User-Agent`, outside the
//! generated client's middleware, so no `Authorization` header is ever added, whatever the
//! host (the API's own included). URLs with a user name or password are refused, since
//! `reqwest` would send them as an `Authorization` header. Downloads are not retried.

use bytes::Bytes;
use nrfcloud_api::{ClientInfo, types};
use reqwest::Url;
use reqwest::header::USER_AGENT;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tracing::Instrument;

use crate::client::Client;
use crate::error::{ApiError, Error, Limit};
use crate::middleware::{TooLarge, bounded};

/// The operation name in the errors of [`Client::download_url`] and [`Client::download_to`].
pub const DOWNLOAD_URL: &str = "download_url";
/// The operation name in the errors of [`LocationHandler::pgps`](crate::LocationHandler::pgps).
pub const DOWNLOAD_PGPS: &str = "download_pgps";
/// The operation name in the errors of a bulk-ops error summary's download (`errorSummaryUrl`,
/// read by the bulk workflows of [`crate::onboarding`]).
pub const DOWNLOAD_ERROR_SUMMARY: &str = "download_error_summary";

/// The default [`DownloadLimits::max_bytes`]: 256 MiB.
pub const DEFAULT_MAX_DOWNLOAD: u64 = 256 << 20;

/// At most this much of an error answer's body is read (it goes into [`ApiError::body`]).
const ERROR_BODY_LIMIT: usize = 16 << 10;

/// Size checks of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadLimits {
    /// The largest body accepted, in bytes. A larger `Content-Length` fails before anything
    /// is written; a body without one that grows past it stops the download there.
    pub max_bytes: u64,
    /// The exact size the body must have, when known (e.g. from a firmware bundle's
    /// metadata). A different `Content-Length` fails before anything is written; a body that
    /// runs longer stops there, one that ends shorter fails at its end.
    pub expected_len: Option<u64>,
}

impl Default for DownloadLimits {
    /// At most [`DEFAULT_MAX_DOWNLOAD`] bytes, any length.
    fn default() -> Self {
        DownloadLimits::new(DEFAULT_MAX_DOWNLOAD)
    }
}

impl DownloadLimits {
    /// At most `max_bytes`, any length.
    pub const fn new(max_bytes: u64) -> Self {
        DownloadLimits {
            max_bytes,
            expected_len: None,
        }
    }

    /// The body must be exactly `len` bytes.
    pub const fn with_expected_len(mut self, len: u64) -> Self {
        self.expected_len = Some(len);
        self
    }
}

/// The URL of a P-GPS prediction file: `https://{host}/{path}`.
///
/// `host` is "protocol agnostic" in the API (e.g. `pgnss.nrfcloud.com`): HTTPS is used unless
/// it names `http://` or `https://` itself. Slashes between the two parts are normalised, and
/// `path` is percent-encoded segment by segment (a `?` or `#` in it stays part of the path).
///
/// # Errors
///
/// [`Error::InvalidInput`] for an empty host, or a host and path that do not make an `http(s)`
/// URL.
pub fn prediction_url(host: &str, path: &str) -> Result<Url, Error> {
    let host = host.trim();
    if host.is_empty() {
        return Err(Error::invalid(Some(DOWNLOAD_PGPS), "host", "is empty"));
    }
    let base = if host.starts_with("https://") || host.starts_with("http://") {
        host.to_string()
    } else if host.contains("://") {
        return Err(Error::invalid(
            Some(DOWNLOAD_PGPS),
            "host",
            format!("{host:?}: only http and https are supported"),
        ));
    } else {
        format!("https://{host}")
    };
    let mut url = Url::parse(&base)
        .map_err(|e| Error::invalid(Some(DOWNLOAD_PGPS), "host", format!("{host:?}: {e}")))?;
    if url.host_str().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(
            Some(DOWNLOAD_PGPS),
            "host",
            format!("{host:?} is not a host name"),
        ));
    }
    let path = path.trim().trim_start_matches('/');
    if path.is_empty() {
        return Err(Error::invalid(Some(DOWNLOAD_PGPS), "path", "is empty"));
    }
    url.path_segments_mut()
        .map_err(|()| {
            Error::invalid(
                Some(DOWNLOAD_PGPS),
                "host",
                format!("{host:?} cannot be a base"),
            )
        })?
        .pop_if_empty()
        .extend(path.split('/'));
    Ok(url)
}

impl Client {
    /// Downloads an `http(s)` URL with a plain `GET`, without the API credential, into memory
    /// (at most the client's [`max_response_bytes`](crate::ClientBuilder::max_response_bytes);
    /// [`Client::download_to`] streams instead and takes other limits).
    ///
    /// # Errors
    ///
    /// as [`Client::download_to`], but a body over the limit is
    /// [`Error::ResponseTooLarge`].
    pub async fn download_url(&self, url: &str) -> Result<Bytes, Error> {
        let parsed = parse_download_url(url)?;
        self.download_to_memory(DOWNLOAD_URL, parsed).await
    }

    /// Streams an `http(s)` URL the API handed out (a P-GPS file, a firmware URI, a
    /// binary-log zip, an `errorSummaryUrl`, …) into `writer` with a plain `GET`, without the
    /// API credential, chunk by chunk; returns the number of bytes written. The writer is
    /// flushed at the end, not shut down.
    ///
    /// Checks, in order: the status (2xx); the `Content-Length`, when given, against
    /// `limits` before anything is written; every chunk against `limits` before it is written
    /// (a body that runs past [`DownloadLimits::max_bytes`] or
    /// [`DownloadLimits::expected_len`] is not read further); the total at the end
    /// (shorter than `expected_len` or the `Content-Length` fails). After an error the writer
    /// may hold part of the body: discard it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a URL that is not `http(s)` or has a user name or
    /// password, or an `expected_len` over `max_bytes` (nothing is sent); [`Error::Api`] for a
    /// non-2xx answer, with the first 16 KiB of its body (e.g. an S3 XML error;
    /// [`Error::is_not_found`] for 404); [`Error::Decode`] for a size that breaks the limits;
    /// [`Error::Write`] when the writer fails; [`Error::Timeout`] and [`Error::Transport`].
    /// The operation name in errors is [`DOWNLOAD_URL`].
    pub async fn download_to<W>(
        &self,
        url: &str,
        writer: &mut W,
        limits: DownloadLimits,
    ) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let parsed = parse_download_url(url)?;
        let over =
            |status: u16, reason: String| Error::decode(DOWNLOAD_URL, Some(status), reason, &[]);
        self.stream_without_credentials(DOWNLOAD_URL, parsed, writer, limits, &over)
            .await
    }

    async fn download_to_memory(&self, operation: &'static str, url: Url) -> Result<Bytes, Error> {
        let limit = self.max_response_bytes();
        let over = |status: u16, _: String| Error::ResponseTooLarge {
            operation,
            status,
            limit,
        };
        let mut body = Vec::new();
        self.stream_without_credentials(
            operation,
            url,
            &mut body,
            DownloadLimits::new(limit),
            &over,
        )
        .await?;
        Ok(Bytes::from(body))
    }

    /// Downloads a bulk-ops error summary into memory: at most `max_bytes`
    /// ([`Error::LimitExceeded`] past it) or the client's `max_response_bytes`
    /// ([`Error::ResponseTooLarge`]), whichever is smaller.
    pub(crate) async fn download_error_summary(
        &self,
        url: &str,
        max_bytes: u64,
    ) -> Result<Bytes, Error> {
        const OPERATION: &str = DOWNLOAD_ERROR_SUMMARY;
        let parsed = parse_download_url(url).map_err(|e| match e {
            Error::InvalidInput { field, reason, .. } => Error::InvalidInput {
                operation: Some(OPERATION),
                field: format!("errorSummaryUrl ({field})"),
                reason,
            },
            other => other,
        })?;
        let client_limit = self.max_response_bytes();
        let limit = max_bytes.min(client_limit);
        let over = |status: u16, _: String| {
            if max_bytes <= client_limit {
                Error::LimitExceeded {
                    operation: OPERATION,
                    limit: Limit::ErrorSummaryBytes(max_bytes),
                }
            } else {
                Error::ResponseTooLarge {
                    operation: OPERATION,
                    status,
                    limit,
                }
            }
        };
        let mut body = Vec::new();
        self.stream_without_credentials(
            OPERATION,
            parsed,
            &mut body,
            DownloadLimits::new(limit),
            &over,
        )
        .await?;
        Ok(Bytes::from(body))
    }

    /// The one implementation of every download. `over_limit` makes the error for a body
    /// over `limits.max_bytes` (from the status and a reason).
    async fn stream_without_credentials<W>(
        &self,
        operation: &'static str,
        url: Url,
        writer: &mut W,
        limits: DownloadLimits,
        over_limit: &(dyn Fn(u16, String) -> Error + Sync),
    ) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let url = self.download_target(url);
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid(
                Some(operation),
                "url",
                "must not carry a user name or password (they would be sent as credentials)",
            ));
        }
        if let Some(expected) = limits.expected_len.filter(|&e| e > limits.max_bytes) {
            return Err(Error::invalid(
                Some(operation),
                "limits.expected_len",
                format!(
                    "{expected} bytes expected, more than max_bytes ({})",
                    limits.max_bytes
                ),
            ));
        }
        let span = tracing::info_span!(
            "nrfcloud.download",
            operation,
            host = url.host_str().unwrap_or_default(),
            path = url.path(),
            status = tracing::field::Empty,
            bytes = tracing::field::Empty,
        );
        // The generated client's middleware is not involved: nothing adds Authorization.
        let request = self
            .raw()
            .client()
            .get(url)
            .header(USER_AGENT, self.user_agent().clone());
        async move {
            let mut response = request
                .send()
                .await
                .map_err(|e| Error::transport(operation, e))?;
            let status = response.status().as_u16();
            tracing::Span::current().record("status", status);
            if !(200..300).contains(&status) {
                let mut body = Vec::new();
                while body.len() < ERROR_BODY_LIMIT {
                    match response.chunk().await {
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => return Err(Error::transport(operation, e)),
                    }
                }
                body.truncate(ERROR_BODY_LIMIT);
                return Err(Error::Api(ApiError::from_body(operation, status, &body)));
            }
            let size_error = |reason: String| Error::decode(operation, Some(status), reason, &[]);
            let announced = response.content_length();
            if let Some((len, expected)) = announced.zip(limits.expected_len)
                && len != expected
                && len <= limits.max_bytes
            {
                return Err(size_error(format!(
                    "Content-Length {len}, {expected} bytes expected"
                )));
            }
            // The client's one body cap (the same as every API call's): a Content-Length over
            // it fails before a byte is read, a longer body on the chunk that crosses it.
            let mut response = bounded(response, limits.max_bytes);
            let mut written: u64 = 0;
            loop {
                let chunk = match response.chunk().await {
                    Ok(Some(chunk)) => chunk,
                    Ok(None) => break,
                    Err(e) => {
                        return Err(match TooLarge::find(&e) {
                            Some(TooLarge { limit, .. }) => over_limit(
                                status,
                                match announced.filter(|&len| len > limit) {
                                    Some(len) => {
                                        format!("Content-Length {len} is over the limit of {limit} bytes")
                                    }
                                    None => format!(
                                        "the body runs past the limit of {limit} bytes \
                                         (stopped after {written})"
                                    ),
                                },
                            ),
                            None => Error::transport(operation, e),
                        });
                    }
                };
                let total = written.saturating_add(chunk.len() as u64);
                if let Some(expected) = limits.expected_len.filter(|&e| total > e) {
                    return Err(size_error(format!(
                        "the body runs past the {expected} bytes expected (stopped at {total})"
                    )));
                }
                writer
                    .write_all(&chunk)
                    .await
                    .map_err(|source| Error::Write { operation, source })?;
                written = total;
            }
            writer
                .flush()
                .await
                .map_err(|source| Error::Write { operation, source })?;
            tracing::Span::current().record("bytes", written);
            if let Some(expected) = limits.expected_len.filter(|&e| e != written) {
                return Err(size_error(format!(
                    "the body ended after {written} bytes, {expected} expected"
                )));
            }
            if let Some(len) = announced.filter(|&l| l != written) {
                return Err(size_error(format!(
                    "the body ended after {written} bytes, Content-Length {len}"
                )));
            }
            Ok(written)
        }
        .instrument(span)
        .await
    }
}

/// An `http(s)` URL with a host.
fn parse_download_url(url: &str) -> Result<Url, Error> {
    let parsed = Url::parse(url.trim())
        .map_err(|e| Error::invalid(Some(DOWNLOAD_URL), "url", e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid(
            Some(DOWNLOAD_URL),
            "url",
            "must be an http(s) URL with a host",
        ));
    }
    Ok(parsed)
}

impl crate::location::LocationHandler<'_> {
    /// Downloads a P-GPS prediction file from the `{host, path}` GetPredictedAssistanceData
    /// returned (see [`prediction_url`]), without the API credential, into memory (at most the
    /// client's [`max_response_bytes`](crate::ClientBuilder::max_response_bytes): a larger
    /// file is [`Error::ResponseTooLarge`]). Use [`Client::download_to`] with the
    /// [`prediction_url`] to stream it instead.
    ///
    /// # Errors
    ///
    /// As [`Client::download_url`]: [`Error::InvalidInput`] for a `{host, path}` that is not an
    /// `http(s)` URL (nothing is sent), [`Error::Api`] for a non-2xx answer,
    /// [`Error::ResponseTooLarge`], [`Error::Timeout`] and [`Error::Transport`].
    pub async fn pgps(
        &self,
        location: &types::GetPredictedAssistanceDataResponse,
    ) -> Result<Bytes, Error> {
        let url = prediction_url(&location.host, &location.path)?;
        self.client.download_to_memory(DOWNLOAD_PGPS, url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_urls() {
        let url = |h, p| prediction_url(h, p).map(|u| u.to_string());
        assert_eq!(
            url("pgnss.nrfcloud.com", "public/15131-0_15135-72000.bin").unwrap(),
            "https://pgnss.nrfcloud.com/public/15131-0_15135-72000.bin"
        );
        assert_eq!(
            url("pgnss.nrfcloud.com/", "/public/a.bin").unwrap(),
            "https://pgnss.nrfcloud.com/public/a.bin"
        );
        assert_eq!(
            url("http://127.0.0.1:8080", "public/a.bin").unwrap(),
            "http://127.0.0.1:8080/public/a.bin"
        );
        assert_eq!(
            url("https://cdn.example/prefix/", "public/a.bin").unwrap(),
            "https://cdn.example/prefix/public/a.bin"
        );
        assert_eq!(
            url("pgnss.nrfcloud.com", "public/a b?c#d.bin").unwrap(),
            "https://pgnss.nrfcloud.com/public/a%20b%3Fc%23d.bin"
        );
        for (h, p) in [
            ("", "a.bin"),
            ("pgnss.nrfcloud.com", ""),
            ("pgnss.nrfcloud.com", "/"),
            ("ftp://pgnss.nrfcloud.com", "a.bin"),
            ("pgnss.nrfcloud.com?x=1", "a.bin"),
            ("exa mple.com", "a.bin"),
        ] {
            assert!(
                matches!(prediction_url(h, p), Err(Error::InvalidInput { .. })),
                "{h:?} {p:?}"
            );
        }
    }
}
