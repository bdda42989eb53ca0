//! The `Deserialize` of the generated types' timestamps (`format: date-time`, typed
//! `chrono::DateTime<Utc>`): the code generator (`nrfcloud-codegen`'s `timestamps`) points
//! every such field here with `deserialize_with`.
//!
//! chrono's own `Deserialize` runs its general, item-driven RFC 3339 parser, about 1,700
//! instructions per timestamp. The service writes one shape (`2019-08-24T14:15:22Z`, at times
//! with a fraction of a second or a numeric offset); [`parse`] reads that shape in one pass
//! and hands any other text to chrono. Where the short path answers, the instant is the one
//! chrono computes from the same text (the tests compare both over generated and mutated
//! timestamps); everything else, errors included, is chrono's.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde::de::{self, Deserializer, Visitor};

/// `deserialize_with` of a `DateTime<Utc>` field.
pub(crate) fn utc<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(Rfc3339)
}

/// `deserialize_with` of an `Option<DateTime<Utc>>` field (with `#[serde(default)]`, so a
/// missing field is `None`, as with the derive; `null` is `None` too).
pub(crate) fn utc_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    struct Timestamp(DateTime<Utc>);
    impl<'de> de::Deserialize<'de> for Timestamp {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            utc(d).map(Timestamp)
        }
    }
    <Option<Timestamp> as de::Deserialize>::deserialize(d).map(|t| t.map(|t| t.0))
}

struct Rfc3339;

impl Visitor<'_> for Rfc3339 {
    type Value = DateTime<Utc>;

    /// chrono's words, so that an error reads the same as with its `Deserialize`.
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime<Utc>, E> {
        parse(v).map_err(E::custom)
    }
}

/// `text` as chrono's `DateTime<Utc>` deserializer reads it (`str::parse` into
/// `DateTime<FixedOffset>`, then UTC), the service's own shape without chrono's parser.
pub(crate) fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match short_path(text.as_bytes()) {
        Some(t) => Ok(t),
        None => text
            .parse::<DateTime<FixedOffset>>()
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, then an optional `.` and 1 to 9 digits, then `Z` or `±HH:MM`, with
/// every field in range (no leap second); `None` for anything else, which chrono then reads.
fn short_path(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 20 {
        return None;
    }
    let two = |i: usize| -> Option<u32> {
        let (hi, lo) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (hi < 10 && lo < 10).then_some(u32::from(hi) * 10 + u32::from(lo))
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if second > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let [b'.', fraction @ ..] = rest {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        for &c in &fraction[..digits] {
            nanos = nanos * 10 + u32::from(c - b'0');
        }
        nanos *= 10u32.pow(9 - digits as u32);
        rest = &fraction[digits..];
    }
    let offset_minutes: i64 = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h1, h2, m1, m2) = (
                h1.wrapping_sub(b'0'),
                h2.wrapping_sub(b'0'),
                m1.wrapping_sub(b'0'),
                m2.wrapping_sub(b'0'),
            );
            if h1 > 9 || h2 > 9 || m1 > 9 || m2 > 9 {
                return None;
            }
            let (hours, minutes) = (i64::from(h1 * 10 + h2), i64::from(m1 * 10 + m2));
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' { -total } else { total }
        }
        _ => return None,
    };
    let local = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    if offset_minutes == 0 {
        // `Z` (what the service sends) or `+00:00`: already UTC.
        return Some(local.and_utc());
    }
    let utc = local.checked_sub_signed(TimeDelta::try_minutes(offset_minutes)?)?;
    Some(utc.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// chrono's reading of `text`, as its `Deserialize` for `DateTime<Utc>` does it.
    fn chrono(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
        text.parse::<DateTime<FixedOffset>>()
            .map(|t| t.with_timezone(&Utc))
    }

    /// A small deterministic generator (xorshift), so the corpus is the same in every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Timestamps of the service's shape, with fields often out of range, fractions of 0 to
    /// 11 digits and offsets of every form.
    fn generated(rng: &mut Rng) -> String {
        let year = [0, 1, 1970, 1999, 2000, 2019, 2024, 2100, 9999][rng.below(9) as usize];
        let month = rng.below(14);
        let day = rng.below(33);
        let hour = rng.below(26);
        let minute = rng.below(62);
        let second = rng.below(62);
        let fraction = match rng.below(12) {
            0 => String::new(),
            n => format!(".{}", &format!("{:011}", rng.next())[..n as usize - 1]),
        };
        let offset = match rng.below(6) {
            0 | 1 => "Z".to_string(),
            2 => format!("+{:02}:{:02}", rng.below(26), rng.below(62)),
            3 => format!("-{:02}:{:02}", rng.below(26), rng.below(62)),
            4 => "-00:00".to_string(),
            _ => ["z", "+0100", "+01", " Z", "UTC", "+01:00:00", ""][rng.below(7) as usize]
                .to_string(),
        };
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}")
    }

    /// One byte replaced, removed or doubled, or the `T` made a space.
    fn mutated(rng: &mut Rng, text: &str) -> String {
        let mut b = text.as_bytes().to_vec();
        let i = rng.below(b.len() as u64) as usize;
        match rng.below(4) {
            0 => {
                let pool = b"0123456789-:+.TZtz x\xc3";
                b[i] = pool[rng.below(pool.len() as u64) as usize];
            }
            1 => {
                b.remove(i);
            }
            2 => b.insert(i, b[i]),
            _ => {
                if let Some(t) = b.iter().position(|&c| c == b'T') {
                    b[t] = b' ';
                }
            }
        }
        String::from_utf8_lossy(&b).into_owned()
    }

    #[test]
    fn the_short_path_reads_what_chrono_reads() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut short, mut both_ok, mut both_err) = (0, 0, 0);
        for _ in 0..200_000 {
            let text = generated(&mut rng);
            for text in [mutated(&mut rng, &text), text] {
                let ours = parse(&text);
                let theirs = chrono(&text);
                assert_eq!(ours, theirs, "{text:?}");
                if short_path(text.as_bytes()).is_some() {
                    short += 1;
                }
                if theirs.is_ok() {
                    both_ok += 1;
                } else {
                    both_err += 1;
                }
            }
        }
        // The corpus exercises the short path, chrono's path and errors, each in numbers.
        assert!(short > 40_000, "short path taken {short} times");
        assert!(both_ok > short + 10_000, "{both_ok} valid, {short} short");
        assert!(both_err > 40_000, "{both_err} errors");
    }

    #[test]
    fn the_service_shapes_take_the_short_path() {
        for (text, want) in [
            ("2019-08-24T14:15:22Z", "2019-08-24T14:15:22Z"),
            ("2019-08-24T14:15:22.123Z", "2019-08-24T14:15:22.123Z"),
            (
                "2024-02-29T23:59:59.999999999Z",
                "2024-02-29T23:59:59.999999999Z",
            ),
            ("2019-08-24T14:15:22+02:00", "2019-08-24T12:15:22Z"),
            ("2019-12-31T23:30:00-01:30", "2020-01-01T01:00:00Z"),
        ] {
            let got = short_path(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(got, want.parse::<DateTime<Utc>>().unwrap(), "{text}");
        }
        for text in [
            "2019-08-24t14:15:22Z",
            "2019-08-24T14:15:60Z",
            "2023-02-29T00:00:00Z",
            "2019-08-24T14:15:22.1234567891Z",
        ] {
            assert!(short_path(text.as_bytes()).is_none(), "{text}");
        }
    }

    #[test]
    fn errors_and_nulls_read_as_with_chrono() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Ours {
            #[serde(deserialize_with = "utc")]
            at: DateTime<Utc>,
            #[serde(default, deserialize_with = "utc_opt")]
            seen: Option<DateTime<Utc>>,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Theirs {
            at: DateTime<Utc>,
            seen: Option<DateTime<Utc>>,
        }
        for text in [
            r#"{"at": "2019-08-24T14:15:22Z"}"#,
            r#"{"at": "2019-08-24T14:15:22Z", "seen": null}"#,
            r#"{"at": "2019-08-24T14:15:22Z", "seen": "2019-08-24T14:15:22.5+01:00"}"#,
            r#"{"at": "2019-02-30T14:15:22Z"}"#,
            r#"{"at": 5}"#,
            r#"{"at": null}"#,
            r#"{"at": "2019-08-24T14:15:22Z", "seen": 1}"#,
            r#"{"at": "2019-08-24T14:15:22Z", "seen": "yesterday"}"#,
            r#"{"seen": "2019-08-24T14:15:22Z"}"#,
        ] {
            let ours = serde_json::from_str::<Ours>(text);
            let theirs = serde_json::from_str::<Theirs>(text);
            match (ours, theirs) {
                (Ok(a), Ok(b)) => assert_eq!((a.at, a.seen), (b.at, b.seen), "{text}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
                (a, b) => panic!("{text}: {a:?} vs {b:?}"),
            }
        }
    }
}
