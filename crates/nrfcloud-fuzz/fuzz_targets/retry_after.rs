//! `Retry-After` with the retry policy: `retry::parse_retry_after` and
//! `RetryPolicy::wait_before_retry` never panic (no duration arithmetic overflows, whatever the
//! header or the policy), a wait never exceeds the policy's `max_wait`, and no retry is
//! allowed to end past `max_elapsed`.
//!
//! Input: five little-endian `u32` millisecond counts (`u32::MAX` meaning the longest
//! `Duration`): max wait, max elapsed, time elapsed so far, initial backoff, max backoff; one
//! byte of retry number; then the header value (decoded lossily as UTF-8).

#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use nrfcloud::RetryPolicy;
use nrfcloud::retry::parse_retry_after;

fn millis(bytes: &[u8]) -> Duration {
    let mut word = [0u8; 4];
    word[..bytes.len().min(4)].copy_from_slice(&bytes[..bytes.len().min(4)]);
    match u32::from_le_bytes(word) {
        u32::MAX => Duration::MAX,
        n => Duration::from_millis(u64::from(n)),
    }
}

fuzz_target!(|data: &[u8]| {
    let field = |i: usize| millis(data.get(i * 4..).unwrap_or_default());
    let (max_wait, max_elapsed, elapsed) = (field(0), field(1), field(2));
    let (initial, max_backoff) = (field(3), field(4));
    let retry = u32::from(data.get(20).copied().unwrap_or(0));
    let value = String::from_utf8_lossy(data.get(21..).unwrap_or_default());

    // A fixed "now" in 2023, and the ends of the representable range.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let after = parse_retry_after(&value, now);
    let _ = parse_retry_after(&value, SystemTime::UNIX_EPOCH);
    if let Some(far) = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64)) {
        let _ = parse_retry_after(&value, far);
    }
    let trimmed = value.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        let expected = trimmed
            .parse::<u64>()
            .map_or(Duration::MAX, Duration::from_secs);
        assert_eq!(after, Some(expected), "delay-seconds {trimmed:?}");
    }

    let policy = RetryPolicy::standard()
        .with_backoff(initial, max_backoff)
        .with_max_elapsed(max_elapsed)
        .with_max_wait(max_wait);
    for asked in [after, None] {
        match policy.wait_before_retry(retry, asked, elapsed) {
            Some(wait) => {
                assert!(wait <= max_wait, "{wait:?} over max_wait {max_wait:?}");
                assert!(
                    elapsed.saturating_add(wait) <= max_elapsed,
                    "{elapsed:?} + {wait:?} past max_elapsed {max_elapsed:?}"
                );
                if let Some(d) = asked {
                    assert_eq!(wait, d.min(max_wait), "Retry-After, clamped");
                }
            }
            None => {
                if let Some(d) = asked {
                    assert!(elapsed.saturating_add(d.min(max_wait)) > max_elapsed);
                }
            }
        }
    }
});
