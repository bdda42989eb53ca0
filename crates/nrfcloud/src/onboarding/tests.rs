//! Tests of the onboarding rows, CSV and bulk-report logic (no server).
use super::*;

const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB7DCCAZMCFDabc\n-----END CERTIFICATE-----";
const KEY: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ\n-----END PUBLIC KEY-----\n";

#[test]
fn rows_are_checked_field_by_field() {
    let ok = OnboardingRow::new("nrf-1", DeviceCredential::Certificate(CERT.into()))
        .tags(["a.b@c:d#e-f_g"])
        .firmware_types(["APP"]);
    assert!(ok.validate().is_ok());
    let bad = |r: OnboardingRow| r.validate().unwrap_err().field;
    assert_eq!(
        bad(OnboardingRow::new(
            "bad id",
            DeviceCredential::PublicKey(KEY.into())
        )),
        "deviceId"
    );
    assert_eq!(bad(ok.clone().tags(["ok", "no|pipes"])), "tags[1]");
    assert_eq!(
        bad(ok.clone().firmware_types(["APP", "SMP"])),
        "supportedFirmwareTypes[1]"
    );
    assert_eq!(
        bad(OnboardingRow::new(
            "d",
            DeviceCredential::Certificate(KEY.into())
        )),
        "certificate"
    );
    assert_eq!(
        bad(OnboardingRow::new(
            "d",
            DeviceCredential::OnboardingToken(String::new())
        )),
        "onboardingToken"
    );
    assert_eq!(bad(ok.clone().sub_type("x".repeat(800))), "subType");
    assert!(
        OnboardingRow::new("NRF-UPPER-1", DeviceCredential::PublicKey(KEY.into()))
            .validate()
            .is_ok(),
        "case-insensitive"
    );
}

#[test]
fn csv_quotes_pem_blocks_and_adds_a_header_only_for_tokens() {
    let rows = vec![
        OnboardingRow::new("nrf-1", DeviceCredential::Certificate(CERT.into()))
            .sub_type("my,type")
            .tags(["t1", "t2"])
            .firmware_types(["APP", "MODEM"]),
    ];
    let csv = onboarding_csv(&rows).unwrap();
    assert_eq!(
        csv,
        "nrf-1,\"my,type\",t1|t2,APP|MODEM,\"-----BEGIN CERTIFICATE-----\nMIIB7DCCAZMCFDabc\n-----END CERTIFICATE-----\n\"\n"
    );
    let mut with_token = rows.clone();
    with_token.push(OnboardingRow::new(
        "nrf-2",
        DeviceCredential::OnboardingToken("tok.en".into()),
    ));
    let csv = onboarding_csv(&with_token).unwrap();
    assert!(
        csv.starts_with(
            "deviceId,subType,tags,supportedFirmwareTypes,certificate,onboardingToken\n"
        )
    );
    assert!(csv.ends_with("nrf-2,,,,,tok.en\n"));
    let back: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        &back[0][4], "-----BEGIN CERTIFICATE-----\nMIIB7DCCAZMCFDabc\n-----END CERTIFICATE-----\n",
        "the PEM round-trips"
    );
}

#[test]
fn a_bad_row_is_named_and_duplicates_are_refused() {
    let mut rows: Vec<_> = (0..5)
        .map(|i| OnboardingRow::new(format!("nrf-{i}"), DeviceCredential::PublicKey(KEY.into())))
        .collect();
    rows[3].tags = vec!["bad tag".into()];
    match onboarding_csv(&rows).unwrap_err() {
        Error::InvalidInput { field, .. } => assert_eq!(field, "rows[3].tags[0]"),
        e => panic!("{e:?}"),
    }
    rows[3].tags.clear();
    rows[4].device_id = "NRF-0".into();
    assert!(
        matches!(onboarding_csv(&rows).unwrap_err(), Error::InvalidInput { field, .. } if field == "rows[4].deviceId")
    );
}

#[test]
fn key_csv_has_no_header() {
    let csv = key_csv(&[("nrf-1".into(), KEY.into())], "PUBLIC KEY").unwrap();
    assert_eq!(csv, format!("nrf-1,\"{KEY}\"\n"));
    assert!(key_csv(&[("nrf-1".into(), CERT.into())], "PUBLIC KEY").is_err());
}

#[test]
fn only_succeeded_and_failed_end_a_request() {
    assert!(is_finished(&status("SUCCEEDED")) && is_finished(&status("FAILED")));
    assert!(!is_finished(&status("IN_PROGRESS")));
    // A status this version does not know is kept, and waited on.
    assert!(!is_finished(&status("PAUSED")));
    assert_eq!(status("PAUSED"), "PAUSED");
    assert_eq!(status("FAILED"), status("FAILED"));
    assert_ne!(status("FAILED"), status("SUCCEEDED"));
}

#[test]
fn csv_rows_list_the_documents_six_firmware_types() {
    let row = |t: &str| {
        OnboardingRow::new("nrf-1", DeviceCredential::Certificate(CERT.into()))
            .firmware_types([t])
            .validate()
    };
    for t in [
        "APP",
        "MODEM",
        "BOOT",
        "SOFTDEVICE",
        "BOOTLOADER",
        "MDM_FULL",
    ] {
        assert_eq!(row(t), Ok(()), "{t}");
    }
    for t in ["SMP", "CUSTOM", "app", ""] {
        let e = row(t).unwrap_err();
        assert_eq!(e.field, "supportedFirmwareTypes[0]");
        assert!(
            e.reason
                .ends_with("is not one of APP, MODEM, BOOT, SOFTDEVICE, BOOTLOADER, MDM_FULL"),
            "{}",
            e.reason
        );
    }
}

/// A status as the server sends it.
fn status(s: &str) -> types::BulkOpsRequestStatus {
    serde_json::from_value(serde_json::Value::from(s)).unwrap()
}

#[test]
fn every_row_lands_in_the_report() {
    let ids = || vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let summary = |text: &[u8]| {
        Some(read_error_summary(text, &ids(), 10).map_err(|e| (e, "raw".to_string())))
    };
    let o = RequestOutcome::new(
        "r",
        &status("FAILED"),
        ids(),
        summary(br#"{"errors": ["[1]: bad"]}"#),
    );
    assert_eq!(o.succeeded, ["a", "c"]);
    assert_eq!(o.failed.len(), 1);
    assert_eq!(
        (o.failed[0].device_id.as_str(), o.failed[0].reason.as_str()),
        ("b", "bad")
    );

    // A FAILED request whose summary maps no row: every row failed, the entry kept.
    let o = RequestOutcome::new(
        "r",
        &status("FAILED"),
        ids(),
        summary(br#"{"errors": ["[9]: x"]}"#),
    );
    assert_eq!(
        (o.succeeded.len(), o.failed.len(), o.unmapped.len()),
        (0, 3, 1)
    );
    assert!(o.failed[0].reason.contains("names none of its rows"));

    // An unreadable file: every row failed, the raw text kept.
    let o = RequestOutcome::new("r", &status("FAILED"), ids(), summary(b"<html>"));
    assert_eq!((o.failed.len(), o.unmapped.len()), (3, 1));
    assert_eq!(o.unmapped[0].text, "raw");
    assert!(o.failed[2].reason.contains("could not be read"));

    // Entries naming no row are kept up to the setting, the rest counted in a last entry
    // that names it.
    let many = br#"{"errors": ["[1]: bad", "x1", "x2", "x3", "x4", "x5"]}"#;
    let read = read_error_summary(many, &ids(), 2).map_err(|e| (e, String::new()));
    let o = RequestOutcome::new("r", &status("FAILED"), ids(), Some(read));
    assert_eq!(o.failed.len(), 1);
    let texts: Vec<&str> = o.unmapped.iter().map(|u| u.text.as_str()).collect();
    assert_eq!(texts, ["x1", "x2", ""]);
    assert!(o.unmapped[2].reason.starts_with("3 more entries"));
    assert!(
        o.unmapped[2]
            .reason
            .contains("BulkOptions::max_unmapped_errors")
    );

    // No summary at all.
    let o = RequestOutcome::new("r", &status("FAILED"), ids(), None);
    assert!(
        o.failed
            .iter()
            .all(|f| f.reason.contains("without an error summary"))
    );
    let o = RequestOutcome::new("r", &status("SUCCEEDED"), ids(), None);
    assert_eq!(o.succeeded.len(), 3);
}
