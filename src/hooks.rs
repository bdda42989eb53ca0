//! The `ClientHooks` implementation of the generated client.
//!
//! Rust's orphan rule puts this impl in the crate that defines `Client`; it forwards to an
//! optional [`Middleware`] that the wrapper crate supplies through [`Hooks`]. Without one,
//! requests go straight to `reqwest`. Either way the hooks send `Accept` for binary
//! downloads.
//!
//! Every generated request builder carries per-call [`Extensions`] (set through its hidden
//! `call_extensions_mut`, or [`Sendable::call_extensions_mut`](crate::sendable::Sendable::call_extensions_mut));
//! the generated `send` hands them to [`pre`] and [`exec`], and so to the middleware. The
//! wrapper passes its per-call options this way.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use http::Extensions;
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

use crate::Client;
use crate::operations::{self, Operation};

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the wrapper plugs into every generated call.
pub trait Middleware: Send + Sync + 'static {
    /// Adjusts the request before it is sent (credentials, user agent). An `Err` stops the
    /// call before anything is sent; its text becomes `Error::Custom`. `extensions` are the
    /// call's own (see the module docs).
    ///
    /// # Errors
    ///
    /// The refusal's text (e.g. no credential the operation accepts), which ends the call as
    /// `Error::Custom` before anything is sent.
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        operation: &'static Operation,
        extensions: &Extensions,
    ) -> Result<(), String>;

    /// Sends the request (retries, tracing, timeouts live here), with the call's extensions.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static Operation,
        extensions: Extensions,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The generated client's inner state: an optional middleware. Cheap to clone.
#[derive(Clone, Default)]
pub struct Hooks {
    middleware: Option<Arc<dyn Middleware>>,
    /// The client's base URL, parsed for its first call (see [`crate::url`]).
    pub(crate) base: crate::url::BaseUrl,
}

impl Hooks {
    /// Hooks that forward to `middleware`.
    pub fn new(middleware: Arc<dyn Middleware>) -> Self {
        Self {
            middleware: Some(middleware),
            base: crate::url::BaseUrl::default(),
        }
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("middleware", &self.middleware.is_some())
            .finish()
    }
}

/// progenitor's `OperationInfo::operation_id` holds the generated method's name.
fn operation(info: &OperationInfo) -> Option<&'static Operation> {
    operations::by_method_name(info.operation_id)
}

/// Asks for binary downloads explicitly. (progenitor's `api-version` header, which the API
/// does not use, is not generated at all: `nrfcloud-codegen`'s
/// `postprocess::drop_api_version_header`.)
pub fn normalize_request(request: &mut reqwest::Request, operation: Option<&Operation>) {
    if let Some(accept) = operation.and_then(|op| op.accept) {
        let current = request.headers().get(reqwest::header::ACCEPT);
        if current.is_none_or(|v| v == "*/*") {
            if let Ok(v) = reqwest::header::HeaderValue::from_str(accept) {
                request.headers_mut().insert(reqwest::header::ACCEPT, v);
            }
        }
    }
}

/// Runs before every generated call is sent: normalises the request and lets the middleware
/// prepare it (credentials, user agent) with the call's extensions. The generated `send` calls
/// this instead of `ClientHooks::pre` (see `nrfcloud-codegen`'s
/// `postprocess::carry_call_extensions`), with its operation resolved at compile time
/// ([`operations::by_method_name_const`]).
///
/// # Errors
///
/// `Error::Custom` with the middleware's text when it refuses the call; nothing is sent.
pub async fn pre<E>(
    client: &Client,
    request: &mut reqwest::Request,
    operation: &'static Operation,
    extensions: &Extensions,
) -> Result<(), Error<E>> {
    prepare(client, request, Some(operation), extensions)
}

fn prepare<E>(
    client: &Client,
    request: &mut reqwest::Request,
    op: Option<&'static Operation>,
    extensions: &Extensions,
) -> Result<(), Error<E>> {
    normalize_request(request, op);
    if let (Some(m), Some(op)) = (&client.inner().middleware, op) {
        m.prepare(request, op, extensions).map_err(Error::Custom)?;
    }
    Ok(())
}

/// Sends a prepared request through the middleware (or straight to `reqwest` without one),
/// with the call's extensions. The generated `send` calls this instead of `ClientHooks::exec`.
///
/// # Errors
///
/// The `reqwest` error of the transfer (connect, timeout, body), or the middleware's (a retry
/// that failed, a body over the size limit).
pub async fn exec(
    client: &Client,
    request: reqwest::Request,
    operation: &'static Operation,
    extensions: Extensions,
) -> reqwest::Result<reqwest::Response> {
    execute(client, request, Some(operation), extensions).await
}

async fn execute(
    client: &Client,
    request: reqwest::Request,
    op: Option<&'static Operation>,
    extensions: Extensions,
) -> reqwest::Result<reqwest::Response> {
    match (&client.inner().middleware, op) {
        (Some(m), Some(op)) => m.execute(client.client(), request, op, extensions).await,
        _ => client.client().execute(request).await,
    }
}

/// The trait progenitor expects; calls through it carry no extensions.
impl ClientHooks<Hooks> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        prepare(self, request, operation(info), &Extensions::new())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        execute(self, request, operation(info), Extensions::new()).await
    }
}

/// `ResponseValue::from_response` without its copy of the headers: moves them out, reads the
/// body and decodes it as JSON. The generated code calls this (see `nrfcloud-codegen`'s
/// `postprocess::decode_json_without_copying_headers`).
///
/// # Errors
///
/// `Error::ResponseBodyError` when the body cannot be read; `Error::InvalidResponsePayload`
/// when it is not `T` (its message starts with `HTTP {status}: `, see [`decode_status`]).
pub async fn decode_json<T: serde::de::DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<crate::ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let inner = decode_body(&full)
        .map_err(|e| Error::InvalidResponsePayload(full, with_status(status.as_u16(), &e)))?;
    Ok(crate::ResponseValue::new(inner, status, headers))
}

/// Decodes a JSON response body as `T`, as [`decode_json`] does: the same result as
/// `serde_json::from_slice`, faster for a page of devices. A union of an item type and a
/// catch-all (ListDevices items: a device, or what a JSONata `transform` made of it) is first
/// read as the item type throughout, in one pass; only when that fails is the body decoded
/// again the usual way, each value tried as the item type and then kept as JSON.
///
/// # Errors
///
/// serde_json's error when the body is not a `T` (the error of the usual decode).
///
/// ```
/// use nrfcloud_api::types::ListDevicesResponse;
/// let body = br#"{"items": [{"id": "a"}, "b"], "total": 2}"#; // a transform's results
/// let page: ListDevicesResponse = nrfcloud_api::hooks::decode_body(body).unwrap();
/// let plain: ListDevicesResponse = serde_json::from_slice(body).unwrap();
/// assert_eq!(format!("{page:?}"), format!("{plain:?}"));
/// ```
pub fn decode_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    crate::unions::first_as_primary(body)
}

/// What [`decode_json`] puts before serde's reason, so that the status of a response that
/// does not decode survives progenitor's `InvalidResponsePayload` (which has no field for
/// it): `HTTP 200: invalid type: … at line 1 column 9`.
const STATUS_PREFIX: &str = "HTTP ";

/// serde's error with the response's status in front of its reason (line and column kept).
fn with_status(status: u16, e: &serde_json::Error) -> serde_json::Error {
    <serde_json::Error as serde::de::Error>::custom(format_args!("{STATUS_PREFIX}{status}: {e}"))
}

/// The status and the reason of a decode error made by [`decode_json`]; `None` and the
/// whole text for any other error.
///
/// ```
/// use serde::de::Error as _;
/// let e = serde_json::Error::custom("HTTP 200: expected value at line 1 column 1");
/// assert_eq!(
///     nrfcloud_api::hooks::decode_status(&e),
///     (Some(200), "expected value at line 1 column 1".to_string())
/// );
/// let other = serde_json::Error::custom("expected value");
/// assert_eq!(nrfcloud_api::hooks::decode_status(&other), (None, "expected value".to_string()));
/// ```
pub fn decode_status(e: &serde_json::Error) -> (Option<u16>, String) {
    let text = e.to_string();
    let parsed = text.strip_prefix(STATUS_PREFIX).and_then(|rest| {
        let (status, reason) = rest.split_once(": ")?;
        let status: u16 = status.parse().ok()?;
        (100..=599)
            .contains(&status)
            .then(|| (status, reason.to_string()))
    });
    match parsed {
        Some((status, reason)) => (Some(status), reason),
        None => (None, text),
    }
}

/// Installs rustls' ring crypto provider as the process default, once, unless another
/// provider is already installed. reqwest is built without a default provider (no C
/// toolchain needed for aws-lc), so this must run before a `reqwest::Client` is built; the
/// generated `Client::new` and the wrapper's builder call it.
pub fn ensure_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race against another installer is fine: a provider is installed.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}
