//! The rest of the document: version, info, servers, other components and path-level fields.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::describe::{describe_change, diff_other_keys, render, render_security, render_servers};
use super::model::ChangeReport;
use super::operations::diff_named_map;
use nrfcloud_codegen::spec::METHODS;

pub(super) fn compare_document(old: &Value, new: &Value, report: &mut ChangeReport) {
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
