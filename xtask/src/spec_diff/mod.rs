//! The change report: an operation-by-operation comparison of two OpenAPI documents (JSON
//! values), for `cargo xtask drift` / `regen` and any other tool that wants to say what upstream
//! changed. It is not a text diff: operations are keyed by `METHOD path`, parameters by name,
//! responses by status code, component schemas by name, and `$ref`s are compared by the name they
//! point at (never inlined), so a change to a shared schema is reported once, on the schema.
//!
//! Every list is sorted, so the output is stable. [`ChangeReport::lines`] renders one change per
//! line, readable in a terminal and in a CI log:
//!
//! ```text
//! + operation GetFoo GET /foo
//! - operation ListBars GET /bars
//! ~ operation ListDevices GET /devices: parameter pageLimit: type integer -> string
//! ~ schema FotaV2JobEvents: enum + SUCCEEDED
//! ```
//!
//! and the report serialises to JSON for machines. Two documents that are equal as JSON values
//! (hence equal after [`nrfcloud_codegen::normalize`]) give an empty report, and any difference at all gives
//! at least one line.

use serde_json::Value;

mod describe;
mod document;
mod model;
mod operations;
mod schemas;

use document::compare_document;
pub use model::ChangeReport;
use operations::compare_operations;
use schemas::compare_schemas;

/// Compares two OpenAPI documents, operation by operation and schema by schema.
pub fn compare(old: &Value, new: &Value) -> ChangeReport {
    let mut report = ChangeReport::default();
    compare_operations(old, new, &mut report);
    compare_schemas(old, new, &mut report);
    compare_document(old, new, &mut report);
    if report.is_empty() && old != new {
        // Cannot happen with the comparisons above; kept so that a difference is never silent.
        report.document.push("other changes".into());
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas}
        })
    }

    fn op(id: &str) -> Value {
        json!({"operationId": id, "responses": {"200": {"description": "ok"}}})
    }

    fn list_devices(limit_type: &str) -> Value {
        json!({"operationId": "ListDevices",
            "parameters": [{"name": "pageLimit", "in": "query", "schema": {"type": limit_type}}],
            "responses": {"200": {"description": "ok", "content": {"application/json":
                {"schema": {"$ref": "#/components/schemas/Devices"}}}}}})
    }

    #[test]
    fn equal_documents_give_an_empty_report() {
        let a = doc(
            json!({"/devices": {"get": list_devices("integer")}}),
            json!({}),
        );
        // Same content, keys written in another order.
        let b: Value =
            serde_json::from_str(&nrfcloud_codegen::normalize::normalize_document(&a)).unwrap();
        let report = compare(&a, &b);
        assert!(report.is_empty(), "{report}");
        assert!(report.lines().is_empty());
    }

    #[test]
    fn operations_added_removed_and_changed_in_sorted_lines() {
        let old = doc(
            json!({"/devices": {"get": list_devices("integer")}, "/bars": {"get": op("ListBars")}}),
            json!({}),
        );
        let new = doc(
            json!({"/foo": {"get": op("GetFoo")}, "/devices": {"get": list_devices("string")},
                   "/a": {"post": op("PostA"), "delete": op("DeleteA")}}),
            json!({}),
        );
        let report = compare(&old, &new);
        assert_eq!(
            report.lines(),
            vec![
                "+ operation DeleteA DELETE /a",
                "+ operation PostA POST /a",
                "+ operation GetFoo GET /foo",
                "- operation ListBars GET /bars",
                "~ operation ListDevices GET /devices: parameter pageLimit: type integer -> string",
            ]
        );
        assert_eq!(
            report.summary(),
            "operations: 3 added, 1 removed, 1 changed; schemas: 0 added, 0 removed, 0 changed; document: 0 changes"
        );
    }

    #[test]
    fn parameters_body_responses_security_and_deprecation() {
        let old = doc(
            json!({"/d/{id}": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "put": {"operationId": "Put",
                    "parameters": [{"name": "a", "in": "query", "schema": {"type": "string"}},
                                   {"name": "b", "in": "query", "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}},
                                  "500": {"description": "err"}},
                    "security": [{"Simple Token": []}]}}}),
            json!({}),
        );
        let new = doc(
            json!({"/d/{id}": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                "put": {"operationId": "Put", "deprecated": true,
                    "parameters": [{"name": "a", "in": "header", "required": true, "schema": {"type": "string"}},
                                   {"name": "c", "in": "query", "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/In2"}},
                                                                  "text/plain": {"schema": {"type": "string"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}},
                                                                          "application/octet-stream": {}}},
                                  "404": {"description": "missing"}},
                    "security": [{"Simple Token": []}, {"JSON Web Token": []}]}}}),
            json!({}),
        );
        let report = compare(&old, &new);
        let lines: Vec<String> = report
            .lines()
            .into_iter()
            .map(|l| l.replace("~ operation Put PUT /d/{id}: ", ""))
            .collect();
        assert_eq!(
            lines,
            vec![
                "parameter + c (query)",
                "parameter - b (query)",
                "parameter a: in query -> header",
                "parameter a: required false -> true",
                "parameter id: type string -> string (uuid)",
                "request body: required false -> true",
                "request body: content + text/plain",
                "request body: application/json: ref In -> In2",
                "response + 404",
                "response - 500",
                "response 200: content + application/octet-stream",
                "security Simple Token -> Simple Token | JSON Web Token",
                "deprecated false -> true",
                // The path-level parameter list changed too.
                "~ document: path /d/{id}: parameters changed",
            ]
        );
    }

    #[test]
    fn schemas_added_removed_and_changed() {
        let old = doc(
            json!({}),
            json!({
                "Gone": {"type": "string"},
                "FotaV2JobEvents": {"type": "string", "enum": ["QUEUED", "FAILED"]},
                "Device": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"},
                    "state": {"$ref": "#/components/schemas/State"},
                    "tags": {"type": "array", "items": {"type": "string"}}}}
            }),
        );
        let new = doc(
            json!({}),
            json!({
                "New": {"type": "integer"},
                "FotaV2JobEvents": {"type": "string", "enum": ["QUEUED", "SUCCEEDED"]},
                "Device": {"type": "object", "required": ["id", "size"], "properties": {
                    "id": {"type": "integer"}, "size": {"type": "integer"},
                    "state": {"$ref": "#/components/schemas/State2"},
                    "tags": {"type": "array", "items": {"type": "integer"}}}}
            }),
        );
        let report = compare(&old, &new);
        assert_eq!(
            report.lines(),
            vec![
                "+ schema New",
                "- schema Gone",
                "~ schema Device: required + size",
                "~ schema Device: property + size",
                "~ schema Device: property - name",
                "~ schema Device: property id: type string -> integer",
                "~ schema Device: property state: ref State -> State2",
                "~ schema Device: property tags: items: type string -> integer",
                "~ schema FotaV2JobEvents: enum + SUCCEEDED",
                "~ schema FotaV2JobEvents: enum - FAILED",
            ]
        );
    }

    #[test]
    fn refs_are_compared_by_name_not_inlined() {
        let old = doc(
            json!({"/devices": {"get": list_devices("integer")}}),
            json!({"Devices": {"type": "array", "items": {"type": "string"}}}),
        );
        let mut new = old.clone();
        new["components"]["schemas"]["Devices"]["items"] = json!({"type": "integer"});
        let report = compare(&old, &new);
        assert!(report.operations_changed.is_empty(), "{report}");
        assert_eq!(
            report.lines(),
            vec!["~ schema Devices: items: type string -> integer"]
        );
    }

    #[test]
    fn documentation_and_document_level_changes_are_not_silent() {
        let old = doc(json!({"/foo": {"get": op("GetFoo")}}), json!({}));
        let mut new = old.clone();
        new["paths"]["/foo"]["get"]["description"] = json!("Now documented.");
        new["info"]["version"] = json!("2");
        new["openapi"] = json!("3.0.4");
        let report = compare(&old, &new);
        assert_eq!(
            report.lines(),
            vec![
                "~ operation GetFoo GET /foo: description added",
                "~ document: info: version 1 -> 2",
                "~ document: openapi 3.0.3 -> 3.0.4",
            ]
        );
    }

    #[test]
    fn serialises_for_machines() {
        let old = doc(json!({"/bars": {"get": op("ListBars")}}), json!({}));
        let new = doc(json!({"/foo": {"get": op("GetFoo")}}), json!({}));
        let value = serde_json::to_value(compare(&old, &new)).unwrap();
        assert_eq!(
            value["operations_added"],
            json!([{"operation_id": "GetFoo", "method": "GET", "path": "/foo"}])
        );
        assert_eq!(value["operations_removed"][0]["operation_id"], "ListBars");
        assert_eq!(value["schemas_changed"], json!([]));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        let weird = [
            json!(null),
            json!([1, 2]),
            json!({"paths": 3}),
            json!({"paths": {"/x": 1, "/y": {"get": "nope", "parameters": 5}}}),
            json!({"components": {"schemas": [1], "parameters": 2}}),
            json!({"paths": {"/z": {"get": {"parameters": [1, {"$ref": 2}], "responses": [], "requestBody": 7}}}}),
        ];
        for a in &weird {
            for b in &weird {
                let report = compare(a, b);
                assert_eq!(report.is_empty(), a == b, "{a} vs {b}: {report}");
            }
        }
    }
}
