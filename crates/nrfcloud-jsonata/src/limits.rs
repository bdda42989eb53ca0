//! The bounds of a transform: how deeply an expression may nest ([`DEFAULT_MAX_NESTING`],
//! checked by [`Transform::new`](crate::Transform::new)), and what one evaluation may spend
//! ([`EvalLimits`], applied by default by [`Transform::evaluate`](crate::Transform::evaluate)).
//! Hitting one gives a [`TransformError`](crate::TransformError) whose
//! [`limit`](crate::TransformError::limit) names it.

use std::fmt;
use std::time::Duration;

/// How many levels sub-expressions may nest (brackets, blocks, operands, arguments, …)
/// before [`Transform::new`](crate::Transform::new) refuses the expression with a syntax
/// error (code `S0299`). Real transforms nest a handful of levels; the deepest expression
/// of the official JSONata test suite nests 12. Set another with
/// [`Transform::with_max_nesting`](crate::Transform::with_max_nesting).
pub const DEFAULT_MAX_NESTING: usize = 200;

/// The default wall-clock time of one evaluation: [`EvalLimits::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// The default evaluation depth: [`EvalLimits::max_depth`].
pub const DEFAULT_MAX_DEPTH: usize = 1_000;

/// The default longest sequence: [`EvalLimits::max_sequence_length`].
pub const DEFAULT_MAX_SEQUENCE_LENGTH: usize = 1_000_000;

/// The default largest result: [`EvalLimits::max_result_bytes`] (16 MiB).
pub const DEFAULT_MAX_RESULT_BYTES: usize = 16 * 1024 * 1024;

/// The default deepest result: [`EvalLimits::max_result_depth`], the nesting serde_json
/// itself reads back by default.
pub const DEFAULT_MAX_RESULT_DEPTH: usize = 128;

/// What one evaluation may spend. [`EvalLimits::default`] is what
/// [`Transform::evaluate`](crate::Transform::evaluate) applies; raise or lift a limit
/// explicitly and pass the result to
/// [`Transform::evaluate_with`](crate::Transform::evaluate_with):
///
/// ```
/// use std::time::Duration;
/// use nrfcloud_jsonata::{EvalLimits, Limit, Transform};
///
/// let runaway = Transform::new("($f := function($x) { $f($x) }; $f(1))")?;
/// let limits = EvalLimits::default().timeout(Duration::from_millis(50));
/// let err = runaway.evaluate_with(None, None, &limits).unwrap_err();
/// assert_eq!(err.limit(), Some(Limit::Time));
/// assert_eq!(err.code(), Some("D1012"));
///
/// // Lifted: no bound but the engine's own backstops.
/// let unbounded = EvalLimits::none();
/// assert_eq!(unbounded.timeout, None);
/// # Ok::<(), nrfcloud_jsonata::TransformError>(())
/// ```
///
/// Memory is bounded through sizes, not bytes of the heap: the longest sequence the engine
/// builds (a range, a path's results, `$map`, …), the size and depth of the result, and the
/// time limit for the rest (values built by array constructors or string functions grow
/// only as fast as the evaluation runs, and the time is checked between steps).
///
/// Known gaps, which need a size limit inside the engine (it has none for strings): one
/// step can still build a large string before the next check. `$pad` takes its width from
/// an argument (`$pad('', 2000000000)` builds a 2 GB string, and takes about 30 s), and `&`
/// doubles a string per step (`$reduce([1..40], function($a, $x) { $a & $a }, 'x')` peaks
/// near 500 MB before the default time limit stops it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EvalLimits {
    /// Wall-clock time of the evaluation ([`DEFAULT_TIMEOUT`]); past it the evaluation
    /// stops with `D1012`, as jsonata-js's `timeout` option does. The engine checks the
    /// time between steps: one built-in call over a large value runs to its end.
    pub timeout: Option<Duration>,
    /// Evaluation depth: nested expression evaluations, about three per level of a
    /// non-tail recursive function ([`DEFAULT_MAX_DEPTH`]); deeper, the evaluation stops
    /// with `D1011`, as jsonata-js's `stack` option does. `None` leaves the engine's own
    /// backstop (30,000 levels, `U1001`).
    pub max_depth: Option<usize>,
    /// Items of the longest sequence the engine may build ([`DEFAULT_MAX_SEQUENCE_LENGTH`]):
    /// a range (`[1..n]`), a path's or a filter's results, `$map`, `$keys`, `$append`, …;
    /// longer, the evaluation stops with `D2015` before the sequence is built.
    pub max_sequence_length: Option<usize>,
    /// Size of the result as JSON text, escapes aside ([`DEFAULT_MAX_RESULT_BYTES`]);
    /// counted while the result is converted, which stops at the limit.
    pub max_result_bytes: Option<usize>,
    /// Nesting of arrays and objects in the result ([`DEFAULT_MAX_RESULT_DEPTH`]): a
    /// deeper `serde_json::Value` could not be read back by serde_json, and its recursive
    /// `Drop` could overflow a small stack.
    pub max_result_depth: Option<usize>,
}

impl Default for EvalLimits {
    /// The limits of [`Transform::evaluate`](crate::Transform::evaluate): one second,
    /// depth 1,000, sequences of 1,000,000 items, results of 16 MiB nested 128 levels.
    fn default() -> Self {
        EvalLimits {
            timeout: Some(DEFAULT_TIMEOUT),
            max_depth: Some(DEFAULT_MAX_DEPTH),
            max_sequence_length: Some(DEFAULT_MAX_SEQUENCE_LENGTH),
            max_result_bytes: Some(DEFAULT_MAX_RESULT_BYTES),
            max_result_depth: Some(DEFAULT_MAX_RESULT_DEPTH),
        }
    }
}

impl EvalLimits {
    /// The default limits (as [`EvalLimits::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// No limits at all: an evaluation runs until it ends, bounded only by the engine's
    /// own backstops (depth 30,000 with `U1001`; ranges of 10,000,000 items with `D2014`).
    /// For trusted expressions on trusted input only.
    pub fn none() -> Self {
        EvalLimits {
            timeout: None,
            max_depth: None,
            max_sequence_length: None,
            max_result_bytes: None,
            max_result_depth: None,
        }
    }

    /// Sets the wall-clock time (`None` lifts it).
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Sets the evaluation depth (`None` leaves the engine's backstop).
    pub fn max_depth(mut self, depth: impl Into<Option<usize>>) -> Self {
        self.max_depth = depth.into();
        self
    }

    /// Sets the longest sequence (`None` lifts it).
    pub fn max_sequence_length(mut self, items: impl Into<Option<usize>>) -> Self {
        self.max_sequence_length = items.into();
        self
    }

    /// Sets the largest result, in bytes of JSON (`None` lifts it).
    pub fn max_result_bytes(mut self, bytes: impl Into<Option<usize>>) -> Self {
        self.max_result_bytes = bytes.into();
        self
    }

    /// Sets the deepest result (`None` lifts it).
    pub fn max_result_depth(mut self, depth: impl Into<Option<usize>>) -> Self {
        self.max_result_depth = depth.into();
        self
    }
}

/// A bound that stopped a transform: what [`TransformError::limit`](crate::TransformError::limit)
/// reports. Its `Display` names the setting that raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The expression nests deeper than [`DEFAULT_MAX_NESTING`] or the limit given to
    /// [`Transform::with_max_nesting`](crate::Transform::with_max_nesting): a syntax
    /// error, `S0299`.
    Nesting,
    /// [`EvalLimits::max_depth`] (`D1011`), or the engine's own depth backstop (`U1001`).
    Depth,
    /// [`EvalLimits::timeout`] (`D1012`).
    Time,
    /// [`EvalLimits::max_sequence_length`] (`D2015`).
    SequenceLength,
    /// [`EvalLimits::max_result_bytes`].
    ResultBytes,
    /// [`EvalLimits::max_result_depth`].
    ResultDepth,
}

impl Limit {
    /// The setting that changes this limit, as a path: `"EvalLimits::timeout"`, ….
    pub fn setting(self) -> &'static str {
        match self {
            Limit::Nesting => "Transform::with_max_nesting",
            Limit::Depth => "EvalLimits::max_depth",
            Limit::Time => "EvalLimits::timeout",
            Limit::SequenceLength => "EvalLimits::max_sequence_length",
            Limit::ResultBytes => "EvalLimits::max_result_bytes",
            Limit::ResultDepth => "EvalLimits::max_result_depth",
        }
    }

    /// The limit an engine error code stands for.
    #[cfg(feature = "evaluate")]
    pub(crate) fn of_code(code: &str) -> Option<Limit> {
        match code {
            "D1011" | "U1001" => Some(Limit::Depth),
            "D1012" => Some(Limit::Time),
            "D2015" => Some(Limit::SequenceLength),
            _ => None,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Limit::Nesting => "the nesting limit",
            Limit::Depth => "the evaluation depth limit",
            Limit::Time => "the time limit",
            Limit::SequenceLength => "the sequence length limit",
            Limit::ResultBytes => "the result size limit",
            Limit::ResultDepth => "the result depth limit",
        };
        write!(f, "{what} ({})", self.setting())
    }
}
