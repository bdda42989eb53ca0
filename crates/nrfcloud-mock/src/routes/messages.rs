//! Device messages: SendDeviceMessage stores them, ListMessages reads them back with its
//! supported parameter combinations, and FetchBinaryLogsUrl zips the binary ones.

use std::io::Write;

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use base64::Engine;
use chrono::Duration;
use serde_json::{Value, json};

use super::{accepted, json_body, ok, time_param};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::gate::Ctx;
use crate::ids::{self, iso};
use crate::model::{StoredFile, StoredMessage};
use crate::pagination::{ListKind, PageRequest, envelope};

/// SendDeviceMessage: stores one message (or one per element of an array); a base64 string is
/// a binary log. The default topic is `d/{deviceId}/d2c`.
pub(crate) async fn send_device_message(
    State(app): State<App>,
    Path(device_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request = json_body(&body)?;
    let topic = request
        .get("topic")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("d/{device_id}/d2c"));
    let messages: Vec<Value> = match request.get("message") {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    if let Some(Value::String(data)) = request.get("message") {
        let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
        if base64::engine::general_purpose::STANDARD
            .decode(compact)
            .is_err()
        {
            return Err(ApiError::validation(
                "Validation failed: body.message must be an object, an array of objects or base64 text",
            ));
        }
    }
    app.state.with(|d| {
        if !d.devices.contains_key(&device_id) {
            return Err(ApiError::device_not_found(&device_id));
        }
        let now = ids::now();
        for message in messages {
            d.messages.push(StoredMessage {
                device_id: device_id.clone(),
                topic: topic.clone(),
                received_at: now,
                message,
            });
        }
        Ok(())
    })?;
    Ok(accepted())
}

/// ListMessages. Supported: deviceId, appId, topic, appId + deviceId, topic + deviceId;
/// appId + topic (with or without deviceId) is refused with 422.
pub(crate) async fn list_messages(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let page = PageRequest::from_query(q, ListKind::Messages)?;
    let device_id = q.get("deviceId").map(str::to_owned);
    let app_id = q.get("appId").map(str::to_owned);
    let topic = q.get("topic").map(str::to_owned);
    if app_id.is_some() && topic.is_some() {
        return Err(ApiError::validation(
            "Validation failed: appId and topic cannot be combined (supported: appId + deviceId, topic + deviceId, appId, deviceId, topic)",
        ));
    }
    let start = time_param(q, &["start", "inclusiveStart"]);
    let end = time_param(q, &["end", "exclusiveEnd"]);
    let ascending = q.get("pageSort") == Some("asc");
    let tenant = app.settings().tenant_id.clone();
    let mut items: Vec<Value> = app.state.with(|d| {
        d.messages
            .iter()
            .filter(|m| {
                device_id
                    .as_deref()
                    .is_none_or(|id| m.device_id.eq_ignore_ascii_case(id))
            })
            .filter(|m| app_id.as_deref().is_none_or(|a| m.app_id() == Some(a)))
            .filter(|m| topic.as_deref().is_none_or(|t| m.topic == t))
            .filter(|m| start.is_none_or(|s| m.received_at >= s))
            .filter(|m| end.is_none_or(|e| m.received_at < e))
            .map(|m| m.to_json(&tenant))
            .collect()
    });
    if !ascending {
        items.reverse();
    }
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "messages")?;
    Ok(ok(&envelope(items, next)))
}

/// FetchBinaryLogsUrl: a zip of the device's binary-log messages in the range (at most 24 h,
/// by default the last 24 h), served by the mock; 404 / 40499 when there are none.
pub(crate) async fn fetch_binary_logs_url(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let device_id = q.get("deviceId").unwrap_or_default().to_owned();
    let now = ids::now();
    let end = time_param(q, &["end"]).unwrap_or(now);
    let start = time_param(q, &["start"]).unwrap_or(end - Duration::hours(24));
    if start > end {
        return Err(ApiError::validation(
            "Validation failed: start must be before end",
        ));
    }
    if end - start > Duration::hours(24) {
        return Err(ApiError::validation(
            "Validation failed: the range between start and end cannot exceed 24 hours",
        ));
    }
    let logs: Vec<StoredMessage> = app.state.with(|d| {
        if !d.devices.contains_key(&device_id) {
            return Err(ApiError::device_not_found(&device_id));
        }
        Ok(d.messages
            .iter()
            .filter(|m| m.device_id == device_id && m.is_binary_log())
            .filter(|m| m.received_at >= start && m.received_at <= end)
            .cloned()
            .collect())
    })?;
    if logs.is_empty() {
        return Err(ApiError::empty(format!(
            "No binary logs for device {device_id} between {} and {}",
            iso(start),
            iso(end)
        )));
    }
    let zip = zip_logs(&logs)
        .map_err(|e| ApiError::bad_request(format!("Cannot build the archive: {e}")))?;
    let path = format!("binary-logs/{}.zip", ids::uuid_v4());
    let length = zip.len();
    app.state.with(|d| {
        d.files.insert(
            path.clone(),
            StoredFile {
                content_type: "application/zip",
                bytes: zip.into(),
            },
        )
    });
    Ok(ok(&json!({
        "url": format!("{}/files/{path}", app.settings().base_url),
        "contentLength": length,
    })))
}

fn zip_logs(logs: &[StoredMessage]) -> Result<Vec<u8>, String> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (i, log) in logs.iter().enumerate() {
        let bytes = match &log.message {
            Value::String(s) => {
                let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap_or_else(|_| s.as_bytes().to_vec())
            }
            other => serde_json::to_vec(other).unwrap_or_default(),
        };
        let name = format!("{}-{i}.bin", log.received_at.format("%Y%m%dT%H%M%S%.3fZ"));
        writer
            .start_file(name, options)
            .map_err(|e| e.to_string())?;
        writer.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    writer
        .finish()
        .map(std::io::Cursor::into_inner)
        .map_err(|e| e.to_string())
}
