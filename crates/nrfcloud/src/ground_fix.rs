//! Ground fix (GetLocationFromCellsOrWifiNetworks, `POST /v1/location/ground-fix`): a
//! location from LTE cells and Wi-Fi access points, checked before it is sent.
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::ground_fix::{WifiAccessPoint, GroundFix, GroundFixOptions, ServingCell, NeighbourCell};
//!
//! let fix = GroundFix::new()
//!     .lte(
//!         ServingCell::new(242, 2, 2305, 33703712)
//!             .earfcn(6300)
//!             .rsrp(-97)
//!             .rsrq(-9)
//!             .neighbour(NeighbourCell::new(6300, 426).rsrp(-104).rsrq(-18)),
//!     )
//!     .wifi(WifiAccessPoint::new("40:01:7a:c9:10:22").signal_strength(-42))
//!     .wifi(WifiAccessPoint::new("80-E0-1D-2A-92-F2").ssid("office").frequency(2412));
//! let location = client.location().ground_fix(&fix, &GroundFixOptions::new().hi_conf(true)).await?;
//! println!("{} {} ±{} m", location.lat.0, location.lon.0, location.uncertainty.0);
//! # Ok(()) }
//! ```
//!
//! The operation accepts a JSON Web Token (a device key, service key or a JWT minted
//! elsewhere) or a service evaluation token, not the API key.
//!
//! **Checks before sending** ([`GroundFix::validate`]; errors are [`Error::InvalidInput`]
//! naming the field as it appears in the body, e.g. `wifi[1].macAddress` or
//! `lte[0].nmr[2].pci`):
//! - a MAC address is six hexadecimal pairs separated by colons or dashes (`40:01:7a:c9:10:22`,
//!   `40-01-7A-C9-10-22`);
//! - the body holds at least one cell (`lte`, `ltecatm`, `nbiot`) or Wi-Fi access points;
//!   without cells, at least two access points with distinct, universally administered
//!   unicast MAC addresses (the only ones the service positions with) — the API answers a
//!   request with one access point with 422;
//! - the ranges of the API document: mcc 0–999, mnc 0–999 (or a string of 2–3 digits, which
//!   keeps leading zeros: `"001"`), tac 0–65535 (16 bits, ETSI TS 123 003 19.4.2.3), eci
//!   0–268435455 (28 bits), earfcn 0–262143, pci 0–503, adv (timing advance) 0–20512 or 65535
//!   (what modems report when it is not known), rsrp −157…−44 dBm, rsrq −34.5…3.5 dB, Wi-Fi
//!   signal strength −128…0 dBm, a positive frequency, non-negative channel and age; every
//!   number finite;
//! - the older form `"wifi": {"accessPoints": [...]}` ([`WifiForm::AccessPoints`]) goes with
//!   `lte` cells only, as in the API document.
//!
//! **The body on the wire** is exactly the JSON of the inputs: numbers keep the form they were
//! given in ([`Number`]: `-97` stays an integer, `-9.5` a decimal), an `mnc` string stays a
//! string, an empty `nmr` array is sent as `[]`, and the Wi-Fi list keeps its form (a plain
//! array, or the older `{"accessPoints": [...]}` object). [`GroundFix::from_json`] reads a
//! request body into the builder, so a captured body is sent again as the same JSON
//! document. (The generated `types::GetLocationFromCellsOrWifiNetworksBody` holds most
//! numbers as `f64` and would send `-97.0`, so [`LocationHandler::ground_fix`](crate::LocationHandler::ground_fix) serialises the builder
//! itself, through the same credentials, retries and tracing as every other call.)

use std::collections::BTreeSet;

use bytes::Bytes;
use nrfcloud_api::hooks::BoxFuture;
use nrfcloud_api::operations::Operation;
use nrfcloud_api::sendable::Sendable;
use nrfcloud_api::{ClientInfo, ResponseValue, types};
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::error::Error;
use crate::middleware::CallOptions;

/// The operationId, as errors name it.
pub const GROUND_FIX: &str = "GetLocationFromCellsOrWifiNetworks";

/// The largest mcc and numeric mnc (three decimal digits).
pub const MAX_MCC_MNC: u16 = 999;
/// The largest tracking area code (16 bits).
pub const MAX_TAC: u32 = 0xFFFF;
/// The largest E-UTRA cell identifier (28 bits).
pub const MAX_ECI: u32 = 268_435_455;
/// The largest EARFCN.
pub const MAX_EARFCN: u32 = 262_143;
/// The largest physical cell identity.
pub const MAX_PCI: u16 = 503;
/// The largest timing advance the API document gives.
pub const MAX_ADV: i64 = 20_512;
/// The timing advance modems report when it is not known (accepted as is).
pub const ADV_UNKNOWN: i64 = 65_535;

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::invalid(Some(GROUND_FIX), field, reason)
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// A JSON number, kept in the form it was given: an integer is sent as an integer (`-97`), a
/// float as a float (`-9.5`; `-97.0` stays `-97.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A float (must be finite to be sent).
    Float(f64),
}

impl Number {
    /// The value as an `f64`.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    fn from_json(n: &serde_json::Number) -> Number {
        match n.as_i64() {
            Some(i) => Number::Int(i),
            None => Number::Float(n.as_f64().unwrap_or(f64::NAN)),
        }
    }

    /// `Err(reason)` unless finite and within `min..=max`.
    fn check(self, min: f64, max: f64) -> Result<(), String> {
        let v = self.as_f64();
        if !v.is_finite() {
            return Err("must be a finite number".into());
        }
        if v < min || v > max {
            return Err(format!("{} is out of range {min}..={max}", self.text()));
        }
        Ok(())
    }

    fn text(self) -> String {
        match self {
            Number::Int(i) => i.to_string(),
            Number::Float(f) => f.to_string(),
        }
    }
}

macro_rules! number_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Self {
                Number::Int(i64::from(v))
            }
        }
    )*};
}
number_from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number::Float(v)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Number::Int(i) => s.serialize_i64(i),
            Number::Float(f) => s.serialize_f64(f),
        }
    }
}

/// A Mobile Network Code: a number, or a string of digits that keeps leading zeros (`"001"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MobileNetworkCode {
    /// Sent as a JSON number (0–999 to be valid).
    Number(i64),
    /// Sent as a JSON string (2 or 3 digits to be valid).
    Text(String),
}

macro_rules! mnc_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for MobileNetworkCode {
            fn from(v: $t) -> Self {
                MobileNetworkCode::Number(i64::from(v))
            }
        }
    )*};
}
mnc_from_int!(u8, u16, u32, i32, i64);

impl From<&str> for MobileNetworkCode {
    fn from(v: &str) -> Self {
        MobileNetworkCode::Text(v.to_owned())
    }
}

impl From<String> for MobileNetworkCode {
    fn from(v: String) -> Self {
        MobileNetworkCode::Text(v)
    }
}

impl Serialize for MobileNetworkCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MobileNetworkCode::Number(n) => s.serialize_i64(*n),
            MobileNetworkCode::Text(t) => s.serialize_str(t),
        }
    }
}

/// A serving LTE cell (`LteCell` in the API document; also the schema of `ltecatm` and
/// `nbiot` cells).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ServingCell {
    /// Mobile Country Code, 0–999.
    pub mcc: u16,
    /// Mobile Network Code.
    pub mnc: MobileNetworkCode,
    /// E-UTRA Cell Identifier, 0–268435455.
    pub eci: u32,
    /// Tracking Area Code, 0–65535.
    pub tac: u32,
    /// E-UTRA absolute radio frequency channel number, 0–262143.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earfcn: Option<u32>,
    /// Timing advance, 0–20512, or 65535 when not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adv: Option<Number>,
    /// Reference Signal Received Power in dBm, −157…−44.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrp: Option<Number>,
    /// Reference Signal Received Quality in dB, −34.5…3.5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrq: Option<Number>,
    /// Physical Cell Identity, 0–503.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pci: Option<u16>,
    /// Neighbour measurements; `Some(vec![])` is sent as `"nmr": []`, `None` not at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nmr: Option<Vec<NeighbourCell>>,
}

impl ServingCell {
    /// A cell with its required fields.
    pub fn new(mcc: u16, mnc: impl Into<MobileNetworkCode>, tac: u32, eci: u32) -> Self {
        ServingCell {
            mcc,
            mnc: mnc.into(),
            eci,
            tac,
            earfcn: None,
            adv: None,
            rsrp: None,
            rsrq: None,
            pci: None,
            nmr: None,
        }
    }

    /// The channel number.
    pub fn earfcn(mut self, earfcn: u32) -> Self {
        self.earfcn = Some(earfcn);
        self
    }

    /// The timing advance.
    pub fn adv(mut self, adv: impl Into<Number>) -> Self {
        self.adv = Some(adv.into());
        self
    }

    /// The RSRP in dBm.
    pub fn rsrp(mut self, rsrp: impl Into<Number>) -> Self {
        self.rsrp = Some(rsrp.into());
        self
    }

    /// The RSRQ in dB.
    pub fn rsrq(mut self, rsrq: impl Into<Number>) -> Self {
        self.rsrq = Some(rsrq.into());
        self
    }

    /// The physical cell identity.
    pub fn pci(mut self, pci: u16) -> Self {
        self.pci = Some(pci);
        self
    }

    /// Sets the neighbour measurements (an empty list is sent as `"nmr": []`).
    pub fn nmr(mut self, neighbours: impl IntoIterator<Item = NeighbourCell>) -> Self {
        self.nmr = Some(neighbours.into_iter().collect());
        self
    }

    /// Adds a neighbour measurement.
    pub fn neighbour(mut self, neighbour: NeighbourCell) -> Self {
        self.nmr.get_or_insert_with(Vec::new).push(neighbour);
        self
    }

    fn check(&self, path: &str) -> Result<(), Error> {
        let at = |name: &str| format!("{path}.{name}");
        if self.mcc > MAX_MCC_MNC {
            return Err(invalid(
                at("mcc"),
                format!("{} is out of range 0..=999", self.mcc),
            ));
        }
        match &self.mnc {
            MobileNetworkCode::Number(n) if !(0..=i64::from(MAX_MCC_MNC)).contains(n) => {
                return Err(invalid(at("mnc"), format!("{n} is out of range 0..=999")));
            }
            MobileNetworkCode::Text(t)
                if !(2..=3).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_digit()) =>
            {
                return Err(invalid(
                    at("mnc"),
                    format!("{t:?} must be 2 or 3 decimal digits"),
                ));
            }
            _ => {}
        }
        if self.tac > MAX_TAC {
            return Err(invalid(
                at("tac"),
                format!("{} is out of range 0..=65535", self.tac),
            ));
        }
        if self.eci > MAX_ECI {
            return Err(invalid(
                at("eci"),
                format!("{} is out of range 0..={MAX_ECI}", self.eci),
            ));
        }
        if let Some(e) = self.earfcn.filter(|&e| e > MAX_EARFCN) {
            return Err(invalid(
                at("earfcn"),
                format!("{e} is out of range 0..={MAX_EARFCN}"),
            ));
        }
        if let Some(adv) = self.adv
            && adv != Number::Int(ADV_UNKNOWN)
        {
            adv.check(0.0, MAX_ADV as f64)
                .map_err(|r| invalid(at("adv"), format!("{r} (or 65535: not known)")))?;
        }
        if let Some(p) = self.pci.filter(|&p| p > MAX_PCI) {
            return Err(invalid(at("pci"), format!("{p} is out of range 0..=503")));
        }
        check_rsrp_rsrq(path, self.rsrp, self.rsrq)?;
        for (i, n) in self.nmr.iter().flatten().enumerate() {
            n.check(&format!("{path}.nmr[{i}]"))?;
        }
        Ok(())
    }
}

fn check_rsrp_rsrq(path: &str, rsrp: Option<Number>, rsrq: Option<Number>) -> Result<(), Error> {
    if let Some(v) = rsrp {
        v.check(-157.0, -44.0)
            .map_err(|r| invalid(format!("{path}.rsrp"), r))?;
    }
    if let Some(v) = rsrq {
        v.check(-34.5, 3.5)
            .map_err(|r| invalid(format!("{path}.rsrq"), r))?;
    }
    Ok(())
}

/// A neighbour cell measurement (`nmr` item).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NeighbourCell {
    /// Channel number of the neighbour, 0–262143.
    pub earfcn: u32,
    /// Physical Cell Identity of the neighbour, 0–503.
    pub pci: u16,
    /// E-UTRA Cell Identifier, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eci: Option<u32>,
    /// RSRP in dBm, −157…−44.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrp: Option<Number>,
    /// RSRQ in dB, −34.5…3.5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrq: Option<Number>,
    /// Time difference to the serving cell.
    #[serde(rename = "timeDiff", skip_serializing_if = "Option::is_none")]
    pub time_diff: Option<Number>,
}

impl NeighbourCell {
    /// A neighbour on channel `earfcn` with physical cell identity `pci`.
    pub fn new(earfcn: u32, pci: u16) -> Self {
        NeighbourCell {
            earfcn,
            pci,
            eci: None,
            rsrp: None,
            rsrq: None,
            time_diff: None,
        }
    }

    /// The cell identifier.
    pub fn eci(mut self, eci: u32) -> Self {
        self.eci = Some(eci);
        self
    }

    /// The RSRP in dBm.
    pub fn rsrp(mut self, rsrp: impl Into<Number>) -> Self {
        self.rsrp = Some(rsrp.into());
        self
    }

    /// The RSRQ in dB.
    pub fn rsrq(mut self, rsrq: impl Into<Number>) -> Self {
        self.rsrq = Some(rsrq.into());
        self
    }

    /// The time difference to the serving cell.
    pub fn time_diff(mut self, time_diff: impl Into<Number>) -> Self {
        self.time_diff = Some(time_diff.into());
        self
    }

    fn check(&self, path: &str) -> Result<(), Error> {
        if self.earfcn > MAX_EARFCN {
            return Err(invalid(
                format!("{path}.earfcn"),
                format!("{} is out of range 0..={MAX_EARFCN}", self.earfcn),
            ));
        }
        if self.pci > MAX_PCI {
            return Err(invalid(
                format!("{path}.pci"),
                format!("{} is out of range 0..=503", self.pci),
            ));
        }
        if let Some(e) = self.eci.filter(|&e| e > MAX_ECI) {
            return Err(invalid(
                format!("{path}.eci"),
                format!("{e} is out of range 0..={MAX_ECI}"),
            ));
        }
        check_rsrp_rsrq(path, self.rsrp, self.rsrq)?;
        if let Some(t) = self.time_diff {
            t.check(f64::MIN, f64::MAX)
                .map_err(|r| invalid(format!("{path}.timeDiff"), r))?;
        }
        Ok(())
    }
}

/// A scanned Wi-Fi access point (`AccessPoint` in the API document).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WifiAccessPoint {
    /// Six hexadecimal pairs separated by colons or dashes, sent as given.
    #[serde(rename = "macAddress")]
    pub mac_address: String,
    /// The network name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssid: Option<String>,
    /// Signal strength in dBm, −128…0.
    #[serde(rename = "signalStrength", skip_serializing_if = "Option::is_none")]
    pub signal_strength: Option<Number>,
    /// Signal to noise ratio in dB.
    #[serde(rename = "signalToNoiseRatio", skip_serializing_if = "Option::is_none")]
    pub signal_to_noise_ratio: Option<Number>,
    /// Channel frequency in MHz.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Number>,
    /// Channel number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Number>,
    /// Milliseconds since the access point was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<Number>,
}

impl WifiAccessPoint {
    /// An access point with this MAC address (`40:01:7a:c9:10:22` or `40-01-7A-C9-10-22`).
    pub fn new(mac_address: impl Into<String>) -> Self {
        WifiAccessPoint {
            mac_address: mac_address.into(),
            ssid: None,
            signal_strength: None,
            signal_to_noise_ratio: None,
            frequency: None,
            channel: None,
            age: None,
        }
    }

    /// The network name.
    pub fn ssid(mut self, ssid: impl Into<String>) -> Self {
        self.ssid = Some(ssid.into());
        self
    }

    /// The signal strength in dBm.
    pub fn signal_strength(mut self, dbm: impl Into<Number>) -> Self {
        self.signal_strength = Some(dbm.into());
        self
    }

    /// The signal to noise ratio in dB.
    pub fn signal_to_noise_ratio(mut self, db: impl Into<Number>) -> Self {
        self.signal_to_noise_ratio = Some(db.into());
        self
    }

    /// The channel frequency in MHz.
    pub fn frequency(mut self, mhz: impl Into<Number>) -> Self {
        self.frequency = Some(mhz.into());
        self
    }

    /// The channel number.
    pub fn channel(mut self, channel: impl Into<Number>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// Milliseconds since the access point was seen.
    pub fn age(mut self, ms: impl Into<Number>) -> Self {
        self.age = Some(ms.into());
        self
    }

    fn check(&self, path: &str) -> Result<(), Error> {
        if parse_mac(&self.mac_address).is_none() {
            return Err(invalid(
                format!("{path}.macAddress"),
                format!(
                    "{:?} must be six hexadecimal pairs separated by colons or dashes \
                     (e.g. 40:01:7a:c9:10:22)",
                    self.mac_address
                ),
            ));
        }
        let number = |name: &str, v: Option<Number>, min: f64, max: f64| match v {
            Some(v) => v
                .check(min, max)
                .map_err(|r| invalid(format!("{path}.{name}"), r)),
            None => Ok(()),
        };
        number("signalStrength", self.signal_strength, -128.0, 0.0)?;
        number(
            "signalToNoiseRatio",
            self.signal_to_noise_ratio,
            f64::MIN,
            f64::MAX,
        )?;
        number("channel", self.channel, 0.0, f64::MAX)?;
        number("age", self.age, 0.0, f64::MAX)?;
        if let Some(f) = self.frequency {
            f.check(f64::MIN_POSITIVE, f64::MAX).map_err(|_| {
                invalid(
                    format!("{path}.frequency"),
                    format!("{} must be a positive number of MHz", f.text()),
                )
            })?;
        }
        Ok(())
    }
}

/// The six bytes of a MAC address written as six hexadecimal pairs separated by colons or
/// dashes.
fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let bytes = text.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, byte) in out.iter_mut().enumerate() {
        let at = i * 3;
        if i > 0 && !matches!(bytes[at - 1], b':' | b'-') {
            return None;
        }
        let pair = text.get(at..at + 2)?;
        if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// Whether the service positions with this address: universally administered and unicast
/// (the two low bits of the first byte clear).
fn is_positionable(mac: [u8; 6]) -> bool {
    mac[0] & 0x03 == 0
}

/// How the Wi-Fi access points are written in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WifiForm {
    /// `"wifi": [ ... ]` (the current form).
    #[default]
    List,
    /// `"wifi": {"accessPoints": [ ... ]}` (the older form; with `lte` cells only).
    AccessPoints,
}

/// A ground-fix request body: LTE cells and Wi-Fi access points. See the
/// [module docs](crate::ground_fix) for the checks and the JSON it becomes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroundFix {
    lte: Option<Vec<ServingCell>>,
    ltecatm: Option<Vec<ServingCell>>,
    nbiot: Option<Vec<ServingCell>>,
    wifi: Option<Vec<WifiAccessPoint>>,
    wifi_form: WifiForm,
}

const CELL_KEYS: [&str; 3] = ["lte", "ltecatm", "nbiot"];

impl GroundFix {
    /// An empty request (not valid until it has a cell or two access points).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an LTE cell (`lte`).
    pub fn lte(mut self, cell: ServingCell) -> Self {
        self.lte.get_or_insert_with(Vec::new).push(cell);
        self
    }

    /// Adds an LTE-M cell (`ltecatm`).
    pub fn ltecatm(mut self, cell: ServingCell) -> Self {
        self.ltecatm.get_or_insert_with(Vec::new).push(cell);
        self
    }

    /// Adds an NB-IoT cell (`nbiot`).
    pub fn nbiot(mut self, cell: ServingCell) -> Self {
        self.nbiot.get_or_insert_with(Vec::new).push(cell);
        self
    }

    /// Adds a Wi-Fi access point.
    pub fn wifi(mut self, access_point: WifiAccessPoint) -> Self {
        self.wifi.get_or_insert_with(Vec::new).push(access_point);
        self
    }

    /// How the access points are written (default [`WifiForm::List`]).
    pub fn wifi_form(mut self, form: WifiForm) -> Self {
        self.wifi_form = form;
        self
    }

    /// The `lte` cells.
    pub fn lte_cells(&self) -> &[ServingCell] {
        self.lte.as_deref().unwrap_or_default()
    }

    /// The `ltecatm` cells.
    pub fn ltecatm_cells(&self) -> &[ServingCell] {
        self.ltecatm.as_deref().unwrap_or_default()
    }

    /// The `nbiot` cells.
    pub fn nbiot_cells(&self) -> &[ServingCell] {
        self.nbiot.as_deref().unwrap_or_default()
    }

    /// The Wi-Fi access points.
    pub fn access_points(&self) -> &[WifiAccessPoint] {
        self.wifi.as_deref().unwrap_or_default()
    }

    /// How the access points are written.
    pub fn form(&self) -> WifiForm {
        self.wifi_form
    }

    fn cell_lists(&self) -> [(&'static str, &Option<Vec<ServingCell>>); 3] {
        [
            (CELL_KEYS[0], &self.lte),
            (CELL_KEYS[1], &self.ltecatm),
            (CELL_KEYS[2], &self.nbiot),
        ]
    }

    fn wifi_path(&self) -> &'static str {
        match self.wifi_form {
            WifiForm::List => "wifi",
            WifiForm::AccessPoints => "wifi.accessPoints",
        }
    }

    /// Checks the rules of the [module docs](crate::ground_fix); the first broken one is an
    /// [`Error::InvalidInput`] naming its field.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first field outside the API's rules (cell ids,
    /// ranges, MAC addresses, counts).
    pub fn validate(&self) -> Result<(), Error> {
        let mut cells = 0;
        for (key, list) in self.cell_lists() {
            if self.wifi_form == WifiForm::AccessPoints && key != "lte" && list.is_some() {
                return Err(invalid(
                    key,
                    "the older request form (wifi.accessPoints) takes lte cells only; use \
                     WifiForm::List",
                ));
            }
            for (i, cell) in list.iter().flatten().enumerate() {
                cell.check(&format!("{key}[{i}]"))?;
                cells += 1;
            }
        }
        let wifi_path = self.wifi_path();
        let mut usable = BTreeSet::new();
        for (i, ap) in self.access_points().iter().enumerate() {
            ap.check(&format!("{wifi_path}[{i}]"))?;
            if let Some(mac) = parse_mac(&ap.mac_address).filter(|m| is_positionable(*m)) {
                usable.insert(mac);
            }
        }
        let aps = self.access_points().len();
        if cells == 0 && aps == 0 {
            return Err(invalid(
                "body",
                "needs at least one cell (lte, ltecatm or nbiot) or two Wi-Fi access points",
            ));
        }
        if cells == 0 && usable.len() < 2 {
            return Err(invalid(
                wifi_path,
                format!(
                    "without cells, at least two access points with distinct, universally \
                     administered unicast MAC addresses are needed; {aps} given, {} usable",
                    usable.len()
                ),
            ));
        }
        Ok(())
    }

    /// The body as JSON, after [`GroundFix::validate`].
    ///
    /// # Errors
    ///
    /// As [`GroundFix::validate`].
    pub fn to_json(&self) -> Result<Value, Error> {
        self.validate()?;
        serde_json::to_value(self).map_err(|e| invalid("body", e.to_string()))
    }

    /// The body exactly as [`LocationHandler::ground_fix`](crate::LocationHandler::ground_fix) sends it, after [`GroundFix::validate`].
    ///
    /// # Errors
    ///
    /// As [`GroundFix::validate`].
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        self.validate()?;
        serde_json::to_vec(self).map_err(|e| invalid("body", e.to_string()))
    }

    /// Reads a request body (e.g. one captured from a device) into a builder; sending it puts
    /// the same JSON document on the wire. Both Wi-Fi forms are read. Fields the API document
    /// does not define, values of the wrong JSON type and integers that do not fit their field
    /// are errors naming the field; the ranges are checked by [`GroundFix::validate`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a body that is not a GetLocationFromCellsOrWifiNetworks
    /// request or breaks its rules.
    pub fn from_json(body: &Value) -> Result<GroundFix, Error> {
        let map = body
            .as_object()
            .ok_or_else(|| invalid("body", "must be a JSON object"))?;
        let mut fix = GroundFix::new();
        for (key, value) in map {
            match key.as_str() {
                "lte" | "ltecatm" | "nbiot" => {
                    let items = value
                        .as_array()
                        .ok_or_else(|| invalid(key.as_str(), "must be an array of cells"))?;
                    let cells = items
                        .iter()
                        .enumerate()
                        .map(|(i, c)| read_cell(c, &format!("{key}[{i}]")))
                        .collect::<Result<Vec<_>, _>>()?;
                    match key.as_str() {
                        "lte" => fix.lte = Some(cells),
                        "ltecatm" => fix.ltecatm = Some(cells),
                        _ => fix.nbiot = Some(cells),
                    }
                }
                "wifi" => {
                    let (items, form) = match value {
                        Value::Array(items) => (items, WifiForm::List),
                        Value::Object(wrapper) => {
                            if let Some(other) = wrapper.keys().find(|k| *k != "accessPoints") {
                                return Err(invalid(
                                    format!("wifi.{other}"),
                                    "is not a field of the request",
                                ));
                            }
                            let items = wrapper
                                .get("accessPoints")
                                .ok_or_else(|| invalid("wifi.accessPoints", "is required"))?
                                .as_array()
                                .ok_or_else(|| invalid("wifi.accessPoints", "must be an array"))?;
                            (items, WifiForm::AccessPoints)
                        }
                        _ => {
                            return Err(invalid(
                                "wifi",
                                "must be an array of access points or {\"accessPoints\": [...]}",
                            ));
                        }
                    };
                    fix.wifi_form = form;
                    let path = fix.wifi_path();
                    fix.wifi = Some(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, ap)| read_access_point(ap, &format!("{path}[{i}]")))
                            .collect::<Result<Vec<_>, _>>()?,
                    );
                }
                other => return Err(invalid(other, "is not a field of the request")),
            }
        }
        Ok(fix)
    }
}

impl Serialize for GroundFix {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wrapped<'a> {
            #[serde(rename = "accessPoints")]
            access_points: &'a [WifiAccessPoint],
        }
        let mut map = s.serialize_map(None)?;
        for (key, list) in self.cell_lists() {
            if let Some(list) = list {
                map.serialize_entry(key, list)?;
            }
        }
        if let Some(aps) = &self.wifi {
            match self.wifi_form {
                WifiForm::List => map.serialize_entry("wifi", aps)?,
                WifiForm::AccessPoints => {
                    map.serialize_entry("wifi", &Wrapped { access_points: aps })?
                }
            }
        }
        map.end()
    }
}

/// The fields of one JSON object, with the path for errors.
struct Fields<'a> {
    map: &'a serde_json::Map<String, Value>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    fn new(value: &'a Value, path: &'a str, known: &[&str]) -> Result<Self, Error> {
        let map = value
            .as_object()
            .ok_or_else(|| invalid(path, "must be a JSON object"))?;
        if let Some(other) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(invalid(
                format!("{path}.{other}"),
                "is not a field of the request",
            ));
        }
        Ok(Fields { map, path })
    }

    fn at(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    fn required<T>(
        &self,
        name: &str,
        read: fn(&Self, &str) -> Result<Option<T>, Error>,
    ) -> Result<T, Error> {
        read(self, name)?.ok_or_else(|| invalid(self.at(name), "is required"))
    }

    fn number(&self, name: &str) -> Result<Option<Number>, Error> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(Number::from_json(n))),
            Some(_) => Err(invalid(self.at(name), "must be a number")),
        }
    }

    fn integer<T: TryFrom<u64>>(&self, name: &str) -> Result<Option<T>, Error> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                let Some(v) = n.as_u64() else {
                    return Err(invalid(
                        self.at(name),
                        format!("{n} must be a non-negative integer"),
                    ));
                };
                T::try_from(v)
                    .map(Some)
                    .map_err(|_| invalid(self.at(name), format!("{n} is too large")))
            }
            Some(_) => Err(invalid(self.at(name), "must be an integer")),
        }
    }

    fn u16(&self, name: &str) -> Result<Option<u16>, Error> {
        self.integer(name)
    }

    fn u32(&self, name: &str) -> Result<Option<u32>, Error> {
        self.integer(name)
    }

    fn string(&self, name: &str) -> Result<Option<String>, Error> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(self.at(name), "must be a string")),
        }
    }

    fn mnc(&self, name: &str) -> Result<Option<MobileNetworkCode>, Error> {
        match self.map.get(name) {
            Some(Value::String(s)) => Ok(Some(MobileNetworkCode::Text(s.clone()))),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(MobileNetworkCode::Number(i))),
                None => Err(invalid(self.at(name), format!("{n} must be an integer"))),
            },
            Some(_) => Err(invalid(
                self.at(name),
                "must be a number or a string of digits",
            )),
            None => Ok(None),
        }
    }
}

fn read_cell(value: &Value, path: &str) -> Result<ServingCell, Error> {
    let f = Fields::new(
        value,
        path,
        &[
            "mcc", "mnc", "tac", "eci", "earfcn", "adv", "rsrp", "rsrq", "pci", "nmr",
        ],
    )?;
    let nmr = match f.map.get("nmr") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| read_neighbour(n, &format!("{path}.nmr[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(invalid(f.at("nmr"), "must be an array")),
    };
    Ok(ServingCell {
        mcc: f.required("mcc", Fields::u16)?,
        mnc: f.required("mnc", Fields::mnc)?,
        eci: f.required("eci", Fields::u32)?,
        tac: f.required("tac", Fields::u32)?,
        earfcn: f.u32("earfcn")?,
        adv: f.number("adv")?,
        rsrp: f.number("rsrp")?,
        rsrq: f.number("rsrq")?,
        pci: f.u16("pci")?,
        nmr,
    })
}

fn read_neighbour(value: &Value, path: &str) -> Result<NeighbourCell, Error> {
    let f = Fields::new(
        value,
        path,
        &["earfcn", "pci", "eci", "rsrp", "rsrq", "timeDiff"],
    )?;
    Ok(NeighbourCell {
        earfcn: f.required("earfcn", Fields::u32)?,
        pci: f.required("pci", Fields::u16)?,
        eci: f.u32("eci")?,
        rsrp: f.number("rsrp")?,
        rsrq: f.number("rsrq")?,
        time_diff: f.number("timeDiff")?,
    })
}

fn read_access_point(value: &Value, path: &str) -> Result<WifiAccessPoint, Error> {
    let f = Fields::new(
        value,
        path,
        &[
            "macAddress",
            "ssid",
            "signalStrength",
            "signalToNoiseRatio",
            "frequency",
            "channel",
            "age",
        ],
    )?;
    Ok(WifiAccessPoint {
        mac_address: f.required("macAddress", Fields::string)?,
        ssid: f.string("ssid")?,
        signal_strength: f.number("signalStrength")?,
        signal_to_noise_ratio: f.number("signalToNoiseRatio")?,
        frequency: f.number("frequency")?,
        channel: f.number("channel")?,
        age: f.number("age")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Query options and the call
// ---------------------------------------------------------------------------------------------

/// The query flags and options of a ground-fix call; unset flags are not sent (the API's
/// defaults apply).
#[derive(Debug, Clone, Default)]
pub struct GroundFixOptions {
    hi_conf: Option<bool>,
    fallback: Option<bool>,
    alt: Option<bool>,
    dist: Option<f64>,
    cont: Option<bool>,
    custom_device_id: Option<types::CustomDeviceId>,
    call: CallOptions,
}

impl GroundFixOptions {
    /// No flags: the API's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `hiConf`: a 95 % confidence radius instead of 68 %.
    pub fn hi_conf(mut self, on: bool) -> Self {
        self.hi_conf = Some(on);
        self
    }

    /// `fallback`: whether a coarse tracking-area estimate may be returned (the API's
    /// default); `false` makes the API answer 404 instead.
    pub fn fallback(mut self, on: bool) -> Self {
        self.fallback = Some(on);
        self
    }

    /// `alt`: also return the location that was not chosen and its distance.
    pub fn alt(mut self, on: bool) -> Self {
        self.alt = Some(on);
        self
    }

    /// `dist`: the Wi-Fi to cell distance in metres beyond which Wi-Fi data counts as stale
    /// (needs cells in the request; finite and not negative).
    pub fn dist(mut self, metres: f64) -> Self {
        self.dist = Some(metres);
        self
    }

    /// `cont` (not described by the documentation; sent as given).
    pub fn cont(mut self, on: bool) -> Self {
        self.cont = Some(on);
        self
    }

    /// The `x-custom-device-id` header (service evaluation tokens, cloud-to-cloud
    /// integrations; ignored with device tokens).
    pub fn custom_device_id(mut self, id: types::CustomDeviceId) -> Self {
        self.custom_device_id = Some(id);
        self
    }

    /// Per-call options: the call is a `POST` and not retried unless
    /// [`CallOptions::retry_non_idempotent`] is set.
    pub fn call_options(mut self, options: CallOptions) -> Self {
        self.call = options;
        self
    }

    fn query(&self, fix: &GroundFix, reply: bool) -> Result<Vec<(&'static str, String)>, Error> {
        let mut query = Vec::new();
        if !reply {
            query.push(("doReply", "false".to_owned()));
        }
        for (name, flag) in [
            ("hiConf", self.hi_conf),
            ("fallback", self.fallback),
            ("alt", self.alt),
            ("cont", self.cont),
        ] {
            if let Some(on) = flag {
                query.push((name, on.to_string()));
            }
        }
        if let Some(d) = self.dist {
            if !d.is_finite() || d < 0.0 {
                return Err(invalid(
                    "dist",
                    format!("{d} must be a finite, non-negative number of metres"),
                ));
            }
            if fix
                .cell_lists()
                .iter()
                .all(|(_, l)| l.as_ref().is_none_or(Vec::is_empty))
            {
                return Err(invalid("dist", "needs cells in the request"));
            }
            query.push(("dist", d.to_string()));
        }
        Ok(query)
    }
}

impl crate::location::LocationHandler<'_> {
    /// Sends a ground fix (GetLocationFromCellsOrWifiNetworks) after checking it (see the
    /// [module docs](crate::ground_fix)), and returns the location.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a request that breaks a rule (nothing is sent);
    /// [`Error::Credentials`] without a JWT or evaluation token; [`Error::Api`] (e.g. 404 with
    /// `fallback(false)` and no precise fix, 422 for what the service rejects);
    /// [`Error::Decode`] for an unreadable answer; [`Error::Timeout`], [`Error::Transport`].
    pub async fn ground_fix(
        &self,
        fix: &GroundFix,
        options: &GroundFixOptions,
    ) -> Result<types::GetLocationFromCellsOrWifiNetworksResponse, Error> {
        let response = self.send_ground_fix(fix, options, true).await?;
        let status = response.status().as_u16();
        let body = response.into_inner();
        serde_json::from_slice(&body)
            .map_err(|e| Error::decode(GROUND_FIX, Some(status), e.to_string(), &body))
    }

    /// As [`LocationHandler::ground_fix`](crate::LocationHandler::ground_fix) with `doReply=false`: the service stores the location (in
    /// the device's location history) and answers without a body.
    ///
    /// # Errors
    ///
    /// As [`LocationHandler::ground_fix`](crate::LocationHandler::ground_fix).
    pub async fn ground_fix_without_reply(
        &self,
        fix: &GroundFix,
        options: &GroundFixOptions,
    ) -> Result<(), Error> {
        self.send_ground_fix(fix, options, false).await.map(|_| ())
    }

    async fn send_ground_fix(
        &self,
        fix: &GroundFix,
        options: &GroundFixOptions,
        reply: bool,
    ) -> Result<ResponseValue<Bytes>, Error> {
        let body = fix.to_vec()?;
        let query = options.query(fix, reply)?;
        let custom_device_id = options.custom_device_id.as_ref().map(|id| id.to_string());
        let api = self.client.raw();
        let request = RawGroundFix {
            operation: api.get_location_from_cells_or_wifi_networks().operation(),
            api,
            body,
            query,
            custom_device_id,
            extensions: Default::default(),
        };
        self.client.send(request, options.call).await
    }
}

/// GetLocationFromCellsOrWifiNetworks with a body serialised by [`GroundFix`], sent through
/// the generated client's hooks (credentials, user agent, retries, tracing) like the
/// generated builder would.
struct RawGroundFix<'a> {
    api: &'a nrfcloud_api::Client,
    operation: &'static Operation,
    body: Vec<u8>,
    query: Vec<(&'static str, String)>,
    custom_device_id: Option<String>,
    extensions: nrfcloud_api::hooks::Extensions,
}

impl<'a> Sendable<'a> for RawGroundFix<'a> {
    type Response = Bytes;
    type ErrorBody = ();

    fn operation(&self) -> &'static Operation {
        self.operation
    }

    fn call_extensions_mut(&mut self) -> &mut nrfcloud_api::hooks::Extensions {
        &mut self.extensions
    }

    fn send_boxed(self) -> BoxFuture<'a, Result<ResponseValue<Bytes>, nrfcloud_api::Error<()>>> {
        Box::pin(async move {
            let RawGroundFix {
                api,
                operation,
                body,
                query,
                custom_device_id,
                extensions,
            } = self;
            let url = format!("{}{}", api.baseurl(), operation.path);
            let mut builder = api
                .client()
                .post(url)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, "application/json")
                .query(&query)
                .body(body);
            if let Some(id) = custom_device_id {
                builder = builder.header("x-custom-device-id", id);
            }
            let mut request = builder.build()?;
            let info = OperationInfo {
                operation_id: operation.method_name,
            };
            nrfcloud_api::hooks::pre(api, &mut request, &info, &extensions).await?;
            let result = nrfcloud_api::hooks::exec(api, request, &info, extensions).await;
            api.post(&result, &info).await?;
            let response = result?;
            if !response.status().is_success() {
                return Err(nrfcloud_api::Error::UnexpectedResponse(response));
            }
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(nrfcloud_api::Error::ResponseBodyError)?;
            Ok(ResponseValue::new(body, status, headers))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(e: Error) -> String {
        match e {
            Error::InvalidInput {
                field, operation, ..
            } => {
                assert_eq!(operation, Some(GROUND_FIX));
                field
            }
            other => panic!("not InvalidInput: {other:?}"),
        }
    }

    fn cell() -> ServingCell {
        ServingCell::new(242, 2, 2305, 33703712)
    }

    #[test]
    fn macs() {
        for ok in [
            "40:01:7a:c9:10:22",
            "40-01-7A-C9-10-22",
            "FE:1E:41:2D:9E:53",
            "00-18-39-59-8C-53",
        ] {
            assert!(parse_mac(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "40:01:7a:c9:10",
            "40:01:7a:c9:10:2",
            "40:01:7a:c9:10:223",
            "40.01.7a.c9.10.22",
            "4001.7ac9.1022",
            "40017ac91022",
            "g0:01:7a:c9:10:22",
            "40:01:7a:c9:10:2é",
            "+4:01:7a:c9:10:22",
        ] {
            assert!(parse_mac(bad).is_none(), "{bad}");
        }
        assert_eq!(
            parse_mac("aa:15:44:ac:6c:3a").map(is_positionable),
            Some(false)
        );
        assert_eq!(
            parse_mac("40:01:7a:c9:10:22").map(is_positionable),
            Some(true)
        );
    }

    #[test]
    fn numbers_keep_their_form() {
        let fix = GroundFix::new().lte(cell().rsrp(-97).rsrq(-9.5).adv(65535).nmr([]).earfcn(6300));
        let text = String::from_utf8(fix.to_vec().unwrap()).unwrap();
        assert_eq!(
            text,
            r#"{"lte":[{"mcc":242,"mnc":2,"eci":33703712,"tac":2305,"earfcn":6300,"adv":65535,"rsrp":-97,"rsrq":-9.5,"nmr":[]}]}"#
        );
        let fix = GroundFix::new().lte(ServingCell::new(1, "001", 1, 1).rsrp(-97.0));
        let text = String::from_utf8(fix.to_vec().unwrap()).unwrap();
        assert!(
            text.contains(r#""mnc":"001""#) && text.contains(r#""rsrp":-97.0"#),
            "{text}"
        );
    }

    #[test]
    fn both_wifi_forms_round_trip() {
        for body in [
            json!({"wifi": [{"macAddress": "40:01:7a:c9:10:22", "signalStrength": -42, "frequency": 2412.5}, {"macAddress": "80-E0-1D-2A-92-F2", "ssid": "x", "channel": 6, "age": 500, "signalToNoiseRatio": 0.1}]}),
            json!({"lte": [{"mcc": 242, "mnc": "02", "tac": 2305, "eci": 33703712, "nmr": [{"pci": 1, "earfcn": 2, "timeDiff": -3, "eci": 4}]}], "wifi": {"accessPoints": [{"macAddress": "40:01:7a:c9:10:22"}]}}),
            json!({"ltecatm": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 1}], "nbiot": [], "lte": []}),
        ] {
            let fix = GroundFix::from_json(&body).unwrap();
            assert_eq!(fix.to_json().unwrap(), body);
        }
    }

    #[test]
    fn from_json_errors_name_the_field() {
        let cases = [
            (json!([]), "body"),
            (json!({"gsm": []}), "gsm"),
            (json!({"lte": {}}), "lte"),
            (
                json!({"lte": [{"mnc": 2, "tac": 1, "eci": 1}]}),
                "lte[0].mcc",
            ),
            (
                json!({"lte": [{"mcc": 242.5, "mnc": 2, "tac": 1, "eci": 1}]}),
                "lte[0].mcc",
            ),
            (
                json!({"lte": [{"mcc": -1, "mnc": 2, "tac": 1, "eci": 1}]}),
                "lte[0].mcc",
            ),
            (
                json!({"lte": [{"mcc": 70000, "mnc": 2, "tac": 1, "eci": 1}]}),
                "lte[0].mcc",
            ),
            (
                json!({"lte": [{"mcc": 1, "mnc": null, "tac": 1, "eci": 1}]}),
                "lte[0].mnc",
            ),
            (
                json!({"lte": [{"mcc": 1, "mnc": 2.5, "tac": 1, "eci": 1}]}),
                "lte[0].mnc",
            ),
            (
                json!({"lte": [{"mcc": 1, "mnc": 2, "tac": 1, "eci": 1, "rsrp": "x"}]}),
                "lte[0].rsrp",
            ),
            (
                json!({"lte": [{"mcc": 1, "mnc": 2, "tac": 1, "eci": 1, "foo": 1}]}),
                "lte[0].foo",
            ),
            (
                json!({"lte": [{"mcc": 1, "mnc": 2, "tac": 1, "eci": 1, "nmr": [{"pci": 1}]}]}),
                "lte[0].nmr[0].earfcn",
            ),
            (json!({"wifi": 3}), "wifi"),
            (json!({"wifi": {"aps": []}}), "wifi.aps"),
            (json!({"wifi": {}}), "wifi.accessPoints"),
            (json!({"wifi": [{"ssid": "x"}]}), "wifi[0].macAddress"),
            (
                json!({"wifi": {"accessPoints": [{"macAddress": 1}]}}),
                "wifi.accessPoints[0].macAddress",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                field(GroundFix::from_json(&body).unwrap_err()),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn validation_names_the_field() {
        let ap = |m: &str| WifiAccessPoint::new(m);
        let good1 = "40:01:7a:c9:10:22";
        let good2 = "80:e0:1d:2a:92:f2";
        let cases: Vec<(GroundFix, &str)> = vec![
            (GroundFix::new(), "body"),
            (GroundFix::new().wifi(ap(good1)), "wifi"),
            (GroundFix::new().wifi(ap(good1)).wifi(ap(good1)), "wifi"),
            (
                GroundFix::new()
                    .wifi(ap(good1))
                    .wifi(ap("aa:15:44:ac:6c:3a")),
                "wifi",
            ),
            (
                GroundFix::new().wifi(ap(good1)).wifi(ap("40:01:7a:c9:10")),
                "wifi[1].macAddress",
            ),
            (
                GroundFix::new()
                    .wifi_form(WifiForm::AccessPoints)
                    .wifi(ap(good1))
                    .wifi(ap("nope")),
                "wifi.accessPoints[1].macAddress",
            ),
            (
                GroundFix::new()
                    .wifi(ap(good1))
                    .wifi(ap(good2).signal_strength(1)),
                "wifi[1].signalStrength",
            ),
            (
                GroundFix::new()
                    .wifi(ap(good1))
                    .wifi(ap(good2).frequency(0)),
                "wifi[1].frequency",
            ),
            (
                GroundFix::new().wifi(ap(good1).age(-1)).wifi(ap(good2)),
                "wifi[0].age",
            ),
            (
                GroundFix::new()
                    .wifi(ap(good1).signal_strength(f64::NAN))
                    .wifi(ap(good2)),
                "wifi[0].signalStrength",
            ),
            (
                GroundFix::new().lte(ServingCell::new(1000, 1, 1, 1)),
                "lte[0].mcc",
            ),
            (
                GroundFix::new().lte(ServingCell::new(1, 1000, 1, 1)),
                "lte[0].mnc",
            ),
            (
                GroundFix::new().lte(ServingCell::new(1, "1", 1, 1)),
                "lte[0].mnc",
            ),
            (
                GroundFix::new().lte(ServingCell::new(1, -1, 1, 1)),
                "lte[0].mnc",
            ),
            (
                GroundFix::new().lte(ServingCell::new(1, "0a1", 1, 1)),
                "lte[0].mnc",
            ),
            (
                GroundFix::new().lte(ServingCell::new(1, 1, 65536, 1)),
                "lte[0].tac",
            ),
            (
                GroundFix::new().lte(ServingCell::new(1, 1, 1, MAX_ECI + 1)),
                "lte[0].eci",
            ),
            (
                GroundFix::new().lte(cell().earfcn(MAX_EARFCN + 1)),
                "lte[0].earfcn",
            ),
            (GroundFix::new().lte(cell().adv(20513)), "lte[0].adv"),
            (GroundFix::new().lte(cell().adv(-1)), "lte[0].adv"),
            (GroundFix::new().lte(cell().pci(504)), "lte[0].pci"),
            (GroundFix::new().lte(cell().rsrp(-40)), "lte[0].rsrp"),
            (GroundFix::new().lte(cell().rsrq(3.6)), "lte[0].rsrq"),
            (
                GroundFix::new()
                    .lte(cell())
                    .nbiot(cell().neighbour(NeighbourCell::new(1, 504))),
                "nbiot[0].nmr[0].pci",
            ),
            (
                GroundFix::new().lte(cell().neighbour(NeighbourCell::new(1, 1).rsrq(-35))),
                "lte[0].nmr[0].rsrq",
            ),
            (
                GroundFix::new()
                    .lte(cell().neighbour(NeighbourCell::new(1, 1).time_diff(f64::INFINITY))),
                "lte[0].nmr[0].timeDiff",
            ),
            (
                GroundFix::new()
                    .wifi_form(WifiForm::AccessPoints)
                    .lte(cell())
                    .ltecatm(cell()),
                "ltecatm",
            ),
        ];
        for (fix, expected) in cases {
            assert_eq!(field(fix.validate().unwrap_err()), expected, "{fix:?}");
        }
        // What passes: a cell alone, a cell with one access point, two usable access points,
        // the extreme values of every range, and adv 65535.
        for fix in [
            GroundFix::new().lte(cell()),
            GroundFix::new().nbiot(cell()).wifi(ap(good1)),
            GroundFix::new()
                .wifi(ap(good1))
                .wifi(ap("80-E0-1D-2A-92-F2")),
            GroundFix::new()
                .wifi(ap(good1))
                .wifi(ap(good2))
                .wifi(ap("aa:15:44:ac:6c:3a")),
            GroundFix::new().ltecatm(
                ServingCell::new(999, "001", 65535, MAX_ECI)
                    .earfcn(MAX_EARFCN)
                    .pci(503)
                    .adv(20512)
                    .rsrp(-157)
                    .rsrq(-34.5)
                    .neighbour(NeighbourCell::new(0, 0).rsrp(-44).rsrq(3.5).eci(0)),
            ),
            GroundFix::new().lte(cell().adv(65535)),
        ] {
            fix.validate().unwrap_or_else(|e| panic!("{fix:?}: {e}"));
        }
    }

    #[test]
    fn query_flags() {
        let fix = GroundFix::new().lte(cell());
        let q = GroundFixOptions::new()
            .hi_conf(true)
            .fallback(false)
            .alt(true)
            .dist(250.0)
            .cont(false)
            .query(&fix, false)
            .unwrap();
        assert_eq!(
            q,
            [
                ("doReply", "false".to_owned()),
                ("hiConf", "true".to_owned()),
                ("fallback", "false".to_owned()),
                ("alt", "true".to_owned()),
                ("cont", "false".to_owned()),
                ("dist", "250".to_owned()),
            ]
        );
        assert!(
            GroundFixOptions::new()
                .query(&fix, true)
                .unwrap()
                .is_empty()
        );
        let wifi = GroundFix::new()
            .wifi(WifiAccessPoint::new("40:01:7a:c9:10:22"))
            .wifi(WifiAccessPoint::new("80:e0:1d:2a:92:f2"));
        assert_eq!(
            field(
                GroundFixOptions::new()
                    .dist(10.0)
                    .query(&wifi, true)
                    .unwrap_err()
            ),
            "dist"
        );
        assert_eq!(
            field(
                GroundFixOptions::new()
                    .dist(-1.0)
                    .query(&fix, true)
                    .unwrap_err()
            ),
            "dist"
        );
    }
}
