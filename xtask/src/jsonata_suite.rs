//! `cargo xtask jsonata-suite --suite <dir>`: runs the official JSONata test suite
//! (jsonata-js's `test/test-suite/`: `groups/*/*.json` and `datasets/`) through
//! [`nrfcloud::Transform`], the API users call, and judges each case the way the
//! reference runner does:
//!
//! - Cases come from `groups/*/*.json`; a file holding an array holds one case per element.
//!   `expr-file` names a `.jsonata` file beside the case. The input is `data`, else the
//!   named `dataset`; `"dataset": null` means no input at all (undefined, not `null`).
//! - `code` passes when compiling or evaluating fails with that code (and, when the case
//!   names a `token`, a compile error names that token); `error` passes when evaluation
//!   fails with an error holding each listed property (`code`, `message`, `token`);
//!   `undefinedResult` wants no value; `result` wants a deep-equal value, numbers compared
//!   by value as JavaScript compares them, object keys in any order.
//! - Every case is evaluated within the default [`nrfcloud::transform::EvalLimits`] (what
//!   `Transform::evaluate` applies), with two explicit changes: the time limit is the
//!   case's, and sequences may hold 10,000,000 items (jsonata-js's own range maximum,
//!   which two `range-operator` cases reach; the default is 1,000,000).
//! - `timelimit` + `depth`: the reference runner's guard raises `U1001` when evaluation
//!   goes deeper or runs longer. Here they become the [`nrfcloud::transform::EvalLimits`]
//!   limits, whose errors (`D1011`, `D1012`, and the engine's own `U1001`) stand for it.
//! - Every case runs on a worker thread under a time limit (the case's `timelimit`, else
//!   10 s, plus a grace period); one that does not finish counts as failed.
//!
//! The last line printed is `N passed, N failed`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nrfcloud::Transform;
use nrfcloud::transform::{ErrorKind, EvalLimits, TransformError};
use serde_json::{Map, Value};

/// Evaluation time limit for cases without a `timelimit`.
const DEFAULT_LIMIT: Duration = Duration::from_secs(10);
/// Extra wall time the watchdog allows beyond the evaluation limit.
const GRACE: Duration = Duration::from_secs(5);
/// The sequence limit of the suite's evaluations: jsonata-js's range maximum.
const SUITE_MAX_SEQUENCE_LENGTH: usize = 10_000_000;
/// Stack of each case's worker thread.
const STACK: usize = 256 * 1024 * 1024;

/// The outcome of a suite run.
#[derive(Debug, Clone, Default)]
pub struct SuiteOutcome {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Name (`group/file[index]`) and reason of each failed case.
    pub failures: Vec<(String, String)>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl SuiteOutcome {
    /// `N passed, N failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// What a case expects.
#[derive(Debug, Clone)]
enum Expected {
    Undefined,
    Result(Value),
    Code { code: String, token: Option<String> },
    Error(Map<String, Value>),
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    expr: String,
    /// `None`: undefined input.
    input: Option<Value>,
    bindings: Map<String, Value>,
    expected: Expected,
    /// `timelimit` (ms) and `depth`, when the case has both.
    guard: Option<(u64, usize)>,
    /// Why the case cannot run at all (a lone surrogate, which Rust strings cannot hold).
    unrunnable: Option<String>,
}

/// What a case did.
enum Outcome {
    Compile(TransformError),
    Eval(TransformError),
    Value(Option<Value>),
}

/// `cargo xtask jsonata-suite`: runs the suite, prints the failures and, last, the summary.
/// Returns the exit code: 0, 1 below `min_pass` passed cases, 2 when the suite is missing
/// or unreadable.
pub fn command(suite_dir: &Path, min_pass: usize) -> u8 {
    match run(suite_dir) {
        Err(e) => {
            eprintln!("xtask jsonata-suite: {e}");
            2
        }
        Ok(outcome) if outcome.passed < min_pass => {
            eprintln!(
                "xtask jsonata-suite: {} cases passed, fewer than the required {min_pass}",
                outcome.passed
            );
            1
        }
        Ok(_) => 0,
    }
}

/// Runs every case of the suite in `suite_dir` through [`nrfcloud::Transform`], prints
/// each failure and then `N passed, N failed` as the last line.
///
/// # Errors
///
/// When the suite is missing, empty or malformed (a case file that is not JSON, an
/// unknown dataset): a loud failure, never "0 passed".
pub fn run(suite_dir: &Path) -> Result<SuiteOutcome, String> {
    let started = Instant::now();
    let cases = load(suite_dir)?;
    let mut outcome = SuiteOutcome::default();
    for case in cases {
        match run_case(&case) {
            Ok(()) => outcome.passed += 1,
            Err(reason) => {
                outcome.failed += 1;
                outcome.failures.push((case.name, reason));
            }
        }
    }
    outcome.elapsed = started.elapsed();
    for (name, reason) in &outcome.failures {
        println!("FAIL {name}: {reason}");
    }
    println!(
        "jsonata-suite: {} cases from {} in {:.1}s",
        outcome.passed + outcome.failed,
        suite_dir.display(),
        outcome.elapsed.as_secs_f64()
    );
    println!("{}", outcome.summary());
    Ok(outcome)
}

fn run_case(case: &Case) -> Result<(), String> {
    if let Some(why) = &case.unrunnable {
        return Err(why.clone());
    }
    let limit = case
        .guard
        .map_or(DEFAULT_LIMIT, |(ms, _)| Duration::from_millis(ms));
    let (tx, rx) = mpsc::channel();
    let job = case.clone();
    std::thread::Builder::new()
        .name(format!("case {}", case.name))
        .stack_size(STACK)
        .spawn(move || {
            // The receiver may have given up on a slow case; nothing to do then.
            let _ = tx.send(evaluate(&job, limit));
        })
        .map_err(|e| format!("could not start a worker thread: {e}"))?;
    match rx.recv_timeout(limit + GRACE) {
        Ok(outcome) => judge(case, outcome),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "did not finish within {:.1}s",
            (limit + GRACE).as_secs_f64()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the worker thread died".into()),
    }
}

fn evaluate(case: &Case, limit: Duration) -> Outcome {
    let transform = match Transform::new(case.expr.as_str()) {
        Ok(t) => t,
        Err(e) => return Outcome::Compile(e),
    };
    let mut options = EvalLimits::default()
        .timeout(limit)
        .max_sequence_length(SUITE_MAX_SEQUENCE_LENGTH);
    if let Some((_, depth)) = case.guard {
        options = options.max_depth(depth);
    }
    match transform.evaluate_with(case.input.as_ref(), Some(&case.bindings), &options) {
        Ok(value) => Outcome::Value(value),
        Err(e) => Outcome::Eval(e),
    }
}

fn judge(case: &Case, outcome: Outcome) -> Result<(), String> {
    let guarded = case.guard.is_some();
    match (&case.expected, outcome) {
        (Expected::Code { code, token }, Outcome::Compile(e)) => {
            if e.code() != Some(code.as_str()) {
                return Err(format!("compile error {}, expected {code}", describe(&e)));
            }
            match token {
                Some(t) if e.token() != Some(t.as_str()) => Err(format!(
                    "compile error names token {:?}, expected {t:?}",
                    e.token()
                )),
                _ => Ok(()),
            }
        }
        (_, Outcome::Compile(e)) => Err(format!("unexpected compile error {}", describe(&e))),
        (Expected::Code { code, .. }, Outcome::Eval(e)) => {
            let got = e.code().unwrap_or_default();
            let guard_stop = guarded
                && code == "U1001"
                && matches!(got, "D1011" | "D1012" | "U1001")
                && e.kind() == ErrorKind::Evaluation;
            if got == code || guard_stop {
                Ok(())
            } else {
                Err(format!(
                    "evaluation error {}, expected {code}",
                    describe(&e)
                ))
            }
        }
        (Expected::Error(wanted), Outcome::Eval(e)) => {
            for (key, want) in wanted {
                let got = match key.as_str() {
                    "code" => e.code(),
                    "message" => Some(e.message()),
                    "token" => e.token(),
                    _ => None,
                };
                if got != want.as_str() {
                    return Err(format!(
                        "evaluation error {}: {key} is {got:?}, expected {want}",
                        describe(&e)
                    ));
                }
            }
            Ok(())
        }
        (expected, Outcome::Eval(e)) => Err(format!(
            "evaluation error {}, expected {}",
            describe(&e),
            show(expected)
        )),
        (Expected::Undefined, Outcome::Value(None)) => Ok(()),
        (Expected::Result(want), Outcome::Value(Some(got))) if same(want, &got) => Ok(()),
        (expected, Outcome::Value(got)) => Err(format!(
            "result {}, expected {}",
            got.map_or_else(|| "undefined".to_string(), |v| clip(&v.to_string())),
            show(expected)
        )),
    }
}

fn describe(e: &TransformError) -> String {
    clip(&e.to_string())
}

fn show(expected: &Expected) -> String {
    match expected {
        Expected::Undefined => "undefined".into(),
        Expected::Result(v) => clip(&v.to_string()),
        Expected::Code { code, .. } => format!("error {code}"),
        Expected::Error(m) => format!("error {}", clip(&Value::Object(m.clone()).to_string())),
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Deep equality as chai's `deep.equal` sees JSON values: numbers by numeric value,
/// object keys in any order, arrays in order.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------- loading

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        if keep(&path) {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn is_json(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e == "json")
}

/// Parses a case file. JSON with a lone UTF-16 surrogate escape (which a Rust string
/// cannot hold) is parsed with U+FFFD in its place and reported as `true`.
fn parse_json(text: &str, path: &Path) -> Result<(Value, bool), String> {
    match serde_json::from_str(text) {
        Ok(v) => Ok((v, false)),
        Err(first) => {
            let replaced = replace_lone_surrogates(text);
            if replaced == text {
                return Err(format!("{} is not JSON: {first}", path.display()));
            }
            serde_json::from_str(&replaced)
                .map(|v| (v, true))
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))
        }
    }
}

/// Replaces `\uXXXX` escapes of unpaired surrogates by `\uFFFD`.
fn replace_lone_surrogates(text: &str) -> String {
    fn unit_at(bytes: &[u8], i: usize) -> Option<u16> {
        if bytes.get(i) != Some(&b'\\') || bytes.get(i + 1) != Some(&b'u') {
            return None;
        }
        let hex = std::str::from_utf8(bytes.get(i + 2..i + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit_at(bytes, i) {
            Some(0xD800..=0xDBFF)
                if unit_at(bytes, i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) =>
            {
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str(&text[copied..i]);
                out.push_str("\\uFFFD");
                i += 6;
                copied = i;
            }
            // Any other escape: skip the backslash and the escaped character.
            _ => i += 2,
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn load(suite: &Path) -> Result<Vec<Case>, String> {
    let groups_dir = suite.join("groups");
    let datasets_dir = suite.join("datasets");
    if !groups_dir.is_dir() || !datasets_dir.is_dir() {
        return Err(format!(
            "{} is not a JSONata test suite (it needs groups/ and datasets/)",
            suite.display()
        ));
    }
    let mut datasets = HashMap::new();
    for path in sorted_entries(&datasets_dir, is_json)? {
        let (value, _) = parse_json(&read(&path)?, &path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        datasets.insert(name, value);
    }
    let mut cases = Vec::new();
    for group in sorted_entries(&groups_dir, |p| p.is_dir())? {
        let group_name = group
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for file in sorted_entries(&group, is_json)? {
            let (value, lossy) = parse_json(&read(&file)?, &file)?;
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let list = match value {
                Value::Array(items) => items,
                other => vec![other],
            };
            let many = list.len() > 1;
            for (index, item) in list.into_iter().enumerate() {
                let name = if many {
                    format!("{group_name}/{stem}[{index}]")
                } else {
                    format!("{group_name}/{stem}")
                };
                let Value::Object(fields) = item else {
                    return Err(format!("{name}: a case is not a JSON object"));
                };
                cases.push(case(&name, &fields, &group, &datasets, lossy)?);
            }
        }
    }
    if cases.is_empty() {
        return Err(format!("no test cases under {}", groups_dir.display()));
    }
    Ok(cases)
}

fn case(
    name: &str,
    fields: &Map<String, Value>,
    group: &Path,
    datasets: &HashMap<String, Value>,
    lossy: bool,
) -> Result<Case, String> {
    let expr = match (fields.get("expr"), fields.get("expr-file")) {
        (_, Some(Value::String(file))) => read(&group.join(file))?,
        (Some(Value::String(expr)), _) => expr.clone(),
        _ => return Err(format!("{name}: no expr or expr-file")),
    };
    let input = match (fields.get("data"), fields.get("dataset")) {
        (Some(data), _) => Some(data.clone()),
        (None, Some(Value::String(set))) => Some(
            datasets
                .get(set)
                .cloned()
                .ok_or_else(|| format!("{name}: unknown dataset {set}"))?,
        ),
        (None, _) => None,
    };
    let bindings = match fields.get("bindings") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    let expected = if fields.get("undefinedResult") == Some(&Value::Bool(true)) {
        Expected::Undefined
    } else if let Some(result) = fields.get("result") {
        Expected::Result(result.clone())
    } else if let Some(Value::Object(error)) = fields.get("error") {
        Expected::Error(error.clone())
    } else if let Some(Value::String(code)) = fields.get("code") {
        Expected::Code {
            code: code.clone(),
            token: fields
                .get("token")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    } else {
        return Err(format!("{name}: no expected outcome"));
    };
    let timelimit = fields.get("timelimit").and_then(Value::as_u64);
    let depth = fields
        .get("depth")
        .and_then(Value::as_u64)
        .and_then(|d| usize::try_from(d).ok());
    Ok(Case {
        name: name.to_string(),
        expr,
        input,
        bindings,
        expected,
        guard: timelimit.zip(depth),
        unrunnable: lossy.then(|| {
            "the case holds a lone UTF-16 surrogate, which a Rust string cannot hold".to_string()
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_suite_is_an_error() {
        let err = run(Path::new("/nonexistent/jsonata-test-suite")).unwrap_err();
        assert!(err.contains("not a JSONata test suite"), "{err}");
    }

    #[test]
    fn empty_suite_is_an_error() {
        let dir = std::env::temp_dir().join(format!("jsonata-suite-empty-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("groups")).unwrap();
        std::fs::create_dir_all(dir.join("datasets")).unwrap();
        let err = run(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("no test cases"), "{err}");
    }

    #[test]
    fn numbers_compare_by_value() {
        let int: Value = serde_json::from_str("10000000").unwrap();
        let float: Value = serde_json::from_str("1e7").unwrap();
        assert!(same(&int, &float));
        let a: Value = serde_json::from_str(r#"{"a": [1, 2.5]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a": [1.0, 2.5]}"#).unwrap();
        assert!(same(&a, &b));
        assert!(!same(&Value::Null, &serde_json::json!(0)));
    }

    #[test]
    fn lone_surrogates_are_replaced() {
        let text = r#"["\uD800", "\uD83D\uDE00", "\\uD800"]"#;
        let replaced = replace_lone_surrogates(text);
        assert_eq!(replaced, r#"["\uFFFD", "\uD83D\uDE00", "\\uD800"]"#);
    }
}
