//! Documentation that progenitor would otherwise lose.

use serde_json::Value;

use super::util::{for_each_operation, label};
use super::{Fixup, Rewrites};

/// Quirk: progenitor drops `deprecated` on operations and parameters, so users of the raw
/// client get no hint. The description gets a leading "**Deprecated.**" (the wrapper also adds
/// `#[deprecated]` from the operation table).
pub const DEPRECATED_IN_DOCS: Fixup = Fixup {
    name: "deprecated_in_docs",
    quirk: "`deprecated` is dropped by progenitor",
    run: deprecated_in_docs,
};

const MARK: &str = "**Deprecated.**";

fn mark(obj: &mut serde_json::Map<String, Value>) -> bool {
    if obj.get("deprecated").and_then(Value::as_bool) != Some(true) {
        return false;
    }
    let old = obj.get("description").and_then(Value::as_str).unwrap_or("");
    if old.starts_with(MARK) {
        return false;
    }
    let new = if old.is_empty() {
        MARK.to_string()
    } else {
        format!("{MARK} {old}")
    };
    obj.insert("description".into(), Value::String(new));
    true
}

fn deprecated_in_docs(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    for_each_operation(doc, |path, method, op| {
        let at = label(path, method, op);
        if mark(op) {
            log.note(&at, "description marked deprecated");
        }
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params.iter_mut().filter_map(Value::as_object_mut) {
                if mark(p) {
                    log.note(&at, format!("parameter {} marked deprecated", p["name"]));
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;
    use serde_json::json;

    #[test]
    fn deprecation_reaches_the_doc_comment() {
        let mut op = ok_json("Old", json!({"type": "string"}));
        op["deprecated"] = json!(true);
        op["description"] = json!("Legacy download.");
        let mut doc = tiny_spec(json!({"/old": {"get": op}}));
        assert!(!try_generate(&doc).unwrap().contains("Deprecated"));
        run_one(&DEPRECATED_IN_DOCS, &mut doc);
        assert!(
            try_generate(&doc)
                .unwrap()
                .contains("**Deprecated.** Legacy download.")
        );
        assert_eq!(
            run_one(&DEPRECATED_IN_DOCS, &mut doc).no_ops.len(),
            1,
            "idempotent"
        );
    }
}
