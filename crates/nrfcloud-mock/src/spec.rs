//! The embedded OpenAPI snapshot and the operation table built from it at startup: for every
//! (method, path template) the operation id, accepted security schemes, parameters, request body
//! and success status, every operation read from the document. The one hand-kept table is
//! [`PATH_ALIASES`]: the router names one parameter per path position.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use regex::Regex;
use serde_json::Value;

/// The committed snapshot, served by `GET /v1/openapi.json`: the raw client's copy, so the
/// mock and the client read the same document (and the mock packages without a path outside
/// its crate).
pub(crate) const SPEC_JSON: &str = nrfcloud_api::OPENAPI_JSON;

/// The DeviceId pattern, which the documentation marks case-insensitive (`/…/i`).
const CASE_INSENSITIVE_PATTERNS: &[&str] = &["^[a-z0-9:_-]{1,128}$"];

/// A credential kind, as named by the spec's security schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    /// "Simple Token": the team API key.
    SimpleToken,
    /// "JSON Web Token": a device JWT or a team service-key JWT.
    Jwt,
    /// "Service Evaluation Token".
    EvaluationToken,
}

impl Scheme {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "Simple Token" => Some(Self::SimpleToken),
            "JSON Web Token" => Some(Self::Jwt),
            "Service Evaluation Token" => Some(Self::EvaluationToken),
            _ => None,
        }
    }

    /// The scheme's name in the spec.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::SimpleToken => "Simple Token (API key)",
            Self::Jwt => "JSON Web Token",
            Self::EvaluationToken => "Service Evaluation Token",
        }
    }
}

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamIn {
    Path,
    Query,
    Header,
}

/// One declared parameter.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) location: ParamIn,
    pub(crate) required: bool,
    pub(crate) schema: Value,
}

/// A declared request body.
#[derive(Debug, Clone)]
pub(crate) struct BodySpec {
    pub(crate) required: bool,
    pub(crate) schema: Value,
}

/// One operation of the API.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: Method,
    pub(crate) template: String,
    /// Accepted schemes; empty means the operation needs no credentials.
    pub(crate) security: Vec<Scheme>,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<BodySpec>,
    pub(crate) success: StatusCode,
}

/// Path parameters the router serves under another name: the router allows one name per
/// position, and the document calls the device `{gatewayId}` in the Bluetooth LE paths
/// (`/devices/{gatewayId}/discover/…`) where every other path says `{deviceId}`.
pub(crate) const PATH_ALIASES: [(&str, &str); 1] = [("gatewayId", "deviceId")];

/// A document path template as the router names it ([`PATH_ALIASES`] applied).
fn routed_template(template: &str) -> String {
    let mut out = template.to_owned();
    for (documented, routed) in PATH_ALIASES {
        out = out.replace(&format!("{{{documented}}}"), &format!("{{{routed}}}"));
    }
    out
}

/// The parsed document plus the operation table and compiled patterns.
#[derive(Debug)]
pub(crate) struct ApiSpec {
    doc: Value,
    ops: HashMap<(Method, String), Arc<Operation>>,
    patterns: HashMap<String, Regex>,
}

impl ApiSpec {
    /// Parses the embedded snapshot (all its operations; [`PATH_ALIASES`] renamed).
    pub(crate) fn load() -> Result<Self, String> {
        let doc: Value =
            serde_json::from_str(SPEC_JSON).map_err(|e| format!("embedded spec: {e}"))?;
        let mut spec = Self {
            doc,
            ops: HashMap::new(),
            patterns: HashMap::new(),
        };
        spec.collect_patterns();
        let mut ops = Vec::new();
        if let Some(paths) = spec.doc.get("paths").and_then(Value::as_object) {
            for (template, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for (method, op) in item {
                    let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                    else {
                        continue;
                    };
                    if let Some(op) = spec.operation(&method, template, op) {
                        ops.push(op);
                    }
                }
            }
        }
        for mut op in ops {
            op.template = routed_template(&op.template);
            for p in op.params.iter_mut() {
                if let Some((_, routed)) = PATH_ALIASES.iter().find(|(d, _)| *d == p.name) {
                    p.name = (*routed).to_owned();
                }
            }
            spec.ops
                .entry((op.method.clone(), op.template.clone()))
                .or_insert_with(|| Arc::new(op));
        }
        Ok(spec)
    }

    fn operation(&self, method: &Method, template: &str, op: &Value) -> Option<Operation> {
        let id = op.get("operationId")?.as_str()?.to_owned();
        let security = op
            .get("security")
            .or_else(|| self.doc.get("security"))
            .and_then(Value::as_array)
            .map(|reqs| {
                let mut out: Vec<Scheme> = Vec::new();
                for req in reqs {
                    for name in req.as_object().into_iter().flat_map(|o| o.keys()) {
                        if let Some(s) = Scheme::from_name(name)
                            && !out.contains(&s)
                        {
                            out.push(s);
                        }
                    }
                }
                out
            })
            .unwrap_or_default();
        let security = crate::evidence::security(&id, security);
        let params = op
            .get("parameters")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|p| {
                        let p = self.resolve(p);
                        let location = match p.get("in")?.as_str()? {
                            "path" => ParamIn::Path,
                            "query" => ParamIn::Query,
                            "header" => ParamIn::Header,
                            _ => return None,
                        };
                        Some(Param {
                            name: p.get("name")?.as_str()?.to_owned(),
                            location,
                            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                            schema: p.get("schema").cloned().unwrap_or(Value::Null),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body = op.get("requestBody").map(|b| BodySpec {
            required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
            schema: b
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|m| m.get("schema"))
                .cloned()
                .unwrap_or(Value::Null),
        });
        let success = op
            .get("responses")
            .and_then(Value::as_object)
            .and_then(|r| {
                r.keys()
                    .filter_map(|k| k.parse::<u16>().ok())
                    .filter(|s| (200..300).contains(s))
                    .min()
            })
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        Some(Operation {
            id,
            method: method.clone(),
            template: template.to_owned(),
            security,
            params,
            body,
            success,
        })
    }

    fn collect_patterns(&mut self) {
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(p)) = map.get("pattern") {
                        out.push(p.clone());
                    }
                    map.values().for_each(|x| walk(x, out));
                }
                Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk(&self.doc, &mut found);
        for pattern in found {
            if self.patterns.contains_key(&pattern) {
                continue;
            }
            if let Some(re) = compile_pattern(&pattern) {
                self.patterns.insert(pattern, re);
            }
        }
    }

    /// The operation for `method` on a path template relative to `/v1`.
    pub(crate) fn find(&self, method: &Method, template: &str) -> Option<Arc<Operation>> {
        let template = routed_template(template);
        let template = template.as_str();
        self.ops
            .get(&(method.clone(), template.to_owned()))
            .cloned()
            .or_else(|| {
                (method == Method::HEAD)
                    .then(|| self.ops.get(&(Method::GET, template.to_owned())).cloned())
                    .flatten()
            })
    }

    /// Follows `$ref`s to the schema they name.
    pub(crate) fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                return schema;
            };
            let Some(pointer) = reference.strip_prefix('#') else {
                return schema;
            };
            match self.doc.pointer(pointer) {
                Some(target) => schema = target,
                None => return schema,
            }
        }
        schema
    }

    /// The compiled regex for a pattern that appears in the spec (compiled on the fly otherwise).
    pub(crate) fn pattern(&self, pattern: &str) -> Option<std::borrow::Cow<'_, Regex>> {
        match self.patterns.get(pattern) {
            Some(re) => Some(std::borrow::Cow::Borrowed(re)),
            None => compile_pattern(pattern).map(std::borrow::Cow::Owned),
        }
    }
}

fn compile_pattern(pattern: &str) -> Option<Regex> {
    let source = if CASE_INSENSITIVE_PATTERNS.contains(&pattern) {
        format!("(?i){pattern}")
    } else {
        pattern.to_owned()
    };
    Regex::new(&source).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_operation_is_in_the_table() {
        let spec = ApiSpec::load().expect("loads");
        let fetch = spec
            .find(&Method::GET, "/devices/{deviceId}")
            .expect("FetchDevice");
        assert_eq!(fetch.id, "FetchDevice");
        assert_eq!(fetch.security, vec![Scheme::SimpleToken, Scheme::Jwt]);
        let history = spec
            .find(&Method::GET, "/location/history")
            .expect("GetLocationHistory");
        assert_eq!(
            history.security,
            vec![Scheme::SimpleToken],
            "none declared; the curl examples send the API key"
        );
        let onboard = spec
            .find(&Method::POST, "/devices")
            .expect("OnboardDevices");
        assert_eq!(onboard.success, StatusCode::ACCEPTED);
        let head = spec
            .find(&Method::HEAD, "/location/agnss")
            .expect("GetAssistanceDataSize");
        assert_eq!(head.id, "GetAssistanceDataSize");
    }

    /// The mock enforces the security the client's codegen sends, after its fixups: not the
    /// raw document's, which drops the credential of the location history.
    #[test]
    fn security_follows_the_fixed_up_document() {
        let spec = ApiSpec::load().expect("loads");
        let mut doc: Value = serde_json::from_str(SPEC_JSON).expect("parses");
        nrfcloud_codegen::fixups::apply_all(&mut doc).expect("fixups apply");
        let table = nrfcloud_codegen::operation_table::from_document(&doc);
        assert!(table.len() > 80);
        for op in &table {
            let method = Method::from_bytes(op.method.as_bytes()).expect("method");
            let mock = spec.find(&method, &op.path).expect("the mock serves it");
            let mut want: Vec<Scheme> = op
                .security
                .iter()
                .flatten()
                .map(|name| Scheme::from_name(name).expect("known scheme"))
                .collect();
            want.dedup();
            let mut got = mock.security.clone();
            let key = |s: &Scheme| s.name();
            want.sort_by_key(key);
            got.sort_by_key(key);
            assert_eq!(got, want, "{} {} {}", op.operation_id, op.method, op.path);
        }
    }

    #[test]
    fn device_id_pattern_ignores_case() {
        let spec = ApiSpec::load().expect("loads");
        let re = spec.pattern("^[a-z0-9:_-]{1,128}$").expect("compiles");
        assert!(re.is_match("NRF-123"));
    }
}
