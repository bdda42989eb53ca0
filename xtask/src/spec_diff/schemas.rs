//! Component schemas: compared by name, keyword by keyword, with `$ref`s compared by the
//! name they point at.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::describe::{diff_other_keys, flag, join, push, render};
use super::model::{ChangeReport, SchemaChange};

pub(super) fn compare_schemas(old: &Value, new: &Value, report: &mut ChangeReport) {
    let empty = Map::new();
    let am = old
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let bm = new
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let names: BTreeSet<&String> = am.keys().chain(bm.keys()).collect();
    for name in names {
        match (am.get(name), bm.get(name)) {
            (None, Some(_)) => report.schemas_added.push(name.clone()),
            (Some(_), None) => report.schemas_removed.push(name.clone()),
            (Some(a), Some(b)) if a != b => {
                let mut changes = Vec::new();
                diff_schema(Some(a), Some(b), "", &mut changes);
                if changes.is_empty() {
                    changes.push("changed".into());
                }
                report.schemas_changed.push(SchemaChange {
                    name: name.clone(),
                    changes,
                });
            }
            _ => {}
        }
    }
}

/// The keys [`diff_schema`] reports on itself; the rest go through [`diff_other_keys`].
const SCHEMA_KEYS: [&str; 12] = [
    "$ref",
    "type",
    "format",
    "nullable",
    "enum",
    "required",
    "properties",
    "items",
    "additionalProperties",
    "allOf",
    "anyOf",
    "oneOf",
];

/// Compares two schemas without resolving `$ref`s: a reference is compared by its name.
pub(super) fn diff_schema(
    a: Option<&Value>,
    b: Option<&Value>,
    prefix: &str,
    out: &mut Vec<String>,
) {
    let (a, b) = match (a, b) {
        (None, None) => return,
        (None, Some(b)) => {
            push(out, prefix, format!("schema added ({})", schema_label(b)));
            return;
        }
        (Some(a), None) => {
            push(out, prefix, format!("schema removed ({})", schema_label(a)));
            return;
        }
        (Some(a), Some(b)) if a == b => return,
        (Some(a), Some(b)) => (a, b),
    };
    if ref_name(a).is_some() || ref_name(b).is_some() {
        diff_ref_or_other(a, b, prefix, out);
        return;
    }
    let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) else {
        push(
            out,
            prefix,
            format!("{} -> {}", render(Some(a)), render(Some(b))),
        );
        return;
    };
    let (ta, tb) = (type_label(ma), type_label(mb));
    if ta != tb {
        push(out, prefix, format!("type {ta} -> {tb}"));
    }
    if flag(ma.get("nullable")) != flag(mb.get("nullable")) {
        push(
            out,
            prefix,
            format!(
                "nullable {} -> {}",
                flag(ma.get("nullable")),
                flag(mb.get("nullable"))
            ),
        );
    }
    diff_list(ma.get("enum"), mb.get("enum"), "enum", prefix, out);
    diff_list(
        ma.get("required"),
        mb.get("required"),
        "required",
        prefix,
        out,
    );

    // Properties.
    if ma.get("properties") != mb.get("properties") {
        let empty = Map::new();
        let pa = ma
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let pb = mb
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for name in pb.keys().filter(|k| !pa.contains_key(*k)) {
            push(out, prefix, format!("property + {name}"));
        }
        for name in pa.keys().filter(|k| !pb.contains_key(*k)) {
            push(out, prefix, format!("property - {name}"));
        }
        for (name, sa) in pa {
            if let Some(sb) = pb.get(name) {
                diff_schema(
                    Some(sa),
                    Some(sb),
                    &join(prefix, &format!("property {name}")),
                    out,
                );
            }
        }
    }

    diff_schema(
        ma.get("items"),
        mb.get("items"),
        &join(prefix, "items"),
        out,
    );

    match (
        ma.get("additionalProperties"),
        mb.get("additionalProperties"),
    ) {
        (x, y) if x == y => {}
        (Some(x @ Value::Object(_)), Some(y @ Value::Object(_))) => {
            diff_schema(Some(x), Some(y), &join(prefix, "additionalProperties"), out)
        }
        (x, y) => push(
            out,
            prefix,
            format!(
                "additionalProperties {} -> {}",
                additional_label(x),
                additional_label(y)
            ),
        ),
    }

    for key in ["allOf", "anyOf", "oneOf"] {
        diff_alternatives(ma.get(key), mb.get(key), key, prefix, out);
    }

    diff_other_keys(ma, mb, &SCHEMA_KEYS, prefix, out);
}

/// `allOf`/`anyOf`/`oneOf`: pairwise when the count is unchanged, otherwise the members added
/// and removed (by reference name or inline label).
fn diff_alternatives(
    a: Option<&Value>,
    b: Option<&Value>,
    key: &str,
    prefix: &str,
    out: &mut Vec<String>,
) {
    if a == b {
        return;
    }
    let la: &[Value] = a
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let lb: &[Value] = b
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if la.len() == lb.len() && !la.is_empty() {
        for (i, (x, y)) in la.iter().zip(lb).enumerate() {
            diff_schema(Some(x), Some(y), &join(prefix, &format!("{key}[{i}]")), out);
        }
        if a.is_some_and(|v| !v.is_array()) || b.is_some_and(|v| !v.is_array()) {
            push(out, prefix, format!("{key} changed"));
        }
        return;
    }
    let labels_a: Vec<String> = la.iter().map(schema_label).collect();
    let labels_b: Vec<String> = lb.iter().map(schema_label).collect();
    let before = out.len();
    for label in labels_b.iter().filter(|l| !labels_a.contains(l)) {
        push(out, prefix, format!("{key} + {label}"));
    }
    for label in labels_a.iter().filter(|l| !labels_b.contains(l)) {
        push(out, prefix, format!("{key} - {label}"));
    }
    if out.len() == before {
        push(
            out,
            prefix,
            format!("{key}: {} -> {} members", la.len(), lb.len()),
        );
    }
}

/// Values added to and removed from a list (`enum`, `required`), in their order.
fn diff_list(a: Option<&Value>, b: Option<&Value>, key: &str, prefix: &str, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let la: &[Value] = a
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let lb: &[Value] = b
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let added: Vec<String> = lb
        .iter()
        .filter(|v| !la.contains(v))
        .map(|v| render(Some(v)))
        .collect();
    let removed: Vec<String> = la
        .iter()
        .filter(|v| !lb.contains(v))
        .map(|v| render(Some(v)))
        .collect();
    if !added.is_empty() {
        push(out, prefix, format!("{key} + {}", added.join(", ")));
    }
    if !removed.is_empty() {
        push(out, prefix, format!("{key} - {}", removed.join(", ")));
    }
    if added.is_empty() && removed.is_empty() {
        let what = if a.is_none() || b.is_none() || la.len() == lb.len() {
            "order"
        } else {
            "duplicates"
        };
        push(out, prefix, format!("{key} {what} changed"));
    }
}

/// Two values at least one of which is a `$ref`: compared by name, never inlined.
pub(super) fn diff_ref_or_other(a: &Value, b: &Value, prefix: &str, out: &mut Vec<String>) {
    let (la, lb) = (schema_label(a), schema_label(b));
    if la != lb {
        push(out, prefix, format!("ref {la} -> {lb}"));
    } else if let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) {
        // Same target, different siblings of `$ref` (a description, say).
        diff_other_keys(ma, mb, &["$ref"], prefix, out);
    }
}

/// `integer`, `string (date-time)`, `string|null`, or `any`.
fn type_label(schema: &Map<String, Value>) -> String {
    let ty = match schema.get("type") {
        None => "any".to_string(),
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .map(|t| render(Some(t)))
            .collect::<Vec<_>>()
            .join("|"),
        Some(other) => render(Some(other)),
    };
    match schema.get("format") {
        Some(f) => format!("{ty} ({})", render(Some(f))),
        None => ty,
    }
}

/// How a schema is named in a one-line change: its reference name, or `inline <type>`.
fn schema_label(schema: &Value) -> String {
    if let Some(r) = ref_name(schema) {
        return r;
    }
    match schema.as_object() {
        Some(m) => format!("inline {}", type_label(m)),
        None => render(Some(schema)),
    }
}

fn additional_label(v: Option<&Value>) -> String {
    match v {
        None => "none".into(),
        Some(Value::Object(_)) => v.map(schema_label).unwrap_or_default(),
        Some(other) => render(Some(other)),
    }
}

/// The name a `$ref` points at: the last segment of a local reference, the whole reference
/// otherwise.
pub(super) fn ref_name(v: &Value) -> Option<String> {
    let r = v.get("$ref")?.as_str()?;
    Some(match r.strip_prefix("#/") {
        Some(local) => local
            .rsplit('/')
            .next()
            .unwrap_or(local)
            .replace("~1", "/")
            .replace("~0", "~"),
        None => r.to_string(),
    })
}
