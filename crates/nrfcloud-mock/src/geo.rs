//! Deterministic location answers: a fix is a function of the cells or access points sent
//! (hashes give small offsets from a base point chosen by the country code), and reverse
//! geocoding picks the nearest of a small set of known places.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use crate::ids::fnv1a;

static MAC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$").expect("constant pattern compiles")
});

/// A known place: a base point for cell fixes and an address for reverse geocoding.
struct Place {
    mccs: &'static [i64],
    lat: f64,
    lon: f64,
    city: &'static str,
    state: &'static str,
    state_code: &'static str,
    country: &'static str,
    country_code: &'static str,
    postal_code: &'static str,
}

const PLACES: &[Place] = &[
    Place {
        mccs: &[242],
        lat: 63.4305,
        lon: 10.3951,
        city: "Trondheim",
        state: "Trøndelag",
        state_code: "50",
        country: "Norway",
        country_code: "NO",
        postal_code: "7011",
    },
    Place {
        mccs: &[244],
        lat: 65.0121,
        lon: 25.4651,
        city: "Oulu",
        state: "North Ostrobothnia",
        state_code: "14",
        country: "Finland",
        country_code: "FI",
        postal_code: "90100",
    },
    Place {
        mccs: &[240],
        lat: 59.3293,
        lon: 18.0686,
        city: "Stockholm",
        state: "Stockholm County",
        state_code: "AB",
        country: "Sweden",
        country_code: "SE",
        postal_code: "111 20",
    },
    Place {
        mccs: &[238],
        lat: 55.6761,
        lon: 12.5683,
        city: "Copenhagen",
        state: "Capital Region",
        state_code: "84",
        country: "Denmark",
        country_code: "DK",
        postal_code: "1050",
    },
    Place {
        mccs: &[262],
        lat: 52.5200,
        lon: 13.4050,
        city: "Berlin",
        state: "Berlin",
        state_code: "BE",
        country: "Germany",
        country_code: "DE",
        postal_code: "10117",
    },
    Place {
        mccs: &[208],
        lat: 48.8566,
        lon: 2.3522,
        city: "Paris",
        state: "Île-de-France",
        state_code: "IDF",
        country: "France",
        country_code: "FR",
        postal_code: "75001",
    },
    Place {
        mccs: &[234, 235],
        lat: 51.5074,
        lon: -0.1278,
        city: "London",
        state: "England",
        state_code: "ENG",
        country: "United Kingdom",
        country_code: "GB",
        postal_code: "WC2N 5DU",
    },
    Place {
        mccs: &[228],
        lat: 47.3769,
        lon: 8.5417,
        city: "Zurich",
        state: "Zurich",
        state_code: "ZH",
        country: "Switzerland",
        country_code: "CH",
        postal_code: "8001",
    },
    Place {
        mccs: &[222],
        lat: 41.9028,
        lon: 12.4964,
        city: "Rome",
        state: "Lazio",
        state_code: "62",
        country: "Italy",
        country_code: "IT",
        postal_code: "00184",
    },
    Place {
        mccs: &[214],
        lat: 40.4168,
        lon: -3.7038,
        city: "Madrid",
        state: "Community of Madrid",
        state_code: "MD",
        country: "Spain",
        country_code: "ES",
        postal_code: "28013",
    },
    Place {
        mccs: &[310, 311, 312, 313, 314, 315, 316],
        lat: 45.5152,
        lon: -122.6784,
        city: "Portland",
        state: "Oregon",
        state_code: "OR",
        country: "United States of America",
        country_code: "US",
        postal_code: "97204",
    },
    Place {
        mccs: &[302],
        lat: 43.6532,
        lon: -79.3832,
        city: "Toronto",
        state: "Ontario",
        state_code: "ON",
        country: "Canada",
        country_code: "CA",
        postal_code: "M5H 2N2",
    },
    Place {
        mccs: &[440, 441],
        lat: 35.6762,
        lon: 139.6503,
        city: "Tokyo",
        state: "Tokyo",
        state_code: "13",
        country: "Japan",
        country_code: "JP",
        postal_code: "100-0001",
    },
    Place {
        mccs: &[505],
        lat: -33.8688,
        lon: 151.2093,
        city: "Sydney",
        state: "New South Wales",
        state_code: "NSW",
        country: "Australia",
        country_code: "AU",
        postal_code: "2000",
    },
    Place {
        mccs: &[724],
        lat: -23.5505,
        lon: -46.6333,
        city: "São Paulo",
        state: "São Paulo",
        state_code: "SP",
        country: "Brazil",
        country_code: "BR",
        postal_code: "01000-000",
    },
    Place {
        mccs: &[404, 405],
        lat: 12.9716,
        lon: 77.5946,
        city: "Bengaluru",
        state: "Karnataka",
        state_code: "KA",
        country: "India",
        country_code: "IN",
        postal_code: "560001",
    },
    Place {
        mccs: &[460],
        lat: 31.2304,
        lon: 121.4737,
        city: "Shanghai",
        state: "Shanghai",
        state_code: "SH",
        country: "China",
        country_code: "CN",
        postal_code: "200000",
    },
    Place {
        mccs: &[655],
        lat: -33.9249,
        lon: 18.4241,
        city: "Cape Town",
        state: "Western Cape",
        state_code: "WC",
        country: "South Africa",
        country_code: "ZA",
        postal_code: "8001",
    },
];

/// Reverse geocoding finds nothing farther than this from every known place.
const MAX_GEOCODE_DISTANCE_M: f64 = 1_500_000.0;

fn place_for_mcc(mcc: i64) -> &'static Place {
    PLACES
        .iter()
        .find(|p| p.mccs.contains(&mcc))
        .unwrap_or(&PLACES[0])
}

/// A cell of a location request.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    mcc: i64,
    mnc: String,
    tac: i64,
    eci: i64,
    neighbours: Vec<(i64, i64)>,
}

/// How a fix was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FixKind {
    SingleCell,
    MultiCell,
    Wifi,
}

impl FixKind {
    /// The `fulfilledWith` / `serviceType` value (`…_EVAL` with an evaluation token).
    pub(crate) fn name(self, evaluation: bool) -> String {
        let base = match self {
            Self::SingleCell => "SCELL",
            Self::MultiCell => "MCELL",
            Self::Wifi => "WIFI",
        };
        if evaluation {
            format!("{base}_EVAL")
        } else {
            base.to_owned()
        }
    }
}

/// A location fix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fix {
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) uncertainty: u32,
    pub(crate) kind: FixKind,
}

fn unit(h: u64) -> f64 {
    (h & 0xf_ffff) as f64 / 0xf_ffff as f64
}

fn round(x: f64) -> f64 {
    (x * 1e8).round() / 1e8
}

fn mnc_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim_start_matches('0').to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The cells of a request body (`lte`, `ltecatm`, `nbiot`).
pub(crate) fn cells(body: &Value) -> Vec<Cell> {
    let mut out = Vec::new();
    for key in ["lte", "ltecatm", "nbiot"] {
        for cell in body
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let int = |name: &str| cell.get(name).and_then(Value::as_f64).unwrap_or(0.0) as i64;
            let neighbours = cell
                .get("nmr")
                .and_then(Value::as_array)
                .map(|n| {
                    n.iter()
                        .map(|m| {
                            let f = |name: &str| {
                                m.get(name).and_then(Value::as_f64).unwrap_or(0.0) as i64
                            };
                            (f("earfcn"), f("pci"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Cell {
                mcc: int("mcc"),
                mnc: mnc_text(cell.get("mnc")),
                tac: int("tac"),
                eci: int("eci"),
                neighbours,
            });
        }
    }
    out
}

/// A cell from query parameters (single-cell, A-GNSS).
pub(crate) fn single_cell(mcc: i64, mnc: &str, tac: i64, eci: i64) -> Cell {
    Cell {
        mcc,
        mnc: mnc.trim_start_matches('0').to_owned(),
        tac,
        eci,
        neighbours: Vec::new(),
    }
}

/// The usable (universally administered, unicast) MAC addresses of a list of access points,
/// lower-case and colon-separated. `Err` names a malformed one.
pub(crate) fn access_points(list: &[Value], field: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (i, ap) in list.iter().enumerate() {
        let mac = ap
            .get("macAddress")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{field}[{i}].macAddress is required"))?;
        if !MAC.is_match(mac) {
            return Err(format!(
                "{field}[{i}].macAddress '{mac}' must be 6 hexadecimal pairs separated by colons or dashes"
            ));
        }
        let mac = mac.to_lowercase().replace('-', ":");
        let first = u8::from_str_radix(&mac[..2], 16).unwrap_or(0);
        if first & 0x03 == 0 && !out.contains(&mac) {
            out.push(mac);
        }
    }
    Ok(out)
}

/// A fix from cells: SCELL for one cell without neighbours, else MCELL.
pub(crate) fn cell_fix(cells: &[Cell]) -> Option<Fix> {
    let serving = cells.first()?;
    let base = place_for_mcc(serving.mcc);
    let h = fnv1a(
        format!(
            "{}/{}/{}/{}",
            serving.mcc, serving.mnc, serving.tac, serving.eci
        )
        .as_bytes(),
    );
    let mut lat = base.lat + (unit(h) - 0.5) * 0.08;
    let mut lon = base.lon + (unit(h >> 20) - 0.5) * 0.16;
    let mut others: Vec<String> = cells
        .iter()
        .flat_map(|c| c.neighbours.iter().map(|(e, p)| format!("n{e}/{p}")))
        .chain(
            cells
                .iter()
                .skip(1)
                .map(|c| format!("c{}/{}", c.tac, c.eci)),
        )
        .collect();
    if others.is_empty() {
        return Some(Fix {
            lat: round(lat),
            lon: round(lon),
            uncertainty: 1000 + ((h >> 40) % 2000) as u32,
            kind: FixKind::SingleCell,
        });
    }
    others.sort();
    let h2 = fnv1a(others.join(",").as_bytes());
    lat += (unit(h2) - 0.5) * 0.01;
    lon += (unit(h2 >> 20) - 0.5) * 0.02;
    Some(Fix {
        lat: round(lat),
        lon: round(lon),
        uncertainty: 150 + ((h2 >> 40) % 1500) as u32,
        kind: FixKind::MultiCell,
    })
}

/// A fix from at least two access points, near `near` (a cell fix) or the default base point.
pub(crate) fn wifi_fix(macs: &[String], near: Option<&Fix>) -> Fix {
    let mut sorted = macs.to_vec();
    sorted.sort();
    let h = fnv1a(sorted.join(",").as_bytes());
    let (lat0, lon0) = near.map_or((PLACES[0].lat, PLACES[0].lon), |f| (f.lat, f.lon));
    let n = macs.len() as u32;
    Fix {
        lat: round(lat0 + (unit(h) - 0.5) * 0.02),
        lon: round(lon0 + (unit(h >> 20) - 0.5) * 0.04),
        uncertainty: 60u32.saturating_sub(2 * n).max(8) + (h >> 40) as u32 % 7,
        kind: FixKind::Wifi,
    }
}

/// Great-circle distance in metres.
pub(crate) fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// The address nearest to a point, as GetAddressDataFromCoordinates answers it; `None` when
/// no known place is close enough.
pub(crate) fn reverse_geocode(lat: f64, lon: f64) -> Option<Value> {
    let (place, dist) = PLACES
        .iter()
        .map(|p| (p, distance_m((lat, lon), (p.lat, p.lon))))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    if dist > MAX_GEOCODE_DISTANCE_M {
        return None;
    }
    let street_number = (fnv1a(format!("{lat:.4},{lon:.4}").as_bytes()) % 200 + 1).to_string();
    Some(json!({
        "lat": lat,
        "lon": lon,
        "uncertainty": dist.round() as u64,
        "formatted": format!("{street_number} Main Street, {} {}, {}, {}", place.postal_code, place.city, place.state, place.country),
        "address": {
            "country": place.country,
            "countryCode": place.country_code,
            "state": place.state,
            "stateCode": place.state_code,
            "county": place.city,
            "city": place.city,
            "postalCode": place.postal_code,
            "street": "Main Street",
            "streetNumber": street_number,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_are_deterministic_and_near_the_country() {
        let body = json!({"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712}]});
        let a = cell_fix(&cells(&body)).expect("fix");
        let b = cell_fix(&cells(&body)).expect("fix");
        assert_eq!((a.lat, a.lon, a.uncertainty), (b.lat, b.lon, b.uncertainty));
        assert_eq!(a.kind, FixKind::SingleCell);
        assert!((a.lat - 63.42).abs() < 0.5 && (a.lon - 10.41).abs() < 0.5);
        let multi = json!({"lte": [{"mcc": 242, "mnc": 2, "tac": 2305, "eci": 33703712, "nmr": [{"earfcn": 6300, "pci": 426}]}]});
        assert_eq!(
            cell_fix(&cells(&multi)).map(|f| f.kind),
            Some(FixKind::MultiCell)
        );
    }

    #[test]
    fn access_points_are_checked() {
        let aps = json!([{"macAddress": "40:01:7a:c9:10:22"}, {"macAddress": "AA-15-44-AC-6C-3A"}]);
        let macs = access_points(aps.as_array().expect("array"), "body.wifi").expect("valid");
        assert_eq!(macs, vec!["40:01:7a:c9:10:22"]);
        let bad = json!([{"macAddress": "nope"}]);
        assert!(access_points(bad.as_array().expect("array"), "body.wifi").is_err());
    }

    #[test]
    fn geocoding_finds_near_places_only() {
        assert!(reverse_geocode(45.524098, -122.688408).is_some());
        assert!(reverse_geocode(-60.0, -140.0).is_none());
    }
}
