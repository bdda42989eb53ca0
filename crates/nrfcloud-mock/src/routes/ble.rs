//! Bluetooth LE operations (all deprecated and absent from the spec snapshot): characteristic
//! and descriptor values are stored per device; scans, discovery and adding peripherals only
//! check that the gateway exists.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::{accepted, json_body, ok};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};

fn require_device(app: &App, device_id: &str) -> Result<(), ApiError> {
    if app.state.with(|d| d.devices.contains_key(device_id)) {
        Ok(())
    } else {
        Err(ApiError::device_not_found(device_id))
    }
}

fn numbers(body: &Bytes) -> Result<Vec<f64>, ApiError> {
    Ok(json_body(body)?
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default())
}

fn fetch(app: &App, device_id: &str, key: String) -> ApiResult {
    require_device(app, device_id)?;
    let value = app
        .state
        .with(|d| d.ble_values.get(&key).cloned())
        .ok_or_else(|| ApiError::not_found(format!("No value for {key}")))?;
    Ok(ok(&json!(value)))
}

fn store(app: &App, device_id: &str, key: String, body: &Bytes) -> ApiResult {
    require_device(app, device_id)?;
    let value = numbers(body)?;
    app.state.with(|d| d.ble_values.insert(key, value));
    Ok(accepted())
}

/// FetchCharacteristicValue.
pub(crate) async fn fetch_characteristic(
    State(app): State<App>,
    Path((device_id, characteristic)): Path<(String, String)>,
) -> ApiResult {
    fetch(&app, &device_id, format!("{device_id}/{characteristic}"))
}

/// UpdateCharacteristicValue.
pub(crate) async fn update_characteristic(
    State(app): State<App>,
    Path((device_id, characteristic)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    store(
        &app,
        &device_id,
        format!("{device_id}/{characteristic}"),
        &body,
    )
}

/// FetchCharacteristicDescriptorValue.
pub(crate) async fn fetch_descriptor(
    State(app): State<App>,
    Path((device_id, characteristic, descriptor)): Path<(String, String, String)>,
) -> ApiResult {
    fetch(
        &app,
        &device_id,
        format!("{device_id}/{characteristic}/{descriptor}"),
    )
}

/// UpdateCharacteristicDescriptorValue.
pub(crate) async fn update_descriptor(
    State(app): State<App>,
    Path((device_id, characteristic, descriptor)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    store(
        &app,
        &device_id,
        format!("{device_id}/{characteristic}/{descriptor}"),
        &body,
    )
}

/// StartScanForBLEDevices.
pub(crate) async fn start_scan(State(app): State<App>, Path(device_id): Path<String>) -> ApiResult {
    require_device(&app, &device_id)?;
    Ok(accepted())
}

/// StartPeripheralDiscovery.
pub(crate) async fn start_discovery(
    State(app): State<App>,
    Path((gateway_id, _peripheral)): Path<(String, String)>,
) -> ApiResult {
    require_device(&app, &gateway_id)?;
    Ok(accepted())
}

/// AddPeripheral: 204.
pub(crate) async fn add_peripheral(
    State(app): State<App>,
    Path((gateway_id, _peripheral)): Path<(String, String)>,
) -> ApiResult {
    require_device(&app, &gateway_id)?;
    Ok(accepted())
}
