//! Bulk-ops requests: list (status and requested-at filters) and fetch.

use axum::extract::{Extension, Path, State};
use serde_json::Value;

use super::{ok, time_param};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::gate::Ctx;
use crate::pagination::{ListKind, PageRequest, envelope};

/// ListBulkOpsRequests, newest first.
pub(crate) async fn list_bulk_ops_requests(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let page = PageRequest::from_query(q, ListKind::BulkOps)?;
    let status = q.get("status").map(str::to_owned);
    for name in ["startRequestedAt", "endRequestedAt"] {
        if q.get(name).is_some() && time_param(q, &[name]).is_none() {
            return Err(ApiError::validation(format!(
                "Validation failed: {name} must be an ISO 8601 date-time"
            )));
        }
    }
    let start = time_param(q, &["startRequestedAt"]);
    let end = time_param(q, &["endRequestedAt"]);
    let base = app.settings().base_url.clone();
    let items: Vec<Value> = app.state.with(|d| {
        d.bulk_ops
            .values()
            .rev()
            .filter(|op| status.as_deref().is_none_or(|s| op.status() == s))
            .filter(|op| start.is_none_or(|t| op.requested_at >= t))
            .filter(|op| end.is_none_or(|t| op.requested_at <= t))
            .map(|op| op.to_json(&base))
            .collect()
    });
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "bulk-ops requests")?;
    Ok(ok(&envelope(items, next)))
}

/// FetchBulkOpsRequest.
pub(crate) async fn fetch_bulk_ops_request(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult {
    let base = app.settings().base_url.clone();
    let op = app
        .state
        .with(|d| d.bulk_ops.get(&id).map(|op| op.to_json(&base)))
        .ok_or_else(|| ApiError::not_found(format!("Bulk-ops request {id} not found")))?;
    Ok(ok(&op))
}
