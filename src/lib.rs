//! The raw nRF Cloud REST API v1 client, generated at build time by progenitor from
//! `spec/openapi.json` (see `build.rs`). Most users want the `nrfcloud` wrapper crate, which
//! adds credentials, typed errors, retries and pagination on top of this one.
//!
//! - [`Client`], [`types`], [`builder`]: the generated client (builder interface).
//! - [`operations`]: one entry per operation of the document (id, method, path, accepted
//!   security schemes, deprecated, paginated), generated from the same document.
//! - [`hooks`]: the request hooks every generated call runs through.
//! - [`conversion`]: the errors of the generated types' conversions, naming the rejected value.
//! - [`json`]: open JSON of responses (shadows, payloads), kept as text until asked for.
//! - [`redact`]: the types and properties that hold secrets (their `Debug` prints
//!   `<redacted>`).
//! - [`path`]: the check and encoding of every path parameter (no `.`, `..` or empty
//!   segment).
//! - [`url`]: each call's URL, joined to the base URL parsed once.
//! - [`shadow`]: a device's shadow as JSON maps, whichever device type the API answered
//!   (`FetchDeviceResponse::shadow`, `Device::shadow`).
//! - [`sendable`]: one trait over every request builder, for generic execution.
//! - [`pagination`]: the paginated operations' builders ([`pagination::PagedBuilder`]), for page and item streams.
//!
//! Cargo feature `schemars` (off by default): `schemars::JsonSchema` (schemars 0.8) on every
//! generated type and on [`json::RawJson`] and [`json::RawObject`].

#![allow(clippy::all, missing_docs)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}
pub use generated::*;

// The hand-written modules: every public function says how it fails.
#[warn(clippy::missing_errors_doc)]
pub mod agnss_format;
#[cfg(feature = "bundle-zip")]
#[warn(clippy::missing_errors_doc)]
pub mod bundle_zip;
#[warn(clippy::missing_errors_doc)]
pub mod conversion;
#[warn(clippy::missing_errors_doc)]
pub mod hooks;
#[warn(clippy::missing_errors_doc)]
pub mod json;
#[warn(clippy::missing_errors_doc)]
pub mod operations;
#[warn(clippy::missing_errors_doc)]
pub mod pagination;
#[warn(clippy::missing_errors_doc)]
pub mod path;
#[warn(clippy::missing_errors_doc)]
pub mod redact;
#[warn(clippy::missing_errors_doc)]
pub mod sendable;
#[warn(clippy::missing_errors_doc)]
pub mod shadow;
mod timestamp;
mod unions;
#[warn(clippy::missing_errors_doc)]
pub mod url;

/// The OpenAPI document this crate is generated from, as the API serves it
/// (`GET /v1/openapi.json`, committed as `spec/openapi.json`), before the codegen's fixups.
/// The mock server reads its operations from it.
pub const OPENAPI_JSON: &str = include_str!("../spec/openapi.json");

/// The plain-text summary of the generated surface, as built (compare `spec/generated-surface.txt`).
pub const GENERATED_SURFACE: &str = include_str!(concat!(env!("OUT_DIR"), "/surface.txt"));

/// Which fixups this build applied and which no longer apply.
pub const FIXUP_SUMMARY: &str = include_str!(concat!(env!("OUT_DIR"), "/fixups.txt"));
