//! Device alerts: list (by devices and status), archive and restore.

use axum::extract::{Extension, Path, State};
use serde_json::Value;

use super::ok;
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::gate::Ctx;
use crate::ids;
use crate::pagination::{ListKind, PageRequest, envelope};

/// ListDeviceAlerts, newest first unless `pageSort=asc`.
pub(crate) async fn list_device_alerts(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let page = PageRequest::from_query(q, ListKind::Alerts)?;
    let devices = q.list("deviceIds");
    let status = q.get("status").map(str::to_owned);
    let ascending = q.get("pageSort") == Some("asc");
    let mut items: Vec<Value> = app.state.with(|d| {
        let mut alerts: Vec<_> = d
            .alerts
            .iter()
            .filter(|a| {
                devices.is_empty()
                    || devices
                        .iter()
                        .any(|id| id.eq_ignore_ascii_case(&a.device_id))
            })
            .filter(|a| {
                status
                    .as_deref()
                    .is_none_or(|s| (s == "ARCHIVED") == a.archived)
            })
            .collect();
        alerts.sort_by_key(|a| a.received_at);
        alerts.iter().map(|a| a.to_json()).collect()
    });
    if !ascending {
        items.reverse();
    }
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "alerts")?;
    Ok(ok(&envelope(items, next)))
}

fn set_archived(app: &App, id: &str, archived: bool) -> ApiResult {
    let user = app.settings().user_id.clone();
    let alert = app
        .state
        .with(|d| {
            d.alerts
                .iter_mut()
                .find(|a| a.id.eq_ignore_ascii_case(id))
                .map(|a| {
                    if a.archived != archived {
                        a.archived = archived;
                        a.status_changed_at = ids::now();
                        a.status_changed_by = user;
                    }
                    a.to_json()
                })
        })
        .ok_or_else(|| ApiError::not_found(format!("Alert {id} not found")))?;
    Ok(ok(&alert))
}

/// ArchiveDeviceAlert.
pub(crate) async fn archive_device_alert(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult {
    set_archived(&app, &id, true)
}

/// RestoreDeviceAlert.
pub(crate) async fn restore_device_alert(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult {
    set_archived(&app, &id, false)
}
