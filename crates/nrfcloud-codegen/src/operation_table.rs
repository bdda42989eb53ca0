//! The per-operation table, derived from the (fixed-up) document and emitted as Rust for the
//! raw crate and the wrapper: never a hand-kept list.

use serde_json::Value;

use crate::spec;

/// One operation of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationMeta {
    /// operationId after fixups (unique): the generated method is its snake_case form.
    pub operation_id: String,
    /// operationId as upstream spells it (differs for renamed duplicates).
    pub original_operation_id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path relative to the server URL (`/devices/{deviceId}`).
    pub path: String,
    /// First tag, if any.
    pub tag: Option<String>,
    /// Accepted security alternatives; each is a list of scheme names that must all be present.
    /// Empty means the operation needs no credentials.
    pub security: Vec<Vec<String>>,
    /// Marked `deprecated` upstream.
    pub deprecated: bool,
    /// Takes a `pageNextToken` query parameter.
    pub paginated: bool,
    /// Media type of a non-JSON success response (binary downloads), sent as `Accept`.
    pub accept: Option<String>,
    /// Its response bodies hold a secret (a private key or a token), by the rule of
    /// [`crate::secrets`]; set after generation, from the generated types.
    pub secret_response: bool,
}

/// Reads the table off a document (normally the fixed-up one, so ids are unique).
pub fn from_document(doc: &Value) -> Vec<OperationMeta> {
    let global_security = doc.get("security");
    spec::operations(doc)
        .into_iter()
        .map(|(path, method, op)| {
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let original = op
                .get("x-original-operation-id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| id.clone());
            let security = op
                .get("security")
                .or(global_security)
                .and_then(Value::as_array)
                .map(|alts| {
                    alts.iter()
                        .filter_map(Value::as_object)
                        .map(|req| req.keys().cloned().collect::<Vec<_>>())
                        .filter(|names| !names.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let paginated = op
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["name"] == "pageNextToken" && p["in"] == "query")
                });
            OperationMeta {
                operation_id: id,
                original_operation_id: original,
                method: method.to_uppercase(),
                path: path.to_string(),
                tag: op
                    .pointer("/tags/0")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                security,
                deprecated: op
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                paginated,
                accept: binary_accept(op),
                secret_response: false,
            }
        })
        .collect()
}

/// The non-JSON media type of the operation's success response, if it has one.
fn binary_accept(op: &Value) -> Option<String> {
    let responses = op.get("responses")?.as_object()?;
    responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .filter_map(|(_, r)| r.get("content")?.as_object())
        .flat_map(|c| c.keys())
        .find(|mt| !mt.starts_with("application/json"))
        .cloned()
}

/// snake_case of an operationId, as progenitor names the client method.
pub fn method_name(operation_id: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = operation_id.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// Rust source of the table, for `include!` into the raw crate (`crate::operations`).
pub fn to_rust(ops: &[OperationMeta]) -> String {
    let mut s =
        String::from("// Generated by nrfcloud-codegen from spec/openapi.json. Do not edit.\n");
    s.push_str("pub static OPERATIONS: &[Operation] = &[\n");
    for op in ops {
        let security = op
            .security
            .iter()
            .map(|alt| {
                format!(
                    "&[{}]",
                    alt.iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        s.push_str(&format!(
            "    Operation {{ operation_id: {:?}, original_operation_id: {:?}, method_name: {:?}, method: {:?}, path: {:?}, tag: {:?}, security: &[{}], deprecated: {}, paginated: {}, accept: {:?}, secret_response: {} }},\n",
            op.operation_id,
            op.original_operation_id,
            method_name(&op.operation_id),
            op.method,
            op.path,
            op.tag.as_deref().unwrap_or(""),
            security,
            op.deprecated,
            op.paginated,
            op.accept,
            op.secret_response,
        ));
    }
    s.push_str("];\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn method_names_follow_progenitor() {
        assert_eq!(method_name("FetchDevice"), "fetch_device");
        assert_eq!(method_name("ListFOTAJobs"), "list_fota_jobs");
        assert_eq!(
            method_name("StartScanForBLEDevices"),
            "start_scan_for_ble_devices"
        );
        assert_eq!(
            method_name("GetAssistanceDataAgps"),
            "get_assistance_data_agps"
        );
    }

    #[test]
    fn reads_security_pagination_and_binary_accept() {
        let doc = json!({"openapi": "3.0.3", "paths": {"/a": {"get": {
            "operationId": "A", "tags": ["T"], "deprecated": true,
            "security": [{"Simple Token": []}, {"JSON Web Token": []}],
            "parameters": [{"name": "pageNextToken", "in": "query", "schema": {"type": "string"}}],
            "responses": {"206": {"description": "", "content": {"application/octet-stream": {}}}}
        }, "head": {"operationId": "B", "security": [], "responses": {}}}}});
        let ops = from_document(&doc);
        assert_eq!(ops.len(), 2);
        assert_eq!(
            ops[0].security,
            vec![
                vec!["Simple Token".to_string()],
                vec!["JSON Web Token".to_string()]
            ]
        );
        assert!(ops[0].paginated && ops[0].deprecated);
        assert_eq!(ops[0].accept.as_deref(), Some("application/octet-stream"));
        assert!(ops[1].security.is_empty() && !ops[1].paginated);
        assert!(to_rust(&ops).contains("method_name: \"a\""));
    }
}
