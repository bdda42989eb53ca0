//! Fixups for the ground-fix request body (GetLocationFromCellsOrWifiNetworks,
//! `POST /location/ground-fix`): typify's types for it must send a captured body as the same
//! JSON document, so the wrapper needs no model of its own.

use serde_json::{Map, Value, json};

use super::util::{for_each_operation, label, request_content_mut, schemas_snapshot};
use super::{Fixup, Rewrites};

/// The operation whose body these fixups shape.
const GROUND_FIX: &str = "GetLocationFromCellsOrWifiNetworks";

/// The `x-rust-type` extension typify reads: `serde_json::Number`, which keeps the form a
/// number was given in (`-9` stays `-9`, `-9.5` stays `-9.5`). [`crate::generate::settings`]
/// names the `serde_json` crate, so typify uses the type instead of generating one.
fn json_number() -> Value {
    json!({"crate": "serde_json", "version": "1", "path": "serde_json::Number"})
}

/// The ground-fix body's JSON schema, if the operation has one.
fn body_schema(op: &mut Map<String, Value>) -> Option<&mut Value> {
    request_content_mut(op)?
        .get_mut("application/json")?
        .get_mut("schema")
}

/// Component names reachable from the ground-fix body, and the body's label.
fn body_components(doc: &mut Value) -> (Vec<String>, Option<String>) {
    let schemas = schemas_snapshot(doc);
    let mut names = Vec::new();
    let mut at = None;
    let _ = for_each_operation(doc, |path, method, op| {
        if op.get("operationId").and_then(Value::as_str) != Some(GROUND_FIX) {
            return Ok(());
        }
        at = Some(label(path, method, op));
        if let Some(schema) = body_schema(op) {
            names = super::util::reachable(&schemas, vec![schema])
                .into_iter()
                .collect();
        }
        Ok(())
    });
    (names, at)
}

/// Applies `rewrite` to the ground-fix body's schema (as `"body"`) and to each of the named
/// component schemas it uses.
fn rewrite_body_and_components(
    doc: &mut Value,
    components: &[String],
    rewrite: &mut impl FnMut(&str, &mut Value),
) {
    let _ = for_each_operation(doc, |_, _, op| {
        if op.get("operationId").and_then(Value::as_str) == Some(GROUND_FIX)
            && let Some(schema) = body_schema(op)
        {
            rewrite("body", schema);
        }
        Ok(())
    });
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in components {
            if let Some(schema) = schemas.get_mut(name) {
                rewrite(name, schema);
            }
        }
    }
}

/// Quirk: the ground-fix body's measurements that may be decimal (`rsrq` −34.5…3.5, `rsrp`,
/// `adv`, `timeDiff`, a Wi-Fi access point's `signalStrength`, `signalToNoiseRatio`,
/// `frequency`, `channel`, `age`) are `type: number`, which typify makes `f64`: a captured
/// body's `"rsrp": -97` goes out as `-97.0`, not the JSON document the device wrote. Each
/// such property (inline, or a `$ref` to a number component such as `Rsrp`) becomes an inline
/// `type: number` with `x-rust-type: serde_json::Number`, in the objects the body reaches
/// (`LteCell`, its `nmr` items, `AccessPointWithFrequency`, `AccessPointWithChannel`); the
/// components themselves stay, as query parameters use them. Whole-number fields the document
/// already types `integer` (`mcc`, `tac`, `eci`, `earfcn`, `pci`) are left alone. Same
/// accepted values, same JSON: not lossy.
pub const GROUND_FIX_NUMBERS_KEEP_THEIR_FORM: Fixup = Fixup {
    name: "ground_fix_numbers_keep_their_form",
    quirk: "ground-fix measurements typed number (f64): -97 would be sent as -97.0",
    run: ground_fix_numbers_keep_their_form,
};

fn ground_fix_numbers_keep_their_form(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let (components, at) = body_components(doc);
    let Some(at) = at else {
        return Ok(());
    };
    let snapshot = schemas_snapshot(doc);
    let mut changed = Vec::new();
    let mut rewrite = |owner: &str, schema: &mut Value| {
        visit_objects(schema, owner, &mut |where_, object| {
            for (name, prop) in properties(object).iter_mut() {
                let resolved = super::util::resolve(&snapshot, prop);
                let is_number = resolved.get("type").and_then(Value::as_str) == Some("number");
                if !is_number || resolved.get("x-rust-type").is_some() {
                    continue;
                }
                let mut inline = resolved.as_object().cloned().unwrap_or_default();
                inline.remove("format");
                if let Some(d) = prop.get("description").cloned() {
                    inline.insert("description".into(), d);
                }
                inline.insert("x-rust-type".into(), json_number());
                *prop = Value::Object(inline);
                changed.push(format!("{where_}.{name}"));
            }
        });
    };
    rewrite_body_and_components(doc, &components, &mut rewrite);
    if !changed.is_empty() {
        log.note(
            at,
            format!(
                "{} number properties -> serde_json::Number (sent as given): {}",
                changed.len(),
                changed.join(", ")
            ),
        );
    }
    Ok(())
}

/// Calls `f(path, object)` for every object schema (one with `properties`) in `schema`, not
/// following `$ref`s, with a readable path (`LteCell.nmr[]`).
fn visit_objects(
    schema: &mut Value,
    path: &str,
    f: &mut impl FnMut(&str, &mut Map<String, Value>),
) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if map.get("properties").is_some_and(Value::is_object) {
        f(path, map);
    }
    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            visit_objects(prop, &format!("{path}.{name}"), f);
        }
    }
    if let Some(items) = map.get_mut("items") {
        visit_objects(items, &format!("{path}[]"), f);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(alts) = map.get_mut(key).and_then(Value::as_array_mut) {
            for (i, alt) in alts.iter_mut().enumerate() {
                visit_objects(alt, &format!("{path}<{i}>"), f);
            }
        }
    }
}

/// The properties of an object schema found by [`visit_objects`].
fn properties(object: &mut Map<String, Value>) -> &mut Map<String, Value> {
    object
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("visit_objects passes objects with properties")
}

/// Quirk: the ground-fix body's lists (`lte`, `ltecatm`, `nbiot`, `wifi`, a cell's `nmr`) are
/// optional arrays, which typify makes a `Vec` skipped when empty: a captured body's
/// `"nmr": []` would be dropped, and the document on the wire would differ from the one the
/// device wrote. Each becomes `nullable`, so typify makes it an `Option<Vec<_>>` that sends
/// `[]` when given `Some(vec![])` and nothing when `None`. (A `null` is read as absent.)
pub const GROUND_FIX_EMPTY_LISTS_ARE_KEPT: Fixup = Fixup {
    name: "ground_fix_empty_lists_are_kept",
    quirk: "ground-fix optional lists become Vecs skipped when empty: \"nmr\": [] is dropped",
    run: ground_fix_empty_lists_are_kept,
};

fn ground_fix_empty_lists_are_kept(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let (components, at) = body_components(doc);
    let Some(at) = at else {
        return Ok(());
    };
    let mut changed = Vec::new();
    let mut rewrite = |owner: &str, schema: &mut Value| {
        visit_objects(schema, owner, &mut |where_, object| {
            let required = object.get("required").cloned().unwrap_or_default();
            let required = required.as_array().map(Vec::as_slice).unwrap_or_default();
            for (name, prop) in properties(object).iter_mut() {
                let is_array = prop.get("type").and_then(Value::as_str) == Some("array");
                let optional = !required.iter().any(|r| r.as_str() == Some(name));
                if is_array && optional && prop.get("nullable").is_none() {
                    prop["nullable"] = Value::Bool(true);
                    changed.push(format!("{where_}.{name}"));
                }
            }
        });
    };
    rewrite_body_and_components(doc, &components, &mut rewrite);
    if !changed.is_empty() {
        log.note(
            at,
            format!(
                "{} optional lists -> Option<Vec> (an empty list is sent): {}",
                changed.len(),
                changed.join(", ")
            ),
        );
    }
    Ok(())
}

/// Quirk: the ground-fix body is an anyOf of two inline objects (the current form, `wifi` a
/// list of access points; the older form, `wifi` an object `{"accessPoints": [...]}` with
/// `lte` cells only), which typify names `Variant0` and `Variant1`: struct variants without
/// builders. They become the components `GroundFixCurrentForm` and `GroundFixOlderForm`, so
/// the body is `GetLocationFromCellsOrWifiNetworksBody::CurrentForm(GroundFixCurrentForm)` or
/// `::OlderForm(GroundFixOlderForm)`, each with a builder. Same JSON, same accepted values.
pub const GROUND_FIX_FORMS_ARE_NAMED: Fixup = Fixup {
    name: "ground_fix_forms_are_named",
    quirk: "the ground-fix body's two forms are inline objects (typify's Variant0, Variant1)",
    run: ground_fix_forms_are_named,
};

/// The component names of the two forms, in the document's order.
const FORM_NAMES: [&str; 2] = ["GroundFixCurrentForm", "GroundFixOlderForm"];

fn ground_fix_forms_are_named(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let existing = schemas_snapshot(doc);
    let mut moved = Vec::new();
    let mut at = String::new();
    for_each_operation(doc, |path, method, op| {
        if op.get("operationId").and_then(Value::as_str) != Some(GROUND_FIX) {
            return Ok(());
        }
        at = label(path, method, op);
        let Some(schema) = body_schema(op) else {
            return Ok(());
        };
        let key = ["anyOf", "oneOf"]
            .into_iter()
            .find(|k| schema.get(*k).is_some());
        let Some(alternatives) = key.and_then(|k| schema.get_mut(k)?.as_array_mut()) else {
            return Ok(());
        };
        if alternatives.len() != FORM_NAMES.len() {
            if alternatives.iter().all(|a| a.get("$ref").is_some()) {
                return Ok(());
            }
            return Err(format!(
                "{at}: {} body alternatives, expected the current and the older form",
                alternatives.len()
            ));
        }
        for (alt, name) in alternatives.iter_mut().zip(FORM_NAMES) {
            if alt.get("$ref").is_some() {
                continue;
            }
            if existing.contains_key(name) {
                return Err(format!("{at}: component {name} exists already"));
            }
            let schema =
                std::mem::replace(alt, json!({"$ref": format!("#/components/schemas/{name}")}));
            moved.push((name, schema));
        }
        Ok(())
    })?;
    if moved.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = moved.iter().map(|(n, _)| *n).collect();
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("no components.schemas")?;
    for (name, schema) in moved {
        schemas.insert(name.to_owned(), schema);
    }
    log.note(
        at,
        format!(
            "inline body alternatives -> components {}",
            names.join(", ")
        ),
    );
    Ok(())
}

/// Quirk: `AccessPoint` is an anyOf of `AccessPointWithFrequency` and
/// `AccessPointWithChannel`, objects that differ only in an optional `frequency` or `channel`.
/// typify makes an untagged enum, and as neither alternative limits other properties, an
/// access point with a `channel` is read as the frequency variant and its `channel` is
/// dropped: the body on the wire loses it. `AccessPoint` becomes one object with the union of
/// the properties and the properties both require (`macAddress`), which admits exactly the
/// values the anyOf admits. The two components stay.
pub const ACCESS_POINT_IS_ONE_OBJECT: Fixup = Fixup {
    name: "access_point_is_one_object",
    quirk: "AccessPoint's anyOf of two open objects: an untagged enum drops `channel`",
    run: access_point_is_one_object,
};

fn access_point_is_one_object(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let snapshot = schemas_snapshot(doc);
    let Some(access_point) = snapshot.get("AccessPoint") else {
        return Ok(());
    };
    let Some(alternatives) = ["anyOf", "oneOf"]
        .into_iter()
        .find_map(|k| access_point.get(k)?.as_array())
    else {
        return Ok(());
    };
    let mut properties = Map::new();
    let mut required: Option<Vec<Value>> = None;
    for alt in alternatives {
        let alt = super::util::resolve(&snapshot, alt);
        let props = alt
            .get("properties")
            .and_then(Value::as_object)
            .ok_or("AccessPoint: an alternative is not an object with properties")?;
        if alt.get("additionalProperties") == Some(&Value::Bool(false)) {
            return Err("AccessPoint: an alternative forbids other properties".into());
        }
        for (name, prop) in props {
            match properties.get(name) {
                Some(seen) if seen != prop => {
                    return Err(format!("AccessPoint: the alternatives differ on {name}"));
                }
                _ => {
                    properties.insert(name.clone(), prop.clone());
                }
            }
        }
        let own = alt
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        required = Some(match required {
            None => own,
            Some(r) => r.into_iter().filter(|n| own.contains(n)).collect(),
        });
    }
    let mut merged = json!({"type": "object", "properties": properties});
    if let Some(d) = access_point.get("description") {
        merged["description"] = d.clone();
    }
    if let Some(r) = required.filter(|r| !r.is_empty()) {
        merged["required"] = Value::Array(r);
    }
    doc["components"]["schemas"]["AccessPoint"] = merged;
    log.note(
        "schema AccessPoint",
        format!(
            "anyOf of {} objects -> one object with their properties",
            alternatives.len()
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::fixups::testing::{run_one, tiny_spec, try_generate};

    /// The document's ground-fix operation and the components it uses.
    fn ground_fix_doc() -> Value {
        let spec: Value =
            serde_json::from_str(include_str!("../../../../spec/openapi.json")).unwrap();
        let op = &spec["paths"]["/location/ground-fix"]["post"];
        let mut doc = tiny_spec(json!({"/location/ground-fix": {"post": {
            "operationId": GROUND_FIX,
            "requestBody": op["requestBody"].clone(),
            "responses": {"200": {"description": "ok"}}
        }}}));
        let schemas = super::super::util::schemas_snapshot(&spec);
        let body = &op["requestBody"];
        for name in super::super::util::reachable(&schemas, vec![body]) {
            doc["components"]["schemas"][&name] = schemas[&name].clone();
        }
        doc
    }

    fn flat(code: &str) -> String {
        code.split_whitespace().collect()
    }

    #[test]
    fn numbers_become_serde_json_numbers() {
        let mut doc = ground_fix_doc();
        let before = flat(&try_generate(&doc).unwrap());
        assert!(
            before.contains("pubrsrq:::std::option::Option<f64>"),
            "{before}"
        );
        let report = run_one(&GROUND_FIX_NUMBERS_KEEP_THEIR_FORM, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        assert!(!report.rewrites[0].lossy);
        let change = &report.rewrites[0].change;
        for field in [
            "LteCell.rsrq",
            "LteCell.rsrp",
            "LteCell.adv",
            "LteCell.nmr[].timeDiff",
            "AccessPointWithFrequency.signalStrength",
            "AccessPointWithChannel.channel",
        ] {
            assert!(change.contains(field), "{field}: {change}");
        }
        let after = flat(&try_generate(&doc).unwrap());
        assert!(
            after.contains("pubrsrq:::std::option::Option<::serde_json::Number>"),
            "{after}"
        );
        assert!(!after.contains("Option<f64>"), "no f64 left in the body");
        // The whole-number fields stay integers; the number components stay for others.
        assert!(after.contains("pubearfcn:::std::option::Option<i64>"));
        assert!(
            doc["components"]["schemas"]["Rsrp"]
                .get("x-rust-type")
                .is_none()
        );
        let again = run_one(&GROUND_FIX_NUMBERS_KEEP_THEIR_FORM, &mut doc);
        assert_eq!(again.no_ops, ["ground_fix_numbers_keep_their_form"]);
    }

    #[test]
    fn empty_lists_are_options() {
        let mut doc = ground_fix_doc();
        let before = flat(&try_generate(&doc).unwrap());
        assert!(
            before.contains("pubnmr:::std::vec::Vec<LteCellNmrItem>"),
            "{before}"
        );
        let report = run_one(&GROUND_FIX_EMPTY_LISTS_ARE_KEPT, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        let after = flat(&try_generate(&doc).unwrap());
        assert!(
            after.contains("pubnmr:::std::option::Option<::std::vec::Vec<LteCellNmrItem>>"),
            "{after}"
        );
        let again = run_one(&GROUND_FIX_EMPTY_LISTS_ARE_KEPT, &mut doc);
        assert_eq!(again.no_ops, ["ground_fix_empty_lists_are_kept"]);
    }

    #[test]
    fn forms_get_names() {
        let mut doc = ground_fix_doc();
        // As in the build, the request's anyOf is a oneOf by now (an untagged enum).
        run_one(
            &crate::fixups::alternatives::REQUEST_ANY_OF_AS_ONE_OF,
            &mut doc,
        );
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains("Variant0"),
            "typify numbers the forms: {before}"
        );
        let report = run_one(&GROUND_FIX_FORMS_ARE_NAMED, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        let after = flat(&try_generate(&doc).unwrap());
        assert!(!after.contains("Variant0"), "{after}");
        assert!(
            after.contains("CurrentForm(GroundFixCurrentForm)"),
            "{after}"
        );
        assert!(after.contains("OlderForm(GroundFixOlderForm)"), "{after}");
        let again = run_one(&GROUND_FIX_FORMS_ARE_NAMED, &mut doc);
        assert_eq!(again.no_ops, ["ground_fix_forms_are_named"]);
    }

    #[test]
    fn an_access_point_keeps_its_channel() {
        let mut doc = ground_fix_doc();
        let before = flat(&try_generate(&doc).unwrap());
        // Two alternatives (flattened here; an untagged enum after the build's other fixups).
        assert!(before.contains("Option<AccessPointWithFrequency>"));
        let report = run_one(&ACCESS_POINT_IS_ONE_OBJECT, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        let merged = &doc["components"]["schemas"]["AccessPoint"];
        assert_eq!(merged["required"], json!(["macAddress"]));
        for name in ["frequency", "channel", "macAddress", "age"] {
            assert!(merged["properties"].get(name).is_some(), "{name}");
        }
        let after = flat(&try_generate(&doc).unwrap());
        let access_point = &after[after.find("pubstructAccessPoint{").unwrap()..];
        let access_point = &access_point[..access_point.find('}').unwrap()];
        assert!(access_point.contains("pubchannel:"), "{access_point}");
        assert!(access_point.contains("pubfrequency:"), "{access_point}");
        let again = run_one(&ACCESS_POINT_IS_ONE_OBJECT, &mut doc);
        assert_eq!(again.no_ops, ["access_point_is_one_object"]);
    }

    #[test]
    fn without_the_operation_they_are_no_ops() {
        for fixup in [
            &ACCESS_POINT_IS_ONE_OBJECT,
            &GROUND_FIX_NUMBERS_KEEP_THEIR_FORM,
            &GROUND_FIX_EMPTY_LISTS_ARE_KEPT,
            &GROUND_FIX_FORMS_ARE_NAMED,
        ] {
            let mut doc = tiny_spec(json!({}));
            assert_eq!(run_one(fixup, &mut doc).no_ops, [fixup.name]);
        }
    }
}
