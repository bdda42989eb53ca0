//! Files the API points to on other hosts: P-GPS prediction files
//! ([`Client::download_pgps`], from GetPredictedAssistanceData's `{host, path}`) and any URL
//! the API returns ([`Client::download_url`], e.g. firmware or presigned links).
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
//! let location = client.execute(|api| api.get_predicted_assistance_data()).await?;
//! let predictions = client.download_pgps(&location).await?;
//! # Ok(()) }
//! ```
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
use tracing::Instrument;

use crate::client::Client;
use crate::error::{ApiError, Error};

/// The operation name in the errors of [`Client::download_url`].
pub const DOWNLOAD_URL: &str = "download_url";
/// The operation name in the errors of [`Client::download_pgps`].
pub const DOWNLOAD_PGPS: &str = "download_pgps";

/// The URL of a P-GPS prediction file: `https://{host}/{path}`.
///
/// `host` is "protocol agnostic" in the API (e.g. `pgnss.nrfcloud.com`): HTTPS is used unless
/// it names `http://` or `https://` itself. Slashes between the two parts are normalised, and
/// `path` is percent-encoded segment by segment (a `?` or `#` in it stays part of the path).
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
    /// Downloads a P-GPS prediction file from the `{host, path}` GetPredictedAssistanceData
    /// returned (see [`prediction_url`]), without the API credential.
    pub async fn download_pgps(
        &self,
        location: &types::GetPredictedAssistanceDataResponse,
    ) -> Result<Bytes, Error> {
        let url = prediction_url(&location.host, &location.path)?;
        self.get_without_credentials(DOWNLOAD_PGPS, url).await
    }

    /// Downloads an `http(s)` URL with a plain `GET`, without the API credential.
    ///
    /// Errors: [`Error::InvalidInput`] for a URL that is not `http(s)` or has a user name or
    /// password; [`Error::Api`] for a non-2xx answer (its body kept, e.g. an S3 XML error;
    /// [`Error::is_not_found`] for 404); [`Error::Timeout`] and [`Error::Transport`]. The
    /// operation name in errors is [`DOWNLOAD_URL`].
    pub async fn download_url(&self, url: &str) -> Result<Bytes, Error> {
        let parsed = Url::parse(url.trim())
            .map_err(|e| Error::invalid(Some(DOWNLOAD_URL), "url", e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::invalid(
                Some(DOWNLOAD_URL),
                "url",
                "must be an http(s) URL with a host",
            ));
        }
        self.get_without_credentials(DOWNLOAD_URL, parsed).await
    }

    async fn get_without_credentials(
        &self,
        operation: &'static str,
        url: Url,
    ) -> Result<Bytes, Error> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid(
                Some(operation),
                "url",
                "must not carry a user name or password (they would be sent as credentials)",
            ));
        }
        let span = tracing::info_span!(
            "nrfcloud.download",
            operation,
            host = url.host_str().unwrap_or_default(),
            path = url.path(),
            status = tracing::field::Empty,
        );
        // The generated client's middleware is not involved: nothing adds Authorization.
        let request = self
            .api()
            .client()
            .get(url)
            .header(USER_AGENT, self.user_agent().clone());
        let (status, body) = async {
            let response = request
                .send()
                .await
                .map_err(|e| Error::transport(operation, e))?;
            let status = response.status().as_u16();
            tracing::Span::current().record("status", status);
            let body = response
                .bytes()
                .await
                .map_err(|e| Error::transport(operation, e))?;
            Ok::<_, Error>((status, body))
        }
        .instrument(span)
        .await?;
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(Error::Api(ApiError::from_body(operation, status, &body)))
        }
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
