//! Files the mock serves itself, without credentials, under `/files/…`: bulk-ops uploads and
//! error summaries, firmware images, P-GPS predictions, binary-log archives and device images.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::errors::{ApiError, ApiResult};

/// GET /files/{*path}.
pub(crate) async fn get_file(State(app): State<App>, Path(path): Path<String>) -> ApiResult {
    if let Some(rest) = path.strip_prefix("bulk-ops/") {
        let (id, name) = rest.split_once('/').unwrap_or((rest, ""));
        let found = app.state.with(|d| {
            d.bulk_ops.get(id).and_then(|op| match name {
                "upload.csv" => Some(("text/csv", op.uploaded.clone().into_bytes())),
                "errors.json" if op.completed_at.is_some() && !op.errors.is_empty() => Some((
                    "application/json",
                    serde_json::to_vec(&op.error_summary()).unwrap_or_default(),
                )),
                _ => None,
            })
        });
        return match found {
            Some((content_type, bytes)) => Ok(file(content_type, bytes)),
            None => Err(ApiError::resource_not_found(format!("No file {path}"))),
        };
    }
    let stored = app
        .state
        .with(|d| d.files.get(&path).cloned())
        .ok_or_else(|| ApiError::resource_not_found(format!("No file {path}")))?;
    Ok(file(stored.content_type, stored.bytes.to_vec()))
}

fn file(content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        bytes,
    )
        .into_response()
}

/// GET/HEAD /health: 200 while the server runs.
pub(crate) async fn health() -> StatusCode {
    StatusCode::OK
}
