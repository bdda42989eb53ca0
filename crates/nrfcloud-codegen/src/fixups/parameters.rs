//! Parameter declarations that do not match what the API takes.

use serde_json::{Value, json};

use super::util::{for_each_operation, label};
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
}
