//! `AgnssData::parse`: never panics, and agrees with an independent walk of the format
//! (schema version 1, then `type u8, count u16 LE, count × fixed-length records` until the
//! buffer ends exactly): the same verdict, the same elements and the same offset at fault.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nrfcloud::AgnssData;
use nrfcloud::agnss::AgnssElementType;

/// Record length of a supported type id: the format's one table (the walk below is the
/// independent part of this oracle).
use nrfcloud::api::agnss_format::record_len;

/// `Ok((offset, type id, count) of every element)` or `Err(offset at fault)`.
fn walk(data: &[u8]) -> Result<Vec<(usize, u8, usize)>, usize> {
    if data.first() != Some(&1) {
        return Err(0);
    }
    let mut at = 1;
    let mut out = Vec::new();
    while at < data.len() {
        if data.len() - at < 3 {
            return Err(at);
        }
        let type_id = data[at];
        let count = usize::from(u16::from_le_bytes([data[at + 1], data[at + 2]]));
        let len = record_len(type_id).ok_or(at)?;
        let end = at + 3 + count * len;
        if end > data.len() {
            return Err(at);
        }
        out.push((at, type_id, count));
        at = end;
    }
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let parsed = AgnssData::parse(data);
    match (walk(data), parsed) {
        (Ok(elements), Ok(parsed)) => {
            assert_eq!(parsed.schema_version, 1);
            assert_eq!(parsed.byte_len(), data.len());
            let got: Vec<(usize, u8, usize)> = parsed
                .elements
                .iter()
                .map(|e| (e.offset, e.element_type().id(), e.count()))
                .collect();
            assert_eq!(got, elements);
            let entries = parsed.entries();
            assert_eq!(entries.len(), elements.len());
            for (e, (t, n)) in parsed.elements.iter().zip(&entries) {
                assert_eq!((e.element_type(), e.count()), (*t, *n));
                assert_eq!(e.byte_len(), 3 + n * t.record_len());
                assert_eq!(e.records.is_empty(), *n == 0);
                assert_eq!(AgnssElementType::from_id(t.id()), Some(*t));
                let _ = format!("{t} {:?}", e.records);
            }
            for t in AgnssElementType::ALL {
                let first = parsed.elements.iter().find(|e| e.element_type() == t);
                assert_eq!(parsed.records(t), first.map(|e| &e.records));
            }
        }
        (Err(at), Err(e)) => {
            assert_eq!(e.offset(), at, "{e}");
            assert!(e.offset() <= data.len());
            assert!(!e.to_string().is_empty());
            if data.is_empty() {
                assert!(matches!(e, nrfcloud::AgnssParseError::Empty));
            }
        }
        (Ok(_), Err(e)) => panic!("valid data refused: {e}"),
        (Err(at), Ok(p)) => panic!("invalid data (fault at {at}) accepted: {:?}", p.entries()),
    }
});
