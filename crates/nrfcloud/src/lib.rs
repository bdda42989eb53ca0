//! The nRF Cloud REST API v1 client. For now this re-exports the generated raw client.

pub use nrfcloud_api::*;
