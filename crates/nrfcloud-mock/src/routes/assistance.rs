//! GNSS assistance: A-GNSS data (HEAD for the size, 206 chunks trimmed to whole records for
//! `Range`, on /location/agnss and the deprecated /location/agps) and P-GPS prediction files
//! (/location/pgnss and the deprecated /location/pgps) served by the mock.

use axum::body::{Body, Bytes};
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::location::json_or_empty;
use super::ok;
use crate::agnss::{self, AgnssRequest};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::gate::Ctx;
use crate::ids::{self, DetRng, fnv1a};
use crate::model::StoredFile;
use crate::query::QueryParams;

fn agnss_request(
    types: Vec<u8>,
    cell: [Option<String>; 4],
    filtered: bool,
    mask: Option<f64>,
) -> Result<AgnssRequest, ApiError> {
    let cell = match cell {
        [Some(mcc), Some(mnc), Some(tac), Some(eci)] => Some(format!("{mcc}/{mnc}/{tac}/{eci}")),
        _ => None,
    };
    if filtered && cell.is_none() {
        return Err(ApiError::validation(
            "Validation failed: filtered ephemerides need the cell (mcc, mnc, tac and eci)",
        ));
    }
    Ok(AgnssRequest {
        types,
        cell,
        filtered,
        mask,
    })
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn request_from_body(body: &Value) -> Result<AgnssRequest, ApiError> {
    let types = body
        .get("types")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|t| t as u8)
                .collect()
        })
        .unwrap_or_default();
    agnss_request(
        types,
        [
            text(body.get("mcc")),
            text(body.get("mnc")),
            text(body.get("tac")),
            text(body.get("eci")),
        ],
        body.get("filtered")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        body.get("mask").and_then(Value::as_f64),
    )
}

fn request_from_query(q: &QueryParams) -> Result<AgnssRequest, ApiError> {
    let mut types: Vec<u8> = q
        .list("types")
        .iter()
        .filter_map(|t| t.parse::<f64>().ok())
        .map(|t| t as u8)
        .collect();
    if types.is_empty() {
        types = q
            .list("customTypes")
            .iter()
            .filter_map(|t| t.parse::<f64>().ok())
            .map(|t| t as u8)
            .collect();
    }
    let get = |n: &str| q.get(n).map(str::to_owned);
    agnss_request(
        types,
        [get("mcc"), get("mnc"), get("tac"), get("eci")],
        q.bool_or("filtered", false),
        q.f64("mask"),
    )
}

fn size_response(req: &AgnssRequest) -> Response {
    let payload = agnss::generate(req);
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(payload.bytes.len()),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response
}

fn chunk_response(req: &AgnssRequest, headers: &HeaderMap) -> ApiResult {
    let payload = agnss::generate(req);
    let total = payload.bytes.len();
    let (start, end) = match headers.get(header::RANGE) {
        None => (0, total.saturating_sub(1)),
        Some(value) => {
            let text = value.to_str().unwrap_or_default();
            agnss::parse_range(text, total).map_err(|e| {
                ApiError::range_not_satisfiable(total, format!("Range not satisfiable: {e}"))
            })?
        }
    };
    let stop = payload.trimmed_end(start, end);
    let chunk = payload.bytes[start..stop].to_vec();
    let mut response = Response::new(Body::from(chunk));
    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{total}", stop - 1)) {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(response)
}

/// GetAssistanceData (POST /location/agnss): 206 with the chunk the `Range` asks for, trimmed
/// to whole records.
pub(crate) async fn get_assistance_data(headers: HeaderMap, body: Bytes) -> ApiResult {
    let request = json_or_empty(&body)?;
    chunk_response(&request_from_body(&request)?, &headers)
}

/// GetAssistanceDataSize (HEAD /location/agnss): the payload size in `Content-Length`.
pub(crate) async fn get_assistance_data_size(Extension(ctx): Extension<Ctx>) -> ApiResult {
    Ok(size_response(&request_from_query(&ctx.query)?))
}

/// GetAssistanceData (deprecated GET /location/agps).
pub(crate) async fn get_agps_data(Extension(ctx): Extension<Ctx>, headers: HeaderMap) -> ApiResult {
    chunk_response(&request_from_query(&ctx.query)?, &headers)
}

/// GetFileSize (deprecated HEAD /location/agps).
pub(crate) async fn get_agps_size(Extension(ctx): Extension<Ctx>) -> ApiResult {
    Ok(size_response(&request_from_query(&ctx.query)?))
}

/// GetPredictedAssistanceData (/location/pgnss and the deprecated /location/pgps): the host and
/// path of a prediction file served by the mock.
pub(crate) async fn get_predicted_assistance_data(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let whole = |name: &str, default: f64, min: f64, max: f64| -> Result<i64, ApiError> {
        let v = q.f64(name).unwrap_or(default);
        if v.fract() != 0.0 || v < min || v > max {
            return Err(ApiError::validation(format!(
                "Validation failed: {name} must be a whole number within {min}..{max}"
            )));
        }
        Ok(v as i64)
    };
    let epoch = Utc
        .with_ymd_and_hms(1980, 1, 6, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let today = (ids::now() - epoch).num_days();
    let count = whole("predictionCount", 42.0, 1.0, 42.0)?;
    let interval = whole("predictionIntervalMinutes", 240.0, 1.0, f64::from(u16::MAX))?;
    if !crate::evidence::PGPS_INTERVALS.contains(&interval) {
        return Err(ApiError::validation(format!(
            "Validation failed: predictionIntervalMinutes must be one of {:?}, not {interval}",
            crate::evidence::PGPS_INTERVALS
        )));
    }
    let day = whole(
        "startGpsDay",
        today as f64,
        today as f64,
        (today + 6) as f64,
    )?;
    let tod = whole("startGpsTimeOfDaySeconds", 0.0, 0.0, 86_399.0)?;
    let end = day * 86_400 + tod + (count - 1) * interval * 60;
    let name = format!("{day}-{tod}_{}-{}.bin", end / 86_400, end % 86_400);
    let path = format!("pgnss/{name}");
    let mut rng = DetRng::new(fnv1a(name.as_bytes()));
    let bytes: Vec<u8> = (0..count * 512)
        .map(|_| (rng.next_u64() >> 56) as u8)
        .collect();
    app.state.with(|d| {
        d.files.entry(path.clone()).or_insert(StoredFile {
            content_type: "application/octet-stream",
            bytes: bytes.into(),
        });
    });
    Ok(ok(
        &json!({ "host": app.settings().host(), "path": format!("files/{path}") }),
    ))
}
