//! The errors of the generated types' conversions, naming the rejected value (see
//! `nrfcloud-codegen`'s `conversion_errors`): `"NRF 1": doesn't match pattern "^[a-z0-9:_-]{1,128}$"`.

use crate::types::error::ConversionError;

/// The most characters of a rejected value an error shows.
pub const SHOWN_CHARS: usize = 64;

/// `value` (quoted, cut to [`SHOWN_CHARS`]) and the rule it broke.
pub fn rejected(value: &str, rule: &str) -> ConversionError {
    let mut shown: String = value.chars().take(SHOWN_CHARS).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("{shown:?}: {rule}").into()
}

/// The rule a secret value broke; the value itself stays out of the error.
pub fn rejected_secret(rule: &str) -> ConversionError {
    format!("<redacted>: {rule}").into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_secrets_left_out() {
        assert_eq!(rejected("NRF 1", "bad").to_string(), r#""NRF 1": bad"#);
        let long = "x".repeat(200);
        let text = rejected(&long, "bad").to_string();
        assert!(
            text.starts_with(&format!("\"{}…\"", "x".repeat(SHOWN_CHARS))),
            "{text}"
        );
        assert_eq!(
            rejected_secret("too long").to_string(),
            "<redacted>: too long"
        );
    }
}
