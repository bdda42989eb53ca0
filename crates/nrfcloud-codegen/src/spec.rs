//! Loading an OpenAPI document: JSON first, then the version check, then `openapiv3`.

use serde_json::Value;

/// Why a document could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// The JSON has no `openapi` version string (Swagger 2.0, or not an API document at all).
    #[error("not an OpenAPI document: no \"openapi\" version field")]
    NotOpenApi,
    /// The version is not 3.0.x, and could not be converted.
    #[error("unsupported OpenAPI version {0}: progenitor and openapiv3 accept 3.0.x only")]
    UnsupportedVersion(String),
    /// `openapiv3` rejected the document's structure.
    #[error("invalid OpenAPI 3.0 document: {0}")]
    Invalid(String),
}

/// The `openapi` version string of a JSON document, if it has one.
pub fn openapi_version(doc: &Value) -> Option<&str> {
    doc.get("openapi").and_then(Value::as_str)
}

/// Parses JSON text and checks that it is an OpenAPI document (any version).
///
/// # Errors
///
/// [`SpecError`] for text that is not JSON or not an OpenAPI document.
pub fn parse_json(text: &str) -> Result<Value, SpecError> {
    let doc: Value = serde_json::from_str(text)?;
    if openapi_version(&doc).is_none() {
        return Err(SpecError::NotOpenApi);
    }
    Ok(doc)
}

/// Checks that the document is OpenAPI 3.0.x, as progenitor requires.
///
/// # Errors
///
/// [`SpecError`] naming the version when it is not 3.0.x.
pub fn check_version_30(doc: &Value) -> Result<(), SpecError> {
    match openapi_version(doc) {
        None => Err(SpecError::NotOpenApi),
        Some(v) if v.trim().starts_with("3.0.") => Ok(()),
        Some(v) => Err(SpecError::UnsupportedVersion(v.to_string())),
    }
}

/// Converts a checked 3.0.x JSON document into `openapiv3` types.
///
/// # Errors
///
/// As [`check_version_30`], or [`SpecError`] when `openapiv3` cannot read the document.
pub fn to_openapiv3(doc: &Value) -> Result<openapiv3::OpenAPI, SpecError> {
    check_version_30(doc)?;
    serde_json::from_value(doc.clone()).map_err(|e| SpecError::Invalid(e.to_string()))
}

/// Parses and checks a document that must already be 3.0.x (the committed snapshot, a fetch).
///
/// # Errors
///
/// As [`parse_json`] and [`to_openapiv3`].
pub fn load_30(text: &str) -> Result<(Value, openapiv3::OpenAPI), SpecError> {
    let doc = parse_json(text)?;
    let api = to_openapiv3(&doc)?;
    Ok((doc, api))
}

/// The HTTP methods an OpenAPI path item can hold, in the order the document format lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of a JSON document as `(path, method, operation object)`, in document order
/// of paths and the fixed order of [`METHODS`].
pub fn operations(doc: &Value) -> Vec<(&str, &'static str, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for m in METHODS {
                if let Some(op) = item.get(m) {
                    out.push((path.as_str(), m, op));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_json_swagger_and_31() {
        assert!(matches!(parse_json("<html>"), Err(SpecError::NotJson(_))));
        assert!(matches!(
            parse_json(r#"{"swagger":"2.0"}"#),
            Err(SpecError::NotOpenApi)
        ));
        let doc =
            parse_json(r#"{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{}}"#)
                .unwrap();
        assert!(
            matches!(check_version_30(&doc), Err(SpecError::UnsupportedVersion(v)) if v == "3.1.0")
        );
    }

    #[test]
    fn loads_a_minimal_30_document() {
        let (_, api) =
            load_30(r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}"#)
                .unwrap();
        assert_eq!(api.info.title, "t");
    }
}
