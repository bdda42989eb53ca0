//! Conformance of the A-GNSS parser with the shared location-services fixtures (binary
//! bodies of `POST /v1/location/agnss` captured upstream): the valid files parse to the
//! entries their README documents, the legacy ones are rejected.
//!
//! Ignored by default; CI runs it with
//! `cargo test -p nrfcloud --test agnss_fixtures -- --ignored`. The fixtures are read from
//! `$NRFCLOUD_SHARED/fixtures/location-services` (default: `../shared` beside the workspace).
//! A missing directory or file fails the test.

use std::path::{Path, PathBuf};

use nrfcloud::agnss::{AgnssData, AgnssElementType, AgnssParseError, AgnssRecords};

fn fixtures_dir() -> PathBuf {
    nrfcloud_testkit::shared_dir("fixtures/location-services")
}

fn read(dir: &Path, name: &str, size: usize) -> Vec<u8> {
    let path = dir.join(name);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("A-GNSS fixtures: cannot read {}: {e}", path.display()));
    assert_eq!(
        bytes.len(),
        size,
        "A-GNSS fixtures: {} should be {size} bytes",
        path.display()
    );
    bytes
}

/// `(type, count, offset, byte length)` of every element.
fn layout(data: &AgnssData) -> Vec<(AgnssElementType, usize, usize, usize)> {
    data.elements
        .iter()
        .map(|e| (e.element_type(), e.count(), e.offset, e.byte_len()))
        .collect()
}

#[test]
#[ignore = "needs ../shared/fixtures/location-services; CI runs it with --ignored"]
fn shared_agnss_fixtures() {
    use AgnssElementType as T;
    let dir = fixtures_dir();
    println!(
        "A-GNSS fixtures in {}",
        dir.canonicalize().unwrap_or_else(|_| dir.clone()).display()
    );

    // nrfc_agnsspayload1.bin: valid, 1 entry: Ephemerides × 30 at offset 1 (1 + 3 + 30·62).
    let bytes = read(&dir, "nrfc_agnsspayload1.bin", 1864);
    let data = AgnssData::parse(&bytes)
        .unwrap_or_else(|e| panic!("nrfc_agnsspayload1.bin must parse: {e}"));
    assert_eq!(data.schema_version, 1);
    assert_eq!(layout(&data), vec![(T::Ephemerides, 30, 1, 1863)]);
    assert_eq!(data.byte_len(), bytes.len());
    let Some(AgnssRecords::Ephemerides(eph)) = data.records(T::Ephemerides) else {
        panic!("nrfc_agnsspayload1.bin: no ephemerides")
    };
    let svs: Vec<u8> = eph.iter().map(|e| e.sv_id).collect();
    assert!(svs.iter().all(|sv| (1..=32).contains(sv)), "{svs:?}");
    // Beyond the README (a sanity check of the record layout): GPS orbits have a square root
    // of the semi-major axis near 5153.7 m^1/2, a small eccentricity, and toc = toe here.
    for e in eph {
        let sqrt_a = f64::from(e.sqrt_a) / f64::from(1u32 << 19);
        let ecc = f64::from(e.e) / 2f64.powi(33);
        assert!((5150.0..5160.0).contains(&sqrt_a), "{e:?}");
        assert!(ecc < 0.05 && e.toc == e.toe, "{e:?}");
    }
    println!(
        "ok  nrfc_agnsspayload1.bin  1864 B  valid: schema 1, [Ephemerides × 30 @1]; satellites {svs:?}"
    );

    // nrfc_agnsspayload2.bin: valid, 7 entries in this order, ending exactly at 1160.
    let bytes = read(&dir, "nrfc_agnsspayload2.bin", 1160);
    let data = AgnssData::parse(&bytes)
        .unwrap_or_else(|e| panic!("nrfc_agnsspayload2.bin must parse: {e}"));
    assert_eq!(data.schema_version, 1);
    assert_eq!(
        layout(&data),
        vec![
            (T::Almanac, 31, 1, 964),
            (T::GpsTimeOfWeek, 30, 965, 123),
            (T::GpsSystemClock, 1, 1088, 19),
            (T::Location, 1, 1107, 18),
            (T::UtcParameters, 1, 1125, 17),
            (T::KlobucharCorrection, 1, 1142, 11),
            (T::Integrity, 1, 1153, 7),
        ]
    );
    assert_eq!(data.byte_len(), 1160);
    let Some(AgnssRecords::Almanac(alm)) = data.records(T::Almanac) else {
        panic!("nrfc_agnsspayload2.bin: no almanac")
    };
    for a in alm {
        let sqrt_a = f64::from(a.sqrt_a) / f64::from(1u32 << 11);
        assert!((5150.0..5160.0).contains(&sqrt_a), "{a:?}");
    }
    let type_ids: Vec<u8> = data.entries().iter().map(|(t, _)| t.id()).collect();
    assert_eq!(type_ids, [3, 6, 7, 8, 1, 4, 9]);
    // Beyond the README (a sanity check of the record layout): the location is the
    // Trondheim area the other fixtures of this directory sit in.
    let Some(AgnssRecords::Location(loc)) = data.records(T::Location) else {
        panic!("nrfc_agnsspayload2.bin: no location")
    };
    let (lat, lon) = (loc[0].latitude_degrees(), loc[0].longitude_degrees());
    assert!(
        (63.0..64.0).contains(&lat) && (10.0..11.0).contains(&lon),
        "{lat}, {lon}"
    );
    println!(
        "ok  nrfc_agnsspayload2.bin  1160 B  valid: schema 1, [Almanac × 31 @1, GPS time of week × 30 @965, \
         system clock × 1 @1088, location × 1 @1107, UTC × 1 @1125, Klobuchar × 1 @1142, integrity × 1 @1153]; \
         location {lat:.4}, {lon:.4}"
    );

    // agnsspayload1.bin: legacy; UTC × 1 and Almanac × 31 parse, then type 0xFD at 982.
    let bytes = read(&dir, "agnsspayload1.bin", 1150);
    let e = AgnssData::parse(&bytes).expect_err("agnsspayload1.bin must be rejected");
    assert!(e.is_legacy(), "agnsspayload1.bin: {e}");
    assert_eq!(e.offset(), 982, "{e}");
    let AgnssParseError::Legacy { cause, .. } = &e else {
        unreachable!()
    };
    assert_eq!(
        **cause,
        AgnssParseError::UnsupportedType {
            offset: 982,
            type_id: 0xFD
        }
    );
    let prefix = AgnssData::parse(&bytes[..982])
        .unwrap_or_else(|e| panic!("agnsspayload1.bin before offset 982 parses: {e}"));
    assert_eq!(
        prefix.entries(),
        vec![(T::UtcParameters, 1), (T::Almanac, 31)]
    );
    println!("ok  agnsspayload1.bin  1150 B  rejected: {e}");

    // agnsspayload2.bin: legacy; Ephemerides × 30 need 1864 bytes, the file is 40 short.
    let bytes = read(&dir, "agnsspayload2.bin", 1824);
    let e = AgnssData::parse(&bytes).expect_err("agnsspayload2.bin must be rejected");
    assert!(e.is_legacy(), "agnsspayload2.bin: {e}");
    assert_eq!(e.offset(), 1, "{e}");
    let AgnssParseError::Legacy { cause, .. } = &e else {
        unreachable!()
    };
    assert_eq!(
        **cause,
        AgnssParseError::TruncatedRecords {
            offset: 1,
            element_type: T::Ephemerides,
            count: 30,
            needed: 1860,
            available: 1820
        }
    );
    assert!(
        e.to_string()
            .contains("40 bytes too short to contain 30 records of Ephemerides")
    );
    println!("ok  agnsspayload2.bin  1824 B  rejected: {e}");

    let others: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".bin"))
                .filter(|n| {
                    ![
                        "nrfc_agnsspayload1.bin",
                        "nrfc_agnsspayload2.bin",
                        "agnsspayload1.bin",
                        "agnsspayload2.bin",
                    ]
                    .contains(&n.as_str())
                })
                .collect()
        })
        .unwrap_or_default();
    if !others.is_empty() {
        println!("note: .bin files not checked (not documented): {others:?}");
    }
    println!(
        "A-GNSS fixtures: 2 valid files parsed to their documented entries, 2 legacy files rejected"
    );
}
