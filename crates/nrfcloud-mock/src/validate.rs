//! Request validation against the spec: parameters (path, query, header) and JSON bodies are
//! checked with their schemas (type, enum, pattern, bounds, required properties, anyOf/oneOf),
//! and every failure names the field, for a 422 / 42200 answer.

use axum::http::HeaderMap;
use serde_json::Value;

use crate::ids;
use crate::query::QueryParams;
use crate::spec::{ApiSpec, Operation, ParamIn};

/// One validation failure: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) field: String,
    pub(crate) reason: String,
}

impl Invalid {
    fn new(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

impl Invalid {
    /// How much a failure says about what the caller sent, to pick the message of the
    /// alternative of an `anyOf`/`oneOf` that came closest: a value that is present but wrong
    /// (`autoApply must be a boolean`) says more than a property another alternative requires
    /// (`deviceIdentifiers is required`); then the deeper field says more.
    fn specificity(&self) -> (bool, usize) {
        (
            self.reason != REQUIRED,
            self.field.matches(['.', '[']).count(),
        )
    }
}

/// The reason of a missing required property or body.
const REQUIRED: &str = "is required";

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.field, self.reason)
    }
}

/// Checks a JSON value against a schema; `field` names it in errors (e.g. `body.lte[0].mcc`).
pub(crate) fn check(
    spec: &ApiSpec,
    schema: &Value,
    value: &Value,
    field: &str,
) -> Result<(), Invalid> {
    let schema = spec.resolve(schema);
    let Some(obj) = schema.as_object() else {
        return Ok(());
    };
    if value.is_null() && obj.get("nullable").and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(spec, s, value, field)?;
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = obj.get(key).and_then(Value::as_array) {
            let mut best: Option<Invalid> = None;
            let mut matched = branches.is_empty();
            for branch in branches {
                match check(spec, branch, value, field) {
                    Ok(()) => {
                        matched = true;
                        break;
                    }
                    Err(e) => {
                        if best
                            .as_ref()
                            .is_none_or(|b| e.specificity() > b.specificity())
                        {
                            best = Some(e);
                        }
                    }
                }
            }
            if !matched {
                return Err(best.unwrap_or_else(|| Invalid::new(field, "has an unexpected form")));
            }
        }
    }
    if let Some(t) = obj.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "number" => value.is_number(),
            "integer" => {
                value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => true,
        };
        if !ok {
            let article = if t == "object" || t == "array" || t == "integer" {
                "an"
            } else {
                "a"
            };
            return Err(Invalid::new(field, format!("must be {article} {t}")));
        }
    }
    if let Some(allowed) = obj.get("enum").and_then(Value::as_array) {
        let found = allowed.iter().any(|a| match (a.as_f64(), value.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => a == value,
        });
        if !found {
            let list: Vec<String> = allowed
                .iter()
                .map(|a| {
                    a.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| a.to_string())
                })
                .collect();
            return Err(Invalid::new(
                field,
                format!("must be one of: {}", list.join(", ")),
            ));
        }
    }
    match value {
        Value::String(s) => check_string(spec, obj, s, field)?,
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = obj.get("minimum").and_then(Value::as_f64)
                && x < min
            {
                return Err(Invalid::new(field, format!("must be at least {min}")));
            }
            if let Some(max) = obj.get("maximum").and_then(Value::as_f64)
                && x > max
            {
                return Err(Invalid::new(field, format!("must be at most {max}")));
            }
        }
        Value::Array(items) => {
            if let Some(min) = obj.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                return Err(Invalid::new(
                    field,
                    format!("must have at least {min} items"),
                ));
            }
            if let Some(max) = obj.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                return Err(Invalid::new(
                    field,
                    format!("must have at most {max} items"),
                ));
            }
            if let Some(item_schema) = obj.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(spec, item_schema, item, &format!("{field}[{i}]"))?;
                }
            }
        }
        Value::Object(map) => {
            if let Some(required) = obj.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(name) {
                        return Err(Invalid::new(&format!("{field}.{name}"), REQUIRED));
                    }
                }
            }
            if let Some(props) = obj.get("properties").and_then(Value::as_object) {
                for (name, prop_schema) in props {
                    if let Some(v) = map.get(name) {
                        check(spec, prop_schema, v, &format!("{field}.{name}"))?;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_string(
    spec: &ApiSpec,
    obj: &serde_json::Map<String, Value>,
    s: &str,
    field: &str,
) -> Result<(), Invalid> {
    let len = s.chars().count() as u64;
    if let Some(max) = obj.get("maxLength").and_then(Value::as_u64)
        && len > max
    {
        return Err(Invalid::new(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    if let Some(min) = obj.get("minLength").and_then(Value::as_u64)
        && len < min
    {
        return Err(Invalid::new(
            field,
            format!("must be at least {min} characters long"),
        ));
    }
    if let Some(pattern) = obj.get("pattern").and_then(Value::as_str)
        && let Some(re) = spec.pattern(pattern)
        && !re.is_match(s)
    {
        return Err(Invalid::new(
            field,
            format!("must match the pattern {pattern}"),
        ));
    }
    if obj.get("format").and_then(Value::as_str) == Some("date-time") && ids::parse_iso(s).is_none()
    {
        return Err(Invalid::new(field, "must be an ISO 8601 date-time"));
    }
    Ok(())
}

/// Turns a parameter's text into the typed JSON value its schema describes, then checks it.
pub(crate) fn coerce(
    spec: &ApiSpec,
    schema: &Value,
    raw: &str,
    field: &str,
) -> Result<Value, Invalid> {
    let value = coerce_only(spec, schema, raw, field)?;
    check(spec, schema, &value, field)?;
    Ok(value)
}

fn coerce_only(spec: &ApiSpec, schema: &Value, raw: &str, field: &str) -> Result<Value, Invalid> {
    let schema = spec.resolve(schema);
    if let Some(branches) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        let mut first_err = None;
        for branch in branches {
            match coerce(spec, branch, raw, field) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        return Err(first_err.unwrap_or_else(|| Invalid::new(field, "has an unexpected form")));
    }
    let t = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    match t {
        "integer" => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Invalid::new(field, "must be an integer")),
        "number" => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| Invalid::new(field, "must be a number")),
        "boolean" => match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(Invalid::new(field, "must be a boolean (true or false)")),
        },
        _ => Ok(Value::String(raw.to_owned())),
    }
}

/// Splits comma-separated array items, except where commas can be part of an item.
fn split_items(spec: &ApiSpec, name: &str, items_schema: &Value, values: Vec<&str>) -> Vec<String> {
    let items = spec.resolve(items_schema);
    let commas_allowed = name == "transform"
        || items
            .get("pattern")
            .and_then(Value::as_str)
            .is_some_and(|p| without_quantifiers(p).contains(','));
    values
        .into_iter()
        .flat_map(|v| {
            if commas_allowed {
                vec![v.to_owned()]
            } else {
                v.split(',').map(|s| s.trim().to_owned()).collect()
            }
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// A pattern without its `{m,n}` quantifiers (whose commas say nothing about the items).
fn without_quantifiers(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_braces = false;
    for c in pattern.chars() {
        match c {
            '{' => in_braces = true,
            '}' => in_braces = false,
            _ if !in_braces => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether a media type sent by a client matches one the spec lists (ignoring case, blanks and
/// parameters such as `charset`).
pub(crate) fn media_type_matches(sent: &str, declared: &str) -> bool {
    fn essence(s: &str) -> String {
        s.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
    essence(sent) == essence(declared)
}

/// Checks every declared parameter of `op`: path values, query and headers.
pub(crate) fn check_params(
    spec: &ApiSpec,
    op: &Operation,
    path_values: &[(String, String)],
    query: &QueryParams,
    headers: &HeaderMap,
) -> Result<(), Invalid> {
    for param in &op.params {
        let schema = spec.resolve(&param.schema);
        match param.location {
            ParamIn::Path => {
                if let Some((_, v)) = path_values.iter().find(|(n, _)| *n == param.name) {
                    coerce(spec, schema, v, &param.name)?;
                }
            }
            ParamIn::Query => {
                let values = query.all(&param.name);
                if values.is_empty() {
                    if param.required {
                        return Err(Invalid::new(&param.name, "is a required query parameter"));
                    }
                    continue;
                }
                if schema.get("type").and_then(Value::as_str) == Some("array") {
                    let items_schema = schema.get("items").cloned().unwrap_or(Value::Null);
                    let mut typed = Vec::new();
                    for (i, item) in split_items(spec, &param.name, &items_schema, values)
                        .iter()
                        .enumerate()
                    {
                        typed.push(coerce(
                            spec,
                            &items_schema,
                            item,
                            &format!("{}[{i}]", param.name),
                        )?);
                    }
                    check(spec, schema, &Value::Array(typed), &param.name)?;
                } else {
                    coerce(spec, schema, values[0], &param.name)?;
                }
            }
            ParamIn::Header => {
                let value = headers
                    .get(param.name.as_str())
                    .and_then(|v| v.to_str().ok());
                let Some(value) = value else {
                    if param.required {
                        return Err(Invalid::new(&param.name, "is a required header"));
                    }
                    continue;
                };
                if param.name.eq_ignore_ascii_case("content-type") {
                    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
                        let declared: Vec<&str> =
                            allowed.iter().filter_map(Value::as_str).collect();
                        if !declared.iter().any(|d| media_type_matches(value, d)) {
                            return Err(Invalid::new(
                                "content-type",
                                format!("must be one of: {}", declared.join(", ")),
                            ));
                        }
                    }
                    continue;
                }
                coerce(spec, schema, value, &param.name)?;
            }
        }
    }
    Ok(())
}

/// Checks the request body of `op`. Bodies whose schema is a string (CSV, ownership codes,
/// names, zip payloads) are read as text, a JSON string being unwrapped; other bodies must be
/// JSON and match their schema.
pub(crate) fn check_body(
    spec: &ApiSpec,
    op: &Operation,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), Invalid> {
    let Some(declared) = &op.body else {
        return Ok(());
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return if declared.required {
            Err(Invalid::new("body", "is required"))
        } else {
            Ok(())
        };
    }
    let schema = spec.resolve(&declared.schema);
    if schema.get("type").and_then(Value::as_str) == Some("string") {
        let binary = content_type.is_some_and(|ct| {
            media_type_matches(ct, "application/octet-stream")
                || media_type_matches(ct, "application/zip")
        });
        if binary {
            return Ok(());
        }
        let Ok(text) = std::str::from_utf8(body) else {
            return Err(Invalid::new("body", "must be text"));
        };
        // JSON that is not a string (an array, an object, a number) is the wrong type, not
        // a string that breaks the pattern.
        let json = content_type.is_some_and(|ct| media_type_matches(ct, "application/json"));
        if json
            && let Ok(value) = serde_json::from_str::<Value>(text)
            && !value.is_string()
        {
            return Err(Invalid::new("body", "must be a string"));
        }
        let text = body_text(content_type, text);
        return check(spec, schema, &Value::String(text), "body");
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::new("body", format!("is not valid JSON ({e})")))?;
    check(spec, schema, &value, "body")
}

/// The text of a string body: a JSON string literal is unwrapped when sent as JSON.
pub(crate) fn body_text(content_type: Option<&str>, text: &str) -> String {
    let json = content_type.is_some_and(|ct| media_type_matches(ct, "application/json"));
    if (json || text.trim_start().starts_with('"'))
        && let Ok(Value::String(s)) = serde_json::from_str::<Value>(text)
    {
        return s;
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;
    use serde_json::json;

    fn spec() -> ApiSpec {
        ApiSpec::load().expect("spec loads")
    }

    #[test]
    fn page_limit_bounds_are_enforced() {
        let spec = spec();
        let op = spec.find(&Method::GET, "/devices").expect("ListDevices");
        let headers = HeaderMap::new();
        let q = QueryParams::parse(Some("pageLimit=101"));
        let err = check_params(&spec, &op, &[], &q, &headers).expect_err("too big");
        assert_eq!(err.field, "pageLimit");
        let q = QueryParams::parse(Some("pageLimit=0"));
        assert!(check_params(&spec, &op, &[], &q, &headers).is_err());
        let q = QueryParams::parse(Some("pageLimit=abc"));
        assert!(check_params(&spec, &op, &[], &q, &headers).is_err());
        let q = QueryParams::parse(Some("pageLimit=100&firmwareSupport=APP,MODEM"));
        assert!(check_params(&spec, &op, &[], &q, &headers).is_ok());
        let q = QueryParams::parse(Some("deviceIds=nrf-1,nrf-2&subTypes=a,b"));
        assert!(check_params(&spec, &op, &[], &q, &headers).is_ok());
        let q = QueryParams::parse(Some("firmwareSupport=NOPE"));
        let err = check_params(&spec, &op, &[], &q, &headers).expect_err("enum");
        assert_eq!(err.field, "firmwareSupport[0]");
    }

    #[test]
    fn bodies_name_the_bad_field() {
        let spec = spec();
        let op = spec
            .find(&Method::PATCH, "/fota-job-executions/{deviceId}/{jobId}")
            .expect("UpdateFOTAJobExecutionStatus");
        let body = serde_json::to_vec(&json!({"status": "DONE"})).unwrap_or_default();
        let err = check_body(&spec, &op, Some("application/json"), &body).expect_err("enum");
        assert_eq!(err.field, "body.status");
        let err = check_body(&spec, &op, Some("application/json"), b"{}").expect_err("required");
        assert_eq!(err.field, "body.status");
        assert!(check_body(&spec, &op, Some("application/json"), b"").is_err());
    }

    #[test]
    fn string_bodies_may_be_json_strings_or_text() {
        let spec = spec();
        let op = spec
            .find(&Method::PUT, "/devices/{deviceId}/name")
            .expect("UpdateDeviceName");
        assert!(check_body(&spec, &op, Some("application/json"), b"\"my-name\"").is_ok());
        assert!(check_body(&spec, &op, Some("text/plain"), b"my-name").is_ok());
        assert!(check_body(&spec, &op, Some("text/plain"), b"bad name!").is_err());
    }

    #[test]
    fn a_json_name_that_is_not_a_string_is_the_wrong_type() {
        let spec = spec();
        let op = spec
            .find(&Method::PUT, "/devices/{deviceId}/name")
            .expect("UpdateDeviceName");
        for body in [&b"[\"my-name\"]"[..], b"{\"name\": \"x\"}", b"42", b"true"] {
            let err = check_body(&spec, &op, Some("application/json"), body).expect_err("type");
            assert_eq!(err.to_string(), "body must be a string");
        }
        // As text, the same characters are a name that breaks the pattern.
        let err =
            check_body(&spec, &op, Some("text/plain"), b"[\"my-name\"]").expect_err("pattern");
        assert!(err.reason.contains("pattern"), "{err}");
        // Text that is not JSON, sent as JSON, is still read leniently as the name.
        assert!(check_body(&spec, &op, Some("application/json"), b"my-name").is_ok());
    }

    /// CreateFOTAJob's body is an anyOf of five alternatives; the second requires tags,
    /// deviceIds and deviceIdentifiers together, the fourth deviceIdentifiers alone. A wrong
    /// `autoApply` must be named, not a property some other alternative requires.
    #[test]
    fn any_of_failures_name_the_field_that_is_wrong() {
        let spec = spec();
        let op = spec
            .find(&Method::POST, "/fota-jobs")
            .expect("CreateFOTAJob");
        let check_json = |v: Value| {
            check_body(
                &spec,
                &op,
                Some("application/json"),
                &serde_json::to_vec(&v).unwrap(),
            )
        };
        let bundle = "APP*1e29f2c5*v1.0.0";
        let err = check_json(json!({"bundleId": bundle, "tags": ["t"], "autoApply": "false"}))
            .expect_err("string autoApply");
        assert_eq!(err.to_string(), "body.autoApply must be a boolean");
        let err = check_json(json!({"bundleId": bundle, "deviceIds": "nrf-1"}))
            .expect_err("deviceIds not an array");
        assert_eq!(err.to_string(), "body.deviceIds must be an array");
        let err = check_json(json!({"bundleId": bundle, "tags": [7], "name": "x"}))
            .expect_err("a number as tag");
        assert_eq!(err.to_string(), "body.tags[0] must be a string");
        assert!(check_json(json!({"bundleId": bundle, "tags": ["t"], "autoApply": false})).is_ok());
        assert!(check_json(json!({"bundleId": bundle, "deviceIds": ["nrf-1"]})).is_ok());
        let err = check_json(json!({"tags": ["t"]})).expect_err("no bundle");
        assert_eq!(err.to_string(), "body.bundleId is required");
    }

    #[test]
    fn content_types_compare_leniently() {
        assert!(media_type_matches(
            "text/plain; charset=utf-8",
            "text/plain;charset=UTF8"
        ));
        assert!(!media_type_matches("application/json", "text/csv"));
    }
}
