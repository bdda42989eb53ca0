//! [`Transform`]: a checked JSONata expression, and its local evaluation.

use std::fmt;
use std::sync::Arc;

#[cfg(feature = "evaluate")]
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorOptions};
#[cfg(feature = "evaluate")]
use jsonata_core::value::JValue;
#[cfg(feature = "evaluate")]
use serde::de::DeserializeOwned;
#[cfg(feature = "evaluate")]
use serde_json::{Map, Value};

#[cfg(feature = "evaluate")]
use crate::convert::{from_jvalue, to_jvalue};
use crate::error::{ErrorKind, TransformError};
#[cfg(feature = "evaluate")]
use crate::error::{contain, find_code, parser_error_code, strip_code};
#[cfg(feature = "evaluate")]
use crate::limits::EvalLimits;
use crate::limits::{DEFAULT_MAX_NESTING, Limit};
#[cfg(feature = "evaluate")]
use crate::projection::Projection;
use crate::syntax;

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
    #[cfg(feature = "evaluate")]
    ast: Result<jsonata_core::ast::AstNode, TransformError>,
    /// `Some` when the expression only copies top-level fields under new keys: evaluated
    /// without the engine where that gives the engine's result (see [`Projection`]).
    #[cfg(feature = "evaluate")]
    projection: Option<Projection>,
    /// The only top-level fields of an object input the expression can read, when it
    /// reads the input through names alone (no `$`, wildcard or parent operator): the rest
    /// of the document is not converted for the engine. `None`: convert it all.
    #[cfg_attr(not(feature = "evaluate"), allow(dead_code))]
    root_fields: Option<Vec<String>>,
}

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
        #[cfg(feature = "evaluate")]
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
        #[cfg(feature = "evaluate")]
        let projection = ast.as_ref().ok().and_then(Projection::of);
        Ok(Transform {
            inner: Arc::new(Inner {
                source,
                #[cfg(feature = "evaluate")]
                ast,
                #[cfg(feature = "evaluate")]
                projection,
                root_fields,
            }),
        })
    }

    /// The expression text, as given to [`Transform::new`]: the value of the `transform`
    /// query parameter.
    pub fn as_str(&self) -> &str {
        &self.inner.source
    }
}

/// Local evaluation (the `evaluate` feature, on by default).
#[cfg(feature = "evaluate")]
impl Transform {
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
        if let (Some(projection), Some(Value::Object(map))) = (&self.inner.projection, input)
            && let Some(result) = projection.apply(map, limits)
        {
            return result
                .map(Some)
                .map_err(|limit| TransformError::result_limit(limit, limits));
        }
        self.evaluate_on_engine(ast, input, bindings, limits)
    }

    /// [`Transform::evaluate_with`] through the engine.
    fn evaluate_on_engine(
        &self,
        ast: &jsonata_core::ast::AstNode,
        input: Option<&Value>,
        bindings: Option<&Map<String, Value>>,
        limits: &EvalLimits,
    ) -> Result<Option<Value>, TransformError> {
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

#[cfg(all(test, feature = "evaluate"))]
mod tests {
    use super::*;
    use serde_json::json;

    /// The projections the fast path takes, and shapes that must go to the engine.
    #[test]
    fn projections_are_recognised_and_nothing_else() {
        for expr in [
            r#"{ "id": id, "type": type }"#,
            r#"{"a": a}"#,
            r#"{ "x": `a field`, "y": n, "z": id }"#,
            "{}",
        ] {
            let t = Transform::new(expr).unwrap();
            assert!(t.inner.projection.is_some(), "{expr}");
        }
        for expr in [
            r#"{ "id": id.x }"#,
            r#"{ "id": $x }"#,
            r#"{ "id": $ }"#,
            r#"{ "id": id[0] }"#,
            r#"{ "id": id^(x) }"#,
            r#"{ "a": a, "a": b }"#,
            r#"{ k: v }"#,
            r#"{ "a": a }.a"#,
            r#"x{ "a": a }"#,
            r#"{ "a": a@$v }"#,
            r#"{ "a": a#$i }"#,
            r#"{ "a": "literal" }"#,
            r#"{ "a": * }"#,
            r#"{ "a": %.b }.c"#,
            "id",
        ] {
            if let Ok(t) = Transform::new(expr) {
                assert!(t.inner.projection.is_none(), "{expr}");
            }
        }
    }

    /// The fast path gives what the engine gives, value and limit errors alike.
    #[test]
    fn projections_evaluate_as_the_engine_does() {
        let docs = [
            json!({ "id": "nrf-1", "type": "Generic", "tags": ["a"] }),
            json!({ "id": null, "type": true }),
            json!({ "type": 1.0, "n": -0.0, "a": 9_007_199_254_740_993u64 }),
            json!({ "id": 1e300, "type": 2.5, "n": -12, "a": 18_446_744_073_709_551_615u64 }),
            json!({ "id": { "nested": [1, [2, { "x": null }], 1.5], "o": {} }, "type": "é\u{1F600}\"" }),
            json!({ "id": [], "type": "x" }),
            json!({ "id": ["one"], "type": [1, 2] }),
            json!({ "a field": { "deep": { "deeper": { "deepest": [true] } } }, "z": "" }),
            json!({}),
        ];
        let mut limits = vec![
            EvalLimits::default(),
            EvalLimits::none(),
            EvalLimits::none().max_depth(1),
            EvalLimits::none().max_sequence_length(0),
        ];
        for bytes in 0..60 {
            limits.push(EvalLimits::none().max_result_bytes(bytes));
        }
        for depth in 0..6 {
            limits.push(EvalLimits::none().max_result_depth(depth));
        }
        let mut fast = 0;
        for expr in [
            r#"{ "id": id, "type": type }"#,
            r#"{"a": a, "n": n}"#,
            r#"{ "x": `a field`, "y": n, "z": id }"#,
            "{}",
        ] {
            let t = Transform::new(expr).unwrap();
            let (Ok(ast), Some(projection)) = (&t.inner.ast, &t.inner.projection) else {
                panic!("{expr} is a projection");
            };
            for doc in &docs {
                for l in &limits {
                    let Value::Object(map) = doc else {
                        unreachable!()
                    };
                    fast += usize::from(projection.apply(map, l).is_some());
                    assert_eq!(
                        t.evaluate_with(Some(doc), None, l),
                        t.evaluate_on_engine(ast, Some(doc), None, l),
                        "{expr} on {doc} with {l:?}"
                    );
                }
            }
        }
        // Most cases went through the fast path (not only the engine twice).
        assert!(fast > 1_000, "{fast}");
    }

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
                    projection: None,
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
}
