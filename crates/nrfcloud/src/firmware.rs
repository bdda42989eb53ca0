//! Firmware bundles: a builder that writes the zip with its `manifest.json` and checks the
//! documentation's rules before upload, and the upload itself (the raw zip, not JSON).
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client, image: Vec<u8>) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::firmware::{FileType, FirmwareBundle};
//! let bundle = FirmwareBundle::new("1.2.0").name("sensor app").file("app_update.bin", FileType::Application, image);
//! let uploaded = client.upload_firmware(&bundle).await?;
//! println!("bundle {}", uploaded.bundle_id.unwrap_or_default());
//! # Ok(()) }
//! ```

use std::io::Write;

use nrfcloud_api::types;
use serde_json::json;

use crate::{Client, Error};

/// The largest zip the API takes: its base64 form is limited to 1,333,333 characters.
pub const MAX_BUNDLE_BYTES: usize = 999_999;

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
}

/// A firmware bundle to upload.
#[derive(Clone, PartialEq, Eq)]
pub struct FirmwareBundle {
    fwversion: String,
    name: Option<String>,
    description: Option<String>,
    files: Vec<(String, FileType, Vec<u8>)>,
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
        }
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
        let mut names = std::collections::HashSet::new();
        for (i, (name, _, data)) in self.files.iter().enumerate() {
            if !name.ends_with(".bin") || name.len() <= 4 || name.contains(['/', '\\']) {
                return bad(
                    &format!("files[{i}].file"),
                    format!("{name:?}: file names are plain names ending in .bin"),
                );
            }
            if name == "manifest.json" || !names.insert(name.as_str()) {
                return bad(
                    &format!("files[{i}].file"),
                    format!("{name:?} appears twice"),
                );
            }
            if data.is_empty() {
                return bad(&format!("files[{i}].size"), format!("{name:?} is empty"));
            }
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

/// An uploaded bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFirmware {
    /// The bundle id, read off the returned URIs (`TYPE*xxxxxxxx*version`).
    pub bundle_id: Option<String>,
    /// Where the files are stored.
    pub uris: Vec<String>,
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
            [
                "APP",
                "MODEM",
                "BOOT",
                "SOFTDEVICE",
                "BOOTLOADER",
                "MDM_FULL",
                "SMP",
                "CUSTOM",
            ]
            .contains(&kind)
                && hex.len() == 8
                && hex.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

impl Client {
    /// Checks and uploads a bundle as a raw zip (`Content-Type: application/zip`).
    pub async fn upload_firmware(
        &self,
        bundle: &FirmwareBundle,
    ) -> Result<UploadedFirmware, Error> {
        let zip = bundle.to_zip()?;
        self.upload_firmware_zip(zip).await
    }

    /// Uploads a zip made elsewhere (checked only for size).
    pub async fn upload_firmware_zip(&self, zip: Vec<u8>) -> Result<UploadedFirmware, Error> {
        if zip.len() > MAX_BUNDLE_BYTES {
            return Err(Error::invalid(
                Some("UploadFirmware"),
                "bundle",
                format!("{} bytes is over the limit", zip.len()),
            ));
        }
        let ct = types::RestApiPayloadContentTypeWithZip::ApplicationZip;
        let response = self
            .execute(|api| api.upload_firmware().content_type(ct).body(zip))
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
