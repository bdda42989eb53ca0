//! Tiny documents for the fixups' unit tests, and a way to run progenitor on them.

use serde_json::{Value, json};

use super::{Fixup, FixupReport};

/// A minimal 3.0.3 document with the given `paths` and an empty schema table.
pub fn tiny_spec(paths: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "tiny", "version": "v1"},
        "paths": paths,
        "components": {"schemas": {}}
    })
}

/// An operation with a 200 JSON response of the given schema.
pub fn ok_json(id: &str, schema: Value) -> Value {
    json!({
        "operationId": id,
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
    })
}

/// Runs one fixup and returns its report (panics if it fails).
pub fn run_one(fixup: &Fixup, doc: &mut Value) -> FixupReport {
    super::apply(doc, std::slice::from_ref(fixup)).expect("fixup runs")
}

/// Runs progenitor on the document as it is (no fixups): the generated code, or why not.
pub fn try_generate(doc: &Value) -> Result<String, String> {
    crate::generate::generate_unfixed(doc)
        .map(|g| g.code)
        .map_err(|e| e.to_string())
}
