//! The one normaliser for `spec/openapi.json`: sorted object keys, two-space pretty JSON and a
//! trailing newline, so that fetching identical content always writes an identical file.

use serde_json::{Map, Value};

/// Returns `value` with the keys of every object sorted (recursively). Array order is kept:
/// it carries meaning in OpenAPI (parameters, enum values, `required`).
pub fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut sorted = Map::new();
            for (k, v) in entries {
                sorted.insert(k.clone(), sort_keys(v));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// Serialises a document the way `spec/openapi.json` is stored.
pub fn normalize_document(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sort_keys(value))
        .expect("serialising a serde_json::Value cannot fail");
    text.push('\n');
    text
}

/// Parses JSON text and normalises it; the error is serde_json's (line and column).
///
/// # Errors
///
/// serde_json's error (line and column) for text that is not JSON.
pub fn normalize_text(text: &str) -> Result<String, serde_json::Error> {
    let value: Value = serde_json::from_str(text)?;
    Ok(normalize_document(&value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_recursively_and_keeps_array_order() {
        let doc = json!({"b": 1, "a": {"z": [3, 1, 2], "y": {"d": 0, "c": 0}}});
        let text = normalize_document(&doc);
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"y\": {\n      \"c\": 0,\n      \"d\": 0\n    },\n    \"z\": [\n      3,\n      1,\n      2\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn normalising_is_idempotent() {
        let once = normalize_text(r#"{"x":{"b":[{"d":1,"c":2}],"a":null}}"#).unwrap();
        let twice = normalize_text(&once).unwrap();
        assert_eq!(once, twice);
        assert!(once.ends_with("}\n"));
    }
}
