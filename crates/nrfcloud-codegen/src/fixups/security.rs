//! Operations the document declares without security although the service needs a credential.

use serde_json::{Value, json};

use super::util::{for_each_operation, label};
use super::{Fixup, Rewrites};

/// The operations that need the team's API key although the document declares none, with the
/// evidence for each. GetLocationHistory: every curl example of the documentation sends
/// `Authorization: Bearer $API_KEY`, and "† Requires admin privileges" marks the all-devices
/// forms. DeleteLocationHistory: the same tag, the same records, no example of its own; an
/// anonymous delete of any device's history is not something the service does.
pub const API_KEY_OPERATIONS: &[&str] = &["GetLocationHistory", "DeleteLocationHistory"];

/// The security scheme of the team's API key.
const SIMPLE_TOKEN: &str = "Simple Token";

/// Quirk: GetLocationHistory and DeleteLocationHistory declare `security: []`, so a generated
/// client sends them with no `Authorization` header (the service answers 401), although the
/// documentation's own curl examples send the API key. They get `[{"Simple Token": []}]`.
/// An operation that already declares a credential is left alone (no-op once upstream fixes
/// it); the build warns for each one changed, since it overrides the document.
pub const API_KEY_FOR_LOCATION_HISTORY: Fixup = Fixup {
    name: "api_key_for_location_history",
    quirk: "GetLocationHistory / DeleteLocationHistory declare no security, but the curl examples send the API key",
    run: api_key_for_location_history,
};

fn api_key_for_location_history(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let global_security = doc.get("security").cloned();
    let has_scheme = doc
        .pointer("/components/securitySchemes")
        .and_then(|s| s.get(SIMPLE_TOKEN))
        .is_some();
    if !has_scheme {
        return if has_any(doc) {
            Err(format!(
                "the document has no `{SIMPLE_TOKEN}` security scheme to declare"
            ))
        } else {
            Ok(())
        };
    }
    for_each_operation(doc, |path, method, op| {
        let Some(id) = op.get("operationId").and_then(Value::as_str) else {
            return Ok(());
        };
        if !API_KEY_OPERATIONS.contains(&id) {
            return Ok(());
        }
        let declared = op.get("security").or(global_security.as_ref());
        let has_credential = declared.and_then(Value::as_array).is_some_and(|alts| {
            alts.iter()
                .any(|a| a.as_object().is_some_and(|o| !o.is_empty()))
        });
        if has_credential {
            return Ok(());
        }
        let at = label(path, method, op);
        op.insert("security".into(), json!([{ SIMPLE_TOKEN: [] }]));
        // Overrides what the document says: a warning line in the build, like a lossy change.
        log.lossy(
            at,
            "security: none declared -> Simple Token (the API key, as every curl example sends)",
        );
        Ok(())
    })
}

/// True when one of [`API_KEY_OPERATIONS`] is in the document.
fn has_any(doc: &Value) -> bool {
    crate::spec::operations(doc).iter().any(|(_, _, op)| {
        op.get("operationId")
            .and_then(Value::as_str)
            .is_some_and(|id| API_KEY_OPERATIONS.contains(&id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;

    fn history_spec(security: Value) -> Value {
        let mut get = ok_json("GetLocationHistory", json!({"type": "object"}));
        get["security"] = security.clone();
        let mut delete = json!({
            "operationId": "DeleteLocationHistory",
            "parameters": [
                {"name": "deviceId", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
            ],
            "responses": {"202": {"description": "ok"}}
        });
        delete["security"] = security;
        let mut other = ok_json("GetSystemStatus", json!({"type": "object"}));
        other["security"] = json!([]);
        let mut doc = tiny_spec(json!({
            "/location/history": {"get": get},
            "/location/history/{deviceId}/{id}": {"delete": delete},
            "/status": {"get": other}
        }));
        doc["components"]["securitySchemes"] =
            json!({"Simple Token": {"type": "http", "scheme": "bearer"}});
        doc
    }

    #[test]
    fn both_history_operations_get_the_api_key() {
        let mut doc = history_spec(json!([]));
        let report = run_one(&API_KEY_FOR_LOCATION_HISTORY, &mut doc);
        assert_eq!(report.rewrites.len(), 2);
        assert!(report.rewrites.iter().all(|r| r.lossy), "the build warns");
        for pointer in [
            "/paths/~1location~1history/get/security",
            "/paths/~1location~1history~1{deviceId}~1{id}/delete/security",
        ] {
            assert_eq!(doc.pointer(pointer), Some(&json!([{"Simple Token": []}])));
        }
        assert_eq!(
            doc.pointer("/paths/~1status/get/security"),
            Some(&json!([])),
            "operations that really need none are left alone"
        );
        // progenitor still generates, and the operation table now says the API key.
        try_generate(&doc).expect("generates");
        let table = crate::operation_table::from_document(&doc);
        let history = table
            .iter()
            .find(|o| o.operation_id == "GetLocationHistory")
            .unwrap();
        assert_eq!(history.security, vec![vec!["Simple Token".to_owned()]]);
    }

    #[test]
    fn a_missing_security_key_counts_as_none() {
        let mut doc = history_spec(json!([]));
        let get = doc
            .pointer_mut("/paths/~1location~1history/get")
            .and_then(Value::as_object_mut)
            .unwrap();
        get.remove("security");
        let report = run_one(&API_KEY_FOR_LOCATION_HISTORY, &mut doc);
        assert_eq!(report.rewrites.len(), 2);
    }

    #[test]
    fn no_op_once_upstream_declares_a_credential() {
        let mut doc = history_spec(json!([{"Simple Token": []}, {"JSON Web Token": []}]));
        let report = run_one(&API_KEY_FOR_LOCATION_HISTORY, &mut doc);
        assert_eq!(report.no_ops, vec!["api_key_for_location_history"]);
        assert_eq!(
            doc.pointer("/paths/~1location~1history/get/security"),
            Some(&json!([{"Simple Token": []}, {"JSON Web Token": []}])),
            "what upstream declares is kept"
        );
    }

    #[test]
    fn fails_without_the_scheme_to_declare() {
        let mut doc = history_spec(json!([]));
        doc["components"]
            .as_object_mut()
            .unwrap()
            .remove("securitySchemes");
        let e = super::super::apply(&mut doc, &[API_KEY_FOR_LOCATION_HISTORY]).unwrap_err();
        assert!(e.message.contains("Simple Token"), "{e}");
    }
}
