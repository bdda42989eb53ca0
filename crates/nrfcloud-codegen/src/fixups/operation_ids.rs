//! Duplicate operationIds get deterministic, unique names.

use std::collections::BTreeMap;

use serde_json::Value;

use super::util::{for_each_operation, label};
use super::{Fixup, Rewrites};

/// Quirk: upstream reuses `GetAssistanceData` (POST /location/agnss and the deprecated
/// GET /location/agps) and `GetPredictedAssistanceData` (/location/pgnss and the deprecated
/// /location/pgps); progenitor stops with a duplicate-name error.
///
/// Rule: among operations sharing an id, the non-deprecated one keeps it (if exactly one is
/// not deprecated; otherwise the first in document order does). Every other one gets the id
/// plus the PascalCase of its path's last literal segment (`GetAssistanceDataAgps`), plus a
/// number if that still collides. The upstream id is kept in `x-original-operation-id`.
pub const RENAME_DUPLICATE_OPERATION_IDS: Fixup = Fixup {
    name: "rename_duplicate_operation_ids",
    quirk: "duplicate operationIds (GetAssistanceData, GetPredictedAssistanceData)",
    run: rename_duplicate_operation_ids,
};

fn rename_duplicate_operation_ids(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    // id -> [(path, method, deprecated)] in document order.
    let mut by_id: BTreeMap<String, Vec<(String, String, bool)>> = BTreeMap::new();
    for (path, method, op) in crate::spec::operations(doc) {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            let deprecated = op
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            by_id
                .entry(id.to_string())
                .or_default()
                .push((path.into(), method.into(), deprecated));
        }
    }
    let mut taken: std::collections::BTreeSet<String> = by_id.keys().cloned().collect();
    let mut renames: BTreeMap<(String, String), String> = BTreeMap::new();
    for (id, uses) in by_id.iter().filter(|(_, u)| u.len() > 1) {
        let live: Vec<usize> = (0..uses.len()).filter(|&i| !uses[i].2).collect();
        let keeper = if live.len() == 1 { live[0] } else { 0 };
        for (i, (path, method, _)) in uses.iter().enumerate() {
            if i == keeper {
                continue;
            }
            let mut name = format!("{id}{}", pascal_last_segment(path));
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{id}{}{n}", pascal_last_segment(path));
                n += 1;
            }
            taken.insert(name.clone());
            renames.insert((path.clone(), method.clone()), name);
        }
    }
    for_each_operation(doc, |path, method, op| {
        if let Some(new) = renames.get(&(path.to_string(), method.to_string())) {
            let at = label(path, method, op);
            let old = op.insert("operationId".into(), Value::String(new.clone()));
            op.insert("x-original-operation-id".into(), old.unwrap_or(Value::Null));
            log.note(at, format!("operationId renamed to {new}"));
        }
        Ok(())
    })
}

/// `/location/agps` -> `Agps`; `/devices/{deviceId}/tags` -> `Tags`.
fn pascal_last_segment(path: &str) -> String {
    let seg = path
        .split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.starts_with('{'))
        .unwrap_or("op");
    seg.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;
    use serde_json::json;

    #[test]
    fn deprecated_duplicate_is_renamed_deterministically() {
        let mut old = ok_json("GetAssistanceData", json!({"type": "object"}));
        old["deprecated"] = json!(true);
        let mut doc = tiny_spec(json!({
            "/location/agnss": {"post": ok_json("GetAssistanceData", json!({"type": "object"}))},
            "/location/agps": {"get": old}
        }));
        let err = try_generate(&doc).unwrap_err();
        assert!(
            err.to_lowercase().contains("duplicate") || err.contains("GetAssistanceData"),
            "{err}"
        );
        let report = run_one(&RENAME_DUPLICATE_OPERATION_IDS, &mut doc);
        assert_eq!(
            doc["paths"]["/location/agps"]["get"]["operationId"],
            "GetAssistanceDataAgps"
        );
        assert_eq!(
            doc["paths"]["/location/agps"]["get"]["x-original-operation-id"],
            "GetAssistanceData"
        );
        assert_eq!(
            doc["paths"]["/location/agnss"]["post"]["operationId"],
            "GetAssistanceData"
        );
        assert_eq!(report.rewrites.len(), 1);
        let code = try_generate(&doc).expect("generates after the fixup");
        assert!(code.contains("pub fn get_assistance_data_agps("));
        assert!(code.contains("pub fn get_assistance_data("));
    }

    #[test]
    fn unique_ids_are_a_no_op() {
        let mut doc = tiny_spec(json!({"/a": {"get": ok_json("A", json!({}))}}));
        assert_eq!(
            run_one(&RENAME_DUPLICATE_OPERATION_IDS, &mut doc)
                .no_ops
                .len(),
            1
        );
    }
}
