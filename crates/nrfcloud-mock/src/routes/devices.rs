//! Device operations: list (with its filters and `transform`), fetch, delete, name, tags,
//! image and state (with `If-Match`), and the team's device tags.

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use base64::Engine;
use serde_json::Value;

use super::{accepted, json_body, ok, text_body, transform_expression};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::gate::Ctx;
use crate::ids;
use crate::model::{Device, StoredFile};
use crate::pagination::{ListKind, PageRequest, envelope};

/// ListDevices.
pub(crate) async fn list_devices(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let page = PageRequest::from_query(q, ListKind::Devices)?;
    let transform = transform_expression(q)?;
    let include_state = q.bool_or("includeState", false);
    let include_meta = q.bool_or("includeStateMeta", false);
    let tags = q.list("tags");
    let mut wanted_ids = q.list("deviceIds");
    wanted_ids.extend(q.list("deviceIdentifiers"));
    let supports = q.list("firmwareSupport");
    let excludes = q.list("firmwareSupportExclude");
    let types = q.list("deviceTypes");
    let sub_types: Vec<String> = q.all("subTypes").into_iter().map(str::to_owned).collect();
    let fuzzy = q.get("deviceNameFuzzy").map(str::to_owned);
    let ble_only = q.has("bleFirmwareSupport") && q.bool_or("bleFirmwareSupport", false);
    let gateway = q.get("gatewayId").is_some();
    let tenant = app.settings().tenant_id.clone();
    let matches = |dev: &Device| {
        (tags.is_empty() || dev.tags.iter().any(|t| tags.contains(t)))
            && (wanted_ids.is_empty() || wanted_ids.iter().any(|w| w.eq_ignore_ascii_case(&dev.id)))
            && supports.iter().all(|s| dev.supports.contains(s))
            && !excludes.iter().any(|s| dev.supports.contains(s))
            && (types.is_empty() || types.iter().any(|t| t == "Generic"))
            && (sub_types.is_empty() || sub_types.contains(&dev.sub_type))
            && fuzzy.as_ref().is_none_or(|f| dev.name_matches(f))
            && !ble_only
            && !gateway
    };
    let (items, next) = app.state.with(|d| {
        let matching: Vec<&Device> = d.devices.values().filter(|dev| matches(dev)).collect();
        let (page_items, next) = page.slice(matching);
        let items: Vec<Value> = page_items
            .iter()
            .map(|dev| dev.to_json(&tenant, include_state, include_meta))
            .collect();
        (items, next)
    });
    app.check_empty(items.is_empty() && page.offset == 0, "devices")?;
    let items = match transform {
        Some(expr) => app.transform(expr, items).await?,
        None => items,
    };
    Ok(ok(&envelope(items, next)))
}

/// FetchDevice (a device JWT may fetch its own device only; the gate checks that).
pub(crate) async fn fetch_device(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path(device_id): Path<String>,
) -> ApiResult {
    let transform = transform_expression(&ctx.query)?;
    let tenant = app.settings().tenant_id.clone();
    let device = app
        .state
        .with(|d| {
            d.devices
                .get(&device_id)
                .map(|dev| dev.to_json(&tenant, true, true))
        })
        .ok_or_else(|| ApiError::device_not_found(&device_id))?;
    match transform {
        Some(expr) => {
            let mut items = app.transform(expr, vec![device]).await?;
            Ok(ok(&items.pop().unwrap_or_default()))
        }
        None => Ok(ok(&device)),
    }
}

/// DeleteDevice: 404 / 40414 when the device is not in the team.
pub(crate) async fn delete_device(
    State(app): State<App>,
    Path(device_id): Path<String>,
) -> ApiResult {
    let removed = app.state.with(|d| d.devices.remove(&device_id).is_some());
    if removed {
        Ok(accepted())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            40414,
            format!("Device {device_id} not found for deletion"),
        ))
    }
}

/// Runs `f` on a device, or answers 404 / 40410.
fn with_device<R>(app: &App, device_id: &str, f: impl FnOnce(&mut Device) -> R) -> ApiResult<R> {
    app.state
        .with(|d| d.devices.get_mut(device_id).map(f))
        .ok_or_else(|| ApiError::device_not_found(device_id))
}

/// UpdateDeviceName (the body is the name, as text or a JSON string).
pub(crate) async fn update_device_name(
    State(app): State<App>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let name = text_body(&headers, &body)?;
    with_device(&app, &device_id, |dev| {
        dev.name = name;
        dev.updated_at = ids::now();
    })?;
    Ok(accepted())
}

/// UpdateDeviceTags (replaces the tags).
pub(crate) async fn update_device_tags(
    State(app): State<App>,
    Path(device_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let tags: Vec<String> = json_body(&body)?
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = tags.iter().find(|t| t.trim().is_empty()) {
        return Err(ApiError::validation(format!(
            "Validation failed: tag '{bad}' is empty"
        )));
    }
    with_device(&app, &device_id, |dev| {
        let mut tags = tags;
        tags.dedup();
        dev.tags = tags;
        dev.updated_at = ids::now();
    })?;
    Ok(accepted())
}

/// UpdateDeviceImage: from `sourceUrl`, or an uploaded image (base64 text) served by the mock.
pub(crate) async fn update_device_image(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let url = if let Some(source) = ctx.query.get("sourceUrl") {
        source.to_owned()
    } else if !body.is_empty() {
        let text = text_body(&headers, &body)?;
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .unwrap_or_else(|_| body.to_vec());
        let path = format!("device-images/{device_id}");
        let url = format!("{}/files/{path}", app.settings().base_url);
        app.state.with(|d| {
            d.files.insert(
                path,
                StoredFile {
                    content_type: "application/octet-stream",
                    bytes: bytes.into(),
                },
            )
        });
        url
    } else {
        return Err(ApiError::validation(
            "Validation failed: give a sourceUrl query parameter or an image in the body",
        ));
    };
    with_device(&app, &device_id, |dev| {
        dev.image = Some(url);
        dev.updated_at = ids::now();
    })?;
    Ok(accepted())
}

/// DeleteDeviceImage.
pub(crate) async fn delete_device_image(
    State(app): State<App>,
    Path(device_id): Path<String>,
) -> ApiResult {
    with_device(&app, &device_id, |dev| {
        dev.image = None;
        dev.updated_at = ids::now();
    })?;
    app.state
        .with(|d| d.files.remove(&format!("device-images/{device_id}")));
    Ok(accepted())
}

/// UpdateDeviceState: merges `desired`/`reported` into the shadow. An `If-Match` header must
/// carry the current version (`$meta.version`, also `state.version`): a stale one is refused
/// with 412 / 41200.
pub(crate) async fn update_device_state(
    State(app): State<App>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let patch = json_body(&body)?;
    let desired = patch.get("desired").filter(|v| !v.is_null()).cloned();
    let reported = patch.get("reported").filter(|v| !v.is_null()).cloned();
    if desired.is_none() && reported.is_none() {
        return Err(ApiError::validation(
            "Validation failed: body needs a desired or a reported object",
        ));
    }
    let expected = match headers.get(axum::http::header::IF_MATCH) {
        None => None,
        Some(v) => {
            let text = v.to_str().unwrap_or_default().trim();
            let text = text.trim_start_matches("W/").trim_matches('"');
            if text == "*" {
                None
            } else {
                Some(text.parse::<u64>().map_err(|_| {
                    ApiError::validation(
                        "Validation failed: If-Match must be a state version number",
                    )
                })?)
            }
        }
    };
    with_device(&app, &device_id, |dev| {
        if let Some(version) = expected
            && version != dev.shadow.version
        {
            return Err(ApiError::precondition_failed(format!(
                "If-Match version {version} does not match the current state version {}",
                dev.shadow.version
            )));
        }
        let now = ids::now();
        dev.shadow
            .update(desired.as_ref(), reported.as_ref(), now.timestamp());
        dev.updated_at = now;
        Ok(())
    })??;
    Ok(accepted())
}

/// ListDeviceTags.
pub(crate) async fn list_device_tags(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let page = PageRequest::from_query(&ctx.query, ListKind::DeviceTags)?;
    let tags = app.state.with(|d| d.all_tags());
    let (items, next) = page.slice(tags);
    app.check_empty(items.is_empty() && page.offset == 0, "device tags")?;
    Ok(ok(&envelope(
        items.into_iter().map(Value::String).collect(),
        next,
    )))
}
