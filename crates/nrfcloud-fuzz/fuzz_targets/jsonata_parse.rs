//! `Transform::new`: any text is accepted or refused with a syntax error, without a panic;
//! an accepted expression of at most 256 bytes is evaluated against a small document with a
//! time and depth limit, and evaluation fails cleanly or returns a value.
//!
//! The engine's own panics are contained by `Transform` (an `ErrorKind::Internal` error): they
//! are not crashes of the API, so this target replaces libFuzzer's abort-on-panic hook and
//! aborts only on a panic that escapes `Transform`.

#![no_main]

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use nrfcloud_jsonata::{ErrorKind, EvalLimits, Transform};

const MAX_EVAL_LEN: usize = 256;

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

static CONTAINED: AtomicUsize = AtomicUsize::new(0);

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(|info| {
            LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string());
        }));
    });
}

fn document() -> serde_json::Value {
    serde_json::json!({
        "id": "nrf-352656100000000",
        "type": "Generic",
        "tags": ["warehouse-east", "b"],
        "state": { "reported": { "device": { "networkInfo": { "rsrp": -97 } } } },
        "firmware": { "app": { "version": "1.2.3" } },
        "n": [1, 2.5, -3, 1e3],
        "flag": true,
        "none": null
    })
}

fn check(text: &str) {
    match Transform::new(text) {
        Ok(t) => {
            assert_eq!(t.as_str(), text);
            if text.len() > MAX_EVAL_LEN {
                return;
            }
            let options = EvalLimits::default()
                .timeout(Duration::from_millis(20))
                .max_depth(64);
            let doc = document();
            for input in [Some(&doc), None] {
                match t.evaluate_with(input, None, &options) {
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::Internal => {
                        if CONTAINED.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("note: contained engine panic for {text:?}: {e}");
                        }
                    }
                    Err(e) => {
                        assert_ne!(e.kind(), ErrorKind::Syntax, "{e}");
                        let _ = e.to_string();
                    }
                }
            }
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
            if let Some(code) = e.code() {
                assert!(code.starts_with('S'), "{e}");
            }
            if let Some(position) = e.position() {
                // Within the text, or just past it; jsonata-js (which this mirrors) skips
                // four characters after `\u` when the 1 to 3 left are hex digits, so an
                // unterminated `"\u5` reports S0101 up to 3 units past the end.
                let utf16_len = text.encode_utf16().count();
                assert!(
                    position <= utf16_len + 3,
                    "{e} (text of {utf16_len} UTF-16 units)"
                );
            }
            assert!(!e.to_string().is_empty());
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
