//! Alternatives (`anyOf` / `oneOf`): the unions typify cannot hold, serialise or name as they are.

use serde_json::{Value, json};

use super::util::{reachable, visit_schemas_mut};
use super::{Fixup, Rewrites};

/// Quirk: `anyOf` of scalar alternatives (`Mnc` number or string, `DoReplyFlag` boolean or
/// number, a device `subType` that is a known enum or any string), or with an unconstrained
/// alternative (ListDevices items: a `Device` or whatever the JSONata `transform` returns).
/// typify models `anyOf` as a struct of flattened optional fields, which cannot hold a scalar:
/// every such value fails to decode. Then `anyOf` becomes `oneOf` (an untagged enum trying the
/// alternatives in order), which accepts the same values.
pub const SCALAR_ANY_OF_AS_ONE_OF: Fixup = Fixup {
    name: "scalar_any_of_as_one_of",
    quirk: "anyOf of scalar or unconstrained alternatives (Mnc, DoReplyFlag, subType, transformed items)",
    run: scalar_any_of_as_one_of,
};

/// A schema that accepts any value: `{}` or only annotations.
fn is_unconstrained(schemas: &serde_json::Map<String, Value>, alt: &Value) -> bool {
    let s = super::util::resolve(schemas, alt);
    s.as_object().is_some_and(|m| {
        m.keys().all(|k| {
            matches!(
                k.as_str(),
                "description" | "title" | "example" | "nullable" | "deprecated"
            )
        })
    })
}

fn is_scalar(schemas: &serde_json::Map<String, Value>, alt: &Value) -> bool {
    let s = super::util::resolve(schemas, alt);
    match s.get("type").and_then(Value::as_str) {
        Some("string" | "number" | "integer" | "boolean") => true,
        Some(_) => false,
        None => {
            s.get("enum").is_some() || {
                ["oneOf", "anyOf"].iter().any(|k| {
                    s.get(*k)
                        .and_then(Value::as_array)
                        .is_some_and(|alts| alts.iter().all(|a| is_scalar(schemas, a)))
                })
            }
        }
    }
}

fn scalar_any_of_as_one_of(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let schemas = super::util::schemas_snapshot(doc);
    let mut count = 0;
    visit_schemas_mut(doc, &mut |schema| {
        let Some(alts) = schema.get("anyOf").and_then(Value::as_array) else {
            return;
        };
        let all_scalar = alts.iter().all(|a| is_scalar(&schemas, a));
        let open = alts.iter().any(|a| is_unconstrained(&schemas, a));
        if alts.is_empty() || !(all_scalar || open) {
            return;
        }
        let alts = schema.remove("anyOf").expect("checked");
        schema.insert("oneOf".into(), alts);
        count += 1;
    });
    if count > 0 {
        log.note("schema", format!("{count} scalar or open anyOf -> oneOf"));
    }
    Ok(())
}

/// Quirk: `anyOf` / `oneOf` whose alternatives are each a one-value string enum
/// (GroundFixServiceType, CellServiceType: `LocationServiceType.MCELL`, `.SCELL`, …). typify
/// makes an untagged enum of one-variant enums, whose `Debug` prints `Scell(Scell)` and which
/// a caller matches in two levels. They become one string enum with every value (same JSON,
/// same accepted values; `open_enums` keeps unknown ones).
pub const ONE_VALUE_ALTERNATIVES_AS_ONE_ENUM: Fixup = Fixup {
    name: "one_value_alternatives_as_one_enum",
    quirk: "anyOf of one-value string enums (GroundFixServiceType, CellServiceType)",
    run: one_value_alternatives_as_one_enum,
};

/// The one value of a one-value string enum (after `$ref`).
fn single_string_value(schemas: &serde_json::Map<String, Value>, alt: &Value) -> Option<Value> {
    let s = super::util::resolve(schemas, alt);
    let values = s.get("enum")?.as_array()?;
    let is_string = s.get("type").is_none_or(|t| t == "string");
    (values.len() == 1 && values[0].is_string() && is_string).then(|| values[0].clone())
}

fn one_value_alternatives_as_one_enum(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let schemas = super::util::schemas_snapshot(doc);
    let mut merged = Vec::new();
    if let Some(components) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in components.iter_mut() {
            let Some(map) = schema.as_object_mut() else {
                continue;
            };
            for key in ["anyOf", "oneOf"] {
                let Some(alts) = map.get(key).and_then(Value::as_array) else {
                    continue;
                };
                let values: Option<Vec<Value>> = alts
                    .iter()
                    .map(|a| single_string_value(&schemas, a))
                    .collect();
                let Some(values) = values.filter(|v| v.len() > 1) else {
                    continue;
                };
                map.remove(key);
                map.insert("type".into(), Value::String("string".into()));
                merged.push(format!(
                    "{name}: {key} of {} one-value enums -> one enum",
                    values.len()
                ));
                map.insert("enum".into(), Value::Array(values));
            }
        }
    }
    for m in merged {
        log.note("schema", m);
    }
    Ok(())
}

/// Quirk: request bodies that are `anyOf` several objects (CreateFOTAJob: by tags, by device
/// ids, by criteria; ground fix: old and new shapes). typify models `anyOf` as a struct of
/// flattened optional alternatives, and serialising one with more than one alternative set
/// writes the shared fields twice (duplicate JSON keys). In schemas only requests use, `anyOf`
/// becomes `oneOf`: an untagged enum that serialises exactly the alternative the caller built.
/// Schemas that responses use keep `anyOf` (decoding into all matching alternatives loses no
/// field).
pub const REQUEST_ANY_OF_AS_ONE_OF: Fixup = Fixup {
    name: "request_any_of_as_one_of",
    quirk: "request bodies that are anyOf several objects (CreateFOTAJob, ground fix)",
    run: request_any_of_as_one_of,
};

fn any_of_to_one_of(value: &mut Value) -> usize {
    let mut count = 0;
    visit_schemas_mut(value, &mut |schema| {
        if let Some(alts) = schema.remove("anyOf") {
            schema.insert("oneOf".into(), alts);
            count += 1;
        }
    });
    count
}

fn request_any_of_as_one_of(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let ops = crate::spec::operations(doc);
    let responses: Vec<&Value> = ops
        .iter()
        .filter_map(|(_, _, op)| op.get("responses"))
        .collect();
    let requests: Vec<&Value> = ops
        .iter()
        .flat_map(|(_, _, op)| [op.get("requestBody"), op.get("parameters")])
        .flatten()
        .collect();
    let empty = serde_json::Map::new();
    let all = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let in_responses = reachable(all, responses);
    let request_only: Vec<String> = reachable(all, requests)
        .into_iter()
        .filter(|n| !in_responses.contains(n))
        .collect();
    let mut changes = Vec::new();
    super::util::for_each_operation(doc, |path, method, op| {
        let at = super::util::label(path, method, op);
        for key in ["requestBody", "parameters"] {
            if let Some(v) = op.get_mut(key) {
                let n = any_of_to_one_of(v);
                if n > 0 {
                    changes.push((at.clone(), format!("{n} anyOf -> oneOf in {key}")));
                }
            }
        }
        Ok(())
    })?;
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in request_only {
            if let Some(schema) = schemas.get_mut(&name) {
                let n = any_of_to_one_of(schema);
                if n > 0 {
                    changes.push((
                        format!("schema {name}"),
                        format!("{n} anyOf -> oneOf (request-only schema)"),
                    ));
                }
            }
        }
    }
    for (at, change) in changes {
        log.note(at, change);
    }
    Ok(())
}

/// Quirk: the alternatives of CreateFOTAJob's body (by tags, by device ids, by device
/// identifiers, by all three, by criteria) are inline objects, so typify names them
/// `Variant0` … `Variant4`: struct variants without builders, which a caller tells apart only
/// by reading the document. Each becomes a component schema named by the properties it
/// requires beyond those every alternative requires (`FotaJobByTags`, `FotaJobByDeviceIds`,
/// …, `FotaJobByCriteria` when none), so the body is `CreateFotaJobBody::Tags(FotaJobByTags)`
/// and each alternative has a builder. Same JSON, same accepted values. Runs after
/// `request_any_of_as_one_of`.
pub const REQUEST_ALTERNATIVES_ARE_NAMED: Fixup = Fixup {
    name: "request_alternatives_are_named",
    quirk: "CreateFOTAJob's body alternatives are inline objects (typify's Variant0..4)",
    run: request_alternatives_are_named,
};

/// Operations whose body alternatives get names, with the prefix of those names.
const NAMED_ALTERNATIVES: &[(&str, &str)] = &[("CreateFOTAJob", "FotaJob")];

/// `deviceIds` -> `DeviceIds`.
fn pascal(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The names of `required`, in order.
fn required_of(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn request_alternatives_are_named(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let existing = super::util::schemas_snapshot(doc);
    let mut new_schemas = Vec::new();
    let mut notes = Vec::new();
    super::util::for_each_operation(doc, |path, method, op| {
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
        let Some(&(_, prefix)) = NAMED_ALTERNATIVES.iter().find(|(o, _)| *o == id) else {
            return Ok(());
        };
        let at = super::util::label(path, method, op);
        let schema = super::util::request_content_mut(op)
            .and_then(|c| c.get_mut("application/json"))
            .and_then(|m| m.get_mut("schema"));
        let Some(schema) = schema else {
            return Err(format!("{at}: no JSON request body"));
        };
        let Some(alternatives) = schema.get_mut("oneOf").and_then(Value::as_array_mut) else {
            // Already named (a $ref'd body) or not alternatives at all.
            return Ok(());
        };
        let inline: Vec<bool> = alternatives
            .iter()
            .map(|a| a.get("$ref").is_none() && a.get("properties").is_some())
            .collect();
        if !inline.iter().any(|i| *i) {
            return Ok(());
        }
        let shared: Vec<String> = alternatives
            .iter()
            .map(required_of)
            .reduce(|a, b| a.into_iter().filter(|n| b.contains(n)).collect())
            .unwrap_or_default();
        let mut names = Vec::new();
        for (alt, inline) in alternatives.iter_mut().zip(inline) {
            if !inline {
                continue;
            }
            let extra: Vec<String> = required_of(alt)
                .into_iter()
                .filter(|n| !shared.contains(n))
                .map(|n| pascal(&n))
                .collect();
            let by = if extra.is_empty() {
                "Criteria".to_string()
            } else {
                extra.join("And")
            };
            let name = format!("{prefix}By{by}");
            if existing.contains_key(&name) || names.contains(&name) {
                return Err(format!("{at}: the alternative name {name} is taken"));
            }
            new_schemas.push((name.clone(), alt.take()));
            *alt = json!({"$ref": format!("#/components/schemas/{name}")});
            names.push(name);
        }
        notes.push((at, format!("oneOf alternatives named {}", names.join(", "))));
        Ok(())
    })?;
    if new_schemas.is_empty() {
        return Ok(());
    }
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("no components.schemas")?;
    for (name, schema) in new_schemas {
        schemas.insert(name, schema);
    }
    for (at, note) in notes {
        log.note(at, note);
    }
    Ok(())
}

/// Quirk: `anyOf` of objects that exclude each other (`Device` = GenericDevice, BLEDevice or
/// GatewayDevice, told apart by `type`, a single-value enum in each). typify's struct of
/// flattened optional alternatives accepts any object (every alternative absent), so a
/// transformed item or a broken device decodes as an empty `Device` and its data is lost.
/// When every alternative requires one property whose single allowed values differ, exactly
/// one alternative can match: `anyOf` becomes `oneOf` (an untagged enum), which is the same
/// set of values and keeps every field of the matching alternative.
pub const EXCLUSIVE_ANY_OF_AS_ONE_OF: Fixup = Fixup {
    name: "exclusive_any_of_as_one_of",
    quirk: "anyOf of objects told apart by a constant property (Device by `type`)",
    run: exclusive_any_of_as_one_of,
};

/// The single allowed value of `prop` in an object schema that requires it, if any.
fn constant_of(schemas: &serde_json::Map<String, Value>, alt: &Value, prop: &str) -> Option<Value> {
    let s = super::util::resolve(schemas, alt);
    let required = s.get("required")?.as_array()?.iter().any(|r| r == prop);
    let p = super::util::resolve(schemas, s.get("properties")?.get(prop)?);
    match p.get("enum").and_then(Value::as_array) {
        Some(values) if required && values.len() == 1 => Some(values[0].clone()),
        _ => None,
    }
}

/// A property that tells the alternatives apart, if there is one.
fn discriminating_property(
    schemas: &serde_json::Map<String, Value>,
    alts: &[Value],
) -> Option<String> {
    let first = super::util::resolve(schemas, alts.first()?);
    let names: Vec<String> = first
        .get("properties")?
        .as_object()?
        .keys()
        .cloned()
        .collect();
    names.into_iter().find(|prop| {
        let values: Option<Vec<Value>> =
            alts.iter().map(|a| constant_of(schemas, a, prop)).collect();
        values.is_some_and(|v| {
            let mut unique = v.clone();
            unique.dedup();
            v.iter()
                .enumerate()
                .all(|(i, x)| v.iter().skip(i + 1).all(|y| x != y))
        })
    })
}

fn exclusive_any_of_as_one_of(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let schemas = super::util::schemas_snapshot(doc);
    let mut changed = Vec::new();
    visit_schemas_mut(doc, &mut |schema| {
        let Some(alts) = schema.get("anyOf").and_then(Value::as_array) else {
            return;
        };
        if alts.len() < 2 {
            return;
        }
        if let Some(prop) = discriminating_property(&schemas, alts) {
            let alts = schema.remove("anyOf").expect("checked");
            schema.insert("oneOf".into(), alts);
            changed.push(prop);
        }
    });
    for prop in changed {
        log.note(
            "schema",
            format!("anyOf told apart by constant `{prop}` -> oneOf"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::schemas::COERCE_STRING_DEFAULTS;
    use crate::fixups::testing::*;

    #[test]
    fn one_value_alternatives_become_one_enum() {
        let mut doc = tiny_spec(
            json!({"/g": {"get": ok_json("G", json!({"$ref": "#/components/schemas/Service"}))}}),
        );
        doc["components"]["schemas"]["Service"] = json!({"description": "who answered",
            "anyOf": [{"$ref": "#/components/schemas/T.MCELL"}, {"$ref": "#/components/schemas/T.SCELL"}]});
        doc["components"]["schemas"]["T.MCELL"] = json!({"type": "string", "enum": ["MCELL"]});
        doc["components"]["schemas"]["T.SCELL"] = json!({"type": "string", "enum": ["SCELL"]});
        doc["components"]["schemas"]["Mixed"] =
            json!({"anyOf": [{"$ref": "#/components/schemas/T.MCELL"}, {"type": "integer"}]});
        let before = try_generate(&doc).unwrap();
        // A struct of one optional field per alternative (or, as oneOf, an enum of enums).
        assert!(before.contains("Option<TScell>"), "{before}");
        let report = run_one(&ONE_VALUE_ALTERNATIVES_AS_ONE_ENUM, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        let service = &doc["components"]["schemas"]["Service"];
        assert_eq!(service["enum"], json!(["MCELL", "SCELL"]));
        assert_eq!(service["description"], json!("who answered"));
        assert!(doc["components"]["schemas"]["Mixed"].get("anyOf").is_some());
        let after = try_generate(&doc).unwrap();
        assert!(!after.contains("Option<TScell>"), "{after}");
        assert!(after.contains("pub enum Service"), "{after}");
    }

    #[test]
    fn scalar_any_of_decodes_any_alternative() {
        let mut doc = tiny_spec(
            json!({"/d": {"get": ok_json("D", json!({"$ref": "#/components/schemas/Dev"}))}}),
        );
        doc["components"]["schemas"]["Kind"] = json!({"type": "string", "enum": ["a", "b"]});
        doc["components"]["schemas"]["Dev"] = json!({"type": "object", "properties": {
            "subType": {"anyOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "string"}]},
            "mnc": {"anyOf": [{"type": "number"}, {"type": "string"}]},
            "item": {"anyOf": [{"type": "object", "properties": {"id": {"type": "string"}}}, {"description": "anything"}]}}});
        assert!(
            try_generate(&doc).unwrap().contains("flatten"),
            "typify flattens anyOf"
        );
        run_one(&SCALAR_ANY_OF_AS_ONE_OF, &mut doc);
        let code = try_generate(&doc).unwrap();
        assert!(!code.contains("flatten"));
        assert!(code.contains("#[serde(untagged)]"));
    }

    #[test]
    fn request_any_of_serialises_one_alternative() {
        // The real CreateFOTAJob body, whose alternatives typify flattens into one struct.
        let spec: Value =
            serde_json::from_str(include_str!("../../../../spec/openapi.json")).unwrap();
        let mut doc = tiny_spec(json!({"/fota-jobs": {"post": {
            "operationId": "CreateJob",
            "requestBody": spec["paths"]["/fota-jobs"]["post"]["requestBody"].clone(),
            "responses": {"201": {"description": "ok"}}
        }}}));
        doc["components"] = spec["components"].clone();
        crate::fixups::apply(&mut doc, &[COERCE_STRING_DEFAULTS, SCALAR_ANY_OF_AS_ONE_OF]).unwrap();
        assert!(
            try_generate(&doc).unwrap().contains("pub subtype_4:"),
            "typify flattens the alternatives"
        );
        let report = run_one(&REQUEST_ANY_OF_AS_ONE_OF, &mut doc);
        assert!(!report.rewrites.is_empty());
        let code = try_generate(&doc).unwrap();
        assert!(!code.contains("pub subtype_4:") && code.contains("pub enum CreateJobBody"));
    }

    #[test]
    fn create_fota_job_alternatives_get_names_and_builders() {
        let spec: Value =
            serde_json::from_str(include_str!("../../../../spec/openapi.json")).unwrap();
        let mut doc = tiny_spec(json!({"/fota-jobs": {"post": {
            "operationId": "CreateFOTAJob",
            "requestBody": spec["paths"]["/fota-jobs"]["post"]["requestBody"].clone(),
            "responses": {"201": {"description": "ok"}}
        }}}));
        doc["components"] = spec["components"].clone();
        crate::fixups::apply(
            &mut doc,
            &[
                COERCE_STRING_DEFAULTS,
                SCALAR_ANY_OF_AS_ONE_OF,
                REQUEST_ANY_OF_AS_ONE_OF,
            ],
        )
        .unwrap();
        assert!(
            try_generate(&doc)
                .unwrap()
                .contains("CreateFotaJobBodyVariant0BundleId"),
            "typify numbers inline alternatives"
        );
        let report = run_one(&REQUEST_ALTERNATIVES_ARE_NAMED, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        let code = try_generate(&doc).unwrap();
        assert!(
            !code.contains("CreateFotaJobBodyVariant"),
            "no numbered variants left"
        );
        for name in [
            "FotaJobByTags",
            "FotaJobByTagsAndDeviceIdsAndDeviceIdentifiers",
            "FotaJobByDeviceIds",
            "FotaJobByDeviceIdentifiers",
            "FotaJobByCriteria",
        ] {
            // typify drops the shared prefix: `CreateFotaJobBody::Tags(FotaJobByTags)`.
            let variant = name.trim_start_matches("FotaJobBy");
            let flat: String = code.split_whitespace().collect();
            assert!(
                flat.contains(&format!("{variant}({name}")),
                "{name} variant in {}",
                &code[code.find("pub enum CreateFotaJobBody").unwrap_or(0)..][..400]
            );
            assert!(
                code.contains(&format!("pub struct {name} {{")),
                "{name} struct"
            );
        }
        // Applying it again changes nothing.
        let again = run_one(&REQUEST_ALTERNATIVES_ARE_NAMED, &mut doc);
        assert!(again.rewrites.is_empty());
    }

    #[test]
    fn exclusive_any_of_keeps_the_matching_alternative() {
        // The real Device schema, which typify flattens into a struct that accepts anything.
        let spec: Value =
            serde_json::from_str(include_str!("../../../../spec/openapi.json")).unwrap();
        let mut doc = tiny_spec(
            json!({"/d": {"get": ok_json("GetDevice", json!({"$ref": "#/components/schemas/Device"}))}}),
        );
        doc["components"] = spec["components"].clone();
        crate::fixups::apply(&mut doc, &[COERCE_STRING_DEFAULTS, SCALAR_ANY_OF_AS_ONE_OF]).unwrap();
        assert!(
            try_generate(&doc).unwrap().contains("pub struct Device {"),
            "flattened without the fixup"
        );
        let report = run_one(&EXCLUSIVE_ANY_OF_AS_ONE_OF, &mut doc);
        assert!(!report.rewrites.is_empty());
        let code = try_generate(&doc).unwrap();
        assert!(
            code.contains("pub enum Device {"),
            "an untagged enum of the three kinds"
        );
        // Alternatives without a distinguishing constant are left alone.
        let mut doc2 = tiny_spec(json!({}));
        doc2["components"]["schemas"]["X"] =
            json!({"anyOf": [{"type": "object"}, {"type": "object"}]});
        assert_eq!(
            run_one(&EXCLUSIVE_ANY_OF_AS_ONE_OF, &mut doc2).no_ops.len(),
            1
        );
    }
}
