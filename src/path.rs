//! Checked path segments: what the generated client writes into a URL path for a path
//! parameter.
//!
//! The URL parser resolves `.` and `..` segments (and reads `\` as `/`), so a parameter of
//! `..` would move a request to another operation's path: `DeleteAnchor("..")` would send
//! `DELETE /v1/location/`. The generated `send` methods call [`segment`] for every path
//! parameter before anything else of the request is built (see `nrfcloud-codegen`'s
//! `path_segments`), and a refused value ends the call with
//! `Error::InvalidRequest` naming the parameter; nothing is sent.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// What a path segment encodes: progenitor's `encode_path` set (the URL standard's path
/// segment set plus `%`), and `\`, which the URL parser reads as `/`. Non-ASCII bytes are
/// always encoded.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\');

/// Checks and percent-encodes one path parameter: refuses the empty string, `.` and `..`
/// (the error names `parameter`), and encodes what progenitor's `encode_path` encodes
/// plus `\`. A value with nothing to encode (a UUID, most ids) is borrowed, not copied.
///
/// # Errors
///
/// `<parameter>: ...` for the empty string, `.` and `..`.
pub fn segment<'v>(parameter: &str, value: &'v str) -> Result<Cow<'v, str>, String> {
    match value {
        "" => Err(format!(
            "path parameter {parameter} is empty: an empty path segment would change the request's path"
        )),
        "." | ".." => Err(format!(
            "path parameter {parameter} is `{value}`: a dot segment would change the request's path"
        )),
        _ => Ok(utf8_percent_encode(value, SEGMENT).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path the URL parser makes of a base and one encoded segment.
    fn resolved(value: &str) -> String {
        let url = format!(
            "http://h/v1/location/anchors/{}",
            segment("x", value).unwrap()
        );
        reqwest::Url::parse(&url).unwrap().path().to_string()
    }

    #[test]
    fn the_encoding_is_progenitors_plus_the_backslash() {
        let mut values: Vec<String> = (0u32..0x250)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        values.extend(
            [
                "0b9e1f1c-6d4e-4a57-9c0e-2a1b1b1f9d3a",
                "a/..",
                "..\\..",
                "%2e",
                "ü€😀",
                "a b",
            ]
            .map(String::from),
        );
        for value in &values {
            let ours = segment("x", value).unwrap();
            let theirs = progenitor_client::encode_path(value).replace('\\', "%5C");
            assert_eq!(ours, theirs, "{value:?}");
            assert_eq!(
                matches!(ours, Cow::Borrowed(_)),
                ours == value.as_str(),
                "{value:?}: borrowed exactly when nothing is encoded"
            );
        }
    }

    #[test]
    fn dot_and_empty_segments_are_refused_by_name() {
        for bad in ["", ".", ".."] {
            let err = segment("macAddress", bad).unwrap_err();
            assert!(err.starts_with("path parameter macAddress is "), "{err}");
        }
        assert_eq!(segment("id", "...").unwrap(), "...");
        assert_eq!(segment("id", ".hidden").unwrap(), ".hidden");
    }

    #[test]
    fn encoded_values_stay_one_segment() {
        for value in [
            "a/..",
            "..\\..",
            "x\\..\\..",
            "%2e%2e",
            "a?b#c",
            "APP*1a2b3c4d*v1.0.0",
        ] {
            let path = resolved(value);
            let last = path
                .strip_prefix("/v1/location/anchors/")
                .unwrap_or_else(|| {
                    panic!("{value:?} left the operation: {path}");
                });
            assert!(
                !last.contains('/'),
                "{value:?} became several segments: {path}"
            );
        }
        assert_eq!(
            resolved("aa:bb:cc:dd:ee:ff"),
            "/v1/location/anchors/aa:bb:cc:dd:ee:ff"
        );
        // Without the extra encoding the parser reads `\` as `/` and resolves the dots.
        let raw = reqwest::Url::parse("http://h/v1/location/anchors/x\\..\\..").unwrap();
        assert_eq!(raw.path(), "/v1/location/");
    }
}
