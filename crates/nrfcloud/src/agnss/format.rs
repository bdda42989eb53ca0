//! The A-GNSS binary format: the element types, the parsed data and its errors, and the
//! parser that validates a buffer element by element (see the [module docs](crate::agnss)).

use std::fmt;

use super::records::*;

/// The only schema version of the binary format.
pub const SCHEMA_VERSION: u8 = nrfcloud_api::agnss_format::SCHEMA_VERSION;

const ELEMENT_HEADER_LEN: usize = 3;

/// The type of an element (the first byte of its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AgnssElementType {
    /// 1: GPS UTC parameters.
    UtcParameters,
    /// 2: GPS ephemerides.
    Ephemerides,
    /// 3: GPS almanac.
    Almanac,
    /// 4: Klobuchar ionospheric correction parameters.
    KlobucharCorrection,
    /// 6: GPS time of week, per satellite.
    GpsTimeOfWeek,
    /// 7: GPS system clock and time of week.
    GpsSystemClock,
    /// 8: approximate location (of the cell).
    Location,
    /// 9: satellite integrity data.
    Integrity,
}

impl AgnssElementType {
    /// Every supported type, by type id.
    pub const ALL: [AgnssElementType; 8] = [
        AgnssElementType::UtcParameters,
        AgnssElementType::Ephemerides,
        AgnssElementType::Almanac,
        AgnssElementType::KlobucharCorrection,
        AgnssElementType::GpsTimeOfWeek,
        AgnssElementType::GpsSystemClock,
        AgnssElementType::Location,
        AgnssElementType::Integrity,
    ];

    /// The type for a type id, if the format supports it.
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    /// The type id on the wire.
    pub fn id(self) -> u8 {
        match self {
            AgnssElementType::UtcParameters => 1,
            AgnssElementType::Ephemerides => 2,
            AgnssElementType::Almanac => 3,
            AgnssElementType::KlobucharCorrection => 4,
            AgnssElementType::GpsTimeOfWeek => 6,
            AgnssElementType::GpsSystemClock => 7,
            AgnssElementType::Location => 8,
            AgnssElementType::Integrity => 9,
        }
    }

    /// The length of one record of this type, in bytes.
    pub fn record_len(self) -> usize {
        match self {
            AgnssElementType::UtcParameters => UtcParameters::LEN,
            AgnssElementType::Ephemerides => Ephemeris::LEN,
            AgnssElementType::Almanac => Almanac::LEN,
            AgnssElementType::KlobucharCorrection => KlobucharCorrection::LEN,
            AgnssElementType::GpsTimeOfWeek => SvTimeOfWeek::LEN,
            AgnssElementType::GpsSystemClock => GpsSystemClock::LEN,
            AgnssElementType::Location => ApproximateLocation::LEN,
            AgnssElementType::Integrity => Integrity::LEN,
        }
    }

    /// A human-readable name ("Ephemerides").
    pub fn name(self) -> &'static str {
        match self {
            AgnssElementType::UtcParameters => "UTC parameters",
            AgnssElementType::Ephemerides => "Ephemerides",
            AgnssElementType::Almanac => "Almanac",
            AgnssElementType::KlobucharCorrection => "Klobuchar ionospheric correction",
            AgnssElementType::GpsTimeOfWeek => "GPS time of week",
            AgnssElementType::GpsSystemClock => "GPS system clock and time of week",
            AgnssElementType::Location => "Approximate location",
            AgnssElementType::Integrity => "Satellite integrity data",
        }
    }
}

impl fmt::Display for AgnssElementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (type {})", self.name(), self.id())
    }
}

/// Parsed A-GNSS assistance data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgnssData {
    /// The schema version (always [`SCHEMA_VERSION`]).
    pub schema_version: u8,
    /// The elements, in buffer order.
    pub elements: Vec<AgnssElement>,
}

/// One element: a header (type and count) and its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgnssElement {
    /// Byte offset of the element's header in the buffer.
    pub offset: usize,
    /// The records, typed.
    pub records: AgnssRecords,
}

impl AgnssElement {
    /// The element's type.
    pub fn element_type(&self) -> AgnssElementType {
        self.records.element_type()
    }

    /// How many records the element holds (its header's count).
    pub fn count(&self) -> usize {
        self.records.len()
    }

    /// The element's length in the buffer, header included.
    pub fn byte_len(&self) -> usize {
        ELEMENT_HEADER_LEN + self.count() * self.element_type().record_len()
    }
}

/// The records of one element, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgnssRecords {
    /// Type 1.
    UtcParameters(Vec<UtcParameters>),
    /// Type 2.
    Ephemerides(Vec<Ephemeris>),
    /// Type 3.
    Almanac(Vec<Almanac>),
    /// Type 4.
    KlobucharCorrection(Vec<KlobucharCorrection>),
    /// Type 6.
    GpsTimeOfWeek(Vec<SvTimeOfWeek>),
    /// Type 7.
    GpsSystemClock(Vec<GpsSystemClock>),
    /// Type 8.
    Location(Vec<ApproximateLocation>),
    /// Type 9.
    Integrity(Vec<Integrity>),
}

impl AgnssRecords {
    /// The records' type.
    pub fn element_type(&self) -> AgnssElementType {
        match self {
            AgnssRecords::UtcParameters(_) => AgnssElementType::UtcParameters,
            AgnssRecords::Ephemerides(_) => AgnssElementType::Ephemerides,
            AgnssRecords::Almanac(_) => AgnssElementType::Almanac,
            AgnssRecords::KlobucharCorrection(_) => AgnssElementType::KlobucharCorrection,
            AgnssRecords::GpsTimeOfWeek(_) => AgnssElementType::GpsTimeOfWeek,
            AgnssRecords::GpsSystemClock(_) => AgnssElementType::GpsSystemClock,
            AgnssRecords::Location(_) => AgnssElementType::Location,
            AgnssRecords::Integrity(_) => AgnssElementType::Integrity,
        }
    }

    /// How many records.
    pub fn len(&self) -> usize {
        match self {
            AgnssRecords::UtcParameters(v) => v.len(),
            AgnssRecords::Ephemerides(v) => v.len(),
            AgnssRecords::Almanac(v) => v.len(),
            AgnssRecords::KlobucharCorrection(v) => v.len(),
            AgnssRecords::GpsTimeOfWeek(v) => v.len(),
            AgnssRecords::GpsSystemClock(v) => v.len(),
            AgnssRecords::Location(v) => v.len(),
            AgnssRecords::Integrity(v) => v.len(),
        }
    }

    /// True when the element has no records (a count of 0).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads `bytes`, a whole number of records of `element_type`.
    fn read(element_type: AgnssElementType, bytes: &[u8]) -> Option<Self> {
        Some(match element_type {
            AgnssElementType::UtcParameters => AgnssRecords::UtcParameters(read_all(bytes)?),
            AgnssElementType::Ephemerides => AgnssRecords::Ephemerides(read_all(bytes)?),
            AgnssElementType::Almanac => AgnssRecords::Almanac(read_all(bytes)?),
            AgnssElementType::KlobucharCorrection => {
                AgnssRecords::KlobucharCorrection(read_all(bytes)?)
            }
            AgnssElementType::GpsTimeOfWeek => AgnssRecords::GpsTimeOfWeek(read_all(bytes)?),
            AgnssElementType::GpsSystemClock => AgnssRecords::GpsSystemClock(read_all(bytes)?),
            AgnssElementType::Location => AgnssRecords::Location(read_all(bytes)?),
            AgnssElementType::Integrity => AgnssRecords::Integrity(read_all(bytes)?),
        })
    }
}

/// Why a buffer is not valid A-GNSS data. Every variant knows the byte offset at fault
/// ([`AgnssParseError::offset`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgnssParseError {
    /// The buffer is empty: not even a schema version (offset 0).
    #[error("A-GNSS data is empty: no schema version at offset 0")]
    Empty,
    /// The schema version (offset 0) is not 1.
    #[error("unsupported A-GNSS schema version {version} at offset 0 (only version 1 exists)")]
    UnsupportedSchemaVersion {
        /// The version byte.
        version: u8,
    },
    /// The buffer ends inside an element header.
    #[error("truncated A-GNSS element header at offset {offset}: {available} of 3 bytes present")]
    TruncatedHeader {
        /// Offset of the header.
        offset: usize,
        /// Bytes left in the buffer.
        available: usize,
    },
    /// An element type the format does not support (its records cannot be skipped).
    #[error("unsupported A-GNSS element type {type_id} at offset {offset}")]
    UnsupportedType {
        /// Offset of the element header.
        offset: usize,
        /// The type byte.
        type_id: u8,
    },
    /// The buffer ends before an element's records do.
    #[error(
        "A-GNSS element at offset {offset} is {} bytes too short to contain {count} records of {element_type}: \
         {needed} bytes of records needed, {available} present",
        needed - available
    )]
    TruncatedRecords {
        /// Offset of the element header.
        offset: usize,
        /// The element's type.
        element_type: AgnssElementType,
        /// The header's record count.
        count: u16,
        /// Bytes the records need.
        needed: usize,
        /// Bytes left after the header.
        available: usize,
    },
    /// The buffer is a legacy payload mangled by a text conversion (almost every byte ≥ 0x80
    /// replaced by 0xFD); `cause` is where parsing failed.
    #[error(
        "legacy or text-mangled A-GNSS payload ({replaced} of {high} bytes >= 0x80 are 0xFD, \
         as after a lossy UTF-8 conversion); download it again as binary: {cause}"
    )]
    Legacy {
        /// Bytes equal to 0xFD.
        replaced: usize,
        /// Bytes ≥ 0x80.
        high: usize,
        /// The structural error.
        cause: Box<AgnssParseError>,
    },
}

impl AgnssParseError {
    /// The byte offset at fault: 0 for the schema version, else the header of the element
    /// that fails.
    pub fn offset(&self) -> usize {
        match self {
            AgnssParseError::Empty | AgnssParseError::UnsupportedSchemaVersion { .. } => 0,
            AgnssParseError::TruncatedHeader { offset, .. }
            | AgnssParseError::UnsupportedType { offset, .. }
            | AgnssParseError::TruncatedRecords { offset, .. } => *offset,
            AgnssParseError::Legacy { cause, .. } => cause.offset(),
        }
    }

    /// True for [`AgnssParseError::Legacy`].
    pub fn is_legacy(&self) -> bool {
        matches!(self, AgnssParseError::Legacy { .. })
    }
}

impl AgnssData {
    /// Parses and validates a buffer of schema version 1 (see the [module docs](crate::agnss)).
    ///
    /// # Errors
    ///
    /// [`AgnssParseError`] for a buffer that is not schema version 1 (its offset and cause);
    /// [`AgnssParseError::Legacy`] when it is an older, replaced format.
    pub fn parse(bytes: &[u8]) -> Result<AgnssData, AgnssParseError> {
        parse_structure(bytes).map_err(|cause| match legacy_signature(bytes) {
            Some((replaced, high)) => AgnssParseError::Legacy {
                replaced,
                high,
                cause: Box::new(cause),
            },
            None => cause,
        })
    }

    /// `(type, count)` of every element, in buffer order.
    pub fn entries(&self) -> Vec<(AgnssElementType, usize)> {
        self.elements
            .iter()
            .map(|e| (e.element_type(), e.count()))
            .collect()
    }

    /// The records of the first element of a type, if any.
    pub fn records(&self, element_type: AgnssElementType) -> Option<&AgnssRecords> {
        self.elements
            .iter()
            .find(|e| e.element_type() == element_type)
            .map(|e| &e.records)
    }

    /// The buffer's length in bytes (schema version and every element).
    pub fn byte_len(&self) -> usize {
        1 + self
            .elements
            .iter()
            .map(AgnssElement::byte_len)
            .sum::<usize>()
    }
}

fn parse_structure(bytes: &[u8]) -> Result<AgnssData, AgnssParseError> {
    let (&version, mut rest) = bytes.split_first().ok_or(AgnssParseError::Empty)?;
    if version != SCHEMA_VERSION {
        return Err(AgnssParseError::UnsupportedSchemaVersion { version });
    }
    let mut offset = 1usize;
    let mut elements = Vec::new();
    while !rest.is_empty() {
        let Some((&[type_id, c0, c1], body)) = rest.split_first_chunk::<ELEMENT_HEADER_LEN>()
        else {
            return Err(AgnssParseError::TruncatedHeader {
                offset,
                available: rest.len(),
            });
        };
        let count = u16::from_le_bytes([c0, c1]);
        let element_type = AgnssElementType::from_id(type_id)
            .ok_or(AgnssParseError::UnsupportedType { offset, type_id })?;
        let truncated = AgnssParseError::TruncatedRecords {
            offset,
            element_type,
            count,
            needed: usize::from(count).saturating_mul(element_type.record_len()),
            available: body.len(),
        };
        let needed = usize::from(count)
            .checked_mul(element_type.record_len())
            .ok_or_else(|| truncated.clone())?;
        let (records, after) = body
            .split_at_checked(needed)
            .ok_or_else(|| truncated.clone())?;
        let records = AgnssRecords::read(element_type, records).ok_or(truncated)?;
        elements.push(AgnssElement { offset, records });
        offset = offset
            .saturating_add(ELEMENT_HEADER_LEN)
            .saturating_add(needed);
        rest = after;
    }
    Ok(AgnssData {
        schema_version: version,
        elements,
    })
}

/// `(0xFD bytes, bytes >= 0x80)` when the buffer looks text-mangled: at least 16 bytes
/// ≥ 0x80, of which at least 90 % are 0xFD (valid data has them spread evenly).
fn legacy_signature(bytes: &[u8]) -> Option<(usize, usize)> {
    let high = bytes.iter().filter(|&&b| b >= 0x80).count();
    let replaced = bytes.iter().filter(|&&b| b == 0xFD).count();
    (high >= 16 && replaced.saturating_mul(10) >= high.saturating_mul(9))
        .then_some((replaced, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An element header.
    fn header(type_id: u8, count: u16) -> Vec<u8> {
        let mut v = vec![type_id];
        v.extend_from_slice(&count.to_le_bytes());
        v
    }

    fn ephemeris_bytes(sv_id: u8) -> Vec<u8> {
        let mut v = vec![sv_id, 0];
        v.extend_from_slice(&0x0053u16.to_le_bytes()); // iodc
        v.extend_from_slice(&0x4650u16.to_le_bytes()); // toc
        v.push(0xFF); // af2 = -1
        v.extend_from_slice(&(-100i16).to_le_bytes()); // af1
        v.extend_from_slice(&1_290_752i32.to_le_bytes()); // af0
        v.push(0x0B); // tgd
        v.push(2); // ura
        v.push(1); // fit_int
        v.extend_from_slice(&0x4650u16.to_le_bytes()); // toe
        v.extend_from_slice(&(-123_456i32).to_le_bytes()); // w
        v.extend_from_slice(&(-7i16).to_le_bytes()); // delta_n
        v.extend_from_slice(&7i32.to_le_bytes()); // m0
        v.extend_from_slice(&(-9i32).to_le_bytes()); // omega_dot
        v.extend_from_slice(&0x00AB_CDEFu32.to_le_bytes()); // e
        v.extend_from_slice(&3i16.to_le_bytes()); // idot
        v.extend_from_slice(&2_702_000_000u32.to_le_bytes()); // sqrt_a
        v.extend_from_slice(&11i32.to_le_bytes()); // i0
        v.extend_from_slice(&(-12i32).to_le_bytes()); // omega0
        for c in [-1i16, 2, -3, 4, -5, 6] {
            v.extend_from_slice(&c.to_le_bytes()); // crs cis cus crc cic cuc
        }
        assert_eq!(v.len(), 62);
        v
    }

    fn almanac_bytes(sv_id: u8) -> Vec<u8> {
        let mut v = vec![sv_id, 0x7A, 0x63, 0];
        v.extend_from_slice(&0x5AA1u16.to_le_bytes()); // e
        v.extend_from_slice(&0x1BA8i16.to_le_bytes()); // delta_i
        v.extend_from_slice(&(-680i16).to_le_bytes()); // omega_dot
        v.push(0); // sv_health
        v.extend_from_slice(&0x00A1_0D13u32.to_le_bytes()); // sqrt_a
        v.extend_from_slice(&(-1i32).to_le_bytes()); // omega0
        v.extend_from_slice(&2i32.to_le_bytes()); // w
        v.extend_from_slice(&(-3i32).to_le_bytes()); // m0
        v.extend_from_slice(&(-4i16).to_le_bytes()); // af0
        v.extend_from_slice(&5i16.to_le_bytes()); // af1
        assert_eq!(v.len(), 31);
        v
    }

    /// A buffer with one element of every type, as the documented format lays it out.
    fn every_type() -> Vec<u8> {
        let mut v = vec![1];
        v.extend(header(1, 1));
        v.extend(7i32.to_le_bytes());
        v.extend((-3i32).to_le_bytes());
        v.extend([0x7B, 0x7A, 0x12, 0x89, 0xFA, 0x12]);
        v.extend(header(2, 2));
        v.extend(ephemeris_bytes(1));
        v.extend(ephemeris_bytes(32));
        v.extend(header(3, 1));
        v.extend(almanac_bytes(5));
        v.extend(header(4, 1));
        v.extend([0x05, 0x02, 0xFF, 0xFE, 0x26, 0x03, 0xFF, 0xFC]);
        v.extend(header(6, 2));
        v.extend([1, 0x7A, 0x00, 1, 2, 0x34, 0x12, 2]);
        v.extend(header(7, 1));
        v.extend(15193u16.to_le_bytes());
        v.extend(28314u32.to_le_bytes());
        v.extend(250u16.to_le_bytes());
        v.extend(0x8000_0001u32.to_le_bytes());
        v.extend([9, 8, 7, 6]);
        v.extend(header(8, 1));
        v.extend(5_911_231i32.to_le_bytes());
        v.extend((-485_643i32).to_le_bytes());
        v.extend((-12i16).to_le_bytes());
        v.extend([0x41, 0x40, 179, 0x7F, 68]);
        v.extend(header(9, 1));
        v.extend(0x0800_0400u32.to_le_bytes());
        v
    }

    #[test]
    fn every_record_type_reads_its_fields() {
        let bytes = every_type();
        let data = AgnssData::parse(&bytes).unwrap();
        assert_eq!(data.schema_version, 1);
        assert_eq!(data.byte_len(), bytes.len());
        use AgnssElementType as T;
        assert_eq!(
            data.entries(),
            vec![
                (T::UtcParameters, 1),
                (T::Ephemerides, 2),
                (T::Almanac, 1),
                (T::KlobucharCorrection, 1),
                (T::GpsTimeOfWeek, 2),
                (T::GpsSystemClock, 1),
                (T::Location, 1),
                (T::Integrity, 1),
            ]
        );
        let offsets: Vec<usize> = data.elements.iter().map(|e| e.offset).collect();
        assert_eq!(
            offsets,
            vec![1, 18, 145, 179, 190, 201, 220, 238],
            "each element starts where the previous one ends"
        );

        let Some(AgnssRecords::UtcParameters(utc)) = data.records(T::UtcParameters) else {
            panic!("utc")
        };
        assert_eq!(
            utc[0],
            UtcParameters {
                a1: 7,
                a0: -3,
                tot: 0x7B,
                wn_t: 0x7A,
                delta_tls: 18,
                wn_lsf: 0x89,
                dn: -6,
                delta_tlsf: 18
            }
        );

        let Some(AgnssRecords::Ephemerides(eph)) = data.records(T::Ephemerides) else {
            panic!("ephemerides")
        };
        assert_eq!(
            eph[1],
            Ephemeris {
                sv_id: 32,
                health: 0,
                iodc: 0x53,
                toc: 0x4650,
                af2: -1,
                af1: -100,
                af0: 1_290_752,
                tgd: 11,
                ura: 2,
                fit_int: 1,
                toe: 0x4650,
                w: -123_456,
                delta_n: -7,
                m0: 7,
                omega_dot: -9,
                e: 0x00AB_CDEF,
                idot: 3,
                sqrt_a: 2_702_000_000,
                i0: 11,
                omega0: -12,
                crs: -1,
                cis: 2,
                cus: -3,
                crc: 4,
                cic: -5,
                cuc: 6,
            }
        );
        assert_eq!(eph[0].sv_id, 1);

        let Some(AgnssRecords::Almanac(alm)) = data.records(T::Almanac) else {
            panic!("almanac")
        };
        assert_eq!(
            alm[0],
            Almanac {
                sv_id: 5,
                wn: 0x7A,
                toa: 0x63,
                ioda: 0,
                e: 0x5AA1,
                delta_i: 0x1BA8,
                omega_dot: -680,
                sv_health: 0,
                sqrt_a: 0x00A1_0D13,
                omega0: -1,
                w: 2,
                m0: -3,
                af0: -4,
                af1: 5,
            }
        );

        let Some(AgnssRecords::KlobucharCorrection(k)) = data.records(T::KlobucharCorrection)
        else {
            panic!("klobuchar")
        };
        assert_eq!(
            k[0],
            KlobucharCorrection {
                alpha0: 5,
                alpha1: 2,
                alpha2: -1,
                alpha3: -2,
                beta0: 38,
                beta1: 3,
                beta2: -1,
                beta3: -4
            }
        );

        let Some(AgnssRecords::GpsTimeOfWeek(tow)) = data.records(T::GpsTimeOfWeek) else {
            panic!("tow")
        };
        assert_eq!(
            tow,
            &vec![
                SvTimeOfWeek {
                    sv_id: 1,
                    tlm: 0x7A,
                    flags: 1
                },
                SvTimeOfWeek {
                    sv_id: 2,
                    tlm: 0x1234,
                    flags: 2
                }
            ]
        );

        let Some(AgnssRecords::GpsSystemClock(clock)) = data.records(T::GpsSystemClock) else {
            panic!("clock")
        };
        assert_eq!(
            clock[0],
            GpsSystemClock {
                date_day: 15193,
                time_full_s: 28314,
                time_frac_ms: 250,
                sv_mask: 0x8000_0001,
                reserved: [9, 8, 7, 6]
            }
        );

        let Some(AgnssRecords::Location(loc)) = data.records(T::Location) else {
            panic!("location")
        };
        assert_eq!(loc[0].altitude, -12);
        assert_eq!(
            (
                loc[0].unc_semimajor,
                loc[0].unc_semiminor,
                loc[0].orientation_major,
                loc[0].unc_altitude,
                loc[0].confidence
            ),
            (0x41, 0x40, 179, 0x7F, 68)
        );
        assert!((loc[0].latitude_degrees() - 63.4213).abs() < 1e-3);
        assert!((loc[0].longitude_degrees() + 10.4207).abs() < 1e-3);

        let Some(AgnssRecords::Integrity(i)) = data.records(T::Integrity) else {
            panic!("integrity")
        };
        assert_eq!(i[0].integrity_mask, 0x0800_0400);
    }

    #[test]
    fn type_table_matches_the_format() {
        // Every type of the format's one table has its element type, and only those.
        let table = nrfcloud_api::agnss_format::RECORD_LENGTHS;
        assert_eq!(table.len(), AgnssElementType::ALL.len());
        for (id, len) in table {
            let t = AgnssElementType::from_id(id).unwrap();
            assert_eq!((t.id(), t.record_len()), (id, len), "{t}");
        }
        for id in (0..=255u8).filter(|id| !table.iter().any(|(t, _)| t == id)) {
            assert_eq!(AgnssElementType::from_id(id), None, "type {id}");
        }
    }

    #[test]
    fn a_version_byte_alone_and_empty_elements_are_valid() {
        assert_eq!(AgnssData::parse(&[1]).unwrap().elements, vec![]);
        let data = AgnssData::parse(&[1, 2, 0, 0, 9, 0, 0]).unwrap();
        assert_eq!(
            data.entries(),
            vec![
                (AgnssElementType::Ephemerides, 0),
                (AgnssElementType::Integrity, 0)
            ]
        );
        assert!(data.elements[0].records.is_empty());
    }

    #[test]
    fn empty_and_bad_versions_are_rejected_at_offset_0() {
        assert_eq!(AgnssData::parse(&[]), Err(AgnssParseError::Empty));
        for version in [0u8, 2, 0x7B, 0xFF] {
            let e = AgnssData::parse(&[version, 9, 1, 0, 0, 0, 0, 0]).unwrap_err();
            assert_eq!(e, AgnssParseError::UnsupportedSchemaVersion { version });
            assert_eq!(e.offset(), 0);
            assert!(e.to_string().contains("schema version"), "{e}");
        }
    }

    #[test]
    fn unsupported_types_are_errors_with_their_offset() {
        for type_id in [0u8, 5, 10, 11, 12, 13, 0xFD] {
            let mut bytes = vec![1];
            bytes.extend(header(9, 1));
            bytes.extend([0, 0, 0, 0]);
            bytes.extend(header(type_id, 1));
            bytes.extend([0; 8]);
            let e = AgnssData::parse(&bytes).unwrap_err();
            assert_eq!(e, AgnssParseError::UnsupportedType { offset: 8, type_id });
            assert_eq!(e.offset(), 8);
        }
    }

    #[test]
    fn truncated_headers_and_records_are_errors() {
        let full = every_type();
        // Cut at every length: each must fail (except on element boundaries) and never panic.
        let boundaries = [1usize, 18, 145, 179, 190, 201, 220, 238, full.len()];
        for cut in 0..full.len() {
            let r = AgnssData::parse(&full[..cut]);
            if boundaries.contains(&cut) {
                assert!(r.is_ok(), "cut at {cut}: {r:?}");
            } else {
                assert!(r.is_err(), "cut at {cut} parses");
            }
        }
        assert_eq!(
            AgnssData::parse(&[1, 2, 30]),
            Err(AgnssParseError::TruncatedHeader {
                offset: 1,
                available: 2
            })
        );
        let mut short = vec![1];
        short.extend(header(2, 30));
        short.extend(std::iter::repeat_n(0u8, 30 * 62 - 40));
        let e = AgnssData::parse(&short).unwrap_err();
        assert_eq!(
            e,
            AgnssParseError::TruncatedRecords {
                offset: 1,
                element_type: AgnssElementType::Ephemerides,
                count: 30,
                needed: 1860,
                available: 1820
            }
        );
        assert_eq!(
            e.to_string(),
            "A-GNSS element at offset 1 is 40 bytes too short to contain 30 records of \
             Ephemerides (type 2): 1860 bytes of records needed, 1820 present"
        );
        // A header claiming the most records possible.
        let e = AgnssData::parse(&[1, 2, 0xFF, 0xFF, 0]).unwrap_err();
        assert!(matches!(
            e,
            AgnssParseError::TruncatedRecords {
                needed: 4_063_170,
                available: 1,
                ..
            }
        ));
    }

    #[test]
    fn legacy_text_mangled_payloads_are_recognised() {
        // A valid buffer after a lossy text round trip: every byte >= 0x80 became 0xFD.
        let mut bytes = every_type();
        for b in &mut bytes {
            if *b >= 0x80 {
                *b = 0xFD;
            }
        }
        // The length survives here; append the truncation a real conversion causes, then an
        // element whose type byte was mangled.
        bytes.extend([0xFD, 1, 0, 0, 0, 0, 0]);
        let e = AgnssData::parse(&bytes).unwrap_err();
        assert!(e.is_legacy(), "{e:?}");
        assert_eq!(e.offset(), 245);
        let AgnssParseError::Legacy { cause, .. } = &e else {
            unreachable!()
        };
        assert_eq!(
            **cause,
            AgnssParseError::UnsupportedType {
                offset: 245,
                type_id: 0xFD
            }
        );
        assert!(e.to_string().starts_with("legacy or text-mangled"), "{e}");

        // Valid data is never called legacy, nor is a plain truncation.
        let valid = every_type();
        assert!(AgnssData::parse(&valid).is_ok());
        assert!(!AgnssData::parse(&valid[..100]).unwrap_err().is_legacy());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic fuzz: xorshift bytes, plus mutations of a valid buffer.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let valid = every_type();
        for round in 0..20_000 {
            let len = (next() % 300) as usize;
            let mut bytes: Vec<u8> = if round % 2 == 0 {
                (0..len).map(|_| next() as u8).collect()
            } else {
                let mut v = valid.clone();
                for _ in 0..(next() % 4) {
                    let i = (next() as usize) % v.len();
                    v[i] = next() as u8;
                }
                v.truncate((next() as usize) % (v.len() + 1));
                v
            };
            if round % 3 == 0 && !bytes.is_empty() {
                bytes[0] = 1;
            }
            if let Ok(data) = AgnssData::parse(&bytes) {
                assert_eq!(data.byte_len(), bytes.len());
            }
        }
    }
}
