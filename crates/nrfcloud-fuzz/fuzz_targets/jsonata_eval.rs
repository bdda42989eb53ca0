//! JSONata evaluation with bounds: any text that `Transform::new` accepts is evaluated
//! within tight `EvalLimits`, and must end (libFuzzer's `-timeout` catches an evaluation
//! that does not) in a value or an error, never a panic escaping `Transform`, an abort or a
//! stack overflow; a value returned is within the result limits.
//!
//! The input is UTF-8 text (lossily). To reach deep nesting, text holding two U+0001
//! separators is a template `left␁core␁right`: the expression is `left` repeated `n` times,
//! then `core`, then `right` repeated `n` times, with `n` = 40 × the length of `core` (so up
//! to thousands of levels, far past the nesting limit).

#![no_main]

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use nrfcloud_jsonata::{ErrorKind, EvalLimits, Limit, Transform};
use serde_json::Value;

/// Longest expression evaluated (templates expand past it and are only checked).
const MAX_EVAL_LEN: usize = 4096;
const MAX_RESULT_BYTES: usize = 64 * 1024;
const MAX_RESULT_DEPTH: usize = 32;

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(|info| {
            LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string());
        }));
    });
}

fn limits() -> EvalLimits {
    EvalLimits::default()
        .timeout(Duration::from_millis(100))
        .max_depth(300)
        .max_sequence_length(10_000)
        .max_result_bytes(MAX_RESULT_BYTES)
        .max_result_depth(MAX_RESULT_DEPTH)
}

fn document() -> Value {
    serde_json::json!({
        "id": "nrf-352656100000000",
        "type": "Generic",
        "tags": ["warehouse-east", "b"],
        "state": { "reported": { "device": { "networkInfo": { "rsrp": -97 } } } },
        "n": [1, 2.5, -3, 1e3],
        "s": "abc"
    })
}

/// The expression an input stands for.
fn expression(text: &str) -> String {
    let mut parts = text.splitn(3, '\u{1}');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(left), Some(core), Some(right)) => {
            let n = 40 * core.len().clamp(1, 250);
            format!("{}{core}{}", left.repeat(n), right.repeat(n))
        }
        _ => text.to_string(),
    }
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn check(text: &str) {
    let expr = expression(text);
    let t = match Transform::new(expr.as_str()) {
        Ok(t) => t,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
            assert!(matches!(e.limit(), None | Some(Limit::Nesting)), "{e}");
            return;
        }
    };
    if expr.len() > MAX_EVAL_LEN {
        return;
    }
    let doc = document();
    for input in [Some(&doc), None] {
        match t.evaluate_with(input, None, &limits()) {
            Ok(Some(value)) => {
                assert!(depth(&value) <= MAX_RESULT_DEPTH, "result too deep");
                let len = serde_json::to_string(&value).expect("serialises").len();
                // Escapes are not counted by the limit: at most 6 bytes per counted one.
                assert!(len <= 6 * MAX_RESULT_BYTES, "result of {len} bytes");
            }
            Ok(None) => {}
            Err(e) => {
                assert_ne!(e.kind(), ErrorKind::Syntax, "{e}");
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    install_hook();
    let text = String::from_utf8_lossy(data);
    if panic::catch_unwind(AssertUnwindSafe(|| check(&text))).is_err() {
        LAST_PANIC.with(|p| eprintln!("panic escaped Transform for {text:?}: {}", p.borrow()));
        std::process::abort();
    }
});
