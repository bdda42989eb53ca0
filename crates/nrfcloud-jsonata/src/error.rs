//! The error type of this crate: [`TransformError`] and its [`ErrorKind`], and the
//! helpers that turn the engine's failures (errors, panics) into one.

use std::fmt;

#[cfg(doc)]
use crate::Transform;
#[cfg(feature = "evaluate")]
use crate::limits::EvalLimits;
use crate::limits::Limit;

/// What went wrong, in broad terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The expression is not valid JSONata (reported by [`Transform::new`]).
    Syntax,
    /// Evaluation failed: a type error, `$error()`, a limit of [`EvalLimits`] (see
    /// [`TransformError::limit`]), and so on.
    Evaluation,
    /// The result did not deserialise into the requested type ([`Transform::evaluate_as`]).
    Deserialize,
    /// The expression is valid JSONata (the server accepts it) but the local engine
    /// cannot parse it; reported when it is evaluated. Rare: for example a name holding a
    /// quote character, or a regex feature the engine lacks.
    Unsupported,
    /// The engine failed internally (a panic, contained and reported here).
    Internal,
}

/// An error from parsing or evaluating a [`Transform`].
///
/// Syntax errors carry the jsonata-js error code (e.g. `S0202`), the position and the
/// token jsonata-js reports; evaluation errors carry the JSONata error code when the
/// engine reports one (e.g. `T2001`, `D3137`). An error caused by a bound names it in
/// [`TransformError::limit`] and in its `Display`.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformError {
    pub(crate) kind: ErrorKind,
    pub(crate) code: Option<String>,
    pub(crate) position: Option<usize>,
    pub(crate) token: Option<String>,
    pub(crate) message: String,
    pub(crate) limit: Option<Limit>,
}

impl TransformError {
    #[cfg(feature = "evaluate")]
    pub(crate) fn new(kind: ErrorKind, code: Option<String>, message: impl Into<String>) -> Self {
        let limit = code.as_deref().and_then(Limit::of_code);
        TransformError {
            kind,
            code,
            position: None,
            token: None,
            message: message.into(),
            limit,
        }
    }

    /// An evaluation stopped by a result limit (which has no JSONata code).
    #[cfg(feature = "evaluate")]
    pub(crate) fn result_limit(limit: Limit, limits: &EvalLimits) -> Self {
        let (what, max) = match limit {
            Limit::ResultDepth => ("nested deeper than", limits.max_result_depth),
            _ => ("larger than", limits.max_result_bytes),
        };
        let unit = if limit == Limit::ResultDepth {
            "levels"
        } else {
            "bytes of JSON"
        };
        let mut err = TransformError::new(
            ErrorKind::Evaluation,
            None,
            format!(
                "the result is {what} {} {unit}",
                max.map_or_else(|| "?".to_string(), |m| m.to_string())
            ),
        );
        err.limit = Some(limit);
        err
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The JSONata error code, such as `"S0202"` (syntax) or `"T2001"` (evaluation).
    ///
    /// `None` when there is none: jsonata-js itself reports some failures without a code,
    /// and [`ErrorKind::Deserialize`] errors have none.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Where a syntax error is, as jsonata-js reports it: the offset in UTF-16 code units
    /// just after the offending token (the character offset for ASCII text).
    ///
    /// `None` for errors without a position (jsonata-js gives none for some, such as
    /// `S0217`) and for evaluation errors.
    pub fn position(&self) -> Option<usize> {
        self.position
    }

    /// The token a syntax error names, when jsonata-js names one.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The message, without the code or position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The bound that stopped the transform, when one did: the nesting limit of
    /// [`Transform::with_max_nesting`] (a syntax error) or one of [`EvalLimits`].
    pub fn limit(&self) -> Option<Limit> {
        self.limit
    }
}

impl fmt::Display for TransformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, self.position) {
            (Some(code), Some(pos)) => write!(f, "{code} at position {pos}: {}", self.message)?,
            (Some(code), None) => write!(f, "{code}: {}", self.message)?,
            (None, Some(pos)) => write!(f, "at position {pos}: {}", self.message)?,
            (None, None) => f.write_str(&self.message)?,
        }
        match self.limit {
            Some(limit) => write!(f, " (stopped by {limit})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for TransformError {}

/// Runs an engine call, turning a panic into an [`ErrorKind::Internal`] error.
#[cfg(feature = "evaluate")]
pub(crate) fn contain<T>(f: impl FnOnce() -> T) -> Result<T, TransformError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        TransformError::new(
            ErrorKind::Internal,
            None,
            format!("the JSONata engine panicked: {detail}"),
        )
    })
}

/// The first JSONata error code (`S0202`, `T2001`, ...) in `message`.
#[cfg(feature = "evaluate")]
pub(crate) fn find_code(message: &str) -> Option<String> {
    let b = message.as_bytes();
    (0..b.len().saturating_sub(4)).find_map(|i| {
        let is_code = matches!(b[i], b'S' | b'T' | b'D' | b'U')
            && b[i + 1..i + 5].iter().all(u8::is_ascii_digit)
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 5).is_none_or(|c| !c.is_ascii_alphanumeric());
        is_code.then(|| message[i..i + 5].to_string())
    })
}

/// `message` without a leading `Xnnnn: `.
#[cfg(feature = "evaluate")]
pub(crate) fn strip_code(message: &str) -> String {
    let trimmed = message.trim();
    match find_code(trimmed) {
        Some(code) if trimmed.starts_with(&code) => trimmed[code.len()..]
            .trim_start_matches([':', ' '])
            .to_string(),
        _ => trimmed.to_string(),
    }
}

/// The code of an engine parse error the local check did not catch.
#[cfg(feature = "evaluate")]
pub(crate) fn parser_error_code(
    e: &jsonata_core::parser::ParserError,
    message: &str,
) -> Option<String> {
    use jsonata_core::parser::ParserError as P;
    find_code(message).or_else(|| {
        let code = match e {
            P::UnclosedComment => "S0106",
            P::InvalidNumber(_) => "S0102",
            P::UnclosedString => "S0101",
            P::UnclosedBacktick => "S0105",
            _ => return None,
        };
        Some(code.to_string())
    })
}
