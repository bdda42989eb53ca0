//! Small helpers the fixups share: walking operations and resolving `$ref`s.

use serde_json::{Map, Value};

use crate::spec::METHODS;

/// An operation's label for reports: `OperationId METHOD /path`.
pub fn label(path: &str, method: &str, op: &Map<String, Value>) -> String {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or("<no operationId>");
    format!("{id} {} {path}", method.to_uppercase())
}

/// Calls `f(path, method, operation)` for every operation, mutably.
pub fn for_each_operation(
    doc: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Map<String, Value>) -> Result<(), String>,
) -> Result<(), String> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        for m in METHODS {
            if let Some(op) = item.get_mut(m).and_then(Value::as_object_mut) {
                f(path, m, op)?;
            }
        }
    }
    Ok(())
}

/// The media types of an operation's request body (`requestBody.content`), if it has one.
pub fn request_content_mut(op: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    op.get_mut("requestBody")?
        .get_mut("content")?
        .as_object_mut()
}

/// `(status, media types)` of every response of an operation that has a `content`.
pub fn response_contents_mut(
    op: &mut Map<String, Value>,
) -> impl Iterator<Item = (&String, &mut Map<String, Value>)> {
    op.get_mut("responses")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|responses| responses.iter_mut())
        .filter_map(|(code, r)| Some((code, r.get_mut("content")?.as_object_mut()?)))
}

/// A read-only copy of `components.schemas`, for resolving refs while operations are mutated.
pub fn schemas_snapshot(doc: &Value) -> Map<String, Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The component name of a `#/components/schemas/Name` ref.
pub fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// Follows `$ref`s (up to a small depth) to the schema object they name.
pub fn resolve<'a>(schemas: &'a Map<String, Value>, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match ref_name(schema).and_then(|n| schemas.get(n)) {
            Some(next) => schema = next,
            None => break,
        }
    }
    schema
}

/// True for a schema that is a plain string, or a oneOf/anyOf of strings only.
pub fn is_stringish(schemas: &Map<String, Value>, schema: &Value) -> bool {
    let s = resolve(schemas, schema);
    if s.get("type").and_then(Value::as_str) == Some("string") {
        return true;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            return !alts.is_empty() && alts.iter().all(|a| is_stringish(schemas, a));
        }
    }
    false
}

/// String constraints of a schema (after refs) that a raw body cannot express.
pub fn string_constraints(schemas: &Map<String, Value>, schema: &Value) -> Vec<String> {
    let s = resolve(schemas, schema);
    ["pattern", "maxLength", "minLength", "format", "enum"]
        .iter()
        .filter_map(|k| s.get(*k).map(|v| format!("{k} {v}")))
        .collect()
}

/// Visits every schema object in the document (components, parameters, bodies, responses,
/// and everything nested in them), mutably.
pub fn visit_schemas_mut(value: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            let is_schema = matches!(map.get("type"), Some(Value::String(_) | Value::Array(_)))
                || matches!(map.get("enum"), Some(Value::Array(_)))
                || ["oneOf", "anyOf", "allOf"]
                    .iter()
                    .any(|k| matches!(map.get(*k), Some(Value::Array(_))));
            if is_schema {
                f(map);
            }
            for (k, v) in map.iter_mut() {
                // Examples are data, not schemas.
                if k != "example" && k != "examples" && k != "default" && k != "enum" {
                    visit_schemas_mut(v, f);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| visit_schemas_mut(v, f)),
        _ => {}
    }
}

/// Component names referenced (transitively) from `roots`.
pub fn reachable(
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
