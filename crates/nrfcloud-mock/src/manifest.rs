//! Firmware bundles: reading the zip within [`BundleRules`] and checking its `manifest.json`
//! by the documentation's rules (`fwversion` pattern, `format-version` 1, a non-empty `files`
//! list of distinct, plain `.bin` names of one type, or an init packet plus its image for
//! Bluetooth LE, every file present). Only the manifest and the files it names are inflated.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::limits::BundleRules;
use nrfcloud_api::bundle_zip::{BundleZip, ReadError, file_name_problem, shown};

static FW_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9._-]{1,60}$").expect("constant pattern compiles"));

/// The file types a manifest may name.
const FILE_TYPES: [&str; 5] = [
    "application",
    "mcuboot",
    "bootloader",
    "softdevice",
    "init_packet",
];

/// A checked bundle.
#[derive(Debug, Clone)]
pub(crate) struct BundleContents {
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) version: String,
    /// The bundle's firmware type (APP, BOOT, BOOTLOADER or SOFTDEVICE).
    pub(crate) fw_type: String,
    /// The files named by the manifest, in its order, with their bytes.
    pub(crate) files: Vec<(String, Vec<u8>)>,
}

/// Checks a firmware bundle as the mock's UploadFirmware does, within `limits`: `Ok` with the
/// files the manifest names and their unpacked sizes, in its order, or `Err` with the reason
/// the upload would be refused (the message of its 422 / 42200 answer).
///
/// ```
/// let limits = nrfcloud_mock::BundleRules::default();
/// assert!(nrfcloud_mock::check_firmware_bundle(b"not a zip", &limits).is_err());
/// ```
///
/// # Errors
///
/// The reason the server would give in its 400/422 answer: not a zip, past `limits`, no valid
/// `manifest.json`, a file the manifest names missing.
pub fn check_firmware_bundle(
    zip: &[u8],
    limits: &BundleRules,
) -> Result<Vec<(String, usize)>, String> {
    let bundle = read_bundle(zip, limits)?;
    Ok(bundle
        .files
        .into_iter()
        .map(|(name, bytes)| (name, bytes.len()))
        .collect())
}

/// Reads and checks a bundle zip within `limits`.
pub(crate) fn read_bundle(
    zip_bytes: &[u8],
    limits: &BundleRules,
) -> Result<BundleContents, String> {
    let mut archive = BundleZip::open(zip_bytes, limits.max_entries, "bundle limit max_entries")?;
    let manifest_text = match archive.read("manifest.json", limits.max_manifest_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err("the bundle has no manifest.json at its root".into()),
        Err(ReadError::TooLarge) => {
            return Err(format!(
                "manifest.json unpacks to more than {} bytes (bundle limit max_manifest_bytes)",
                limits.max_manifest_bytes
            ));
        }
        Err(ReadError::Broken(e)) => return Err(format!("cannot read manifest.json ({e})")),
    };
    let manifest: Value = serde_json::from_slice(&manifest_text)
        .map_err(|e| format!("manifest.json is not valid JSON ({e})"))?;
    let obj = manifest
        .as_object()
        .ok_or("manifest.json must hold a JSON object")?;
    let optional_string = |name: &str| -> Result<Option<String>, String> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("manifest.json: {name} must be a string")),
        }
    };
    let name = optional_string("name")?;
    let description = optional_string("description")?;
    let version = obj
        .get("fwversion")
        .and_then(Value::as_str)
        .ok_or("manifest.json: fwversion is required (a string)")?
        .to_owned();
    if !FW_VERSION.is_match(&version) {
        return Err(format!(
            "manifest.json: fwversion '{version}' does not match /^[a-zA-Z0-9._-]{{1,60}}$/"
        ));
    }
    if obj.get("format-version").and_then(Value::as_f64) != Some(1.0) {
        return Err("manifest.json: format-version must be 1".into());
    }
    let entries = obj
        .get("files")
        .and_then(Value::as_array)
        .filter(|f| !f.is_empty())
        .ok_or("manifest.json: files must be a non-empty array")?;
    let mut types = Vec::new();
    let mut names = Vec::new();
    let mut listed = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let file = entry
            .get("file")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("manifest.json: files[{i}].file is required (a string)"))?;
        if let Some(problem) = file_name_problem(file) {
            return Err(format!(
                "manifest.json: files[{i}].file {:?} {problem}; the files of a bundle are plain names",
                shown(file.as_bytes())
            ));
        }
        if !listed.insert(file) {
            return Err(format!(
                "manifest.json: files[{i}].file {:?} is listed more than once",
                shown(file.as_bytes())
            ));
        }
        if !file.ends_with(".bin") {
            return Err(format!(
                "manifest.json: files[{i}].file '{file}' must have a .bin extension"
            ));
        }
        let t = entry
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("manifest.json: files[{i}].type is required"))?;
        if !FILE_TYPES.contains(&t) {
            return Err(format!(
                "manifest.json: files[{i}].type '{t}' must be one of {}",
                FILE_TYPES.join(", ")
            ));
        }
        if entry
            .get("size")
            .and_then(Value::as_f64)
            .is_none_or(|s| s < 0.0)
        {
            return Err(format!("manifest.json: files[{i}].size must be a number"));
        }
        types.push(t);
        names.push(file.to_owned());
    }
    let images: Vec<&str> = types
        .iter()
        .copied()
        .filter(|t| *t != "init_packet")
        .collect();
    let has_init_packet = images.len() != types.len();
    let Some(&image_type) = images.first() else {
        return Err(
            "manifest.json: an init_packet needs its firmware image (application or softdevice)"
                .into(),
        );
    };
    if images.iter().any(|t| *t != image_type) {
        return Err("manifest.json: all files must be of the same type".into());
    }
    if has_init_packet && !matches!(image_type, "application" | "softdevice") {
        return Err(
            "manifest.json: with an init_packet, the image type must be application or softdevice"
                .into(),
        );
    }
    let fw_type = match image_type {
        "application" => "APP",
        "mcuboot" => "BOOT",
        "bootloader" => "BOOTLOADER",
        _ => "SOFTDEVICE",
    }
    .to_owned();
    let mut files = Vec::new();
    let mut left = limits.max_total_bytes;
    for file in names {
        let budget = limits.max_file_bytes.min(left);
        let bytes = match archive.read(&file, budget) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(format!(
                    "manifest.json names {file}, which is not in the zip"
                ));
            }
            Err(ReadError::TooLarge) if budget == limits.max_file_bytes => {
                return Err(format!(
                    "{file} unpacks to more than {} bytes (bundle limit max_file_bytes)",
                    limits.max_file_bytes
                ));
            }
            Err(ReadError::TooLarge) => {
                return Err(format!(
                    "the files unpack to more than {} bytes in all (bundle limit max_total_bytes)",
                    limits.max_total_bytes
                ));
            }
            Err(ReadError::Broken(e)) => {
                return Err(format!("cannot read {file} from the zip ({e})"));
            }
        };
        left -= bytes.len() as u64;
        files.push((file, bytes));
    }
    Ok(BundleContents {
        name,
        description,
        version,
        fw_type,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn read_bundle_default(zip: &[u8]) -> Result<BundleContents, String> {
        read_bundle(zip, &BundleRules::default())
    }

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
    fn a_valid_bundle() {
        let manifest = br#"{"fwversion":"1.1","format-version":1,"files":[{"file":"app.bin","type":"application","size":3}]}"#;
        let b = read_bundle_default(&zip(&[("manifest.json", manifest), ("app.bin", b"abc")]))
            .expect("valid");
        assert_eq!(b.fw_type, "APP");
        assert_eq!(b.files[0].1, b"abc");
    }

    #[test]
    fn broken_bundles() {
        assert!(read_bundle_default(b"not a zip").is_err());
        assert!(read_bundle_default(&zip(&[("app.bin", b"abc")])).is_err());
        let bad_version = br#"{"fwversion":"1 1","format-version":1,"files":[{"file":"a.bin","type":"application","size":1}]}"#;
        assert!(
            read_bundle_default(&zip(&[("manifest.json", bad_version), ("a.bin", b"a")])).is_err()
        );
        let missing = br#"{"fwversion":"1","format-version":1,"files":[{"file":"a.bin","type":"application","size":1}]}"#;
        assert!(read_bundle_default(&zip(&[("manifest.json", missing)])).is_err());
        let hex = br#"{"fwversion":"1","format-version":1,"files":[{"file":"a.hex","type":"application","size":1}]}"#;
        assert!(read_bundle_default(&zip(&[("manifest.json", hex), ("a.hex", b"a")])).is_err());
        let mixed = br#"{"fwversion":"1","format-version":1,"files":[{"file":"a.bin","type":"application","size":1},{"file":"b.bin","type":"mcuboot","size":1}]}"#;
        assert!(
            read_bundle_default(&zip(&[
                ("manifest.json", mixed),
                ("a.bin", b"a"),
                ("b.bin", b"b")
            ]))
            .is_err()
        );
        let version2 = br#"{"fwversion":"1","format-version":2,"files":[{"file":"a.bin","type":"application","size":1}]}"#;
        assert!(
            read_bundle_default(&zip(&[("manifest.json", version2), ("a.bin", b"a")])).is_err()
        );
    }

    #[test]
    fn ble_bundles_pair_an_init_packet_with_an_image() {
        let ble = br#"{"fwversion":"2","format-version":1,"files":[{"file":"a.bin","type":"application","size":1},{"file":"a.dat.bin","type":"init_packet","size":1}]}"#;
        let b = read_bundle_default(&zip(&[
            ("manifest.json", ble),
            ("a.bin", b"a"),
            ("a.dat.bin", b"d"),
        ]))
        .expect("valid");
        assert_eq!(b.files.len(), 2);
    }
}
