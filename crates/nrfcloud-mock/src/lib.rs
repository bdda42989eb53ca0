//! A local, stateful mock of the nRF Cloud REST API v1.
//!
//! [`MockServer::start`] serves the API on a free loopback port under `{base_url}/v1`, with
//! the paths, methods, success statuses, credentials and validation of the committed OpenAPI
//! snapshot (`spec/openapi.json`), and behaves like the service: devices and their state,
//! CSV bulk onboarding with bulk-ops requests, messages, alerts, firmware bundles, FOTA jobs
//! whose executions advance over time, deterministic location answers, A-GNSS bytes with
//! `HEAD` and `Range`, nRF error bodies and realistic pagination tokens. Faults can be
//! injected at run time through [`MockServer::faults`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use nrfcloud_mock::{MockConfig, MockServer};
//!
//! let server = MockServer::start_with(MockConfig { devices: 3, ..Default::default() }).await?;
//! let devices_url = format!("{}/devices", server.api_url());
//! // … call it with `Authorization: Bearer {server.api_key()}` …
//! assert_eq!(server.state().device_count(), 3);
//! # let _ = devices_url;
//! # Ok(()) }
//! ```
//!
//! Choices where the documentation is silent:
//! - a stale `If-Match` on UpdateDeviceState answers 412 with code 41200;
//! - valid credentials of a kind an operation does not accept answer 403 / 40100, missing or
//!   invalid ones 401 / 40100;
//! - `total` in list responses counts the items of the page;
//! - a FOTA job's status goes CREATED → QUEUED → IN_PROGRESS → SUCCEEDED / FAILED /
//!   COMPLETED (mixed outcomes) or CANCELLED, so clients meet values the spec's enum lacks;
//! - bulk-ops error summaries follow the format Nordic's own onboarding tool (nrfcloud-utils)
//!   parses, `{"errors": ["[<row>]: <message>", …]}`, where `<row>` is the 0-based index among
//!   the request's data rows (a header row is not counted: the tool's CSVs have none, so the
//!   evidence does not say).

#![warn(missing_docs)]

mod agnss;
mod app;
mod auth;
mod bulk_ops;
mod config;
mod csv_rows;
mod der;
mod errors;
mod extras;
mod faults;
mod fota_engine;
mod gate;
mod geo;
mod ids;
mod jwt;
pub mod keys;
mod manifest;
mod model;
mod pagination;
mod query;
mod routes;
mod server;
mod shadow;
mod spec;
mod state;
mod validate;

pub use config::{MockConfig, TransformFn, jsonata_transform};
pub use faults::{Fault, FaultRule, Faults, Trigger, Truncation};
pub use fota_engine::fota_execution_fails;
pub use keys::DeviceKey;
pub use routes::onboarding::ownership_code;
pub use server::MockServer;
pub use state::MockState;
