//! Identifiers, deterministic hashes and timestamps shared by the whole mock.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rand::Rng;

/// Crockford's base32 alphabet, as used by ULIDs.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A random (version 4) UUID in its lower-case hyphenated form.
pub(crate) fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::thread_rng().r#gen();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A ULID: 48 bits of milliseconds since the epoch then 80 random bits, in Crockford base32.
pub(crate) fn ulid() -> String {
    let millis = u128::try_from(Utc::now().timestamp_millis().max(0)).unwrap_or(0);
    let random: u128 = rand::thread_rng().r#gen::<u128>() & ((1u128 << 80) - 1);
    let mut value = (millis << 80) | random;
    let mut out = [b'0'; 26];
    for slot in out.iter_mut().rev() {
        *slot = CROCKFORD[(value & 31) as usize];
        value >>= 5;
    }
    out.iter().map(|&c| c as char).collect()
}

/// `n` random lower-case hexadecimal characters.
pub(crate) fn random_hex(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// FNV-1a, 64 bits: the mock's deterministic hash (stable across runs and platforms).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A small deterministic pseudo-random generator (xorshift64*), seeded by a hash.
#[derive(Debug, Clone)]
pub(crate) struct DetRng(u64);

impl DetRng {
    /// A generator whose sequence depends only on `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next 64 pseudo-random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The current time.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// ISO 8601 with milliseconds and a `Z`, as the API writes timestamps.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 date-time, or a bare date (meaning the start of that day, UTC).
pub(crate) fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulid_has_26_crockford_chars() {
        let id = ulid();
        assert_eq!(id.len(), 26);
        assert!(id.bytes().all(|c| CROCKFORD.contains(&c)));
    }

    #[test]
    fn uuid_is_v4_shaped() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn parse_iso_accepts_dates_and_date_times() {
        assert!(parse_iso("2020-06-25T21:05:12.830Z").is_some());
        assert!(parse_iso("2020-06-25").is_some());
        assert!(parse_iso("yesterday").is_none());
    }
}
