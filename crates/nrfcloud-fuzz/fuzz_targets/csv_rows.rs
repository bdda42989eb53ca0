//! The bulk CSV builders: `onboarding_csv` and `key_csv` never panic, accept exactly the rows
//! that validate, and what they write reads back, with the `csv` crate, as the input fields
//! (the PEM normalized as documented: trimmed, one final line break). `read_error_summary`
//! never panics, maps only rows of the chunk (every in-range `"[i]: message"` entry of a
//! well-formed file among them), and keeps a bounded number of unmapped entries.
//!
//! Input (decoded lossily as UTF-8), a first character choosing the mode:
//!
//! - `F`: `read_error_summary`: chunk ids separated by U+001F, then U+001E, then the summary.
//! - `P` / `X`: `key_csv` with label `PUBLIC KEY` / `CERTIFICATE`: rows separated by U+001E,
//!   each `id U+001F pem`; a pem not starting with `-----` is wrapped in the label's armour.
//! - anything else: `onboarding_csv`: rows separated by U+001E, each of fields separated by
//!   U+001F: kind (`T` onboarding token, `K` public key, else certificate), device id,
//!   sub-type (absent when the field is missing), tags and firmware types (each a list
//!   separated by U+001D), credential (a pem is wrapped as above).

#![no_main]

use libfuzzer_sys::fuzz_target;
use nrfcloud::onboarding::{
    DEFAULT_MAX_UNMAPPED_ERRORS, DeviceCredential, OnboardingRow, key_csv, onboarding_csv,
    read_error_summary,
};

const ROWS: char = '\u{1e}';
const FIELDS: char = '\u{1f}';
const ITEMS: char = '\u{1d}';
const MAX_ROWS: usize = 64;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut chars = text.chars();
    match chars.next() {
        Some('F') => failures(chars.as_str()),
        Some('P') => keys(chars.as_str(), "PUBLIC KEY"),
        Some('X') => keys(chars.as_str(), "CERTIFICATE"),
        Some(_) => onboarding(chars.as_str()),
        None => onboarding(""),
    }
});

fn armour(body: &str, label: &str) -> String {
    if body.starts_with("-----") {
        body.to_owned()
    } else {
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----")
    }
}

fn list(field: Option<&str>) -> Vec<String> {
    match field {
        None | Some("") => Vec::new(),
        Some(f) => f.split(ITEMS).map(str::to_owned).collect(),
    }
}

fn read_back(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    reader
        .records()
        .map(|r| {
            let r =
                r.unwrap_or_else(|e| panic!("the CSV written does not read back: {e}\n{csv:?}"));
            r.iter().map(str::to_owned).collect()
        })
        .collect()
}

fn split_list(field: &str) -> Vec<String> {
    if field.is_empty() {
        Vec::new()
    } else {
        field.split('|').map(str::to_owned).collect()
    }
}

fn onboarding(text: &str) {
    let rows: Vec<OnboardingRow> = text
        .split(ROWS)
        .take(MAX_ROWS)
        .map(|row| {
            let mut f = row.split(FIELDS);
            let kind = f.next().unwrap_or_default();
            let device_id = f.next().unwrap_or_default();
            let sub_type = f.next();
            let tags = list(f.next());
            let firmware = list(f.next());
            let credential = f.next().unwrap_or("MIIB");
            let credential = match kind {
                "T" => DeviceCredential::OnboardingToken(credential.to_owned()),
                "K" => DeviceCredential::PublicKey(armour(credential, "PUBLIC KEY")),
                _ => DeviceCredential::Certificate(armour(credential, "CERTIFICATE")),
            };
            let mut r = OnboardingRow::new(device_id, credential)
                .tags(tags)
                .firmware_types(firmware);
            r.sub_type = sub_type.map(str::to_owned);
            r
        })
        .collect();

    let mut ids = std::collections::HashSet::new();
    let acceptable = rows
        .iter()
        .all(|r| r.validate().is_ok() && ids.insert(r.device_id.to_ascii_lowercase()));
    let csv = match onboarding_csv(&rows) {
        Ok(csv) => csv,
        Err(e) => {
            assert!(!acceptable, "valid rows refused: {e}\n{rows:?}");
            return;
        }
    };
    assert!(acceptable, "invalid rows accepted:\n{rows:?}\n{csv:?}");

    let with_token = rows
        .iter()
        .any(|r| matches!(r.credential, DeviceCredential::OnboardingToken(_)));
    let mut records = read_back(&csv).into_iter();
    if with_token {
        assert_eq!(
            records.next().expect("a header row"),
            [
                "deviceId",
                "subType",
                "tags",
                "supportedFirmwareTypes",
                "certificate",
                "onboardingToken"
            ],
            "{csv:?}"
        );
    }
    let records: Vec<Vec<String>> = records.collect();
    assert_eq!(records.len(), rows.len(), "{csv:?}");
    for (row, rec) in rows.iter().zip(&records) {
        assert_eq!(rec.len(), if with_token { 6 } else { 5 }, "{csv:?}");
        let (pem, token) = match &row.credential {
            DeviceCredential::Certificate(p) | DeviceCredential::PublicKey(p) => {
                (format!("{}\n", p.trim()), String::new())
            }
            DeviceCredential::OnboardingToken(t) => (String::new(), t.clone()),
        };
        assert_eq!(rec[0], row.device_id, "{csv:?}");
        assert_eq!(rec[1], row.sub_type.clone().unwrap_or_default(), "{csv:?}");
        assert_eq!(split_list(&rec[2]), row.tags, "{csv:?}");
        assert_eq!(split_list(&rec[3]), row.firmware_types, "{csv:?}");
        assert_eq!(rec[4], pem, "{csv:?}");
        if with_token {
            assert_eq!(rec[5], token, "{csv:?}");
        }
    }
}

fn keys(text: &str, label: &str) {
    let rows: Vec<(String, String)> = text
        .split(ROWS)
        .take(MAX_ROWS)
        .map(|row| {
            let (id, pem) = row.split_once(FIELDS).unwrap_or((row, "MFkw"));
            (id.to_owned(), armour(pem, label))
        })
        .collect();
    let Ok(csv) = key_csv(&rows, label) else {
        return;
    };
    let records = read_back(&csv);
    assert_eq!(records.len(), rows.len(), "{csv:?}");
    for ((id, pem), rec) in rows.iter().zip(&records) {
        assert_eq!(rec, &[id.clone(), format!("{}\n", pem.trim())], "{csv:?}");
    }
}

fn failures(text: &str) {
    let (ids, summary) = text.split_once(ROWS).unwrap_or(("", text));
    let ids: Vec<String> = ids
        .split(FIELDS)
        .take(MAX_ROWS)
        .map(str::to_owned)
        .collect();
    let Ok(read) = read_error_summary(summary.as_bytes(), &ids, DEFAULT_MAX_UNMAPPED_ERRORS) else {
        return;
    };
    for (row, reason) in &read.rows {
        assert!(*row < ids.len(), "row {row} ({reason:?}) is not in the chunk {ids:?}");
    }
    assert!(read.unmapped.len() <= DEFAULT_MAX_UNMAPPED_ERRORS);
    for entry in &read.unmapped {
        assert!(entry.text.chars().count() <= 200, "{entry:?}");
    }
    // Every "[i]: message" string of the errors list with i in range is a mapped row.
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_str::<serde_json::Value>(summary)
    else {
        return;
    };
    let Some(serde_json::Value::Array(entries)) = doc.get("errors") else {
        return;
    };
    for entry in entries.iter().filter_map(|e| e.as_str()) {
        let index = entry
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("]:"))
            .filter(|(i, _)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|(i, _)| i.parse::<usize>().ok());
        if let Some(i) = index.filter(|&i| i < ids.len()) {
            assert!(read.rows.contains_key(&i), "{entry:?} not mapped: {read:?}");
        }
    }
}
