//! A-GNSS assistance data: payloads in the nRF Cloud binary format (a schema-version byte,
//! then entries of `type: u8`, `count: u16 LE` and `count` fixed-size records), generated
//! deterministically from the request, and `Range` handling that trims chunks to whole records.

use crate::ids::{DetRng, fnv1a};

pub(crate) use nrfcloud_api::agnss_format::{SCHEMA_VERSION, record_len};

/// The default types when a request names none.
pub(crate) const DEFAULT_TYPES: [u8; 7] = [1, 2, 3, 4, 6, 7, 9];

/// What an assistance request asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct AgnssRequest {
    /// Requested types; empty means [`DEFAULT_TYPES`].
    pub(crate) types: Vec<u8>,
    /// `mcc/mnc/tac/eci` when all four were given.
    pub(crate) cell: Option<String>,
    pub(crate) filtered: bool,
    pub(crate) mask: Option<f64>,
}

/// A generated payload and the offsets where records end (valid chunk ends).
#[derive(Debug, Clone)]
pub(crate) struct Payload {
    pub(crate) bytes: Vec<u8>,
    cuts: Vec<usize>,
}

/// Builds the payload for a request: the same request always gives the same bytes. Types the
/// format does not support (5, 10–17) are left out, as is the location (8) without a cell.
pub(crate) fn generate(req: &AgnssRequest) -> Payload {
    let mut types: Vec<u8> = if req.types.is_empty() {
        DEFAULT_TYPES.to_vec()
    } else {
        req.types.clone()
    };
    types.sort_unstable();
    types.dedup();
    let seed = fnv1a(
        format!(
            "{types:?}|{:?}|{}|{:?}",
            req.cell,
            req.filtered,
            req.mask.map(f64::to_bits)
        )
        .as_bytes(),
    );
    let mut rng = DetRng::new(seed);
    let satellites: u16 = if req.filtered {
        8 + (seed % 9) as u16
    } else {
        31
    };
    let mut bytes = vec![SCHEMA_VERSION];
    let mut cuts = vec![1];
    for kind in types {
        let Some(len) = record_len(kind) else {
            continue;
        };
        let count: u16 = match kind {
            2 | 6 => satellites,
            3 => 31,
            8 if req.cell.is_none() => continue,
            _ => 1,
        };
        bytes.push(kind);
        bytes.extend_from_slice(&count.to_le_bytes());
        for _ in 0..count {
            for _ in 0..len {
                bytes.push((rng.next_u64() >> 56) as u8);
            }
            cuts.push(bytes.len());
        }
    }
    Payload { bytes, cuts }
}

impl Payload {
    /// The end (exclusive) of a chunk asked as `start..=end`: the last record end inside it,
    /// or the asked end when no record ends inside the range.
    pub(crate) fn trimmed_end(&self, start: usize, end_inclusive: usize) -> usize {
        let limit = (end_inclusive + 1).min(self.bytes.len());
        self.cuts
            .iter()
            .copied()
            .filter(|&c| c > start && c <= limit)
            .max()
            .unwrap_or(limit)
    }
}

/// Reads a `Range` header against a payload of `total` bytes: `bytes=a-b`, `bytes=a-` or
/// `bytes=-n`. `Err` describes why it cannot be satisfied.
pub(crate) fn parse_range(header: &str, total: usize) -> Result<(usize, usize), String> {
    let spec = header
        .trim()
        .strip_prefix("bytes=")
        .ok_or("the Range header must look like bytes=START-END")?;
    if spec.contains(',') {
        return Err("only one range is supported".into());
    }
    let (a, b) = spec
        .split_once('-')
        .ok_or("the Range header must look like bytes=START-END")?;
    let (a, b) = (a.trim(), b.trim());
    if total == 0 {
        return Err("the payload is empty".into());
    }
    let (start, end) = if a.is_empty() {
        let n: usize = b.parse().map_err(|_| "the suffix length is not a number")?;
        if n == 0 {
            return Err("a suffix range of 0 bytes is empty".into());
        }
        (total.saturating_sub(n), total - 1)
    } else {
        let start: usize = a.parse().map_err(|_| "the range start is not a number")?;
        let end: usize = if b.is_empty() {
            total - 1
        } else {
            b.parse().map_err(|_| "the range end is not a number")?
        };
        if end < start {
            return Err("the range end is before its start".into());
        }
        (start, end.min(total - 1))
    };
    if start >= total {
        return Err(format!(
            "the range starts at byte {start} but the payload has {total} bytes"
        ));
    }
    Ok((start, end))
}

/// Parses a payload the way a client would check it: `(type, count)` per entry.
#[cfg(test)]
pub(crate) fn entries(bytes: &[u8]) -> Result<Vec<(u8, u16)>, String> {
    let (&version, mut rest) = bytes.split_first().ok_or("empty")?;
    if version != SCHEMA_VERSION {
        return Err("bad schema version".into());
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 3 {
            return Err("truncated entry header".into());
        }
        let kind = rest[0];
        let count = u16::from_le_bytes([rest[1], rest[2]]);
        let len = record_len(kind).ok_or("unsupported datagram type")?;
        let need = 3 + len * usize::from(count);
        if rest.len() < need {
            return Err("entry too short".into());
        }
        out.push((kind, count));
        rest = &rest[need..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_payload_is_valid_and_deterministic() {
        let req = AgnssRequest::default();
        let a = generate(&req);
        assert_eq!(a.bytes, generate(&req).bytes);
        let e = entries(&a.bytes).expect("valid");
        assert_eq!(
            e.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 6, 7, 9]
        );
    }

    #[test]
    fn unsupported_types_and_location_without_cell_are_left_out() {
        let req = AgnssRequest {
            types: vec![5, 8, 12, 1],
            ..AgnssRequest::default()
        };
        assert_eq!(entries(&generate(&req).bytes).expect("valid"), vec![(1, 1)]);
    }

    #[test]
    fn ranges_and_trimming() {
        let p = generate(&AgnssRequest::default());
        let total = p.bytes.len();
        assert_eq!(parse_range("bytes=0-99", total), Ok((0, 99)));
        assert_eq!(parse_range("bytes=10-", total), Ok((10, total - 1)));
        assert_eq!(parse_range("bytes=-10", total), Ok((total - 10, total - 1)));
        assert!(parse_range(&format!("bytes={total}-"), total).is_err());
        assert!(parse_range("bytes=5-1", total).is_err());
        assert!(parse_range("items=0-1", total).is_err());
        // 1 version byte + 3 header + 14 (type 1) = 18, then header 3 + 62 per ephemeris.
        assert_eq!(p.trimmed_end(0, 99), 83);
        assert_eq!(p.trimmed_end(0, total + 10), total);
    }
}
