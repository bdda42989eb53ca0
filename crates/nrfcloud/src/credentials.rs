//! The credentials a client holds, and the choice of one for each operation from the
//! security schemes its entry in the generated operation table lists. All are sent as
//! `Authorization: Bearer …`.

use std::sync::Arc;
use std::time::Duration;

use nrfcloud_api::operations::Operation;

use crate::error::CredentialError;
use crate::jwt::{Claims, Es256Key, JwtMinter};
use crate::runtime::{SystemTimeSource, TimeSource};
use crate::secret::Secret;

/// The scheme names of the API document.
pub mod scheme {
    /// The team's API key.
    pub const SIMPLE_TOKEN: &str = "Simple Token";
    /// An ES256 JWT (device key, service key, or minted elsewhere).
    pub const JSON_WEB_TOKEN: &str = "JSON Web Token";
    /// A service evaluation token.
    pub const SERVICE_EVALUATION_TOKEN: &str = "Service Evaluation Token";
}

/// A device key: mints ES256 JWTs with `sub` = the device id.
#[derive(Debug, Clone)]
pub struct DeviceKey(Arc<JwtMinter>);

impl DeviceKey {
    /// Reads the device's P-256 private key (PEM: PKCS#8 or SEC1). Tokens live 1 hour.
    ///
    /// # Errors
    ///
    /// [`CredentialError::BadKey`] for a PEM that is not a P-256 private key (the key is never
    /// shown).
    pub fn from_pem(
        device_id: impl Into<String>,
        private_key_pem: &str,
    ) -> Result<Self, CredentialError> {
        Self::with_lifetime(device_id, private_key_pem, crate::jwt::DEFAULT_LIFETIME)
    }

    /// As [`DeviceKey::from_pem`], with a token lifetime of at most 7 days.
    ///
    /// # Errors
    ///
    /// [`CredentialError::BadKey`] for a PEM that is not a P-256 private key or a lifetime of 0
    /// or over 7 days.
    pub fn with_lifetime(
        device_id: impl Into<String>,
        private_key_pem: &str,
        lifetime: Duration,
    ) -> Result<Self, CredentialError> {
        let key = Es256Key::from_pem(private_key_pem, "device key")?;
        let minter = JwtMinter::new(
            key,
            Claims::Device {
                device_id: device_id.into(),
            },
        )
        .with_lifetime(lifetime)?;
        Ok(DeviceKey(Arc::new(minter)))
    }

    /// Replaces cached tokens this long before they expire (default 60 s).
    pub fn with_refresh_margin(self, margin: Duration) -> Self {
        DeviceKey(Arc::new(self.0.rebuilt_with_margin(margin)))
    }

    /// The matching public key (PEM), to register with OnboardDevices or RegisterPublicKeys.
    pub fn public_key_pem(&self) -> String {
        self.0.public_key_pem()
    }

    /// The JWT the client sends for this key now: the cached one while it has more than the
    /// refresh margin left, else a newly minted one (for an MQTT client or another tool).
    ///
    /// # Errors
    ///
    /// [`CredentialError::SigningFailed`] when the operating system gives no randomness for
    /// the signature.
    pub fn token(&self) -> Result<Secret, CredentialError> {
        self.0.token(&SystemTimeSource)
    }

    /// The minter (token cache) behind this key; tests reach it through
    /// [`crate::testing`].
    pub(crate) fn minter(&self) -> &JwtMinter {
        &self.0
    }
}

/// A team service key (from GenerateServiceKeyAndToken): mints ES256 JWTs with `aud` = the
/// team id and, optionally, `sub` = a device id.
#[derive(Debug, Clone)]
pub struct ServiceKey(Arc<JwtMinter>);

impl ServiceKey {
    /// Reads the service key's private key (PEM). `team_id` is `team.tenantId` of
    /// FetchAccountInfo. Tokens live 1 hour.
    ///
    /// # Errors
    ///
    /// [`CredentialError::BadKey`] for a PEM that is not a P-256 private key (the key is never
    /// shown).
    pub fn from_pem(
        team_id: impl Into<String>,
        private_key_pem: &str,
    ) -> Result<Self, CredentialError> {
        Self::build(
            team_id.into(),
            None,
            private_key_pem,
            crate::jwt::DEFAULT_LIFETIME,
        )
    }

    /// As [`ServiceKey::from_pem`], acting for one device (`sub`), with a given lifetime.
    ///
    /// # Errors
    ///
    /// [`CredentialError::BadKey`] for a PEM that is not a P-256 private key or a lifetime of 0
    /// or over 7 days.
    pub fn for_device(
        team_id: impl Into<String>,
        device_id: impl Into<String>,
        private_key_pem: &str,
        lifetime: Duration,
    ) -> Result<Self, CredentialError> {
        Self::build(
            team_id.into(),
            Some(device_id.into()),
            private_key_pem,
            lifetime,
        )
    }

    fn build(
        team_id: String,
        device_id: Option<String>,
        pem: &str,
        lifetime: Duration,
    ) -> Result<Self, CredentialError> {
        let key = Es256Key::from_pem(pem, "service key")?;
        let minter =
            JwtMinter::new(key, Claims::Service { team_id, device_id }).with_lifetime(lifetime)?;
        Ok(ServiceKey(Arc::new(minter)))
    }

    /// Replaces cached tokens this long before they expire (default 60 s).
    pub fn with_refresh_margin(self, margin: Duration) -> Self {
        ServiceKey(Arc::new(self.0.rebuilt_with_margin(margin)))
    }

    /// The JWT the client sends for this key now: the cached one while it has more than the
    /// refresh margin left, else a newly minted one.
    ///
    /// # Errors
    ///
    /// [`CredentialError::SigningFailed`] when the operating system gives no randomness for
    /// the signature.
    pub fn token(&self) -> Result<Secret, CredentialError> {
        self.0.token(&SystemTimeSource)
    }
}

/// Every credential a client may hold; an operation uses the first one its security accepts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Credentials {
    pub(crate) api_key: Option<Secret>,
    pub(crate) device_key: Option<DeviceKey>,
    pub(crate) service_key: Option<ServiceKey>,
    pub(crate) jwt: Option<Secret>,
    pub(crate) evaluation_token: Option<Secret>,
}

/// Why a token must not be placed in a header: control characters would break the request.
fn check_header_safe(what: &'static str, s: &Secret) -> Result<(), CredentialError> {
    if s.expose().is_empty() || s.expose().bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(CredentialError::BadToken {
            what,
            reason: "empty or contains control characters",
        });
    }
    Ok(())
}

impl Credentials {
    /// Checks opaque tokens once, at construction.
    pub(crate) fn validate(&self) -> Result<(), CredentialError> {
        for (what, s) in [
            ("API key", &self.api_key),
            ("JWT", &self.jwt),
            ("service evaluation token", &self.evaluation_token),
        ] {
            if let Some(s) = s {
                check_header_safe(what, s)?;
            }
        }
        Ok(())
    }

    /// The token for one scheme, if held. For "JSON Web Token": a device key first, then a
    /// service key, then a JWT minted elsewhere.
    fn for_scheme(
        &self,
        name: &str,
        clock: &dyn TimeSource,
    ) -> Result<Option<Secret>, CredentialError> {
        Ok(match name {
            scheme::SIMPLE_TOKEN => self.api_key.clone(),
            scheme::SERVICE_EVALUATION_TOKEN => self.evaluation_token.clone(),
            scheme::JSON_WEB_TOKEN => match (&self.device_key, &self.service_key) {
                (Some(k), _) => Some(k.0.token(clock)?),
                (None, Some(k)) => Some(k.0.token(clock)?),
                (None, None) => self.jwt.clone(),
            },
            _ => None,
        })
    }

    /// The bearer token for `op`: `Ok(None)` when the operation needs none.
    pub(crate) fn token_for(
        &self,
        op: &Operation,
        clock: &dyn TimeSource,
    ) -> Result<Option<Secret>, CredentialError> {
        if op.security.is_empty() {
            return Ok(None);
        }
        for alt in op.security {
            // Every alternative here is one scheme; one with several would need them all,
            // which a single Authorization header cannot carry.
            if let [name] = alt
                && let Some(token) = self.for_scheme(name, clock)?
            {
                return Ok(Some(token));
            }
        }
        Err(missing(op))
    }
}

fn missing(op: &Operation) -> CredentialError {
    let mut accepted: Vec<&'static str> = op
        .security
        .iter()
        .flat_map(|alt| alt.iter().copied())
        .collect();
    accepted.dedup();
    CredentialError::Missing {
        operation: op.operation_id,
        accepted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::SystemTimeSource;
    use nrfcloud_api::operations::by_id;

    #[test]
    fn each_operation_gets_a_credential_its_security_accepts() {
        let (pem, _) = crate::jwt::tests::test_key();
        let creds = Credentials {
            api_key: Some(Secret::new("api-key")),
            device_key: Some(DeviceKey::from_pem("nrf-1", &pem).unwrap()),
            ..Default::default()
        };
        let fetch = by_id("FetchDevice").unwrap();
        assert_eq!(
            creds
                .token_for(fetch, &SystemTimeSource)
                .unwrap()
                .unwrap()
                .expose(),
            "api-key",
            "first accepted scheme"
        );
        let ground_fix = by_id("GetLocationFromCellsOrWifiNetworks").unwrap();
        let jwt = creds
            .token_for(ground_fix, &SystemTimeSource)
            .unwrap()
            .unwrap();
        assert_eq!(jwt.expose().split('.').count(), 3, "a minted JWT");
        let status = by_id("GetSystemStatus").unwrap();
        assert!(
            creds
                .token_for(status, &SystemTimeSource)
                .unwrap()
                .is_none(),
            "no auth"
        );
        let history = by_id("GetLocationHistory").unwrap();
        assert_eq!(
            creds
                .token_for(history, &SystemTimeSource)
                .unwrap()
                .unwrap()
                .expose(),
            "api-key",
            "declared without security upstream; the fixup's API key"
        );
    }

    #[test]
    fn missing_credentials_fail_naming_what_is_accepted() {
        let creds = Credentials {
            api_key: Some(Secret::new("k")),
            ..Default::default()
        };
        let agnss = by_id("GetAssistanceData").unwrap();
        let err = creds.token_for(agnss, &SystemTimeSource).unwrap_err();
        assert_eq!(
            err,
            CredentialError::Missing {
                operation: "GetAssistanceData",
                accepted: vec!["Service Evaluation Token", "JSON Web Token"]
            }
        );
        let with_eval = Credentials {
            evaluation_token: Some(Secret::new("eval")),
            ..Default::default()
        };
        assert_eq!(
            with_eval
                .token_for(agnss, &SystemTimeSource)
                .unwrap()
                .unwrap()
                .expose(),
            "eval"
        );
    }

    #[test]
    fn tokens_that_would_break_a_header_are_refused() {
        let creds = Credentials {
            api_key: Some(Secret::new("a\r\nX-Injected: 1")),
            ..Default::default()
        };
        let err = creds.validate().unwrap_err().to_string();
        assert!(err.contains("API key") && !err.contains("Injected"));
    }
}
