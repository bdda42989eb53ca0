//! ES256 JSON Web Tokens: signing, and decoding plus signature checking.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};

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

    /// `true` when the token has an `exp` claim in the past.
    pub(crate) fn is_expired(&self, now_secs: i64) -> bool {
        self.claims
            .get("exp")
            .and_then(Value::as_f64)
            .is_some_and(|exp| exp < now_secs as f64)
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
