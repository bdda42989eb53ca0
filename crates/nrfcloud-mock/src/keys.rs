//! ES256 key pairs, PEM encoding, small self-signed or CA-signed X.509 certificates, and device
//! JWTs: what a test needs to act like a device (or a team service) towards the mock.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, Timelike, Utc};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use serde_json::{Value, json};

use crate::der::{self, tag};
use crate::jwt;

/// OID 1.2.840.10045.4.3.2, ecdsa-with-SHA256.
const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// OID 2.5.4.3, commonName.
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// An ES256 (P-256) key pair, for devices, team service keys and the mock's own CA.
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_key", &self.public_key_pem())
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// A fresh random key pair.
    pub fn generate() -> Self {
        Self {
            signing: SigningKey::random(&mut rand::rngs::OsRng),
        }
    }

    /// A key pair derived deterministically from `seed` (the same seed gives the same key).
    pub fn from_seed(seed: &[u8]) -> Self {
        let mut counter: u64 = 0;
        loop {
            let mut bytes = [0u8; 32];
            for (i, chunk) in bytes.chunks_mut(8).enumerate() {
                let mut input = seed.to_vec();
                input.extend_from_slice(&counter.to_le_bytes());
                input.push(i as u8);
                chunk.copy_from_slice(&crate::ids::fnv1a(&input).to_be_bytes());
            }
            if let Ok(signing) = SigningKey::from_slice(&bytes) {
                return Self { signing };
            }
            counter += 1;
        }
    }

    /// Reads a private key in PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`).
    ///
    /// # Errors
    ///
    /// Why the text is not a P-256 private key in either form.
    pub fn from_private_key_pem(pem: &str) -> Result<Self, String> {
        if let Ok(signing) = SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self { signing });
        }
        let der = pem_block(pem, "EC PRIVATE KEY").ok_or("not a P-256 private key in PEM")?;
        p256::SecretKey::from_sec1_der(&der)
            .map(|secret| Self {
                signing: SigningKey::from(secret),
            })
            .map_err(|e| format!("not a P-256 private key: {e}"))
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn private_key_pem(&self) -> String {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .unwrap_or_default()
    }

    /// The private key as SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`).
    pub fn sec1_private_key_pem(&self) -> String {
        p256::SecretKey::from(self.signing.clone())
            .to_sec1_der()
            .map(|der| pem_encode("EC PRIVATE KEY", &der))
            .unwrap_or_default()
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), with a final line break.
    pub fn public_key_pem(&self) -> String {
        self.verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// A self-signed X.509 certificate for this key, as PEM with a final line break.
    pub fn certificate_pem(&self, common_name: &str) -> String {
        self.certificate_signed_by(common_name, self, common_name)
    }

    /// An X.509 certificate for this key with subject `common_name`, signed by `issuer` whose
    /// subject is `issuer_name`; PEM with a final line break.
    pub fn certificate_signed_by(
        &self,
        common_name: &str,
        issuer: &KeyPair,
        issuer_name: &str,
    ) -> String {
        let der = build_certificate(
            common_name,
            self.verifying_key(),
            issuer_name,
            &issuer.signing,
            Utc::now(),
        );
        pem_encode("CERTIFICATE", &der)
    }

    /// Signs arbitrary claims as an ES256 JWT.
    pub fn sign_jwt(&self, claims: &Value) -> String {
        jwt::sign(claims, &self.signing)
    }

    /// A device JWT: `sub` = `device_id`, `iat` = now, `exp` = now + `ttl`.
    pub fn device_jwt(&self, device_id: &str, ttl: Duration) -> String {
        let now = Utc::now().timestamp();
        self.sign_jwt(&json!({
            "sub": device_id,
            "iat": now,
            "exp": now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        }))
    }

    /// A team service-key JWT: `aud` = `tenant_id`, `iat` = now, `exp` = now + `ttl`.
    pub fn service_jwt(&self, tenant_id: &str, ttl: Duration) -> String {
        let now = Utc::now().timestamp();
        self.sign_jwt(&json!({
            "aud": tenant_id,
            "iat": now,
            "exp": now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        }))
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        self.signing.verifying_key()
    }
}

/// The public key found in a PEM public key (`BEGIN PUBLIC KEY`) or certificate
/// (`BEGIN CERTIFICATE`), if it is a P-256 key.
pub(crate) fn public_key_from_pem(pem: &str) -> Option<VerifyingKey> {
    if let Some(der) = pem_block(pem, "PUBLIC KEY") {
        return VerifyingKey::from_public_key_der(&der).ok();
    }
    let der = pem_block(pem, "CERTIFICATE")?;
    VerifyingKey::from_public_key_der(der::certificate_spki(&der)?).ok()
}

/// The decoded body of the first PEM block with this label.
pub(crate) fn pem_block(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

/// Encodes DER as PEM with 64-character lines and a final line break.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn name(common_name: &str) -> Vec<u8> {
    let attribute = der::seq(&[
        &der::tlv(tag::OID, COMMON_NAME),
        &der::tlv(tag::UTF8_STRING, common_name.as_bytes()),
    ]);
    der::seq(&[&der::tlv(tag::SET, &attribute)])
}

fn time(t: DateTime<Utc>) -> Vec<u8> {
    if (1950..2050).contains(&t.year()) {
        let s = format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            t.year() % 100,
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        der::tlv(tag::UTC_TIME, s.as_bytes())
    } else {
        let s = t.format("%Y%m%d%H%M%SZ").to_string();
        der::tlv(tag::GENERALIZED_TIME, s.as_bytes())
    }
}

fn build_certificate(
    subject: &str,
    subject_key: &VerifyingKey,
    issuer: &str,
    issuer_key: &SigningKey,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let mut serial: [u8; 16] = rand::random();
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let algorithm = der::seq(&[&der::tlv(tag::OID, ECDSA_WITH_SHA256)]);
    let not_before = now - chrono::Duration::hours(1);
    let not_after = now + chrono::Duration::days(3650);
    let spki = subject_key
        .to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .unwrap_or_default();
    let tbs = der::seq(&[
        &der::tlv(tag::CONTEXT_0, &der::integer(&[2])),
        &der::integer(&serial),
        &algorithm,
        &name(issuer),
        &der::seq(&[&time(not_before), &time(not_after)]),
        &name(subject),
        &spki,
    ]);
    let signature: DerSignature = issuer_key.sign(&tbs);
    let mut bits = vec![0u8];
    bits.extend_from_slice(signature.as_bytes());
    der::seq(&[&tbs, &algorithm, &der::tlv(tag::BIT_STRING, &bits)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_carries_the_public_key() {
        let key = KeyPair::generate();
        let pem = key.certificate_pem("device-1");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
        assert_eq!(
            public_key_from_pem(&pem).as_ref(),
            Some(key.verifying_key())
        );
    }

    #[test]
    fn public_key_pem_round_trips() {
        let key = KeyPair::generate();
        assert_eq!(
            public_key_from_pem(&key.public_key_pem()).as_ref(),
            Some(key.verifying_key())
        );
    }

    #[test]
    fn private_key_pems_round_trip() {
        let key = KeyPair::generate();
        let again = KeyPair::from_private_key_pem(&key.private_key_pem()).expect("pkcs8");
        assert_eq!(again.verifying_key(), key.verifying_key());
        let again = KeyPair::from_private_key_pem(&key.sec1_private_key_pem()).expect("sec1");
        assert_eq!(again.verifying_key(), key.verifying_key());
    }

    #[test]
    fn seeded_keys_are_deterministic() {
        let a = KeyPair::from_seed(b"x");
        let b = KeyPair::from_seed(b"x");
        assert_eq!(a.verifying_key(), b.verifying_key());
    }
}
