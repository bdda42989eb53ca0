//! `ApiError::from_body`: any status and any body, JSON or not, decode without a panic, and
//! the result renders.
//!
//! Input: two bytes of HTTP status (big-endian), then the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nrfcloud::{ApiError, Error};

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [hi, lo, body @ ..] => (u16::from_be_bytes([*hi, *lo]), body),
        _ => (500, data),
    };
    let e = ApiError::from_body("FuzzOperation", status, body);
    assert_eq!(e.operation, "FuzzOperation");
    assert_eq!(e.status, status);
    assert_eq!(
        e.body,
        String::from_utf8_lossy(body),
        "the body is kept as received"
    );

    // What the decoder reads must come from the body.
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
        assert_eq!(
            e.message.as_deref(),
            map.get("message").and_then(|m| m.as_str()),
            "an object's message is its `message` string"
        );
        if let Some(code) = e.code {
            let raw = &map["code"];
            let expected = raw
                .as_u64()
                .or_else(|| raw.as_str().and_then(|s| s.trim().parse().ok()));
            assert_eq!(Some(u64::from(code.as_u32())), expected);
        }
    } else if e.code.is_some() {
        panic!("a code from a body that is not a JSON object: {e:?}");
    }

    let shown = e.to_string();
    let prefix = format!("FuzzOperation: HTTP {status}");
    assert!(shown.starts_with(&prefix), "{shown}");
    if e.message.is_none() && e.code.is_none() {
        // Only an excerpt of the body, at most 200 characters, follows.
        let rest = &shown[prefix.len()..];
        assert!(
            rest.is_empty()
                || rest
                    .strip_prefix(": ")
                    .is_some_and(|t| t.chars().count() <= 200),
            "{shown}"
        );
    }
    let _ = (e.is_not_found(), e.is_empty_result(), e.is_retryable());
    if let Some(code) = e.code {
        let _ = code.reason();
    }

    let err = Error::from(e.clone());
    assert_eq!(err.api(), Some(&e));
    assert_eq!(err.to_string(), shown);
    let _ = (err.is_not_found(), err.is_retryable(), format!("{err:?}"));
});
