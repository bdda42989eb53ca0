//! The HTTP routes: every spec operation under `/v1` (behind the [`crate::gate`] middleware),
//! the files the mock serves itself under `/files`, and the fault-injection layer around all.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{delete, get, head, patch, post, put};
use serde_json::Value;

use crate::app::App;
use crate::errors::{ApiError, json_response};
use crate::query::QueryParams;
use crate::{faults, gate, validate};

pub(crate) mod account;
pub(crate) mod alerts;
pub(crate) mod anchors;
pub(crate) mod assistance;
pub(crate) mod ble;
pub(crate) mod bulk;
pub(crate) mod devices;
pub(crate) mod files;
pub(crate) mod firmware;
pub(crate) mod fota;
pub(crate) mod location;
pub(crate) mod messages;
pub(crate) mod onboarding;
pub(crate) mod team_devices;
pub(crate) mod usage;

/// Builds the whole router.
pub(crate) fn router(app: App) -> Router {
    let api = Router::new()
        .route("/v1/openapi.json", get(account::get_spec))
        .route("/v1/account", get(account::fetch_account_info))
        .route(
            "/v1/account/service-evaluation-token",
            get(account::get_service_evaluation_token)
                .post(account::generate_service_evaluation_token),
        )
        .route(
            "/v1/account/service-key-and-token",
            post(account::generate_service_key_and_token),
        )
        .route("/v1/account/service-token", get(account::get_service_token))
        .route("/v1/account/tags", get(account::list_tags))
        .route("/v1/alerts", get(alerts::list_device_alerts))
        .route(
            "/v1/alerts/{id}/archive",
            patch(alerts::archive_device_alert),
        )
        .route(
            "/v1/alerts/{id}/restore",
            patch(alerts::restore_device_alert),
        )
        .route(
            "/v1/association/{deviceId}",
            put(onboarding::associate_device).delete(onboarding::dissociate_device),
        )
        .route("/v1/binary-logs/url", get(messages::fetch_binary_logs_url))
        .route("/v1/bulk-ops-requests", get(bulk::list_bulk_ops_requests))
        .route(
            "/v1/bulk-ops-requests/{bulkOpsRequestId}",
            get(bulk::fetch_bulk_ops_request),
        )
        .route(
            "/v1/devices",
            get(devices::list_devices).post(onboarding::onboard_devices),
        )
        .route(
            "/v1/devices/certificates",
            post(onboarding::register_certificates),
        )
        .route(
            "/v1/devices/public-keys",
            post(onboarding::register_public_keys),
        )
        .route("/v1/devices/mqtt-team", post(team_devices::create))
        .route(
            "/v1/devices/mqtt-team/{deviceId}",
            get(team_devices::get_certificate)
                .patch(team_devices::rotate)
                .delete(team_devices::delete),
        )
        .route("/v1/devices/tags", get(devices::list_device_tags))
        .route(
            "/v1/devices/{deviceId}",
            get(devices::fetch_device)
                .post(onboarding::onboard_device)
                .delete(devices::delete_device),
        )
        .route(
            "/v1/devices/{deviceId}/image",
            put(devices::update_device_image).delete(devices::delete_device_image),
        )
        .route(
            "/v1/devices/{deviceId}/messages",
            post(messages::send_device_message),
        )
        .route(
            "/v1/devices/{deviceId}/name",
            put(devices::update_device_name),
        )
        .route(
            "/v1/devices/{deviceId}/state",
            patch(devices::update_device_state),
        )
        .route(
            "/v1/devices/{deviceId}/tags",
            put(devices::update_device_tags),
        )
        .route(
            "/v1/firmwares",
            get(firmware::list_firmware).post(firmware::upload_firmware),
        )
        .route(
            "/v1/firmwares/{bundleId}",
            delete(firmware::delete_firmware),
        )
        .route(
            "/v1/fota-job-execution-statuses/{jobId}",
            get(fota::list_job_execution_statuses),
        )
        .route(
            "/v1/fota-job-executions/{deviceId}",
            get(fota::list_executions_for_device),
        )
        .route(
            "/v1/fota-job-executions/{deviceId}/current",
            get(fota::fetch_current_pending_execution),
        )
        .route(
            "/v1/fota-job-executions/{deviceId}/{jobId}",
            get(fota::fetch_execution).patch(fota::update_execution_status),
        )
        .route("/v1/fota-jobs", get(fota::list_jobs).post(fota::create_job))
        .route(
            "/v1/fota-jobs/{jobId}",
            get(fota::fetch_job).delete(fota::delete_job),
        )
        .route("/v1/fota-jobs/{jobId}/apply", post(fota::apply_job))
        .route("/v1/fota-jobs/{jobId}/cancel", put(fota::cancel_job))
        .route(
            "/v1/location/agnss",
            post(assistance::get_assistance_data).head(assistance::get_assistance_data_size),
        )
        .route(
            "/v1/location/agps",
            get(assistance::get_agps_data).head(assistance::get_agps_size),
        )
        .route("/v1/location/cell", post(location::get_location_from_cells))
        .route("/v1/location/geo", get(location::get_address))
        .route("/v1/location/gnss", post(location::record_gnss_coordinates))
        .route("/v1/location/ground-fix", post(location::ground_fix))
        .route("/v1/location/history", get(location::get_location_history))
        .route(
            "/v1/location/history/{deviceId}/{id}",
            delete(location::delete_location_history),
        )
        .route(
            "/v1/location/pgnss",
            get(assistance::get_predicted_assistance_data),
        )
        .route(
            "/v1/location/pgps",
            get(assistance::get_predicted_assistance_data),
        )
        .route(
            "/v1/location/single-cell",
            get(location::get_single_cell_location),
        )
        .route("/v1/location/wifi", post(location::get_location_from_wifi))
        .route("/v1/messages", get(messages::list_messages))
        .route("/v1/account/invoices", get(usage::list_invoices))
        .route("/v1/account/usage", get(usage::list_api_usage))
        .route(
            "/v1/account/usage/summary",
            get(usage::fetch_api_usage_summary),
        )
        .route("/v1/status", get(usage::get_system_status))
        .route(
            "/v1/devices/{deviceId}/certificates",
            post(onboarding::create_device_certificate),
        )
        .route(
            "/v1/devices/{deviceId}/characteristics/{characteristicId}",
            get(ble::fetch_characteristic).put(ble::update_characteristic),
        )
        .route(
            "/v1/devices/{deviceId}/characteristics/{characteristicId}/descriptors/{descriptorId}",
            get(ble::fetch_descriptor).put(ble::update_descriptor),
        )
        .route("/v1/devices/{deviceId}/scan", post(ble::start_scan))
        .route(
            "/v1/devices/{deviceId}/discover/{peripheralId}",
            post(ble::start_discovery),
        )
        .route(
            "/v1/devices/{deviceId}/{peripheralId}",
            put(ble::add_peripheral),
        )
        .route(
            "/v1/location/anchors",
            get(anchors::list_anchors).post(anchors::create_anchor),
        )
        .route(
            "/v1/location/anchors/{macAddress}",
            get(anchors::fetch_anchor)
                .patch(anchors::update_anchor)
                .delete(anchors::delete_anchor),
        )
        .route(
            "/v1/location/contribute",
            get(anchors::list_contributions).post(anchors::contribute),
        )
        .route(
            "/v1/location/contribute/{id}",
            delete(anchors::delete_contribution),
        )
        .route_layer(middleware::from_fn_with_state(app.clone(), gate::gate));
    let files = Router::new()
        .route("/files/{*path}", get(files::get_file))
        .route("/health", head(files::health).get(files::health));
    api.merge(files)
        .fallback(gate::not_found)
        .method_not_allowed_fallback(gate::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            app.faults.clone(),
            faults::inject,
        ))
        .with_state(app)
}

/// 200 with a JSON body.
pub(crate) fn ok(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

/// 202 without a body.
pub(crate) fn accepted() -> Response {
    crate::errors::empty_response(StatusCode::ACCEPTED)
}

/// The `Content-Type` header of a request.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// A text body (a JSON string literal sent as JSON is unwrapped).
pub(crate) fn text_body(headers: &HeaderMap, body: &Bytes) -> Result<String, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::validation("Validation failed: body must be UTF-8 text"))?;
    Ok(validate::body_text(content_type(headers), text))
}

/// A JSON body (already checked against the spec by the gate).
pub(crate) fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::validation(format!("Validation failed: body is not valid JSON ({e})"))
    })
}

/// The single `transform` expression of a request, if any.
pub(crate) fn transform_expression(query: &QueryParams) -> Result<Option<String>, ApiError> {
    match query.all("transform").as_slice() {
        [] => Ok(None),
        [one] => Ok(Some((*one).to_owned())),
        _ => Err(ApiError::validation(
            "Validation failed: transform takes a single JSONata expression",
        )),
    }
}

/// A date-time query parameter (already format-checked by the gate).
pub(crate) fn time_param(
    query: &QueryParams,
    names: &[&str],
) -> Option<chrono::DateTime<chrono::Utc>> {
    names
        .iter()
        .find_map(|n| query.get(n))
        .and_then(crate::ids::parse_iso)
}
