//! The string types whose `pattern` `nrfcloud-codegen` checks with plain code instead of
//! `regress` (`crates/nrfcloud-codegen/src/patterns.rs`) accept exactly what `regress` accepts:
//! the generated `FromStr` of each is compared with the regex on seeded random strings, built
//! mostly from the characters around the edges of its classes. `TryFrom<String>` and
//! `Deserialize`, which keep the string they check (`checked_strings.rs`), give the same
//! verdicts, values and error texts as `FromStr`.

use std::str::FromStr;

use nrfcloud_api::types::{
    BundleId, DeviceId, DeviceName, FotaJobByCriteriaFirmwareType, TenantId, ThingType, Ulid,
};

/// A seeded generator.
fn rng() -> impl FnMut() -> u64 {
    let mut rng = nrfcloud_testkit::Rng::new(0x2545_f491_4f6c_dd1d);
    move || rng.next()
}

/// What the three ways in of a checked string type must agree on.
trait Checked:
    FromStr<Err: std::fmt::Display>
    + TryFrom<String, Error: std::fmt::Display>
    + serde::de::DeserializeOwned
    + serde::Serialize
{
}

impl<T> Checked for T where
    T: FromStr<Err: std::fmt::Display>
        + TryFrom<String, Error: std::fmt::Display>
        + serde::de::DeserializeOwned
        + serde::Serialize
{
}

/// `FromStr`, `TryFrom<String>` and `Deserialize` on `s`: the value as JSON, or the error.
fn three_ways<T: Checked>(s: &str) -> [Result<String, String>; 3] {
    let show = |v: &T| serde_json::to_string(v).expect("serializes");
    [
        T::from_str(s).map(|v| show(&v)).map_err(|e| e.to_string()),
        T::try_from(s.to_string())
            .map(|v| show(&v))
            .map_err(|e| e.to_string()),
        serde_json::from_value::<T>(serde_json::Value::from(s))
            .map(|v| show(&v))
            .map_err(|e| e.to_string()),
    ]
}

fn agree<T: Checked>(pattern: &str, alphabet: &str, lengths: &[usize]) {
    let alphabet: Vec<char> = alphabet.chars().collect();
    let mut next = rng();
    let mut round = 0;
    agree_on::<T>(pattern, move || {
        round += 1;
        let len = lengths[round % lengths.len()] + (next() % 3) as usize;
        (0..len)
            .map(|_| alphabet[next() as usize % alphabet.len()])
            .collect()
    });
}

fn agree_on<T: Checked>(pattern: &str, mut sample: impl FnMut() -> String) {
    let regex = regress::Regex::new(pattern).unwrap();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..30_000 {
        let s = sample();
        let want = regex.find(&s).is_some();
        let [parsed, converted, decoded] = three_ways::<T>(&s);
        assert_eq!(parsed.is_ok(), want, "{pattern} on {s:?}");
        assert_eq!(converted, parsed, "TryFrom<String>: {pattern} on {s:?}");
        assert_eq!(decoded, parsed, "Deserialize: {pattern} on {s:?}");
        if want {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    // Both answers were exercised.
    assert!(
        accepted > 100 && refused > 100,
        "{pattern}: {accepted} accepted, {refused} refused"
    );
}

#[test]
fn device_ids() {
    agree::<DeviceId>(
        "^[a-z0-9:_-]{1,128}$",
        "az09:_-aqz5-`{/;A",
        &[0, 1, 5, 20, 126, 127, 128],
    );
}

#[test]
fn device_names() {
    agree::<DeviceName>(
        "^[a-zA-Z0-9.@:#-]{1,128}$",
        "azAZ09.@:#-q W_é/",
        &[0, 1, 12, 126, 127],
    );
}

#[test]
fn team_ids() {
    // Groups of 8-4-4-4-12 hex digits with or without dashes, half of them then damaged.
    let mut next = rng();
    let noise: Vec<char> = "0af9-gA-".chars().collect();
    agree_on::<TenantId>(
        "^[a-f0-9]{8}-?[a-f0-9]{4}-?[a-f0-9]{4}-?[a-f0-9]{4}-?[a-f0-9]{12}$",
        move || {
            let mut s = String::new();
            for (i, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
                if i > 0 && next() & 1 == 0 {
                    s.push('-');
                }
                for _ in 0..len {
                    s.push(b"0123456789abcdef"[next() as usize % 16] as char);
                }
            }
            let mut chars: Vec<char> = s.chars().collect();
            match next() % 6 {
                0 => chars.insert(
                    next() as usize % chars.len(),
                    noise[next() as usize % noise.len()],
                ),
                1 => {
                    chars.remove(next() as usize % chars.len());
                }
                2 => {
                    let i = next() as usize % chars.len();
                    chars[i] = noise[next() as usize % noise.len()];
                }
                _ => {}
            }
            chars.into_iter().collect()
        },
    );
    assert!(TenantId::from_str("a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d").is_ok());
}

#[test]
fn ulids() {
    agree::<Ulid>(
        "^[0-9A-HJKMNP-TV-Z]{26}$",
        "0123456789ABCDEFGHJKMNPQRSTVWXYZILOUa",
        &[24, 25],
    );
}

#[test]
fn bundle_ids() {
    // A firmware type (or a near miss), `*`, 8 characters of the class (or 7 or 9), `*`, then
    // anything, line terminators included, which `.` refuses.
    let mut next = rng();
    let types = [
        "APP",
        "MODEM",
        "BOOT",
        "BOOTLOADER",
        "MDM_FULL",
        "SMP",
        "CUSTOM",
        "SOFTDEVICE",
        "BOO",
        "app",
        "APPX",
        "",
    ];
    let class: Vec<char> = "09azAZ_-*".chars().collect();
    let tail: Vec<char> = "v1.2.3 *é\n\r\u{2028}\u{2029}".chars().collect();
    agree_on::<BundleId>(
        "^(APP|MODEM|BOOT|SOFTDEVICE|BOOTLOADER|MDM_FULL|SMP|CUSTOM)\\*[0-9a-zA-Z]{8}\\*.*$",
        move || {
            let mut s = types[next() as usize % types.len()].to_string();
            if !next().is_multiple_of(8) {
                s.push('*');
            }
            let n = [8, 8, 8, 7, 9][next() as usize % 5];
            let clean = next().is_multiple_of(2);
            for _ in 0..n {
                s.push(if clean {
                    "0aZ9"[..].chars().nth(next() as usize % 4).unwrap()
                } else {
                    class[next() as usize % class.len()]
                });
            }
            if !next().is_multiple_of(8) {
                s.push('*');
            }
            for _ in 0..next() % 6 {
                s.push(tail[next() as usize % tail.len()]);
            }
            s
        },
    );
    assert!(BundleId::from_str("APP*1a2b3c4d*v1.0.0").is_ok());
}

#[test]
fn firmware_types() {
    let mut next = rng();
    let words = [
        "APP",
        "BOOT",
        "MODEM",
        "APPBOOT",
        "MODEM ",
        "app",
        "",
        "BOOTLOADER",
    ];
    agree_on::<FotaJobByCriteriaFirmwareType>("^(APP|BOOT|MODEM)$", move || {
        words[next() as usize % words.len()].to_string()
    });
}

#[test]
fn thing_types_accept_any_string() {
    // Unanchored and able to match nothing: the regex finds an (empty) match in every string.
    let regex = regress::Regex::new("[a-zA-Z0-9_.,@\\/:#-]{0,799}").unwrap();
    let long = "é".repeat(900);
    for s in ["", "a", "!!", "x y\nz", long.as_str()] {
        assert!(regex.find(s).is_some(), "{s:?}");
        assert!(ThingType::from_str(s).is_ok(), "{s:?}");
    }
}
