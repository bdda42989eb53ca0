//! The per-operation middleware: finds the spec operation of the matched route, authenticates
//! and authorizes the caller, validates path, query, header parameters and the body, then
//! hands the handler a [`Ctx`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::auth::{self, Caller};
use crate::errors::ApiError;
use crate::query::QueryParams;
use crate::validate;

/// Bodies larger than this are refused (firmware bundles are at most ~1.3 MB).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What a handler learns about its request.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) caller: Caller,
    pub(crate) query: Arc<QueryParams>,
}

impl Ctx {
    /// The device id a request speaks for: the device JWT's `sub`, else the
    /// `x-custom-device-id` header, else the evaluation token's subject.
    pub(crate) fn subject_device(&self, headers: &axum::http::HeaderMap) -> Option<String> {
        if let Some(id) = self.caller.device_id() {
            return Some(id.to_owned());
        }
        if let Some(id) = headers
            .get("x-custom-device-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
        {
            return Some(id.to_owned());
        }
        match &self.caller {
            Caller::Evaluation(sub) if !sub.is_empty() => Some(sub.clone()),
            _ => None,
        }
    }
}

/// The middleware itself. A successful answer always carries the success status the spec
/// declares for the operation.
pub(crate) async fn gate(State(app): State<App>, req: Request, next: Next) -> Response {
    match prepare(&app, req).await {
        Ok((req, success)) => {
            let mut response = next.run(req).await;
            if response.status().is_success() && response.status() != success {
                *response.status_mut() = success;
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn prepare(app: &App, req: Request) -> Result<(Request, StatusCode), ApiError> {
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let template = matched.strip_prefix("/v1").unwrap_or(&matched).to_owned();
    let op = app.spec.find(req.method(), &template).ok_or_else(|| {
        ApiError::resource_not_found(format!("No operation for {} {matched}", req.method()))
    })?;

    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = match auth::identify(&app.state, authorization, app.faults.now_secs()) {
        Ok(caller) => caller,
        Err(_) if op.security.is_empty() => Caller::Anonymous,
        Err(e) => return Err(e),
    };
    auth::authorize(&op, &caller)?;

    let path = req.uri().path();
    let actual = path.strip_prefix("/v1").unwrap_or(path);
    let path_values = path_values(&template, actual);
    if let (Some(device), Some((_, wanted))) = (
        caller.device_id(),
        path_values.iter().find(|(n, _)| n == "deviceId"),
    ) && !device.eq_ignore_ascii_case(wanted)
    {
        return Err(ApiError::forbidden(format!(
            "A JWT of device '{device}' cannot access device '{wanted}'"
        )));
    }
    let query = QueryParams::parse(req.uri().query());
    validate::check_params(&app.spec, &op, &path_values, &query, req.headers())
        .map_err(|e| ApiError::validation(format!("Validation failed: {e}")))?;

    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            41300,
            "The request body is too large",
        )
    })?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    validate::check_body(&app.spec, &op, content_type, &bytes)
        .map_err(|e| ApiError::validation(format!("Validation failed: {e}")))?;
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(Ctx {
        caller,
        query: Arc::new(query),
    });
    Ok((req, op.success))
}

/// Pairs the `{name}` segments of a template with the (percent-decoded) segments of a path.
fn path_values(template: &str, path: &str) -> Vec<(String, String)> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, p)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            let value = percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned();
            Some((name.to_owned(), value))
        })
        .collect()
}

/// The answer for a path the API does not have.
pub(crate) async fn not_found(req: Request) -> Response {
    ApiError::resource_not_found(format!(
        "No such resource: {} {}",
        req.method(),
        req.uri().path()
    ))
    .into_response()
}

/// The answer for a known path with a method it does not serve.
pub(crate) async fn method_not_allowed(req: Request) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        40500,
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_values_pair_and_decode() {
        let v = path_values("/firmwares/{bundleId}", "/firmwares/APP%2A12345678%2Av1");
        assert_eq!(
            v,
            vec![("bundleId".to_owned(), "APP*12345678*v1".to_owned())]
        );
    }
}
