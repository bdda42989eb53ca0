//! ES256 key pairs, PEM encoding, small self-signed or CA-signed X.509 certificates, and device
//! JWTs: what a test needs to act like a device (or a team service) towards the mock.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, Utc};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use serde_json::{Value, json};

use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::der::asn1::{Any, BitString, GeneralizedTime, SetOfVec, UtcTime};
use x509_cert::der::{Decode, Encode, Tag};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use crate::jwt;

/// ecdsa-with-SHA256.
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// commonName.
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

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

    /// An X.509 v3 certificate for this key with subject `common_name`, signed by `issuer`
    /// whose subject is `issuer_name`; PEM with a final line break (encoded with `x509-cert`).
    /// Panics only for a name over the DER length limit (256 MiB).
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
        )
        .expect("a certificate of a P-256 key with a UTF-8 name encodes");
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
    let spki = Certificate::from_der(&der)
        .ok()?
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .ok()?;
    VerifyingKey::from_public_key_der(&spki).ok()
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

/// `CN=common_name`.
fn name(common_name: &str) -> Option<Name> {
    let cn = AttributeTypeAndValue {
        oid: COMMON_NAME,
        value: Any::new(Tag::Utf8String, common_name.as_bytes()).ok()?,
    };
    let rdn = RelativeDistinguishedName(SetOfVec::try_from(vec![cn]).ok()?);
    Some(RdnSequence(vec![rdn]))
}

/// UTCTime until 2049, GeneralizedTime after (RFC 5280, 4.1.2.5).
fn time(t: DateTime<Utc>) -> Option<Time> {
    let since_epoch = Duration::from_secs(u64::try_from(t.timestamp()).ok()?);
    let at = x509_cert::der::DateTime::from_unix_duration(since_epoch).ok()?;
    Some(if t.year() < 2050 {
        Time::UtcTime(UtcTime::from_date_time(at).ok()?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_date_time(at))
    })
}

/// A v3 certificate of `subject_key` named `subject`, signed by `issuer_key` named `issuer`,
/// valid from an hour ago for ten years.
fn build_certificate(
    subject: &str,
    subject_key: &VerifyingKey,
    issuer: &str,
    issuer_key: &SigningKey,
    now: DateTime<Utc>,
) -> Option<Vec<u8>> {
    let mut serial: [u8; 16] = rand::random();
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let algorithm = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    };
    let spki =
        SubjectPublicKeyInfoOwned::from_der(subject_key.to_public_key_der().ok()?.as_bytes())
            .ok()?;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial).ok()?,
        signature: algorithm.clone(),
        issuer: name(issuer)?,
        validity: Validity {
            not_before: time(now - chrono::Duration::hours(1))?,
            not_after: time(now + chrono::Duration::days(3650))?,
        },
        subject: name(subject)?,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    let signature: DerSignature = issuer_key.sign(&tbs.to_der().ok()?);
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(signature.as_bytes()).ok()?,
    }
    .to_der()
    .ok()
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
    fn a_ca_signed_certificate_names_both_parties_and_verifies() {
        use p256::ecdsa::signature::Verifier;
        let (ca, device) = (KeyPair::generate(), KeyPair::generate());
        let pem = device.certificate_signed_by("nrf-1", &ca, "Test CA");
        let cert = Certificate::from_der(&pem_block(&pem, "CERTIFICATE").unwrap()).unwrap();
        assert_eq!(cert.tbs_certificate.subject.to_string(), "CN=nrf-1");
        assert_eq!(cert.tbs_certificate.issuer.to_string(), "CN=Test CA");
        assert_eq!(cert.tbs_certificate.version, Version::V3);
        let signature = p256::ecdsa::DerSignature::from_bytes(cert.signature.raw_bytes()).unwrap();
        let tbs = cert.tbs_certificate.to_der().unwrap();
        assert!(ca.verifying_key().verify(&tbs, &signature).is_ok());
        assert!(device.verifying_key().verify(&tbs, &signature).is_err());
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
