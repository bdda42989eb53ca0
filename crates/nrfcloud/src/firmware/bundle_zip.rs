//! Reading a bundle zip within [`BundleLimits`]: entries counted and their names checked (no
//! duplicates, no `.` or `..` segment, no absolute path, backslash or control character)
//! before anything is inflated, and each entry inflated only up to a byte budget, counting the
//! bytes as they come (the sizes a zip declares are not trusted).

use std::collections::HashSet;
use std::io::{Cursor, Read};

use super::BundleLimits;

/// The central directory's file header signature.
const CENTRAL_HEADER: &[u8; 4] = b"PK\x01\x02";
/// The fixed part of a central directory file header.
const CENTRAL_HEADER_LEN: usize = 46;
/// At most this much of a name goes into a message.
const NAME_IN_MESSAGES: usize = 80;

/// An opened zip whose entries passed the count and name checks.
pub(super) struct BundleZip<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
}

/// Why an entry could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ReadError {
    /// It unpacks to more than the budget (counted while inflating, or declared).
    TooLarge,
    /// The zip reader failed (corrupt data, unsupported compression, encryption, bad CRC).
    Broken(String),
}

impl<'a> BundleZip<'a> {
    /// Opens `bytes`, refusing more than `limits.max_entries` entries, repeated names and
    /// names that are paths out of the bundle. The error is the reason, for `InvalidInput`.
    pub(super) fn open(bytes: &'a [u8], limits: &BundleLimits) -> Result<Self, String> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| format!("not a valid zip file ({e})"))?;
        let names = central_names(bytes, archive.central_directory_start())?;
        if names.len() > limits.max_entries {
            return Err(format!(
                "the zip has {} entries; at most {} are allowed (BundleLimits::max_entries)",
                names.len(),
                limits.max_entries
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

    /// The bytes of entry `name`, inflating at most `budget` bytes; `Ok(None)` when absent.
    pub(super) fn read(&mut self, name: &str, budget: u64) -> Result<Option<Vec<u8>>, ReadError> {
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
/// (so the count includes repeated names, which the reader keeps only once).
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

/// A name for a message: lossy UTF-8, at most [`NAME_IN_MESSAGES`] characters.
pub(super) fn shown(name: &[u8]) -> String {
    let text = String::from_utf8_lossy(name);
    let mut out: String = text.chars().take(NAME_IN_MESSAGES).collect();
    if text.chars().count() > NAME_IN_MESSAGES {
        out.push('…');
    }
    out
}
