//! ES256 JSON Web Tokens: signing, and decoding plus signature and time-claim checking.
//!
//! Signatures are checked as the P-256 standard defines them: a signature whose `s` is in
//! the upper half of the group order (the "high-S", malleable twin of a valid one) is accepted,
//! as OpenSSL-based JWT libraries (node's `jsonwebtoken` and `jose`, Python's `cryptography`)
//! and Go's `crypto/ecdsa` accept it, and as devices produce it: neither the nRF91 modem's
//! JWTs nor ECDSA signers without low-S normalisation (this project's client included) avoid
//! it, so about half of all genuine tokens are high-S.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};

use crate::limits::JwtRules;

/// base64url without padding for encoding; padding tolerated when decoding.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A JWT split into its parts, not yet verified.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    pub(crate) header: Value,
    pub(crate) claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl Decoded {
    /// A string claim.
    pub(crate) fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// Whether the `aud` claim (a string or an array of strings) contains `value`.
    pub(crate) fn audience_contains(&self, value: &str) -> bool {
        match self.claims.get("aud") {
            Some(Value::String(s)) => s == value,
            Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(value)),
            _ => false,
        }
    }

    /// A time claim (seconds since the epoch): `Ok(None)` when absent, an error when it is
    /// anything but a JSON number (`"0"` or `null` included), as JWT libraries refuse it.
    fn time_claim(&self, name: &str) -> Result<Option<f64>, String> {
        match self.claims.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(format!(
                "The JWT's {name} claim must be a number (seconds since the epoch)"
            )),
        }
    }

    /// The checks every JWT passes: `exp`, `iat` and `nbf` are numbers when present, `exp`
    /// has not passed, and neither `iat` nor `nbf` lies further ahead than the leeway.
    pub(crate) fn check_times(&self, now_secs: i64, rules: &JwtRules) -> Result<(), String> {
        let now = now_secs as f64;
        let leeway = rules.clock_leeway.as_secs_f64();
        let exp = self.time_claim("exp")?;
        let iat = self.time_claim("iat")?;
        let nbf = self.time_claim("nbf")?;
        if exp.is_some_and(|exp| exp <= now) {
            return Err("The JWT has expired".into());
        }
        if let Some(nbf) = nbf.filter(|nbf| *nbf > now + leeway) {
            return Err(format!(
                "The JWT is not valid yet: nbf {nbf} is after the server's time {now_secs} \
                 (clock leeway {leeway} s)"
            ));
        }
        if let Some(iat) = iat.filter(|iat| *iat > now + leeway) {
            return Err(format!(
                "The JWT was issued in the future: iat {iat} is after the server's time \
                 {now_secs} (clock leeway {leeway} s)"
            ));
        }
        Ok(())
    }

    /// The checks of a device JWT on top of [`Decoded::check_times`]: it has an `exp`, and
    /// its lifetime (`exp` − `iat`, or `exp` − now without `iat`) is within the rules.
    pub(crate) fn check_device_lifetime(
        &self,
        now_secs: i64,
        rules: &JwtRules,
    ) -> Result<(), String> {
        let max = rules.max_device_lifetime.as_secs_f64();
        let Some(exp) = self.time_claim("exp")? else {
            return Err(
                "A device JWT must have an exp claim (seconds since the epoch); it has none".into(),
            );
        };
        let (lifetime, allowed) = match self.time_claim("iat")? {
            Some(iat) => (exp - iat, max),
            None => (
                exp - now_secs as f64,
                max + rules.clock_leeway.as_secs_f64(),
            ),
        };
        if lifetime > allowed {
            return Err(format!(
                "The device JWT is valid for {lifetime} s; at most {max} s (7 days by default, \
                 JWT rule max_device_lifetime) are accepted"
            ));
        }
        Ok(())
    }

    /// Checks the ES256 signature with `key`.
    pub(crate) fn verify(&self, key: &VerifyingKey) -> bool {
        if self.header.get("alg").and_then(Value::as_str) != Some("ES256") {
            return false;
        }
        let Ok(signature) = Signature::from_slice(&self.signature) else {
            return false;
        };
        key.verify(self.signing_input.as_bytes(), &signature)
            .is_ok()
    }
}

/// Splits and decodes a compact JWT; `None` if it is not one.
pub(crate) fn decode(token: &str) -> Option<Decoded> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&B64URL.decode(h).ok()?).ok()?;
    let claims: Value = serde_json::from_slice(&B64URL.decode(c).ok()?).ok()?;
    if !header.is_object() || !claims.is_object() {
        return None;
    }
    Some(Decoded {
        header,
        claims,
        signing_input: format!("{h}.{c}"),
        signature: B64URL.decode(s).ok()?,
    })
}

/// Signs `claims` as an ES256 JWT.
pub(crate) fn sign(claims: &Value, key: &SigningKey) -> String {
    let header = json!({ "alg": "ES256", "typ": "JWT" });
    let h = B64URL.encode(serde_json::to_vec(&header).unwrap_or_default());
    let c = B64URL.encode(serde_json::to_vec(claims).unwrap_or_default());
    let input = format!("{h}.{c}");
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", B64URL.encode(signature.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let other = SigningKey::random(&mut rand::rngs::OsRng);
        let token = sign(&json!({"sub": "dev-1"}), &key);
        let decoded = decode(&token).expect("decodes");
        assert_eq!(decoded.claim_str("sub"), Some("dev-1"));
        assert!(decoded.verify(key.verifying_key()));
        assert!(!decoded.verify(other.verifying_key()));
    }

    #[test]
    fn garbage_is_not_a_jwt() {
        assert!(decode("not-a-token").is_none());
        assert!(decode("a.b.c").is_none());
    }
}
