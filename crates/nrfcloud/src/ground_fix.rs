//! Ground fix (GetLocationFromCellsOrWifiNetworks, `POST /v1/location/ground-fix`): a
//! location from LTE cells and Wi-Fi access points, checked before it is sent.
//!
//! The body is the generated [`types::GetLocationFromCellsOrWifiNetworksBody`]: the current
//! form [`types::GroundFixCurrentForm`] (`lte`, `ltecatm`, `nbiot` cells, `wifi` a list of
//! access points) or the older [`types::GroundFixOlderForm`] (`lte` cells,
//! `"wifi": {"accessPoints": [...]}`). [`lte_cell`], [`neighbour_cell`] and [`access_point`]
//! make its parts with the required fields set; the rest are public fields.
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::ground_fix::{GroundFixOptions, access_point, lte_cell, neighbour_cell};
//! use nrfcloud::types;
//!
//! let mut cell = lte_cell(242, 2, 2305, 33703712);
//! cell.earfcn = Some(6300);
//! cell.rsrp = Some((-97).into());
//! cell.rsrq = Some("-9.5".parse().expect("a JSON number"));
//! let mut neighbour = neighbour_cell(6300, 426);
//! neighbour.rsrp = Some((-104).into());
//! cell.nmr = Some(vec![neighbour]);
//! let mut office = access_point("80-E0-1D-2A-92-F2");
//! office.ssid = Some("office".into());
//! office.frequency = Some(2412.into());
//! let body = types::GroundFixCurrentForm {
//!     lte: Some(vec![cell]),
//!     wifi: Some(vec![access_point("40:01:7a:c9:10:22"), office]),
//!     ..Default::default()
//! };
//! let location = client
//!     .location()
//!     .ground_fix(body, &GroundFixOptions::new().hi_conf(true))
//!     .await?;
//! println!("{} {} ±{} m", location.lat.0, location.lon.0, location.uncertainty.0);
//! # Ok(()) }
//! ```
//!
//! The operation accepts a JSON Web Token (a device key, service key or a JWT minted
//! elsewhere) or a service evaluation token, not the API key.
//!
//! **Checks before sending** ([`validate`]; errors are [`Error::InvalidInput`] naming the
//! field as it appears in the body, e.g. `wifi[1].macAddress` or `lte[0].nmr[2].pci`):
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
//!   signal strength −128…0 dBm, a positive frequency, non-negative channel and age.
//!
//! **The body on the wire** is the JSON of the generated type, which the codegen's fixups
//! (`ground_fix_numbers_keep_their_form`, `ground_fix_empty_lists_are_kept`,
//! `access_point_is_one_object`) make exactly the JSON of the inputs: measurements are
//! [`serde_json::Number`]s (`-97` stays an integer, `-9.5` a decimal), an `mnc` string stays a
//! string, an empty `nmr` list given as `Some(vec![])` is sent as `[]`, and the Wi-Fi list
//! keeps its form. A captured body read with `serde_json` is sent again as the same JSON
//! document.

use std::collections::BTreeSet;

use nrfcloud_api::types;
use serde_json::Number;

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
// Parts of the generated body
// ---------------------------------------------------------------------------------------------

/// A serving cell ([`types::LteCell`]) with its required fields; the optional ones (`earfcn`,
/// `adv`, `rsrp`, `rsrq`, `pci`, `nmr`) are `None`. `mnc` is a number or a string of digits
/// that keeps leading zeros ([`types::Mnc::String`]).
pub fn lte_cell(mcc: i32, mnc: impl Into<types::Mnc>, tac: i32, eci: i32) -> types::LteCell {
    types::LteCell {
        mcc: types::Mcc(mcc),
        mnc: mnc.into(),
        tac: types::Tac(tac),
        eci: types::Eci(eci),
        earfcn: None,
        adv: None,
        rsrp: None,
        rsrq: None,
        pci: None,
        nmr: None,
    }
}

/// A neighbour cell measurement (an `nmr` item, [`types::LteCellNmrItem`]) with its required
/// fields; `eci`, `rsrp`, `rsrq` and `timeDiff` are `None`.
pub fn neighbour_cell(earfcn: i64, pci: i64) -> types::LteCellNmrItem {
    types::LteCellNmrItem {
        earfcn,
        pci,
        eci: None,
        rsrp: None,
        rsrq: None,
        time_diff: None,
    }
}

/// A Wi-Fi access point ([`types::AccessPoint`]) with its MAC address, sent as given; the
/// measurements are `None`.
pub fn access_point(mac_address: impl Into<String>) -> types::AccessPoint {
    types::AccessPoint {
        mac_address: types::MacAddress(mac_address.into()),
        ssid: None,
        signal_strength: None,
        signal_to_noise_ratio: None,
        frequency: None,
        channel: None,
        age: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Checks the rules of the [module docs](crate::ground_fix); the first broken one is an
/// [`Error::InvalidInput`] naming its field as it appears in the body.
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the first field outside the API's rules (cell ids,
/// ranges, MAC addresses, counts).
pub fn validate(body: &types::GetLocationFromCellsOrWifiNetworksBody) -> Result<(), Error> {
    let empty: &[types::LteCell] = &[];
    let (cell_lists, wifi_path, aps): ([(&str, Vec<&types::LteCell>); 3], _, _) = match body {
        types::GetLocationFromCellsOrWifiNetworksBody::CurrentForm(f) => (
            [
                ("lte", f.lte.iter().flatten().collect()),
                (
                    "ltecatm",
                    f.ltecatm.iter().flatten().map(|c| &c.0).collect(),
                ),
                ("nbiot", f.nbiot.iter().flatten().map(|c| &c.0).collect()),
            ],
            "wifi",
            f.wifi.as_deref().unwrap_or_default(),
        ),
        types::GetLocationFromCellsOrWifiNetworksBody::OlderForm(f) => (
            [
                ("lte", f.lte.iter().flatten().collect()),
                ("ltecatm", empty.iter().collect()),
                ("nbiot", empty.iter().collect()),
            ],
            "wifi.accessPoints",
            f.wifi
                .as_ref()
                .map(|w| w.access_points.as_slice())
                .unwrap_or_default(),
        ),
    };
    let mut cells = 0;
    for (key, list) in &cell_lists {
        for (i, cell) in list.iter().enumerate() {
            check_cell(cell, &format!("{key}[{i}]"))?;
            cells += 1;
        }
    }
    let mut usable = BTreeSet::new();
    for (i, ap) in aps.iter().enumerate() {
        check_access_point(ap, &format!("{wifi_path}[{i}]"))?;
        if let Some(mac) = parse_mac(&ap.mac_address.0).filter(|m| is_positionable(*m)) {
            usable.insert(mac);
        }
    }
    if cells == 0 && aps.is_empty() {
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
                 administered unicast MAC addresses are needed; {} given, {} usable",
                aps.len(),
                usable.len()
            ),
        ));
    }
    Ok(())
}

/// Whether the body has a cell (`dist` needs one).
fn has_cells(body: &types::GetLocationFromCellsOrWifiNetworksBody) -> bool {
    match body {
        types::GetLocationFromCellsOrWifiNetworksBody::CurrentForm(f) => {
            [f.lte.as_ref().map(Vec::len)]
                .into_iter()
                .chain([
                    f.ltecatm.as_ref().map(Vec::len),
                    f.nbiot.as_ref().map(Vec::len),
                ])
                .any(|n| n.unwrap_or(0) > 0)
        }
        types::GetLocationFromCellsOrWifiNetworksBody::OlderForm(f) => {
            f.lte.as_ref().is_some_and(|l| !l.is_empty())
        }
    }
}

/// `Err(reason)` unless `n` is within `min..=max`.
fn in_range(n: &Number, min: f64, max: f64) -> Result<(), String> {
    let v = n.as_f64().unwrap_or(f64::NAN);
    if (min..=max).contains(&v) {
        Ok(())
    } else {
        Err(format!("{n} is out of range {min}..={max}"))
    }
}

/// `Err` naming `path.name` unless the optional integer is within `0..=max`.
fn integer(path: &str, name: &str, v: Option<i64>, max: i64) -> Result<(), Error> {
    match v {
        Some(v) if !(0..=max).contains(&v) => Err(invalid(
            format!("{path}.{name}"),
            format!("{v} is out of range 0..={max}"),
        )),
        _ => Ok(()),
    }
}

/// `Err` naming `path.name` unless the optional number is within `min..=max`.
fn number(path: &str, name: &str, v: Option<&Number>, min: f64, max: f64) -> Result<(), Error> {
    match v {
        Some(v) => in_range(v, min, max).map_err(|r| invalid(format!("{path}.{name}"), r)),
        None => Ok(()),
    }
}

fn check_cell(cell: &types::LteCell, path: &str) -> Result<(), Error> {
    integer(path, "mcc", Some(cell.mcc.0.into()), MAX_MCC_MNC.into())?;
    match &cell.mnc {
        types::Mnc::Integer(n) => integer(path, "mnc", Some(*n), MAX_MCC_MNC.into())?,
        types::Mnc::String(t)
            if !(2..=3).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_digit()) =>
        {
            return Err(invalid(
                format!("{path}.mnc"),
                format!("{t:?} must be 2 or 3 decimal digits"),
            ));
        }
        types::Mnc::String(_) => {}
    }
    integer(path, "tac", Some(cell.tac.0.into()), MAX_TAC.into())?;
    integer(path, "eci", Some(cell.eci.0.into()), MAX_ECI.into())?;
    integer(path, "earfcn", cell.earfcn, MAX_EARFCN.into())?;
    if let Some(adv) = &cell.adv
        && adv.as_i64() != Some(ADV_UNKNOWN)
    {
        in_range(adv, 0.0, MAX_ADV as f64)
            .map_err(|r| invalid(format!("{path}.adv"), format!("{r} (or 65535: not known)")))?;
    }
    integer(path, "pci", cell.pci, MAX_PCI.into())?;
    number(path, "rsrp", cell.rsrp.as_ref(), -157.0, -44.0)?;
    number(path, "rsrq", cell.rsrq.as_ref(), -34.5, 3.5)?;
    for (i, n) in cell.nmr.iter().flatten().enumerate() {
        let path = format!("{path}.nmr[{i}]");
        integer(&path, "earfcn", Some(n.earfcn), MAX_EARFCN.into())?;
        integer(&path, "pci", Some(n.pci), MAX_PCI.into())?;
        integer(
            &path,
            "eci",
            n.eci.as_ref().map(|e| e.0.into()),
            MAX_ECI.into(),
        )?;
        number(&path, "rsrp", n.rsrp.as_ref(), -157.0, -44.0)?;
        number(&path, "rsrq", n.rsrq.as_ref(), -34.5, 3.5)?;
    }
    Ok(())
}

fn check_access_point(ap: &types::AccessPoint, path: &str) -> Result<(), Error> {
    if parse_mac(&ap.mac_address.0).is_none() {
        return Err(invalid(
            format!("{path}.macAddress"),
            format!(
                "{:?} must be six hexadecimal pairs separated by colons or dashes \
                 (e.g. 40:01:7a:c9:10:22)",
                ap.mac_address.0
            ),
        ));
    }
    number(
        path,
        "signalStrength",
        ap.signal_strength.as_ref(),
        -128.0,
        0.0,
    )?;
    number(path, "channel", ap.channel.as_ref(), 0.0, f64::MAX)?;
    number(path, "age", ap.age.as_ref(), 0.0, f64::MAX)?;
    if let Some(f) = &ap.frequency
        && in_range(f, f64::MIN_POSITIVE, f64::MAX).is_err()
    {
        return Err(invalid(
            format!("{path}.frequency"),
            format!("{f} must be a positive number of MHz"),
        ));
    }
    Ok(())
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

    /// `Err` for a `dist` that is negative, not finite, or given without cells.
    fn check(&self, body: &types::GetLocationFromCellsOrWifiNetworksBody) -> Result<(), Error> {
        if let Some(d) = self.dist {
            if !d.is_finite() || d < 0.0 {
                return Err(invalid(
                    "dist",
                    format!("{d} must be a finite, non-negative number of metres"),
                ));
            }
            if !has_cells(body) {
                return Err(invalid("dist", "needs cells in the request"));
            }
        }
        Ok(())
    }
}

type GroundFixRequest<'a> =
    crate::Request<'a, nrfcloud_api::builder::GetLocationFromCellsOrWifiNetworks<'a>>;

impl<'a> crate::location::LocationHandler<'a> {
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
        body: impl Into<types::GetLocationFromCellsOrWifiNetworksBody>,
        options: &GroundFixOptions,
    ) -> Result<types::GetLocationFromCellsOrWifiNetworksResponse, Error> {
        self.ground_fix_request(body.into(), options)?.send().await
    }

    /// As [`LocationHandler::ground_fix`](crate::LocationHandler::ground_fix) with
    /// `doReply=false`: the service stores the location (in the device's location history)
    /// and answers 200 without a body, which is this call's success (the document declares
    /// the location body for both).
    ///
    /// # Errors
    ///
    /// As [`LocationHandler::ground_fix`](crate::LocationHandler::ground_fix).
    pub async fn ground_fix_without_reply(
        &self,
        body: impl Into<types::GetLocationFromCellsOrWifiNetworksBody>,
        options: &GroundFixOptions,
    ) -> Result<(), Error> {
        let request = self
            .ground_fix_request(body.into(), options)?
            .do_reply(types::DoReplyFlag::Boolean(false));
        match request.send().await {
            Ok(_) => Ok(()),
            Err(Error::Decode {
                status: Some(200),
                excerpt,
                ..
            }) if excerpt.trim().is_empty() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The checked, typed request: the generated body and the options' flags.
    fn ground_fix_request(
        &self,
        body: types::GetLocationFromCellsOrWifiNetworksBody,
        options: &GroundFixOptions,
    ) -> Result<GroundFixRequest<'a>, Error> {
        validate(&body)?;
        options.check(&body)?;
        let mut request = self
            .client
            .api()
            .get_location_from_cells_or_wifi_networks()
            .body(body)
            .with_options(options.call);
        if let Some(on) = options.hi_conf {
            request = request.hi_conf(on);
        }
        if let Some(on) = options.fallback {
            request = request.fallback(on);
        }
        if let Some(on) = options.alt {
            request = request.alt(on);
        }
        if let Some(d) = options.dist {
            request = request.dist(d);
        }
        if let Some(on) = options.cont {
            request = request.cont(on);
        }
        if let Some(id) = options.custom_device_id.clone() {
            request = request.x_custom_device_id(id);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn body(text: &str) -> types::GetLocationFromCellsOrWifiNetworksBody {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
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
        assert!(is_positionable(parse_mac("40:01:7a:c9:10:22").unwrap()));
        assert!(!is_positionable(parse_mac("aa:15:44:ac:6c:3a").unwrap()));
    }

    #[test]
    fn validation_names_the_field() {
        let cell = r#"{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712"#;
        let ap1 = r#"{"macAddress": "40:01:7a:c9:10:22"}"#;
        let cases = [
            ("{}".to_owned(), "body"),
            (format!(r#"{{"wifi": [{ap1}]}}"#), "wifi"),
            (format!(r#"{{"wifi": [{ap1}, {ap1}]}}"#), "wifi"),
            (
                format!(r#"{{"wifi": [{ap1}, {{"macAddress": "aa:15:44:ac:6c:3a"}}]}}"#),
                "wifi",
            ),
            (
                format!(r#"{{"wifi": [{ap1}, {{"macAddress": "40:01:7a:c9:10"}}]}}"#),
                "wifi[1].macAddress",
            ),
            (
                format!(r#"{{"wifi": {{"accessPoints": [{ap1}, {{"macAddress": "nope"}}]}}}}"#),
                "wifi.accessPoints[1].macAddress",
            ),
            (
                format!(
                    r#"{{"wifi": [{ap1}, {{"macAddress": "80:e0:1d:2a:92:f2", "signalStrength": 1}}]}}"#
                ),
                "wifi[1].signalStrength",
            ),
            (
                format!(
                    r#"{{"wifi": [{ap1}, {{"macAddress": "80:e0:1d:2a:92:f2", "frequency": 0}}]}}"#
                ),
                "wifi[1].frequency",
            ),
            (
                format!(r#"{{"wifi": [{{"macAddress": "80:e0:1d:2a:92:f2", "age": -1}}, {ap1}]}}"#),
                "wifi[0].age",
            ),
            (
                r#"{"lte": [{"mcc": 1000, "mnc": 1, "tac": 1, "eci": 1}]}"#.to_owned(),
                "lte[0].mcc",
            ),
            (
                r#"{"lte": [{"mcc": 1, "mnc": 1000, "tac": 1, "eci": 1}]}"#.to_owned(),
                "lte[0].mnc",
            ),
            (
                r#"{"lte": [{"mcc": 1, "mnc": "1", "tac": 1, "eci": 1}]}"#.to_owned(),
                "lte[0].mnc",
            ),
            (
                r#"{"lte": [{"mcc": 1, "mnc": "0a1", "tac": 1, "eci": 1}]}"#.to_owned(),
                "lte[0].mnc",
            ),
            (
                r#"{"lte": [{"mcc": 1, "mnc": 1, "tac": 65536, "eci": 1}]}"#.to_owned(),
                "lte[0].tac",
            ),
            (
                r#"{"lte": [{"mcc": 1, "mnc": 1, "tac": 1, "eci": 268435456}]}"#.to_owned(),
                "lte[0].eci",
            ),
            (
                format!(r#"{{"lte": [{cell}, "earfcn": 262144}}]}}"#),
                "lte[0].earfcn",
            ),
            (
                format!(r#"{{"lte": [{cell}, "adv": 20513}}]}}"#),
                "lte[0].adv",
            ),
            (format!(r#"{{"lte": [{cell}, "adv": -1}}]}}"#), "lte[0].adv"),
            (
                format!(r#"{{"lte": [{cell}, "pci": 504}}]}}"#),
                "lte[0].pci",
            ),
            (
                format!(r#"{{"lte": [{cell}, "rsrp": -40}}]}}"#),
                "lte[0].rsrp",
            ),
            (
                format!(r#"{{"lte": [{cell}, "rsrq": 3.6}}]}}"#),
                "lte[0].rsrq",
            ),
            (
                format!(
                    r#"{{"lte": [{cell}}}], "nbiot": [{cell}, "nmr": [{{"earfcn": 1, "pci": 504}}]}}]}}"#
                ),
                "nbiot[0].nmr[0].pci",
            ),
            (
                format!(
                    r#"{{"lte": [{cell}, "nmr": [{{"earfcn": 1, "pci": 1, "rsrq": -35}}]}}]}}"#
                ),
                "lte[0].nmr[0].rsrq",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                field(validate(&body(&text)).unwrap_err()),
                expected,
                "{text}"
            );
        }
        // What passes: a cell alone, a cell with one access point, two usable access points,
        // the extreme values of every range, and adv 65535.
        for text in [
            format!(r#"{{"lte": [{cell}}}]}}"#),
            format!(r#"{{"nbiot": [{cell}}}], "wifi": [{ap1}]}}"#),
            format!(r#"{{"wifi": [{ap1}, {{"macAddress": "80-E0-1D-2A-92-F2"}}]}}"#),
            format!(
                r#"{{"wifi": {{"accessPoints": [{ap1}, {{"macAddress": "80-E0-1D-2A-92-F2"}}]}}}}"#
            ),
            r#"{"ltecatm": [{"mcc": 999, "mnc": "001", "tac": 65535, "eci": 268435455,
                "earfcn": 262143, "pci": 503, "adv": 20512, "rsrp": -157, "rsrq": -34.5,
                "nmr": [{"earfcn": 0, "pci": 0, "rsrp": -44, "rsrq": 3.5, "eci": 0}]}]}"#
                .to_owned(),
            format!(r#"{{"lte": [{cell}, "adv": 65535}}]}}"#),
        ] {
            validate(&body(&text)).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn dist_needs_cells_and_a_distance() {
        let cells = types::GroundFixCurrentForm {
            lte: Some(vec![lte_cell(242, 2, 2305, 33703712)]),
            ..Default::default()
        }
        .into();
        let wifi = types::GroundFixCurrentForm {
            wifi: Some(vec![
                access_point("40:01:7a:c9:10:22"),
                access_point("80:e0:1d:2a:92:f2"),
            ]),
            ..Default::default()
        }
        .into();
        GroundFixOptions::new().dist(250.0).check(&cells).unwrap();
        assert_eq!(
            field(GroundFixOptions::new().dist(10.0).check(&wifi).unwrap_err()),
            "dist"
        );
        assert_eq!(
            field(
                GroundFixOptions::new()
                    .dist(-1.0)
                    .check(&cells)
                    .unwrap_err()
            ),
            "dist"
        );
    }
}
