//! Request bodies: one media type each, and raw bytes/text where upstream declares JSON.

use serde_json::{Map, Value, json};

use super::util::{
    for_each_operation, is_stringish, label, ref_name, request_content_mut, response_contents_mut,
    schemas_snapshot, string_constraints,
};
use super::{Fixup, Rewrites};

/// Quirk: a body (or response) offering several media types makes progenitor panic; it
/// supports exactly one. Keep `application/json` if offered, else `application/octet-stream`,
/// else the first; the others are dropped (lossy).
pub const SINGLE_MEDIA_TYPE: Fixup = Fixup {
    name: "single_media_type",
    quirk: "several media types on one request body or response",
    run: single_media_type,
};

fn pick_one(content: &mut Map<String, Value>) -> Option<Vec<String>> {
    if content.len() <= 1 {
        return None;
    }
    let keep = ["application/json", "application/octet-stream"]
        .iter()
        .find(|k| content.contains_key(**k))
        .map(|k| k.to_string())
        .or_else(|| content.keys().next().cloned())?;
    let dropped: Vec<String> = content.keys().filter(|k| **k != keep).cloned().collect();
    content.retain(|k, _| *k == keep);
    Some(dropped)
}

fn single_media_type(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        if let Some(content) = request_content_mut(op)
            && let Some(dropped) = pick_one(content)
        {
            log.lossy(
                &at,
                format!("request body: dropped media types {dropped:?}"),
            );
        }
        for (code, content) in response_contents_mut(op) {
            if let Some(dropped) = pick_one(content) {
                log.lossy(
                    &at,
                    format!("response {code}: dropped media types {dropped:?}"),
                );
            }
        }
        Ok(())
    })
}

/// Quirk: bodies declared as `text/csv`, `application/zip` (or other non-JSON binary types)
/// and `multipart/*` make progenitor stop with "unexpected content type". They become
/// `application/octet-stream` (raw bytes; the real type is sent through the operation's
/// `content-type` header parameter where it has one).
pub const NON_JSON_BODY_MEDIA_TYPES: Fixup = Fixup {
    name: "non_json_body_media_types",
    quirk: "text/csv, application/zip or multipart request bodies",
    run: non_json_body_media_types,
};

fn non_json_body_media_types(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    const SUPPORTED: [&str; 4] = [
        "application/json",
        "application/octet-stream",
        "text/plain",
        "application/x-www-form-urlencoded",
    ];
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        let Some(content) = request_content_mut(op) else {
            return Ok(());
        };
        let Some(mt) = content.keys().next().cloned() else {
            return Ok(());
        };
        let base = mt
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if SUPPORTED.contains(&base.as_str()) || base.ends_with("+json") {
            return Ok(());
        }
        content.clear();
        content.insert(
            "application/octet-stream".into(),
            json!({"schema": {"type": "string", "format": "binary"}}),
        );
        log.lossy(
            at,
            format!("request body {mt} -> application/octet-stream (raw bytes; schema dropped)"),
        );
        Ok(())
    })
}

/// Quirk: OnboardDevices, RegisterCertificates, RegisterPublicKeys (CSV) and UploadFirmware
/// (zip, raw or base64) declare an explicit `content-type` header parameter and a body
/// declared as an `application/json` string, so progenitor would JSON-quote the CSV or zip.
/// The body becomes raw `application/octet-stream` bytes; the header parameter stays, and
/// because progenitor applies declared headers after the body's default `Content-Type`, the
/// caller's choice (`text/csv`, `application/zip`, …) is what goes on the wire. String
/// constraints (e.g. `maxLength 1333333`) are dropped here (lossy) and checked by the wrapper.
pub const RAW_BODY_FOR_CONTENT_TYPE_HEADER: Fixup = Fixup {
    name: "raw_body_for_content_type_header",
    quirk: "explicit content-type header parameter with a CSV/zip body declared as a JSON string",
    run: raw_body_for_content_type_header,
};

fn raw_body_for_content_type_header(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let schemas = schemas_snapshot(doc);
    for_each_operation(doc, |path, method, op| {
        let has_ct_param = op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter().any(|p| {
                    p["in"] == "header"
                        && p["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case("content-type"))
                })
            });
        if !has_ct_param {
            return Ok(());
        }
        let at = label(path, method, op);
        let Some(content) = request_content_mut(op) else {
            return Ok(());
        };
        let Some((mt, media)) = content.iter().next().map(|(k, v)| (k.clone(), v.clone())) else {
            return Ok(());
        };
        if !mt.starts_with("application/json") {
            return Ok(());
        }
        let schema = media.get("schema").cloned().unwrap_or(json!({}));
        if !is_stringish(&schemas, &schema) {
            return Ok(());
        }
        let dropped = string_constraints(&schemas, &schema);
        content.clear();
        content.insert(
            "application/octet-stream".into(),
            json!({"schema": {"type": "string", "format": "binary"}}),
        );
        let change = format!(
            "request body {mt} string -> raw application/octet-stream bytes; the content-type header parameter sets the wire type"
        );
        if dropped.is_empty() {
            log.note(at, change);
        } else {
            log.lossy(at, format!("{change}; dropped {}", dropped.join(", ")));
        }
        Ok(())
    })
}

/// Quirk: AssociateDevice and DeleteDevice take the device's ownership code as the body,
/// declared as an `application/json` string (`OwnershipCode`), but the API documents it sent
/// as `text/plain` (the curl examples); JSON would add quotes. The body becomes `text/plain`;
/// string constraints move to the wrapper's input checks (lossy here).
pub const PLAIN_TEXT_OWNERSHIP_CODE: Fixup = Fixup {
    name: "plain_text_ownership_code",
    quirk: "ownership-code bodies declared as JSON strings but sent as text/plain",
    run: plain_text_ownership_code,
};

fn plain_text_ownership_code(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let schemas = schemas_snapshot(doc);
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        let Some(content) = request_content_mut(op) else {
            return Ok(());
        };
        let Some(media) = content.get("application/json") else {
            return Ok(());
        };
        let schema = media.get("schema").cloned().unwrap_or(json!({}));
        if ref_name(&schema) != Some("OwnershipCode") {
            return Ok(());
        }
        let dropped = string_constraints(&schemas, &schema);
        content.clear();
        content.insert("text/plain".into(), json!({"schema": {"type": "string"}}));
        let change = "request body OwnershipCode: application/json -> text/plain".to_string();
        if dropped.is_empty() {
            log.note(at, change);
        } else {
            log.lossy(at, format!("{change}; dropped {}", dropped.join(", ")));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;

    fn with_body(id: &str, content: Value, params: Value) -> Value {
        json!({"/x": {"post": {
            "operationId": id,
            "parameters": params,
            "requestBody": {"required": true, "content": content},
            "responses": {"202": {"description": "ok"}}
        }}})
    }

    #[test]
    fn several_media_types_keep_json() {
        let mut doc = tiny_spec(with_body(
            "A",
            json!({
                "application/json": {"schema": {"type": "object"}},
                "application/xml": {"schema": {"type": "object"}}
            }),
            json!([]),
        ));
        let report = run_one(&SINGLE_MEDIA_TYPE, &mut doc);
        assert_eq!(report.lossy().count(), 1);
        let content = doc
            .pointer("/paths/~1x/post/requestBody/content")
            .unwrap()
            .as_object()
            .unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), vec!["application/json"]);
        try_generate(&doc).unwrap();
    }

    #[test]
    fn csv_and_zip_media_types_become_octet_stream() {
        let mut doc = tiny_spec(with_body(
            "A",
            json!({"text/csv": {"schema": {"type": "string"}}}),
            json!([]),
        ));
        let err = try_generate(&doc).unwrap_err();
        assert!(
            err.contains("text/csv") || err.contains("content type"),
            "{err}"
        );
        run_one(&NON_JSON_BODY_MEDIA_TYPES, &mut doc);
        assert!(
            doc.pointer("/paths/~1x/post/requestBody/content/application~1octet-stream")
                .is_some()
        );
        assert!(
            try_generate(&doc)
                .unwrap()
                .contains("application/octet-stream")
        );
    }

    #[test]
    fn csv_body_with_content_type_header_is_sent_raw() {
        let params = json!([{"name": "content-type", "in": "header", "required": true,
            "schema": {"type": "string", "enum": ["text/csv", "application/octet-stream"]}}]);
        let mut doc = tiny_spec(with_body(
            "OnboardDevices",
            json!({"application/json": {"schema": {"type": "string", "maxLength": 10}}}),
            params,
        ));
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains(".json(&body)"),
            "without the fixup the CSV is JSON-encoded"
        );
        let report = run_one(&RAW_BODY_FOR_CONTENT_TYPE_HEADER, &mut doc);
        assert_eq!(report.lossy().count(), 1, "maxLength is dropped");
        let after = try_generate(&doc).unwrap();
        assert!(!after.contains(".json(&body)"));
        assert!(after.contains(".body(body)"));
        assert!(
            after.contains("\"content-type\""),
            "the header parameter is kept"
        );
    }

    #[test]
    fn json_object_bodies_with_content_type_header_are_left_alone() {
        let params =
            json!([{"name": "content-type", "in": "header", "schema": {"type": "string"}}]);
        let mut doc = tiny_spec(with_body(
            "A",
            json!({"application/json": {"schema": {"type": "object"}}}),
            params,
        ));
        assert_eq!(
            run_one(&RAW_BODY_FOR_CONTENT_TYPE_HEADER, &mut doc)
                .no_ops
                .len(),
            1
        );
    }

    #[test]
    fn ownership_code_is_sent_as_text() {
        let mut doc = tiny_spec(with_body(
            "AssociateDevice",
            json!({"application/json": {"schema": {"$ref": "#/components/schemas/OwnershipCode"}}}),
            json!([]),
        ));
        doc["components"]["schemas"]["OwnershipCode"] =
            json!({"type": "string", "pattern": "^[0-9A-Za-z]+$"});
        assert!(try_generate(&doc).unwrap().contains(".json(&body)"));
        let report = run_one(&PLAIN_TEXT_OWNERSHIP_CODE, &mut doc);
        assert_eq!(report.lossy().count(), 1);
        let after = try_generate(&doc).unwrap();
        assert!(after.contains("\"text/plain\""));
        assert!(!after.contains(".json(&body)"));
    }
}
