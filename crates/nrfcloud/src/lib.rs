//! The nRF Cloud REST API v1 client for Rust.
//!
//! ```no_run
//! # async fn f() -> Result<(), nrfcloud::Error> {
//! use futures::TryStreamExt;
//! let client = nrfcloud::Client::builder().api_key(std::env::var("NRFCLOUD_API_KEY").unwrap_or_default()).build()?;
//! let account = client.api().fetch_account_info().send().await?;
//! println!("team {}", account.team.tenant_id.as_str());
//! let device = client.api().fetch_device().device_id("nrf-352656100000000").send().await?;
//! let firmware: Vec<_> = client.api().list_firmware().items().try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! - [`Client`] / [`ClientBuilder`]: base URL, credentials, timeouts, retries, the largest
//!   response accepted.
//! - [`Client::api`] → [`Api`]: every operation of the API document, one method each with
//!   the document's docs, returning a [`Request`]: its setters are the operation's
//!   parameters, and [`Request::send`] sends it with the credential its security accepts,
//!   retries and a `tracing` span, answering typed [`Error`]s. Paginated operations stream
//!   their [`pages`](Request::pages) and [`items`](Request::items). The generated client
//!   underneath ([`api`], its [`types`]) is [`Client::raw`].
//! - Credentials: an API key, a [`DeviceKey`] or [`ServiceKey`] (ES256 JWTs minted and
//!   cached), an opaque JWT or evaluation token.
//!
//! Cargo feature `schemars` (off by default): `schemars::JsonSchema` on the generated
//! [`types`] (the raw crate's feature of the same name).

#![warn(missing_docs)]
#![warn(clippy::missing_errors_doc)]

/// The README's Rust snippets, compiled as doc tests (only when testing docs).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeSnippets;

pub mod agnss;
mod client;
pub mod credentials;
mod download_origin;
pub mod downloads;
pub mod error;
pub mod firmware;
pub mod fota;
pub mod ground_fix;
pub mod jwt;
mod location;
mod middleware;
pub mod onboarding;
mod operations_layer;
pub mod pagination;
mod redirect;
mod request;
pub mod retry;
pub mod runtime;
mod secret;
pub mod testing;

pub use agnss::{AgnssData, AgnssDownload, AgnssParseError};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RESPONSE_HEADERS, DEFAULT_TIMEOUT,
};
pub use credentials::{DeviceKey, ServiceKey};
pub use downloads::DownloadLimits;
pub use error::{ApiError, CredentialError, Error, Limit, NrfCode};
pub use firmware::FirmwareHandler;
pub use fota::FotaHandler;
pub use ground_fix::GroundFixOptions;
pub use location::LocationHandler;
pub use middleware::CallOptions;
pub use nrfcloud_jsonata as transform;
pub use nrfcloud_jsonata::Transform;
pub use onboarding::OnboardingHandler;
pub use operations_layer::Api;
pub use request::Request;
pub use retry::RetryPolicy;
pub use secret::Secret;

/// The generated client underneath (crate `nrfcloud-api`): its request builders and types,
/// the operation table and the support modules. Its client and error types are
/// [`api::RawClient`] and [`api::RawError`] here, so that no two public types of this crate
/// share a name: [`Client`] and [`Error`] are the wrapper's.
pub mod api {
    pub use nrfcloud_api::Client as RawClient;
    pub use nrfcloud_api::Error as RawError;
    pub use nrfcloud_api::{
        ByteStream, ClientInfo, FIXUP_SUMMARY, GENERATED_SURFACE, OPENAPI_JSON, ResponseValue,
    };
    pub use nrfcloud_api::{
        agnss_format, builder, conversion, hooks, json, operations, pagination, path, redact,
        sendable, shadow, types,
    };
}
pub use nrfcloud_api::shadow::ShadowState;
pub use nrfcloud_api::{ByteStream, ResponseValue, builder, operations, types};
