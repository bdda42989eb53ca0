//! One view of a device's shadow, whichever device type the API answered.
//!
//! `FetchDevice` answers one of three device types (`GenericDevice`, `GatewayDevice`,
//! `BleDevice`), and the first two carry their shadow in two different generated types, with
//! the open parts kept as text ([`crate::json::RawObject`]) and the version as a float.
//! [`ShadowState`] is the common case: reported, desired and delta as JSON maps, the version
//! as an integer.
//!
//! ```
//! # fn f(device: nrfcloud_api::types::FetchDeviceResponse) -> Result<(), serde_json::Error> {
//! if let Some(shadow) = device.shadow()? {
//!     let connected = shadow.reported.get("connected").and_then(|v| v.as_bool());
//!     println!("version {:?}, connected {connected:?}", shadow.version);
//! }
//! # Ok(()) }
//! ```

use serde_json::{Map, Value};

use crate::json::RawObject;
use crate::types::{Device, DeviceShadow, FetchDeviceResponse, GenericDeviceState};

/// A device shadow as JSON maps: what the device reported, what was asked of it, and the
/// difference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShadowState {
    /// State last reported by the device (empty when it reported nothing).
    pub reported: Map<String, Value>,
    /// State requested for the device.
    pub desired: Map<String, Value>,
    /// Difference between desired and reported state.
    pub delta: Map<String, Value>,
    /// The shadow document's version, when the API gave one as a whole number.
    pub version: Option<u64>,
}

impl ShadowState {
    fn from_parts(
        reported: &RawObject,
        desired: &RawObject,
        delta: &RawObject,
        version: Option<f64>,
    ) -> Result<Self, serde_json::Error> {
        Ok(ShadowState {
            reported: map_of(reported)?,
            desired: map_of(desired)?,
            delta: map_of(delta)?,
            version: version.and_then(whole),
        })
    }
}

fn map_of(raw: &RawObject) -> Result<Map<String, Value>, serde_json::Error> {
    if raw.is_empty() {
        Ok(Map::new())
    } else {
        raw.to_map()
    }
}

/// `v` as an integer, when it is one (versions are counts; the document types them as numbers).
fn whole(v: f64) -> Option<u64> {
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_992.0)
        .then_some(v as u64)
}

/// Borrowed fields of either shadow type (the generated `GenericDeviceState` and
/// `DeviceShadow` have the same fields).
struct ShadowStateParts<'a>(&'a RawObject, &'a RawObject, &'a RawObject, Option<f64>);

fn generic(s: &GenericDeviceState) -> ShadowStateParts<'_> {
    ShadowStateParts(&s.reported, &s.desired, &s.delta, s.version)
}

fn gateway(s: &DeviceShadow) -> ShadowStateParts<'_> {
    ShadowStateParts(&s.reported, &s.desired, &s.delta, s.version)
}

fn read(parts: Option<ShadowStateParts<'_>>) -> Result<Option<ShadowState>, serde_json::Error> {
    parts
        .map(|ShadowStateParts(r, d, delta, v)| ShadowState::from_parts(r, d, delta, v))
        .transpose()
}

impl FetchDeviceResponse {
    /// The device's shadow as JSON maps; `None` for a BLE device (its `state` holds GATT
    /// services, not a shadow) or a device without a `state`. An error only if the API sent
    /// a shadow part that is not a JSON object, or one that `serde_json::Value` cannot hold.
    ///
    /// # Errors
    ///
    /// serde_json's error when a shadow part (`desired`, `reported`, `metadata`) is not a JSON
    /// object, or holds what a `serde_json::Value` refuses (a number out of `f64`'s range such
    /// as `1e400`, a lone surrogate such as `"\ud800"`, nesting deeper than 128): the shadow
    /// is kept as text when the device is decoded and checked here (see
    /// [`RawObject`](crate::json::RawObject)).
    pub fn shadow(&self) -> Result<Option<ShadowState>, serde_json::Error> {
        read(match self {
            FetchDeviceResponse::GenericDevice(d) => d.state.as_ref().map(generic),
            FetchDeviceResponse::GatewayDevice(d) => d.state.as_ref().map(gateway),
            FetchDeviceResponse::BleDevice(_) => None,
        })
    }
}

impl Device {
    /// The device's shadow as JSON maps (see [`FetchDeviceResponse::shadow`]).
    ///
    /// # Errors
    ///
    /// As [`FetchDeviceResponse::shadow`].
    pub fn shadow(&self) -> Result<Option<ShadowState>, serde_json::Error> {
        read(match self {
            Device::GenericDevice(d) => d.state.as_ref().map(generic),
            Device::GatewayDevice(d) => d.state.as_ref().map(gateway),
            Device::BleDevice(_) => None,
        })
    }
}
