//! Schemas: defaults of the wrong type, numbers that are whole, fields the server omits, enums the server outgrows.

use serde_json::{Value, json};

use super::util::{reachable, visit_schemas_mut};
use super::{Fixup, Rewrites};

/// Quirk: upstream writes defaults of integer, number and boolean parameters as strings
/// (`pageLimit` default `"10"`, `doReply` `"true"`, `dist` `"0"`, `autoApply` `"true"`);
/// typify refuses a default that does not match its type. Parsable ones are converted,
/// others removed (lossy).
pub const COERCE_STRING_DEFAULTS: Fixup = Fixup {
    name: "coerce_string_defaults",
    quirk: "defaults of non-string schemas written as strings (\"10\", \"true\")",
    run: coerce_string_defaults,
};

/// The JSON types a schema admits, from `type` or from the `type`s of its anyOf/oneOf.
fn admitted_types(schema: &serde_json::Map<String, Value>) -> Vec<String> {
    if let Some(Value::String(t)) = schema.get("type") {
        return vec![t.clone()];
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|alt| alt.get("type").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn parse_as(ty: &str, text: &str) -> Option<Value> {
    let t = text.trim();
    match ty {
        "integer" => t.parse::<i64>().ok().map(Value::from),
        "number" => t
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number)),
        "boolean" => t.parse::<bool>().ok().map(Value::Bool),
        _ => None,
    }
}

fn coerce_string_defaults(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let mut changes = Vec::new();
    visit_schemas_mut(doc, &mut |schema| {
        let Some(Value::String(d)) = schema.get("default") else {
            return;
        };
        let types = admitted_types(schema);
        if types.is_empty() || types.iter().any(|t| t == "string") {
            return;
        }
        let d = d.clone();
        match types.iter().find_map(|t| parse_as(t, &d)) {
            Some(v) => {
                changes.push((false, format!("{} default {d:?} -> {v}", types.join("|"))));
                schema.insert("default".into(), v);
            }
            None => {
                changes.push((
                    true,
                    format!(
                        "{} default {d:?} removed (not of that type)",
                        types.join("|")
                    ),
                ));
                schema.remove("default");
            }
        }
    });
    for (lossy, change) in changes {
        if lossy {
            log.lossy("schema", change);
        } else {
            log.note("schema", change);
        }
    }
    Ok(())
}

/// Quirk: the number alternative of `Mnc` (anyOf number | string) is `type: number`, so
/// typify makes it an `f64`: a caller writes `Mnc::Number(2.0)`, and the body carries `2.0`
/// where every example of the document has a whole number (`"mnc": 120`). A Mobile Network
/// Code is a whole number of up to three digits (ITU-T E.212); it becomes `type: integer`
/// (0..=999), so the variant is an integer and the JSON has no fraction. A code with leading
/// zeros stays the string alternative. The change narrows the document, so the build warns.
pub const MNC_NUMBERS_ARE_INTEGERS: Fixup = Fixup {
    name: "mnc_numbers_are_integers",
    quirk: "Mnc's number alternative typed number (f64) though MNCs are whole",
    run: mnc_numbers_are_integers,
};

fn mnc_numbers_are_integers(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let Some(mnc) = doc.pointer_mut("/components/schemas/Mnc") else {
        return Ok(());
    };
    for key in ["anyOf", "oneOf"] {
        let Some(alternatives) = mnc.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        for alt in alternatives.iter_mut() {
            if alt.get("type").and_then(Value::as_str) == Some("number") {
                if alt.get("multipleOf").is_some() {
                    return Err("Mnc's number alternative declares multipleOf".into());
                }
                alt["type"] = Value::String("integer".into());
                alt.as_object_mut()
                    .expect("an object: it has a type")
                    .remove("format");
                alt["minimum"] = Value::from(0);
                alt["maximum"] = Value::from(999);
                // Narrows what the document allows: a warning line in the build.
                log.lossy(
                    "schema Mnc",
                    format!(
                        "{key}: number alternative -> integer 0..=999 (fractions refused, \
                         as no MNC has one)"
                    ),
                );
            }
        }
    }
    Ok(())
}

/// Quirk: enums of whole numbers without a `type` (the A-GNSS `types` lists, NrfMessageType
/// and NrfGpsMessageType). typify makes them `f64`, so the query string says `types=1.0`
/// where the documentation's examples say `types=1`. They get `type: integer`, which admits
/// exactly the same values.
pub const INTEGER_ENUMS_ARE_INTEGERS: Fixup = Fixup {
    name: "integer_enums_are_integers",
    quirk: "untyped enums of whole numbers (A-GNSS element types)",
    run: integer_enums_are_integers,
};

fn integer_enums_are_integers(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let mut count = 0;
    visit_schemas_mut(doc, &mut |schema| {
        let Some(values) = schema.get("enum").and_then(Value::as_array) else {
            return;
        };
        let integral = !values.is_empty() && values.iter().all(|v| v.is_i64() || v.is_u64());
        let untyped_or_number = matches!(
            schema.get("type").and_then(Value::as_str),
            None | Some("number")
        );
        if integral && untyped_or_number {
            schema.insert("type".into(), json!("integer"));
            count += 1;
        }
    });
    if count > 0 {
        log.note(
            "schema",
            format!("{count} enums of whole numbers typed integer"),
        );
    }
    Ok(())
}

/// Quirk: real responses leave out fields the document marked required (device `state`,
/// the shadow's `reported`, `$meta.updatedAt`), and one missing field fails a whole page.
/// These are removed from `required`. The May-2025 document already has them optional, so
/// this is normally a no-op; it guards against the old declarations coming back.
pub const OPTIONAL_FIELDS_THE_SERVER_OMITS: Fixup = Fixup {
    name: "optional_fields_the_server_omits",
    quirk: "fields declared required that real responses omit (state, reported, $meta.updatedAt)",
    run: optional_fields_the_server_omits,
};

/// (schema, property) pairs seen missing in real responses.
const OMITTED: [(&str, &str); 8] = [
    ("GenericDevice", "state"),
    ("GatewayDevice", "state"),
    ("BLEDevice", "state"),
    ("DeviceShadow", "reported"),
    ("GenericDeviceState", "reported"),
    ("DeviceDocMeta", "updatedAt"),
    ("DeviceDocMeta", "createdAt"),
    ("Device", "state"),
];

fn optional_fields_the_server_omits(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    for (name, prop) in OMITTED {
        let Some(req) = schemas
            .get_mut(name)
            .and_then(|s| s.get_mut("required"))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let before = req.len();
        req.retain(|r| r != prop);
        if req.len() != before {
            log.note(
                format!("schema {name}"),
                format!("{prop} is no longer required"),
            );
        }
    }
    Ok(())
}

/// Quirk: enums are stricter than the server (the FOTA job status enum lacks `SUCCEEDED`,
/// `FAILED`, `QUEUED`, … that the server returns), and typify's enums reject unknown values,
/// failing a whole response. Every named string-enum schema `X` that responses use becomes
/// `oneOf: [XKnown, string]`: known values still decode to the typed enum `XKnown`, anything
/// else is kept as a `String`. Enums that header parameters use stay closed (headers are
/// written with `Display`, which the open form lacks; the caller picks those values anyway),
/// and so do single-value enums: they are constants that tell alternatives apart.
pub const OPEN_ENUMS: Fixup = Fixup {
    name: "open_enums",
    quirk: "string enums stricter than the server (FOTA job statuses)",
    run: open_enums,
};

fn open_enums(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let ops = crate::spec::operations(doc);
    let responses: Vec<&Value> = ops
        .iter()
        .filter_map(|(_, _, op)| op.get("responses"))
        .collect();
    // Header values are written with `Display`, which typify's untagged enums lack.
    let headers: Vec<&Value> = ops
        .iter()
        .filter_map(|(_, _, op)| op.get("parameters").and_then(Value::as_array))
        .flatten()
        .filter(|p| p["in"] == "header")
        .collect();
    let empty = serde_json::Map::new();
    let all = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let in_responses = reachable(all, responses);
    let in_headers = reachable(all, headers);
    let names: Vec<String> = all
        .iter()
        .filter(|(n, s)| {
            s.get("type") == Some(&json!("string"))
                && s.get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.len() > 1)
                && in_responses.contains(*n)
                && !in_headers.contains(*n)
        })
        .map(|(n, _)| n.clone())
        .collect();
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    for name in names {
        let known = format!("{name}Known");
        if schemas.contains_key(&known) {
            return Err(format!("cannot open enum {name}: {known} already exists"));
        }
        let original = schemas.remove(&name).expect("listed above");
        let description = original.get("description").cloned();
        schemas.insert(known.clone(), original);
        let mut open = json!({"oneOf": [{"$ref": format!("#/components/schemas/{known}")}, {"type": "string"}]});
        if let Some(d) = description {
            open["description"] = d;
        }
        schemas.insert(name.clone(), open);
        log.note(
            format!("schema {name}"),
            format!("enum opened: known values in {known}, others kept as strings"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;

    /// A document whose one operation takes an `Mnc` in its body, as GetAssistanceData does.
    fn mnc_doc(mnc: Value) -> Value {
        let mut doc = tiny_spec(json!({"/agnss": {"post": {
            "operationId": "GetAssistanceData",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"mnc": {"$ref": "#/components/schemas/Mnc"}}
            }}}},
            "responses": {"204": {"description": "ok"}}
        }}}));
        doc["components"]["schemas"]["Mnc"] = mnc;
        doc
    }

    #[test]
    fn mnc_number_alternative_becomes_an_integer() {
        let mut doc = mnc_doc(json!({"anyOf": [{"type": "number"}, {"type": "string"}]}));
        let before = try_generate(&doc).unwrap();
        assert!(before.contains("Number(f64)"), "{before}");
        let report = run_one(&MNC_NUMBERS_ARE_INTEGERS, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        assert!(report.rewrites[0].lossy, "the build warns");
        assert_eq!(report.rewrites[0].location, "schema Mnc");
        assert_eq!(
            doc["components"]["schemas"]["Mnc"]["anyOf"][0],
            json!({"type": "integer", "minimum": 0, "maximum": 999})
        );
        let after = try_generate(&doc).unwrap();
        assert!(!after.contains("Number(f64)"), "{after}");
        assert!(after.contains("Integer("), "{after}");
        // A second run finds nothing to change.
        let again = run_one(&MNC_NUMBERS_ARE_INTEGERS, &mut doc);
        assert_eq!(again.no_ops, ["mnc_numbers_are_integers"]);
    }

    #[test]
    fn mnc_without_a_number_alternative_is_a_no_op() {
        for mnc in [
            json!({"type": "string"}),
            json!({"oneOf": [{"type": "integer"}, {"type": "string"}]}),
        ] {
            let mut doc = mnc_doc(mnc.clone());
            let report = run_one(&MNC_NUMBERS_ARE_INTEGERS, &mut doc);
            assert_eq!(report.no_ops, ["mnc_numbers_are_integers"], "{mnc}");
            assert_eq!(doc["components"]["schemas"]["Mnc"], mnc);
        }
        let mut none = tiny_spec(json!({}));
        let report = run_one(&MNC_NUMBERS_ARE_INTEGERS, &mut none);
        assert_eq!(report.no_ops, ["mnc_numbers_are_integers"]);
    }

    #[test]
    fn mnc_with_multiple_of_is_refused() {
        let mut doc = mnc_doc(json!({"anyOf": [{"type": "number", "multipleOf": 0.5}]}));
        let err = crate::fixups::apply(&mut doc, &[MNC_NUMBERS_ARE_INTEGERS]).unwrap_err();
        assert_eq!(err.fixup, "mnc_numbers_are_integers");
    }

    #[test]
    fn string_defaults_are_coerced() {
        let mut op = ok_json("L", json!({}));
        op["parameters"] = json!([
            {"name": "pageLimit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": "10"}},
            {"name": "doReply", "in": "query", "schema": {"type": "boolean", "default": "true"}},
            {"name": "bad", "in": "query", "schema": {"type": "integer", "default": "ten"}},
            {"name": "reply", "in": "query", "schema": {"anyOf": [{"type": "boolean"}, {"type": "number"}], "default": "true"}}
        ]);
        let mut doc = tiny_spec(json!({"/l": {"get": op}}));
        let err = try_generate(&doc).unwrap_err();
        assert!(err.contains("does not conform"), "{err}");
        let report = run_one(&COERCE_STRING_DEFAULTS, &mut doc);
        let params = &doc["paths"]["/l"]["get"]["parameters"];
        assert_eq!(params[0]["schema"]["default"], json!(10));
        assert_eq!(params[1]["schema"]["default"], json!(true));
        assert!(params[2]["schema"].get("default").is_none());
        assert_eq!(params[3]["schema"]["default"], json!(true));
        assert_eq!(report.lossy().count(), 1);
        try_generate(&doc).unwrap();
    }

    #[test]
    fn omitted_fields_become_optional() {
        let mut doc = tiny_spec(json!({}));
        doc["components"]["schemas"]["GenericDevice"] = json!({"type": "object", "required": ["id", "state"],
            "properties": {"id": {"type": "string"}, "state": {"type": "object"}}});
        let report = run_one(&OPTIONAL_FIELDS_THE_SERVER_OMITS, &mut doc);
        assert_eq!(
            doc["components"]["schemas"]["GenericDevice"]["required"],
            json!(["id"])
        );
        assert_eq!(report.rewrites.len(), 1);
        assert_eq!(
            run_one(&OPTIONAL_FIELDS_THE_SERVER_OMITS, &mut doc)
                .no_ops
                .len(),
            1
        );
    }

    #[test]
    fn response_enums_accept_unknown_values() {
        let mut doc = tiny_spec(
            json!({"/jobs/{id}": {"get": ok_json("FetchJob", json!({"$ref": "#/components/schemas/Job"}))}}),
        );
        doc["components"]["schemas"]["Job"] = json!({"type": "object", "required": ["status"],
            "properties": {"status": {"$ref": "#/components/schemas/JobStatus"}}});
        doc["components"]["schemas"]["JobStatus"] =
            json!({"type": "string", "enum": ["CREATED", "COMPLETED"]});
        doc["components"]["schemas"]["HeaderOnly"] = json!({"type": "string", "enum": ["a"]});
        doc["paths"]["/jobs/{id}"]["get"]["parameters"] = json!([
            {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "x-kind", "in": "header", "schema": {"$ref": "#/components/schemas/HeaderOnly"}}
        ]);
        assert!(
            try_generate(&doc)
                .unwrap()
                .contains("pub enum JobStatus {\n        #[serde(rename = \"CREATED\")]")
        );
        let report = run_one(&OPEN_ENUMS, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "only the response enum is opened");
        let code = try_generate(&doc).unwrap();
        assert!(code.contains("pub enum JobStatusKnown"));
        assert!(code.contains("String(::std::string::String)"));
        assert!(code.contains("pub enum HeaderOnly"));
    }

    #[test]
    fn whole_number_enums_are_sent_without_a_fraction() {
        let mut op = ok_json("Size", json!({}));
        op["parameters"] = json!([{"name": "types", "in": "query", "schema": {"type": "array", "items": {"enum": [1, 2, 8]}}}]);
        let mut doc = tiny_spec(json!({"/agnss": {"get": op}}));
        assert!(
            !try_generate(&doc).unwrap().contains("i64"),
            "typed as a float without the fixup"
        );
        run_one(&INTEGER_ENUMS_ARE_INTEGERS, &mut doc);
        assert_eq!(
            doc["paths"]["/agnss"]["get"]["parameters"][0]["schema"]["items"]["type"],
            "integer"
        );
        try_generate(&doc).unwrap();
    }
}
