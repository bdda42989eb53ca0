//! Firmware bundles: upload (a zip as raw bytes or base64 text), list (the team's bundles or
//! the available modem firmware) and delete.

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use serde_json::{Value, json};

use super::{accepted, content_type, ok, text_body};
use crate::app::App;
use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::Ctx;
use crate::ids;
use crate::manifest;
use crate::model::{Bundle, StoredFile};
use crate::pagination::{ListKind, PageRequest, envelope};
use crate::validate::media_type_matches;

/// The largest binary bundle accepted (base64 text is limited to 1,333,333 characters).
const MAX_ZIP_BYTES: usize = 1_000_000;

/// The modem firmware ListFirmware shows with `modemOnly=true`.
const MODEM_FIRMWARE: [&str; 3] = [
    "mfw_nrf9160_1.3.6",
    "mfw_nrf91x1_2.0.1",
    "mfw_nrf91x1_2.0.2",
];

/// UploadFirmware.
pub(crate) async fn upload_firmware(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let ct = content_type(&headers).unwrap_or("application/octet-stream");
    let zip_bytes = if media_type_matches(ct, "text/plain") {
        let text = text_body(&headers, &body)?;
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| {
                ApiError::validation(
                    "Validation failed: a text/plain body must be the base64 of a zip file",
                )
            })?
    } else {
        body.to_vec()
    };
    if zip_bytes.len() > MAX_ZIP_BYTES {
        return Err(ApiError::validation(format!(
            "Validation failed: the bundle is {} bytes; at most {MAX_ZIP_BYTES} are accepted",
            zip_bytes.len()
        )));
    }
    let contents = manifest::read_bundle(&zip_bytes, &app.settings().bundle_limits)
        .map_err(|e| ApiError::validation(format!("Validation failed: {e}")))?;
    let tenant = app.settings().tenant_id.clone();
    let bundle_id = format!(
        "{}*{}*{}",
        contents.fw_type,
        ids::random_hex(8),
        contents.version
    );
    let mut uris = Vec::new();
    let mut size = 0u64;
    let mut stored = Vec::new();
    for (file, bytes) in contents.files {
        let path = format!("firmware/{tenant}/{bundle_id}/{file}");
        uris.push(format!("files/{path}"));
        size += bytes.len() as u64;
        stored.push((path, bytes));
    }
    let bundle = Bundle {
        bundle_id: bundle_id.clone(),
        name: contents.name,
        description: contents.description,
        version: contents.version,
        fw_type: contents.fw_type,
        filenames: stored
            .iter()
            .filter_map(|(p, _)| p.rsplit('/').next().map(str::to_owned))
            .collect(),
        size,
        last_modified: ids::now(),
        uris: uris.clone(),
    };
    app.state.with(|d| {
        for (path, bytes) in stored {
            d.files.insert(
                path,
                StoredFile {
                    content_type: "application/octet-stream",
                    bytes: bytes.into(),
                },
            );
        }
        d.bundles.insert(bundle_id, bundle);
    });
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({ "uris": uris }),
    ))
}

/// The canned modem firmware bundles. Their ids start with their type, as the document says a
/// bundle id is the firmware type, a random string and the version.
pub(crate) fn modem_bundles() -> Vec<Bundle> {
    MODEM_FIRMWARE
        .iter()
        .enumerate()
        .map(|(i, version)| Bundle {
            bundle_id: format!(
                "MODEM*{:08x}*{version}",
                ids::fnv1a(version.as_bytes()) as u32
            ),
            name: Some(format!("Modem firmware {version}")),
            description: Some("Modem firmware published by Nordic Semiconductor".into()),
            version: (*version).to_owned(),
            fw_type: "MODEM".into(),
            filenames: vec![format!("{version}.zip")],
            size: 2_000_000 + i as u64,
            last_modified: chrono::DateTime::from_timestamp(1_700_000_000 + i as i64 * 86_400, 0)
                .unwrap_or_default(),
            uris: vec![format!("files/firmware/modem/{version}.zip")],
        })
        .collect()
}

/// ListFirmware, newest first.
pub(crate) async fn list_firmware(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let q = &ctx.query;
    let page = PageRequest::from_query(q, ListKind::Firmware)?;
    let mut bundles = if q.bool_or("modemOnly", false) {
        modem_bundles()
    } else {
        app.state.with(|d| d.bundles.values().cloned().collect())
    };
    bundles.sort_by_key(|b| std::cmp::Reverse(b.last_modified));
    let items: Vec<Value> = bundles.iter().map(Bundle::to_json).collect();
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "firmware bundles")?;
    Ok(ok(&envelope(items, next)))
}

/// DeleteFirmware (and its files).
pub(crate) async fn delete_firmware(
    State(app): State<App>,
    Path(bundle_id): Path<String>,
) -> ApiResult {
    let removed = app.state.with(|d| {
        let bundle = d.bundles.remove(&bundle_id)?;
        for uri in &bundle.uris {
            d.files.remove(uri.trim_start_matches("files/"));
        }
        Some(())
    });
    removed
        .map(|()| accepted())
        .ok_or_else(|| ApiError::not_found(format!("Firmware bundle {bundle_id} not found")))
}
