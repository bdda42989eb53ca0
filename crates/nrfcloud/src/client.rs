//! The client and its builder: base URL (a path prefix works), credentials, timeouts, user
//! agent, retry policy, the largest response accepted, or a `reqwest::Client` of your own.
//! Every generated operation is reachable through [`Client::api`] as a typed send
//! (`client.api().fetch_device().device_id(id).send().await?`), with the right credential
//! attached and errors turned into [`Error`].

use std::sync::Arc;
use std::time::Duration;

use nrfcloud_api::ResponseValue;
use nrfcloud_api::sendable::Sendable;
use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::credentials::{Credentials, DeviceKey, ServiceKey};
use crate::download_origin::OriginOverride;
use crate::error::{ApiError, Error};
use crate::middleware::{CallContext, CallOptions, CredentialSlot, State};
use crate::retry::RetryPolicy;
use crate::runtime::{AsyncSleep, SystemTimeSource, TimeSource, TokioSleep};
use crate::secret::Secret;

/// The API's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.nrfcloud.com";
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default request timeout: generous, for firmware uploads.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Default largest response body: 8 MiB. The largest real answers are the API document
/// (`GetSpec`: 0.31 MB as stored in `spec/`) and a ListDevices page of 100 devices like the
/// largest recorded device document (3.5 kB with its shadow: 0.35 MB a page); 8 MiB leaves
/// room for pages of devices whose shadows are several times larger. See [`ClientBuilder::max_response_bytes`] for the
/// memory a decoded response takes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;
/// Default largest number of headers in a response: 100 (hyper's own default).
pub const DEFAULT_MAX_RESPONSE_HEADERS: usize = 100;

/// The nRF Cloud client. Cheap to clone (an `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    raw: nrfcloud_api::Client,
    state: Arc<State>,
    base_url: String,
    download_overrides: Vec<OriginOverride>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.state.credentials)
            .field("retry", &self.inner.state.retry)
            .finish()
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    time: Arc<dyn TimeSource>,
    sleep: Arc<dyn AsyncSleep>,
    max_response_bytes: u64,
    download_overrides: Vec<(String, String)>,
    max_response_headers: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.into(),
            credentials: Credentials::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: concat!("nrfcloud-rs/", env!("CARGO_PKG_VERSION")).into(),
            retry: RetryPolicy::none(),
            http: None,
            time: Arc::new(SystemTimeSource),
            sleep: Arc::new(TokioSleep),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            download_overrides: Vec::new(),
            max_response_headers: DEFAULT_MAX_RESPONSE_HEADERS,
        }
    }
}

impl ClientBuilder {
    /// A builder for the production API with no credentials.
    pub fn new() -> Self {
        Self::default()
    }

    /// The API's base URL (default `https://api.nrfcloud.com`). A path prefix works:
    /// `http://127.0.0.1:8080/nrfcloud` sends to `http://127.0.0.1:8080/nrfcloud/v1/...`.
    /// The URL may also end in the API's `/v1` (as the mock prints it, and as the
    /// documentation writes it): one trailing `/v1` is removed, so
    /// `https://api.nrfcloud.com/v1` and `https://api.nrfcloud.com` are the same client.
    /// Without a scheme (`api.nrfcloud.com`), [`ClientBuilder::build`] fails and says to add
    /// `https://` or `http://`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The team's API key (the "Simple Token").
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.credentials.api_key = Some(key.into());
        self
    }

    /// A device key: minted device JWTs for operations that accept a JSON Web Token.
    pub fn device_key(mut self, key: DeviceKey) -> Self {
        self.credentials.device_key = Some(key);
        self
    }

    /// The team's service key: minted service JWTs for operations that accept a JSON Web
    /// Token (used when no device key is set).
    pub fn service_key(mut self, key: ServiceKey) -> Self {
        self.credentials.service_key = Some(key);
        self
    }

    /// A JWT minted elsewhere (used when neither a device nor a service key is set).
    pub fn jwt(mut self, token: impl Into<Secret>) -> Self {
        self.credentials.jwt = Some(token.into());
        self
    }

    /// A service evaluation token (GenerateServiceEvaluationToken).
    pub fn evaluation_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials.evaluation_token = Some(token.into());
        self
    }

    /// Connect timeout (default 10 s). Ignored with [`ClientBuilder::http_client`].
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Whole-request timeout (default 300 s). Ignored with [`ClientBuilder::http_client`].
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The `User-Agent` (default `nrfcloud-rs/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// The retry policy (default: no retries).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body a call reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 8 MiB: over 20 times the largest real answer
    /// measured). A response announcing more in `Content-Length` fails at once without
    /// reading its body; one of unknown length (chunked) fails as soon as it passes the
    /// limit. Either way the call ends with [`Error::ResponseTooLarge`] naming the limit.
    /// Applies to every call of the generated client, byte streams included (their reader
    /// gets the error past the limit), with this or your own [`ClientBuilder::http_client`].
    ///
    /// Memory: a call holds the body, and then what it decodes to. The open JSON the
    /// server fills (device shadows, message payloads, alert messages, JSONata results,
    /// bare JSON answers) is kept as text ([`nrfcloud_api::json`]): at most about 1 byte
    /// of heap per byte of JSON, whatever it holds (`[0,0,…]` as `serde_json::Value` took
    /// 72). The typed parts cost what their Rust types cost: measured worst cases are 6.25
    /// bytes per byte for arrays of one-letter strings (tags), 8 for arrays of numbers, and
    /// 48 for an array of empty objects inside the deprecated account `plan`, an untagged
    /// union that serde buffers whole (`cargo test --release --test decoded_size --
    /// --ignored --nocapture`; heap bytes requested at the peak, body not counted). So the
    /// default bounds a call to about 8 MiB × (1 + 48) in the worst shape known, and 2 × 8
    /// MiB for hostile open JSON.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The most headers a response may have (default [`DEFAULT_MAX_RESPONSE_HEADERS`], 100).
    /// A response with more, or whose head is larger than hyper's buffer (about 400 KiB, not
    /// settable), ends the call with [`Error::ResponseHeadTooLarge`]. Ignored with
    /// [`ClientBuilder::http_client`] (set `http1_max_headers` on your own client).
    pub fn max_response_headers(mut self, n: usize) -> Self {
        self.max_response_headers = n;
        self
    }

    /// Use this `reqwest::Client` (its timeouts, proxies, TLS settings) instead of building one.
    ///
    /// The client the builder makes refuses 307/308 redirects from the API to another origin
    /// ([`Error::CrossOriginRedirect`]: they would re-send the request body there); your own
    /// client keeps its own redirect policy, so give it one that does the same, or
    /// `reqwest::redirect::Policy::none()`. The bearer token is never sent to another origin
    /// either way.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Downloads ([`LocationHandler::pgps`](crate::LocationHandler::pgps), [`Client::download_url`],
    /// [`Client::download_to`]) whose URL is on the origin `from` (`scheme://host[:port]`) are
    /// fetched from the origin `to` instead, with the same path and query; other URLs are
    /// untouched. For tests: the API names a P-GPS file as `https://{host}/{path}`, and the
    /// local mock serves it over plain HTTP, so map the mock's `https://` origin to its base
    /// URL. Both must be bare `http(s)` origins ([`ClientBuilder::build`] fails naming
    /// `download_origin_override` otherwise). Downloads never carry the API credential,
    /// overridden or not.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock_base_url = "http://127.0.0.1:8080";
    /// let https_origin = mock_base_url.replacen("http://", "https://", 1);
    /// let client = nrfcloud::Client::builder()
    ///     .base_url(mock_base_url)
    ///     .download_origin_override(https_origin, mock_base_url)
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn download_origin_override(
        mut self,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Self {
        self.download_overrides.push((from.into(), to.into()));
        self
    }

    /// Where the client reads the time: token minting, `Retry-After` dates, retry budgets,
    /// poll timeouts, the A-GNSS deadline (default: the system clock). Tests use a
    /// [`ManualTime`](crate::testing::ManualTime).
    pub fn time_source(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = time;
        self
    }

    /// How the client waits: between retries and between polls (default: tokio's timer).
    /// A [`ManualTime`](crate::testing::ManualTime) moves its clock instead of waiting.
    pub fn sleep(mut self, sleep: Arc<dyn AsyncSleep>) -> Self {
        self.sleep = sleep;
        self
    }

    /// Checks everything and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a base URL that is not an absolute `http(s)` URL, a user
    /// agent that cannot be a header, or an HTTP client that cannot be built (TLS setup);
    /// [`Error::Credentials`] for a credential that cannot go into a header.
    pub fn build(self) -> Result<Client, Error> {
        let trimmed = normalize_base_url(&self.base_url);
        if !trimmed.contains("://") {
            return Err(Error::invalid(
                None,
                "base_url",
                format!("{trimmed:?} has no scheme: add https:// (or http:// for a local mock)"),
            ));
        }
        let url = reqwest::Url::parse(&trimmed)
            .map_err(|e| Error::invalid(None, "base_url", format!("{e}: {trimmed:?}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid(
                None,
                "base_url",
                "must be an http(s) URL with a host",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid(
                None,
                "base_url",
                "must not have a query or fragment",
            ));
        }
        self.credentials.validate()?;
        let download_overrides = self
            .download_overrides
            .iter()
            .map(|(from, to)| OriginOverride::new(from, to))
            .collect::<Result<Vec<_>, _>>()?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::invalid(None, "user_agent", "not a valid header value"))?;
        let origin = crate::redirect::origin_of(&url);
        let http = match self.http {
            Some(c) => c,
            None => {
                nrfcloud_api::hooks::ensure_crypto_provider();
                let mut builder = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout)
                    .redirect(crate::redirect::policy(origin.clone()));
                // Without a setting hyper allows 100 headers, our default, in stack arrays; a
                // limit set explicitly (even to 100) allocates and fills two arrays of that
                // size for every response, about 1,000 instructions a call.
                if self.max_response_headers != DEFAULT_MAX_RESPONSE_HEADERS {
                    builder = builder.http1_max_headers(self.max_response_headers);
                }
                builder
                    .build()
                    .map_err(|e| Error::invalid(None, "http client", e.to_string()))?
            }
        };
        let state = Arc::new(State {
            credentials: self.credentials,
            retry: self.retry,
            time: self.time,
            sleep: self.sleep,
            origin,
            user_agent,
            max_response_bytes: self.max_response_bytes,
            bearer: Default::default(),
        });
        let hooks = nrfcloud_api::hooks::Hooks::new(state.clone());
        let raw = nrfcloud_api::Client::new_with_client(&format!("{trimmed}/v1"), http, hooks);
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                state,
                base_url: trimmed,
                download_overrides,
            }),
        })
    }
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The base URL (without `/v1`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Where a download of `url` goes: the first matching
    /// [`ClientBuilder::download_origin_override`], else `url` itself.
    pub(crate) fn download_target(&self, url: Url) -> Url {
        self.inner
            .download_overrides
            .iter()
            .find_map(|o| o.apply(&url))
            .unwrap_or(url)
    }

    /// Every operation of the API, one method each, with the spec's documentation:
    /// `client.api().fetch_device().device_id(id).send().await?`. Each returns a
    /// [`Request`](crate::Request) whose setters are the operation's parameters, sent with the
    /// credential its security accepts, retries, the size limit and a `tracing` span, and
    /// answering [`Error`]. Paginated operations also stream their pages and items.
    ///
    /// ```no_run
    /// # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
    /// use futures::TryStreamExt;
    /// let device = client.api().fetch_device().device_id("nrf-352656100000000").send().await?;
    /// let firmware: Vec<_> = client.api().list_firmware().items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn api(&self) -> crate::Api<'_> {
        crate::Api::new(self)
    }

    /// The generated client underneath: the escape hatch for what [`Client::api`] does not
    /// cover. Its calls still go through this client's middleware (credentials, retries,
    /// tracing, the size limit) but answer progenitor's error type, and a refused credential
    /// is only a message ([`RawError::Custom`](crate::api::RawError::Custom)).
    pub fn raw(&self) -> &crate::api::RawClient {
        &self.inner.raw
    }

    /// The configured `User-Agent`, for requests sent outside the generated client.
    pub(crate) fn user_agent(&self) -> &HeaderValue {
        &self.inner.state.user_agent
    }

    /// The client's time source (deadlines of workflows, token minting).
    pub(crate) fn time(&self) -> &dyn TimeSource {
        self.inner.state.time.as_ref()
    }

    /// How the client waits (retries, polls).
    pub(crate) fn sleeper(&self) -> &dyn AsyncSleep {
        self.inner.state.sleep.as_ref()
    }

    /// The largest response body the client reads ([`ClientBuilder::max_response_bytes`]).
    pub(crate) fn max_response_bytes(&self) -> u64 {
        self.inner.state.max_response_bytes
    }

    /// The middleware, for tests of its futures.
    #[cfg(test)]
    pub(crate) fn middleware(&self) -> &State {
        &self.inner.state
    }

    /// Sends one request builder with per-call options: the one path of every call of the
    /// generated client through the wrapper ([`crate::Request::send`], the workflows).
    /// The options and the slot for a refused credential travel in the builder's per-call
    /// extensions; the middleware's `prepare` hook checks the credential before anything is
    /// sent.
    pub(crate) async fn send<'a, B>(
        &self,
        mut builder: B,
        options: CallOptions,
    ) -> Result<ResponseValue<B::Response>, Error>
    where
        B: Sendable<'a>,
        B::ErrorBody: serde::Serialize,
    {
        let op = builder.operation();
        let slot = CredentialSlot::default();
        builder.call_extensions_mut().insert(CallContext {
            options,
            refused: slot.clone(),
        });
        match builder.send_future().await {
            Ok(v) => Ok(v),
            Err(nrfcloud_api::Error::Custom(message)) => Err(match slot.take() {
                Some(refused) => Error::Credentials(refused),
                None => Error::invalid(Some(op.operation_id), "credentials", message),
            }),
            Err(e) => Err(convert_error(op.operation_id, e).await),
        }
    }
}

/// A builder setter's conversion error, `<parameter>: <value>: <rule>` (the raw crate's
/// setters name their parameter, see `nrfcloud_api::conversion`), split at the parameter.
fn setter_error(reason: &str) -> Option<(&str, &str)> {
    let (parameter, why) = reason.split_once(": ")?;
    let plain = !parameter.is_empty()
        && parameter
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    plain.then_some((parameter, why))
}

/// progenitor's error -> [`Error`], reading the body of unexpected responses.
pub(crate) async fn convert_error<E: serde::Serialize>(
    operation: &'static str,
    e: progenitor_client::Error<E>,
) -> Error {
    use progenitor_client::Error as P;
    match e {
        P::InvalidRequest(reason) => match setter_error(&reason) {
            Some((parameter, why)) => Error::invalid(Some(operation), parameter, why),
            None => Error::invalid(Some(operation), "request", reason),
        },
        P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
            reqwest_error(operation, e)
        }
        P::InvalidResponsePayload(body, e) => {
            let (status, reason) = nrfcloud_api::hooks::decode_status(&e);
            Error::decode(operation, status, reason, &body)
        }
        P::ErrorResponse(rv) => {
            let status = rv.status().as_u16();
            let body = serde_json::to_vec(rv.as_ref()).unwrap_or_default();
            Error::Api(ApiError::from_body(operation, status, &body))
        }
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) if (200..300).contains(&status) => Error::decode(
                    operation,
                    Some(status),
                    "a success status the API document does not declare",
                    &body,
                ),
                Ok(body) => Error::Api(ApiError::from_body(operation, status, &body)),
                Err(e) => reqwest_error(operation, e),
            }
        }
        // The middleware refused before sending (`send` turns its typed refusal into
        // `Error::Credentials` first).
        P::Custom(message) => Error::invalid(Some(operation), "credentials", message),
    }
}

/// A `reqwest::Error` -> [`Error`] (see [`Error::transport`]).
fn reqwest_error(operation: &'static str, e: reqwest::Error) -> Error {
    Error::transport(operation, e)
}

/// The base URL as the generated client wants it: without trailing slashes and without one
/// trailing `/v1` (the API's version segment, which the generated paths do not include).
fn normalize_base_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix("/v1").unwrap_or(url);
    url.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::normalize_base_url;

    #[test]
    fn one_trailing_v1_and_slashes_are_removed() {
        for (given, expected) in [
            ("https://api.nrfcloud.com", "https://api.nrfcloud.com"),
            ("https://api.nrfcloud.com/", "https://api.nrfcloud.com"),
            ("https://api.nrfcloud.com/v1", "https://api.nrfcloud.com"),
            ("https://api.nrfcloud.com/v1/", "https://api.nrfcloud.com"),
            (
                "http://127.0.0.1:8080/prefix/v1",
                "http://127.0.0.1:8080/prefix",
            ),
            // Only the last segment, and only when it is exactly `v1`.
            ("http://h/v1/v1", "http://h/v1"),
            ("http://h/v10", "http://h/v10"),
            ("http://h/api-v1", "http://h/api-v1"),
        ] {
            assert_eq!(normalize_base_url(given), expected, "{given}");
        }
    }
}
