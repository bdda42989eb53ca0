//! JSONata transforms: the `transform` query parameter of `ListDevices`,
//! `ListDeviceTags` and `FetchDevice`, and local evaluation of the same expressions.
//!
//! A [`Transform`] holds a JSONata expression that has been checked locally:
//!
//! - **Syntax errors are reported before any request**, with the error code, position
//!   and token that jsonata-js (the implementation the nRF Cloud server runs) reports for
//!   the same text. The position counts UTF-16 code units, as JavaScript indexes strings,
//!   and points just after the offending token, as jsonata-js does. For ASCII expressions
//!   that is the character offset.
//! - **[`Transform::evaluate`] evaluates locally**, for offline tests and post-processing;
//!   the mock server answers `transform` requests with the same engine.
//!
//! ```
//! use nrfcloud_jsonata::Transform;
//! use serde_json::json;
//!
//! let t = Transform::new(r#"{ "id": id, "type": type }"#)?;
//! let device = json!({ "id": "nrf-352656100000000", "type": "Generic", "tags": ["a"] });
//! assert_eq!(t.evaluate(&device)?, json!({ "id": "nrf-352656100000000", "type": "Generic" }));
//!
//! let err = Transform::new(r#"{ "id": id "type": type }"#).unwrap_err();
//! assert_eq!(err.code(), Some("S0202"));
//! assert_eq!(err.position(), Some(17));
//! # Ok::<(), nrfcloud_jsonata::TransformError>(())
//! ```
//!
//! # Bounds
//!
//! A transform can come from anyone who can send a request, so nothing about it is
//! unbounded: [`Transform::new`] refuses expressions nested more than
//! [`DEFAULT_MAX_NESTING`] levels deep (a syntax error, `S0299`, checked before each
//! level is entered, so no expression can overflow the stack; see
//! [`Transform::with_max_nesting`]), and [`Transform::evaluate`] stops an evaluation that
//! runs longer, recurses deeper, builds longer sequences or returns a larger or deeper
//! result than [`EvalLimits::default`] allows. [`TransformError::limit`] names the bound
//! that stopped it; [`Transform::evaluate_with`] takes other limits, or none.
//!
//! # Engine
//!
//! Evaluation runs on [`jsonata-core`](https://crates.io/crates/jsonata-core), a Rust
//! implementation of JSONata 2.2 (the jsonata-js version the reference test suite comes
//! from). It passes all but a handful of the 1686 cases of the official suite when run
//! through this type (`cargo xtask jsonata-suite`). Differences worth knowing:
//!
//! - Regular expressions use the Rust `regex` crate, not ECMAScript: look-around and
//!   backreferences are not supported. Such an expression is valid (the server accepts
//!   it) but fails when evaluated locally, with an [`ErrorKind::Evaluation`] error.
//! - A string can not hold a lone UTF-16 surrogate (`"\uD800"` in a JSON document).
//!
//! # Threads
//!
//! `Transform` is `Clone + Send + Sync`: clones share one parsed expression (an
//! [`Arc`]), so it can be stored in a struct shared by tokio tasks. The engine's compiled
//! `Expression` is not `Send`, but its parse tree is: a `Transform` keeps the tree and
//! each evaluation builds its own evaluator, so nothing is locked or re-parsed. Measured
//! (release build): `Transform::new` takes about 3 µs for `{ "id": id, "type": type }`,
//! and evaluating it over 10,000 device documents about 44 ms, the time jsonata-js takes
//! on the same documents.
//!
//! # Syntax check
//!
//! The local check is a tokenizer and parser written for this crate after jsonata-js's
//! grammar and error rules; the engine parses again for evaluation. When jsonata-js
//! accepts an expression that the engine cannot parse (rare, e.g. a quote character
//! inside a name), [`Transform::new`] still succeeds, since the server will run it, and
//! local evaluation fails with [`ErrorKind::Unsupported`].

#![warn(missing_docs)]

mod convert;
mod limits;

use std::fmt;
use std::sync::Arc;

use jsonata_core::evaluator::{Context, Evaluator, EvaluatorOptions};
use jsonata_core::value::JValue;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use convert::{from_jvalue, to_jvalue};
pub use limits::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_NESTING, DEFAULT_MAX_RESULT_BYTES, DEFAULT_MAX_RESULT_DEPTH,
    DEFAULT_MAX_SEQUENCE_LENGTH, DEFAULT_TIMEOUT, EvalLimits, Limit,
};

/// A checked JSONata expression, ready to send as a `transform` query parameter or to
/// evaluate locally.
///
/// Cheap to clone (the parsed expression is shared). Two transforms are equal when their
/// expression texts are.
#[derive(Clone)]
pub struct Transform {
    inner: Arc<Inner>,
}

struct Inner {
    source: String,
    /// The engine's parse tree, or why the engine cannot run this (valid) expression.
    ast: Result<jsonata_core::ast::AstNode, TransformError>,
    /// The only top-level fields of an object input the expression can read, when it
    /// reads the input through names alone (no `$`, wildcard or parent operator): the rest
    /// of the document is not converted for the engine. `None`: convert it all.
    root_fields: Option<Vec<String>>,
}

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
    kind: ErrorKind,
    code: Option<String>,
    position: Option<usize>,
    token: Option<String>,
    message: String,
    limit: Option<Limit>,
}

impl TransformError {
    fn new(kind: ErrorKind, code: Option<String>, message: impl Into<String>) -> Self {
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
    fn result_limit(limit: Limit, limits: &EvalLimits) -> Self {
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

impl Transform {
    /// Parses and checks `expr`, with sub-expressions nested at most
    /// [`DEFAULT_MAX_NESTING`] (200) levels deep.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::Syntax`] error with jsonata-js's code, position and token when
    /// jsonata-js would reject the expression; code `S0299` and [`Limit::Nesting`] when it
    /// nests deeper than the limit (at the first token past it).
    pub fn new(expr: impl Into<String>) -> Result<Transform, TransformError> {
        Self::with_max_nesting(expr, DEFAULT_MAX_NESTING)
    }

    /// [`Transform::new`] with another nesting limit: how many levels sub-expressions
    /// (brackets, blocks, operands, arguments, …) may nest.
    ///
    /// The check itself never runs out of stack, whatever the limit (it moves to stack
    /// segments on the heap when the thread's runs low); the local engine parses at most
    /// 1,000 levels, so deeper expressions are accepted but evaluate with an
    /// [`ErrorKind::Unsupported`] error.
    ///
    /// ```
    /// use nrfcloud_jsonata::{ErrorKind, Limit, Transform};
    ///
    /// let deep = format!("{}1{}", "(".repeat(300), ")".repeat(300));
    /// let err = Transform::new(deep.as_str()).unwrap_err();
    /// assert_eq!((err.kind(), err.code(), err.limit()), (ErrorKind::Syntax, Some("S0299"), Some(Limit::Nesting)));
    /// assert_eq!(err.position(), Some(202)); // just after the first token 201 levels deep
    /// assert!(Transform::with_max_nesting(deep, 300).is_ok());
    /// # Ok::<(), nrfcloud_jsonata::TransformError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Transform::new`].
    pub fn with_max_nesting(
        expr: impl Into<String>,
        max_nesting: usize,
    ) -> Result<Transform, TransformError> {
        let source = expr.into();
        let root_fields = match syntax::check(&source, max_nesting) {
            Ok(fields) => fields,
            Err(e) => {
                let limit = (e.code == Some(syntax::TOO_DEEP)).then_some(Limit::Nesting);
                return Err(TransformError {
                    kind: ErrorKind::Syntax,
                    code: e.code.map(str::to_string),
                    position: e.position,
                    token: e.token,
                    message: e.message,
                    limit,
                });
            }
        };
        // jsonata-js accepts the expression. Should the engine not, the expression still
        // goes to the server; only local evaluation reports the engine's complaint.
        let ast = contain(|| jsonata_core::parser::parse(&source)).and_then(|parsed| {
            parsed.map_err(|e| {
                let message = e.to_string();
                let code = parser_error_code(&e, &message);
                let message = format!(
                    "the local JSONata engine cannot run this expression: {}",
                    strip_code(&message)
                );
                TransformError::new(ErrorKind::Unsupported, code, message)
            })
        });
        Ok(Transform {
            inner: Arc::new(Inner {
                source,
                ast,
                root_fields,
            }),
        })
    }

    /// The expression text, as given to [`Transform::new`]: the value of the `transform`
    /// query parameter.
    pub fn as_str(&self) -> &str {
        &self.inner.source
    }

    /// Evaluates the expression against `input`, within the default [`EvalLimits`] (one
    /// second, depth 1,000, sequences of 1,000,000 items, results of 16 MiB nested 128
    /// levels); [`Transform::evaluate_with`] takes others.
    ///
    /// An *undefined* result (JSONata's "no value", e.g. a path that matches nothing) is
    /// returned as [`Value::Null`], as it appears in a JSON response; use
    /// [`Transform::evaluate_with`] to tell the two apart.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::Evaluation`] error with the JSONata code when evaluation fails, and
    /// with [`TransformError::limit`] naming the limit when one stopped it.
    pub fn evaluate(&self, input: &Value) -> Result<Value, TransformError> {
        self.evaluate_with(Some(input), None, &EvalLimits::default())
            .map(Option::unwrap_or_default)
    }

    /// Evaluates with variables bound: `bindings` maps names (without `$`) to values.
    ///
    /// ```
    /// # use nrfcloud_jsonata::Transform;
    /// # use serde_json::json;
    /// let t = Transform::new("$prefix & id")?;
    /// let vars = json!({ "prefix": "device " });
    /// let out = t.evaluate_with_bindings(&json!({ "id": "a" }), vars.as_object().unwrap())?;
    /// assert_eq!(out, json!("device a"));
    /// # Ok::<(), nrfcloud_jsonata::TransformError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Transform::evaluate`].
    pub fn evaluate_with_bindings(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
    ) -> Result<Value, TransformError> {
        self.evaluate_with(Some(input), Some(bindings), &EvalLimits::default())
            .map(Option::unwrap_or_default)
    }

    /// Evaluates and deserialises the result into `T` (an undefined result is `null`).
    ///
    /// # Errors
    ///
    /// As [`Transform::evaluate`], or [`ErrorKind::Deserialize`] when the result does not
    /// fit `T`.
    pub fn evaluate_as<T: DeserializeOwned>(&self, input: &Value) -> Result<T, TransformError> {
        let value = self.evaluate(input)?;
        serde_json::from_value(value)
            .map_err(|e| TransformError::new(ErrorKind::Deserialize, None, e.to_string()))
    }

    /// The general form: `input` `None` is *undefined* (no input at all, which is not
    /// `null`); the result is `None` when it is undefined.
    ///
    /// Values that JSON cannot hold are rendered as `JSON.stringify` renders them: a
    /// function or undefined member of an object is left out, one in an array is `null`,
    /// and a function result is undefined. Integral numbers come back as JSON integers.
    ///
    /// `limits` bounds the evaluation: [`EvalLimits::default`] is what
    /// [`Transform::evaluate`] applies, [`EvalLimits::none`] lifts every bound.
    ///
    /// # Errors
    ///
    /// As [`Transform::evaluate`]; passing a limit gives `D1012` (time), `D1011` (depth),
    /// `D2015` (sequence length) or an error without code (result size or depth), each
    /// with [`TransformError::limit`] naming it.
    pub fn evaluate_with(
        &self,
        input: Option<&Value>,
        bindings: Option<&Map<String, Value>>,
        limits: &EvalLimits,
    ) -> Result<Option<Value>, TransformError> {
        let ast = self.inner.ast.as_ref().map_err(Clone::clone)?;
        contain(|| {
            let mut context = Context::new();
            for (name, value) in bindings.into_iter().flatten() {
                context.bind(name.clone(), to_jvalue(value));
            }
            let engine_options = EvaluatorOptions {
                timeout_ms: limits
                    .timeout
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)),
                max_stack_depth: limits.max_depth,
                max_sequence_length: limits.max_sequence_length,
                ..EvaluatorOptions::default()
            };
            let mut evaluator = Evaluator::with_options(context, engine_options);
            let data = match (input, &self.inner.root_fields) {
                (Some(Value::Object(map)), Some(fields)) => JValue::object(
                    fields
                        .iter()
                        .filter_map(|k| map.get(k).map(|v| (k.clone(), to_jvalue(v))))
                        .collect(),
                ),
                (Some(value), _) => to_jvalue(value),
                (None, _) => JValue::Undefined,
            };
            match evaluator.evaluate(ast, &data) {
                Ok(value) => from_jvalue(&value, limits)
                    .map_err(|limit| TransformError::result_limit(limit, limits)),
                Err(e) => {
                    let message = e.message();
                    let code = e.code().map(str::to_string).or_else(|| find_code(message));
                    Err(TransformError::new(
                        ErrorKind::Evaluation,
                        code,
                        strip_code(message),
                    ))
                }
            }
        })?
    }
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Transform")
            .field(&self.inner.source)
            .finish()
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.source)
    }
}

impl PartialEq for Transform {
    fn eq(&self, other: &Self) -> bool {
        self.inner.source == other.inner.source
    }
}

impl Eq for Transform {}

impl std::hash::Hash for Transform {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.source.hash(state);
    }
}

impl AsRef<str> for Transform {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::str::FromStr for Transform {
    type Err = TransformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transform::new(s)
    }
}

impl TryFrom<&str> for Transform {
    type Error = TransformError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Transform::new(s)
    }
}

impl TryFrom<String> for Transform {
    type Error = TransformError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Transform::new(s)
    }
}

/// Runs an engine call, turning a panic into an [`ErrorKind::Internal`] error.
fn contain<T>(f: impl FnOnce() -> T) -> Result<T, TransformError> {
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
fn find_code(message: &str) -> Option<String> {
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
fn strip_code(message: &str) -> String {
    let trimmed = message.trim();
    match find_code(trimmed) {
        Some(code) if trimmed.starts_with(&code) => trimmed[code.len()..]
            .trim_start_matches([':', ' '])
            .to_string(),
        _ => trimmed.to_string(),
    }
}

/// The code of an engine parse error the local check did not catch.
fn parser_error_code(e: &jsonata_core::parser::ParserError, message: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Expressions that read the input through names only convert just those top-level
    /// fields; the others convert it all. Either way the result is the one of a full
    /// conversion.
    #[test]
    fn only_the_named_top_level_fields_are_converted() {
        let input = json!({
            "id": "nrf-1", "type": "Generic", "and": 1, "or": 2,
            "foo": {"blah": [{"baz": {"fud": "hello"}}, {"baz": {"fud": "world"}}]},
            "state": {"reported": {"temp": 21.5}}, "tags": ["a", "b"]
        });
        let cases = [
            (r#"{ "id": id, "type": type }"#, Some(vec!["id", "type"])),
            (
                r#""foo"."blah"."baz"."fud""#,
                Some(vec!["baz", "blah", "foo", "fud"]),
            ),
            ("and=1 and or=2", Some(vec!["and", "or"])),
            ("state.reported.temp * 2", None),
            ("$keys($)", None),
            ("*.reported", None),
            ("tags[0] & `type`", Some(vec!["tags", "type"])),
        ];
        for (expr, fields) in cases {
            let t = Transform::new(expr).unwrap();
            let expected: Option<Vec<String>> =
                fields.map(|f| f.into_iter().map(str::to_string).collect());
            assert_eq!(t.inner.root_fields, expected, "{expr}");
            // The same result as with every field converted.
            let full = Transform {
                inner: Arc::new(Inner {
                    source: t.inner.source.clone(),
                    ast: t.inner.ast.clone(),
                    root_fields: None,
                }),
            };
            assert_eq!(
                t.evaluate(&input).unwrap(),
                full.evaluate(&input).unwrap(),
                "{expr}"
            );
        }
        let keys = Transform::new("$keys($)")
            .unwrap()
            .evaluate(&input)
            .unwrap();
        assert_eq!(keys.as_array().map(Vec::len), Some(7));
    }

    /// Expression, code, position, token, message.
    type Recorded = (
        &'static str,
        &'static str,
        Option<usize>,
        Option<&'static str>,
        &'static str,
    );

    /// Syntax errors as jsonata-js 2.2.2 reports them (recorded with node).
    #[rustfmt::skip]
    const JSONATA_JS_ERRORS: &[Recorded] = &[
            ("", "S0207", Some(0), Some("(end)"), "Unexpected end of expression"),
            ("foo bar", "S0201", Some(7), Some("bar"), "Syntax error: \"bar\""),
            ("1 +", "S0207", Some(3), Some("(end)"), "Unexpected end of expression"),
            ("(1 + 2", "S0203", Some(6), Some("(end)"), "Expected \")\" before end of expression"),
            ("[1, 2", "S0203", Some(5), Some("(end)"), "Expected \"]\" before end of expression"),
            ("{\"a\": 1", "S0203", Some(7), Some("(end)"), "Expected \"}\" before end of expression"),
            ("foo[", "S0203", Some(4), Some("(end)"), "Expected \"]\" before end of expression"),
            ("foo]", "S0201", Some(4), Some("]"), "Syntax error: \"]\""),
            ("\"unterminated", "S0101", Some(13), None, "String literal must be terminated by a matching quote"),
            ("`unterminated", "S0105", Some(13), None, "Quoted property name must be terminated with a backquote (`)"),
            ("/* unterminated comment", "S0106", Some(0), None, "Comment has no closing tag"),
            ("1 ! 2", "S0204", Some(3), Some("!"), "Unknown operator: \"!\""),
            ("$f := function($x) { $x", "S0203", Some(23), Some("(end)"), "Expected \"}\" before end of expression"),
            ("function(1) { 1 }", "S0208", Some(10), Some("1"), "Parameter 1 of function definition must be a variable name (start with $)"),
            ("foo{\"a\": 1}{\"b\": 2}", "S0210", Some(12), None, "Each step can only have one grouping expression"),
            ("+", "S0211", Some(1), Some("+"), "The symbol \"+\" cannot be used as a unary operator"),
            ("foo.(bar", "S0203", Some(8), Some("(end)"), "Expected \")\" before end of expression"),
            ("Account.Order@o.Product", "S0214", Some(15), Some("@"), "The right side of \"@\" must be a variable name (start with $)"),
            ("Account.Order@$o#i.Product", "S0214", Some(18), Some("#"), "The right side of \"#\" must be a variable name (start with $)"),
            ("Account.Order[1]@$o.Product", "S0215", Some(17), None, "A context variable binding must precede any predicates on a step"),
            ("Account.Order^(>OrderID)@$o.Product", "S0216", Some(25), None, "A context variable binding must precede the 'order-by' clause on a step"),
            ("1 := 2", "S0212", Some(1), Some("1"), "The left side of := must be a variable name (start with $)"),
            ("\"\\u12\"", "S0104", Some(2), None, "The escape sequence \\u must be followed by 4 hex digits"),
            ("\"\\q\"", "S0103", Some(2), Some("q"), "Unsupported escape sequence: \\\"q\""),
            ("$replace(\"a\", //, \"b\")", "S0301", Some(15), None, "Empty regular expressions are not allowed"),
            ("$match(\"a\", /abc", "S0302", Some(16), None, "No terminating / in regular expression"),
            ("{ \"id\": id, \"type\": type", "S0203", Some(24), Some("(end)"), "Expected \"}\" before end of expression"),
            ("{ \"id\": id \"type\": type }", "S0202", Some(17), Some("type"), "Expected \"}\", got \"type\""),
            ("{ \"id\" id }", "S0202", Some(9), Some("id"), "Expected \":\", got \"id\""),
            ("é + ]", "S0211", Some(5), Some("]"), "The symbol \"]\" cannot be used as a unary operator"),
            ("\"😀\" ]", "S0201", Some(6), Some("]"), "Syntax error: \"]\""),
            ("\"日本語\" & )", "S0211", Some(9), Some(")"), "The symbol \")\" cannot be used as a unary operator"),
            ("a ? b : ", "S0207", Some(8), Some("(end)"), "Unexpected end of expression"),
            ("foo.bar.[", "S0203", Some(9), Some("(end)"), "Expected \"]\" before end of expression"),
            ("1e1000", "S0102", Some(0), Some("1e1000"), "Number out of range: \"1e1000\""),
            ("$sum(1,,2)", "S0211", Some(8), Some(","), "The symbol \",\" cannot be used as a unary operator"),
            ("?", "S0211", Some(1), Some("?"), "The symbol \"?\" cannot be used as a unary operator"),
            ("%.a", "S0217", None, Some("path"), "The object representing the 'parent' cannot be derived from this expression"),
            ("a.%%", "S0207", Some(4), Some("(end)"), "Unexpected end of expression"),
            ("x ~> ", "S0207", Some(5), Some("(end)"), "Unexpected end of expression"),
            ("[1..]", "S0211", Some(5), Some("]"), "The symbol \"]\" cannot be used as a unary operator"),
            ("function($x, 1) { $x }", "S0208", Some(14), Some("1"), "Parameter 2 of function definition must be a variable name (start with $)"),
            ("a.b.c ~> | a | {\"x\": 1} ", "S0203", Some(24), Some("(end)"), "Expected \"|\" before end of expression"),
            ("and 1", "S0201", Some(5), Some("1"), "Syntax error: 1"),
            ("1 and", "S0207", Some(5), Some("(end)"), "Unexpected end of expression"),
            ("#", "S0211", Some(1), Some("#"), "The symbol \"#\" cannot be used as a unary operator"),
            (")", "S0211", Some(1), Some(")"), "The symbol \")\" cannot be used as a unary operator"),
            ("a.b..c", "S0201", Some(5), Some(".."), "Syntax error: \"..\""),
            ("function($x)<x<n>>{$x}", "S0401", Some(15), None, "Type parameters can only be applied to functions and arrays"),
            ("function($x)<(n<s>)>{$x}", "S0402", Some(14), None, "Choice groups containing parameterized types are not supported"),
            ("a.1", "S0213", Some(3), None, "The literal value 1 cannot be used as a step within a path expression"),
            ("a.true", "S0213", Some(6), None, "The literal value true cannot be used as a step within a path expression"),
            ("$x{\"a\":1}[0]", "S0209", Some(10), None, "A predicate cannot follow a grouping expression in a step"),
            ("a ?? %", "S0217", Some(4), Some("condition"), "The object representing the 'parent' cannot be derived from this expression"),
            ("function($x){$x} / 2", "S0302", Some(20), None, "No terminating / in regular expression"),
    ];

    #[test]
    fn syntax_errors_match_jsonata_js() {
        for &(expr, code, position, token, message) in JSONATA_JS_ERRORS {
            let err = Transform::new(expr).expect_err(expr);
            assert_eq!(err.kind(), ErrorKind::Syntax, "{expr}");
            assert_eq!(err.code(), Some(code), "code of {expr:?}");
            assert_eq!(err.position(), position, "position of {expr:?}");
            assert_eq!(err.token(), token, "token of {expr:?}");
            assert_eq!(err.message(), message, "message of {expr:?}");
        }
    }

    #[test]
    fn valid_expressions_are_accepted() {
        for expr in [
            r#"{ "id": id, "type": type }"#,
            "λ($x)<n-:n>{ $x }",
            "in",
            "Account.Order.Product[Price > 30].(Price * Quantity) ~> $sum()",
            "$map([1, 2], function($v, $i) { $v + $i })",
            "$replace(\"abc\", /b/i, \"X\")",
            "/* comment */ a.b /* another */",
            "Account.Order@$o.Product#$i.{ 'o': $o.OrderID, 'i': $i }",
            "library.loans@$l.books@$b[$l.isbn=$b.isbn].{ 'title': $b.title }",
            "Account.Order.Product.{ 'name': `Product Name`, 'order': %.OrderID }",
            "$f := $substring(?, 0, 2)",
            "a ?: b ?? c",
            "| a | { 'b': 1 }, ['c'] |",
            "[1..5][$ % 2 = 0]^(>$)",
            "\"\\ud83d\\ude00\" & '\\u00e9'",
        ] {
            Transform::new(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        }
    }

    #[test]
    fn uncoded_jsonata_js_errors_have_no_code() {
        // jsonata-js rejects these through JavaScript's `RegExp`, without a code.
        for expr in ["$match('a', /a**/)", "function($x)<n++>{$x}"] {
            let err = Transform::new(expr).unwrap_err();
            assert_eq!(
                (err.kind(), err.code()),
                (ErrorKind::Syntax, None),
                "{expr}"
            );
        }
    }

    #[test]
    fn valid_expressions_the_engine_cannot_parse_fail_on_evaluation() {
        // A quote inside a name is part of the name for jsonata-js.
        let t = Transform::new("Accou\"nt").unwrap();
        let err = t.evaluate(&json!({ "Accou\"nt": 1 })).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }

    #[test]
    fn positions_count_utf16_units() {
        let err = Transform::new("\"😀\" ]").unwrap_err();
        assert_eq!(err.position(), Some(6));
        let err = Transform::new("\"日本語\" & )").unwrap_err();
        assert_eq!(err.position(), Some(9));
    }

    fn device() -> Value {
        json!({
            "id": "nrf-352656100000000",
            "type": "Generic",
            "name": "thingy",
            "tags": ["a", "b"],
            "firmware": { "app": { "version": "1.2.3" } },
            "state": { "reported": { "config": { "activeMode": true, "activeWaitTime": 120 } } }
        })
    }

    #[test]
    fn evaluates_projection_over_device() {
        let t = Transform::new(r#"{ "id": id, "type": type }"#).unwrap();
        assert_eq!(
            t.evaluate(&device()).unwrap(),
            json!({ "id": "nrf-352656100000000", "type": "Generic" })
        );
        assert_eq!(t.as_str(), r#"{ "id": id, "type": type }"#);
        assert_eq!(t.to_string(), t.as_str());
    }

    #[test]
    fn evaluate_as_deserialises() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Short {
            id: String,
            wait: u32,
        }
        let t = Transform::new(r#"{ "id": id, "wait": state.reported.config.activeWaitTime }"#)
            .unwrap();
        let short: Short = t.evaluate_as(&device()).unwrap();
        assert_eq!(
            short,
            Short {
                id: "nrf-352656100000000".into(),
                wait: 120
            }
        );
        let err = t.evaluate_as::<Vec<u8>>(&device()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Deserialize);
    }

    #[test]
    fn bindings_are_visible_as_variables() {
        let t = Transform::new("$prefix & name & $suffix").unwrap();
        let vars = json!({ "prefix": "<", "suffix": ">" });
        let out = t
            .evaluate_with_bindings(&device(), vars.as_object().unwrap())
            .unwrap();
        assert_eq!(out, json!("<thingy>"));
    }

    #[test]
    fn undefined_is_null_or_none() {
        let t = Transform::new("missing").unwrap();
        assert_eq!(t.evaluate(&device()).unwrap(), Value::Null);
        let none = t
            .evaluate_with(Some(&device()), None, &EvalLimits::none())
            .unwrap();
        assert_eq!(none, None);
        // No input at all is not `null`.
        let t = Transform::new("$type($)").unwrap();
        let out = t.evaluate_with(None, None, &EvalLimits::none()).unwrap();
        assert_eq!(out, None);
        assert_eq!(t.evaluate(&Value::Null).unwrap(), json!("null"));
    }

    #[test]
    fn numbers_come_back_as_json_integers_when_integral() {
        let t = Transform::new("[1 + 1, 7 / 2, 1e21]").unwrap();
        let out = t.evaluate(&Value::Null).unwrap();
        assert_eq!(out, json!([2, 3.5, 1e21]));
        assert!(out[0].is_i64());
    }

    #[test]
    fn evaluation_errors_carry_codes() {
        let t = Transform::new("name + 1").unwrap();
        let err = t.evaluate(&device()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Evaluation);
        assert_eq!(err.code(), Some("T2001"));
        let err = Transform::new("$error('boom')")
            .unwrap()
            .evaluate(&device())
            .unwrap_err();
        assert_eq!((err.code(), err.message()), (Some("D3137"), "boom"));
        assert_eq!(err.to_string(), "D3137: boom");
    }

    #[test]
    fn limits_stop_runaway_evaluations() {
        let t = Transform::new("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))")
            .unwrap();
        let err = t
            .evaluate_with(None, None, &EvalLimits::none().max_depth(500))
            .unwrap_err();
        assert_eq!(err.code(), Some("D1011"), "{err}");
        let t = Transform::new("$count([1..10000000])").unwrap();
        let options = EvalLimits::none().timeout(std::time::Duration::from_millis(1));
        let outcome = t.evaluate_with(None, None, &options);
        // A single builtin call runs to its end; only the checkpoints after it stop it.
        assert!(matches!(&outcome, Ok(Some(_))) || outcome.unwrap_err().code() == Some("D1012"));
    }

    #[test]
    fn transform_is_clone_send_sync_debug() {
        fn assert_traits<T: Clone + Send + Sync + fmt::Debug + 'static>() {}
        assert_traits::<Transform>();
        assert_traits::<TransformError>();
        let t = Transform::new("id").unwrap();
        let shared = t.clone();
        let handle = std::thread::spawn(move || shared.evaluate(&json!({ "id": 7 })).unwrap());
        assert_eq!(handle.join().unwrap(), json!(7));
        assert_eq!(format!("{t:?}"), "Transform(\"id\")");
        assert_eq!(t, "id".parse().unwrap());
    }

    #[test]
    fn js_number_formatting() {
        assert_eq!(syntax::js_number(1.0), "1");
        assert_eq!(syntax::js_number(1e21), "1e+21");
        assert_eq!(syntax::js_number(1.5e-7), "1.5e-7");
        assert_eq!(syntax::js_number(0.1), "0.1");
    }
}

/// The local syntax check: a tokenizer and Pratt parser for the JSONata grammar that
/// reports syntax errors exactly as jsonata-js (the implementation behind the nRF Cloud
/// server) does: the same error code, the same position (UTF-16 code units after the
/// offending token, as JavaScript counts string indices) and the same token.
///
/// It builds only what the checks need; evaluation uses the engine's own parse tree.
mod syntax {
    /// A syntax error as jsonata-js reports it.
    #[derive(Debug, Clone, PartialEq)]
    pub(super) struct SyntaxError {
        /// `None` for the failures jsonata-js reports without a code: a regular
        /// expression or signature that JavaScript's `RegExp` rejects.
        pub code: Option<&'static str>,
        pub position: Option<usize>,
        pub token: Option<String>,
        pub message: String,
    }

    /// The code of the error for an expression nested deeper than the limit. jsonata-js has
    /// no such limit (it fails with JavaScript's own stack overflow, `RangeError`, which has
    /// no code); `S0299` is ours, in jsonata-js's range of parser codes (`S02xx`), at its
    /// end so that it cannot meet a code jsonata-js adds after `S0217`.
    pub(super) const TOO_DEEP: &str = "S0299";

    /// Stack left below which a nesting level moves to a new stack segment (on the heap).
    const RED_ZONE: usize = 64 * 1024;
    /// Size of each new stack segment.
    const STACK_SEGMENT: usize = 1024 * 1024;
    /// Stack that compiling a regex literal may use: `regress` parses nested groups
    /// recursively, up to 256 levels, which takes more than 1 MiB in a debug build.
    const REGEX_RED_ZONE: usize = 4 * 1024 * 1024;
    /// Size of the stack segment a regex literal is compiled on when less than
    /// [`REGEX_RED_ZONE`] is left.
    const REGEX_STACK: usize = 8 * 1024 * 1024;

    /// Checks `src`; `Ok` when jsonata-js would compile it, with the top-level fields of the
    /// input the expression can read (`None`: it may read any). Sub-expressions nested more
    /// than `max_nesting` levels deep are refused with [`TOO_DEEP`].
    pub(super) fn check(src: &str, max_nesting: usize) -> Result<Option<Vec<String>>, SyntaxError> {
        let mut parser = Parser::new(src, max_nesting);
        parser.advance(None, false)?;
        let expr = parser.expression(0)?;
        if parser.node.id != "(end)" {
            return Err(parser.error(
                "S0201",
                Some(parser.node.pos),
                Some(&parser.node.value),
                None,
            ));
        }
        let mut processor = Processor {
            lexer: &parser.lexer,
            slots: Vec::new(),
        };
        let processed = processor.process(&expr)?;
        if processed.ty == Ty::Parent || processed.seeking.is_some() {
            let token = Val::Str(processed.ty.name().to_string());
            return Err(processor.error("S0217", processed.pos, Some(&token)));
        }
        if parser.reads_any_field {
            return Ok(None);
        }
        let mut names = std::mem::take(&mut parser.names);
        names.sort();
        names.dedup();
        Ok(Some(names))
    }

    // ------------------------------------------------------------------ values

    /// A token value, rendered as jsonata-js renders it in messages.
    #[derive(Debug, Clone, PartialEq)]
    pub(super) enum Val {
        Str(String),
        Num(f64),
        Bool(bool),
        Null,
        /// A regex literal, as JavaScript prints it (`/pattern/flags`).
        Regex(String),
    }

    impl Val {
        /// `JSON.stringify(value)`.
        fn json(&self) -> String {
            match self {
                Val::Str(s) => serde_json::Value::String(s.clone()).to_string(),
                Val::Num(n) => js_number(*n),
                Val::Bool(b) => b.to_string(),
                Val::Null => "null".to_string(),
                Val::Regex(_) => "{}".to_string(),
            }
        }

        /// `String(value)`, as string concatenation renders it.
        fn plain(&self) -> String {
            match self {
                Val::Str(s) => s.clone(),
                Val::Regex(source) => source.clone(),
                other => other.json(),
            }
        }
    }

    /// JavaScript's `Number.prototype.toString()` for finite numbers.
    pub(super) fn js_number(n: f64) -> String {
        if n == 0.0 {
            return "0".to_string();
        }
        let abs = n.abs();
        if (1e-6..1e21).contains(&abs) {
            format!("{n}")
        } else {
            let s = format!("{n:e}");
            match s.split_once('e') {
                Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
                _ => s,
            }
        }
    }

    fn message(code: &str, token: Option<&Val>, value: Option<&Val>) -> String {
        let tok = || token.map_or_else(|| "undefined".to_string(), Val::json);
        let val = || value.map_or_else(|| "undefined".to_string(), Val::json);
        match code {
            "S0101" => "String literal must be terminated by a matching quote".into(),
            "S0102" => format!("Number out of range: {}", tok()),
            "S0103" => format!("Unsupported escape sequence: \\{}", tok()),
            "S0104" => "The escape sequence \\u must be followed by 4 hex digits".into(),
            "S0105" => "Quoted property name must be terminated with a backquote (`)".into(),
            "S0106" => "Comment has no closing tag".into(),
            "S0201" => format!("Syntax error: {}", tok()),
            "S0202" => format!("Expected {}, got {}", val(), tok()),
            "S0203" => format!("Expected {} before end of expression", val()),
            "S0204" => format!("Unknown operator: {}", tok()),
            "S0207" => "Unexpected end of expression".into(),
            "S0208" => format!(
                "Parameter {} of function definition must be a variable name (start with $)",
                val()
            ),
            "S0209" => "A predicate cannot follow a grouping expression in a step".into(),
            "S0210" => "Each step can only have one grouping expression".into(),
            "S0211" => format!("The symbol {} cannot be used as a unary operator", tok()),
            "S0212" => "The left side of := must be a variable name (start with $)".into(),
            "S0213" => format!(
                "The literal value {} cannot be used as a step within a path expression",
                val()
            ),
            "S0214" => format!(
                "The right side of {} must be a variable name (start with $)",
                tok()
            ),
            "S0215" => "A context variable binding must precede any predicates on a step".into(),
            "S0216" => {
                "A context variable binding must precede the 'order-by' clause on a step".into()
            }
            "S0217" => {
                "The object representing the 'parent' cannot be derived from this expression".into()
            }
            "S0301" => "Empty regular expressions are not allowed".into(),
            "S0302" => "No terminating / in regular expression".into(),
            "S0401" => "Type parameters can only be applied to functions and arrays".into(),
            "S0402" => "Choice groups containing parameterized types are not supported".into(),
            other => format!("Syntax error {other}"),
        }
    }

    // ------------------------------------------------------------------ tokenizer

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Kind {
        Name,
        Variable,
        Operator,
        Str,
        Number,
        Value,
        Regex,
    }

    #[derive(Debug, Clone)]
    struct Token {
        kind: Kind,
        value: Val,
        /// Position in chars, just after the token.
        pos: usize,
    }

    /// Single-character operators (the keys of jsonata-js's operator table that are one
    /// character long): they end names.
    fn is_operator_char(c: char) -> bool {
        matches!(
            c,
            '.' | '['
                | ']'
                | '{'
                | '}'
                | '('
                | ')'
                | ','
                | '@'
                | '#'
                | ';'
                | ':'
                | '?'
                | '+'
                | '-'
                | '*'
                | '/'
                | '%'
                | '|'
                | '='
                | '<'
                | '>'
                | '^'
                | '&'
                | '!'
                | '~'
        )
    }

    fn is_space(c: char) -> bool {
        matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}')
    }

    struct Lexer {
        chars: Vec<char>,
        /// UTF-16 offset of each char index (one extra entry for the end).
        utf16: Vec<usize>,
        pos: usize,
    }

    /// A tokenizer failure: code (`None` for an invalid regex), position, token or message.
    type LexError = (Option<&'static str>, Option<usize>, Option<Val>);
    type LexResult = Result<Option<Token>, LexError>;

    impl Lexer {
        fn new(src: &str) -> Self {
            let chars: Vec<char> = src.chars().collect();
            let mut utf16 = Vec::with_capacity(chars.len() + 1);
            let mut at = 0;
            for c in &chars {
                utf16.push(at);
                at += c.len_utf16();
            }
            utf16.push(at);
            Lexer {
                chars,
                utf16,
                pos: 0,
            }
        }

        fn at(&self, i: usize) -> Option<char> {
            self.chars.get(i).copied()
        }

        /// Converts a char position into the UTF-16 offset jsonata-js reports.
        fn js_pos(&self, pos: usize) -> usize {
            match self.utf16.get(pos) {
                Some(p) => *p,
                None => self.utf16[self.chars.len()] + (pos - self.chars.len()),
            }
        }

        fn token(&self, kind: Kind, value: Val) -> LexResult {
            Ok(Some(Token {
                kind,
                value,
                pos: self.pos,
            }))
        }

        fn next(&mut self, infix: bool) -> LexResult {
            let len = self.chars.len();
            if self.pos >= len {
                return Ok(None);
            }
            // Blanks and comments, in a loop (jsonata-js recurses once per comment, which a
            // long run of `/**/` turns into a stack overflow).
            let current = loop {
                while self.pos < len && self.at(self.pos).is_some_and(is_space) {
                    self.pos += 1;
                }
                let current = self.at(self.pos);
                if current != Some('/') || self.at(self.pos + 1) != Some('*') {
                    break current;
                }
                let start = self.pos;
                self.pos += 2;
                loop {
                    if self.at(self.pos) == Some('*') && self.at(self.pos + 1) == Some('/') {
                        break;
                    }
                    self.pos += 1;
                    if self.pos >= len {
                        return Err((Some("S0106"), Some(start), None));
                    }
                }
                self.pos += 2;
                if self.pos >= len {
                    return Ok(None);
                }
            };
            // Regular expressions (where an operand is expected).
            if !infix && current == Some('/') {
                self.pos += 1;
                return self.regex();
            }
            let Some(c) = current else {
                return Ok(None);
            };
            let next = self.at(self.pos + 1);
            let double = match (c, next) {
                ('.', Some('.')) => Some(".."),
                (':', Some('=')) => Some(":="),
                ('!', Some('=')) => Some("!="),
                ('>', Some('=')) => Some(">="),
                ('<', Some('=')) => Some("<="),
                ('*', Some('*')) => Some("**"),
                ('~', Some('>')) => Some("~>"),
                ('?', Some(':')) => Some("?:"),
                ('?', Some('?')) => Some("??"),
                _ => None,
            };
            if let Some(op) = double {
                self.pos += 2;
                return self.token(Kind::Operator, Val::Str(op.to_string()));
            }
            if is_operator_char(c) {
                self.pos += 1;
                return self.token(Kind::Operator, Val::Str(c.to_string()));
            }
            if c == '"' || c == '\'' {
                return self.string(c);
            }
            if c.is_ascii_digit() {
                return self.number();
            }
            if c == '`' {
                self.pos += 1;
                let start = self.pos;
                return match self.chars[start..].iter().position(|&x| x == '`') {
                    Some(off) => {
                        let name: String = self.chars[start..start + off].iter().collect();
                        self.pos = start + off + 1;
                        self.token(Kind::Name, Val::Str(name))
                    }
                    None => {
                        self.pos = len;
                        Err((Some("S0105"), Some(len), None))
                    }
                };
            }
            // Names, variables and keywords.
            let mut i = self.pos;
            while i < len && !is_space(self.chars[i]) && !is_operator_char(self.chars[i]) {
                i += 1;
            }
            if c == '$' {
                let name: String = self.chars[self.pos + 1..i].iter().collect();
                self.pos = i;
                return self.token(Kind::Variable, Val::Str(name));
            }
            let name: String = self.chars[self.pos..i].iter().collect();
            self.pos = i;
            match name.as_str() {
                "or" | "in" | "and" => self.token(Kind::Operator, Val::Str(name)),
                "true" => self.token(Kind::Value, Val::Bool(true)),
                "false" => self.token(Kind::Value, Val::Bool(false)),
                "null" => self.token(Kind::Value, Val::Null),
                "" if self.pos == len => Ok(None),
                _ => self.token(Kind::Name, Val::Str(name)),
            }
        }

        fn regex(&mut self) -> LexResult {
            let len = self.chars.len();
            let start = self.pos;
            let mut depth: i64 = 0;
            while self.pos < len {
                let c = self.chars[self.pos];
                if c == '/' && depth == 0 {
                    let mut backslashes = 0;
                    while self.pos > backslashes && self.chars[self.pos - backslashes - 1] == '\\' {
                        backslashes += 1;
                    }
                    if backslashes % 2 == 0 {
                        if self.pos == start {
                            return Err((Some("S0301"), Some(self.pos), None));
                        }
                        let pattern: String = self.chars[start..self.pos].iter().collect();
                        self.pos += 1;
                        let flags_start = self.pos;
                        while matches!(self.at(self.pos), Some('i' | 'm')) {
                            self.pos += 1;
                        }
                        let flags: String = self.chars[flags_start..self.pos].iter().collect();
                        let source = format!("/{pattern}/{flags}g");
                        // jsonata-js compiles the literal with JavaScript's `RegExp` here.
                        // `regress` parses groups recursively (up to its own limit of 256
                        // levels, which needs more than a small thread's stack): give it
                        // room on a stack segment of its own when this one runs low.
                        let compiled = stacker::maybe_grow(REGEX_RED_ZONE, REGEX_STACK, || {
                            regress::Regex::with_flags(&pattern, flags.as_str()).map(drop)
                        });
                        if let Err(e) = compiled {
                            let message = format!("Invalid regular expression: {source}: {e}");
                            return Err((None, None, Some(Val::Str(message))));
                        }
                        return self.token(Kind::Regex, Val::Regex(source));
                    }
                }
                let escaped = self.pos > 0 && self.chars[self.pos - 1] == '\\';
                if matches!(c, '(' | '[' | '{') && !escaped {
                    depth += 1;
                }
                if matches!(c, ')' | ']' | '}') && !escaped {
                    depth -= 1;
                }
                self.pos += 1;
            }
            Err((Some("S0302"), Some(self.pos), None))
        }

        fn string(&mut self, quote: char) -> LexResult {
            let len = self.chars.len();
            self.pos += 1;
            let mut units: Vec<u16> = Vec::new();
            let mut buf = [0u16; 2];
            while self.pos < len {
                let c = self.chars[self.pos];
                if c == '\\' {
                    self.pos += 1;
                    let e = self.at(self.pos);
                    let simple = match e {
                        Some('"') => Some('"'),
                        Some('\\') => Some('\\'),
                        Some('/') => Some('/'),
                        Some('b') => Some('\u{8}'),
                        Some('f') => Some('\u{c}'),
                        Some('n') => Some('\n'),
                        Some('r') => Some('\r'),
                        Some('t') => Some('\t'),
                        _ => None,
                    };
                    if let Some(s) = simple {
                        units.extend_from_slice(s.encode_utf16(&mut buf));
                    } else if e == Some('u') {
                        let end = (self.pos + 5).min(len);
                        let octets: String = self.chars[self.pos + 1..end].iter().collect();
                        if !octets.is_empty() && octets.chars().all(|h| h.is_ascii_hexdigit()) {
                            units.push(u16::from_str_radix(&octets, 16).unwrap_or(0xFFFD));
                            self.pos += 4;
                        } else {
                            return Err((Some("S0104"), Some(self.pos), None));
                        }
                    } else {
                        let tok = e.map(String::from).unwrap_or_default();
                        return Err((Some("S0103"), Some(self.pos), Some(Val::Str(tok))));
                    }
                } else if c == quote {
                    self.pos += 1;
                    return self.token(Kind::Str, Val::Str(String::from_utf16_lossy(&units)));
                } else {
                    units.extend_from_slice(c.encode_utf16(&mut buf));
                }
                self.pos += 1;
            }
            Err((Some("S0101"), Some(self.pos), None))
        }

        fn number(&mut self) -> LexResult {
            let start = self.pos;
            let digits = |lexer: &Self, mut i: usize| {
                while lexer.at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
                i
            };
            let mut i = if self.at(start) == Some('0') {
                start + 1
            } else {
                digits(self, start)
            };
            if self.at(i) == Some('.') && self.at(i + 1).is_some_and(|c| c.is_ascii_digit()) {
                i = digits(self, i + 1);
            }
            if matches!(self.at(i), Some('e' | 'E')) {
                let mut j = i + 1;
                if matches!(self.at(j), Some('+' | '-')) {
                    j += 1;
                }
                if self.at(j).is_some_and(|c| c.is_ascii_digit()) {
                    i = digits(self, j);
                }
            }
            let text: String = self.chars[start..i].iter().collect();
            match text.parse::<f64>() {
                Ok(n) if n.is_finite() => {
                    self.pos = i;
                    self.token(Kind::Number, Val::Num(n))
                }
                _ => Err((Some("S0102"), Some(start), Some(Val::Str(text)))),
            }
        }
    }

    // ------------------------------------------------------------------ parser

    /// The current token, with the id of its symbol in the grammar.
    #[derive(Debug, Clone)]
    struct Node {
        id: String,
        kind: Option<Kind>,
        value: Val,
        pos: usize,
    }

    /// A parse-tree node, before the post-processing pass.
    #[derive(Debug, Clone)]
    struct Raw {
        expr: Expr,
        value: Val,
        /// Char position just after the node's token (`None` for synthesised nodes).
        pos: Option<usize>,
        /// Levels of nodes below this one (0 for a leaf): what the checks, the processing
        /// pass and dropping the tree recurse through, kept within the nesting limit.
        height: usize,
    }

    #[derive(Debug, Clone)]
    enum Expr {
        /// A token used as a terminal: name, variable, literal, regex, keyword or `?`.
        Leaf(Kind),
        End,
        Binary(String, Box<Raw>, Box<Raw>),
        Filter(Box<Raw>, Box<Raw>),
        OrderBy(Box<Raw>, Vec<Raw>),
        Group(Box<Raw>, Vec<(Raw, Raw)>),
        Object(Vec<(Raw, Raw)>),
        Array(Vec<Raw>),
        Negate(Box<Raw>),
        Wildcard,
        Descendant,
        Parent,
        /// Procedure, arguments, partial application.
        Call(Box<Raw>, Vec<Raw>, bool),
        Lambda(Box<Raw>),
        Condition(Box<Raw>, Box<Raw>, Option<Box<Raw>>),
        /// `left ?: otherwise`: jsonata-js's condition whose test and `then` branch are
        /// the same node (kept once here: a copy per level would double the tree at each
        /// nested `?:`).
        Elvis(Box<Raw>, Box<Raw>),
        /// `left ?? otherwise`: jsonata-js's `$exists(left) ? left : otherwise`, with
        /// `left` kept once (see [`Expr::Elvis`]).
        Coalesce(Box<Raw>, Box<Raw>),
        Transform(Box<Raw>, Box<Raw>, Option<Box<Raw>>),
        Block(Vec<Raw>),
    }

    impl Expr {
        /// The height of a node holding this expression: one more than its tallest child.
        fn height(&self) -> usize {
            let tallest = |nodes: &mut dyn Iterator<Item = &Raw>| {
                nodes.map(|n| n.height + 1).max().unwrap_or(0)
            };
            match self {
                Expr::Leaf(_) | Expr::End | Expr::Wildcard | Expr::Descendant | Expr::Parent => 0,
                Expr::Binary(_, a, b)
                | Expr::Filter(a, b)
                | Expr::Elvis(a, b)
                | Expr::Coalesce(a, b) => tallest(&mut [&**a, &**b].into_iter()),
                Expr::OrderBy(a, terms) => tallest(&mut std::iter::once(&**a).chain(terms.iter())),
                Expr::Group(a, pairs) => tallest(
                    &mut std::iter::once(&**a).chain(pairs.iter().flat_map(|(k, v)| [k, v])),
                ),
                Expr::Object(pairs) => tallest(&mut pairs.iter().flat_map(|(k, v)| [k, v])),
                Expr::Array(items) | Expr::Block(items) => tallest(&mut items.iter()),
                Expr::Negate(a) | Expr::Lambda(a) => a.height + 1,
                Expr::Call(procedure, args, _) => {
                    tallest(&mut std::iter::once(&**procedure).chain(args.iter()))
                }
                Expr::Condition(a, b, c) | Expr::Transform(a, b, c) => {
                    tallest(&mut [&**a, &**b].into_iter().chain(c.as_deref()))
                }
            }
        }
    }

    impl Drop for Raw {
        /// Drops the children (recursively, as the compiler would) on a new stack segment
        /// when the thread's stack runs low: with a raised nesting limit the tree can be
        /// deeper than a small stack.
        fn drop(&mut self) {
            if self.height > 0 {
                let expr = std::mem::replace(&mut self.expr, Expr::End);
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, move || drop(expr));
            }
        }
    }

    impl Raw {
        fn new(expr: Expr, node: &Node) -> Self {
            Raw {
                height: expr.height(),
                expr,
                value: node.value.clone(),
                pos: Some(node.pos),
            }
        }

        fn is_variable(&self) -> bool {
            matches!(self.expr, Expr::Leaf(Kind::Variable))
        }

        fn is_name(&self) -> bool {
            matches!(self.expr, Expr::Leaf(Kind::Name))
        }
    }

    fn lbp(id: &str) -> u32 {
        match id {
            "." => 75,
            "(" | "[" | "@" | "#" => 80,
            "{" => 70,
            "*" | "/" | "%" => 60,
            "+" | "-" | "&" => 50,
            "=" | "<" | ">" | "!=" | "<=" | ">=" | "in" | "~>" | "??" | "^" | "?:" => 40,
            "and" => 30,
            "or" => 25,
            "?" => 20,
            ":=" => 10,
            _ => 0,
        }
    }

    type PResult<T> = Result<T, SyntaxError>;

    fn error(
        lexer: &Lexer,
        code: &'static str,
        pos: Option<usize>,
        token: Option<&Val>,
        value: Option<&Val>,
    ) -> SyntaxError {
        SyntaxError {
            code: Some(code),
            position: pos.map(|p| lexer.js_pos(p)),
            // jsonata-js's token is the token's value: `null` for the `null` literal.
            token: token.filter(|t| **t != Val::Null).map(Val::plain),
            message: message(code, token, value),
        }
    }

    /// An error jsonata-js reports without code or position (JavaScript's `RegExp`
    /// rejected a regex literal or a signature).
    fn uncoded(message: Option<String>) -> SyntaxError {
        SyntaxError {
            code: None,
            position: None,
            token: None,
            message: message.unwrap_or_else(|| "Invalid regular expression".into()),
        }
    }

    struct Parser {
        lexer: Lexer,
        node: Node,
        /// Nesting level of the expression being parsed (0: the whole expression, 1: the
        /// sub-expressions directly inside it, …).
        depth: usize,
        /// Deepest nesting allowed, of the recursion and of the tree it builds.
        max_nesting: usize,
        /// Every token that can name a field (names, string literals, the operator words):
        /// a superset of the top-level fields the expression can read without `$` or a
        /// wildcard.
        names: Vec<String>,
        /// A token that can read the input as a whole: a variable or function (`$…`), a
        /// wildcard (`*`, `**`) or the parent operator (`%`).
        reads_any_field: bool,
    }

    impl Parser {
        fn new(src: &str, max_nesting: usize) -> Self {
            Parser {
                depth: 0,
                max_nesting,
                names: Vec::new(),
                reads_any_field: false,
                lexer: Lexer::new(src),
                node: Node {
                    id: "(start)".into(),
                    kind: None,
                    value: Val::Null,
                    pos: 0,
                },
            }
        }

        fn error(
            &self,
            code: &'static str,
            pos: Option<usize>,
            token: Option<&Val>,
            value: Option<&Val>,
        ) -> SyntaxError {
            error(&self.lexer, code, pos, token, value)
        }

        /// Checks that the current token is `id` (when given), then reads the next one.
        /// `infix` says an operand was just read, so `/` is division, not a regex.
        fn advance(&mut self, id: Option<&str>, infix: bool) -> PResult<()> {
            if let Some(id) = id
                && self.node.id != id
            {
                let code = if self.node.id == "(end)" {
                    "S0203"
                } else {
                    "S0202"
                };
                return Err(self.error(
                    code,
                    Some(self.node.pos),
                    Some(&self.node.value),
                    Some(&Val::Str(id.to_string())),
                ));
            }
            let token = match self.lexer.next(infix) {
                Ok(t) => t,
                Err((Some(code), pos, token)) => {
                    return Err(self.error(code, pos, token.as_ref(), None));
                }
                Err((None, _, message)) => return Err(uncoded(message.map(|m| m.plain()))),
            };
            let Some(token) = token else {
                self.node = Node {
                    id: "(end)".into(),
                    kind: None,
                    value: Val::Str("(end)".into()),
                    pos: self.lexer.chars.len(),
                };
                return Ok(());
            };
            match (&token.kind, &token.value) {
                // Names, and what can stand for one: a string literal as a path step
                // (`"foo"."bar"`), the operator words as field names (`and=1`).
                (Kind::Name | Kind::Str, Val::Str(name)) => self.names.push(name.clone()),
                (Kind::Operator, Val::Str(op)) if op.chars().all(char::is_alphabetic) => {
                    self.names.push(op.clone())
                }
                (Kind::Variable, _) => self.reads_any_field = true,
                (Kind::Operator, Val::Str(op)) if matches!(op.as_str(), "*" | "**" | "%") => {
                    self.reads_any_field = true
                }
                _ => {}
            }
            let id = match token.kind {
                Kind::Name | Kind::Variable => "(name)".to_string(),
                Kind::Operator => {
                    let op = token.value.plain();
                    if op == "!" || op == "~" {
                        return Err(self.error("S0204", Some(token.pos), Some(&token.value), None));
                    }
                    op
                }
                Kind::Str | Kind::Number | Kind::Value => "(literal)".to_string(),
                Kind::Regex => "(regex)".to_string(),
            };
            self.node = Node {
                id,
                kind: Some(token.kind),
                value: token.value,
                pos: token.pos,
            };
            Ok(())
        }

        fn expect(&mut self, id: &str) -> PResult<()> {
            self.advance(Some(id), false)
        }

        /// Pratt's top-down operator precedence loop, one nesting level deeper than the
        /// caller's.
        ///
        /// The level is checked before recursing, and the tree it builds (which grows
        /// without recursion along a chain such as `1+1+1…`) is kept within the limit too,
        /// so neither this parser, the processing pass nor dropping the tree can run out of
        /// stack. Each level may still move to a stack segment of its own on the heap when
        /// the thread's stack runs low.
        fn expression(&mut self, rbp: u32) -> PResult<Raw> {
            if self.depth > self.max_nesting {
                return Err(self.too_deep(self.node.pos, &self.node.value));
            }
            self.depth += 1;
            let result = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                let t = self.node.clone();
                self.advance(None, true)?;
                let mut left = self.nud(&t)?;
                if left.height > self.max_nesting {
                    return Err(self.too_deep(t.pos, &t.value));
                }
                while rbp < lbp(&self.node.id) {
                    let t = self.node.clone();
                    self.advance(None, false)?;
                    left = self.led(&t, left)?;
                    if left.height > self.max_nesting {
                        return Err(self.too_deep(t.pos, &t.value));
                    }
                }
                Ok(left)
            });
            self.depth -= 1;
            result
        }

        /// The error for an expression nested deeper than the limit, at `token`.
        fn too_deep(&self, pos: usize, token: &Val) -> SyntaxError {
            let mut err = self.error(TOO_DEEP, Some(pos), Some(token), None);
            err.message = format!(
                "The expression is nested more than {} levels deep (the nesting limit of this \
                 check: Transform::with_max_nesting)",
                self.max_nesting
            );
            err
        }

        fn boxed(&mut self, rbp: u32) -> PResult<Box<Raw>> {
            self.expression(rbp).map(Box::new)
        }

        /// A token in prefix position.
        fn nud(&mut self, t: &Node) -> PResult<Raw> {
            let expr = match t.id.as_str() {
                "(end)" => Expr::End,
                "(name)" | "(literal)" | "(regex)" | "and" | "or" | "in" => {
                    Expr::Leaf(t.kind.unwrap_or(Kind::Operator))
                }
                "-" => Expr::Negate(self.boxed(70)?),
                "*" => Expr::Wildcard,
                "**" => Expr::Descendant,
                "%" => Expr::Parent,
                "(" => {
                    let mut exprs = Vec::new();
                    while self.node.id != ")" {
                        exprs.push(self.expression(0)?);
                        if self.node.id != ";" {
                            break;
                        }
                        self.expect(";")?;
                    }
                    self.advance(Some(")"), true)?;
                    Expr::Block(exprs)
                }
                "[" => {
                    let mut items = Vec::new();
                    if self.node.id != "]" {
                        loop {
                            let mut item = self.expression(0)?;
                            if self.node.id == ".." {
                                let range = self.node.clone();
                                self.expect("..")?;
                                let rhs = self.expression(0)?;
                                item = Raw::new(
                                    Expr::Binary("..".into(), Box::new(item), Box::new(rhs)),
                                    &range,
                                );
                            }
                            items.push(item);
                            if self.node.id != "," {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    self.advance(Some("]"), true)?;
                    Expr::Array(items)
                }
                "{" => Expr::Object(self.object_pairs()?),
                "|" => {
                    let pattern = self.boxed(0)?;
                    self.expect("|")?;
                    let update = self.boxed(0)?;
                    let mut delete = None;
                    if self.node.id == "," {
                        self.expect(",")?;
                        delete = Some(self.boxed(0)?);
                    }
                    self.expect("|")?;
                    Expr::Transform(pattern, update, delete)
                }
                _ => return Err(self.error("S0211", Some(t.pos), Some(&t.value), None)),
            };
            Ok(Raw::new(expr, t))
        }

        fn object_pairs(&mut self) -> PResult<Vec<(Raw, Raw)>> {
            let mut pairs = Vec::new();
            if self.node.id != "}" {
                loop {
                    let key = self.expression(0)?;
                    self.expect(":")?;
                    let value = self.expression(0)?;
                    pairs.push((key, value));
                    if self.node.id != "," {
                        break;
                    }
                    self.expect(",")?;
                }
            }
            self.advance(Some("}"), true)?;
            Ok(pairs)
        }

        /// A token in infix position, `left` being what precedes it.
        fn led(&mut self, t: &Node, left: Raw) -> PResult<Raw> {
            let id = t.id.as_str();
            let left = Box::new(left);
            let expr = match id {
                "(" => return self.call(t, *left),
                "[" => {
                    if self.node.id == "]" {
                        // `step[]` keeps singleton arrays and adds no node.
                        self.expect("]")?;
                        return Ok(*left);
                    }
                    let rhs = self.boxed(0)?;
                    self.advance(Some("]"), true)?;
                    Expr::Filter(left, rhs)
                }
                "^" => {
                    self.expect("(")?;
                    let mut terms = Vec::new();
                    loop {
                        if self.node.id == "<" {
                            self.expect("<")?;
                        } else if self.node.id == ">" {
                            self.expect(">")?;
                        }
                        terms.push(self.expression(0)?);
                        if self.node.id != "," {
                            break;
                        }
                        self.expect(",")?;
                    }
                    self.expect(")")?;
                    Expr::OrderBy(left, terms)
                }
                "{" => Expr::Group(left, self.object_pairs()?),
                ":=" => {
                    if !left.is_variable() {
                        return Err(self.error("S0212", left.pos, Some(&left.value), None));
                    }
                    let rhs = self.boxed(lbp(":=") - 1)?;
                    Expr::Binary(":=".into(), left, rhs)
                }
                "@" | "#" => {
                    let rhs = self.boxed(lbp(id))?;
                    if !rhs.is_variable() {
                        let token = Val::Str(id.to_string());
                        return Err(self.error("S0214", rhs.pos, Some(&token), None));
                    }
                    Expr::Binary(id.into(), left, rhs)
                }
                "?" => {
                    let then = self.boxed(0)?;
                    let mut otherwise = None;
                    if self.node.id == ":" {
                        self.expect(":")?;
                        otherwise = Some(self.boxed(0)?);
                    }
                    Expr::Condition(left, then, otherwise)
                }
                "?:" => Expr::Elvis(left, self.boxed(0)?),
                "??" => Expr::Coalesce(left, self.boxed(0)?),
                _ => {
                    let rhs = self.boxed(lbp(id))?;
                    Expr::Binary(id.into(), left, rhs)
                }
            };
            Ok(Raw::new(expr, t))
        }

        /// Function call, partial application or lambda definition.
        fn call(&mut self, t: &Node, left: Raw) -> PResult<Raw> {
            let mut args = Vec::new();
            let mut partial = false;
            if self.node.id != ")" {
                loop {
                    if self.node.kind == Some(Kind::Operator) && self.node.id == "?" {
                        partial = true;
                        args.push(Raw::new(Expr::Leaf(Kind::Operator), &self.node));
                        self.expect("?")?;
                    } else {
                        args.push(self.expression(0)?);
                    }
                    if self.node.id != "," {
                        break;
                    }
                    self.expect(",")?;
                }
            }
            self.advance(Some(")"), true)?;
            let lambda = left.is_name()
                && matches!(&left.value, Val::Str(s) if s == "function" || s == "\u{3bb}");
            if !lambda {
                return Ok(Raw::new(Expr::Call(Box::new(left), args, partial), t));
            }
            for (index, arg) in args.iter().enumerate() {
                if !arg.is_variable() {
                    let value = Val::Num((index + 1) as f64);
                    return Err(self.error("S0208", arg.pos, Some(&arg.value), Some(&value)));
                }
            }
            if self.node.id == "<" {
                let sig_pos = self.node.pos;
                let mut depth = 1;
                let mut sig = String::from("<");
                while depth > 0 && self.node.id != "{" && self.node.id != "(end)" {
                    self.advance(None, false)?;
                    if self.node.id == ">" {
                        depth -= 1;
                    } else if self.node.id == "<" {
                        depth += 1;
                    }
                    sig.push_str(&self.node.value.plain());
                }
                self.expect(">")?;
                match check_signature(&sig) {
                    Ok(()) => {}
                    Err((Some(code), offset)) => {
                        let mut err = self.error(code, None, None, None);
                        err.position = Some(self.lexer.js_pos(sig_pos) + offset);
                        return Err(err);
                    }
                    Err((None, _)) => {
                        return Err(uncoded(Some(format!(
                            "Invalid regular expression built from signature {sig}: \
                             Nothing to repeat"
                        ))));
                    }
                }
            }
            self.expect("{")?;
            let body = self.boxed(0)?;
            self.expect("}")?;
            Ok(Raw::new(Expr::Lambda(body), t))
        }
    }

    /// The checks of jsonata-js's signature parser: S0401, S0402, and the quantifiers
    /// (`?`, `+`, `-`) its `RegExp` rejects (an uncoded error, code `None`). The offset is
    /// in UTF-16 units from the signature's `<`.
    fn check_signature(sig: &str) -> Result<(), (Option<&'static str>, usize)> {
        let chars: Vec<char> = sig.chars().collect();
        let offset = |i: usize| {
            chars[..i.min(chars.len())]
                .iter()
                .map(|c| c.len_utf16())
                .sum()
        };
        let closing = |start: usize, open: char, close: char| {
            let mut depth = 1;
            let mut i = start;
            while i < chars.len() {
                i += 1;
                match chars.get(i) {
                    Some(&c) if c == close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Some(&c) if c == open => depth += 1,
                    _ => {}
                }
            }
            i
        };
        let mut prev_type: Option<char> = None;
        // Quantifiers added to the previous parameter's regex ('-' adds '?'): JavaScript
        // accepts a quantifier optionally followed by a lazy '?', nothing more.
        let mut quantifiers = String::new();
        let mut i = 1;
        while i < chars.len() {
            match chars[i] {
                ':' => break,
                c @ ('s' | 'n' | 'b' | 'l' | 'o' | 'a' | 'f' | 'j' | 'x') => {
                    prev_type = Some(c);
                    quantifiers.clear();
                }
                q @ ('-' | '?' | '+') => {
                    quantifiers.push(if q == '-' { '?' } else { q });
                    if !matches!(quantifiers.as_str(), "?" | "+" | "??" | "+?") {
                        return Err((None, 0));
                    }
                }
                '(' => {
                    let end = closing(i, '(', ')');
                    let choice = &chars[(i + 1).min(chars.len())..end.min(chars.len())];
                    if choice.contains(&'<') {
                        return Err((Some("S0402"), offset(i)));
                    }
                    prev_type = Some('(');
                    quantifiers.clear();
                    i = end;
                }
                '<' => {
                    if matches!(prev_type, Some('a' | 'f')) {
                        i = closing(i, '<', '>');
                    } else {
                        return Err((Some("S0401"), offset(i)));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ post-processing

    /// The node types of jsonata-js's processed tree that the checks tell apart.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Ty {
        Path,
        Name,
        Wildcard,
        Descendant,
        Parent,
        Block,
        Sort,
        Str,
        Num,
        Value,
        Variable,
        Regex,
        Binary,
        Unary,
        Function,
        Partial,
        Lambda,
        Condition,
        Transform,
        Bind,
        Apply,
        Operator,
    }

    impl Ty {
        fn name(self) -> &'static str {
            match self {
                Ty::Path => "path",
                Ty::Name => "name",
                Ty::Wildcard => "wildcard",
                Ty::Descendant => "descendant",
                Ty::Parent => "parent",
                Ty::Block => "block",
                Ty::Sort => "sort",
                Ty::Str => "string",
                Ty::Num => "number",
                Ty::Value => "value",
                Ty::Variable => "variable",
                Ty::Regex => "regex",
                Ty::Binary => "binary",
                Ty::Unary => "unary",
                Ty::Function => "function",
                Ty::Partial => "partial",
                Ty::Lambda => "lambda",
                Ty::Condition => "condition",
                Ty::Transform => "transform",
                Ty::Bind => "bind",
                Ty::Apply => "apply",
                Ty::Operator => "operator",
            }
        }
    }

    /// A processed node: what the step, binding and parent (`%`) checks look at.
    #[derive(Debug, Clone)]
    struct Q {
        ty: Ty,
        pos: Option<usize>,
        value: Val,
        /// Parent slots still looking for their ancestor.
        seeking: Option<Vec<usize>>,
        predicate: bool,
        stages: bool,
        group: bool,
        focus: bool,
        /// Steps of a path.
        steps: Vec<Q>,
        /// Last expression of a block.
        last: Option<Box<Q>>,
        /// Slot of a parent operator.
        slot: usize,
    }

    impl Drop for Q {
        /// Drops nested steps on a new stack segment when the stack runs low (see
        /// `Raw`'s `Drop`).
        fn drop(&mut self) {
            if !self.steps.is_empty() || self.last.is_some() {
                let steps = std::mem::take(&mut self.steps);
                let last = self.last.take();
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, move || drop((steps, last)));
            }
        }
    }

    impl Q {
        fn new(ty: Ty, raw: &Raw) -> Self {
            Q {
                ty,
                pos: raw.pos,
                value: raw.value.clone(),
                seeking: None,
                predicate: false,
                stages: false,
                group: false,
                focus: false,
                steps: Vec::new(),
                last: None,
                slot: 0,
            }
        }

        fn path(step: Q) -> Self {
            Q {
                ty: Ty::Path,
                pos: None,
                value: Val::Null,
                seeking: None,
                predicate: false,
                stages: false,
                group: false,
                focus: false,
                steps: vec![step],
                last: None,
                slot: 0,
            }
        }

        /// The step that predicates and bindings attach to.
        fn step_mut(&mut self) -> &mut Q {
            if self.ty == Ty::Path {
                self.steps.last_mut().expect("a path has steps")
            } else {
                self
            }
        }
    }

    /// jsonata-js's post-parse pass, reduced to the checks that can fail.
    struct Processor<'a> {
        lexer: &'a Lexer,
        /// Levels of the parent-operator slots.
        slots: Vec<i64>,
    }

    impl Processor<'_> {
        fn error(
            &self,
            code: &'static str,
            pos: Option<usize>,
            token: Option<&Val>,
        ) -> SyntaxError {
            error(self.lexer, code, pos, token, None)
        }

        fn push_ancestry(result: &mut Q, value: &Q) {
            if value.seeking.is_some() || value.ty == Ty::Parent {
                let mut slots = value.seeking.clone().unwrap_or_default();
                if value.ty == Ty::Parent {
                    slots.push(value.slot);
                }
                result.seeking.get_or_insert_with(Vec::new).extend(slots);
            }
        }

        fn seek_parent(&mut self, node: &Q, slot: usize) -> PResult<()> {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.seek_parent_in(node, slot))
        }

        fn seek_parent_in(&mut self, node: &Q, slot: usize) -> PResult<()> {
            match node.ty {
                Ty::Name | Ty::Wildcard => self.slots[slot] -= 1,
                Ty::Parent => self.slots[slot] += 1,
                Ty::Block => {
                    if let Some(last) = &node.last {
                        self.seek_parent(last, slot)?;
                    }
                }
                Ty::Path => {
                    let mut index = node.steps.len() as isize - 1;
                    self.seek_parent(&node.steps[index as usize], slot)?;
                    index -= 1;
                    while self.slots[slot] > 0 && index >= 0 {
                        self.seek_parent(&node.steps[index as usize], slot)?;
                        index -= 1;
                    }
                }
                other => {
                    let token = Val::Str(other.name().to_string());
                    return Err(self.error("S0217", node.pos, Some(&token)));
                }
            }
            Ok(())
        }

        fn resolve_ancestry(&mut self, path: &mut Q) -> PResult<()> {
            let count = path.steps.len();
            let last = &path.steps[count - 1];
            let mut slots = last.seeking.clone().unwrap_or_default();
            if last.ty == Ty::Parent {
                slots.push(last.slot);
            }
            for slot in slots {
                let mut index = count as isize - 2;
                while self.slots[slot] > 0 {
                    if index < 0 {
                        path.seeking.get_or_insert_with(Vec::new).push(slot);
                        break;
                    }
                    let mut at = index as usize;
                    index -= 1;
                    // Contiguous steps that bind the focus count as one.
                    while index >= 0 && path.steps[at].focus && path.steps[index as usize].focus {
                        at = index as usize;
                        index -= 1;
                    }
                    let step = path.steps[at].clone();
                    self.seek_parent(&step, slot)?;
                }
            }
            Ok(())
        }

        /// Processes one node; the parser keeps the tree within the nesting limit, and
        /// each level may move to a new stack segment when the thread's stack runs low.
        fn process(&mut self, raw: &Raw) -> PResult<Q> {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.process_node(raw))
        }

        fn process_node(&mut self, raw: &Raw) -> PResult<Q> {
            let q = match &raw.expr {
                Expr::Leaf(kind) => match kind {
                    Kind::Name => Q::path(Q::new(Ty::Name, raw)),
                    Kind::Variable => Q::new(Ty::Variable, raw),
                    Kind::Str => Q::new(Ty::Str, raw),
                    Kind::Number => Q::new(Ty::Num, raw),
                    Kind::Value => Q::new(Ty::Value, raw),
                    Kind::Regex => Q::new(Ty::Regex, raw),
                    Kind::Operator => match raw.value.plain().as_str() {
                        "and" | "or" | "in" => Q::path(Q::new(Ty::Name, raw)),
                        "?" => Q::new(Ty::Operator, raw),
                        _ => return Err(self.error("S0201", raw.pos, Some(&raw.value))),
                    },
                },
                Expr::End => return Err(self.error("S0207", raw.pos, Some(&raw.value))),
                Expr::Binary(op, lhs, rhs) => match op.as_str() {
                    "." => self.path_step(lhs, rhs)?,
                    ":=" => {
                        let mut q = Q::new(Ty::Bind, raw);
                        self.process(lhs)?;
                        let value = self.process(rhs)?;
                        Self::push_ancestry(&mut q, &value);
                        q
                    }
                    "@" => {
                        let mut result = self.process(lhs)?;
                        let step = result.step_mut();
                        if step.stages || step.predicate {
                            return Err(self.error("S0215", raw.pos, None));
                        }
                        if step.ty == Ty::Sort {
                            return Err(self.error("S0216", raw.pos, None));
                        }
                        step.focus = true;
                        result
                    }
                    "#" => {
                        let result = self.process(lhs)?;
                        if result.ty == Ty::Path {
                            result
                        } else {
                            Q::path(result)
                        }
                    }
                    "~>" => {
                        self.process(lhs)?;
                        self.process(rhs)?;
                        Q::new(Ty::Apply, raw)
                    }
                    _ => {
                        let mut q = Q::new(Ty::Binary, raw);
                        let l = self.process(lhs)?;
                        Self::push_ancestry(&mut q, &l);
                        let r = self.process(rhs)?;
                        Self::push_ancestry(&mut q, &r);
                        q
                    }
                },
                Expr::Filter(lhs, rhs) => {
                    let mut result = self.process(lhs)?;
                    let is_path = result.ty == Ty::Path;
                    if result.step_mut().group {
                        return Err(self.error("S0209", raw.pos, None));
                    }
                    let predicate = self.process(rhs)?;
                    if let Some(slots) = predicate.seeking.clone() {
                        for slot in slots {
                            if self.slots[slot] == 1 {
                                let step = result.step_mut().clone();
                                self.seek_parent(&step, slot)?;
                            } else {
                                self.slots[slot] -= 1;
                            }
                        }
                        Self::push_ancestry(result.step_mut(), &predicate);
                    }
                    if is_path {
                        result.step_mut().stages = true;
                    } else {
                        result.predicate = true;
                    }
                    result
                }
                Expr::OrderBy(lhs, terms) => {
                    let mut result = self.process(lhs)?;
                    if result.ty != Ty::Path {
                        result = Q::path(result);
                    }
                    let mut sort = Q::new(Ty::Sort, raw);
                    for term in terms {
                        let term = self.process(term)?;
                        Self::push_ancestry(&mut sort, &term);
                    }
                    result.steps.push(sort);
                    self.resolve_ancestry(&mut result)?;
                    result
                }
                Expr::Group(lhs, pairs) => {
                    let mut result = self.process(lhs)?;
                    if result.group {
                        return Err(self.error("S0210", raw.pos, None));
                    }
                    for (key, value) in pairs {
                        self.process(key)?;
                        self.process(value)?;
                    }
                    result.group = true;
                    result
                }
                Expr::Object(pairs) => {
                    let mut q = Q::new(Ty::Unary, raw);
                    for (key, value) in pairs {
                        let key = self.process(key)?;
                        Self::push_ancestry(&mut q, &key);
                        let value = self.process(value)?;
                        Self::push_ancestry(&mut q, &value);
                    }
                    q
                }
                Expr::Array(items) => {
                    let mut q = Q::new(Ty::Unary, raw);
                    for item in items {
                        let item = self.process(item)?;
                        Self::push_ancestry(&mut q, &item);
                    }
                    q
                }
                Expr::Negate(inner) => {
                    let mut inner = self.process(inner)?;
                    if inner.ty == Ty::Num {
                        if let Val::Num(n) = inner.value {
                            inner.value = Val::Num(-n);
                        }
                        inner
                    } else {
                        let mut q = Q::new(Ty::Unary, raw);
                        Self::push_ancestry(&mut q, &inner);
                        q
                    }
                }
                Expr::Wildcard => Q::new(Ty::Wildcard, raw),
                Expr::Descendant => Q::new(Ty::Descendant, raw),
                Expr::Parent => {
                    let mut q = Q::new(Ty::Parent, raw);
                    q.pos = None;
                    q.slot = self.slots.len();
                    self.slots.push(1);
                    q
                }
                Expr::Call(procedure, args, partial) => {
                    let ty = if *partial { Ty::Partial } else { Ty::Function };
                    let mut q = Q::new(ty, raw);
                    for arg in args {
                        let arg = self.process(arg)?;
                        Self::push_ancestry(&mut q, &arg);
                    }
                    self.process(procedure)?;
                    q
                }
                Expr::Lambda(body) => {
                    self.process(body)?;
                    Q::new(Ty::Lambda, raw)
                }
                Expr::Condition(test, then, otherwise) => {
                    let mut q = Q::new(Ty::Condition, raw);
                    let test = self.process(test)?;
                    Self::push_ancestry(&mut q, &test);
                    let then = self.process(then)?;
                    Self::push_ancestry(&mut q, &then);
                    if let Some(otherwise) = otherwise {
                        let otherwise = self.process(otherwise)?;
                        Self::push_ancestry(&mut q, &otherwise);
                    }
                    q
                }
                Expr::Elvis(left, otherwise) => {
                    // jsonata-js processes `left` twice (as the test and as `then`); the
                    // second pass is the first one again, so its result is reused.
                    let mut q = Q::new(Ty::Condition, raw);
                    let test = self.process(left)?;
                    Self::push_ancestry(&mut q, &test);
                    let otherwise = self.process(otherwise)?;
                    Self::push_ancestry(&mut q, &otherwise);
                    q
                }
                Expr::Coalesce(left, otherwise) => {
                    // The test `$exists(left)`: a function call without a position,
                    // whose argument is `left`, then `left` itself (reused, as above).
                    let mut q = Q::new(Ty::Condition, raw);
                    let left = self.process(left)?;
                    Self::push_ancestry(&mut q, &left);
                    let otherwise = self.process(otherwise)?;
                    Self::push_ancestry(&mut q, &otherwise);
                    q
                }
                Expr::Transform(pattern, update, delete) => {
                    self.process(pattern)?;
                    self.process(update)?;
                    if let Some(delete) = delete {
                        self.process(delete)?;
                    }
                    Q::new(Ty::Transform, raw)
                }
                Expr::Block(exprs) => {
                    let mut q = Q::new(Ty::Block, raw);
                    for expr in exprs {
                        let part = self.process(expr)?;
                        Self::push_ancestry(&mut q, &part);
                        q.last = Some(Box::new(part));
                    }
                    q
                }
            };
            Ok(q)
        }

        /// The `.` operator: flattens both sides into one path.
        fn path_step(&mut self, lhs: &Raw, rhs: &Raw) -> PResult<Q> {
            let left = self.process(lhs)?;
            let left_parent = (left.ty == Ty::Parent).then_some(left.slot);
            let mut result = if left.ty == Ty::Path {
                left
            } else {
                Q::path(left)
            };
            if let Some(slot) = left_parent {
                result.seeking = Some(vec![slot]);
            }
            let mut rest = self.process(rhs)?;
            if rest.ty == Ty::Path {
                result.steps.append(&mut rest.steps);
            } else {
                if rest.predicate {
                    rest.stages = true;
                    rest.predicate = false;
                }
                result.steps.push(rest);
            }
            if let Some(step) = result
                .steps
                .iter()
                .find(|s| matches!(s.ty, Ty::Num | Ty::Value))
            {
                let mut err = self.error("S0213", step.pos, None);
                err.message = message("S0213", None, Some(&step.value));
                return Err(err);
            }
            for step in &mut result.steps {
                if step.ty == Ty::Str {
                    step.ty = Ty::Name;
                }
            }
            self.resolve_ancestry(&mut result)?;
            Ok(result)
        }
    }
}
