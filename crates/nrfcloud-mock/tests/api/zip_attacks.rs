//! Hostile firmware bundles (issue #18, items 3 and 17), sent to the mock binary: zip bombs,
//! sizes that lie, too many or repeated entries, and names that climb out of the bundle. Each
//! is refused with 422 / 42200 naming what it broke, and the server still answers afterwards.

use nrfcloud_mock::{BundleRules, MockConfig};
use nrfcloud_testkit::zips::{ZipEntry, firmware_bundle, firmware_manifest, write_zip};
use reqwest::Method;

use crate::binary::MockProcess;
use crate::common::{Api, Resp, fast, send};

const MIB: u64 = 1 << 20;

async fn upload(mock: &MockProcess, zip: Vec<u8>) -> Resp {
    send(
        mock.key(Method::POST, "/firmwares")
            .header("content-type", "application/zip")
            .body(zip),
    )
    .await
}

/// Asserts a 422 / 42200 whose message holds `words`, then that the server still answers.
async fn assert_refused(mock: &MockProcess, r: &Resp, words: &str) {
    assert_eq!((r.status, r.code()), (422, Some(42200)), "{:?}", r.json());
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains(words), "{message:?} should say {words:?}");
    let account = send(mock.key(Method::GET, "/account")).await;
    assert_eq!(account.status, 200);
    let listed = send(mock.key(Method::GET, "/firmwares")).await;
    assert_eq!(
        listed.json()["items"],
        serde_json::json!([]),
        "nothing was stored"
    );
}

#[tokio::test]
async fn zip_bomb_manifest_listing_one_entry_24_times_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let bomb = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["bomb.bin"; 24])),
        ZipEntry::zeros("bomb.bin", 64 * MIB),
    ]);
    assert!(bomb.len() < 100_000, "the bomb is small on the wire");
    let r = upload(&mock, bomb).await;
    assert_refused(&mock, &r, "listed more than once").await;
}

#[tokio::test]
async fn zip_bomb_of_one_64_mib_entry_is_refused_by_the_file_limit() {
    let mock = MockProcess::spawn(&[]).await;
    let bomb = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["bomb.bin"])),
        ZipEntry::zeros("bomb.bin", 64 * MIB),
    ]);
    let r = upload(&mock, bomb).await;
    assert_refused(
        &mock,
        &r,
        "more than 999999 bytes (bundle limit max_file_bytes)",
    )
    .await;
}

#[tokio::test]
async fn zip_bomb_of_fourteen_distinct_64_mib_entries_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let names: Vec<String> = (0..14).map(|i| format!("bomb{i:02}.bin")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut entries = vec![ZipEntry::deflated(
        "manifest.json",
        &firmware_manifest(&refs),
    )];
    entries.extend(names.iter().map(|n| ZipEntry::zeros(n, 64 * MIB)));
    let bomb = write_zip(&entries);
    assert!(
        bomb.len() < 999_999,
        "under the upload limit: {} bytes",
        bomb.len()
    );
    let r = upload(&mock, bomb).await;
    assert_refused(&mock, &r, "bomb00.bin unpacks to more than 999999 bytes").await;
}

#[tokio::test]
async fn zip_entry_declaring_ten_bytes_that_inflate_to_64_mib_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let liar = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::zeros("app.bin", 64 * MIB).declaring_size(10),
    ]);
    let r = upload(&mock, liar).await;
    assert_refused(&mock, &r, "max_file_bytes").await;
}

#[tokio::test]
async fn zip_of_files_unpacking_to_more_than_4_mib_in_all_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let names: Vec<String> = (0..5).map(|i| format!("part{i}.bin")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut entries = vec![ZipEntry::deflated(
        "manifest.json",
        &firmware_manifest(&refs),
    )];
    entries.extend(names.iter().map(|n| ZipEntry::zeros(n, 999_999)));
    let r = upload(&mock, write_zip(&entries)).await;
    assert_refused(
        &mock,
        &r,
        "4194304 bytes in all (bundle limit max_total_bytes)",
    )
    .await;
}

#[tokio::test]
async fn zip_with_seventeen_entries_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let mut entries = vec![
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"app"),
    ];
    entries.extend((0..15).map(|i| ZipEntry::stored(format!("extra{i}.txt"), b"x")));
    let r = upload(&mock, write_zip(&entries)).await;
    assert_refused(&mock, &r, "17 entries; at most 16").await;
}

#[tokio::test]
async fn zip_with_two_entries_of_the_same_name_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let twins = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"the image a reviewer saw"),
        ZipEntry::stored("app.bin", b"the image that gets stored"),
    ]);
    let r = upload(&mock, twins).await;
    assert_refused(&mock, &r, "more than one entry named \"app.bin\"").await;
}

#[tokio::test]
async fn zip_entry_named_dot_dot_slash_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let zip = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["../app.bin"])),
        ZipEntry::stored("../app.bin", b"app"),
    ]);
    let r = upload(&mock, zip).await;
    assert_refused(&mock, &r, "\"../app.bin\" has a dot segment").await;
}

#[tokio::test]
async fn zip_entry_climbing_out_that_the_manifest_does_not_name_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let zip = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"app"),
        ZipEntry::stored("../../outside.bin", b"x"),
    ]);
    let r = upload(&mock, zip).await;
    assert_refused(&mock, &r, "\"../../outside.bin\" has a dot segment").await;
}

#[tokio::test]
async fn zip_entry_with_a_backslash_path_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let zip = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["..\\app.bin"])),
        ZipEntry::stored("..\\app.bin", b"app"),
    ]);
    let r = upload(&mock, zip).await;
    assert_refused(&mock, &r, "has a backslash").await;
}

#[tokio::test]
async fn manifest_naming_a_file_in_a_folder_is_refused() {
    let mock = MockProcess::spawn(&[]).await;
    let zip = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["fw/app.bin"])),
        ZipEntry::stored("fw/app.bin", b"app"),
    ]);
    let r = upload(&mock, zip).await;
    assert_refused(
        &mock,
        &r,
        "files[0].file \"fw/app.bin\" has a path separator",
    )
    .await;
}

/// A choice of the mock's (the service's rule is not documented): entries in folders that
/// the manifest does not name (such as the `__MACOSX/` folder macOS adds) are ignored.
#[tokio::test]
async fn entries_in_folders_the_manifest_does_not_name_are_ignored() {
    let mock = MockProcess::spawn(&[]).await;
    let zip = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["app.bin"])),
        ZipEntry::stored("app.bin", b"app"),
        ZipEntry::stored("__MACOSX/._app.bin", b"resource fork"),
    ]);
    let r = upload(&mock, zip).await;
    assert_eq!(r.status, 202, "{:?}", r.json());
    assert_eq!(r.json()["uris"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bundle_limits_are_settable() {
    let image = vec![0u8; 2 * MIB as usize];
    let zip = firmware_bundle(&[("big.bin", &image)]);
    let api = Api::with(fast(0)).await;
    let r = send(
        api.key(Method::POST, "/firmwares")
            .header("content-type", "application/zip")
            .body(zip.clone()),
    )
    .await;
    assert_eq!(r.status, 422, "{:?}", r.json());
    let api = Api::with(MockConfig {
        bundle_limits: BundleRules {
            max_file_bytes: 4 * MIB,
            ..BundleRules::default()
        },
        ..fast(0)
    })
    .await;
    let r = send(
        api.key(Method::POST, "/firmwares")
            .header("content-type", "application/zip")
            .body(zip),
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json());
}
