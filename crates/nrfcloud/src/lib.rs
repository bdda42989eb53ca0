//! The nRF Cloud REST API v1 client for Rust.
//!
//! This crate wraps `nrfcloud-api`, the raw client that progenitor generates at build time
//! from the API's own OpenAPI document. For now it re-exports that raw client: the
//! generated [`Client`], its request [`builder`]s and [`types`], and the per-operation
//! table in [`operations`].

pub use nrfcloud_api::*;
