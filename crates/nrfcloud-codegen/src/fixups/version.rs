//! OpenAPI 3.1 documents that use no 3.1-only syntax are relabelled 3.0.3.

use serde_json::Value;

use super::{Fixup, Rewrites};

/// Quirk: upstream may start serving `openapi: 3.1.x`; progenitor and `openapiv3` stop with
/// "invalid version". A 3.1 document that uses none of the 3.1-only constructs means the same
/// as 3.0.3, so it is relabelled; one that does use them is refused, naming the first place.
pub const CONVERT_OPENAPI_31: Fixup = Fixup {
    name: "convert_openapi_31",
    quirk: "OpenAPI 3.1 document (progenitor accepts 3.0.x only)",
    run: convert_openapi_31,
};

fn convert_openapi_31(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let Some(version) = doc
        .get("openapi")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Ok(());
    };
    if !version.starts_with("3.1") {
        return Ok(());
    }
    if let Some(place) = first_31_only_syntax(doc, "") {
        return Err(format!(
            "OpenAPI {version} document uses 3.1-only syntax at {place}"
        ));
    }
    doc["openapi"] = Value::String("3.0.3".into());
    log.note(
        "document",
        format!("openapi {version} -> 3.0.3 (no 3.1-only syntax found)"),
    );
    Ok(())
}

/// JSON pointer of the first 3.1-only construct, if any.
fn first_31_only_syntax(value: &Value, at: &str) -> Option<String> {
    const ONLY_31: [&str; 11] = [
        "webhooks",
        "jsonSchemaDialect",
        "$schema",
        "const",
        "prefixItems",
        "unevaluatedProperties",
        "unevaluatedItems",
        "dependentRequired",
        "dependentSchemas",
        "contentMediaType",
        "$defs",
    ];
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if k == "example" || (k == "examples" && !v.is_array()) {
                    continue;
                }
                if ONLY_31.contains(&k.as_str())
                    || (k == "type" && v.is_array())
                    || ((k == "exclusiveMinimum" || k == "exclusiveMaximum") && v.is_number())
                    || (k == "examples" && v.is_array())
                {
                    return Some(here);
                }
                if let Some(p) = first_31_only_syntax(v, &here) {
                    return Some(p);
                }
            }
            None
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_31_only_syntax(v, &format!("{at}/{i}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;
    use serde_json::json;

    #[test]
    fn plain_31_is_relabelled_and_then_generates() {
        let mut doc = tiny_spec(json!({"/x": {"get": ok_json("X", json!({"type": "string"}))}}));
        doc["openapi"] = json!("3.1.0");
        assert!(try_generate(&doc).is_err(), "progenitor must refuse 3.1");
        let report = run_one(&CONVERT_OPENAPI_31, &mut doc);
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(report.rewrites.len(), 1);
        try_generate(&doc).expect("generates after the fixup");
    }

    #[test]
    fn real_31_syntax_is_refused_with_its_place() {
        let mut doc =
            tiny_spec(json!({"/x": {"get": ok_json("X", json!({"type": ["string", "null"]}))}}));
        doc["openapi"] = json!("3.1.0");
        let err = crate::fixups::apply(&mut doc, &[CONVERT_OPENAPI_31]).unwrap_err();
        assert!(
            err.message
                .contains("/paths/~1x/get/responses/200/content/application~1json/schema/type"),
            "{}",
            err.message
        );
    }

    #[test]
    fn no_op_on_30() {
        let mut doc = tiny_spec(json!({}));
        let report = run_one(&CONVERT_OPENAPI_31, &mut doc);
        assert_eq!(report.no_ops, vec!["convert_openapi_31"]);
    }
}
