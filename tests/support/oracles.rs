//! The oracles of the union decoders, shared by `tests/unions.rs` and the cargo-fuzz target
//! `union_decode` (one copy, included by `#[path]`): mirror enums with serde's untagged
//! derive over the same generated variant types, and [`fingerprint`], which makes a decoded
//! value of either comparable. The includer has the generated `types` module in scope.

// The mirrors copy the generated enums' names and shapes on purpose (the variant path is
// compared), whatever clippy thinks of them.
#![allow(clippy::enum_variant_names, clippy::large_enum_variant, dead_code)]

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::{
    BleDevice, FirmwareTypesKnown, GatewayDevice, GenericDevice, JsoNataTransformedResponse,
    NonGatewayIpDeviceSubType,
};

#[derive(Deserialize, Serialize, Debug)]
#[serde(untagged)]
pub enum OldDevice {
    GenericDevice(GenericDevice),
    BleDevice(BleDevice),
    GatewayDevice(GatewayDevice),
}

#[derive(Deserialize, Serialize, Debug)]
#[serde(untagged)]
pub enum OldItem {
    Device(OldDevice),
    JsoNataTransformedResponse(JsoNataTransformedResponse),
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
pub enum OldSubType {
    NonGatewayIpDeviceSubType(NonGatewayIpDeviceSubType),
    String(String),
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
pub enum OldFirmwareTypes {
    FirmwareTypesKnown(FirmwareTypesKnown),
    String(String),
}

// The generated open enums print their value (`JitpGeneric`, or the unknown string), not
// their variants; the oracles print the same way, so `fingerprint` compares like with like.
impl std::fmt::Debug for OldSubType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OldSubType::NonGatewayIpDeviceSubType(v) => v.fmt(f),
            OldSubType::String(v) => v.fmt(f),
        }
    }
}

impl std::fmt::Debug for OldFirmwareTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OldFirmwareTypes::FirmwareTypesKnown(v) => v.fmt(f),
            OldFirmwareTypes::String(v) => v.fmt(f),
        }
    }
}

/// What a decoded value is, comparable across the two enums: the variant path (from
/// `Debug`, e.g. `Device(GenericDevice`) and the value it serialises to. `Debug` alone is
/// not comparable: BLE shadows are `HashMap`s.
pub fn fingerprint<T: Serialize + std::fmt::Debug>(t: &T) -> (String, Value) {
    let debug = format!("{t:?}");
    // A catch-all item prints its raw text as received (`RawJson(2020e2)`), which the
    // derive, going through serde's buffer, rewrites (`RawJson(202000.0)`): the path stops
    // at the text, and the serialised value compares the two.
    let debug = debug
        .split_once("RawJson(")
        .map_or(debug.as_str(), |(path, _)| path);
    let path: String = debug
        .split(['{', '"'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '(')
        .collect();
    (path, serde_json::to_value(t).expect("serialises"))
}
