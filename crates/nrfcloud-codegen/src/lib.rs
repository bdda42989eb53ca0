//! Code generation for nrfcloud-rs, shared by the raw crate's `build.rs` and the xtask.
//!
//! The pipeline, in the order [`generate::generate`] runs it:
//!
//! 1. [`spec`] loads `spec/openapi.json`; [`normalize`] is the one normaliser for the stored
//!    document.
//! 2. [`fixups`]: the named fixups for the upstream document's quirks, each with its test.
//! 3. progenitor, with the project's [`generate::settings`], then rewrites of the generated
//!    code: [`struct_builders`] (typify's struct builders kept for request bodies only),
//!    [`postprocess`] (edition, crypto provider, headers, per-call extensions,
//!    docs via [`doc_text`]), [`path_segments`] (no `.`/`..`/empty path segment), [`request_urls`] (URLs joined
//!    to the base parsed once, absent query parameters skipped),
//!    [`union_decoders`] (faster untagged decoding, `Debug` of open enums), [`raw_json`] (open JSON
//!    kept as text), [`timestamps`] (RFC 3339 read without chrono's general parser),
//!    [`patterns`] (plain-code pattern checks), [`secrets`] (redacted
//!    `Debug`), [`conversion_errors`] (errors that name the value and the rule, integer
//!    ranges).
//! 4. What is derived from the document and the code: the per-operation table
//!    ([`operation_table`]), the surface summary ([`surface`]), the `Sendable` impls
//!    ([`sendable_impls`]), the `PagedBuilder` impls ([`paged_builders`]), the wrapper's operations
//!    layer ([`wrapper_layer`]), and which types each operation uses ([`type_graph`]).
//!
//! The operation-by-operation comparison of two documents (`regen`, `drift`) lives in the
//! xtask (`xtask/src/spec_diff/`), its only user.

#![warn(clippy::missing_errors_doc)]
pub mod checked_strings;
pub mod conversion_errors;
pub mod doc_text;
pub mod fixups;
pub mod generate;
pub mod normalize;
pub mod operation_table;
pub mod paged_builders;
pub mod path_segments;
pub mod patterns;
pub mod postprocess;
pub mod raw_json;
pub mod request_urls;
pub mod secrets;
pub mod sendable_impls;
pub mod spec;
pub mod struct_builders;
pub mod surface;
pub mod timestamps;
pub mod type_graph;
pub mod union_decoders;
pub mod wrapper_layer;

pub use generate::{GenerateError, Generated, generate};
