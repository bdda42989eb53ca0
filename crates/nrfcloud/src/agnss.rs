//! A-GNSS assistance data: the chunked download ([`Client::download_agnss`]) and a parser and
//! validator of the binary format ([`AgnssData::parse`]).
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::agnss::{AgnssData, AgnssDownload};
//! use nrfcloud::types::GetAssistanceDataBody;
//!
//! let request = GetAssistanceDataBody {
//!     mcc: Some(242.into()),
//!     tac: Some(2305.into()),
//!     eci: Some(33703712.into()),
//!     ..Default::default()
//! };
//! let bytes = client.download_agnss(request, AgnssDownload::new()).await?;
//! match AgnssData::parse(&bytes) {
//!     Ok(data) => println!("{:?}", data.entries()),
//!     Err(e) => eprintln!("invalid A-GNSS data at byte {}: {e}", e.offset()),
//! }
//! # Ok(()) }
//! ```
//!
//! # The download
//!
//! `HEAD /v1/location/agnss` (GetAssistanceDataSize) gives the size in `Content-Length`; then
//! `POST /v1/location/agnss` (GetAssistanceData) is sent with `Range: bytes=a-b` for
//! consecutive fragments of [`AgnssDownload::fragment_size`] bytes (default 1,700, as the
//! nRF91 device SDK uses) until the whole file is received, and the fragments are joined.
//!
//! - A HEAD without a size (no `Content-Length`, or 0) is not fatal: the first fragment's
//!   `Content-Range` gives the total.
//! - A 206 answer carries `Content-Range: bytes a-b/total`. Its total wins over the HEAD's
//!   size when they differ. A server may send fewer bytes than asked (e.g. trimmed to whole
//!   records): the next fragment starts right after the last byte it reports. (A 206 without
//!   `Content-Range` is taken as starting where asked, when the total is known.)
//! - A 200 answer is the whole file at once (it must begin with any fragments received
//!   before it).
//! - A range that starts elsewhere than asked or ends after it, a body whose length differs
//!   from its range, a range past the total, an unreadable `Content-Range`, no total from
//!   either side, or an answer without a byte of progress is an [`Error::Decode`]: the
//!   download never loops.
//! - Fragments are requests that are safe to repeat: the client's retry policy applies to them
//!   although they are POSTs.
//! - A download is bounded in requests and in time: at most its size divided by
//!   [`AgnssDownload::min_fragment_size`] fragment requests (a server that answers 1-byte
//!   fragments is stopped there), all within [`AgnssDownload::deadline`], read from the
//!   client's clock ([`ClientBuilder::clock`](crate::ClientBuilder::clock)) before each
//!   request and enforced on each request as it waits. Either ends the download with
//!   [`Error::LimitExceeded`].
//!
//! # The binary format (schema version 1)
//!
//! ```text
//! byte 0            schema version, u8, must be 1
//! then, until the end of the buffer, elements:
//!   type            u8
//!   count           u16, little-endian
//!   count × record  fixed length per type
//! ```
//!
//! | type | element | record bytes |
//! | --- | --- | --- |
//! | 1 | UTC parameters ([`UtcParameters`]) | 14 |
//! | 2 | Ephemerides ([`Ephemeris`]) | 62 |
//! | 3 | Almanac ([`Almanac`]) | 31 |
//! | 4 | Klobuchar ionospheric correction ([`KlobucharCorrection`]) | 8 |
//! | 6 | GPS time of week ([`SvTimeOfWeek`]) | 4 |
//! | 7 | GPS system clock and time of week ([`SystemClock`]) | 16 |
//! | 8 | Approximate location ([`ApproximateLocation`]) | 15 |
//! | 9 | Satellite integrity data ([`Integrity`]) | 4 |
//!
//! Type 5 (NeQuick correction) and every type not in this table are errors, as in the
//! upstream verifier; elements carry no length of their own, so they cannot be skipped.
//! A truncated header or truncated records are errors too. Parsing succeeds when the last element ends exactly at the end of the buffer.
//! Records are packed and little-endian; their fields follow the nRF Connect SDK's
//! `nrf_cloud_agnss_schema_v1.h` and the units of the modem's A-GNSS API
//! (`nrf_modem_gnss.h`), kept as the raw coded integers.
//!
//! Legacy payloads (the files of the A-GPS era that went through a lossy text conversion,
//! where almost every byte ≥ 0x80 became 0xFD) are rejected: a buffer that fails to parse and
//! has that signature gives [`AgnssParseError::Legacy`], which names the cause.
//!
//! The parser never panics, whatever the input.

use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::TryStreamExt;
use nrfcloud_api::hooks::BoxFuture;
use nrfcloud_api::operations::Operation;
use nrfcloud_api::sendable::Sendable;
use nrfcloud_api::{ByteStream, ResponseValue, builder, types};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, HeaderMap};

use crate::client::Client;
use crate::error::{Error, Limit};
use crate::jwt::Clock;
use crate::middleware::CallOptions;

/// The only schema version of the binary format.
pub const SCHEMA_VERSION: u8 = 1;

/// The default fragment size of [`Client::download_agnss`]: 1,700 bytes, as the nRF91 device
/// SDK requests.
pub const DEFAULT_FRAGMENT_SIZE: u64 = 1700;

/// The default largest download [`Client::download_agnss`] accepts: 1 MiB (a full set of
/// assistance data is a few kilobytes).
pub const DEFAULT_MAX_SIZE: u64 = 1 << 20;

/// The default [`AgnssDownload::min_fragment_size`]: 64 bytes. A server that trims fragments
/// to whole records (at most 62 bytes each) never sends less than the fragment size minus 61.
pub const DEFAULT_MIN_FRAGMENT_SIZE: u64 = 64;

/// The default [`AgnssDownload::deadline`]: 60 s for the whole download.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

const ELEMENT_HEADER_LEN: usize = 3;
const GET_OPERATION: &str = "GetAssistanceData";
const HEAD_OPERATION: &str = "GetAssistanceDataSize";

// ---------------------------------------------------------------------------------------------
// The binary format
// ---------------------------------------------------------------------------------------------

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
            AgnssElementType::GpsSystemClock => SystemClock::LEN,
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
    GpsSystemClock(Vec<SystemClock>),
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

/// Type 1: GPS UTC parameters (14 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UtcParameters {
    /// First-order term of the polynomial (2^-50 s/s).
    pub a1: i32,
    /// Constant term of the polynomial (2^-30 s).
    pub a0: i32,
    /// UTC reference time of week (2^12 s).
    pub tot: u8,
    /// UTC reference week number (weeks, 8 LSBs).
    pub wn_t: u8,
    /// Current or past leap second count (s).
    pub delta_tls: i8,
    /// Leap second reference week number (weeks, 8 LSBs).
    pub wn_lsf: u8,
    /// Leap second reference day number (days).
    pub dn: i8,
    /// Current or future leap second count (s).
    pub delta_tlsf: i8,
}

/// Type 2: one satellite's GPS ephemeris (62 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ephemeris {
    /// Satellite id (1..=32).
    pub sv_id: u8,
    /// Satellite health.
    pub health: u8,
    /// Issue of data, clock parameters.
    pub iodc: u16,
    /// Clock parameters reference time of week (2^4 s).
    pub toc: u16,
    /// Clock drift rate (2^-55 s/s²).
    pub af2: i8,
    /// Clock drift (2^-43 s/s).
    pub af1: i16,
    /// Clock bias (2^-31 s).
    pub af0: i32,
    /// Group delay (2^-31 s).
    pub tgd: i8,
    /// URA index.
    pub ura: u8,
    /// Curve fit interval indication.
    pub fit_int: u8,
    /// Ephemeris parameters reference time of week (2^4 s).
    pub toe: u16,
    /// Argument of perigee (2^-31 semi-circles).
    pub w: i32,
    /// Mean motion difference (2^-43 semi-circles/s).
    pub delta_n: i16,
    /// Mean anomaly at reference time (2^-31 semi-circles).
    pub m0: i32,
    /// Rate of right ascension (2^-43 semi-circles/s).
    pub omega_dot: i32,
    /// Eccentricity (2^-33).
    pub e: u32,
    /// Rate of inclination angle (2^-43 semi-circles/s).
    pub idot: i16,
    /// Square root of the semi-major axis (2^-19 m^1/2).
    pub sqrt_a: u32,
    /// Inclination angle at reference time (2^-31 semi-circles).
    pub i0: i32,
    /// Longitude of ascending node at weekly epoch (2^-31 semi-circles).
    pub omega0: i32,
    /// Orbit radius, sine harmonic amplitude (2^-5 m).
    pub crs: i16,
    /// Inclination angle, sine harmonic amplitude (2^-29 rad).
    pub cis: i16,
    /// Argument of latitude, sine harmonic amplitude (2^-29 rad).
    pub cus: i16,
    /// Orbit radius, cosine harmonic amplitude (2^-5 m).
    pub crc: i16,
    /// Inclination angle, cosine harmonic amplitude (2^-29 rad).
    pub cic: i16,
    /// Argument of latitude, cosine harmonic amplitude (2^-29 rad).
    pub cuc: i16,
}

/// Type 3: one satellite's GPS almanac (31 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Almanac {
    /// Satellite id (1..=32).
    pub sv_id: u8,
    /// Almanac reference week number (weeks, 8 LSBs).
    pub wn: u8,
    /// Almanac reference time of week (2^12 s).
    pub toa: u8,
    /// Issue of data, almanac.
    pub ioda: u8,
    /// Eccentricity (2^-21).
    pub e: u16,
    /// Correction to inclination (2^-19 semi-circles).
    pub delta_i: i16,
    /// Rate of right ascension (2^-38 semi-circles/s).
    pub omega_dot: i16,
    /// Satellite health.
    pub sv_health: u8,
    /// Square root of the semi-major axis (2^-11 m^1/2).
    pub sqrt_a: u32,
    /// Longitude of ascending node at weekly epoch (2^-23 semi-circles).
    pub omega0: i32,
    /// Argument of perigee (2^-23 semi-circles).
    pub w: i32,
    /// Mean anomaly at reference time (2^-23 semi-circles).
    pub m0: i32,
    /// Clock bias (2^-20 s).
    pub af0: i16,
    /// Clock drift (2^-38 s/s).
    pub af1: i16,
}

/// Type 4: Klobuchar ionospheric correction parameters (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KlobucharCorrection {
    /// α0 (2^-30 s).
    pub alpha0: i8,
    /// α1 (2^-27 s/semi-circle).
    pub alpha1: i8,
    /// α2 (2^-24 s/semi-circle²).
    pub alpha2: i8,
    /// α3 (2^-24 s/semi-circle³).
    pub alpha3: i8,
    /// β0 (2^11 s).
    pub beta0: i8,
    /// β1 (2^14 s/semi-circle).
    pub beta1: i8,
    /// β2 (2^16 s/semi-circle²).
    pub beta2: i8,
    /// β3 (2^16 s/semi-circle³).
    pub beta3: i8,
}

/// Type 6: one satellite's time-of-week data (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SvTimeOfWeek {
    /// Satellite id (1..=32).
    pub sv_id: u8,
    /// The telemetry word's first 14 bits.
    pub tlm: u16,
    /// Flags: bit 0 anti-spoof, bit 1 alert.
    pub flags: u8,
}

/// Type 7: GPS system clock (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SystemClock {
    /// Days since the GPS epoch (1980-01-06).
    pub date_day: u16,
    /// Full seconds of the day.
    pub time_full_s: u32,
    /// Fraction of the second (ms).
    pub time_frac_ms: u16,
    /// Which satellites the time-of-week data (type 6) is valid for (bit n: satellite n + 1).
    pub sv_mask: u32,
    /// Four trailing bytes the device library skips, kept as received.
    pub reserved: [u8; 4],
}

/// Type 8: approximate location (15 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ApproximateLocation {
    /// WGS-84 latitude, coded: degrees × 2^23 / 90 (see [`Self::latitude_degrees`]).
    pub latitude: i32,
    /// WGS-84 longitude, coded: degrees × 2^24 / 360 (see [`Self::longitude_degrees`]).
    pub longitude: i32,
    /// Altitude above the WGS-84 ellipsoid (m).
    pub altitude: i16,
    /// Uncertainty of the semi-major axis, coded (0..=127; 255: none).
    pub unc_semimajor: u8,
    /// Uncertainty of the semi-minor axis, coded (0..=127; 255: none).
    pub unc_semiminor: u8,
    /// Angle between the major axis and north (degrees, 0..=179).
    pub orientation_major: u8,
    /// Altitude uncertainty, coded (0..=127; 255: none).
    pub unc_altitude: u8,
    /// Confidence level (percent, 0..=100).
    pub confidence: u8,
}

impl ApproximateLocation {
    /// The latitude in degrees.
    pub fn latitude_degrees(&self) -> f64 {
        f64::from(self.latitude) * 90.0 / f64::from(1u32 << 23)
    }

    /// The longitude in degrees.
    pub fn longitude_degrees(&self) -> f64 {
        f64::from(self.longitude) * 360.0 / f64::from(1u32 << 24)
    }
}

/// Type 9: satellite integrity data (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Integrity {
    /// Bit n set: satellite n + 1 is unhealthy.
    pub integrity_mask: u32,
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

/// A little-endian reader over one record; `None` past its end.
struct Fields<'a> {
    rest: &'a [u8],
}

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.rest.split_first_chunk::<N>()?;
        self.rest = rest;
        Some(*head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(u8::from_le_bytes)
    }
    fn i8(&mut self) -> Option<i8> {
        self.take::<1>().map(i8::from_le_bytes)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take::<2>().map(u16::from_le_bytes)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take::<2>().map(i16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_le_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take::<4>().map(i32::from_le_bytes)
    }
}

/// One fixed-length record type.
trait Record: Sized {
    const LEN: usize;
    fn read(f: &mut Fields<'_>) -> Option<Self>;
}

fn read_all<R: Record>(bytes: &[u8]) -> Option<Vec<R>> {
    let chunks = bytes.chunks_exact(R::LEN);
    if !chunks.remainder().is_empty() {
        return None;
    }
    chunks
        .map(|rest| {
            let mut f = Fields { rest };
            let record = R::read(&mut f)?;
            f.rest.is_empty().then_some(record)
        })
        .collect()
}

impl Record for UtcParameters {
    const LEN: usize = 14;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(UtcParameters {
            a1: f.i32()?,
            a0: f.i32()?,
            tot: f.u8()?,
            wn_t: f.u8()?,
            delta_tls: f.i8()?,
            wn_lsf: f.u8()?,
            dn: f.i8()?,
            delta_tlsf: f.i8()?,
        })
    }
}

impl Record for Ephemeris {
    const LEN: usize = 62;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(Ephemeris {
            sv_id: f.u8()?,
            health: f.u8()?,
            iodc: f.u16()?,
            toc: f.u16()?,
            af2: f.i8()?,
            af1: f.i16()?,
            af0: f.i32()?,
            tgd: f.i8()?,
            ura: f.u8()?,
            fit_int: f.u8()?,
            toe: f.u16()?,
            w: f.i32()?,
            delta_n: f.i16()?,
            m0: f.i32()?,
            omega_dot: f.i32()?,
            e: f.u32()?,
            idot: f.i16()?,
            sqrt_a: f.u32()?,
            i0: f.i32()?,
            omega0: f.i32()?,
            crs: f.i16()?,
            cis: f.i16()?,
            cus: f.i16()?,
            crc: f.i16()?,
            cic: f.i16()?,
            cuc: f.i16()?,
        })
    }
}

impl Record for Almanac {
    const LEN: usize = 31;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(Almanac {
            sv_id: f.u8()?,
            wn: f.u8()?,
            toa: f.u8()?,
            ioda: f.u8()?,
            e: f.u16()?,
            delta_i: f.i16()?,
            omega_dot: f.i16()?,
            sv_health: f.u8()?,
            sqrt_a: f.u32()?,
            omega0: f.i32()?,
            w: f.i32()?,
            m0: f.i32()?,
            af0: f.i16()?,
            af1: f.i16()?,
        })
    }
}

impl Record for KlobucharCorrection {
    const LEN: usize = 8;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(KlobucharCorrection {
            alpha0: f.i8()?,
            alpha1: f.i8()?,
            alpha2: f.i8()?,
            alpha3: f.i8()?,
            beta0: f.i8()?,
            beta1: f.i8()?,
            beta2: f.i8()?,
            beta3: f.i8()?,
        })
    }
}

impl Record for SvTimeOfWeek {
    const LEN: usize = 4;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(SvTimeOfWeek {
            sv_id: f.u8()?,
            tlm: f.u16()?,
            flags: f.u8()?,
        })
    }
}

impl Record for SystemClock {
    const LEN: usize = 16;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(SystemClock {
            date_day: f.u16()?,
            time_full_s: f.u32()?,
            time_frac_ms: f.u16()?,
            sv_mask: f.u32()?,
            reserved: f.take::<4>()?,
        })
    }
}

impl Record for ApproximateLocation {
    const LEN: usize = 15;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(ApproximateLocation {
            latitude: f.i32()?,
            longitude: f.i32()?,
            altitude: f.i16()?,
            unc_semimajor: f.u8()?,
            unc_semiminor: f.u8()?,
            orientation_major: f.u8()?,
            unc_altitude: f.u8()?,
            confidence: f.u8()?,
        })
    }
}

impl Record for Integrity {
    const LEN: usize = 4;
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(Integrity {
            integrity_mask: f.u32()?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The download
// ---------------------------------------------------------------------------------------------

/// Options of [`Client::download_agnss`].
#[derive(Debug, Clone, PartialEq)]
pub struct AgnssDownload {
    fragment_size: u64,
    max_size: u64,
    min_fragment_size: u64,
    deadline: Duration,
    validate: bool,
    custom_device_id: Option<types::CustomDeviceId>,
}

impl Default for AgnssDownload {
    fn default() -> Self {
        AgnssDownload {
            fragment_size: DEFAULT_FRAGMENT_SIZE,
            max_size: DEFAULT_MAX_SIZE,
            min_fragment_size: DEFAULT_MIN_FRAGMENT_SIZE,
            deadline: DEFAULT_DEADLINE,
            validate: false,
            custom_device_id: None,
        }
    }
}

impl AgnssDownload {
    /// The defaults: fragments of 1,700 bytes, at most 1 MiB, fragments of at least 64 bytes
    /// counted on, 60 s in all, no validation.
    pub fn new() -> Self {
        Self::default()
    }

    /// The smallest fragment the download counts on (default [`DEFAULT_MIN_FRAGMENT_SIZE`];
    /// the fragment size when that is smaller; at least 1): a download of `n` bytes makes at
    /// most `n` divided by it (rounded up) fragment requests. A server whose fragments are
    /// shorter ends the download with [`Error::LimitExceeded`]
    /// ([`Limit::AgnssRequests`]) instead of being asked again and again.
    pub fn min_fragment_size(mut self, bytes: u64) -> Self {
        self.min_fragment_size = bytes.max(1);
        self
    }

    /// The longest time the whole download may take, HEAD included (default
    /// [`DEFAULT_DEADLINE`]). Checked with the client's clock before each request, and each
    /// request waits at most for what is left; past it the download ends with
    /// [`Error::LimitExceeded`] ([`Limit::AgnssDeadline`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Bytes asked for per request (`Range: bytes=a-(a+n-1)`); at least 1.
    pub fn fragment_size(mut self, bytes: u64) -> Self {
        self.fragment_size = bytes;
        self
    }

    /// The largest total size accepted; a larger one is an [`Error::Decode`].
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// Parse the joined data with [`AgnssData::parse`] and fail with [`Error::Decode`] when it
    /// is not valid (off by default: element types the parser does not know, such as QZSS
    /// data, would fail it).
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// The `x-custom-device-id` header of every fragment request (service evaluation tokens,
    /// cloud-to-cloud integrations).
    pub fn custom_device_id(mut self, id: types::CustomDeviceId) -> Self {
        self.custom_device_id = Some(id);
        self
    }
}

impl Client {
    /// Downloads the A-GNSS assistance data for `request`: its size with a HEAD
    /// (GetAssistanceDataSize, with the body's fields as query parameters), then `Range`d
    /// fragments (GetAssistanceData), joined. See the [module docs](crate::agnss).
    ///
    /// Errors: those of the calls (e.g. [`Error::Api`] with nRF code 41600 for a range the
    /// server cannot satisfy); [`Error::Decode`] for bad or inconsistent ranges, a size over
    /// [`AgnssDownload::max_size`], or, with [`AgnssDownload::validate`], invalid data;
    /// [`Error::LimitExceeded`] past [`AgnssDownload::min_fragment_size`]'s number of
    /// requests or [`AgnssDownload::deadline`]; [`Error::InvalidInput`] for a fragment size
    /// of 0.
    pub async fn download_agnss(
        &self,
        request: types::GetAssistanceDataBody,
        options: AgnssDownload,
    ) -> Result<Vec<u8>, Error> {
        if options.fragment_size == 0 {
            return Err(Error::invalid(
                Some(GET_OPERATION),
                "fragment_size",
                "must be at least 1 byte",
            ));
        }
        let budget = Budget::new(self.clock(), options.deadline);
        let head = budget
            .run(self.execute_response(|api| size_request(api, &request)))
            .await??;
        // 0 (or none) is taken as unknown: valid data is never empty, and the first fragment's
        // Content-Range gives the total (an empty file answers 416).
        let mut total = content_length(head.headers())?.filter(|&t| t > 0);
        if let Some(t) = total {
            check_size(t, &options, None)?;
        }

        let min_fragment = options.min_fragment_size.min(options.fragment_size).max(1);
        let mut requests: u64 = 0;
        let mut data: Vec<u8> = Vec::new();
        let mut offset: u64 = 0;
        loop {
            if total.is_some_and(|t| offset >= t) {
                break;
            }
            // The first fragment may be needed to learn the size; after it the size is known.
            if let Some(t) = total {
                let allowed = t.div_ceil(min_fragment).max(1);
                if requests >= allowed {
                    return Err(Error::LimitExceeded {
                        operation: GET_OPERATION,
                        limit: Limit::AgnssRequests {
                            requests: allowed,
                            min_fragment,
                        },
                    });
                }
            }
            requests += 1;
            let mut end = offset.saturating_add(options.fragment_size - 1);
            if let Some(t) = total {
                end = end.min(t - 1);
            }
            let range = format!("bytes={offset}-{end}");
            tracing::debug!(%range, "A-GNSS fragment");
            let fragment = async {
                let response = self
                    .execute_with(
                        CallOptions {
                            retry_non_idempotent: true,
                            ..CallOptions::default()
                        },
                        |api| {
                            let mut b = api
                                .get_assistance_data()
                                .range(range.clone())
                                .body(request.clone());
                            if let Some(id) = &options.custom_device_id {
                                b = b.x_custom_device_id(id.clone());
                            }
                            WholeOrPartial(b)
                        },
                    )
                    .await?;
                let status = response.status();
                let headers = response.headers().clone();
                let limit = if status == StatusCode::OK {
                    options.max_size
                } else {
                    end - offset + 1
                };
                let body = collect(response.into_inner(), limit, status).await?;
                Ok::<_, Error>((status, headers, body))
            };
            let (status, headers, body) = budget.run(fragment).await??;

            if status == StatusCode::OK {
                // The whole file at once (the server ignored the range).
                if !body.starts_with(&data) {
                    return Err(decode(
                        status,
                        "a 200 answer whose body does not begin with the fragments already received",
                        &body,
                    ));
                }
                if let Some(t) = total.filter(|&t| t != body.len() as u64) {
                    tracing::debug!(
                        expected = t,
                        received = body.len(),
                        "200 answer: its body is the whole file"
                    );
                }
                return finish(body.to_vec(), &options, Some(status));
            }

            let got = match headers.get(CONTENT_RANGE) {
                Some(value) => {
                    let text = value
                        .to_str()
                        .map_err(|_| decode(status, "Content-Range is not readable text", &body))?;
                    ContentRange::parse(text).ok_or_else(|| {
                        decode(
                            status,
                            format!("bad Content-Range {text:?} (expected \"bytes a-b/total\")"),
                            &body,
                        )
                    })?
                }
                None => {
                    // Lenient: a 206 without Content-Range is taken as starting where asked.
                    let len = body.len() as u64;
                    if len == 0 || total.is_none() {
                        return Err(decode(
                            status,
                            format!(
                                "206 answer to {range} without Content-Range{}",
                                if len == 0 { " and without bytes" } else { "" }
                            ),
                            &body,
                        ));
                    }
                    ContentRange {
                        start: offset,
                        end: offset + len - 1,
                        total: None,
                    }
                }
            };
            if got.start != offset {
                return Err(decode(
                    status,
                    format!(
                        "asked for {range}, the server sent bytes {}-{}",
                        got.start, got.end
                    ),
                    &body,
                ));
            }
            if got.end > end {
                return Err(decode(
                    status,
                    format!(
                        "asked for {range}, the server sent more: bytes {}-{}",
                        got.start, got.end
                    ),
                    &body,
                ));
            }
            let expected_len = got.end - got.start + 1;
            if body.len() as u64 != expected_len {
                return Err(decode(
                    status,
                    format!(
                        "Content-Range bytes {}-{} announces {expected_len} bytes, the body has {}",
                        got.start,
                        got.end,
                        body.len()
                    ),
                    &body,
                ));
            }
            match (got.total, total) {
                (Some(t), _) if got.end >= t => {
                    return Err(decode(
                        status,
                        format!(
                            "Content-Range bytes {}-{}/{t} ends past its total",
                            got.start, got.end
                        ),
                        &body,
                    ));
                }
                (Some(t), Some(known)) if t != known => {
                    tracing::debug!(
                        head = known,
                        content_range = t,
                        "A-GNSS size changed: following Content-Range"
                    );
                    check_size(t, &options, Some(status))?;
                    total = Some(t);
                }
                (Some(t), None) => {
                    check_size(t, &options, Some(status))?;
                    total = Some(t);
                }
                (None, None) => {
                    return Err(decode(
                        status,
                        "neither the HEAD (Content-Length) nor Content-Range gives the total size",
                        &body,
                    ));
                }
                _ => {}
            }
            if got.end < end {
                tracing::debug!(
                    asked = end,
                    received = got.end,
                    "short fragment: continuing after it"
                );
            }
            data.extend_from_slice(&body);
            offset = got.end + 1;
        }
        finish(data, &options, Some(StatusCode::PARTIAL_CONTENT))
    }
}

/// The deadline of one download, on the client's clock.
struct Budget<'a> {
    clock: &'a dyn Clock,
    started: SystemTime,
    deadline: Duration,
}

impl<'a> Budget<'a> {
    fn new(clock: &'a dyn Clock, deadline: Duration) -> Self {
        Budget {
            clock,
            started: clock.now(),
            deadline,
        }
    }

    fn exceeded(&self) -> Error {
        Error::LimitExceeded {
            operation: GET_OPERATION,
            limit: Limit::AgnssDeadline(self.deadline),
        }
    }

    /// Runs one request if time is left, for at most the time left. A clock that goes back
    /// counts as no time passed.
    async fn run<T>(&self, request: impl Future<Output = T>) -> Result<T, Error> {
        let spent = self
            .clock
            .now()
            .duration_since(self.started)
            .unwrap_or_default();
        let Some(left) = self.deadline.checked_sub(spent).filter(|d| !d.is_zero()) else {
            return Err(self.exceeded());
        };
        tokio::time::timeout(left, request)
            .await
            .map_err(|_| self.exceeded())
    }
}

/// GetAssistanceDataSize with the query parameters equivalent to the body.
fn size_request<'a>(
    api: &'a nrfcloud_api::Client,
    body: &types::GetAssistanceDataBody,
) -> builder::GetAssistanceDataSize<'a> {
    let mut b = api.get_assistance_data_size();
    if let Some(v) = &body.eci {
        b = b.eci(v.clone());
    }
    if let Some(v) = &body.filtered {
        b = b.filtered(v.clone());
    }
    if let Some(v) = &body.mask {
        b = b.mask(v.clone());
    }
    if let Some(v) = &body.mcc {
        b = b.mcc(v.clone());
    }
    if let Some(v) = &body.mnc {
        b = b.mnc(query_mnc(v));
    }
    if let Some(v) = &body.rsrp {
        b = b.rsrp(v.clone());
    }
    if let Some(v) = &body.tac {
        b = b.tac(v.clone());
    }
    if !body.types.is_empty() {
        b = b.types(body.types.clone());
    }
    b
}

/// An integral `Mnc::Number` as digits: the query encoder would write `2.0` for the number 2
/// (a leading-zero MNC such as "001" is a string already and stays as it is).
fn query_mnc(mnc: &types::Mnc) -> types::Mnc {
    match mnc {
        types::Mnc::Number(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 => {
            types::Mnc::String(format!("{n:.0}"))
        }
        other => other.clone(),
    }
}

/// The HEAD's `Content-Length`: `None` when absent.
fn content_length(headers: &HeaderMap) -> Result<Option<u64>, Error> {
    let Some(value) = headers.get(CONTENT_LENGTH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(parse_digits)
        .map(Some)
        .ok_or_else(|| {
            Error::decode(
                HEAD_OPERATION,
                Some(200),
                format!("bad Content-Length {value:?}"),
                b"",
            )
        })
}

fn check_size(
    total: u64,
    options: &AgnssDownload,
    status: Option<StatusCode>,
) -> Result<(), Error> {
    if total > options.max_size {
        return Err(Error::decode(
            if status.is_some() {
                GET_OPERATION
            } else {
                HEAD_OPERATION
            },
            Some(status.map_or(200, |s| s.as_u16())),
            format!(
                "the A-GNSS data is {total} bytes, more than the {} allowed (AgnssDownload::max_size)",
                options.max_size
            ),
            b"",
        ));
    }
    Ok(())
}

fn finish(
    data: Vec<u8>,
    options: &AgnssDownload,
    status: Option<StatusCode>,
) -> Result<Vec<u8>, Error> {
    if options.validate {
        AgnssData::parse(&data).map_err(|e| {
            Error::decode(
                GET_OPERATION,
                status.map(|s| s.as_u16()),
                format!("invalid A-GNSS data: {e}"),
                &data,
            )
        })?;
    }
    Ok(data)
}

fn decode(status: StatusCode, reason: impl Into<String>, body: &[u8]) -> Error {
    Error::decode(GET_OPERATION, Some(status.as_u16()), reason, body)
}

/// Reads a body, failing once it is longer than `limit`.
async fn collect(stream: ByteStream, limit: u64, status: StatusCode) -> Result<Bytes, Error> {
    let mut stream = stream.into_inner();
    let mut out: Vec<u8> = Vec::new();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| Error::transport(GET_OPERATION, e))?
    {
        out.extend_from_slice(&chunk);
        if out.len() as u64 > limit {
            return Err(decode(
                status,
                format!("the body is longer than the {limit} bytes expected"),
                &out,
            ));
        }
    }
    Ok(Bytes::from(out))
}

/// `bytes a-b/total` (total `*` when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContentRange {
    start: u64,
    end: u64,
    total: Option<u64>,
}

impl ContentRange {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (unit, rest) = text.split_once(' ')?;
        if !unit.eq_ignore_ascii_case("bytes") {
            return None;
        }
        let (range, total) = rest.trim_start().split_once('/')?;
        let (start, end) = range.split_once('-')?;
        let (start, end) = (parse_digits(start)?, parse_digits(end)?);
        let total = match total {
            "*" => None,
            t => Some(parse_digits(t)?),
        };
        (start <= end).then_some(ContentRange { start, end, total })
    }
}

/// A decimal number of ASCII digits only (no sign, no spaces).
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// GetAssistanceData that also accepts a 200 (the whole file) besides the documented 206.
struct WholeOrPartial<'a>(builder::GetAssistanceData<'a>);

impl<'a> Sendable<'a> for WholeOrPartial<'a> {
    type Response = ByteStream;
    type ErrorBody = ();

    fn operation(&self) -> &'static Operation {
        self.0.operation()
    }

    fn call_extensions_mut(&mut self) -> &mut nrfcloud_api::hooks::Extensions {
        self.0.call_extensions_mut()
    }

    fn send_boxed(
        self,
    ) -> BoxFuture<'a, Result<ResponseValue<ByteStream>, nrfcloud_api::Error<()>>> {
        Box::pin(async move {
            match self.0.send().await {
                Err(nrfcloud_api::Error::UnexpectedResponse(response))
                    if response.status() == StatusCode::OK =>
                {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let stream = ByteStream::new(Box::pin(response.bytes_stream()));
                    Ok(ResponseValue::new(stream, status, headers))
                }
                other => other,
            }
        })
    }
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
            SystemClock {
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
        let table = [
            (1, 14),
            (2, 62),
            (3, 31),
            (4, 8),
            (6, 4),
            (7, 16),
            (8, 15),
            (9, 4),
        ];
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

    #[test]
    fn content_range_parsing() {
        let cr = |s| ContentRange::parse(s);
        assert_eq!(
            cr("bytes 0-1699/3000"),
            Some(ContentRange {
                start: 0,
                end: 1699,
                total: Some(3000)
            })
        );
        assert_eq!(
            cr(" Bytes 1700-2999/*"),
            Some(ContentRange {
                start: 1700,
                end: 2999,
                total: None
            })
        );
        for bad in [
            "",
            "bytes",
            "bytes */3000",
            "bytes 5-4/10",
            "bytes 0-1699",
            "items 0-1/2",
            "bytes +0-1/2",
            "bytes 0--1/2",
            "bytes 0-1/-2",
            "bytes 0-99999999999999999999999/1",
        ] {
            assert_eq!(cr(bad), None, "{bad:?}");
        }
    }
}
