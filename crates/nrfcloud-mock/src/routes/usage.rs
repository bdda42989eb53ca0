//! Team bookkeeping: invoices, API usage (from what the mock
//! counted), the usage summary, and the system status.

use axum::extract::{Extension, State};
use serde_json::{Value, json};

use super::ok;
use crate::app::App;
use crate::errors::ApiResult;
use crate::gate::Ctx;
use crate::ids;
use crate::pagination::{ListKind, PageRequest, envelope};

/// ListInvoices: two paid invoices.
pub(crate) async fn list_invoices(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let page = PageRequest::from_query(&ctx.query, ListKind::Invoices)?;
    let base = app.settings().base_url.clone();
    let items: Vec<Value> = ["2024-01", "2024-02"]
        .iter()
        .enumerate()
        .map(|(i, month)| {
            json!({
                "invoiceId": format!("in_mock_{month}"),
                "total": 10.0 + i as f64,
                "amountFormatted": format!("${}.00", 10 + i),
                "currencyCode": "USD",
                "status": "PAID",
                "statusUpdatedAt": format!("{month}-28T00:00:00.000Z"),
                "url": format!("{base}/files/invoices/{month}.pdf"),
            })
        })
        .collect();
    let (items, next) = page.slice(items);
    Ok(ok(&envelope(items, next)))
}

/// ListApiUsage: the mock's own counts, reported for the start date.
pub(crate) async fn list_api_usage(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let page = PageRequest::from_query(q, ListKind::Usage)?;
    let date = q.get("inclusiveStart").unwrap_or_default().to_owned();
    let (messages, locations, executions) = app
        .state
        .with(|d| (d.messages.len(), d.locations.len(), d.executions.len()));
    let mut items = vec![
        json!({"date": date, "service": "MESSAGES", "serviceType": "MESSAGES", "source": "REST", "sum": messages}),
        json!({"date": date, "service": "LOCATION", "serviceType": "MCELL", "source": "REST", "sum": locations}),
        json!({"date": date, "service": "FOTA", "serviceType": "APP", "source": "REST", "sum": executions}),
    ];
    if q.get("pageSort") != Some("asc") {
        items.reverse();
    }
    let (items, next) = page.slice(items);
    Ok(ok(&envelope(items, next)))
}

/// FetchApiUsageSummary.
pub(crate) async fn fetch_api_usage_summary(State(app): State<App>) -> ApiResult {
    let (devices, messages, locations, executions) = app.state.with(|d| {
        (
            d.devices.len(),
            d.messages.len(),
            d.locations.len(),
            d.executions.len(),
        )
    });
    let usage =
        |requests: usize| json!({"requests": requests, "devicesUsing": usize::from(requests > 0)});
    Ok(ok(&json!({
        "currentDevices": {"generic": devices, "gateway": 0, "bluetoothLE": 0, "total": devices},
        "services": [{
            "date": ids::now().format("%Y-%m").to_string(),
            "fotaJobExecutions": executions,
            "storedDeviceMessages": messages,
            "messagesRouted": 0,
            "locationServices": {
                "AGPS": usage(0), "PGPS": usage(0), "SCELL": usage(0),
                "MCELL": usage(locations), "WIFI": usage(0), "REVERSE_GEO": usage(0),
            },
        }],
    })))
}

/// GetSystemStatus (no credentials).
pub(crate) async fn get_system_status() -> ApiResult {
    Ok(ok(&json!({
        "status": "OPERATIONAL",
        "message": "All systems operational (nRF Cloud mock)",
        "updatedAt": ids::iso(ids::now()),
    })))
}
