//! The bulk-ops error file (`errorSummaryUrl`), read with a bounded, typed, streaming parser
//! and mapped back to the rows of its request.
//!
//! The format is the one Nordic's own onboarding tool (nrfcloud-utils) parses:
//! `{"errors": ["[0]: <message>", "[3]: <message>"]}`, a list of strings that start with the
//! 0-based index of the request's data row. The object form this project's mock wrote before,
//! `{"errors": [{"row": <1-based>, "deviceId": …, "message": …}]}`, is still read (by device
//! id first, then by row), and so is a bare list of either kind of entry.
//!
//! Nothing is lost: an entry that names no row of the request (an index past its rows, a
//! device id not in it, text in neither form) is kept as an [`UnmappedEntry`]; a file in
//! neither format is a [`SummaryFormatError`] and the caller keeps its raw text. The parser
//! walks the JSON without building a tree: other fields are skipped as they stream by, and
//! each entry is looked at in place (borrowed from the input). Its memory is the rows it maps
//! and at most `max_unmapped` unmapped entries of at most 200 characters each (the rest are
//! counted).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::excerpt;

/// The default [`BulkOptions::max_error_summary_bytes`](super::BulkOptions::max_error_summary_bytes):
/// 4 MiB. A request holds at most 1,000 rows; their messages take a few hundred kilobytes.
pub const DEFAULT_MAX_ERROR_SUMMARY_BYTES: u64 = 4 << 20;

/// The default [`BulkOptions::max_unmapped_errors`](super::BulkOptions::max_unmapped_errors):
/// at most 100 unmapped entries of one summary are kept (the rest are counted).
pub const DEFAULT_MAX_UNMAPPED_ERRORS: usize = 100;

/// What an error summary says about the rows of one bulk-ops request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorSummary {
    /// The failed rows: the 0-based index in the request's rows, and the reason (the messages
    /// of several entries for one row are joined with `"; "`).
    pub rows: BTreeMap<usize, String>,
    /// Entries that name no row of the request, at most the `max_unmapped` given to
    /// [`read_error_summary`].
    pub unmapped: Vec<UnmappedEntry>,
    /// Unmapped entries past `max_unmapped`, counted but not kept.
    pub unmapped_not_kept: usize,
}

/// An entry of an error summary that the client could not map to a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedEntry {
    /// The entry (a string's text, or the JSON of anything else), at most 200 characters.
    pub text: String,
    /// Why it names no row.
    pub reason: String,
}

/// An error summary in neither known format (not JSON, or no list of errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the error summary is in neither known format ({{\"errors\": [\"[<row>]: <message>\", …]}} or {{\"errors\": [{{\"row\", \"deviceId\", \"message\"}}, …]}}): {reason}"
)]
pub struct SummaryFormatError {
    /// What did not match.
    pub reason: String,
}

/// Reads an error summary and maps its entries to `row_ids`, the device ids of the
/// request's data rows in the order they were sent, keeping at most `max_unmapped` entries
/// that name no row. Never panics; see the module docs.
///
/// # Errors
///
/// [`SummaryFormatError`] when the file is in neither known format; the caller keeps the raw
/// text.
pub fn read_error_summary(
    bytes: &[u8],
    row_ids: &[String],
    max_unmapped: usize,
) -> Result<ErrorSummary, SummaryFormatError> {
    let mut summary = ErrorSummary::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let read = Document(Mapper {
        rows: row_ids,
        max_unmapped,
        out: &mut summary,
    })
    .deserialize(&mut de)
    .and_then(|()| de.end());
    read.map(|()| summary).map_err(|e| SummaryFormatError {
        reason: e.to_string(),
    })
}

/// Maps the entries of one summary to the rows of its request.
struct Mapper<'a> {
    rows: &'a [String],
    max_unmapped: usize,
    out: &'a mut ErrorSummary,
}

impl Mapper<'_> {
    fn failed(&mut self, row: usize, message: &str) {
        let message = message.trim();
        self.out
            .rows
            .entry(row)
            .and_modify(|reasons| {
                reasons.push_str("; ");
                reasons.push_str(message);
            })
            .or_insert_with(|| message.to_owned());
    }

    fn unmapped(&mut self, text: &str, reason: String) {
        if self.out.unmapped.len() < self.max_unmapped {
            self.out.unmapped.push(UnmappedEntry {
                text: excerpt(text.as_bytes()),
                reason,
            });
        } else {
            self.out.unmapped_not_kept += 1;
        }
    }

    /// One entry of the list, as it appears in the file.
    fn entry(&mut self, raw: &RawValue) {
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'"') => match serde_json::from_str::<String>(text) {
                Ok(s) => self.indexed_entry(&s),
                Err(e) => self.unmapped(text, format!("unreadable string: {e}")),
            },
            Some(b'{') => match serde_json::from_str::<ObjectEntry>(text) {
                Ok(o) => self.object_entry(o, text),
                Err(e) => self.unmapped(text, format!("not an error entry: {e}")),
            },
            _ => self.unmapped(text, "neither a string nor an object".into()),
        }
    }

    /// `"[<0-based row>]: <message>"`.
    fn indexed_entry(&mut self, s: &str) {
        let rows = self.rows;
        let parsed = s.strip_prefix('[').and_then(|rest| {
            let (index, message) = rest.split_once("]:")?;
            let index = (!index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
                .then(|| index.parse::<usize>().ok())??;
            Some((index, message))
        });
        match parsed {
            Some((index, message)) if index < rows.len() => self.failed(index, message),
            Some((index, _)) => self.unmapped(
                s,
                format!(
                    "row index {index} is past the request's {} rows",
                    rows.len()
                ),
            ),
            None => self.unmapped(s, "not in the form \"[<row>]: <message>\"".into()),
        }
    }

    /// `{"row": <1-based>, "deviceId": …, "message": …}`.
    fn object_entry(&mut self, o: ObjectEntry, text: &str) {
        let rows = self.rows;
        let by_id = o
            .device_id
            .as_deref()
            .and_then(|id| rows.iter().position(|r| r.eq_ignore_ascii_case(id)));
        let by_row = o
            .row
            .and_then(|n| usize::try_from(n).ok()?.checked_sub(1))
            .filter(|&i| i < rows.len());
        let message = o.message.or(o.error).or(o.reason);
        match (by_id.or(by_row), message) {
            (Some(index), Some(message)) => self.failed(index, &message),
            (Some(index), None) => self.failed(index, "(no message)"),
            (None, _) => self.unmapped(
                text,
                "its deviceId and row name no row of the request".into(),
            ),
        }
    }
}

/// The old object form of an entry; other fields are ignored.
#[derive(Deserialize)]
struct ObjectEntry {
    row: Option<u64>,
    #[serde(rename = "deviceId")]
    device_id: Option<String>,
    message: Option<String>,
    error: Option<String>,
    reason: Option<String>,
}

/// The whole file: `{"errors": [...], other fields skipped}`, or a bare list.
struct Document<'a>(Mapper<'a>);

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with an \"errors\" list, or a list")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "errors" && !found {
                found = true;
                map.next_value_seed(Entries(&mut self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(de::Error::custom("the object has no \"errors\" list"))
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, seq: A) -> Result<(), A::Error> {
        Entries(&mut self.0).visit_seq(seq)
    }
}

/// The list of entries, each borrowed from the input as it streams by.
struct Entries<'m, 'a>(&'m mut Mapper<'a>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of error entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.0.entry(raw);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("nrf-{i}")).collect()
    }

    #[test]
    fn nordic_format_maps_0_based_indexes() {
        let s = read_error_summary(
            br#"{"errors": ["[0]: Device already exists.", "[3]: Invalid certificate", "[0]:  again "]}"#,
            &ids(4),
            100,
        )
        .unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[&0], "Device already exists.; again");
        assert_eq!(s.rows[&3], "Invalid certificate");
        assert!(s.unmapped.is_empty());
    }

    #[test]
    fn the_old_object_form_is_still_read() {
        let s = read_error_summary(
            br#"{"bulkOpsRequestId": "01J", "endpoint": "ONBOARD", "totalRows": 3, "failedRows": 2,
                "errors": [{"row": 2, "deviceId": null, "message": "bad tag"},
                           {"row": 1, "deviceId": "NRF-2", "message": "exists"}]}"#,
            &ids(3),
            100,
        )
        .unwrap();
        assert_eq!(s.rows[&1], "bad tag", "1-based row");
        assert_eq!(s.rows[&2], "exists", "the device id wins over the row");
        assert!(s.unmapped.is_empty());
    }

    #[test]
    fn entries_that_name_no_row_are_kept_not_dropped() {
        let s = read_error_summary(
            br#"{"errors": ["[7]: past the end", "row 2: other wording", "[-1]: negative",
                            "[18446744073709551616]: huge", 42, null, [1],
                            {"deviceId": "elsewhere", "message": "x"}, {"row": 0},
                            "[1]: ok"]}"#,
            &ids(2),
            100,
        )
        .unwrap();
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[&1], "ok");
        let texts: Vec<&str> = s.unmapped.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "[7]: past the end",
                "row 2: other wording",
                "[-1]: negative",
                "[18446744073709551616]: huge",
                "42",
                "null",
                "[1]",
                r#"{"deviceId": "elsewhere", "message": "x"}"#,
                r#"{"row": 0}"#,
            ]
        );
        assert!(s.unmapped[0].reason.contains("past the request's 2 rows"));
        assert!(s.unmapped[1].reason.contains("[<row>]: <message>"));
    }

    #[test]
    fn files_in_neither_format_are_errors() {
        for bad in [
            &b"<html>Access Denied</html>"[..],
            b"",
            b"{\"items\": []}",
            b"{\"errors\": \"all rows failed\"}",
            b"{\"errors\": [\"[0]: x\"]} trailing",
            b"{\"errors\": [\"[0]: x\"",
            b"\"just a string\"",
        ] {
            let e = read_error_summary(bad, &ids(1), 100).unwrap_err();
            assert!(e.to_string().contains("neither known format"), "{e}");
        }
    }

    #[test]
    fn a_hostile_summary_is_walked_in_bounded_memory() {
        // Half a million entries naming no row: counted, at most 100 kept.
        let mut file = b"{\"errors\": [".to_vec();
        for i in 0..500_000 {
            if i > 0 {
                file.push(b',');
            }
            file.push(b'0');
        }
        file.extend_from_slice(b"], \"padding\": [[[[[0, 0, 0]]]]]}");
        let s = read_error_summary(&file, &ids(3), 100).unwrap();
        assert_eq!(s.unmapped.len(), 100);
        assert_eq!(s.unmapped_not_kept, 500_000 - 100);
        assert!(s.rows.is_empty());
        // Deep nesting in skipped fields and in entries is walked without recursion.
        let deep = format!(
            "{{\"x\": {open}{close}, \"errors\": [{open}{close}, \"[0]: ok\"]}}",
            open = "[".repeat(100_000),
            close = "]".repeat(100_000)
        );
        let s = read_error_summary(deep.as_bytes(), &ids(1), 100).unwrap();
        assert_eq!(s.rows[&0], "ok");
        assert_eq!(s.unmapped.len(), 1);
        assert_eq!(s.unmapped[0].text.chars().count(), 200, "an excerpt");
    }
}
