//! Getting devices into the team: the CSV bulk endpoints (OnboardDevices, RegisterPublicKeys,
//! RegisterCertificates), OnboardDevice and AssociateDevice.

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use regex::Regex;
use serde_json::{Value, json};

use super::{accepted, json_body, text_body};
use crate::app::App;
use crate::bulk_ops::BulkOp;
use crate::csv_rows::{self, BulkEndpoint};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::Ctx;
use crate::ids;
use crate::keys;
use crate::model::Device;

static CERTIFICATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^-{5}BEGIN CERTIFICATE-{5}(\r\n|\r|\n)([^-]+)(\r\n|\r|\n)-{5}END CERTIFICATE-{5}(\r\n|\r|\n)?$")
        .expect("constant pattern compiles")
});
static NORDIC_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^nrf-\d{15}$").expect("constant pattern compiles"));

/// The ownership code (PIN) the mock expects for a Nordic product id (`nrf-` + 15 digits) in
/// AssociateDevice: six digits derived from the id.
pub fn ownership_code(device_id: &str) -> String {
    format!(
        "{:06}",
        ids::fnv1a(device_id.to_lowercase().as_bytes()) % 1_000_000
    )
}

async fn bulk(app: &App, endpoint: BulkEndpoint, headers: &HeaderMap, body: &Bytes) -> ApiResult {
    let text = text_body(headers, body)?;
    let parsed = csv_rows::parse(endpoint, &text)
        .map_err(|e| ApiError::validation(format!("Validation failed: {e}")))?;
    let id = ids::ulid();
    let now = ids::now();
    let delay = chrono::Duration::from_std(app.settings().bulk_ops_delay).unwrap_or_default();
    let op = BulkOp::new(id.clone(), endpoint, text, parsed, now, now + delay);
    app.state.with(|d| d.add_bulk_op(op));
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({ "bulkOpsRequestId": id }),
    ))
}

/// OnboardDevices (CSV).
pub(crate) async fn onboard_devices(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    bulk(&app, BulkEndpoint::OnboardDevices, &headers, &body).await
}

/// RegisterPublicKeys (CSV).
pub(crate) async fn register_public_keys(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    bulk(&app, BulkEndpoint::RegisterPublicKeys, &headers, &body).await
}

/// RegisterCertificates (CSV).
pub(crate) async fn register_certificates(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    bulk(&app, BulkEndpoint::RegisterCertificates, &headers, &body).await
}

/// OnboardDevice: one device at once, with a PEM certificate or, as the documentation's second
/// modality (nrf93m devices) and Nordic's nRF93M onboarding script send it, an
/// `onboardingToken`; the same rules as the OnboardDevices CSV columns of those names.
pub(crate) async fn onboard_device(
    State(app): State<App>,
    Path(device_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request = json_body(&body)?;
    let text = |name: &str| {
        request
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let credential = match (text("certificate"), text("onboardingToken")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "Validation failed: give either body.certificate or body.onboardingToken, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::validation(
                "Validation failed: body.certificate (or body.onboardingToken) is required",
            ));
        }
        (Some(certificate), None) => {
            let certificate = format!("{certificate}\n");
            if !CERTIFICATE.is_match(&certificate) {
                return Err(ApiError::validation(
                    "Validation failed: body.certificate must be a PEM certificate (BEGIN/END CERTIFICATE lines)",
                ));
            }
            Credential::Certificate(certificate)
        }
        (None, Some(token)) => Credential::Token(token),
    };
    let strings = |name: &str| -> Vec<String> {
        request
            .get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut device = Device::new(&device_id, ids::now());
    device.tags = strings("tags");
    device.supports = strings("supportedFirmwareTypes");
    if let Some(sub_type) = request.get("subType").and_then(Value::as_str) {
        device.sub_type = sub_type.to_owned();
    }
    match credential {
        Credential::Certificate(certificate) => {
            device.public_key = keys::public_key_from_pem(&certificate);
            device.certificate = Some(certificate);
        }
        Credential::Token(token) => device.onboarding_token = Some(token),
    }
    app.state.with(|d| {
        if d.devices.contains_key(&device_id) {
            return Err(ApiError::bad_request(format!(
                "Device {device_id} is already onboarded"
            )));
        }
        // A key registered before onboarding stays the device's JWT key unless it brings one.
        let registered = d.key_only_devices.remove(&device_id);
        if device.public_key.is_none() {
            device.public_key = registered;
        }
        d.devices.insert(device_id.clone(), device);
        Ok(())
    })?;
    Ok(accepted())
}

/// What OnboardDevice was given.
enum Credential {
    Certificate(String),
    Token(String),
}

/// AssociateDevice: adds a Nordic product (`nrf-` + IMEI) with its ownership code; idempotent,
/// and may update the `subType` of a device already in the team.
pub(crate) async fn associate_device(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let code = text_body(&headers, &body)?.trim().to_owned();
    let sub_type = ctx.query.get("subType").map(str::to_owned);
    let updated = app.state.with(|d| {
        d.devices.get_mut(&device_id).map(|dev| {
            if let Some(s) = &sub_type {
                dev.sub_type = s.clone();
            }
        })
    });
    if updated.is_some() {
        return Ok(accepted());
    }
    if !NORDIC_ID.is_match(&device_id) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            40411,
            format!("No Nordic product with device id {device_id} and this ownership code"),
        ));
    }
    if code != ownership_code(&device_id) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            40102,
            format!("The ownership code is invalid for device {device_id}"),
        ));
    }
    let mut device = Device::new(&device_id, ids::now());
    device.sub_type = sub_type.unwrap_or_else(|| "jitp-nordic-hardware".into());
    device.associated = true;
    device.supports = vec!["APP".into(), "MODEM".into(), "BOOT".into()];
    app.state.with(|d| {
        d.devices.entry(device_id.clone()).or_insert(device);
    });
    Ok(accepted())
}

/// DissociateDevice (deprecated): removes a device added with AssociateDevice.
pub(crate) async fn dissociate_device(
    State(app): State<App>,
    Path(device_id): Path<String>,
) -> ApiResult {
    app.state.with(|d| match d.devices.get(&device_id) {
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            40413,
            format!("No device {device_id} to dissociate"),
        )),
        Some(dev) if !dev.associated => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            40002,
            format!(
                "Device {device_id} was not associated and cannot be dissociated; delete it instead"
            ),
        )),
        Some(_) => {
            d.devices.remove(&device_id);
            Ok(())
        }
    })?;
    Ok(accepted())
}

/// CreateDeviceCertificate: a key pair and a certificate signed by the mock's CA for a Nordic
/// device (body: its ownership code); a device already in the team gets its JWT key replaced.
pub(crate) async fn create_device_certificate(
    State(app): State<App>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let code = text_body(&headers, &body)?.trim().to_owned();
    if code.is_empty() {
        return Err(ApiError::validation(
            "Validation failed: body must be the ownership code",
        ));
    }
    let key = keys::KeyPair::generate();
    let (client_cert, ca_cert) = app.state.with(|d| {
        let cert =
            key.certificate_signed_by(&device_id, &d.authority, super::team_devices::CA_NAME);
        if let Some(dev) = d.devices.get_mut(&device_id) {
            dev.public_key = Some(*key.verifying_key());
            dev.certificate = Some(cert.clone());
        }
        (
            cert,
            d.authority.certificate_pem(super::team_devices::CA_NAME),
        )
    });
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "clientId": device_id,
            "caCert": ca_cert,
            "clientCert": client_cert,
            "privateKey": key.sec1_private_key_pem(),
        }),
    ))
}
