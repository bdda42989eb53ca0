//! A firmware bundle's zip (UploadFirmware's body), opened within bounds: the entries are
//! counted and their names checked (no duplicates, no `.` or `..` segment, no absolute path,
//! backslash or control character) before anything is inflated, and an entry is inflated only
//! up to a byte budget, counting the bytes as they come (the sizes a zip declares are not
//! trusted). One reader for the wrapper's `FirmwareBundle` checks and the mock's upload route
//! (feature `bundle-zip`), so the two cannot disagree on what a bundle may hold.

use std::collections::HashSet;
use std::io::{Cursor, Read};

/// The central directory's file header signature.
const CENTRAL_HEADER: &[u8; 4] = b"PK\x01\x02";
/// The fixed part of a central directory file header.
const CENTRAL_HEADER_LEN: usize = 46;
/// At most this much of a name goes into a message.
const NAME_IN_MESSAGES: usize = 80;

/// An opened bundle zip whose entries passed the count and name checks.
pub struct BundleZip<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
}

/// Why an entry could not be read within its budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// It unpacks to more than the budget (counted while inflating, or declared).
    TooLarge,
    /// The zip reader failed (corrupt data, unsupported compression, encryption, bad CRC).
    Broken(String),
}

impl<'a> BundleZip<'a> {
    /// Opens `bytes`, refusing more than `max_entries` entries (`setting` names that bound in
    /// the message), duplicate names and names that are paths out of the bundle.
    ///
    /// # Errors
    ///
    /// The reason, as one sentence, for bytes that are not a zip, too many entries, a refused
    /// or repeated name, or a central directory that disagrees with the zip reader.
    pub fn open(bytes: &'a [u8], max_entries: usize, setting: &str) -> Result<Self, String> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| format!("the bundle is not a valid zip file ({e})"))?;
        let names = central_names(bytes, archive.central_directory_start())?;
        if names.len() > max_entries {
            return Err(format!(
                "the zip has {} entries; at most {max_entries} are accepted ({setting})",
                names.len(),
            ));
        }
        let mut seen = HashSet::new();
        for name in &names {
            if let Some(problem) = entry_name_problem(name) {
                return Err(format!(
                    "zip entry {:?} {problem}; the files of a bundle are plain names",
                    shown(name)
                ));
            }
            if !seen.insert(*name) {
                return Err(format!(
                    "the zip holds more than one entry named {:?}",
                    shown(name)
                ));
            }
        }
        if names.len() != archive.len() {
            return Err(format!(
                "the zip's central directory lists {} entries, its reader {}",
                names.len(),
                archive.len()
            ));
        }
        Ok(Self { archive })
    }

    /// The bytes of entry `name`, inflating at most `budget` bytes; `Ok(None)` when there is
    /// no such entry.
    ///
    /// # Errors
    ///
    /// [`ReadError::TooLarge`] past `budget` (declared or counted), [`ReadError::Broken`] when
    /// the zip reader fails.
    pub fn read(&mut self, name: &str, budget: u64) -> Result<Option<Vec<u8>>, ReadError> {
        let entry = match self.archive.by_name(name) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(ReadError::Broken(e.to_string())),
        };
        if entry.size() > budget {
            return Err(ReadError::TooLarge);
        }
        let mut bytes = Vec::new();
        entry
            .take(budget.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError::Broken(e.to_string()))?;
        if bytes.len() as u64 > budget {
            return Err(ReadError::TooLarge);
        }
        Ok(Some(bytes))
    }
}

/// The raw names of the central directory's entries, read from where the zip reader found it
/// (so the count includes entries whose names repeat, which the reader keeps only once).
fn central_names(bytes: &[u8], start: u64) -> Result<Vec<&[u8]>, String> {
    let broken = || "the zip's central directory is truncated".to_string();
    let mut at = usize::try_from(start).map_err(|_| broken())?;
    let mut names = Vec::new();
    while bytes.get(at..at.saturating_add(4)) == Some(CENTRAL_HEADER.as_slice()) {
        let header = bytes
            .get(at..at.saturating_add(CENTRAL_HEADER_LEN))
            .ok_or_else(broken)?;
        let field =
            |offset: usize| usize::from(u16::from_le_bytes([header[offset], header[offset + 1]]));
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let name_start = at + CENTRAL_HEADER_LEN;
        let name = bytes
            .get(name_start..name_start + name_len)
            .ok_or_else(broken)?;
        names.push(name);
        at = name_start + name_len + extra_len + comment_len;
    }
    Ok(names)
}

/// Why a zip entry's name is refused, if it is.
fn entry_name_problem(name: &[u8]) -> Option<&'static str> {
    if name.is_empty() {
        Some("has an empty name")
    } else if name.contains(&b'\\') {
        Some("has a backslash (a path separator)")
    } else if name.iter().any(|b| *b < 0x20 || *b == 0x7f) {
        Some("has a control character")
    } else if name.starts_with(b"/") {
        Some("is an absolute path")
    } else if name.split(|b| *b == b'/').any(|s| s == b"." || s == b"..") {
        Some("has a dot segment (. or ..)")
    } else {
        None
    }
}

/// Why a file name of the manifest is refused, if it is: it must be a plain name, an entry at
/// the zip's root.
pub fn file_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains(['/', '\\']) {
        Some("has a path separator")
    } else if name == "." || name == ".." {
        Some("is a dot segment")
    } else if name.chars().any(char::is_control) {
        Some("has a control character")
    } else {
        None
    }
}

/// A name for a message: lossy UTF-8, at most 80 characters (`NAME_IN_MESSAGES`).
pub fn shown(name: &[u8]) -> String {
    let text = String::from_utf8_lossy(name);
    let mut out: String = text.chars().take(NAME_IN_MESSAGES).collect();
    if text.chars().count() > NAME_IN_MESSAGES {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("start");
            w.write_all(bytes).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn entries_are_counted_from_the_central_directory() {
        let bytes = zip(&[("a.bin", b"a"), ("b.bin", b"b"), ("c.bin", b"c")]);
        let err = BundleZip::open(&bytes, 2, "max_entries")
            .err()
            .expect("refused");
        assert!(
            err.contains("3 entries") && err.contains("max_entries"),
            "{err}"
        );
        assert!(BundleZip::open(&bytes, 16, "max_entries").is_ok());
    }

    #[test]
    fn data_before_the_zip_does_not_hide_its_entries() {
        let mut bytes = vec![0u8; 100];
        bytes.extend(zip(&[("a.bin", b"a"), ("b.bin", b"b")]));
        assert!(BundleZip::open(&bytes, 1, "max_entries").is_err());
    }

    #[test]
    fn entries_are_read_within_their_budget() {
        let bytes = zip(&[("a.bin", &[7u8; 100])]);
        let mut z = BundleZip::open(&bytes, 16, "max_entries").expect("opens");
        assert_eq!(
            z.read("a.bin", 100).expect("fits").map(|b| b.len()),
            Some(100)
        );
        assert_eq!(z.read("a.bin", 99), Err(ReadError::TooLarge));
        assert_eq!(z.read("b.bin", 99), Ok(None));
    }

    #[test]
    fn names_out_of_the_bundle_are_refused() {
        for name in [
            "../a.bin",
            "x/../a.bin",
            "./a.bin",
            "/a.bin",
            "a\\b.bin",
            "a\u{1}.bin",
        ] {
            let bytes = zip(&[(name, b"a")]);
            assert!(
                BundleZip::open(&bytes, 16, "max_entries").is_err(),
                "{name}"
            );
        }
        assert!(BundleZip::open(&zip(&[("dir/a.bin", b"a")]), 16, "max_entries").is_ok());
        for name in ["", "a/b.bin", "a\\b.bin", ".", "..", "a\nb"] {
            assert!(file_name_problem(name).is_some(), "{name:?}");
        }
        assert!(file_name_problem("..bin").is_none());
    }
}
