//! Code generation for nrfcloud-rs, shared by the raw crate's `build.rs` and the xtask.
//!
//! The pipeline: load `spec/openapi.json` ([`spec`]), apply the named [`fixups`] for the
//! upstream document's quirks, run progenitor with the project's [`generate::settings`],
//! format with prettyplease, and derive the per-operation table ([`operations`]) and the
//! plain-text summary of the generated surface ([`surface`]). [`normalize`] is the one
//! normaliser for the stored document.

pub mod conversion_errors;
pub mod doc_text;
pub mod fixups;
pub mod generate;
pub mod normalize;
pub mod operations;
pub mod pagination;
pub mod path_segments;
pub mod patterns;
pub mod postprocess;
pub mod raw_json;
pub mod report;
pub mod secrets;
pub mod sendable;
pub mod spec;
pub mod surface;
pub mod type_graph;
pub mod unions;
pub mod wrapper_layer;

pub use generate::{GenerateError, Generated, generate};
