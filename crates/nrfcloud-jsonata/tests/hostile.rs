//! Hostile transforms: each test is an attack that crashed, hung or exhausted the process
//! before the bounds (issue #18), and must now end in a typed error naming the bound.
//!
//! The deep ones run on a thread with a 256 KiB stack, in whatever profile the tests are
//! built in: `cargo test` covers the debug build, and `.ci/run` runs this file again with
//! `--release` (a stack overflow aborts the whole process, so it cannot hide as a failure).

use std::time::Duration;

use nrfcloud_jsonata::{ErrorKind, EvalLimits, Limit, Transform, TransformError};
use serde_json::{Value, json};

/// The stack of the threads the deep attacks run on.
const SMALL_STACK: usize = 256 * 1024;
/// Levels of nesting of the deep attacks.
const LEVELS: usize = 10_000;

/// Runs `f` on a thread with a [`SMALL_STACK`].
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("small stack".into())
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the thread did not panic")
}

/// `Transform::new(expr)` on a small stack.
fn parse_on_small_stack(expr: String) -> Result<Transform, TransformError> {
    on_small_stack(move || Transform::new(expr))
}

/// The syntax error of a too deeply nested expression.
fn assert_too_deep(expr: &str, err: &TransformError) {
    let head: String = expr.chars().take(40).collect();
    assert_eq!(err.kind(), ErrorKind::Syntax, "{head}…: {err}");
    assert_eq!(err.code(), Some("S0299"), "{head}…: {err}");
    assert_eq!(err.limit(), Some(Limit::Nesting), "{head}…: {err}");
    let position = err.position().expect("a position");
    assert!(position > 200 && position < expr.len(), "{head}…: {err}");
    assert!(
        err.to_string().contains("Transform::with_max_nesting"),
        "{err}"
    );
}

#[test]
fn deeply_nested_parentheses_are_a_syntax_error_not_a_stack_overflow() {
    let expr = format!("{}1{}", "(".repeat(LEVELS), ")".repeat(LEVELS));
    let err = parse_on_small_stack(expr.clone()).unwrap_err();
    assert_too_deep(&expr, &err);
    // Just after the first token 201 levels deep: the 202nd parenthesis.
    assert_eq!(err.position(), Some(202));
    assert_eq!(err.token(), Some("("));
}

#[test]
fn every_nesting_shape_is_a_syntax_error_not_a_stack_overflow() {
    let n = LEVELS;
    let shapes = [
        ("arrays", format!("{}1{}", "[".repeat(n), "]".repeat(n))),
        (
            "objects",
            format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)),
        ),
        ("calls", format!("{}1{}", "$f(".repeat(n), ")".repeat(n))),
        ("negations", format!("{}1", "-".repeat(n))),
        (
            "predicates",
            format!("a{}1{}", "[a[".repeat(n), "]]".repeat(n)),
        ),
        (
            "lambdas",
            format!("{}1{}", "function($x){".repeat(n), "}".repeat(n)),
        ),
        ("conditions", format!("{}1", "a ? ".repeat(n))),
        ("bindings", format!("{}1", "$a := ".repeat(n))),
        (
            "right-nested sums",
            format!("{}1{}", "1 + (".repeat(n), ")".repeat(n)),
        ),
        // These grow the tree without recursing in the parser.
        ("a chain of sums", format!("1{}", " + 1".repeat(n))),
        ("a long path", format!("a{}", ".a".repeat(n))),
        ("chained predicates", format!("a{}", "[0]".repeat(n))),
        ("chained calls", format!("$f{}", "()".repeat(n))),
        ("chained applications", format!("a{}", " ~> $f".repeat(n))),
    ];
    for (name, expr) in shapes {
        let err = parse_on_small_stack(expr.clone())
            .map(|_| ())
            .expect_err(name);
        assert_too_deep(&expr, &err);
    }
}

#[test]
fn nesting_up_to_the_limit_is_accepted_and_evaluates_on_a_small_stack() {
    let expr = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    let out = on_small_stack(move || Transform::new(expr).and_then(|t| t.evaluate(&json!({}))));
    assert_eq!(out.unwrap(), json!(1));
    let chain = format!("0{}", " + 1".repeat(200));
    let out = on_small_stack(move || Transform::new(chain).and_then(|t| t.evaluate(&json!({}))));
    assert_eq!(out.unwrap(), json!(200));
    // One level more is refused.
    let expr = format!("{}1{}", "(".repeat(201), ")".repeat(201));
    assert_eq!(
        Transform::new(expr).unwrap_err().limit(),
        Some(Limit::Nesting)
    );
}

#[test]
fn a_raised_nesting_limit_still_checks_on_a_small_stack() {
    let expr = format!("{}1{}", "(".repeat(LEVELS), ")".repeat(LEVELS));
    let t = on_small_stack(move || Transform::with_max_nesting(expr, LEVELS)).unwrap();
    // The engine parses 1,000 levels at most: valid, but not evaluated locally.
    let err = on_small_stack(move || t.evaluate(&json!({}))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
}

#[test]
fn a_long_run_of_comments_is_not_a_stack_overflow() {
    let expr = format!("{}1", "/**/".repeat(100_000));
    let t = parse_on_small_stack(expr).unwrap();
    assert_eq!(t.evaluate(&json!({})).unwrap(), json!(1));
}

#[test]
fn deeply_nested_regex_groups_are_not_a_stack_overflow() {
    // `regress` refuses more than 256 levels; up to there it recurses, deeper than a small
    // stack allows in a debug build.
    for depth in [250, LEVELS] {
        let expr = format!("$match('a', /{}a{}/)", "(".repeat(depth), ")".repeat(depth));
        let outcome = parse_on_small_stack(expr);
        if depth > 256 {
            assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Syntax);
        } else {
            outcome.unwrap();
        }
    }
}

#[test]
fn nested_default_operators_do_not_double_the_tree_at_each_level() {
    // `?:` and `??` use their left side twice; a copy per level made 2^n nodes.
    for op in ["?:", "??"] {
        let mut expr = "a".to_string();
        for _ in 0..64 {
            expr = format!("({expr} {op} b)");
        }
        Transform::new(expr).unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}

#[test]
fn deep_recursion_is_stopped_by_the_depth_bound() {
    let err = on_small_stack(|| {
        Transform::new("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(10000))")?
            .evaluate(&json!({}))
    })
    .unwrap_err();
    assert_eq!(
        (err.code(), err.limit()),
        (Some("D1011"), Some(Limit::Depth)),
        "{err}"
    );
    assert!(err.to_string().contains("EvalLimits::max_depth"), "{err}");
}

#[test]
fn deeply_nested_result_is_stopped_by_the_result_depth_bound() {
    let expr = format!("$reduce([1..{LEVELS}], function($acc, $x) {{ {{ 'a': $acc }} }}, {{}})");
    let err = on_small_stack(move || Transform::new(expr)?.evaluate(&json!({}))).unwrap_err();
    assert_eq!(
        (err.kind(), err.limit()),
        (ErrorKind::Evaluation, Some(Limit::ResultDepth)),
        "{err}"
    );
    assert!(
        err.to_string().contains("EvalLimits::max_result_depth"),
        "{err}"
    );
    // 128 levels are returned.
    let expr = "$reduce([1..127], function($acc, $x) { { 'a': $acc } }, {})";
    let mut value = &Transform::new(expr).unwrap().evaluate(&json!({})).unwrap();
    let mut depth = 1;
    while let Some(inner) = value.get("a") {
        value = inner;
        depth += 1;
    }
    assert_eq!(depth, 128);
}

#[test]
fn recursive_function_transform_is_stopped_by_the_time_bound() {
    // A tail call: no depth grows, only time.
    let t = Transform::new("($f := function($x){$f($x)}; $f(1))").unwrap();
    let err = t.evaluate(&json!({})).unwrap_err();
    assert_eq!(
        (err.code(), err.limit()),
        (Some("D1012"), Some(Limit::Time)),
        "{err}"
    );
    assert!(err.to_string().contains("EvalLimits::timeout"), "{err}");
}

#[test]
fn huge_range_transform_is_stopped_by_the_size_bound() {
    let t = Transform::new("[1..10000000]").unwrap();
    let err = t.evaluate(&json!({})).unwrap_err();
    assert_eq!(
        (err.code(), err.limit()),
        (Some("D2015"), Some(Limit::SequenceLength)),
        "{err}"
    );
    assert!(
        err.to_string().contains("EvalLimits::max_sequence_length"),
        "{err}"
    );
}

#[test]
fn huge_result_is_stopped_by_the_result_size_bound() {
    // One string of 17,000,000 characters: within the sequence and time limits, but more
    // JSON than the 16 MiB of the default result limit.
    let t = Transform::new("$pad('', 17000000, 'x')").unwrap();
    let err = t.evaluate(&json!({})).unwrap_err();
    assert_eq!(
        (err.kind(), err.limit()),
        (ErrorKind::Evaluation, Some(Limit::ResultBytes)),
        "{err}"
    );
    assert!(
        err.to_string().contains("EvalLimits::max_result_bytes"),
        "{err}"
    );
}

#[test]
fn limits_can_be_raised_or_lifted_explicitly() {
    let t = Transform::new("$count([1..2000000])").unwrap();
    assert_eq!(
        t.evaluate(&json!({})).unwrap_err().limit(),
        Some(Limit::SequenceLength)
    );
    let raised = EvalLimits::default().max_sequence_length(3_000_000);
    assert_eq!(
        t.evaluate_with(None, None, &raised).unwrap(),
        Some(json!(2_000_000))
    );
    let lifted = EvalLimits::none();
    assert_eq!(
        t.evaluate_with(None, None, &lifted).unwrap(),
        Some(json!(2_000_000))
    );

    let recursion =
        Transform::new("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(2000))").unwrap();
    assert_eq!(
        recursion.evaluate(&Value::Null).unwrap_err().limit(),
        Some(Limit::Depth)
    );
    let deeper = EvalLimits::default()
        .max_depth(20_000)
        .timeout(Duration::from_secs(30));
    assert_eq!(
        recursion.evaluate_with(None, None, &deeper).unwrap(),
        Some(json!(2000))
    );
}
