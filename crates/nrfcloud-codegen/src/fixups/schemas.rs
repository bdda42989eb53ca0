//! Schemas: defaults of the wrong type, fields the server omits, enums the server outgrows.

use serde_json::{Value, json};

use super::util::visit_schemas_mut;
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

/// Quirk: the FOTA job-status enum `FotaV2JobEvents` lists CREATED, IN_PROGRESS, CANCELLED,
/// DELETION_IN_PROGRESS and COMPLETED, but the server also answers QUEUED, FAILED, SUCCEEDED,
/// TIMED_OUT, REJECTED and DOWNLOADING as job statuses (nrfcloud-api-helpers had to accept
/// them: commit "fix(fota): add missing states"); they are the execution statuses of
/// `FotaV2JobExecutionEvents`. They become known values, so callers match them as variants.
pub const FOTA_JOB_STATUSES_THE_SERVER_SENDS: Fixup = Fixup {
    name: "fota_job_statuses_the_server_sends",
    quirk: "FotaV2JobEvents lacks job statuses the server sends (QUEUED, SUCCEEDED, FAILED, ...)",
    run: fota_job_statuses_the_server_sends,
};

/// The job statuses the server sends beyond the document's enum.
const SENT_JOB_STATUSES: [&str; 6] = [
    "QUEUED",
    "FAILED",
    "SUCCEEDED",
    "TIMED_OUT",
    "REJECTED",
    "DOWNLOADING",
];

fn fota_job_statuses_the_server_sends(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let Some(values) = doc
        .pointer_mut("/components/schemas/FotaV2JobEvents/enum")
        .and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    let mut added = Vec::new();
    for status in SENT_JOB_STATUSES {
        if !values.iter().any(|v| v == status) {
            values.push(Value::String(status.into()));
            added.push(status);
        }
    }
    if !added.is_empty() {
        log.note(
            "schema FotaV2JobEvents",
            format!("enum += {}", added.join(", ")),
        );
    }
    Ok(())
}

/// Quirk: a listed execution's `status` (`FOTAJobExecutionState`, ListFOTAJobExecutionStatuses)
/// is a plain `string`, although the same document types an execution's status as
/// `FotaV2JobExecutionEvents` ("Status of a single FOTA job execution (one device)"), so a
/// caller compares strings. It becomes that (open) enum: the known values are variants, an
/// unknown one is kept as its string.
pub const EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM: Fixup = Fixup {
    name: "execution_states_use_the_execution_status_enum",
    quirk: "FOTAJobExecutionState.status is a plain string, not the document's FotaV2JobExecutionEvents",
    run: execution_states_use_the_execution_status_enum,
};

fn execution_states_use_the_execution_status_enum(
    doc: &mut Value,
    log: &mut Rewrites,
) -> Result<(), String> {
    if doc
        .pointer("/components/schemas/FotaV2JobExecutionEvents")
        .is_none()
    {
        return Ok(());
    }
    let Some(status) =
        doc.pointer_mut("/components/schemas/FOTAJobExecutionState/properties/status")
    else {
        return Ok(());
    };
    if status.get("$ref").is_some() || status.get("type") != Some(&json!("string")) {
        return Ok(());
    }
    if status.get("enum").is_some() || status.get("pattern").is_some() {
        return Err("FOTAJobExecutionState.status has its own enum or pattern now".into());
    }
    let description = status.get("description").cloned();
    let mut replaced = json!({"$ref": "#/components/schemas/FotaV2JobExecutionEvents"});
    if let Some(d) = description {
        replaced = json!({"allOf": [replaced], "description": d});
    }
    *status = replaced;
    log.note(
        "schema FOTAJobExecutionState",
        "status: string -> FotaV2JobExecutionEvents",
    );
    Ok(())
}

/// Quirk: the FOTA job's `executionStats` counts (devices, executions, succeeded, …) are
/// `number`, so they decode as `f64` and a caller converts every count. They become
/// non-negative integers.
pub const EXECUTION_COUNTS_ARE_INTEGERS: Fixup = Fixup {
    name: "execution_counts_are_integers",
    quirk: "FOTA executionStats counts typed as number",
    run: execution_counts_are_integers,
};

fn execution_counts_are_integers(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    for (name, schema) in schemas.iter_mut() {
        let Some(props) = schema
            .pointer_mut("/properties/executionStats/properties")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let mut changed = 0;
        for prop in props.values_mut() {
            if prop.get("type").and_then(Value::as_str) == Some("number") {
                prop["type"] = Value::String("integer".into());
                prop["minimum"] = Value::from(0);
                changed += 1;
            }
        }
        if changed > 0 {
            log.note(
                format!("schema {name}"),
                format!("executionStats: {changed} counts number -> integer"),
            );
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

/// Component names referenced (transitively) from `roots`.
fn reachable(
    schemas: &serde_json::Map<String, Value>,
    roots: Vec<&Value>,
) -> std::collections::BTreeSet<String> {
    fn collect<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(r);
                }
                m.iter()
                    .filter(|(k, _)| *k != "example")
                    .for_each(|(_, x)| collect(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = Vec::new();
    roots.into_iter().for_each(|r| collect(r, &mut todo));
    while let Some(name) = todo.pop() {
        if seen.insert(name.to_string())
            && let Some(s) = schemas.get(name)
        {
            collect(s, &mut todo);
        }
    }
    seen
}

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
    fn fota_job_statuses_and_counts_as_the_server_sends_them() {
        let mut doc = tiny_spec(
            json!({"/j": {"get": ok_json("J", json!({"$ref": "#/components/schemas/Job"}))}}),
        );
        doc["components"]["schemas"]["FotaV2JobEvents"] =
            json!({"type": "string", "enum": ["CREATED", "COMPLETED"]});
        doc["components"]["schemas"]["Job"] = json!({"type": "object", "required": ["status", "executionStats"],
            "properties": {"status": {"$ref": "#/components/schemas/FotaV2JobEvents"},
                "executionStats": {"type": "object", "required": ["succeeded"],
                    "properties": {"succeeded": {"type": "number"}, "failed": {"type": "number"}}}}});
        let before = try_generate(&doc).unwrap();
        assert!(before.contains("pub succeeded: f64"), "{before}");
        let report = crate::fixups::apply(
            &mut doc,
            &[
                FOTA_JOB_STATUSES_THE_SERVER_SENDS,
                EXECUTION_COUNTS_ARE_INTEGERS,
            ],
        )
        .unwrap();
        assert_eq!(report.rewrites.len(), 2, "{report:?}");
        let statuses = &doc["components"]["schemas"]["FotaV2JobEvents"]["enum"];
        assert_eq!(
            statuses.as_array().unwrap().len(),
            2 + SENT_JOB_STATUSES.len()
        );
        let after = try_generate(&doc).unwrap();
        assert!(after.contains("pub succeeded: u64"), "{after}");
        assert!(
            after.contains("Succeeded,") && after.contains("TimedOut,"),
            "{after}"
        );
        // A second run finds nothing to add.
        let again = crate::fixups::apply(&mut doc, &[FOTA_JOB_STATUSES_THE_SERVER_SENDS]).unwrap();
        assert!(again.rewrites.is_empty());
    }

    #[test]
    fn listed_execution_statuses_use_the_execution_status_enum() {
        let mut doc = tiny_spec(json!({"/e": {"get": ok_json(
            "E",
            json!({"$ref": "#/components/schemas/FOTAJobExecutionState"})
        )}}));
        doc["components"]["schemas"]["FotaV2JobExecutionEvents"] =
            json!({"type": "string", "enum": ["QUEUED", "SUCCEEDED", "FAILED"]});
        doc["components"]["schemas"]["FOTAJobExecutionState"] = json!({"type": "object",
            "required": ["deviceId", "status"],
            "properties": {"deviceId": {"type": "string"}, "status": {"type": "string"}}});
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains("pub status: ::std::string::String"),
            "{before}"
        );
        let report = run_one(&EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        let after = try_generate(&doc).unwrap();
        assert!(
            after.contains("pub status: FotaV2JobExecutionEvents"),
            "{after}"
        );
        // A second run finds nothing to do.
        let again = run_one(&EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM, &mut doc);
        assert!(again.rewrites.is_empty());
        // A status with its own rule is not silently replaced.
        doc["components"]["schemas"]["FOTAJobExecutionState"]["properties"]["status"] =
            json!({"type": "string", "enum": ["X"]});
        assert!(
            crate::fixups::apply(&mut doc, &[EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM])
                .is_err()
        );
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
