//! The generated types' timestamps (the raw crate's `timestamp` reader, here through
//! `DeviceDocMeta.createdAt`): for any string, the same instant, or a refusal with the same
//! message, as chrono's own `Deserialize` of `DateTime<Utc>`.
//!
//! Input: the timestamp's text (decoded lossily as UTF-8).

#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use nrfcloud::types::DeviceDocMeta;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let quoted = serde_json::to_string(&text).expect("a string encodes");
    let document = format!(r#"{{"createdAt":{quoted}}}"#);
    let ours = serde_json::from_str::<DeviceDocMeta>(&document).map(|meta| meta.created_at);
    let theirs = serde_json::from_str::<DateTime<Utc>>(&quoted).map(Some);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
        (Err(a), Err(b)) => {
            // Ours names the position in the document, chrono's in the bare string.
            let reason = |e: &serde_json::Error| {
                let s = e.to_string();
                s.split(" at line ").next().unwrap_or_default().to_string()
            };
            assert_eq!(reason(&a), reason(&b), "{text:?}");
        }
        (a, b) => panic!("{text:?}: ours {a:?}, chrono {b:?}"),
    }
});
