//! Facts of the binary format of A-GNSS assistance data (GetAssistanceData answers): a
//! schema-version byte, then elements of `type: u8`, `count: u16` little-endian and `count`
//! fixed-length records. The one copy of the record-length table: the wrapper's parser, the
//! mock's generator and the fuzz oracle all read it.

/// The schema version in the first byte.
pub const SCHEMA_VERSION: u8 = 1;

/// `(type id, record length in bytes)` of every supported element type, by type id: UTC
/// parameters, ephemerides, almanac, Klobuchar corrections, GPS time of week, GPS system
/// clock, approximate location, integrity.
pub const RECORD_LENGTHS: [(u8, usize); 8] = [
    (1, 14),
    (2, 62),
    (3, 31),
    (4, 8),
    (6, 4),
    (7, 16),
    (8, 15),
    (9, 4),
];

/// The record length of a supported type id.
pub const fn record_len(type_id: u8) -> Option<usize> {
    let mut i = 0;
    while i < RECORD_LENGTHS.len() {
        if RECORD_LENGTHS[i].0 == type_id {
            return Some(RECORD_LENGTHS[i].1);
        }
        i += 1;
    }
    None
}

/// [`record_len`] of a type the table has, for constants (fails to compile otherwise).
pub const fn known_record_len(type_id: u8) -> usize {
    match record_len(type_id) {
        Some(len) => len,
        None => panic!("not an A-GNSS element type"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_type_has_its_length_and_others_none() {
        for (id, len) in RECORD_LENGTHS {
            assert_eq!(record_len(id), Some(len));
        }
        for id in [0, 5, 10, 255] {
            assert_eq!(record_len(id), None, "{id}");
        }
    }
}
