//! Wi-Fi anchors (access points with known positions) and location contributions; neither is
//! in the spec snapshot yet.

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use serde_json::{Value, json};

use super::{accepted, json_body, ok};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::gate::Ctx;
use crate::ids;
use crate::model::{Anchor, Contribution};
use crate::pagination::{ListKind, PageRequest, envelope};

fn mac_key(mac: &str) -> String {
    mac.to_lowercase().replace('-', ":")
}

/// ListAnchors.
pub(crate) async fn list_anchors(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let page = PageRequest::from_query(&ctx.query, ListKind::Anchors)?;
    let items: Vec<Value> = app
        .state
        .with(|d| d.anchors.values().map(Anchor::to_json).collect());
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "anchors")?;
    Ok(ok(&envelope(items, next)))
}

/// CreateAnchor.
pub(crate) async fn create_anchor(State(app): State<App>, body: Bytes) -> ApiResult {
    let request = json_body(&body)?;
    let mac = request["macAddress"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let lat = request["lat"].as_f64().unwrap_or(f64::NAN);
    let lon = request["lon"].as_f64().unwrap_or(f64::NAN);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(ApiError::validation(
            "Validation failed: body.lat must be within -90..90 and body.lon within -180..180",
        ));
    }
    crate::geo::access_points(&[json!({"macAddress": mac})], "body").map_err(|_| {
        ApiError::validation(format!(
            "Validation failed: body.macAddress '{mac}' is not a MAC address"
        ))
    })?;
    let now = ids::now();
    let anchor = Anchor {
        mac_address: mac.clone(),
        lat,
        lon,
        name: request["name"].as_str().map(str::to_owned),
        created_at: now,
        updated_at: now,
    };
    app.state.with(|d| {
        if d.anchors.contains_key(&mac_key(&mac)) {
            return Err(ApiError::bad_request(format!(
                "Anchor {mac} already exists"
            )));
        }
        d.anchors.insert(mac_key(&mac), anchor);
        Ok(())
    })?;
    Ok(accepted())
}

/// FetchAnchor.
pub(crate) async fn fetch_anchor(State(app): State<App>, Path(mac): Path<String>) -> ApiResult {
    app.state
        .with(|d| d.anchors.get(&mac_key(&mac)).map(Anchor::to_json))
        .map(|a| ok(&a))
        .ok_or_else(|| ApiError::not_found(format!("Anchor {mac} not found")))
}

/// UpdateAnchor.
pub(crate) async fn update_anchor(
    State(app): State<App>,
    Path(mac): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request = json_body(&body)?;
    app.state
        .with(|d| {
            d.anchors.get_mut(&mac_key(&mac)).map(|a| {
                if let Some(lat) = request["lat"].as_f64() {
                    a.lat = lat;
                }
                if let Some(lon) = request["lon"].as_f64() {
                    a.lon = lon;
                }
                if let Some(name) = request["name"].as_str() {
                    a.name = Some(name.to_owned());
                }
                a.updated_at = ids::now();
            })
        })
        .map(|()| accepted())
        .ok_or_else(|| ApiError::not_found(format!("Anchor {mac} not found")))
}

/// DeleteAnchor.
pub(crate) async fn delete_anchor(State(app): State<App>, Path(mac): Path<String>) -> ApiResult {
    app.state
        .with(|d| d.anchors.remove(&mac_key(&mac)))
        .map(|_| accepted())
        .ok_or_else(|| ApiError::not_found(format!("Anchor {mac} not found")))
}

/// GetContributions, newest first unless `pageSort=asc`.
pub(crate) async fn list_contributions(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult {
    let page = PageRequest::from_query(&ctx.query, ListKind::Contributions)?;
    let mut items: Vec<Value> = app
        .state
        .with(|d| d.contributions.iter().map(Contribution::to_json).collect());
    if ctx.query.get("pageSort") != Some("asc") {
        items.reverse();
    }
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "contributions")?;
    Ok(ok(&envelope(items, next)))
}

/// ContributeLocationData: 200 `{id}`.
pub(crate) async fn contribute(State(app): State<App>, body: Bytes) -> ApiResult {
    let request = json_body(&body)?;
    let id = ids::uuid_v4();
    let contribution = Contribution {
        id: id.clone(),
        created_at: ids::now(),
        body: request,
    };
    app.state.with(|d| d.contributions.push(contribution));
    Ok(ok(&json!({ "id": id })))
}

/// DeleteContribution.
pub(crate) async fn delete_contribution(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult {
    let removed = app.state.with(|d| {
        let before = d.contributions.len();
        d.contributions.retain(|c| !c.id.eq_ignore_ascii_case(&id));
        d.contributions.len() != before
    });
    if removed {
        Ok(accepted())
    } else {
        Err(ApiError::not_found(format!("Contribution {id} not found")))
    }
}
