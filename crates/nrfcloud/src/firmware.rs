//! Firmware bundles: a builder that writes the zip with its `manifest.json` and checks the
//! documentation's rules and [`BundleLimits`] before upload, a reader for zips made elsewhere
//! ([`FirmwareBundle::from_zip`], bounded the same way), and the upload itself (the raw zip,
//! not JSON).
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client, image: Vec<u8>) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::firmware::{FileType, FirmwareBundle};
//! let bundle = FirmwareBundle::new("1.2.0").name("sensor app").file("app_update.bin", FileType::Application, image);
//! let uploaded = client.firmware().upload(&bundle).await?;
//! println!("bundle {}", uploaded.bundle_id.unwrap_or_default());
//! # Ok(()) }
//! ```

use std::io::Write;

use nrfcloud_api::types;
use serde_json::{Value, json};

use crate::{Client, Error};
use nrfcloud_api::bundle_zip::{BundleZip, ReadError, shown};

/// The largest zip the API takes: its base64 form is limited to 1,333,333 characters.
pub const MAX_BUNDLE_BYTES: usize = 999_999;

/// Bounds on what a bundle holds and unpacks to, checked by [`FirmwareBundle::validate`] (on
/// the files given) and by [`FirmwareBundle::from_zip`] (on a zip, counting bytes as they are
/// inflated: the sizes a zip declares are not trusted). The defaults are the local mock's
/// (`nrfcloud_mock::BundleLimits`); the service documents only the zip's own limit,
/// [`MAX_BUNDLE_BYTES`]. Past a bound, the error is [`Error::InvalidInput`] naming it.
///
/// ```
/// use nrfcloud::firmware::{BundleLimits, FileType, FirmwareBundle};
/// let limits = BundleLimits { max_file_bytes: 2_000_000, ..BundleLimits::default() };
/// let bundle = FirmwareBundle::new("1.0")
///     .limits(limits)
///     .file("app.bin", FileType::Application, vec![0u8; 1_500_000]);
/// assert!(bundle.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BundleLimits {
    /// Entries in the zip, `manifest.json` included. Default: 16 (a bundle holds the manifest
    /// and one or two images).
    pub max_entries: usize,
    /// What `manifest.json` may unpack to. Default: 64 KiB.
    pub max_manifest_bytes: u64,
    /// What each file may unpack to. Default: 999,999 bytes, the API's upload limit, which no
    /// image for the 1 MB flash of an nRF91 or nRF53 application core exceeds.
    pub max_file_bytes: u64,
    /// What all the files may unpack to together. Default: 4 MiB.
    pub max_total_bytes: u64,
}

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits {
            max_entries: 16,
            max_manifest_bytes: 64 * 1024,
            max_file_bytes: 999_999,
            max_total_bytes: 4 * 1024 * 1024,
        }
    }
}

/// The type of a file in a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// An nRF91 application image.
    Application,
    /// An nRF91 MCUboot image.
    Mcuboot,
    /// A bootloader image.
    Bootloader,
    /// A Bluetooth LE SoftDevice image.
    Softdevice,
    /// A Bluetooth LE init packet (goes with an application or SoftDevice image).
    InitPacket,
}

impl FileType {
    /// The manifest's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Application => "application",
            FileType::Mcuboot => "mcuboot",
            FileType::Bootloader => "bootloader",
            FileType::Softdevice => "softdevice",
            FileType::InitPacket => "init_packet",
        }
    }

    /// The type a manifest names, if it is one.
    fn from_manifest(name: &str) -> Option<Self> {
        [
            FileType::Application,
            FileType::Mcuboot,
            FileType::Bootloader,
            FileType::Softdevice,
            FileType::InitPacket,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }
}

/// A firmware bundle to upload.
#[derive(Clone, PartialEq, Eq)]
pub struct FirmwareBundle {
    fwversion: String,
    name: Option<String>,
    description: Option<String>,
    files: Vec<(String, FileType, Vec<u8>)>,
    limits: BundleLimits,
}

impl std::fmt::Debug for FirmwareBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirmwareBundle")
            .field("fwversion", &self.fwversion)
            .field("name", &self.name)
            .field(
                "files",
                &self
                    .files
                    .iter()
                    .map(|(n, t, d)| (n, t, d.len()))
                    .collect::<Vec<_>>(),
            )
            .field("limits", &self.limits)
            .finish()
    }
}

impl FirmwareBundle {
    /// A bundle of version `fwversion` (`^[a-zA-Z0-9._-]{1,60}$`).
    pub fn new(fwversion: impl Into<String>) -> Self {
        FirmwareBundle {
            fwversion: fwversion.into(),
            name: None,
            description: None,
            files: Vec::new(),
            limits: BundleLimits::default(),
        }
    }

    /// The bounds [`FirmwareBundle::validate`] checks (default: [`BundleLimits::default`]).
    pub fn limits(mut self, limits: BundleLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads a bundle zip made elsewhere (e.g. the build's `dfu_application.zip` with its
    /// `fwversion` added) within the default [`BundleLimits`], then checks it like
    /// [`FirmwareBundle::validate`]. Only `manifest.json` and the files it names are inflated;
    /// other entries are ignored, but every entry's name is checked.
    ///
    /// ```
    /// use nrfcloud::firmware::{FileType, FirmwareBundle};
    /// let zip = FirmwareBundle::new("1.0").file("app.bin", FileType::Application, [1u8, 2]).to_zip()?;
    /// let read = FirmwareBundle::from_zip(&zip)?;
    /// assert_eq!(read.manifest()["files"][0]["size"], 2);
    /// # Ok::<(), nrfcloud::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`FirmwareBundle::from_zip_with_limits`] with the default [`BundleLimits`].
    pub fn from_zip(zip: &[u8]) -> Result<Self, Error> {
        Self::from_zip_with_limits(zip, BundleLimits::default())
    }

    /// As [`FirmwareBundle::from_zip`], within `limits` (which the bundle keeps).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a file that is not a zip, an entry or total size past
    /// `limits`, a missing or invalid `manifest.json`, or a manifest naming files the zip
    /// lacks.
    pub fn from_zip_with_limits(zip: &[u8], limits: BundleLimits) -> Result<Self, Error> {
        let bad =
            |field: &str, reason: String| Error::invalid(Some("UploadFirmware"), field, reason);
        if zip.len() > MAX_BUNDLE_BYTES {
            return Err(bad(
                "bundle",
                format!(
                    "the zip is {} bytes; the API takes at most {MAX_BUNDLE_BYTES}",
                    zip.len()
                ),
            ));
        }
        let mut archive = BundleZip::open(zip, limits.max_entries, "BundleLimits::max_entries")
            .map_err(|r| bad("bundle", r))?;
        let manifest = match archive.read("manifest.json", limits.max_manifest_bytes) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(bad(
                    "manifest",
                    "the zip has no manifest.json at its root".into(),
                ));
            }
            Err(ReadError::TooLarge) => {
                return Err(bad(
                    "manifest",
                    format!(
                        "manifest.json unpacks to more than {} bytes (BundleLimits::max_manifest_bytes)",
                        limits.max_manifest_bytes
                    ),
                ));
            }
            Err(ReadError::Broken(e)) => {
                return Err(bad("manifest", format!("cannot read manifest.json ({e})")));
            }
        };
        let manifest: Value = serde_json::from_slice(&manifest)
            .map_err(|e| bad("manifest", format!("manifest.json is not JSON ({e})")))?;
        let text = |name: &str| -> Result<Option<String>, Error> {
            match manifest.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(name, "must be a string".into())),
            }
        };
        let fwversion = text("fwversion")?.ok_or_else(|| bad("fwversion", "is required".into()))?;
        if manifest.get("format-version").and_then(Value::as_f64) != Some(1.0) {
            return Err(bad("format-version", "must be 1".into()));
        }
        let listed = manifest
            .get("files")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("files", "must be an array".into()))?;
        let mut wanted: Vec<(String, FileType)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, entry) in listed.iter().enumerate() {
            let name = entry
                .get("file")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(&format!("files[{i}].file"), "is required (a string)".into()))?;
            file_name_rules(name).map_err(|r| bad(&format!("files[{i}].file"), r))?;
            if !seen.insert(name) {
                return Err(bad(
                    &format!("files[{i}].file"),
                    format!("{:?} is listed more than once", shown(name.as_bytes())),
                ));
            }
            let kind = entry
                .get("type")
                .and_then(Value::as_str)
                .and_then(FileType::from_manifest)
                .ok_or_else(|| {
                    bad(
                        &format!("files[{i}].type"),
                        "must be application, mcuboot, bootloader, softdevice or init_packet"
                            .into(),
                    )
                })?;
            if entry
                .get("size")
                .and_then(Value::as_f64)
                .is_none_or(|size| size < 0.0)
            {
                return Err(bad(
                    &format!("files[{i}].size"),
                    "must be a number (the file's size in bytes)".into(),
                ));
            }
            wanted.push((name.to_owned(), kind));
        }
        if wanted.len() >= limits.max_entries {
            return Err(bad(
                "files",
                format!(
                    "{} files and the manifest make more than {} zip entries (BundleLimits::max_entries)",
                    wanted.len(),
                    limits.max_entries
                ),
            ));
        }
        let mut bundle = FirmwareBundle {
            fwversion,
            name: text("name")?,
            description: text("description")?,
            files: Vec::with_capacity(wanted.len()),
            limits,
        };
        let mut left = limits.max_total_bytes;
        for (i, (name, kind)) in wanted.into_iter().enumerate() {
            let budget = limits.max_file_bytes.min(left);
            let data = match archive.read(&name, budget) {
                Ok(Some(data)) => data,
                Ok(None) => {
                    return Err(bad(
                        &format!("files[{i}].file"),
                        format!("{:?} is not in the zip", shown(name.as_bytes())),
                    ));
                }
                Err(ReadError::TooLarge) if budget == limits.max_file_bytes => {
                    return Err(bad(
                        &format!("files[{i}].size"),
                        format!(
                            "{:?} unpacks to more than {} bytes (BundleLimits::max_file_bytes)",
                            shown(name.as_bytes()),
                            limits.max_file_bytes
                        ),
                    ));
                }
                Err(ReadError::TooLarge) => {
                    return Err(bad(
                        "files",
                        format!(
                            "the files unpack to more than {} bytes in all (BundleLimits::max_total_bytes)",
                            limits.max_total_bytes
                        ),
                    ));
                }
                Err(ReadError::Broken(e)) => {
                    return Err(bad(
                        &format!("files[{i}].file"),
                        format!("cannot be read ({e})"),
                    ));
                }
            };
            left -= data.len() as u64;
            bundle.files.push((name, kind, data));
        }
        bundle.validate()?;
        Ok(bundle)
    }

    /// The bundle's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The bundle's description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a file (its name must end in `.bin`).
    pub fn file(
        mut self,
        file_name: impl Into<String>,
        kind: FileType,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        self.files.push((file_name.into(), kind, data.into()));
        self
    }

    /// The `manifest.json` this bundle gets.
    pub fn manifest(&self) -> serde_json::Value {
        let mut m = json!({
            "fwversion": self.fwversion,
            "format-version": 1,
            "files": self.files.iter().map(|(n, t, d)| json!({"file": n, "type": t.as_str(), "size": d.len()})).collect::<Vec<_>>(),
        });
        if let Some(n) = &self.name {
            m["name"] = json!(n);
        }
        if let Some(d) = &self.description {
            m["description"] = json!(d);
        }
        m
    }

    /// Checks the documentation's rules.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first field that breaks a rule (firmware type,
    /// version, file names and sizes).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |field: &str, reason: String| {
            Err(Error::invalid(Some("UploadFirmware"), field, reason))
        };
        let v = &self.fwversion;
        if v.is_empty()
            || v.len() > 60
            || !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return bad(
                "fwversion",
                format!("{v:?} does not match ^[a-zA-Z0-9._-]{{1,60}}$"),
            );
        }
        if self.files.is_empty() {
            return bad("files", "a bundle needs at least one file".into());
        }
        let limits = &self.limits;
        if self.files.len() >= limits.max_entries {
            return bad(
                "files",
                format!(
                    "{} files and the manifest make more than {} zip entries (BundleLimits::max_entries)",
                    self.files.len(),
                    limits.max_entries
                ),
            );
        }
        let mut names = std::collections::HashSet::new();
        let mut total: u64 = 0;
        for (i, (name, _, data)) in self.files.iter().enumerate() {
            if let Err(reason) = file_name_rules(name) {
                return bad(&format!("files[{i}].file"), reason);
            }
            if name == "manifest.json" || !names.insert(name.as_str()) {
                return bad(
                    &format!("files[{i}].file"),
                    format!("{:?} appears twice", shown(name.as_bytes())),
                );
            }
            if data.is_empty() {
                return bad(
                    &format!("files[{i}].size"),
                    format!("{:?} is empty", shown(name.as_bytes())),
                );
            }
            let size = data.len() as u64;
            if size > limits.max_file_bytes {
                return bad(
                    &format!("files[{i}].size"),
                    format!(
                        "{:?} is {size} bytes; a file may be at most {} bytes (BundleLimits::max_file_bytes)",
                        shown(name.as_bytes()),
                        limits.max_file_bytes
                    ),
                );
            }
            total = total.saturating_add(size);
        }
        if total > limits.max_total_bytes {
            return bad(
                "files",
                format!(
                    "the files are {total} bytes in all; at most {} are allowed (BundleLimits::max_total_bytes)",
                    limits.max_total_bytes
                ),
            );
        }
        let manifest_len = serde_json::to_vec_pretty(&self.manifest()).map_or(0, |m| m.len());
        if manifest_len as u64 > limits.max_manifest_bytes {
            return bad(
                "manifest",
                format!(
                    "manifest.json would be {manifest_len} bytes; at most {} are allowed (BundleLimits::max_manifest_bytes)",
                    limits.max_manifest_bytes
                ),
            );
        }
        let kinds: Vec<FileType> = self.files.iter().map(|f| f.1).collect();
        let init_packets = kinds.iter().filter(|k| **k == FileType::InitPacket).count();
        let images: std::collections::HashSet<FileType> = kinds
            .iter()
            .copied()
            .filter(|k| *k != FileType::InitPacket)
            .collect();
        if init_packets > 0 {
            // Bluetooth LE: one init packet plus its application or SoftDevice image.
            let ok = init_packets == 1
                && images.len() == 1
                && images
                    .iter()
                    .all(|k| matches!(k, FileType::Application | FileType::Softdevice));
            if !ok {
                return bad("files", "a Bluetooth LE bundle holds one init_packet and one application or softdevice image type".into());
            }
        } else if images.len() != 1 {
            return bad(
                "files",
                "all files of a bundle must have the same type".into(),
            );
        } else if images.contains(&FileType::Softdevice) {
            return bad("files", "a softdevice image needs its init_packet".into());
        }
        Ok(())
    }

    /// Writes the zip (manifest first, then the files).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when [`FirmwareBundle::validate`] refuses the bundle, or the zip
    /// cannot be written.
    pub fn to_zip(&self) -> Result<Vec<u8>, Error> {
        self.validate()?;
        let zip_err = |e: &dyn std::fmt::Display| {
            Error::invalid(Some("UploadFirmware"), "bundle", e.to_string())
        };
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let manifest = serde_json::to_vec_pretty(&self.manifest()).map_err(|e| zip_err(&e))?;
        zip.start_file("manifest.json", options)
            .map_err(|e| zip_err(&e))?;
        zip.write_all(&manifest).map_err(|e| zip_err(&e))?;
        for (name, _, data) in &self.files {
            zip.start_file(name.as_str(), options)
                .map_err(|e| zip_err(&e))?;
            zip.write_all(data).map_err(|e| zip_err(&e))?;
        }
        let bytes = zip.finish().map_err(|e| zip_err(&e))?.into_inner();
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(Error::invalid(
                Some("UploadFirmware"),
                "bundle",
                format!(
                    "the zip is {} bytes; the API takes at most {MAX_BUNDLE_BYTES}",
                    bytes.len()
                ),
            ));
        }
        Ok(bytes)
    }
}

/// The rules of a bundle's file name: a plain name (no path separator, `.` or `..`, or
/// control character) ending in `.bin`.
fn file_name_rules(name: &str) -> Result<(), String> {
    let problem = if name.contains(['/', '\\']) {
        "has a path separator"
    } else if name == "." || name == ".." {
        "is a dot segment"
    } else if name.chars().any(char::is_control) {
        "has a control character"
    } else if !name.ends_with(".bin") || name.len() <= 4 {
        "does not end in .bin"
    } else {
        return Ok(());
    };
    Err(format!(
        "{:?} {problem}: file names are plain names ending in .bin",
        shown(name.as_bytes())
    ))
}

/// An uploaded bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFirmware {
    /// The bundle id, read off the returned URIs (`TYPE*xxxxxxxx*version`).
    pub bundle_id: Option<String>,
    /// Where the files are stored.
    pub uris: Vec<String>,
}

/// The firmware types of the API, in the document's order: every value of its
/// `FirmwareTypes` enum (`types::FirmwareTypesKnown`). The one list of them in this crate;
/// a value added to the document fails to compile here until it is added.
pub const FIRMWARE_TYPES: [types::FirmwareTypesKnown; 8] = {
    use types::FirmwareTypesKnown as T;
    [
        T::App,
        T::Modem,
        T::Boot,
        T::Softdevice,
        T::Bootloader,
        T::MdmFull,
        T::Smp,
        T::Custom,
    ]
};

/// Fails to compile when the generated enum gains a value [`FIRMWARE_TYPES`] lacks.
const _: fn(types::FirmwareTypesKnown) = |t| {
    use types::FirmwareTypesKnown as T;
    match t {
        T::App | T::Modem | T::Boot | T::Softdevice | T::Bootloader | T::MdmFull | T::Smp => {}
        T::Custom => {}
    }
};

/// Whether the OnboardDevices CSV's `supportedFirmwareTypes` column may list `t`: the
/// document's rule for that column is `/^(APP|MODEM|BOOT|SOFTDEVICE|BOOTLOADER|MDM_FULL)$/`,
/// without the enum's SMP and CUSTOM (which the JSON bodies and the bundles take).
pub fn csv_supports(t: types::FirmwareTypesKnown) -> bool {
    !matches!(
        t,
        types::FirmwareTypesKnown::Smp | types::FirmwareTypesKnown::Custom
    )
}

/// The first path segment of a URI that looks like a bundle id.
pub fn bundle_id_from_uri(uri: &str) -> Option<String> {
    uri.split(['/', '?'])
        .map(|seg| seg.replace("%2A", "*").replace("%2a", "*"))
        .find(|seg| {
            let mut parts = seg.splitn(3, '*');
            let (Some(kind), Some(hex), Some(_)) = (parts.next(), parts.next(), parts.next())
            else {
                return false;
            };
            kind.parse::<types::FirmwareTypesKnown>().is_ok()
                && hex.len() == 8
                && hex.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// Firmware bundles: checked and uploaded, from [`Client::firmware`].
#[derive(Debug, Clone, Copy)]
pub struct FirmwareHandler<'a> {
    client: &'a Client,
}

impl Client {
    /// Firmware bundles: checked and uploaded.
    pub fn firmware(&self) -> FirmwareHandler<'_> {
        FirmwareHandler { client: self }
    }
}

impl FirmwareHandler<'_> {
    /// Checks and uploads a bundle as a raw zip (`Content-Type: application/zip`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the bundle is invalid or over the upload limit (nothing is
    /// sent); else those of UploadFirmware: [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body.
    pub async fn upload(&self, bundle: &FirmwareBundle) -> Result<UploadedFirmware, Error> {
        let zip = bundle.to_zip()?;
        self.upload_zip(zip).await
    }

    /// Uploads a zip made elsewhere, checked only for size: the bytes go as they are. To check
    /// one first (manifest, names, unpacked sizes), read it with [`FirmwareBundle::from_zip`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the zip is not a valid bundle or is over the upload limit
    /// (nothing is sent); else those of UploadFirmware: [`Error::Api`] for an error answer (its
    /// nRF code in [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the
    /// client holds no credential the operation accepts (nothing is sent); [`Error::Timeout`]
    /// and [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is
    /// not the documented body.
    pub async fn upload_zip(&self, zip: Vec<u8>) -> Result<UploadedFirmware, Error> {
        if zip.len() > MAX_BUNDLE_BYTES {
            return Err(Error::invalid(
                Some("UploadFirmware"),
                "bundle",
                format!("{} bytes is over the limit", zip.len()),
            ));
        }
        let ct = types::RestApiPayloadContentTypeWithZip::ApplicationZip;
        let response = self
            .client
            .api()
            .upload_firmware()
            .content_type(ct)
            .body(zip)
            .send()
            .await?;
        let bundle_id = response.uris.iter().find_map(|u| bundle_id_from_uri(u));
        Ok(UploadedFirmware {
            bundle_id,
            uris: response.uris,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn app() -> FirmwareBundle {
        FirmwareBundle::new("1.2.0-rc.1").name("app").file(
            "app_update.bin",
            FileType::Application,
            vec![1u8; 300],
        )
    }

    #[test]
    fn the_firmware_types_are_the_documents_eight_in_its_order() {
        let names: Vec<String> = FIRMWARE_TYPES.iter().map(|t| t.to_string()).collect();
        assert_eq!(
            names,
            [
                "APP",
                "MODEM",
                "BOOT",
                "SOFTDEVICE",
                "BOOTLOADER",
                "MDM_FULL",
                "SMP",
                "CUSTOM"
            ]
        );
        assert_eq!(
            bundle_id_from_uri("files/SMP*0123abcd*1.0/a.bin").as_deref(),
            Some("SMP*0123abcd*1.0")
        );
        assert_eq!(bundle_id_from_uri("files/SMPX*0123abcd*1.0/a.bin"), None);
    }

    #[test]
    fn writes_a_zip_with_its_manifest() {
        let zip = app().to_zip().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let mut manifest = String::new();
        archive
            .by_name("manifest.json")
            .unwrap()
            .read_to_string(&mut manifest)
            .unwrap();
        let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        assert_eq!(m["format-version"], 1);
        assert_eq!(m["fwversion"], "1.2.0-rc.1");
        assert_eq!(
            m["files"][0],
            json!({"file": "app_update.bin", "type": "application", "size": 300})
        );
        assert_eq!(archive.by_name("app_update.bin").unwrap().size(), 300);
    }

    #[test]
    fn the_documented_rules_are_checked() {
        let field = |b: FirmwareBundle| match b.validate().unwrap_err() {
            Error::InvalidInput { field, .. } => field,
            e => panic!("{e:?}"),
        };
        assert_eq!(
            field(FirmwareBundle::new("1.0 beta").file("a.bin", FileType::Application, [1u8])),
            "fwversion"
        );
        assert_eq!(
            field(FirmwareBundle::new("x".repeat(61)).file("a.bin", FileType::Application, [1u8])),
            "fwversion"
        );
        assert_eq!(field(FirmwareBundle::new("1")), "files");
        assert_eq!(
            field(FirmwareBundle::new("1").file("a.hex", FileType::Application, [1u8])),
            "files[0].file"
        );
        assert_eq!(
            field(app().file("b.bin", FileType::Mcuboot, [1u8])),
            "files"
        );
        assert_eq!(
            field(FirmwareBundle::new("1").file("s.bin", FileType::Softdevice, [1u8])),
            "files"
        );
        let ble = FirmwareBundle::new("1")
            .file("init.bin", FileType::InitPacket, [1u8])
            .file("app.bin", FileType::Application, [2u8]);
        assert!(ble.validate().is_ok());
        assert_eq!(
            field(ble.file("boot.bin", FileType::Mcuboot, [3u8])),
            "files"
        );
        assert_eq!(
            field(FirmwareBundle::new("1").file("i.bin", FileType::InitPacket, [1u8])),
            "files"
        );
    }

    #[test]
    fn too_large_bundles_are_refused_before_upload() {
        // Incompressible bytes (xorshift), so the zip stays over the limit.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let big: Vec<u8> = (0..1_200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let err = FirmwareBundle::new("1")
            .file("a.bin", FileType::Application, big)
            .to_zip()
            .unwrap_err();
        assert!(err.to_string().contains("at most 999999"), "{err}");
    }

    #[test]
    fn bundle_ids_are_read_off_uris() {
        assert_eq!(
            bundle_id_from_uri("https://firmware.example/t-1/APP*1e29dfa3*v1.0.0/app_update.bin")
                .as_deref(),
            Some("APP*1e29dfa3*v1.0.0")
        );
        assert_eq!(
            bundle_id_from_uri("files/firmware/t/APP%2Aabcdef12%2A1.0/a.bin").as_deref(),
            Some("APP*abcdef12*1.0")
        );
        assert_eq!(bundle_id_from_uri("https://x/y/z.bin"), None);
    }
}
