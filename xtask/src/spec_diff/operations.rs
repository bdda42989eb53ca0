//! Operations: keyed by `METHOD path`, with their parameters (by name), request body and
//! responses (by status code) compared.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::describe::{diff_other_keys, flag, join, push, render, render_security};
use super::model::{ChangeReport, OperationChange, OperationRef};
use super::schemas::{diff_ref_or_other, diff_schema, ref_name};
use nrfcloud_codegen::spec::METHODS;

/// An operation with the path-level parameters merged in.
struct Op {
    id: Option<String>,
    value: Value,
}

/// Operations keyed by (path, METHOD).
fn collect_operations(doc: &Value) -> BTreeMap<(String, String), Op> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let shared: &[Value] = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut value = op.clone();
            if let Some(map) = value.as_object_mut()
                && !shared.is_empty()
            {
                let own: Vec<Value> = map
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                // Operation-level parameters override path-level ones with the same
                // name and location.
                let mut merged: Vec<Value> = shared
                    .iter()
                    .filter(|p| !own.iter().any(|o| same_parameter(o, p)))
                    .cloned()
                    .collect();
                merged.extend(own);
                map.insert("parameters".into(), Value::Array(merged));
            }
            out.insert(
                (path.clone(), method.to_uppercase()),
                Op {
                    id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    value,
                },
            );
        }
    }
    out
}

fn same_parameter(a: &Value, b: &Value) -> bool {
    match (a.get("$ref"), b.get("$ref")) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.get("name") == b.get("name") && a.get("in") == b.get("in"),
        _ => false,
    }
}

pub(super) fn compare_operations(old: &Value, new: &Value, report: &mut ChangeReport) {
    let a = collect_operations(old);
    let b = collect_operations(new);
    for ((path, method), op) in &b {
        if !a.contains_key(&(path.clone(), method.clone())) {
            report.operations_added.push(OperationRef {
                operation_id: op.id.clone(),
                method: method.clone(),
                path: path.clone(),
            });
        }
    }
    for ((path, method), op) in &a {
        match b.get(&(path.clone(), method.clone())) {
            None => report.operations_removed.push(OperationRef {
                operation_id: op.id.clone(),
                method: method.clone(),
                path: path.clone(),
            }),
            Some(new_op) if new_op.value != op.value => {
                let mut changes = Vec::new();
                diff_operation(&op.value, &new_op.value, &mut changes);
                if changes.is_empty() {
                    changes.push("changed".into());
                }
                report.operations_changed.push(OperationChange {
                    operation_id: new_op.id.clone().or_else(|| op.id.clone()),
                    method: method.clone(),
                    path: path.clone(),
                    changes,
                });
            }
            Some(_) => {}
        }
    }
}

fn diff_operation(a: &Value, b: &Value, out: &mut Vec<String>) {
    let (Some(am), Some(bm)) = (a.as_object(), b.as_object()) else {
        out.push(format!("{} -> {}", render(Some(a)), render(Some(b))));
        return;
    };
    if am.get("operationId") != bm.get("operationId") {
        out.push(format!(
            "operationId {} -> {}",
            render(am.get("operationId")),
            render(bm.get("operationId"))
        ));
    }
    diff_parameters(am.get("parameters"), bm.get("parameters"), out);
    diff_request_body(am.get("requestBody"), bm.get("requestBody"), out);
    diff_responses(am.get("responses"), bm.get("responses"), out);
    if am.get("security") != bm.get("security") {
        out.push(format!(
            "security {} -> {}",
            render_security(am.get("security")),
            render_security(bm.get("security"))
        ));
    }
    if flag(am.get("deprecated")) != flag(bm.get("deprecated")) {
        out.push(format!(
            "deprecated {} -> {}",
            flag(am.get("deprecated")),
            flag(bm.get("deprecated"))
        ));
    }
    diff_other_keys(
        am,
        bm,
        &[
            "operationId",
            "parameters",
            "requestBody",
            "responses",
            "security",
            "deprecated",
        ],
        "",
        out,
    );
}

/// Parameters keyed by name (`ref Name` for `$ref`s); a second parameter of the same name is
/// keyed `name (in)`.
fn parameter_map(list: Option<&Value>) -> BTreeMap<String, &Value> {
    let mut out = BTreeMap::new();
    for (i, p) in list
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let mut key = if let Some(r) = ref_name(p) {
            format!("ref {r}")
        } else if let Some(name) = p.get("name").and_then(Value::as_str) {
            name.to_string()
        } else {
            format!("#{i}")
        };
        if out.contains_key(&key) {
            key = format!("{key} ({})", render(p.get("in")));
        }
        out.insert(key, p);
    }
    out
}

fn diff_parameters(a: Option<&Value>, b: Option<&Value>, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let am = parameter_map(a);
    let bm = parameter_map(b);
    for (name, p) in &bm {
        if !am.contains_key(name) {
            out.push(format!("parameter + {name}{}", parameter_where(p)));
        }
    }
    for (name, p) in &am {
        if !bm.contains_key(name) {
            out.push(format!("parameter - {name}{}", parameter_where(p)));
        }
    }
    for (name, pa) in &am {
        let Some(pb) = bm.get(name) else { continue };
        if pa == pb {
            continue;
        }
        let prefix = format!("parameter {name}");
        let (Some(ma), Some(mb)) = (pa.as_object(), pb.as_object()) else {
            push(
                out,
                &prefix,
                format!("{} -> {}", render(Some(pa)), render(Some(pb))),
            );
            continue;
        };
        if ma.get("in") != mb.get("in") {
            push(
                out,
                &prefix,
                format!("in {} -> {}", render(ma.get("in")), render(mb.get("in"))),
            );
        }
        for key in ["required", "deprecated"] {
            if flag(ma.get(key)) != flag(mb.get(key)) {
                push(
                    out,
                    &prefix,
                    format!("{key} {} -> {}", flag(ma.get(key)), flag(mb.get(key))),
                );
            }
        }
        diff_schema(ma.get("schema"), mb.get("schema"), &prefix, out);
        diff_content(ma.get("content"), mb.get("content"), &prefix, out);
        diff_other_keys(
            ma,
            mb,
            &["in", "required", "deprecated", "schema", "content", "name"],
            &prefix,
            out,
        );
    }
}

/// ` (query, required)` for an added or removed parameter.
fn parameter_where(p: &Value) -> String {
    match p.get("in").and_then(Value::as_str) {
        Some(at) if flag(p.get("required")) => format!(" ({at}, required)"),
        Some(at) => format!(" ({at})"),
        None => String::new(),
    }
}

fn diff_request_body(a: Option<&Value>, b: Option<&Value>, out: &mut Vec<String>) {
    const PREFIX: &str = "request body";
    match (a, b) {
        (None, None) => {}
        (None, Some(_)) => out.push("request body added".into()),
        (Some(_), None) => out.push("request body removed".into()),
        (Some(a), Some(b)) if a == b => {}
        (Some(a), Some(b)) => {
            if ref_name(a).is_some() || ref_name(b).is_some() {
                diff_ref_or_other(a, b, PREFIX, out);
                return;
            }
            let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) else {
                push(
                    out,
                    PREFIX,
                    format!("{} -> {}", render(Some(a)), render(Some(b))),
                );
                return;
            };
            if flag(ma.get("required")) != flag(mb.get("required")) {
                push(
                    out,
                    PREFIX,
                    format!(
                        "required {} -> {}",
                        flag(ma.get("required")),
                        flag(mb.get("required"))
                    ),
                );
            }
            diff_content(ma.get("content"), mb.get("content"), PREFIX, out);
            diff_other_keys(ma, mb, &["required", "content"], PREFIX, out);
        }
    }
}

fn diff_responses(a: Option<&Value>, b: Option<&Value>, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let empty = Map::new();
    let am = a.and_then(Value::as_object).unwrap_or(&empty);
    let bm = b.and_then(Value::as_object).unwrap_or(&empty);
    let codes: BTreeSet<&String> = am.keys().chain(bm.keys()).collect();
    for code in &codes {
        if !am.contains_key(*code) {
            out.push(format!("response + {code}"));
        }
    }
    for code in &codes {
        if !bm.contains_key(*code) {
            out.push(format!("response - {code}"));
        }
    }
    for code in codes {
        let (Some(ra), Some(rb)) = (am.get(code), bm.get(code)) else {
            continue;
        };
        if ra == rb {
            continue;
        }
        let prefix = format!("response {code}");
        if ref_name(ra).is_some() || ref_name(rb).is_some() {
            diff_ref_or_other(ra, rb, &prefix, out);
            continue;
        }
        let (Some(ma), Some(mb)) = (ra.as_object(), rb.as_object()) else {
            push(
                out,
                &prefix,
                format!("{} -> {}", render(Some(ra)), render(Some(rb))),
            );
            continue;
        };
        diff_content(ma.get("content"), mb.get("content"), &prefix, out);
        diff_named_map(ma.get("headers"), mb.get("headers"), "header", &prefix, out);
        diff_other_keys(ma, mb, &["content", "headers"], &prefix, out);
    }
}

/// Media types added or removed, and the schema of each media type in both.
fn diff_content(a: Option<&Value>, b: Option<&Value>, prefix: &str, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let empty = Map::new();
    let am = a.and_then(Value::as_object).unwrap_or(&empty);
    let bm = b.and_then(Value::as_object).unwrap_or(&empty);
    for mt in bm.keys().filter(|k| !am.contains_key(*k)) {
        push(out, prefix, format!("content + {mt}"));
    }
    for mt in am.keys().filter(|k| !bm.contains_key(*k)) {
        push(out, prefix, format!("content - {mt}"));
    }
    for (mt, ma) in am {
        let Some(mb) = bm.get(mt) else { continue };
        if ma == mb {
            continue;
        }
        let here = join(prefix, mt);
        let (Some(oa), Some(ob)) = (ma.as_object(), mb.as_object()) else {
            push(
                out,
                &here,
                format!("{} -> {}", render(Some(ma)), render(Some(mb))),
            );
            continue;
        };
        diff_schema(oa.get("schema"), ob.get("schema"), &here, out);
        diff_other_keys(oa, ob, &["schema"], &here, out);
    }
}

/// `kind + name` / `kind - name` / `kind name: ...` for a map of named objects (headers,
/// components other than schemas).
pub(super) fn diff_named_map(
    a: Option<&Value>,
    b: Option<&Value>,
    kind: &str,
    prefix: &str,
    out: &mut Vec<String>,
) {
    if a == b {
        return;
    }
    let empty = Map::new();
    let am = a.and_then(Value::as_object).unwrap_or(&empty);
    let bm = b.and_then(Value::as_object).unwrap_or(&empty);
    for name in bm.keys().filter(|k| !am.contains_key(*k)) {
        push(out, prefix, format!("{kind} + {name}"));
    }
    for name in am.keys().filter(|k| !bm.contains_key(*k)) {
        push(out, prefix, format!("{kind} - {name}"));
    }
    for (name, va) in am {
        let Some(vb) = bm.get(name) else { continue };
        if va == vb {
            continue;
        }
        let here = join(prefix, &format!("{kind} {name}"));
        match (va.as_object(), vb.as_object()) {
            (Some(ma), Some(mb)) if ref_name(va).is_none() && ref_name(vb).is_none() => {
                diff_schema(ma.get("schema"), mb.get("schema"), &here, out);
                diff_other_keys(ma, mb, &["schema"], &here, out);
            }
            _ => diff_ref_or_other(va, vb, &here, out),
        }
    }
}
