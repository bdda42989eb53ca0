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
//! (hence equal after [`crate::normalize`]) give an empty report, and any difference at all gives
//! at least one line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::spec::METHODS;

/// What changed between an old and a new document. Empty when they are equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeReport {
    /// Operations only in the new document, sorted by path then method.
    pub operations_added: Vec<OperationRef>,
    /// Operations only in the old document, sorted by path then method.
    pub operations_removed: Vec<OperationRef>,
    /// Operations in both whose definition changed, sorted by path then method.
    pub operations_changed: Vec<OperationChange>,
    /// Component schemas only in the new document, sorted.
    pub schemas_added: Vec<String>,
    /// Component schemas only in the old document, sorted.
    pub schemas_removed: Vec<String>,
    /// Component schemas in both whose definition changed, sorted by name.
    pub schemas_changed: Vec<SchemaChange>,
    /// Changes outside operations and component schemas (version, info, servers, other
    /// components, path-level fields).
    pub document: Vec<String>,
}

/// One operation, identified by `METHOD path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationRef {
    /// The operationId, if the operation has one.
    pub operation_id: Option<String>,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path as written in the document.
    pub path: String,
}

/// An operation present in both documents whose definition differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationChange {
    /// The operationId in the new document (the old one, if the new has none).
    pub operation_id: Option<String>,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path as written in the document.
    pub path: String,
    /// One readable entry per change, e.g. `parameter pageLimit: type integer -> string`.
    pub changes: Vec<String>,
}

/// A component schema present in both documents whose definition differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaChange {
    /// The schema's name under `components.schemas`.
    pub name: String,
    /// One readable entry per change, e.g. `enum + SUCCEEDED` or `property + size`.
    pub changes: Vec<String>,
}

impl OperationRef {
    fn label(&self) -> String {
        format!(
            "{} {} {}",
            self.operation_id.as_deref().unwrap_or("(no operationId)"),
            self.method,
            self.path
        )
    }
}

impl ChangeReport {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.operations_added.is_empty()
            && self.operations_removed.is_empty()
            && self.operations_changed.is_empty()
            && self.schemas_added.is_empty()
            && self.schemas_removed.is_empty()
            && self.schemas_changed.is_empty()
            && self.document.is_empty()
    }

    /// One line per change: `+` added, `-` removed, `~` changed; operations first, then
    /// schemas, then the rest of the document.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for op in &self.operations_added {
            out.push(format!("+ operation {}", op.label()));
        }
        for op in &self.operations_removed {
            out.push(format!("- operation {}", op.label()));
        }
        for op in &self.operations_changed {
            let label = OperationRef {
                operation_id: op.operation_id.clone(),
                method: op.method.clone(),
                path: op.path.clone(),
            }
            .label();
            for change in &op.changes {
                out.push(format!("~ operation {label}: {change}"));
            }
        }
        for name in &self.schemas_added {
            out.push(format!("+ schema {name}"));
        }
        for name in &self.schemas_removed {
            out.push(format!("- schema {name}"));
        }
        for schema in &self.schemas_changed {
            for change in &schema.changes {
                out.push(format!("~ schema {}: {change}", schema.name));
            }
        }
        for change in &self.document {
            out.push(format!("~ document: {change}"));
        }
        out
    }

    /// A one-line count of the changes, e.g.
    /// `operations: 1 added, 0 removed, 2 changed; schemas: 0 added, 0 removed, 1 changed; document: 0 changes`.
    pub fn summary(&self) -> String {
        format!(
            "operations: {} added, {} removed, {} changed; schemas: {} added, {} removed, {} changed; document: {} changes",
            self.operations_added.len(),
            self.operations_removed.len(),
            self.operations_changed.len(),
            self.schemas_added.len(),
            self.schemas_removed.len(),
            self.schemas_changed.len(),
            self.document.len()
        )
    }
}

impl fmt::Display for ChangeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.lines() {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

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

// ---------------------------------------------------------------------------------------------
// Operations

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

fn compare_operations(old: &Value, new: &Value, report: &mut ChangeReport) {
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
fn diff_named_map(
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

// ---------------------------------------------------------------------------------------------
// Schemas

fn compare_schemas(old: &Value, new: &Value, report: &mut ChangeReport) {
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
fn diff_schema(a: Option<&Value>, b: Option<&Value>, prefix: &str, out: &mut Vec<String>) {
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
fn diff_ref_or_other(a: &Value, b: &Value, prefix: &str, out: &mut Vec<String>) {
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
fn ref_name(v: &Value) -> Option<String> {
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

// ---------------------------------------------------------------------------------------------
// The rest of the document

fn compare_document(old: &Value, new: &Value, report: &mut ChangeReport) {
    let out = &mut report.document;
    let (Some(am), Some(bm)) = (old.as_object(), new.as_object()) else {
        if old != new {
            out.push(format!("{} -> {}", render(Some(old)), render(Some(new))));
        }
        return;
    };
    // Path-level fields other than the operations (shared parameters, summary, servers).
    let empty = Map::new();
    let pa = am.get("paths").and_then(Value::as_object).unwrap_or(&empty);
    let pb = bm.get("paths").and_then(Value::as_object).unwrap_or(&empty);
    let paths: BTreeSet<&String> = pa.keys().chain(pb.keys()).collect();
    for path in paths {
        let ia = pa.get(path).and_then(Value::as_object).unwrap_or(&empty);
        let ib = pb.get(path).and_then(Value::as_object).unwrap_or(&empty);
        diff_other_keys(ia, ib, &METHODS, &format!("path {path}"), out);
        let (x, y) = (pa.get(path), pb.get(path));
        if x != y && (x.is_some_and(|v| !v.is_object()) || y.is_some_and(|v| !v.is_object())) {
            out.push(format!("path {path}: {} -> {}", render(x), render(y)));
        }
    }
    if pa.is_empty() && pb.is_empty() && am.get("paths") != bm.get("paths") {
        out.push(format!(
            "paths {} -> {}",
            render(am.get("paths")),
            render(bm.get("paths"))
        ));
    }

    // Components other than schemas.
    let ca = am
        .get("components")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let cb = bm
        .get("components")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let kinds: BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
    for kind in kinds {
        let (x, y) = (ca.get(kind), cb.get(kind));
        let not_a_map = x.is_some_and(|v| !v.is_object()) || y.is_some_and(|v| !v.is_object());
        if x != y && not_a_map {
            out.push(format!("components.{kind} changed"));
        } else if kind != "schemas" {
            diff_named_map(x, y, &format!("components.{kind}"), "", out);
        }
    }
    let (x, y) = (am.get("components"), bm.get("components"));
    if x != y && (x.is_some_and(|v| !v.is_object()) || y.is_some_and(|v| !v.is_object())) {
        out.push("components changed".into());
    }

    // Everything else at the top level.
    for key in am.keys().chain(bm.keys()).collect::<BTreeSet<_>>() {
        if key == "paths" || key == "components" {
            continue;
        }
        let (x, y) = (am.get(key), bm.get(key));
        if x == y {
            continue;
        }
        match (x, y) {
            (Some(Value::Object(mx)), Some(Value::Object(my))) if key == "info" => {
                diff_other_keys(mx, my, &[], "info", out)
            }
            _ if key == "security" => out.push(format!(
                "security {} -> {}",
                render_security(x),
                render_security(y)
            )),
            _ if key == "servers" => out.push(format!(
                "servers {} -> {}",
                render_servers(x),
                render_servers(y)
            )),
            _ => out.push(describe_change(key, x, y)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Reports every key outside `covered` whose value differs: `key a -> b` for short scalars,
/// `key added/removed/changed` otherwise.
fn diff_other_keys(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    covered: &[&str],
    prefix: &str,
    out: &mut Vec<String>,
) {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        if covered.contains(&key.as_str()) {
            continue;
        }
        let (x, y) = (a.get(key), b.get(key));
        if x != y {
            push(out, prefix, describe_change(key, x, y));
        }
    }
}

/// `key a -> b` when both sides are short scalars (or absent), otherwise added/removed/changed.
fn describe_change(key: &str, x: Option<&Value>, y: Option<&Value>) -> String {
    const PROSE: [&str; 5] = ["description", "summary", "title", "example", "examples"];
    let short = |v: Option<&Value>| match v {
        None | Some(Value::Null | Value::Bool(_) | Value::Number(_)) => true,
        Some(Value::String(s)) => s.chars().count() <= 60 && !s.contains('\n'),
        Some(_) => false,
    };
    match (x, y) {
        (None, Some(_)) if PROSE.contains(&key) || !short(y) => format!("{key} added"),
        (Some(_), None) if PROSE.contains(&key) || !short(x) => format!("{key} removed"),
        _ if !PROSE.contains(&key) && short(x) && short(y) => {
            format!("{key} {} -> {}", render(x), render(y))
        }
        _ => format!("{key} changed"),
    }
}

/// A value on one line: strings bare, absent as `none`, others as compact JSON (shortened).
fn render(v: Option<&Value>) -> String {
    let text = match v {
        None => return "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() > 80 {
        let cut: String = one_line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// `Simple Token | JSON Web Token`, `none` for `[]`, `inherited` when absent.
fn render_security(v: Option<&Value>) -> String {
    let Some(v) = v else {
        return "inherited".into();
    };
    let Some(alts) = v.as_array() else {
        return render(Some(v));
    };
    if alts.is_empty() {
        return "none".into();
    }
    alts.iter()
        .map(|alt| match alt.as_object() {
            Some(req) if req.is_empty() => "anonymous".to_string(),
            Some(req) => req.keys().cloned().collect::<Vec<_>>().join(" + "),
            None => render(Some(alt)),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn render_servers(v: Option<&Value>) -> String {
    match v.and_then(Value::as_array) {
        Some(list) => format!(
            "[{}]",
            list.iter()
                .map(|s| render(s.get("url").or(Some(s))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => render(v),
    }
}

/// A boolean flag that defaults to false.
fn flag(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

fn join(prefix: &str, part: &str) -> String {
    if prefix.is_empty() {
        part.to_string()
    } else {
        format!("{prefix}: {part}")
    }
}

fn push(out: &mut Vec<String>, prefix: &str, change: String) {
    out.push(join(prefix, &change));
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
        let b: Value = serde_json::from_str(&crate::normalize::normalize_document(&a)).unwrap();
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
