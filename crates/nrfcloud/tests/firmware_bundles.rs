//! Hostile firmware bundles in the wrapper (issue #18, items 3 and 17): zips read with
//! `FirmwareBundle::from_zip` and files checked by `FirmwareBundle::validate` stay within
//! `BundleLimits` (counting bytes while inflating), refuse repeated and path-like names, and
//! fail with `Error::InvalidInput` naming the limit, before anything is sent. The wrapper's
//! bounds are the mock's.

use nrfcloud::Error;
use nrfcloud::firmware::{BundleLimits, FileType, FirmwareBundle};
use nrfcloud_testkit::zips::{ZipEntry, firmware_bundle, firmware_manifest, write_zip};

const MIB: u64 = 1 << 20;

/// The field and reason of an `InvalidInput`.
fn invalid(result: Result<FirmwareBundle, Error>) -> (String, String) {
    match result {
        Err(Error::InvalidInput { field, reason, .. }) => (field, reason),
        Err(other) => panic!("expected InvalidInput, got {other:?}"),
        Ok(bundle) => panic!("expected a refusal, got {bundle:?}"),
    }
}

fn assert_refused(result: Result<FirmwareBundle, Error>, field: &str, words: &str) {
    let (f, reason) = invalid(result);
    assert_eq!(f, field, "{reason}");
    assert!(reason.contains(words), "{reason:?} should say {words:?}");
}

#[test]
fn zip_bomb_manifest_listing_one_entry_24_times_is_refused() {
    let bomb = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["bomb.bin"; 24])),
        ZipEntry::zeros("bomb.bin", 64 * MIB),
    ]);
    assert_refused(
        FirmwareBundle::from_zip(&bomb),
        "files[1].file",
        "listed more than once",
    );
}

#[test]
fn zip_bomb_of_one_64_mib_entry_is_refused_by_the_file_limit() {
    let bomb = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["bomb.bin"])),
        ZipEntry::zeros("bomb.bin", 64 * MIB),
    ]);
    assert_refused(
        FirmwareBundle::from_zip(&bomb),
        "files[0].size",
        "more than 999999 bytes (BundleLimits::max_file_bytes)",
    );
}

#[test]
fn zip_bomb_of_fourteen_distinct_64_mib_entries_is_refused() {
    let names: Vec<String> = (0..14).map(|i| format!("bomb{i:02}.bin")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut entries = vec![ZipEntry::deflated(
        "manifest.json",
        &firmware_manifest(&refs),
    )];
    entries.extend(names.iter().map(|n| ZipEntry::zeros(n, 64 * MIB)));
    assert_refused(
        FirmwareBundle::from_zip(&write_zip(&entries)),
        "files[0].size",
        "max_file_bytes",
    );
}

#[test]
fn zip_entry_declaring_ten_bytes_that_inflate_to_64_mib_is_refused() {
    let liar = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::zeros("app.bin", 64 * MIB).declaring_size(10),
    ]);
    assert_refused(
        FirmwareBundle::from_zip(&liar),
        "files[0].size",
        "max_file_bytes",
    );
}

#[test]
fn zip_of_files_unpacking_to_more_than_4_mib_in_all_is_refused() {
    let names: Vec<String> = (0..5).map(|i| format!("part{i}.bin")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut entries = vec![ZipEntry::deflated(
        "manifest.json",
        &firmware_manifest(&refs),
    )];
    entries.extend(names.iter().map(|n| ZipEntry::zeros(n, 999_999)));
    assert_refused(
        FirmwareBundle::from_zip(&write_zip(&entries)),
        "files",
        "max_total_bytes",
    );
}

#[test]
fn zip_manifest_bomb_is_refused_by_the_manifest_limit() {
    let zip = write_zip(&[ZipEntry::zeros("manifest.json", 64 * MIB)]);
    assert_refused(
        FirmwareBundle::from_zip(&zip),
        "manifest",
        "BundleLimits::max_manifest_bytes",
    );
}

#[test]
fn zip_with_seventeen_entries_is_refused() {
    let mut entries = vec![
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"app"),
    ];
    entries.extend((0..15).map(|i| ZipEntry::stored(format!("extra{i}.txt"), b"x")));
    assert_refused(
        FirmwareBundle::from_zip(&write_zip(&entries)),
        "bundle",
        "17 entries; at most 16",
    );
}

#[test]
fn zip_with_two_entries_of_the_same_name_is_refused() {
    let twins = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"the image a reviewer saw"),
        ZipEntry::stored("app.bin", b"the image that gets stored"),
    ]);
    assert_refused(
        FirmwareBundle::from_zip(&twins),
        "bundle",
        "more than one entry named \"app.bin\"",
    );
}

#[test]
fn zip_entry_named_dot_dot_slash_is_refused() {
    let zip = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"app"),
        ZipEntry::stored("../app.bin", b"app"),
    ]);
    assert_refused(
        FirmwareBundle::from_zip(&zip),
        "bundle",
        "\"../app.bin\" has a dot segment",
    );
}

#[test]
fn manifest_naming_a_file_in_a_folder_is_refused() {
    let zip = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["fw/app.bin"])),
        ZipEntry::stored("fw/app.bin", b"app"),
    ]);
    assert_refused(
        FirmwareBundle::from_zip(&zip),
        "files[0].file",
        "has a path separator",
    );
}

#[test]
fn bundle_file_names_with_paths_are_refused_before_zipping() {
    for name in ["../app.bin", "fw/app.bin", "..\\app.bin", "app\n.bin"] {
        let bundle = FirmwareBundle::new("1.0").file(name, FileType::Application, [1u8]);
        assert_refused(
            bundle.to_zip().map(|_| bundle.clone()),
            "files[0].file",
            "plain names",
        );
    }
}

#[test]
fn bundle_files_past_the_limits_are_refused_before_zipping() {
    let big = FirmwareBundle::new("1.0").file("a.bin", FileType::Application, vec![0u8; 1_000_000]);
    assert_refused(
        big.validate().map(|()| big.clone()),
        "files[0].size",
        "max_file_bytes",
    );

    let mut many = FirmwareBundle::new("1.0");
    for i in 0..16 {
        many = many.file(format!("a{i}.bin"), FileType::Application, [1u8]);
    }
    assert_refused(
        many.validate().map(|()| many.clone()),
        "files",
        "max_entries",
    );

    let mut heavy = FirmwareBundle::new("1.0");
    for i in 0..5 {
        heavy = heavy.file(
            format!("a{i}.bin"),
            FileType::Application,
            vec![0u8; 999_999],
        );
    }
    assert_refused(
        heavy.validate().map(|()| heavy.clone()),
        "files",
        "max_total_bytes",
    );

    let wordy = FirmwareBundle::new("1.0")
        .description("x".repeat(70_000))
        .file("a.bin", FileType::Application, [1u8]);
    assert_refused(
        wordy.validate().map(|()| wordy.clone()),
        "manifest",
        "max_manifest_bytes",
    );
}

#[test]
fn bundle_limits_are_settable() {
    let image = vec![0u8; 2 * MIB as usize];
    let zip = firmware_bundle(&[("big.bin", &image)]);
    assert!(FirmwareBundle::from_zip(&zip).is_err());
    let limits = BundleLimits {
        max_file_bytes: 4 * MIB,
        ..BundleLimits::default()
    };
    let bundle =
        FirmwareBundle::from_zip_with_limits(&zip, limits).expect("within the raised limit");
    assert_eq!(bundle.manifest()["files"][0]["size"], 2 * MIB);
    // The bundle keeps its limits: it writes its zip again.
    assert!(bundle.to_zip().is_ok());
}

#[test]
fn a_bundle_reads_back_from_its_own_zip() {
    let bundle = FirmwareBundle::new("2.1.0")
        .name("sensor")
        .description("with an init packet")
        .file("app.bin", FileType::Application, vec![7u8; 5000])
        .file("app.dat.bin", FileType::InitPacket, vec![1u8; 40]);
    let read = FirmwareBundle::from_zip(&bundle.to_zip().expect("zips")).expect("reads");
    assert_eq!(read, bundle);
    // A folder entry the manifest does not name is ignored, as the mock ignores it.
    let with_folder = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"app"),
        ZipEntry::stored("__MACOSX/._app.bin", b"resource fork"),
    ]);
    assert!(FirmwareBundle::from_zip(&with_folder).is_ok());
}

/// One set of numbers: what the wrapper checks before upload is what the mock enforces.
#[test]
fn the_wrapper_and_the_mock_share_their_bundle_limits() {
    let ours = BundleLimits::default();
    let mock = nrfcloud_mock::BundleRules::default();
    assert_eq!(
        (
            ours.max_entries,
            ours.max_manifest_bytes,
            ours.max_file_bytes,
            ours.max_total_bytes
        ),
        (
            mock.max_entries,
            mock.max_manifest_bytes,
            mock.max_file_bytes,
            mock.max_total_bytes
        )
    );
}

/// The mock's device-JWT lifetime cap is the client's.
#[test]
fn the_mock_caps_device_jwts_at_the_clients_lifetime() {
    assert_eq!(
        nrfcloud_mock::MAX_DEVICE_JWT_LIFETIME,
        nrfcloud::jwt::MAX_LIFETIME
    );
}
