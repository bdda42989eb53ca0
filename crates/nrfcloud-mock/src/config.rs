//! How a mock server is set up: team identity, API key, pre-seeded devices, the pace of its
//! asynchronous work (bulk operations, FOTA executions) and the optional JSONata engine with
//! its bounds.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use nrfcloud_jsonata::EvalLimits;
use serde_json::Value;

use crate::limits::{BundleRules, ConnectionLimits, JwtRules};

/// Applies a `transform` (JSONata) expression to the items of one response, within
/// `limits` for the whole response (all items together): each result, in order, or the
/// error text of the first failure.
///
/// The mock runs it on its pool of [`MockConfig::transform_workers`] blocking threads,
/// never on the threads that serve requests. The default is [`jsonata_transform`], the
/// engine the `nrfcloud` client uses for `Transform::evaluate`; set
/// [`MockConfig::transform`] to `None` to refuse transforms.
pub type TransformFn =
    Arc<dyn Fn(&str, &[Value], &EvalLimits) -> Result<Vec<Value>, String> + Send + Sync>;

/// The project's JSONata engine (`nrfcloud-jsonata`): the expression is checked once, then
/// evaluated against each item with what is left of the response's time and result-size
/// budget. A syntax error, an evaluation error or a passed limit becomes the error text
/// (the route answers 422 with it), naming the limit.
/// Expressions nested more than [`nrfcloud_jsonata::DEFAULT_MAX_NESTING`] (200) levels are
/// refused; [`jsonata_transform_with_max_nesting`] sets another bound.
pub fn jsonata_transform() -> TransformFn {
    jsonata_transform_with_max_nesting(nrfcloud_jsonata::DEFAULT_MAX_NESTING)
}

/// [`jsonata_transform`] with another nesting bound: an expression nested more than
/// `max_nesting` levels is refused before it is parsed further (422 / 42200 naming
/// `S0299`), so no expression can overflow the worker's stack. The binary's
/// `--transform-max-nesting`.
pub fn jsonata_transform_with_max_nesting(max_nesting: usize) -> TransformFn {
    Arc::new(
        move |expression: &str, items: &[Value], limits: &EvalLimits| {
            crate::transforms::evaluate_all(expression, items, limits, max_nesting)
        },
    )
}

/// Told how seeding goes: `(created so far, total)`, every [`SEED_PROGRESS_STEP`] devices
/// and once at the end ([`MockConfig::seed_progress`]).
pub type SeedProgress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// How many seeded devices pass between two calls of [`MockConfig::seed_progress`].
pub const SEED_PROGRESS_STEP: usize = 10_000;

/// The settings of one mock server. Start from [`MockConfig::default`] and change fields:
///
/// ```
/// let config = nrfcloud_mock::MockConfig {
///     devices: 5,
///     api_key: "my-test-key".into(),
///     ..Default::default()
/// };
/// assert_eq!(config.devices, 5);
/// ```
#[derive(Clone)]
pub struct MockConfig {
    /// The team's API key (the "Simple Token"). Default: a random 40-character hex string.
    pub api_key: String,
    /// The team id (`team.tenantId`, the `aud` of service-key JWTs). Default: a random UUID.
    pub tenant_id: String,
    /// The team's name.
    pub team_name: String,
    /// How many devices to create at start (`nrf-352656100000000`, `nrf-352656100000001`, …),
    /// each with a key pair derived from its id (see `MockState::device_key`) and a few alerts
    /// and messages.
    pub devices: usize,
    /// The loopback port to bind; 0 picks a free one.
    pub port: u16,
    /// Header-read and idle timeouts and the connection limit (defaults: 30 s, 60 s, 1,024).
    pub connection_limits: ConnectionLimits,
    /// What one firmware upload may unpack to (defaults: 16 entries, a 64 KiB manifest,
    /// 999,999 bytes per file, 4 MiB in all).
    pub bundle_limits: BundleRules,
    /// The longest device JWT lifetime (7 days) and the clock leeway (60 s) for `iat`/`nbf`.
    pub jwt_rules: JwtRules,
    /// How long a bulk-ops request stays `IN_PROGRESS` before it completes (on the next request
    /// after this delay).
    pub bulk_ops_delay: Duration,
    /// The time between two steps of a FOTA job execution
    /// (QUEUED → IN_PROGRESS → DOWNLOADING → SUCCEEDED or FAILED).
    pub fota_step: Duration,
    /// The share of devices (0–100) whose FOTA executions end in FAILED, chosen by a hash of the
    /// device id (see [`crate::test_support::fota_execution_fails`]).
    pub fota_failure_percent: u8,
    /// When `true`, list operations answer an empty result with 404 / 40499 instead of an
    /// empty `items` array.
    pub empty_lists_as_40499: bool,
    /// The JSONata engine for the `transform` query parameter (default: the project's
    /// engine). Without one, a request that uses `transform` gets 422 / 42200.
    pub transform: Option<TransformFn>,
    /// The bounds of the transforms of one request, all its items together: time, depth,
    /// sequence length, result size and depth (default: [`EvalLimits::default`], the
    /// bounds of the client's `Transform::evaluate`). Time spent waiting for a
    /// [transform worker](MockConfig::transform_workers) counts against the time limit.
    pub transform_limits: EvalLimits,
    /// How many transforms may evaluate at once, each on a blocking thread of its own
    /// (default: [`DEFAULT_TRANSFORM_WORKERS`]); more wait for a free one, within their
    /// time limit. Other requests never wait for a transform.
    pub transform_workers: usize,
    /// Print one line per request to stderr: method, path (no query), status and duration
    /// (the binary's `--log-requests`).
    pub log_requests: bool,
    /// Called while the seeded devices are created (default: nobody); the binary prints a
    /// line each time.
    pub seed_progress: Option<SeedProgress>,
}

/// The default of [`MockConfig::transform_workers`]. Requests are never served on these
/// threads, so this bounds only what transforms take at once: two evaluations' CPU and
/// memory.
pub const DEFAULT_TRANSFORM_WORKERS: usize = 2;

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            api_key: crate::ids::random_hex(40),
            tenant_id: crate::ids::uuid_v4(),
            team_name: "Mock Team".to_owned(),
            devices: 0,
            port: 0,
            connection_limits: ConnectionLimits::default(),
            bundle_limits: BundleRules::default(),
            jwt_rules: JwtRules::default(),
            bulk_ops_delay: Duration::from_millis(200),
            fota_step: Duration::from_millis(500),
            fota_failure_percent: 10,
            empty_lists_as_40499: false,
            transform: Some(jsonata_transform()),
            transform_limits: EvalLimits::default(),
            transform_workers: DEFAULT_TRANSFORM_WORKERS,
            log_requests: false,
            seed_progress: None,
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("api_key", &"<redacted>")
            .field("tenant_id", &self.tenant_id)
            .field("team_name", &self.team_name)
            .field("devices", &self.devices)
            .field("port", &self.port)
            .field("connection_limits", &self.connection_limits)
            .field("bundle_limits", &self.bundle_limits)
            .field("jwt_rules", &self.jwt_rules)
            .field("bulk_ops_delay", &self.bulk_ops_delay)
            .field("fota_step", &self.fota_step)
            .field("fota_failure_percent", &self.fota_failure_percent)
            .field("empty_lists_as_40499", &self.empty_lists_as_40499)
            .field("transform", &self.transform.as_ref().map(|_| "<fn>"))
            .field("transform_limits", &self.transform_limits)
            .field("transform_workers", &self.transform_workers)
            .field("log_requests", &self.log_requests)
            .field(
                "seed_progress",
                &self.seed_progress.as_ref().map(|_| "<callback>"),
            )
            .finish()
    }
}
