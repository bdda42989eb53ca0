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
//! # Features
//!
//! - `evaluate` (on by default): [`Transform::evaluate`] and its variants, on the
//!   `jsonata-core` engine. Without it, [`Transform`] still checks expressions and sends
//!   them; a crate that only sends transforms to the server saves the engine's build.
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
//!
//! [`Arc`]: std::sync::Arc

#![warn(missing_docs)]
#![warn(clippy::missing_errors_doc)]

#[cfg(feature = "evaluate")]
mod convert;
mod error;
mod limits;
#[cfg(feature = "evaluate")]
mod projection;
mod syntax;
mod transform;

pub use error::{ErrorKind, TransformError};
pub use limits::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_NESTING, DEFAULT_MAX_RESULT_BYTES, DEFAULT_MAX_RESULT_DEPTH,
    DEFAULT_MAX_SEQUENCE_LENGTH, DEFAULT_TIMEOUT, EvalLimits, Limit,
};
pub use transform::Transform;
