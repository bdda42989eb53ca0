//! The nRF Cloud REST API v1 client for Rust.
//!
//! ```no_run
//! # async fn f() -> Result<(), nrfcloud::Error> {
//! let client = nrfcloud::Client::builder().api_key(std::env::var("NRFCLOUD_API_KEY").unwrap_or_default()).build()?;
//! let account = client.execute(|api| api.fetch_account_info()).await?;
//! println!("team {}", account.team.tenant_id.as_str());
//! # Ok(()) }
//! ```
//!
//! - [`Client`] / [`ClientBuilder`]: base URL, credentials, timeouts, retries, the largest
//!   response accepted.
//! - [`Client::execute`]: any operation of the generated client ([`api`], its [`types`]), with
//!   the credential its security accepts, typed [`Error`]s, retries and a `tracing` span.
//! - [`Client::paginate`]: streams of pages and items for every paginated operation.
//! - Credentials: an API key, a [`DeviceKey`] or [`ServiceKey`] (ES256 JWTs minted and
//!   cached), an opaque JWT or evaluation token.

#![warn(missing_docs)]

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
mod middleware;
pub mod onboarding;
pub mod pagination;
mod redirect;
pub mod retry;
mod secret;

pub use agnss::{AgnssData, AgnssDownload, AgnssParseError};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RESPONSE_HEADERS, DEFAULT_TIMEOUT,
};
pub use credentials::{Credentials, DeviceKey, ServiceKey};
pub use downloads::DownloadLimits;
pub use error::{ApiError, CredentialError, Error, Limit, NrfCode};
pub use ground_fix::{GroundFix, GroundFixOptions};
pub use middleware::CallOptions;
pub use nrfcloud_jsonata as transform;
pub use nrfcloud_jsonata::Transform;
pub use retry::RetryPolicy;
pub use secret::Secret;

/// The generated client, its request builders and types, and the operation table.
pub use nrfcloud_api as api;
pub use nrfcloud_api::{ByteStream, ResponseValue, builder, operations, types};
