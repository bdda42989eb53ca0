//! Responses: what progenitor can decode, and one success kind per operation.

use serde_json::{Value, json};

use super::util::{for_each_operation, label, resolve, response_contents_mut, schemas_snapshot};
use super::{Fixup, Rewrites};

/// Quirk: GetAssistanceDataSize and GetFileSize (HEAD) declare a 200 JSON body, but a HEAD
/// response never has one, so the generated client fails decoding an empty body at run time.
/// The content is cleared; the size is in `Content-Length` (lossy: the schema is dropped).
pub const HEAD_RESPONSES_HAVE_NO_BODY: Fixup = Fixup {
    name: "head_responses_have_no_body",
    quirk: "HEAD operations that declare a JSON response body",
    run: head_responses_have_no_body,
};

fn head_responses_have_no_body(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        if method != "head" {
            return Ok(());
        }
        let at = label(path, method, op);
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (code, r) in responses.iter_mut() {
                if let Some(obj) = r.as_object_mut()
                    && obj.remove("content").is_some()
                {
                    log.lossy(
                        &at,
                        format!("response {code}: body declaration removed (HEAD has no body)"),
                    );
                }
            }
        }
        Ok(())
    })
}

/// Quirk: the A-GNSS/A-GPS downloads answer 206 with binary data but declare it as an
/// `application/json` string (`format: byte`), so the generated client would try to parse
/// bytes as JSON. Any success response whose JSON schema is a binary/byte string becomes
/// `application/octet-stream` (a `ByteStream`; the raw crate sends the matching `Accept`).
pub const BINARY_RESPONSES_AS_OCTET_STREAM: Fixup = Fixup {
    name: "binary_responses_as_octet_stream",
    quirk: "binary (206 A-GNSS) responses declared as JSON strings",
    run: binary_responses_as_octet_stream,
};

fn binary_responses_as_octet_stream(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let schemas = schemas_snapshot(doc);
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        for (code, content) in response_contents_mut(op) {
            let Some(media) = content.get("application/json") else {
                continue;
            };
            let schema = resolve(&schemas, media.get("schema").unwrap_or(&Value::Null));
            let binary = schema.get("type") == Some(&json!("string"))
                && matches!(
                    schema.get("format").and_then(Value::as_str),
                    Some("byte" | "binary")
                );
            if binary {
                content.clear();
                content.insert(
                    "application/octet-stream".into(),
                    json!({"schema": {"type": "string", "format": "binary"}}),
                );
                log.note(
                    &at,
                    format!(
                        "response {code}: application/json byte string -> application/octet-stream"
                    ),
                );
            }
        }
        Ok(())
    })
}

/// Quirk: the A-GNSS downloads (GetAssistanceData and its deprecated GET twin) take a
/// `Range` header and declare only 206. A server may ignore `Range` and answer 200 with the
/// whole file (RFC 9110, 14.2), which the generated client would report as an unexpected
/// response. Operations that take `Range` and declare a 206 but no 200 get a 200 with the
/// 206's content. Runs after `binary_responses_as_octet_stream`, so both are byte streams.
pub const RANGED_RESPONSES_ACCEPT_THE_WHOLE_FILE: Fixup = Fixup {
    name: "ranged_responses_accept_the_whole_file",
    quirk: "ranged downloads declare only 206, though a 200 with the whole file is valid HTTP",
    run: ranged_responses_accept_the_whole_file,
};

fn ranged_responses_accept_the_whole_file(
    doc: &mut Value,
    log: &mut Rewrites,
) -> Result<(), String> {
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    for_each_operation(doc, |path, method, op| {
        let takes_range = op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter().any(|p| {
                    // A parameter may be a `$ref` into `components.parameters`.
                    let p = match p.get("$ref").and_then(Value::as_str) {
                        Some(r) => r
                            .strip_prefix("#/components/")
                            .and_then(|r| components.pointer(&format!("/{r}")))
                            .unwrap_or(p),
                        None => p,
                    };
                    p["in"] == "header"
                        && p["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case("range"))
                })
            });
        if !takes_range {
            return Ok(());
        }
        let at = label(path, method, op);
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        if responses.contains_key("200") {
            return Ok(());
        }
        let Some(partial) = responses.get("206").cloned() else {
            return Ok(());
        };
        let mut whole = partial;
        whole["description"] = json!("The whole file: the server ignored the Range header.");
        responses.insert("200".into(), whole);
        log.note(
            at,
            "response 200 declared beside 206, with the same content",
        );
        Ok(())
    })
}

/// Quirk: a JSON response without a schema makes progenitor panic ("no schema"). It gets
/// the empty schema `{}` (any JSON value, `serde_json::Value`).
pub const SCHEMALESS_JSON_RESPONSES: Fixup = Fixup {
    name: "schemaless_json_responses",
    quirk: "JSON responses without a schema",
    run: schemaless_json_responses,
};

fn schemaless_json_responses(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        for (code, content) in response_contents_mut(op) {
            for (mt, media) in content.iter_mut() {
                if mt.starts_with("application/json") && media.get("schema").is_none() {
                    media["schema"] = json!({});
                    log.note(
                        &at,
                        format!("response {code}: {mt} without schema -> any JSON value"),
                    );
                }
            }
        }
        Ok(())
    })
}

/// Quirk: progenitor asserts one success kind per operation (JSON type, empty, or raw), and
/// panics on e.g. a 200 JSON plus a 204 empty, or a 200 plus a `default`. The lowest 2xx is
/// kept; other 2xx responses of a different kind and a `default` beside a 2xx are dropped
/// (lossy: such a status then surfaces as an unexpected response, which the wrapper decodes).
pub const SINGLE_SUCCESS_RESPONSE: Fixup = Fixup {
    name: "single_success_response",
    quirk: "several success responses of different kinds, or 2xx plus default",
    run: single_success_response,
};

fn kind(r: &Value) -> String {
    match r.get("content").and_then(Value::as_object) {
        None => "none".into(),
        Some(c) if c.is_empty() => "none".into(),
        Some(c) => {
            let (mt, media) = c.iter().next().expect("non-empty");
            if mt.starts_with("application/json") {
                format!("json {}", media.get("schema").unwrap_or(&Value::Null))
            } else {
                "raw".into()
            }
        }
    }
}

fn single_success_response(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        let mut success: Vec<String> = responses
            .keys()
            .filter(|c| c.starts_with('2'))
            .cloned()
            .collect();
        success.sort();
        let Some(first) = success.first().cloned() else {
            return Ok(());
        };
        let keep_kind = kind(&responses[&first]);
        for code in success.iter().skip(1) {
            if kind(&responses[code]) != keep_kind {
                responses.remove(code);
                log.lossy(
                    &at,
                    format!("response {code} dropped: another success kind than {first}"),
                );
            }
        }
        if responses.contains_key("default") {
            responses.remove("default");
            log.lossy(
                &at,
                format!("response default dropped beside success response {first}"),
            );
        }
        Ok(())
    })
}

/// Quirk: a few operations declare an error status without a body (OnboardDevices,
/// RegisterCertificates and RegisterPublicKeys declare 422). For such a declared status
/// progenitor returns an empty `ErrorResponse` and discards the body, which holds the nRF code
/// and the message that says which rows failed. The declaration is removed, so the response
/// arrives unread and the wrapper decodes `{code, message}` from it (lossy: the declaration).
pub const ERROR_RESPONSES_KEEP_THEIR_BODY: Fixup = Fixup {
    name: "error_responses_keep_their_body",
    quirk: "error statuses declared without a body (422 on the CSV bulk operations)",
    run: error_responses_keep_their_body,
};

fn error_responses_keep_their_body(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        let bodiless: Vec<String> = responses
            .iter()
            .filter(|(code, r)| {
                (code.starts_with('4') || code.starts_with('5'))
                    && r.get("content")
                        .and_then(Value::as_object)
                        .is_none_or(|c| c.is_empty())
            })
            .map(|(code, _)| code.clone())
            .collect();
        for code in bodiless {
            responses.remove(&code);
            log.lossy(
                &at,
                format!(
                    "response {code} (declared without a body) removed, so its body is decoded"
                ),
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
    fn head_json_body_is_cleared() {
        let mut doc =
            tiny_spec(json!({"/size": {"head": ok_json("GetSize", json!({"type": "object"}))}}));
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains("ResponseValue<::serde_json::Map"),
            "without the fixup it decodes JSON"
        );
        let report = run_one(&HEAD_RESPONSES_HAVE_NO_BODY, &mut doc);
        assert_eq!(report.lossy().count(), 1);
        assert!(try_generate(&doc).unwrap().contains("ResponseValue<()>"));
    }

    #[test]
    fn byte_string_206_becomes_a_byte_stream() {
        let mut op = ok_json("GetData", json!({"$ref": "#/components/schemas/Buf"}));
        op["responses"] = json!({"206": op["responses"]["200"].clone()});
        let mut doc = tiny_spec(json!({"/agnss": {"post": op}}));
        doc["components"]["schemas"]["Buf"] = json!({"type": "string", "format": "byte"});
        assert!(!try_generate(&doc).unwrap().contains("ByteStream>"));
        run_one(&BINARY_RESPONSES_AS_OCTET_STREAM, &mut doc);
        assert!(
            try_generate(&doc)
                .unwrap()
                .contains("ResponseValue<ByteStream>")
        );
    }

    #[test]
    fn a_ranged_download_also_accepts_the_whole_file() {
        let mut op = ok_json("GetData", json!({"type": "string", "format": "binary"}));
        op["responses"] = json!({"206": {"description": "part", "content":
            {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}});
        op["parameters"] = json!([{"name": "range", "in": "header", "schema": {"type": "string"}}]);
        let mut unranged = op.clone();
        unranged["operationId"] = json!("GetOther");
        unranged["parameters"] = json!([]);
        let mut doc = tiny_spec(json!({"/agnss": {"post": op}, "/other": {"post": unranged}}));
        let report = run_one(&RANGED_RESPONSES_ACCEPT_THE_WHOLE_FILE, &mut doc);
        assert_eq!(
            report.rewrites.len(),
            1,
            "only the operation with Range: {report:?}"
        );
        assert!(
            doc.pointer("/paths/~1agnss/post/responses/200/content/application~1octet-stream")
                .is_some()
        );
        assert!(doc.pointer("/paths/~1other/post/responses/200").is_none());
        let code = try_generate(&doc).unwrap();
        assert!(
            code.contains("200u16 => Ok(ResponseValue::stream(response))"),
            "{code}"
        );
        assert!(code.contains("206u16 => Ok(ResponseValue::stream(response))"));
    }

    #[test]
    fn schemaless_json_gets_any_value() {
        let mut doc = tiny_spec(json!({"/s": {"get": {"operationId": "S",
            "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}}}));
        assert!(
            try_generate(&doc).is_err(),
            "progenitor panics without a schema"
        );
        run_one(&SCHEMALESS_JSON_RESPONSES, &mut doc);
        try_generate(&doc).unwrap();
    }

    #[test]
    fn mixed_success_kinds_keep_the_first() {
        let mut op = ok_json("M", json!({"type": "object"}));
        op["responses"]["204"] = json!({"description": "empty"});
        op["responses"]["default"] = json!({"description": "error", "content": {"application/json": {"schema": {"type": "object"}}}});
        let mut doc = tiny_spec(json!({"/m": {"get": op}}));
        assert!(
            try_generate(&doc).is_err(),
            "progenitor asserts one response type"
        );
        let report = run_one(&SINGLE_SUCCESS_RESPONSE, &mut doc);
        assert_eq!(report.lossy().count(), 2);
        try_generate(&doc).unwrap();
    }

    #[test]
    fn bodiless_error_declarations_are_removed() {
        let mut op = ok_json("OnboardDevices", json!({"type": "object"}));
        op["responses"]["422"] = json!({"description": "Validation failed"});
        let mut doc = tiny_spec(json!({"/devices": {"post": op}}));
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains("422u16 =>"),
            "without the fixup 422 is an empty ErrorResponse"
        );
        let report = run_one(&ERROR_RESPONSES_KEEP_THEIR_BODY, &mut doc);
        assert_eq!(report.lossy().count(), 1);
        assert!(!try_generate(&doc).unwrap().contains("422u16 =>"));
    }
}
