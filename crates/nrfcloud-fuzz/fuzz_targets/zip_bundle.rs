//! Firmware bundle zips, read by the mock (`nrfcloud_mock::check_firmware_bundle`, what its
//! UploadFirmware does) and by the wrapper (`FirmwareBundle::from_zip_with_limits`), with the
//! same limits: neither panics; what either accepts stays within the limits (entries, bytes
//! per file and in all, distinct plain `.bin` names); and the wrapper, the stricter of the two,
//! accepts nothing the mock refuses, with the same files and sizes.
//!
//! Input: a first byte choosing the limits (default, or small ones so the totals are reached),
//! then either a zip as it is (second byte even) or a description the target turns into a zip
//! (odd): a manifest and entries separated by `\0`, `name\0content\0…`, where a content of
//! `\x01` followed by a 3-byte length is that many zeros deflated (a small bomb).

#![no_main]

use libfuzzer_sys::fuzz_target;
use nrfcloud::firmware::{BundleLimits, FirmwareBundle};
use nrfcloud_testkit::zips::{ZipEntry, write_zip};

/// The most zeros one described entry inflates to.
const MAX_ZEROS: u64 = 2 << 20;

fn limits(selector: u8) -> BundleLimits {
    if selector & 1 == 0 {
        return BundleLimits::default();
    }
    BundleLimits {
        max_entries: usize::from(selector >> 4) + 1,
        max_manifest_bytes: 64 + u64::from(selector & 0x0e) * 64,
        max_file_bytes: 16 << (selector >> 5),
        max_total_bytes: 24 << (selector >> 5),
    }
}

/// A zip from the described form.
fn described_zip(text: &[u8]) -> Vec<u8> {
    let mut parts = text.split(|b| *b == 0);
    let manifest = parts.next().unwrap_or_default();
    let mut entries = vec![ZipEntry::stored("manifest.json", manifest)];
    while let (Some(name), Some(content)) = (parts.next(), parts.next()) {
        let entry = match content {
            [1, a, b, c] => {
                let len = u64::from(u32::from_le_bytes([*a, *b, *c, 0])).min(MAX_ZEROS);
                ZipEntry::zeros(name, len)
            }
            [2, rest @ ..] => ZipEntry::deflated(name, rest),
            _ => ZipEntry::stored(name, content),
        };
        entries.push(entry);
        if entries.len() > 40 {
            break;
        }
    }
    write_zip(&entries)
}

fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['/', '\\'])
        && name != "."
        && name != ".."
        && !name.chars().any(char::is_control)
}

fuzz_target!(|data: &[u8]| {
    let [selector, form, rest @ ..] = data else {
        return;
    };
    let limits = limits(*selector);
    let zip = if form & 1 == 0 { rest.to_vec() } else { described_zip(rest) };

    let mock_limits = nrfcloud_mock::BundleRules {
        max_entries: limits.max_entries,
        max_manifest_bytes: limits.max_manifest_bytes,
        max_file_bytes: limits.max_file_bytes,
        max_total_bytes: limits.max_total_bytes,
    };
    let mock = nrfcloud_mock::check_firmware_bundle(&zip, &mock_limits);
    if let Ok(files) = &mock {
        assert!(!files.is_empty() && files.len() < limits.max_entries);
        let mut total = 0u64;
        for (i, (name, size)) in files.iter().enumerate() {
            assert!(plain(name) && name.ends_with(".bin"), "mock accepted {name:?}");
            assert!(files[..i].iter().all(|(n, _)| n != name), "mock accepted {name:?} twice");
            assert!(*size as u64 <= limits.max_file_bytes);
            total += *size as u64;
        }
        assert!(total <= limits.max_total_bytes);
    }

    let wrapper = FirmwareBundle::from_zip_with_limits(&zip, limits);
    if let Ok(bundle) = &wrapper {
        let manifest = bundle.manifest();
        let files = manifest["files"].as_array().expect("a manifest lists files");
        let listed: Vec<(String, usize)> = files
            .iter()
            .map(|f| {
                let name = f["file"].as_str().expect("a file name").to_owned();
                let size = f["size"].as_u64().expect("a size") as usize;
                (name, size)
            })
            .collect();
        assert_eq!(
            mock.as_ref().ok(),
            Some(&listed),
            "the wrapper accepted a bundle the mock refuses ({:?})",
            mock.as_ref().err()
        );
    }
});
