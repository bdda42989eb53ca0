//! Zip archives written byte by byte, so tests can make the ones a zip library refuses to write
//! or a careful tool never makes: entries whose names repeat or climb out of their folder,
//! sizes that lie, and bombs (a few kilobytes that inflate to many megabytes), plus the
//! firmware manifests the bundles around them need.
//!
//! ```
//! use nrfcloud_testkit::zips::{ZipEntry, firmware_manifest, write_zip};
//! // A manifest listing one 64 MiB entry 24 times: 64 KiB on the wire.
//! let bomb = write_zip(&[
//!     ZipEntry::deflated("manifest.json", &firmware_manifest(&["bomb.bin"; 24])),
//!     ZipEntry::zeros("bomb.bin", 64 << 20),
//! ]);
//! assert!(bomb.len() < 100_000);
//! ```

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::{Compress, Compression, FlushCompress};

/// Zip's general-purpose flag for UTF-8 names.
const UTF8_NAMES: u16 = 0x0800;
/// The "version needed to extract" of plain deflate and stored entries (2.0).
const VERSION: u16 = 20;
/// 1980-01-01, the earliest MS-DOS date.
const DOS_DATE: u16 = 0x0021;
/// Zeros deflated per chunk of [`ZipEntry::zeros`].
const ZERO_CHUNK: usize = 1 << 20;

/// One entry: its name, compression method and data as stored, and what its headers declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    name: Vec<u8>,
    method: u16,
    data: Vec<u8>,
    crc32: u32,
    size: u32,
}

impl ZipEntry {
    /// `bytes` stored as they are (method 0).
    pub fn stored(name: impl AsRef<[u8]>, bytes: &[u8]) -> Self {
        ZipEntry {
            name: name.as_ref().to_vec(),
            method: 0,
            data: bytes.to_vec(),
            crc32: crc32fast::hash(bytes),
            size: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        }
    }

    /// `bytes` deflated (method 8).
    pub fn deflated(name: impl AsRef<[u8]>, bytes: &[u8]) -> Self {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).expect("deflating into memory");
        ZipEntry {
            name: name.as_ref().to_vec(),
            method: 8,
            data: encoder.finish().expect("deflating into memory"),
            crc32: crc32fast::hash(bytes),
            size: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        }
    }

    /// `len` zero bytes, deflated at deflate's best ratio (about 1,030 : 1) without ever
    /// holding them: one deflated chunk of zeros repeated, then an empty final block.
    pub fn zeros(name: impl AsRef<[u8]>, len: u64) -> Self {
        let zeros = vec![0u8; ZERO_CHUNK];
        let chunk = sync_flushed(&zeros);
        let mut data = Vec::new();
        let mut crc = crc32fast::Hasher::new();
        let mut left = len;
        while left >= ZERO_CHUNK as u64 {
            data.extend_from_slice(&chunk);
            crc.update(&zeros);
            left -= ZERO_CHUNK as u64;
        }
        if left > 0 {
            let tail = &zeros[..usize::try_from(left).unwrap_or(ZERO_CHUNK)];
            data.extend_from_slice(&sync_flushed(tail));
            crc.update(tail);
        }
        // A final fixed-Huffman block holding only its end-of-block code.
        data.extend_from_slice(&[0x03, 0x00]);
        ZipEntry {
            name: name.as_ref().to_vec(),
            method: 8,
            data,
            crc32: crc.finalize(),
            size: u32::try_from(len).unwrap_or(u32::MAX),
        }
    }

    /// The same entry, its headers declaring `size` uncompressed bytes (a lie, if it differs).
    pub fn declaring_size(mut self, size: u32) -> Self {
        self.size = size;
        self
    }
}

/// `bytes` deflated as non-final blocks ending on a byte boundary (a sync flush), so the
/// result can be repeated and followed by more blocks.
fn sync_flushed(bytes: &[u8]) -> Vec<u8> {
    let mut compress = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(bytes.len() / 512 + 1024);
    let mut input = bytes;
    loop {
        let before_in = compress.total_in();
        compress
            .compress_vec(input, &mut out, FlushCompress::Sync)
            .expect("deflating into memory");
        let used = usize::try_from(compress.total_in() - before_in).unwrap_or(input.len());
        input = &input[used..];
        if input.is_empty() && out.len() < out.capacity() {
            return out;
        }
        out.reserve(out.capacity().max(1024));
    }
}

/// The archive: local headers and data, then the central directory and its end record.
pub fn write_zip(entries: &[ZipEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::with_capacity(entries.len());
    for e in entries {
        offsets.push(u32::try_from(out.len()).unwrap_or(u32::MAX));
        out.extend_from_slice(b"PK\x03\x04");
        for v in [VERSION, UTF8_NAMES, e.method, 0, DOS_DATE] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [e.crc32, stored_len(&e.data), e.size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len(&e.name).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&e.data);
    }
    let directory_start = u32::try_from(out.len()).unwrap_or(u32::MAX);
    for (e, offset) in entries.iter().zip(offsets) {
        out.extend_from_slice(b"PK\x01\x02");
        for v in [VERSION, VERSION, UTF8_NAMES, e.method, 0, DOS_DATE] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [e.crc32, stored_len(&e.data), e.size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name_len(&e.name), 0, 0, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&e.name);
    }
    let directory_len = u32::try_from(out.len()).unwrap_or(u32::MAX) - directory_start;
    let count = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(b"PK\x05\x06");
    for v in [0, 0, count, count] {
        out.extend_from_slice(&u16::to_le_bytes(v));
    }
    out.extend_from_slice(&directory_len.to_le_bytes());
    out.extend_from_slice(&directory_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn stored_len(data: &[u8]) -> u32 {
    u32::try_from(data.len()).unwrap_or(u32::MAX)
}

fn name_len(name: &[u8]) -> u16 {
    u16::try_from(name.len()).unwrap_or(u16::MAX)
}

/// A valid `manifest.json` (format 1, `fwversion` "1.0") listing `files` as application
/// images, each with `size` 1.
pub fn firmware_manifest(files: &[&str]) -> Vec<u8> {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| serde_json::json!({"file": f, "type": "application", "size": 1}))
        .collect();
    serde_json::json!({"fwversion": "1.0", "format-version": 1, "files": files})
        .to_string()
        .into_bytes()
}

/// A valid bundle: a manifest listing `files` (application images) and the files, deflated.
pub fn firmware_bundle(files: &[(&str, &[u8])]) -> Vec<u8> {
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    let mut entries = vec![ZipEntry::deflated(
        "manifest.json",
        &firmware_manifest(&names),
    )];
    entries.extend(files.iter().map(|(n, b)| ZipEntry::deflated(n, b)));
    write_zip(&entries)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn inflate(entry: &ZipEntry) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(entry.data.as_slice())
            .read_to_end(&mut out)
            .expect("inflates");
        out
    }

    #[test]
    fn zeros_inflate_to_their_length_and_checksum() {
        for len in [0u64, 5, ZERO_CHUNK as u64, 3 * ZERO_CHUNK as u64 + 17] {
            let e = ZipEntry::zeros("z.bin", len);
            let bytes = inflate(&e);
            assert_eq!(bytes.len() as u64, len);
            assert!(bytes.iter().all(|b| *b == 0));
            assert_eq!(e.crc32, crc32fast::hash(&bytes));
        }
        assert!(ZipEntry::zeros("z.bin", 64 << 20).data.len() < 70_000);
    }

    #[test]
    fn archives_have_their_entries_in_order() {
        let zip = write_zip(&[
            ZipEntry::stored("a.bin", b"abc"),
            ZipEntry::deflated("b.bin", b"bbbb"),
        ]);
        assert!(zip.starts_with(b"PK\x03\x04"));
        assert_eq!(&zip[zip.len() - 22..zip.len() - 18], b"PK\x05\x06");
        assert_eq!(
            u16::from_le_bytes([zip[zip.len() - 12], zip[zip.len() - 11]]),
            2
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&firmware_manifest(&["a.bin"])).expect("json");
        assert_eq!(manifest["files"][0]["file"], "a.bin");
    }
}
