//! Checks of the committed document `spec/openapi.json`: version, the operations of the API
//! documentation and the ones it does not show, normal form, and that every example validates
//! against its own schema.

use serde_json::{Value, json};

const SPEC: &str = include_str!("../spec/openapi.json");

/// (operationId, method, path) of the 61 operations of the API documentation.
const DOCUMENTED: [(&str, &str, &str); 61] = [
    ("FetchAccountInfo", "GET", "/account"),
    (
        "GetServiceEvaluationToken",
        "GET",
        "/account/service-evaluation-token",
    ),
    (
        "GenerateServiceEvaluationToken",
        "POST",
        "/account/service-evaluation-token",
    ),
    (
        "GenerateServiceKeyAndToken",
        "POST",
        "/account/service-key-and-token",
    ),
    ("GetServiceToken", "GET", "/account/service-token"),
    ("ListTags", "GET", "/account/tags"),
    ("ListDeviceAlerts", "GET", "/alerts"),
    ("ArchiveDeviceAlert", "PATCH", "/alerts/{id}/archive"),
    ("RestoreDeviceAlert", "PATCH", "/alerts/{id}/restore"),
    ("AssociateDevice", "PUT", "/association/{deviceId}"),
    ("FetchBinaryLogsUrl", "GET", "/binary-logs/url"),
    ("ListBulkOpsRequests", "GET", "/bulk-ops-requests"),
    (
        "FetchBulkOpsRequest",
        "GET",
        "/bulk-ops-requests/{bulkOpsRequestId}",
    ),
    ("ListDevices", "GET", "/devices"),
    ("OnboardDevices", "POST", "/devices"),
    ("RegisterCertificates", "POST", "/devices/certificates"),
    ("CreateMqttTeamDevice", "POST", "/devices/mqtt-team"),
    (
        "DeleteMqttTeamDevice",
        "DELETE",
        "/devices/mqtt-team/{deviceId}",
    ),
    (
        "GetMqttTeamDeviceCertificate",
        "GET",
        "/devices/mqtt-team/{deviceId}",
    ),
    (
        "RotateMqttTeamDeviceCertificate",
        "PATCH",
        "/devices/mqtt-team/{deviceId}",
    ),
    ("RegisterPublicKeys", "POST", "/devices/public-keys"),
    ("ListDeviceTags", "GET", "/devices/tags"),
    ("DeleteDevice", "DELETE", "/devices/{deviceId}"),
    ("FetchDevice", "GET", "/devices/{deviceId}"),
    ("OnboardDevice", "POST", "/devices/{deviceId}"),
    ("DeleteDeviceImage", "DELETE", "/devices/{deviceId}/image"),
    ("UpdateDeviceImage", "PUT", "/devices/{deviceId}/image"),
    ("SendDeviceMessage", "POST", "/devices/{deviceId}/messages"),
    ("UpdateDeviceName", "PUT", "/devices/{deviceId}/name"),
    ("UpdateDeviceState", "PATCH", "/devices/{deviceId}/state"),
    ("UpdateDeviceTags", "PUT", "/devices/{deviceId}/tags"),
    ("ListFirmware", "GET", "/firmwares"),
    ("UploadFirmware", "POST", "/firmwares"),
    ("DeleteFirmware", "DELETE", "/firmwares/{bundleId}"),
    (
        "ListFOTAJobExecutionStatuses",
        "GET",
        "/fota-job-execution-statuses/{jobId}",
    ),
    (
        "ListFOTAJobExecutionsForDevice",
        "GET",
        "/fota-job-executions/{deviceId}",
    ),
    (
        "FetchCurrentPendingFOTAJobExecution",
        "GET",
        "/fota-job-executions/{deviceId}/current",
    ),
    (
        "FetchFOTAJobExecution",
        "GET",
        "/fota-job-executions/{deviceId}/{jobId}",
    ),
    (
        "UpdateFOTAJobExecutionStatus",
        "PATCH",
        "/fota-job-executions/{deviceId}/{jobId}",
    ),
    ("ListFOTAJobs", "GET", "/fota-jobs"),
    ("CreateFOTAJob", "POST", "/fota-jobs"),
    ("DeleteFOTAJob", "DELETE", "/fota-jobs/{jobId}"),
    ("FetchFOTAJob", "GET", "/fota-jobs/{jobId}"),
    ("ApplyFOTAJob", "POST", "/fota-jobs/{jobId}/apply"),
    ("CancelFOTAJob", "PUT", "/fota-jobs/{jobId}/cancel"),
    ("GetAssistanceDataSize", "HEAD", "/location/agnss"),
    ("GetAssistanceData", "POST", "/location/agnss"),
    ("GetAssistanceData", "GET", "/location/agps"),
    ("GetFileSize", "HEAD", "/location/agps"),
    ("GetLocationFromCells", "POST", "/location/cell"),
    ("GetAddressDataFromCoordinates", "GET", "/location/geo"),
    ("RecordGnssCoordinates", "POST", "/location/gnss"),
    (
        "GetLocationFromCellsOrWifiNetworks",
        "POST",
        "/location/ground-fix",
    ),
    ("GetLocationHistory", "GET", "/location/history"),
    (
        "DeleteLocationHistory",
        "DELETE",
        "/location/history/{deviceId}/{id}",
    ),
    ("GetPredictedAssistanceData", "GET", "/location/pgnss"),
    ("GetPredictedAssistanceData", "GET", "/location/pgps"),
    ("GetSingleCellLocation", "GET", "/location/single-cell"),
    ("GetLocationFromWifiNetworks", "POST", "/location/wifi"),
    ("ListMessages", "GET", "/messages"),
    ("GetSpec", "GET", "/openapi.json"),
];

/// (operationId, method, path) of the 21 operations of the live document that the API
/// documentation does not show (`in_seed = no` in the operation facts).
const EXTRA: [(&str, &str, &str); 21] = [
    ("ListInvoices", "GET", "/account/invoices"),
    ("ListApiUsage", "GET", "/account/usage"),
    ("FetchApiUsageSummary", "GET", "/account/usage/summary"),
    ("DissociateDevice", "DELETE", "/association/{deviceId}"),
    (
        "CreateDeviceCertificate",
        "POST",
        "/devices/{deviceId}/certificates",
    ),
    (
        "FetchCharacteristicValue",
        "GET",
        "/devices/{deviceId}/characteristics/{characteristicId}",
    ),
    (
        "UpdateCharacteristicValue",
        "PUT",
        "/devices/{deviceId}/characteristics/{characteristicId}",
    ),
    (
        "FetchCharacteristicDescriptorValue",
        "GET",
        "/devices/{deviceId}/characteristics/{characteristicId}/descriptors/{descriptorId}",
    ),
    (
        "UpdateCharacteristicDescriptorValue",
        "PUT",
        "/devices/{deviceId}/characteristics/{characteristicId}/descriptors/{descriptorId}",
    ),
    ("StartScanForBLEDevices", "POST", "/devices/{deviceId}/scan"),
    (
        "StartPeripheralDiscovery",
        "POST",
        "/devices/{gatewayId}/discover/{peripheralId}",
    ),
    (
        "AddPeripheral",
        "PUT",
        "/devices/{gatewayId}/{peripheralId}",
    ),
    ("ListAnchors", "GET", "/location/anchors"),
    ("CreateAnchor", "POST", "/location/anchors"),
    ("DeleteAnchor", "DELETE", "/location/anchors/{macAddress}"),
    ("FetchAnchor", "GET", "/location/anchors/{macAddress}"),
    ("UpdateAnchor", "PATCH", "/location/anchors/{macAddress}"),
    ("GetContributions", "GET", "/location/contribute"),
    ("ContributeLocationData", "POST", "/location/contribute"),
    ("DeleteContribution", "DELETE", "/location/contribute/{id}"),
    ("GetSystemStatus", "GET", "/status"),
];

/// (operationId, method, path) of the 12 operations marked deprecated upstream: 4 documented,
/// 8 of [`EXTRA`].
const DEPRECATED: [(&str, &str, &str); 12] = [
    ("DissociateDevice", "DELETE", "/association/{deviceId}"),
    (
        "FetchCharacteristicValue",
        "GET",
        "/devices/{deviceId}/characteristics/{characteristicId}",
    ),
    (
        "UpdateCharacteristicValue",
        "PUT",
        "/devices/{deviceId}/characteristics/{characteristicId}",
    ),
    (
        "FetchCharacteristicDescriptorValue",
        "GET",
        "/devices/{deviceId}/characteristics/{characteristicId}/descriptors/{descriptorId}",
    ),
    (
        "UpdateCharacteristicDescriptorValue",
        "PUT",
        "/devices/{deviceId}/characteristics/{characteristicId}/descriptors/{descriptorId}",
    ),
    ("StartScanForBLEDevices", "POST", "/devices/{deviceId}/scan"),
    (
        "StartPeripheralDiscovery",
        "POST",
        "/devices/{gatewayId}/discover/{peripheralId}",
    ),
    (
        "AddPeripheral",
        "PUT",
        "/devices/{gatewayId}/{peripheralId}",
    ),
    ("GetAssistanceData", "GET", "/location/agps"),
    ("GetFileSize", "HEAD", "/location/agps"),
    ("GetPredictedAssistanceData", "GET", "/location/pgps"),
    ("GetSingleCellLocation", "GET", "/location/single-cell"),
];

fn doc() -> Value {
    serde_json::from_str(SPEC).expect("spec/openapi.json is JSON")
}

#[test]
fn parses_with_openapiv3_as_3_0() {
    let api: openapiv3::OpenAPI =
        serde_json::from_str(SPEC).expect("openapiv3 parses the document");
    assert!(api.openapi.starts_with("3.0."), "version {}", api.openapi);
    assert_eq!(api.info.title, "nRF Cloud REST API");
    assert_eq!(api.info.version, "v1");
    assert_eq!(api.servers[0].url, "https://api.nrfcloud.com/v1");
    let schemes = &api
        .components
        .as_ref()
        .expect("components")
        .security_schemes;
    for name in ["Simple Token", "JSON Web Token", "Service Evaluation Token"] {
        assert!(schemes.contains_key(name), "security scheme {name}");
    }
    let description = api.info.description.as_deref().unwrap_or("");
    for code in ["40000", "40005", "40100", "40499", "41600", "42200"] {
        assert!(
            description.contains(code),
            "error code {code} in info.description"
        );
    }
}

/// (operationId, METHOD, path) of every operation in the document.
fn operations(doc: &Value) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                found.push((id.to_string(), method.to_uppercase(), path.clone()));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn holds_exactly_the_documented_operations() {
    let doc = doc();
    let found = operations(&doc);
    for &(id, method, path) in DOCUMENTED.iter().chain(EXTRA.iter()) {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert_eq!(op["operationId"], id, "{method} {path}");
        assert!(op["tags"][0].is_string(), "{id} has a tag");
        assert!(
            op["summary"].is_string() && op["description"].is_string(),
            "{id} has a summary and a description"
        );
        assert!(op["security"].is_array(), "{id} declares its security");
    }
    let mut expected: Vec<(String, String, String)> = DOCUMENTED
        .iter()
        .chain(EXTRA.iter())
        .map(|(i, m, p)| (i.to_string(), m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 82);
    assert_eq!(
        found, expected,
        "the document holds exactly the documented operations and the 21 it does not show"
    );
}

#[test]
fn marks_exactly_the_deprecated_operations() {
    let doc = doc();
    let deprecated: Vec<(String, String, String)> = operations(&doc)
        .into_iter()
        .filter(|(_, method, path)| {
            doc["paths"][path][method.to_lowercase()]["deprecated"] == json!(true)
        })
        .collect();
    let mut expected: Vec<(String, String, String)> = DEPRECATED
        .iter()
        .map(|(i, m, p)| (i.to_string(), m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(deprecated, expected);
}

#[test]
fn keeps_the_upstream_quirks() {
    let doc = doc();
    let ids: Vec<&str> = DOCUMENTED.iter().map(|d| d.0).collect();
    assert_eq!(
        ids.iter().filter(|i| **i == "GetAssistanceData").count(),
        2,
        "duplicate operationId kept"
    );
    let onboard = &doc["paths"]["/devices"]["post"];
    assert!(
        onboard["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "content-type")
    );
    assert!(
        onboard["requestBody"]["content"]["application/json"].is_object(),
        "CSV declared as JSON upstream"
    );
    assert!(
        doc["paths"]["/location/agnss"]["head"]["responses"]["200"]["content"]["application/json"]
            .is_object()
    );
    assert!(doc["paths"]["/location/agnss"]["post"]["responses"]["206"].is_object());
    assert_eq!(
        doc["paths"]["/location/history"]["get"]["security"],
        json!([])
    );
    assert_eq!(
        doc["paths"]["/devices/{deviceId}"]["get"]["security"],
        json!([{"Simple Token": []}, {"JSON Web Token": []}])
    );
    let state_params = doc["paths"]["/devices/{deviceId}/state"]["patch"]["parameters"]
        .as_array()
        .unwrap();
    assert!(
        !state_params
            .iter()
            .any(|p| p["name"].as_str().unwrap().eq_ignore_ascii_case("if-match")),
        "If-Match is added by the codegen, not here"
    );
}

#[test]
fn is_stored_in_normal_form() {
    let normal = nrfcloud_codegen::normalize::normalize_text(SPEC).unwrap();
    assert!(
        normal == SPEC,
        "spec/openapi.json is not in the normal form the xtask writes"
    );
}

/// OpenAPI 3.0 schema -> JSON Schema (draft 4): `nullable` becomes a `null` alternative.
fn to_json_schema(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, x) in map {
                if k == "example" || k == "nullable" || k == "discriminator" {
                    continue;
                }
                let converted = if k == "enum" || k == "default" {
                    x.clone()
                } else {
                    to_json_schema(x)
                };
                out.insert(k.clone(), converted);
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::Array(e)) = out.get_mut("enum") {
                    e.push(Value::Null);
                }
                json!({"anyOf": [Value::Object(out), {"type": "null"}]})
            } else {
                Value::Object(out)
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// Every (place, example, schema) in the document.
fn examples(doc: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Some(ex) = schema.get("example") {
            out.push((format!("schema {name}"), ex.clone(), schema.clone()));
        }
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or("?");
            for p in op["parameters"].as_array().into_iter().flatten() {
                if let Some(ex) = p.get("example") {
                    out.push((
                        format!("{id} parameter {}", p["name"]),
                        ex.clone(),
                        p["schema"].clone(),
                    ));
                }
            }
            let mut media = Vec::new();
            if let Some(c) = op["requestBody"]["content"].as_object() {
                media.extend(c.iter().map(|(mt, m)| (format!("request {mt}"), m)));
            }
            for (code, r) in op["responses"].as_object().into_iter().flatten() {
                if let Some(c) = r["content"].as_object() {
                    media.extend(c.iter().map(|(mt, m)| (format!("response {code} {mt}"), m)));
                }
            }
            for (place, m) in media {
                if let Some(ex) = m.get("example") {
                    out.push((
                        format!("{id} {} {path} {place}", method.to_uppercase()),
                        ex.clone(),
                        m["schema"].clone(),
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn every_example_validates_against_its_schema() {
    let doc = doc();
    let components = to_json_schema(&doc["components"]);
    let all = examples(&doc);
    assert!(
        all.len() > 100,
        "the documentation's samples are in the document ({} found)",
        all.len()
    );
    let mut failures = Vec::new();
    for (place, example, schema) in &all {
        let root = json!({"components": components, "allOf": [to_json_schema(schema)]});
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(false)
            .build(&root)
            .unwrap_or_else(|e| panic!("{place}: schema does not compile: {e}"));
        for err in validator.iter_errors(example) {
            failures.push(format!("{place}: {err} at {}", err.instance_path()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) do not match their schema:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_wrong_example_is_caught() {
    // The check above must be able to fail: a schema/example pair that disagrees.
    let schema = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "pattern": "^[a-z]+$"}}});
    let root = json!({"components": {}, "allOf": [to_json_schema(&schema)]});
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&root)
        .unwrap();
    assert!(!validator.is_valid(&json!({"id": "NOT-LOWER"})));
    assert!(validator.is_valid(&json!({"id": "abc"})));
    let nullable = to_json_schema(&json!({"type": "string", "nullable": true}));
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&nullable)
        .unwrap();
    assert!(v.is_valid(&Value::Null));
}
