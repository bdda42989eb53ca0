//! Credentials: who is calling (the team's API key, a device JWT verified with the device's
//! registered key, a service-key JWT whose `aud` is the team id, or an evaluation token) and
//! whether the operation's `security` accepts that kind. Missing or invalid credentials are
//! 401 / 40100; a valid credential of a kind the operation does not accept is 403 / 40100.

use serde_json::Value;

use crate::errors::ApiError;
use crate::jwt;
use crate::spec::{Operation, Scheme};
use crate::state::MockState;

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// No credentials (operations without `security`).
    Anonymous,
    /// The team's API key.
    ApiKey,
    /// A JWT signed with a device's registered key; `sub` is the device id.
    Device(String),
    /// A JWT signed with the team's service key.
    Service,
    /// A service evaluation token; the subject is its `sub`.
    Evaluation(String),
}

impl Caller {
    /// The security scheme this credential belongs to.
    pub(crate) fn scheme(&self) -> Option<Scheme> {
        match self {
            Self::Anonymous => None,
            Self::ApiKey => Some(Scheme::SimpleToken),
            Self::Device(_) | Self::Service => Some(Scheme::Jwt),
            Self::Evaluation(_) => Some(Scheme::EvaluationToken),
        }
    }

    /// The device a device JWT speaks for.
    pub(crate) fn device_id(&self) -> Option<&str> {
        match self {
            Self::Device(id) => Some(id),
            _ => None,
        }
    }
}

/// Identifies the caller from an `Authorization` header value; `now_secs` is the server's
/// time (seconds since the epoch) for the expiry of JWTs.
pub(crate) fn identify(
    state: &MockState,
    authorization: Option<&str>,
    now_secs: i64,
) -> Result<Caller, ApiError> {
    let Some(value) = authorization else {
        return Ok(Caller::Anonymous);
    };
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("The Authorization header must be 'Bearer <token>'")
        })?;
    if token == state.settings.api_key {
        return Ok(Caller::ApiKey);
    }
    let decoded = jwt::decode(token).ok_or_else(|| {
        ApiError::unauthorized("Invalid credentials: not this team's API key, nor a JWT")
    })?;
    let rules = state.settings.jwt_rules;
    decoded
        .check_times(now_secs, &rules)
        .map_err(ApiError::unauthorized)?;
    let tenant = state.settings.tenant_id.clone();
    state.with(|data| {
        if let Some(eval) = &data.evaluation_token
            && eval.token == token
        {
            let sub = decoded.claim_str("sub").unwrap_or_default().to_owned();
            return Ok(Caller::Evaluation(sub));
        }
        let sub = decoded.claims.get("sub").and_then(Value::as_str);
        if decoded.audience_contains(&tenant) {
            let verified = data
                .service_key
                .as_ref()
                .is_some_and(|key| decoded.verify(&key.public_key));
            if verified {
                return Ok(Caller::Service);
            }
            // A device JWT may carry the team id as audience too: try the device's key.
            if sub.is_none_or(|s| {
                !data.devices.contains_key(s) && !data.key_only_devices.contains_key(s)
            }) {
                return Err(ApiError::unauthorized(if data.service_key.is_some() {
                    "The JWT's signature does not match the team's current service key"
                } else {
                    "The team has no service key (GenerateServiceKeyAndToken)"
                }));
            }
        }
        let sub = sub.ok_or_else(|| {
            ApiError::unauthorized("The JWT has neither a device id (sub) nor the team id (aud)")
        })?;
        let key = match (data.devices.get(sub), data.key_only_devices.get(sub)) {
            (Some(device), _) => match device.public_key {
                Some(key) => key,
                None if device.derived_key => {
                    *crate::state::derived_key(&tenant, sub).verifying_key()
                }
                None => {
                    return Err(ApiError::unauthorized(format!(
                        "Device '{sub}' has no registered public key or certificate"
                    )));
                }
            },
            // Registered with RegisterPublicKeys but never onboarded.
            (None, Some(key)) => *key,
            (None, None) => {
                return Err(ApiError::unauthorized(format!(
                    "Unknown device '{sub}' in the JWT"
                )));
            }
        };
        if decoded.verify(&key) {
            decoded
                .check_device_lifetime(now_secs, &rules)
                .map_err(ApiError::unauthorized)?;
            Ok(Caller::Device(sub.to_owned()))
        } else {
            Err(ApiError::unauthorized(format!(
                "The JWT's signature does not match the key registered for device '{sub}'"
            )))
        }
    })
}

/// Checks that `op` accepts `caller`.
pub(crate) fn authorize(op: &Operation, caller: &Caller) -> Result<(), ApiError> {
    if op.security.is_empty() {
        return Ok(());
    }
    let accepted: Vec<&str> = op.security.iter().map(|s| s.name()).collect();
    match caller.scheme() {
        None => Err(ApiError::unauthorized(format!(
            "Missing credentials: {} accepts {}",
            op.id,
            accepted.join(" or ")
        ))),
        Some(s) if op.security.contains(&s) => Ok(()),
        Some(s) => Err(ApiError::forbidden(format!(
            "{} does not accept a {}; it accepts {}",
            op.id,
            s.name(),
            accepted.join(" or ")
        ))),
    }
}
