//! ES256 JSON Web Tokens: device tokens (`sub` = device id) and service-key tokens (`aud` =
//! team id, optional `sub`), minted from a P-256 private key, cached, and refreshed a margin
//! before they expire. A refresh mints once however many calls wait for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::error::KeyRejected;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use zeroize::Zeroizing;

use crate::error::CredentialError;
use crate::runtime::TimeSource;
use crate::secret::Secret;

/// The longest lifetime a minted token may have: the 7 days the nRF device SDK documents.
pub const MAX_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// Default lifetime of minted tokens.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Default margin before `exp` at which a cached token is replaced.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// DER of the algorithm identifier of a P-256 key: `id-ecPublicKey` with the named curve
/// `prime256v1` (RFC 5480).
const P256_ALGORITHM: [u8; 21] = [
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07,
];

/// A P-256 private key for ES256 signatures, signed with `ring` (the crypto provider the
/// client's TLS already builds). Redacted in `Debug`.
#[derive(Clone)]
pub struct Es256Key {
    pair: Arc<EcdsaKeyPair>,
    what: &'static str,
}

impl std::fmt::Debug for Es256Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Es256Key(***)")
    }
}

impl Es256Key {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`),
    /// on the P-256 curve, with its public key inside (as OpenSSL, Python's `cryptography`
    /// and nrfcloud-utils write them). `what` names the key in errors ("device key",
    /// "service key").
    ///
    /// # Errors
    ///
    /// [`CredentialError::BadKey`] for a PEM that is not a P-256 private key (PKCS#8 v1 or
    /// SEC1, holding its public key); the key is never shown.
    pub fn from_pem(pem: &str, what: &'static str) -> Result<Self, CredentialError> {
        let bad = |reason: &str| CredentialError::BadKey {
            what,
            reason: reason.to_string(),
        };
        let text = pem.trim();
        let label = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("-----BEGIN "))
            .and_then(|l| l.strip_suffix("-----"))
            .ok_or_else(|| bad("not PEM (expected a -----BEGIN ...----- line)"))?;
        let (pkcs8, form) = match label {
            "PRIVATE KEY" | "EC PRIVATE KEY" => {
                match PrivateKeyDer::from_pem_slice(text.as_bytes()) {
                    Ok(PrivateKeyDer::Pkcs8(der)) => {
                        (Zeroizing::new(der.secret_pkcs8_der().to_vec()), "PKCS#8")
                    }
                    Ok(PrivateKeyDer::Sec1(der)) => (sec1_in_pkcs8(der.secret_sec1_der()), "SEC1"),
                    _ => {
                        return Err(bad(&format!(
                            "the {label} block is not readable PEM (bad base64 or no END line)"
                        )));
                    }
                }
            }
            "PUBLIC KEY" | "CERTIFICATE" => {
                return Err(bad(&format!(
                    "a {} was given where the private key is needed",
                    label.to_lowercase()
                )));
            }
            other => {
                return Err(bad(&format!(
                    "unsupported PEM block {other:?}: expected an EC P-256 private key"
                )));
            }
        };
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|e| {
            bad(&format!(
                "not an EC P-256 private key ({form}): {}",
                rejection(&e)
            ))
        })?;
        Ok(Es256Key {
            pair: Arc::new(pair),
            what,
        })
    }

    /// Signs `header.claims` and returns the complete token.
    fn sign(&self, claims: &serde_json::Value) -> Result<String, CredentialError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        // ES256 in a JWT is the fixed-width `r || s` (RFC 7518, section 3.4).
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| CredentialError::SigningFailed { what: self.what })?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }

    /// The matching public key, PEM (SPKI), e.g. to register it with RegisterPublicKeys.
    pub fn public_key_pem(&self) -> String {
        // SubjectPublicKeyInfo: the algorithm, then the uncompressed point as a bit string.
        let point = self.pair.public_key().as_ref();
        let mut der = Vec::with_capacity(P256_ALGORITHM.len() + point.len() + 5);
        push_der_header(0x03, point.len() + 1, &mut der);
        der.push(0); // no unused bits
        der.extend_from_slice(point);
        let mut spki = Vec::with_capacity(der.len() + P256_ALGORITHM.len() + 2);
        push_der_header(0x30, P256_ALGORITHM.len() + der.len(), &mut spki);
        spki.extend_from_slice(&P256_ALGORITHM);
        spki.extend_from_slice(&der);
        let body = STANDARD.encode(spki);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        // Base64 is ASCII, so every 64-byte chunk is a whole line of text.
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }
}

/// Wraps a SEC1 `ECPrivateKey` in the PKCS#8 v1 `PrivateKeyInfo` of a P-256 key, the one
/// form `ring` reads (RFC 5208, RFC 5915). Zeroed when dropped, like the PEM's own bytes.
fn sec1_in_pkcs8(sec1: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut body = Zeroizing::new(Vec::with_capacity(sec1.len() + 32));
    body.extend_from_slice(&[0x02, 0x01, 0x00]); // version v1
    body.extend_from_slice(&P256_ALGORITHM);
    push_der_header(0x04, sec1.len(), &mut body);
    body.extend_from_slice(sec1);
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    push_der_header(0x30, body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

/// Appends a DER tag and definite length (short form below 128, else long form).
fn push_der_header(tag: u8, len: usize, out: &mut Vec<u8>) {
    out.push(tag);
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    match u8::try_from(len) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            // At most size_of::<usize>() length bytes, so the count fits the low 7 bits.
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
}

/// Why `ring` refused a key, in words (`ring`'s reasons are identifiers).
fn rejection(e: &KeyRejected) -> String {
    match e.to_string().as_str() {
        "WrongAlgorithm" => "another algorithm or curve".to_string(),
        "InvalidEncoding" => "malformed, or without its public key".to_string(),
        "VersionNotSupported" => "an unsupported version (PKCS#8 v2 is not read)".to_string(),
        "InconsistentComponents" => "its public key does not match the private key".to_string(),
        other => other.to_string(),
    }
}

/// What a minted token claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claims {
    /// A device token: `sub` = device id.
    Device {
        /// The device id.
        device_id: String,
    },
    /// A service-key token: `aud` = team id (`team.tenantId` of FetchAccountInfo), optional
    /// `sub` = a device id to act for.
    Service {
        /// The team (tenant) id.
        team_id: String,
        /// An optional device id.
        device_id: Option<String>,
    },
}

/// Mints and caches ES256 tokens for one key and one set of claims.
#[derive(Debug)]
pub struct JwtMinter {
    key: Es256Key,
    claims: Claims,
    lifetime: Duration,
    margin: Duration,
    cache: Mutex<Option<(Secret, SystemTime)>>,
    mints: AtomicU64,
}

impl JwtMinter {
    /// A minter with the default lifetime (1 hour) and refresh margin (60 s).
    pub fn new(key: Es256Key, claims: Claims) -> Self {
        JwtMinter {
            key,
            claims,
            lifetime: DEFAULT_LIFETIME,
            margin: DEFAULT_REFRESH_MARGIN,
            cache: Mutex::new(None),
            mints: AtomicU64::new(0),
        }
    }

    /// Sets the token lifetime; at most [`MAX_LIFETIME`], at least one second. The refresh
    /// margin is capped at half of it, so a short-lived token is still reused for a while.
    ///
    /// # Errors
    ///
    /// [`CredentialError::BadKey`] for a lifetime of 0 or over 7 days.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Result<Self, CredentialError> {
        if lifetime > MAX_LIFETIME || lifetime < Duration::from_secs(1) {
            return Err(CredentialError::BadToken {
                what: "JWT lifetime",
                reason: "must be between 1 second and 7 days",
            });
        }
        self.lifetime = lifetime;
        self.margin = self.margin.min(lifetime / 2);
        Ok(self)
    }

    /// Sets how long before `exp` a cached token is replaced (capped at half the lifetime).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin.min(self.lifetime / 2);
        self
    }

    /// A fresh minter (empty cache) with the same key, claims and lifetime and a new margin.
    pub fn rebuilt_with_margin(&self, margin: Duration) -> Self {
        JwtMinter::new(self.key.clone(), self.claims.clone())
            .with_lifetime(self.lifetime)
            .unwrap_or_else(|_| JwtMinter::new(self.key.clone(), self.claims.clone()))
            .with_refresh_margin(margin)
    }

    /// The public key matching the signing key (PEM).
    pub fn public_key_pem(&self) -> String {
        self.key.public_key_pem()
    }

    /// The claims this minter signs.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// How many tokens were minted so far (for tests: [`crate::testing::mint_count`]).
    pub(crate) fn mint_count(&self) -> u64 {
        self.mints.load(Ordering::Relaxed)
    }

    /// A valid token: the cached one while it has more than the margin left, else a new one.
    /// Concurrent callers wait for one mint instead of minting each.
    ///
    /// # Errors
    ///
    /// [`CredentialError::SigningFailed`] when the operating system gives no randomness for
    /// the signature's nonce.
    pub fn token(&self, clock: &dyn TimeSource) -> Result<Secret, CredentialError> {
        let now = clock.now();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((token, exp)) = cache.as_ref()
            && now.checked_add(self.margin).is_some_and(|t| t < *exp)
        {
            return Ok(token.clone());
        }
        let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let exp_secs = iat.saturating_add(self.lifetime.as_secs());
        let claims = match &self.claims {
            Claims::Device { device_id } => {
                serde_json::json!({"sub": device_id, "iat": iat, "exp": exp_secs})
            }
            Claims::Service { team_id, device_id } => {
                let mut c = serde_json::json!({"aud": team_id, "iat": iat, "exp": exp_secs});
                if let Some(d) = device_id {
                    c["sub"] = serde_json::Value::String(d.clone());
                }
                c
            }
        };
        let token = Secret::new(self.key.sign(&claims)?);
        self.mints.fetch_add(1, Ordering::Relaxed);
        // A clock at the end of time gives a token that is never reused, not a panic.
        let expires = UNIX_EPOCH
            .checked_add(Duration::from_secs(exp_secs))
            .unwrap_or(now);
        *cache = Some((token.clone(), expires));
        Ok(token)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::runtime::SystemTimeSource;
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey, signature::Verifier};
    use p256::pkcs8::{EncodePrivateKey, LineEnding};

    /// A manual clock for tests.
    #[derive(Debug)]
    pub struct ManualClock(pub Mutex<SystemTime>);

    impl TimeSource for ManualClock {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }

    pub fn test_key() -> (String, VerifyingKey) {
        let sk = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pem = sk.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        (pem, *sk.verifying_key())
    }

    fn decode(token: &str, vk: &VerifyingKey) -> serde_json::Value {
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        vk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .expect("signature verifies");
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
    }

    #[test]
    fn device_tokens_verify_and_carry_sub_iat_exp() {
        let (pem, vk) = test_key();
        let clock = ManualClock(Mutex::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
        let minter = JwtMinter::new(
            Es256Key::from_pem(&pem, "device key").unwrap(),
            Claims::Device {
                device_id: "nrf-1".into(),
            },
        );
        let claims = decode(minter.token(&clock).unwrap().expose(), &vk);
        assert_eq!(
            claims,
            serde_json::json!({"sub": "nrf-1", "iat": 1_700_000_000u64, "exp": 1_700_003_600u64})
        );
    }

    #[test]
    fn service_tokens_carry_aud_and_optional_sub() {
        let (pem, vk) = test_key();
        let clock = SystemTimeSource;
        let key = Es256Key::from_pem(&pem, "service key").unwrap();
        let m = JwtMinter::new(
            key.clone(),
            Claims::Service {
                team_id: "team-1".into(),
                device_id: None,
            },
        );
        let c = decode(m.token(&clock).unwrap().expose(), &vk);
        assert_eq!(c["aud"], "team-1");
        assert!(c.get("sub").is_none());
        let m = JwtMinter::new(
            key,
            Claims::Service {
                team_id: "team-1".into(),
                device_id: Some("nrf-9".into()),
            },
        );
        assert_eq!(
            decode(m.token(&clock).unwrap().expose(), &vk)["sub"],
            "nrf-9"
        );
    }

    #[test]
    fn cached_until_the_margin_then_refreshed() {
        let (pem, _) = test_key();
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = ManualClock(Mutex::new(start));
        let minter = JwtMinter::new(
            Es256Key::from_pem(&pem, "device key").unwrap(),
            Claims::Device {
                device_id: "d".into(),
            },
        )
        .with_refresh_margin(Duration::from_secs(120));
        let first = minter.token(&clock).unwrap();
        *clock.0.lock().unwrap() = start + Duration::from_secs(3600 - 121);
        assert_eq!(minter.token(&clock).unwrap(), first, "still cached");
        assert_eq!(minter.mint_count(), 1);
        *clock.0.lock().unwrap() = start + Duration::from_secs(3600 - 119);
        assert_ne!(
            minter.token(&clock).unwrap(),
            first,
            "refreshed inside the margin"
        );
        assert_eq!(minter.mint_count(), 2);
    }

    #[test]
    fn one_mint_under_a_thousand_concurrent_callers() {
        let (pem, _) = test_key();
        let minter = std::sync::Arc::new(JwtMinter::new(
            Es256Key::from_pem(&pem, "device key").unwrap(),
            Claims::Device {
                device_id: "d".into(),
            },
        ));
        let handles: Vec<_> = (0..1000)
            .map(|_| {
                let m = minter.clone();
                std::thread::spawn(move || m.token(&SystemTimeSource).unwrap())
            })
            .collect();
        let tokens: std::collections::HashSet<String> = handles
            .into_iter()
            .map(|h| h.join().unwrap().expose().to_string())
            .collect();
        assert_eq!(tokens.len(), 1);
        assert_eq!(minter.mint_count(), 1);
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        let err = |pem: &str| {
            Es256Key::from_pem(pem, "device key")
                .unwrap_err()
                .to_string()
        };
        assert!(err("hello").contains("not PEM"));
        let (pem, vk) = test_key();
        let public = {
            use p256::pkcs8::EncodePublicKey;
            vk.to_public_key_pem(LineEnding::LF).unwrap()
        };
        assert!(err(&public).contains("public key was given where the private key is needed"));
        assert!(
            err("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----")
                .contains("unsupported PEM block")
        );
        // A P-384 PKCS#8 key (structurally valid DER, wrong curve) is refused.
        // A real P-384 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384).
        let p384 = "-----BEGIN PRIVATE KEY-----\nMIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCEAAiKfVgKjlSYnFv1\ntoJjTFig8kF6RMSI+KmsNnLfi9EuXoHK7XqyEN/Q4OdlFBahZANiAAQmzn2UgL/6\n+xedjdegHOVYCuy0XMzOmGGwtulTh2GH8CfzFDHe3TcqA8dj1gEio5K0gUBFk/8W\nBeNnC9tklpc4DcpECaJaazNjtzPmSJNxQiGCeYJ01G+YaCwKeSyTQr8=\n-----END PRIVATE KEY-----\n";
        assert!(err(p384).contains("not an EC P-256 private key"));
        let broken = pem.replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\nAAAA");
        assert!(
            !err(&broken).contains(pem.lines().nth(1).unwrap()),
            "the key never appears in errors"
        );
        assert!(Es256Key::from_pem(&pem, "k").is_ok());
        assert_eq!(
            format!("{:?}", Es256Key::from_pem(&pem, "k").unwrap()),
            "Es256Key(***)"
        );
    }

    #[test]
    fn lifetime_is_capped_at_seven_days() {
        let (pem, _) = test_key();
        let m = JwtMinter::new(
            Es256Key::from_pem(&pem, "k").unwrap(),
            Claims::Device {
                device_id: "d".into(),
            },
        );
        assert!(
            m.with_lifetime(MAX_LIFETIME + Duration::from_secs(1))
                .is_err()
        );
    }

    #[test]
    fn a_short_lifetime_caps_the_default_margin_so_tokens_are_reused() {
        let (pem, _) = test_key();
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = ManualClock(Mutex::new(start));
        let minter = JwtMinter::new(
            Es256Key::from_pem(&pem, "device key").unwrap(),
            Claims::Device {
                device_id: "d".into(),
            },
        )
        .with_lifetime(Duration::from_secs(60))
        .unwrap();
        let first = minter.token(&clock).unwrap();
        *clock.0.lock().unwrap() = start + Duration::from_secs(29);
        assert_eq!(
            minter.token(&clock).unwrap(),
            first,
            "reused: margin 30 s, not 60 s"
        );
        *clock.0.lock().unwrap() = start + Duration::from_secs(31);
        assert_ne!(
            minter.token(&clock).unwrap(),
            first,
            "refreshed inside the margin"
        );
        assert_eq!(minter.mint_count(), 2);
    }

    #[test]
    fn a_clock_at_the_end_of_time_mints_without_overflowing() {
        let (pem, _) = test_key();
        let Some(end) = UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64)) else {
            return; // a platform whose SystemTime cannot hold it cannot overflow here either
        };
        let clock = ManualClock(Mutex::new(end));
        let minter = JwtMinter::new(
            Es256Key::from_pem(&pem, "device key").unwrap(),
            Claims::Device {
                device_id: "d".into(),
            },
        );
        let first = minter.token(&clock).unwrap();
        let second = minter.token(&clock).unwrap();
        assert_eq!(first.expose().split('.').count(), 3);
        assert_eq!(second.expose().split('.').count(), 3);
        assert_eq!(
            minter.mint_count(),
            2,
            "an expiry past the end of time is not cached"
        );
    }

    #[test]
    fn sec1_keys_read_like_their_pkcs8_form() {
        let (pkcs8, vk) = test_key();
        let sk = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let sec1 = sk.to_sec1_pem(LineEnding::LF).unwrap().to_string();
        assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
        let clock = SystemTimeSource;
        for pem in [&pkcs8, &sec1] {
            let minter = JwtMinter::new(
                Es256Key::from_pem(pem, "device key").unwrap(),
                Claims::Device {
                    device_id: "nrf-1".into(),
                },
            );
            assert_eq!(
                decode(minter.token(&clock).unwrap().expose(), &vk)["sub"],
                "nrf-1"
            );
        }
        assert_eq!(
            vk.to_encoded_point(false).as_bytes().len(),
            65,
            "the point a SEC1 key carries is uncompressed"
        );
    }

    #[test]
    fn the_public_key_is_the_spki_pem_openssl_writes() {
        use p256::pkcs8::EncodePublicKey;
        let (pem, vk) = test_key();
        let ours = Es256Key::from_pem(&pem, "device key")
            .unwrap()
            .public_key_pem();
        assert_eq!(ours, vk.to_public_key_pem(LineEnding::LF).unwrap());
    }

    #[test]
    fn a_key_without_its_public_key_is_refused_with_the_reason() {
        // SEC1 ECPrivateKey { version 1, privateKey } with neither parameters nor public key.
        let mut der = vec![0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20];
        der.extend_from_slice(&[7u8; 32]);
        let pem = format!(
            "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
            STANDARD.encode(&der)
        );
        let err = Es256Key::from_pem(&pem, "device key")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "unusable device key: not an EC P-256 private key (SEC1): malformed, or without its public key"
        );
    }

    #[test]
    fn long_der_lengths_use_the_long_form() {
        let mut out = Vec::new();
        push_der_header(0x04, 0x7f, &mut out);
        push_der_header(0x04, 0x80, &mut out);
        push_der_header(0x30, 0x1234, &mut out);
        assert_eq!(out, [0x04, 0x7f, 0x04, 0x81, 0x80, 0x30, 0x82, 0x12, 0x34]);
    }
}
