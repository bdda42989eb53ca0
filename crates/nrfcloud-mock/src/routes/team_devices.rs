//! MQTT team devices: a fresh ES256 key and a client certificate signed by the mock's own CA.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;

use super::{accepted, ok};
use crate::app::App;
use crate::errors::{ApiError, ApiResult, json_response};
use crate::ids;
use crate::keys::KeyPair;
use crate::model::TeamDevice;

/// The subject of the mock's CA certificate.
pub(crate) const CA_NAME: &str = "nRF Cloud Mock Root CA";

fn issue(app: &App, device_id: &str) -> (TeamDevice, String) {
    let key = KeyPair::generate();
    app.state.with(|d| {
        let client_cert = key.certificate_signed_by(device_id, &d.authority, CA_NAME);
        let ca_cert = d.authority.certificate_pem(CA_NAME);
        (
            TeamDevice {
                client_cert,
                private_key: key.sec1_private_key_pem(),
            },
            ca_cert,
        )
    })
}

/// CreateMqttTeamDevice: 201 with the certificate and its private key.
pub(crate) async fn create(State(app): State<App>) -> ApiResult {
    let device_id = format!("team-{}", ids::uuid_v4());
    let (device, ca_cert) = issue(&app, &device_id);
    let body = json!({
        "clientId": device_id,
        "caCert": ca_cert,
        "clientCert": device.client_cert,
        "privateKey": device.private_key,
    });
    app.state
        .with(|d| d.team_devices.insert(device_id.clone(), device));
    Ok(json_response(StatusCode::CREATED, &body))
}

/// GetMqttTeamDeviceCertificate (without the private key).
pub(crate) async fn get_certificate(
    State(app): State<App>,
    Path(device_id): Path<String>,
) -> ApiResult {
    let (device, ca_cert) = app
        .state
        .with(|d| {
            d.team_devices
                .get(&device_id)
                .cloned()
                .map(|t| (t, d.authority.certificate_pem(CA_NAME)))
        })
        .ok_or_else(|| ApiError::not_found(format!("Team device {device_id} not found")))?;
    Ok(ok(&json!({
        "clientId": device_id,
        "caCert": ca_cert,
        "clientCert": device.client_cert,
    })))
}

/// RotateMqttTeamDeviceCertificate: a new key and certificate replace the old ones.
pub(crate) async fn rotate(State(app): State<App>, Path(device_id): Path<String>) -> ApiResult {
    if !app.state.with(|d| d.team_devices.contains_key(&device_id)) {
        return Err(ApiError::not_found(format!(
            "Team device {device_id} not found"
        )));
    }
    let (device, ca_cert) = issue(&app, &device_id);
    let body = json!({
        "clientId": device_id,
        "caCert": ca_cert,
        "clientCert": device.client_cert,
        "privateKey": device.private_key,
    });
    app.state
        .with(|d| d.team_devices.insert(device_id.clone(), device));
    Ok(json_response(StatusCode::CREATED, &body))
}

/// DeleteMqttTeamDevice.
pub(crate) async fn delete(State(app): State<App>, Path(device_id): Path<String>) -> ApiResult {
    if app
        .state
        .with(|d| d.team_devices.remove(&device_id).is_some())
    {
        Ok(accepted())
    } else {
        Err(ApiError::not_found(format!(
            "Team device {device_id} not found"
        )))
    }
}
