//! Account operations: team info, service key and token, evaluation tokens, team tags, and the
//! OpenAPI document itself.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde_json::json;

use super::ok;
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::ids::{self, iso};
use crate::keys::KeyPair;
use crate::model::{EvaluationToken, ServiceKey};
use crate::spec::SPEC_JSON;

/// GetSpec: the committed OpenAPI snapshot, byte for byte.
pub(crate) async fn get_spec() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        SPEC_JSON,
    )
        .into_response()
}

/// FetchAccountInfo.
pub(crate) async fn fetch_account_info(State(app): State<App>) -> ApiResult {
    let s = app.settings();
    let tags = app.state.with(|d| d.all_tags());
    Ok(ok(&json!({
        "mqttEndpoint": s.host().split(':').next().unwrap_or("127.0.0.1"),
        "mqttTopicPrefix": format!("prod/{}/", s.tenant_id),
        "team": { "name": s.team_name, "tenantId": s.tenant_id },
        "role": "owner",
        "userId": s.user_id,
        "tags": tags,
        "plan": {
            "name": "DEVELOPER",
            "limits": {
                "devices": 10_000_000,
                "monthlyLocationServiceRequests": 10_000_000,
                "monthlyFOTAJobExecutions": 10_000_000,
                "monthlyStoredDeviceMessages": 10_000_000,
                "messageRoutingServiceDestinations": 10,
            },
            "currentMonthCosts": [],
            "currentMonthTotalCost": 0,
        },
    })))
}

/// GenerateServiceKeyAndToken: a new ES256 key pair replaces the previous one (whose JWTs stop
/// verifying); answers the private key (PKCS#8 PEM) and a one-year JWT signed with it.
pub(crate) async fn generate_service_key_and_token(State(app): State<App>) -> ApiResult {
    let key = KeyPair::generate();
    let token = key.service_jwt(
        &app.settings().tenant_id,
        std::time::Duration::from_secs(365 * 86_400),
    );
    let record = ServiceKey {
        public_key: *key.verifying_key(),
        created_at: ids::now(),
        token: token.clone(),
    };
    app.state.with(|d| d.service_key = Some(record));
    Ok(ok(&json!({ "key": key.private_key_pem(), "token": token })))
}

/// GetServiceToken: the token issued with the current service key.
pub(crate) async fn get_service_token(State(app): State<App>) -> ApiResult {
    let key = app.state.with(|d| d.service_key.clone()).ok_or_else(|| {
        ApiError::not_found("The team has no service key yet (GenerateServiceKeyAndToken)")
    })?;
    Ok(ok(
        &json!({ "createdAt": iso(key.created_at), "token": key.token }),
    ))
}

/// GenerateServiceEvaluationToken: a 30-day token for the location services; regenerating
/// keeps the original expiry, as the evaluation period does not restart.
pub(crate) async fn generate_service_evaluation_token(State(app): State<App>) -> ApiResult {
    let token = app.state.with(|d| {
        let now = ids::now();
        let expires = d
            .evaluation_token
            .as_ref()
            .map(|t| t.expires)
            .unwrap_or(now + Duration::days(30));
        let token = d.authority.sign_jwt(&json!({
            "sub": format!("nrfcloud-evaluation-device-{}", ids::uuid_v4()),
            "iat": now.timestamp(),
            "exp": expires.timestamp(),
        }));
        let record = EvaluationToken { token, expires };
        d.evaluation_token = Some(record.clone());
        record
    });
    Ok(ok(
        &json!({ "token": token.token, "expires": iso(token.expires) }),
    ))
}

/// GetServiceEvaluationToken: the existing evaluation token.
pub(crate) async fn get_service_evaluation_token(State(app): State<App>) -> ApiResult {
    let token = app
        .state
        .with(|d| d.evaluation_token.clone())
        .ok_or_else(|| {
            ApiError::not_found("No service evaluation token yet (GenerateServiceEvaluationToken)")
        })?;
    Ok(ok(
        &json!({ "token": token.token, "expires": iso(token.expires) }),
    ))
}

/// ListTags: every tag used by the team's devices.
pub(crate) async fn list_tags(State(app): State<App>) -> ApiResult {
    let tags = app.state.with(|d| d.all_tags());
    Ok(ok(&json!({ "total": tags.len(), "items": tags })))
}
