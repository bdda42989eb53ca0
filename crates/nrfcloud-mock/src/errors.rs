//! nRF error bodies: `{"code": <nRF code>, "message": "…"}` with the HTTP status that goes with them.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error answered with an nRF body. The codes follow the documentation's table
/// (HTTP status × 100 + a detail digit); see each constructor.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: u32,
    pub(crate) message: String,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

/// The result type of every handler.
pub(crate) type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    /// An error with an explicit status and nRF code.
    pub(crate) fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub(crate) fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }

    /// 400 / 40000: a generic bad request.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 40000, message)
    }

    /// 401 / 40100: missing or invalid credentials.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 40100, message)
    }

    /// 403 / 40100: valid credentials of a kind this operation does not accept, or no access.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, 40100, message)
    }

    /// 404 / 40410: no entity with this id.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 40410, message)
    }

    /// 404 / 40410 for a device.
    pub(crate) fn device_not_found(device_id: &str) -> Self {
        Self::not_found(format!("Device {device_id} not found"))
    }

    /// 404 / 40420: no resource with this id.
    pub(crate) fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 40420, message)
    }

    /// 404 / 40499: nothing there, and that is not an error.
    pub(crate) fn empty(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 40499, message)
    }

    /// 412 / 41200: an `If-Match` precondition failed (a mock-specific code).
    pub(crate) fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, 41200, message)
    }

    /// 416 / 41600: the `Range` asks for bytes outside the file or is malformed.
    pub(crate) fn range_not_satisfiable(total: usize, message: impl Into<String>) -> Self {
        Self::new(StatusCode::RANGE_NOT_SATISFIABLE, 41600, message)
            .with_header(header::CONTENT_RANGE, &format!("bytes */{total}"))
    }

    /// 422 / 42200: the request data does not match the expected format.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, 42200, message)
    }

    /// The JSON body of this error.
    pub(crate) fn body(&self) -> Value {
        json!({ "code": self.code, "message": self.message })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut response = json_response(self.status, &body);
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// A JSON response with the given status.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let text = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

/// An empty response with the given status (the API's 202s have no body).
pub(crate) fn empty_response(status: StatusCode) -> Response {
    status.into_response()
}
