//! A-GNSS assistance data: the chunked download ([`LocationHandler::agnss`](crate::LocationHandler::agnss)) and a parser and
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
//! let bytes = client.location().agnss(request, AgnssDownload::new()).await?;
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
//!   client's clock ([`ClientBuilder::time_source`](crate::ClientBuilder::time_source)) before each
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
//! | 7 | GPS system clock and time of week ([`GpsSystemClock`]) | 16 |
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

#[cfg(doc)]
use crate::{Client, Error};

mod download;
mod format;
mod records;

pub use download::{
    AgnssDownload, DEFAULT_DEADLINE, DEFAULT_FRAGMENT_SIZE, DEFAULT_MAX_SIZE,
    DEFAULT_MIN_FRAGMENT_SIZE,
};
pub use format::{
    AgnssData, AgnssElement, AgnssElementType, AgnssParseError, AgnssRecords, SCHEMA_VERSION,
};
pub use records::{
    Almanac, ApproximateLocation, Ephemeris, GpsSystemClock, Integrity, KlobucharCorrection,
    SvTimeOfWeek, UtcParameters,
};
