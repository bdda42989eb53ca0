//! Operations that the API serves but the committed spec snapshot does not list yet (invoices,
//! usage, system status, DissociateDevice, CreateDeviceCertificate, Bluetooth LE, anchors and
//! location contributions). Each entry gives what the snapshot would: method, path, id,
//! accepted schemes, parameters, body and success status. When `cargo xtask fetch` brings
//! them into `spec/openapi.json`, the spec's entries take precedence over these.
//!
//! Two BLE paths use `{deviceId}` where the API names the parameter `{gatewayId}`: the router
//! needs one name per position (`/devices/{deviceId}/…`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::spec::{BodySpec, Operation, Param, ParamIn, Scheme};

const SIMPLE: &[Scheme] = &[Scheme::SimpleToken];
const LOCATION: &[Scheme] = &[Scheme::EvaluationToken, Scheme::Jwt];

fn device_id() -> Value {
    json!({"$ref": "#/components/schemas/DeviceId"})
}

fn page_params(
    extra: Vec<(&'static str, bool, Value)>,
) -> Vec<(&'static str, ParamIn, bool, Value)> {
    let mut out: Vec<(&'static str, ParamIn, bool, Value)> = vec![
        (
            "pageLimit",
            ParamIn::Query,
            false,
            json!({"$ref": "#/components/schemas/PageLimit"}),
        ),
        (
            "pageNextToken",
            ParamIn::Query,
            false,
            json!({"type": "string"}),
        ),
    ];
    out.extend(
        extra
            .into_iter()
            .map(|(name, required, schema)| (name, ParamIn::Query, required, schema)),
    );
    out
}

fn op(
    method: Method,
    template: &str,
    id: &str,
    security: &[Scheme],
    success: u16,
    params: Vec<(&'static str, ParamIn, bool, Value)>,
    body: Option<(bool, Value)>,
) -> Operation {
    Operation {
        id: id.to_owned(),
        method,
        template: template.to_owned(),
        security: security.to_vec(),
        params: params
            .into_iter()
            .map(|(name, location, required, schema)| Param {
                name: name.to_owned(),
                location,
                required,
                schema,
            })
            .collect(),
        body: body.map(|(required, schema)| BodySpec { required, schema }),
        success: StatusCode::from_u16(success).unwrap_or(StatusCode::OK),
    }
}

/// The extra operations, in the form of spec operations.
pub(crate) fn operations() -> Vec<Operation> {
    let path = |name: &'static str, schema: Value| (name, ParamIn::Path, true, schema);
    let any = || json!({"type": "string"});
    let numbers = json!({"type": "array", "items": {"type": "number"}});
    let cell = json!({"$ref": "#/components/schemas/LteCell"});
    let contribution = json!({
        "type": "object",
        "required": ["contributions", "position"],
        "properties": {
            "device": {"type": "object", "properties": {
                "manufacturer": {"type": "string"}, "firmwareVersion": {"type": "string"},
                "modemVersion": {"type": "string"}, "id": {"type": "string"}}},
            "contributions": {"type": "array", "items": {"type": "object", "properties": {
                "cell": {"type": "array", "items": {"type": "object", "required": ["cell", "cellType", "observedAt"], "properties": {
                    "cell": cell,
                    "cellType": {"type": "string", "enum": ["LTE", "LTECATM", "NBIOT"]},
                    "observedAt": {"type": "string"}}}},
                "wifi": {"type": "array", "items": {"type": "object", "required": ["macAddress", "observedAt"], "properties": {
                    "macAddress": {"type": "string"}, "observedAt": {"type": "string"}}}}}}},
            "position": {"type": "object", "required": ["lat", "lon", "uncertainty"], "properties": {
                "lat": {"type": "number"}, "lon": {"type": "number"}, "uncertainty": {"type": "integer"}}},
        },
    });
    let usage_date = json!({"anyOf": [{"type": "string"}, {"type": "string"}]});
    let page_sort = json!({"$ref": "#/components/schemas/PageSort"});
    vec![
        op(
            Method::GET,
            "/account/invoices",
            "ListInvoices",
            SIMPLE,
            200,
            page_params(vec![]),
            None,
        ),
        op(
            Method::GET,
            "/account/usage",
            "ListApiUsage",
            SIMPLE,
            200,
            page_params(vec![
                ("inclusiveStart", true, usage_date.clone()),
                ("exclusiveEnd", true, usage_date),
                ("pageSort", false, page_sort.clone()),
            ]),
            None,
        ),
        op(
            Method::GET,
            "/account/usage/summary",
            "FetchApiUsageSummary",
            SIMPLE,
            200,
            vec![],
            None,
        ),
        op(
            Method::DELETE,
            "/association/{deviceId}",
            "DissociateDevice",
            SIMPLE,
            202,
            vec![path("deviceId", device_id())],
            None,
        ),
        op(
            Method::POST,
            "/devices/{deviceId}/certificates",
            "CreateDeviceCertificate",
            SIMPLE,
            201,
            vec![path("deviceId", device_id())],
            Some((true, json!({"type": "string"}))),
        ),
        op(
            Method::GET,
            "/devices/{deviceId}/characteristics/{characteristicId}",
            "FetchCharacteristicValue",
            SIMPLE,
            200,
            vec![
                path("deviceId", device_id()),
                path("characteristicId", any()),
            ],
            None,
        ),
        op(
            Method::PUT,
            "/devices/{deviceId}/characteristics/{characteristicId}",
            "UpdateCharacteristicValue",
            SIMPLE,
            202,
            vec![
                path("deviceId", device_id()),
                path("characteristicId", any()),
            ],
            Some((true, numbers.clone())),
        ),
        op(
            Method::GET,
            "/devices/{deviceId}/characteristics/{characteristicId}/descriptors/{descriptorId}",
            "FetchCharacteristicDescriptorValue",
            SIMPLE,
            200,
            vec![
                path("deviceId", device_id()),
                path("characteristicId", any()),
                path("descriptorId", any()),
            ],
            None,
        ),
        op(
            Method::PUT,
            "/devices/{deviceId}/characteristics/{characteristicId}/descriptors/{descriptorId}",
            "UpdateCharacteristicDescriptorValue",
            SIMPLE,
            202,
            vec![
                path("deviceId", device_id()),
                path("characteristicId", any()),
                path("descriptorId", any()),
            ],
            Some((true, numbers)),
        ),
        op(
            Method::POST,
            "/devices/{deviceId}/scan",
            "StartScanForBLEDevices",
            SIMPLE,
            202,
            vec![path("deviceId", device_id())],
            Some((
                false,
                json!({"type": "object", "required": ["scanTimeout"], "properties": {
                    "scanType": {"type": "integer", "enum": [0, 1]},
                    "scanTimeout": {"type": "integer", "minimum": 1, "maximum": 65535},
                    "scanReporting": {"type": "string", "enum": ["instant", "batch"]},
                    "filter": {"type": "object", "properties": {"rssi": {"type": "number"}, "name": {"type": "string"}}}}}),
            )),
        ),
        op(
            Method::POST,
            "/devices/{deviceId}/discover/{peripheralId}",
            "StartPeripheralDiscovery",
            SIMPLE,
            202,
            vec![path("deviceId", device_id()), path("peripheralId", any())],
            None,
        ),
        op(
            Method::PUT,
            "/devices/{deviceId}/{peripheralId}",
            "AddPeripheral",
            SIMPLE,
            204,
            vec![path("deviceId", device_id()), path("peripheralId", any())],
            None,
        ),
        op(
            Method::GET,
            "/location/anchors",
            "ListAnchors",
            SIMPLE,
            200,
            vec![
                ("pageNextToken", ParamIn::Query, false, any()),
                (
                    "pageLimit",
                    ParamIn::Query,
                    false,
                    json!({"type": "number"}),
                ),
            ],
            None,
        ),
        op(
            Method::POST,
            "/location/anchors",
            "CreateAnchor",
            SIMPLE,
            202,
            vec![],
            Some((
                true,
                json!({"type": "object", "required": ["macAddress", "lat", "lon"], "properties": {
                    "macAddress": {"type": "string"}, "lat": {"type": "number"},
                    "lon": {"type": "number"}, "name": {"type": "string"}}}),
            )),
        ),
        op(
            Method::DELETE,
            "/location/anchors/{macAddress}",
            "DeleteAnchor",
            SIMPLE,
            202,
            vec![path("macAddress", any())],
            None,
        ),
        op(
            Method::GET,
            "/location/anchors/{macAddress}",
            "FetchAnchor",
            SIMPLE,
            200,
            vec![path("macAddress", any())],
            None,
        ),
        op(
            Method::PATCH,
            "/location/anchors/{macAddress}",
            "UpdateAnchor",
            SIMPLE,
            202,
            vec![path("macAddress", any())],
            Some((
                true,
                json!({"type": "object", "properties": {
                    "lat": {"type": "number"}, "lon": {"type": "number"}, "name": {"type": "string"}}}),
            )),
        ),
        op(
            Method::GET,
            "/location/contribute",
            "GetContributions",
            LOCATION,
            200,
            page_params(vec![("pageSort", false, page_sort)]),
            None,
        ),
        op(
            Method::POST,
            "/location/contribute",
            "ContributeLocationData",
            LOCATION,
            200,
            vec![],
            Some((true, contribution)),
        ),
        op(
            Method::DELETE,
            "/location/contribute/{id}",
            "DeleteContribution",
            LOCATION,
            202,
            vec![path("id", json!({"$ref": "#/components/schemas/UUID"}))],
            None,
        ),
        op(
            Method::GET,
            "/status",
            "GetSystemStatus",
            &[],
            200,
            vec![],
            None,
        ),
    ]
}
