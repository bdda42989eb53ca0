//! Location services: ground fix, cell, Wi-Fi and single-cell positions (deterministic
//! functions of the request), geocoding, GNSS fixes and the location history.

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{accepted, ok, time_param};
use crate::app::App;
use crate::auth::Caller;
use crate::errors::{ApiError, ApiResult};
use crate::gate::Ctx;
use crate::geo::{self, Fix};
use crate::ids::{self, uuid_v4};
use crate::model::LocationRecord;
use crate::pagination::{ListKind, PageRequest, envelope};
use crate::query::QueryParams;

/// A JSON body, or an empty object when there is none.
pub(crate) fn json_or_empty(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::validation(format!("Validation failed: body is not valid JSON ({e})"))
    })
}

fn wants_reply(q: &QueryParams) -> bool {
    !matches!(
        q.get("doReply").map(str::trim),
        Some("false") | Some("0") | Some("False")
    )
}

fn widen(uncertainty: u32, q: &QueryParams) -> u32 {
    if q.bool_or("hiConf", false) {
        uncertainty.saturating_mul(2)
    } else {
        uncertainty
    }
}

fn record(app: &App, device_id: Option<String>, fix: &Fix, service_type: &str, meta: Value) {
    let Some(device_id) = device_id else {
        return;
    };
    let record = LocationRecord {
        id: uuid_v4(),
        device_id,
        service_type: service_type.to_owned(),
        inserted_at: ids::now(),
        lat: fix.lat,
        lon: fix.lon,
        uncertainty: f64::from(fix.uncertainty),
        meta,
    };
    app.state.with(|d| d.locations.push(record));
}

fn fix_json(fix: &Fix, uncertainty: u32, fulfilled_with: Option<String>) -> Value {
    let mut out = json!({ "lat": fix.lat, "lon": fix.lon, "uncertainty": uncertainty });
    if let Some(kind) = fulfilled_with {
        out["fulfilledWith"] = json!(kind);
    }
    out
}

fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

fn is_evaluation(ctx: &Ctx) -> bool {
    matches!(ctx.caller, Caller::Evaluation(_))
}

/// GetLocationFromCellsOrWifiNetworks: Wi-Fi first when at least two usable access points are
/// given, else the cells; a Wi-Fi-only request with fewer than two is a 422.
pub(crate) async fn ground_fix(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request = json_or_empty(&body)?;
    let cells = geo::cells(&request);
    let (list, field) = match request.get("wifi") {
        Some(Value::Array(list)) => (list.clone(), "body.wifi"),
        Some(wifi) => (
            wifi.get("accessPoints")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            "body.wifi.accessPoints",
        ),
        None => (Vec::new(), "body.wifi"),
    };
    let macs = geo::access_points(&list, field)
        .map_err(|e| ApiError::validation(format!("Validation failed: {e}")))?;
    if cells.is_empty() && list.is_empty() {
        return Err(ApiError::validation(
            "Validation failed: body needs lte, ltecatm or nbiot cells, or wifi access points",
        ));
    }
    if cells.is_empty() && macs.len() < 2 {
        return Err(ApiError::validation(
            "Validation failed: at least two Wi-Fi access points (universally administered MAC addresses) are required",
        ));
    }
    let cell = geo::cell_fix(&cells);
    let wifi = (macs.len() >= 2).then(|| geo::wifi_fix(&macs, cell.as_ref()));
    let (chosen, other) = match (wifi, cell) {
        (Some(w), c) => (w, c),
        (None, Some(c)) => (c, None),
        (None, None) => {
            return Err(ApiError::validation(
                "Validation failed: nothing to locate with",
            ));
        }
    };
    let evaluation = is_evaluation(&ctx);
    record(
        &app,
        ctx.subject_device(&headers),
        &chosen,
        &chosen.kind.name(false),
        json!({}),
    );
    if !wants_reply(&ctx.query) {
        return Ok(empty_ok());
    }
    let mut out = fix_json(
        &chosen,
        widen(chosen.uncertainty, &ctx.query),
        Some(chosen.kind.name(evaluation)),
    );
    if ctx.query.bool_or("alt", false)
        && let Some(other) = other
    {
        out["alt"] = json!({
            "loc": fix_json(&other, widen(other.uncertainty, &ctx.query), Some(other.kind.name(evaluation))),
            "dist": geo::distance_m((chosen.lat, chosen.lon), (other.lat, other.lon)).round(),
        });
    }
    Ok(ok(&out))
}

/// GetLocationFromCells.
pub(crate) async fn get_location_from_cells(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request = json_or_empty(&body)?;
    let fix = geo::cell_fix(&geo::cells(&request)).ok_or_else(|| {
        ApiError::validation(
            "Validation failed: body needs at least one lte, ltecatm or nbiot cell",
        )
    })?;
    record(
        &app,
        ctx.subject_device(&headers),
        &fix,
        &fix.kind.name(false),
        json!({}),
    );
    if !wants_reply(&ctx.query) {
        return Ok(empty_ok());
    }
    Ok(ok(&fix_json(
        &fix,
        widen(fix.uncertainty, &ctx.query),
        Some(fix.kind.name(is_evaluation(&ctx))),
    )))
}

/// GetLocationFromWifiNetworks: at least two usable access points.
pub(crate) async fn get_location_from_wifi(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request = json_or_empty(&body)?;
    let list = request
        .get("accessPoints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let macs = geo::access_points(&list, "body.accessPoints")
        .map_err(|e| ApiError::validation(format!("Validation failed: {e}")))?;
    if macs.len() < 2 {
        return Err(ApiError::validation(
            "Validation failed: at least two Wi-Fi access points (universally administered MAC addresses) are required",
        ));
    }
    let fix = geo::wifi_fix(&macs, None);
    record(&app, ctx.subject_device(&headers), &fix, "WIFI", json!({}));
    if !wants_reply(&ctx.query) {
        return Ok(empty_ok());
    }
    Ok(ok(&fix_json(
        &fix,
        widen(fix.uncertainty, &ctx.query),
        None,
    )))
}

/// GetSingleCellLocation: JSON with `format=json`, else a 20-byte binary struct
/// (latitude f64 LE, longitude f64 LE, uncertainty u32 LE).
pub(crate) async fn get_single_cell_location(Extension(ctx): Extension<Ctx>) -> ApiResult {
    let q = &ctx.query;
    let int = |n: &str| q.f64(n).unwrap_or(0.0) as i64;
    let cell = geo::single_cell(
        int("mcc"),
        q.get("mnc").unwrap_or_default(),
        int("tac"),
        int("eci"),
    );
    let fix =
        geo::cell_fix(&[cell]).ok_or_else(|| ApiError::not_found("No location for this cell"))?;
    if q.get("format") == Some("json") {
        return Ok(ok(&fix_json(&fix, fix.uncertainty, None)));
    }
    let mut bytes = Vec::with_capacity(20);
    bytes.extend_from_slice(&fix.lat.to_le_bytes());
    bytes.extend_from_slice(&fix.lon.to_le_bytes());
    bytes.extend_from_slice(&fix.uncertainty.to_le_bytes());
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        bytes,
    )
        .into_response())
}

/// GetAddressDataFromCoordinates: 404 / 40410 far from every known place.
pub(crate) async fn get_address(Extension(ctx): Extension<Ctx>) -> ApiResult {
    let lat = ctx.query.f64("lat").unwrap_or(f64::NAN);
    let lon = ctx.query.f64("lon").unwrap_or(f64::NAN);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(ApiError::validation(
            "Validation failed: lat must be within -90..90 and lon within -180..180",
        ));
    }
    geo::reverse_geocode(lat, lon)
        .map(|v| ok(&v))
        .ok_or_else(|| ApiError::not_found("No address found near these coordinates"))
}

/// RecordGnssCoordinates: a JSON fix, or an NMEA GGA sentence as a JSON string.
pub(crate) async fn record_gnss_coordinates(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request = json_or_empty(&body)?;
    let device_id = ctx.subject_device(&headers).ok_or_else(|| {
        ApiError::validation(
            "Validation failed: x-custom-device-id is required unless a device JWT is used",
        )
    })?;
    let (lat, lon, meta) = match &request {
        Value::String(sentence) => parse_gga(sentence).ok_or_else(|| {
            ApiError::validation(
                "Validation failed: body must be a fix object or an NMEA GGA sentence",
            )
        })?,
        Value::Object(map) => {
            let lat = map.get("lat").and_then(Value::as_f64).unwrap_or(f64::NAN);
            let lon = map.get("lon").and_then(Value::as_f64).unwrap_or(f64::NAN);
            let mut meta = serde_json::Map::new();
            for key in ["acc", "alt", "spd", "hdg"] {
                if let Some(v) = map.get(key).filter(|v| v.is_number()) {
                    meta.insert(key.to_owned(), v.clone());
                }
            }
            (lat, lon, Value::Object(meta))
        }
        _ => {
            return Err(ApiError::validation(
                "Validation failed: body must be a fix object",
            ));
        }
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(ApiError::validation(
            "Validation failed: body.lat must be within -90..90 and body.lon within -180..180",
        ));
    }
    let acc = meta.get("acc").and_then(Value::as_f64).unwrap_or(0.0);
    let record = LocationRecord {
        id: uuid_v4(),
        device_id,
        service_type: "GNSS".into(),
        inserted_at: ids::now(),
        lat,
        lon,
        uncertainty: acc,
        meta,
    };
    app.state.with(|d| d.locations.push(record));
    Ok(accepted())
}

/// Latitude, longitude and metadata from a `$..GGA` sentence.
fn parse_gga(sentence: &str) -> Option<(f64, f64, Value)> {
    let fields: Vec<&str> = sentence.trim().split(',').collect();
    if !fields.first()?.ends_with("GGA") || fields.len() < 10 {
        return None;
    }
    let coordinate = |value: &str, hemisphere: &str, degree_digits: usize| -> Option<f64> {
        let degrees: f64 = value.get(..degree_digits)?.parse().ok()?;
        let minutes: f64 = value.get(degree_digits..)?.parse().ok()?;
        let v = degrees + minutes / 60.0;
        Some(if matches!(hemisphere, "S" | "W") {
            -v
        } else {
            v
        })
    };
    let lat = coordinate(fields[2], fields[3], 2)?;
    let lon = coordinate(fields[4], fields[5], 3)?;
    let mut meta = serde_json::Map::new();
    if let Ok(hdop) = fields[8].parse::<f64>() {
        meta.insert("acc".into(), json!(hdop * 5.0));
    }
    if let Ok(alt) = fields[9].parse::<f64>() {
        meta.insert("alt".into(), json!(alt));
    }
    Some((lat, lon, Value::Object(meta)))
}

/// GetLocationHistory, newest first unless `pageSort=asc`.
pub(crate) async fn get_location_history(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let page = PageRequest::from_query(q, ListKind::LocationHistory)?;
    let device = q
        .get("deviceId")
        .or_else(|| q.get("deviceIdentifier"))
        .map(str::to_owned);
    let start = time_param(q, &["start", "inclusiveStart"]);
    let end = time_param(q, &["end", "inclusiveEnd"]);
    let tags = q.list("tags");
    let latest = q.bool_or("latest", false);
    let ascending = q.get("pageSort") == Some("asc");
    let mut records: Vec<LocationRecord> = app.state.with(|d| {
        d.locations
            .iter()
            .filter(|r| {
                device
                    .as_deref()
                    .is_none_or(|id| r.device_id.eq_ignore_ascii_case(id))
            })
            .filter(|r| start.is_none_or(|s| r.inserted_at >= s))
            .filter(|r| end.is_none_or(|e| r.inserted_at <= e))
            .filter(|r| {
                tags.is_empty()
                    || d.devices
                        .get(&r.device_id)
                        .is_some_and(|dev| dev.tags.iter().any(|t| tags.contains(t)))
            })
            .cloned()
            .collect()
    });
    records.sort_by_key(|r| r.inserted_at);
    if latest {
        let mut seen = std::collections::HashSet::new();
        records.reverse();
        records.retain(|r| seen.insert(r.device_id.clone()));
        records.reverse();
    }
    if !ascending {
        records.reverse();
    }
    let items: Vec<Value> = records.iter().map(LocationRecord::to_json).collect();
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "location history")?;
    Ok(ok(&envelope(items, next)))
}

/// DeleteLocationHistory.
pub(crate) async fn delete_location_history(
    State(app): State<App>,
    Path((device_id, id)): Path<(String, String)>,
) -> ApiResult {
    let removed = app.state.with(|d| {
        let before = d.locations.len();
        d.locations
            .retain(|r| !(r.device_id == device_id && r.id.eq_ignore_ascii_case(&id)));
        d.locations.len() != before
    });
    if removed {
        Ok(accepted())
    } else {
        Err(ApiError::not_found(format!(
            "No location record {id} for device {device_id}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gga_sentences_parse() {
        let (lat, lon, meta) =
            parse_gga("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47")
                .expect("parses");
        assert!((lat - 48.1173).abs() < 1e-3 && (lon - 11.5167).abs() < 1e-3);
        assert_eq!(meta["alt"], json!(545.4));
        assert!(parse_gga("hello").is_none());
        assert!(parse_gga("$GPGGA,1,é,N,ü,E,1,08,0.9,545.4,M").is_none());
    }

    #[test]
    fn fix_kinds_name_evaluation_variants() {
        assert_eq!(geo::FixKind::Wifi.name(true), "WIFI_EVAL");
    }
}
