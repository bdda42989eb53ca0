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
//! - a `transform` that is not valid JSONata, fails, or passes one of the bounds of
//!   [`MockConfig::transform_limits`] answers 422 / 42200, the message naming the bound.
//!   The documentation does not say what a failed transform gets; its table of nRF codes
//!   describes 42200 as "invalid request data" the caller should check and send again, and
//!   40000 as something failing inside the cloud, for Nordic support. The expression is
//!   request data the caller wrote, so 42200.
//!
//! Transforms are evaluated on at most [`MockConfig::transform_workers`] blocking threads,
//! never on the threads that serve requests, so a slow one delays no other request.
//!
//! Where the mock follows evidence beyond the document (the README lists the sources):
//! - GetLocationHistory and DeleteLocationHistory require the API key (the curl examples send
//!   it; the document declares no security), as the client's codegen declares;
//! - RegisterPublicKeys accepts a device id that was never onboarded: the device signs JWTs
//!   for location services but is not listed among the team's devices;
//! - OnboardDevice takes `{onboardingToken, …}` as well as `{certificate, …}`;
//! - P-GPS accepts `predictionIntervalMinutes` 120 and 240;
//! - the P-GPS `{host, path}` names the file as `https://{host}/{path}`, like the real
//!   service's; the mock serves it over plain HTTP at `http://{host}/{path}` (a client maps
//!   the origin, e.g. `nrfcloud::ClientBuilder::download_origin_override`);
//! - canned modem bundle ids start with their type, `MODEM*`.
//!
//! Bounds on hostile clients (each with a default, set through [`MockConfig`]; the service's
//! own bounds are not documented, so these are choices too):
//! - a firmware bundle is read within [`BundleRules`] (16 entries, a 64 KiB manifest, 999,999
//!   bytes per file, 4 MiB in all, counted while inflating); duplicate entry names, files the
//!   manifest lists twice, manifest names with a path separator or dot segment, and zip
//!   entries with a `.`/`..` segment, an absolute path, a backslash or a control character
//!   are refused with 422 / 42200 naming the rule; entries in folders that the manifest does
//!   not name (such as macOS's `__MACOSX/`) are ignored, never inflated or stored;
//! - JWTs follow [`JwtRules`]: `exp`, `iat` and `nbf` must be numbers when present (JWT
//!   libraries refuse `"0"` or `null`); device JWTs need `exp` and may live at most 7 days
//!   ([`MAX_DEVICE_JWT_LIFETIME`], the client's own cap); `iat` and `nbf` may be at most 60 s
//!   ahead; service-key JWTs may omit `exp`. High-S (malleable) ECDSA signatures are accepted,
//!   as the OpenSSL-based libraries the service most likely verifies with accept them and as
//!   devices produce them (see the `jwt` module);
//! - connections follow [`ConnectionLimits`]: a 30 s header-read timeout, a 60 s idle timeout,
//!   and at most 1,024 connections served at once (more wait to be accepted).

#![warn(missing_docs)]
#![warn(clippy::missing_errors_doc)]

mod agnss;
mod app;
mod auth;
mod bulk_ops;
mod config;
mod csv_rows;
mod errors;
mod evidence;
mod faults;
mod fota_engine;
mod gate;
mod geo;
mod idle;
mod ids;
mod jwt;
mod keys;
mod limits;
mod manifest;
mod model;
mod pagination;
mod query;
mod routes;
mod server;
mod shadow;
mod spec;
mod state;
pub mod test_support;
mod transforms;
mod validate;

pub use config::{
    DEFAULT_TRANSFORM_WORKERS, EvalLimits, MockConfig, SEED_PROGRESS_STEP, SeedProgress,
    TransformFn, jsonata_transform, jsonata_transform_with_max_nesting,
};
pub use faults::{Fault, FaultRule, Faults, Trigger, Truncation};
pub use limits::{BundleRules, ConnectionLimits, JwtRules, MAX_DEVICE_JWT_LIFETIME};
pub use manifest::check_firmware_bundle;
pub use server::MockServer;
pub use state::MockState;
