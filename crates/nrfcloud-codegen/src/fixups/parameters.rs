//! Parameter declarations that do not match what the API takes.

use serde_json::{Value, json};

use super::util::{for_each_operation, label, schemas_snapshot};
use super::{Fixup, Rewrites};

/// Quirk: `transform` (ListDevices, ListDeviceTags, FetchDevice) is declared as an array of
/// strings, but it is one JSONata expression ("not a true array of strings"). As an array,
/// progenitor would make callers pass a `Vec` and could split the expression.
pub const TRANSFORM_PARAMETER_IS_A_STRING: Fixup = Fixup {
    name: "transform_parameter_is_a_string",
    quirk: "`transform` query parameter declared as array of strings, but is one JSONata expression",
    run: transform_parameter_is_a_string,
};

fn transform_parameter_is_a_string(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            return Ok(());
        };
        for p in params.iter_mut() {
            if p["name"] == "transform"
                && p["in"] == "query"
                && p.pointer("/schema/type") == Some(&json!("array"))
            {
                p["schema"] = json!({"type": "string"});
                log.note(&at, "query parameter transform: array of strings -> string");
            }
        }
        Ok(())
    })
}

/// Quirk: UpdateDeviceState takes an optional `If-Match` header (the shadow version, for
/// optimistic concurrency; the documentation's curl example sends it) that the document does
/// not declare, so a generated client could not send it.
pub const DECLARE_IF_MATCH_ON_UPDATE_DEVICE_STATE: Fixup = Fixup {
    name: "declare_if_match_on_update_device_state",
    quirk: "UpdateDeviceState's If-Match header is undeclared",
    run: declare_if_match_on_update_device_state,
};

fn declare_if_match_on_update_device_state(
    doc: &mut Value,
    log: &mut Rewrites,
) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        if op.get("operationId").and_then(Value::as_str) != Some("UpdateDeviceState") {
            return Ok(());
        }
        let at = label(path, method, op);
        let params = op.entry("parameters").or_insert_with(|| json!([]));
        let Some(params) = params.as_array_mut() else {
            return Err(format!("{at}: parameters is not an array"));
        };
        let declared = params.iter().any(|p| {
            p["in"] == "header"
                && p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("if-match"))
        });
        if !declared {
            params.push(json!({
                "name": "If-Match",
                "in": "header",
                "required": false,
                "description": "The `$meta.version` of the device state this update is based on; a stale version is rejected.",
                "schema": {"type": "integer", "format": "int64", "minimum": 0}
            }));
            log.note(
                at,
                "declared optional header parameter If-Match (integer shadow version)",
            );
        }
        Ok(())
    })
}

/// Quirk: DeleteFirmware's `bundleId` path parameter has an empty schema (the documentation
/// shows its type as "any"). progenitor types it as `serde_json::Value` and writes it into
/// the URL as JSON, quotes included (`/v1/firmwares/%22APP*…%22`), so the call can never
/// name a bundle. A path parameter with an empty schema takes the component schema named
/// like it (`bundleId` -> `BundleId`, with the bundle-id pattern of the documentation) when
/// there is one, else `{type: string}`: a path segment is always text.
pub const PATH_PARAMETERS_ARE_STRINGS: Fixup = Fixup {
    name: "path_parameters_are_strings",
    quirk: "path parameters with an empty schema (DeleteFirmware's bundleId) become JSON values",
    run: path_parameters_are_strings,
};

/// A schema that says nothing about its value (`{}`, or only a description or example).
fn is_untyped(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return schema == &Value::Bool(true);
    };
    ![
        "type",
        "$ref",
        "oneOf",
        "anyOf",
        "allOf",
        "enum",
        "not",
        "format",
        "pattern",
        "properties",
        "items",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
}

/// `bundleId` -> `BundleId`.
fn schema_name_for(parameter: &str) -> String {
    let mut chars = parameter.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn path_parameters_are_strings(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let schemas = schemas_snapshot(doc);
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            return Ok(());
        };
        for p in params.iter_mut() {
            if p["in"] != "path" || !p.get("schema").is_none_or(is_untyped) {
                continue;
            }
            let name = p["name"].as_str().unwrap_or_default().to_string();
            let component = schema_name_for(&name);
            let (schema, what) = match schemas.get(&component) {
                Some(s) if s.get("type") == Some(&json!("string")) => (
                    json!({"$ref": format!("#/components/schemas/{component}")}),
                    format!("the string schema {component}"),
                ),
                _ => (json!({"type": "string"}), "a string".to_string()),
            };
            p["schema"] = schema;
            log.note(
                &at,
                format!("path parameter {name}: empty schema (a JSON value) -> {what}"),
            );
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;

    #[test]
    fn transform_becomes_a_single_string() {
        let mut op = ok_json("ListDevices", json!({}));
        op["parameters"] = json!([{"name": "transform", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}]);
        let mut doc = tiny_spec(json!({"/devices": {"get": op}}));
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains("Vec<::std::string::String>"),
            "without the fixup transform is a Vec"
        );
        run_one(&TRANSFORM_PARAMETER_IS_A_STRING, &mut doc);
        let after = try_generate(&doc).unwrap();
        assert!(!after.contains("Vec<::std::string::String>"));
    }

    #[test]
    fn if_match_is_declared_once() {
        let mut doc = tiny_spec(json!({"/devices/{id}/state": {"patch": {
            "operationId": "UpdateDeviceState",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"202": {"description": "ok"}}
        }}}));
        assert!(!try_generate(&doc).unwrap().contains("If-Match"));
        let report = run_one(&DECLARE_IF_MATCH_ON_UPDATE_DEVICE_STATE, &mut doc);
        assert_eq!(report.rewrites.len(), 1);
        assert!(try_generate(&doc).unwrap().contains("\"If-Match\""));
        let again = run_one(&DECLARE_IF_MATCH_ON_UPDATE_DEVICE_STATE, &mut doc);
        assert_eq!(again.no_ops.len(), 1, "no-op once upstream declares it");
    }

    #[test]
    fn an_untyped_path_parameter_becomes_its_string_schema() {
        let op = |name: &str| {
            json!({
                "operationId": format!("Delete{name}"),
                "parameters": [{"name": name, "in": "path", "required": true, "schema": {}}],
                "responses": {"202": {"description": "ok"}}
            })
        };
        let mut doc = tiny_spec(json!({
            "/firmwares/{bundleId}": {"delete": op("bundleId")},
            "/things/{thingId}": {"delete": op("thingId")},
        }));
        doc["components"]["schemas"]["BundleId"] =
            json!({"type": "string", "pattern": "^(APP|MODEM)\\*[0-9a-zA-Z]{8}\\*.*$"});
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains("bundle_id: Result<::serde_json::Value, String>"),
            "without the fixup the id is a JSON value: {before}"
        );
        let report = run_one(&PATH_PARAMETERS_ARE_STRINGS, &mut doc);
        assert_eq!(report.rewrites.len(), 2, "{:?}", report.rewrites);
        assert!(
            report.lossy().next().is_none(),
            "adds a type, drops nothing"
        );
        let after = try_generate(&doc).unwrap();
        assert!(!after.contains("::serde_json::Value"), "{after}");
        assert!(
            after.contains("bundle_id: Result<types::BundleId, String>"),
            "{after}"
        );
        assert!(
            after.contains("thing_id: Result<::std::string::String, String>"),
            "{after}"
        );
        let again = run_one(&PATH_PARAMETERS_ARE_STRINGS, &mut doc);
        assert_eq!(again.no_ops.len(), 1, "no-op once upstream types it");
    }
}
