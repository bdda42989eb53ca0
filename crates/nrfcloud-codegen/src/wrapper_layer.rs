//! The `nrfcloud` wrapper's operations layer, generated from the same document and code as
//! the raw client, so the wrapper's docs hold every operation and no list is kept by hand:
//!
//! - `Api<'a>`: one method per operation (the raw client's method name) returning
//!   `crate::Request<'a, builder::X<'a>>`, documented with the operation's summary and
//!   description, method and path, accepted credentials, documented errors (with the nRF codes
//!   of the table in `info.description`) and `#[deprecated]` where the document says so;
//! - for every setter of every request builder (parameters, `body`, `body_map`), a method of
//!   the same signature on `crate::Request<'a, builder::X<'a>>` that forwards to the builder,
//!   documented with the parameter's description and constraints. The signatures are read off
//!   progenitor's output. `page_limit` of paginated builders and `transform` are left to the
//!   wrapper's generic `Request` methods (checked limit, checked JSONata expression).
//!
//! The raw crate's `build.rs` writes the result to its `OUT_DIR`; the wrapper `include!`s it.

use std::collections::BTreeMap;

use quote::ToTokens;
use serde_json::Value;

use crate::operation_table::{OperationMeta, method_name};

/// Methods of the wrapper's `Request` itself: a setter of the same name cannot be forwarded
/// under its own name (two inherent methods of one name), so it is forwarded as
/// `<name>_param`, and its docs say why.
pub const REQUEST_METHODS: &[&str] = &[
    "send",
    "send_response",
    "with_options",
    "options",
    "pages",
    "items",
    "stream",
    "items_as",
    "max_items",
    "page_limit",
    "transform",
    "map",
    "into_builder",
    "builder",
];

/// Builder methods that are not parameter setters.
const NOT_SETTERS: &[&str] = &["new", "send", crate::postprocess::CALL_EXTENSIONS_ACCESSOR];

/// One setter of a request builder, as progenitor generated it.
struct Setter {
    name: String,
    sig: syn::Signature,
    args: Vec<syn::Ident>,
}

/// The setters of every request builder, by builder name, in the generated order.
fn builder_setters(code: &str) -> Result<BTreeMap<String, Vec<Setter>>, String> {
    let file: syn::File = syn::parse_str(code).map_err(|e| e.to_string())?;
    let items = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, it)| it),
            _ => None,
        })
        .ok_or("generated code has no builder module")?;
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(p) = &*imp.self_ty else {
            continue;
        };
        if imp.trait_.is_some() {
            continue;
        }
        let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let mut setters = Vec::new();
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let fname = f.sig.ident.to_string();
            if NOT_SETTERS.contains(&fname.as_str()) {
                continue;
            }
            let mut sig = f.sig.clone();
            let mut args = Vec::new();
            for input in &mut sig.inputs {
                match input {
                    syn::FnArg::Receiver(r) => r.mutability = None,
                    syn::FnArg::Typed(t) => match &*t.pat {
                        syn::Pat::Ident(i) => args.push(i.ident.clone()),
                        _ => {
                            return Err(format!(
                                "{name}::{fname}: an argument is not a plain name"
                            ));
                        }
                    },
                }
            }
            let text = sig.to_token_stream().to_string();
            if text.contains("super ::") || text.contains("crate ::") {
                return Err(format!(
                    "{name}::{fname}: its signature names a path relative to the raw crate: {text}"
                ));
            }
            setters.push(Setter {
                name: fname,
                sig,
                args,
            });
        }
        out.insert(name, setters);
    }
    Ok(out)
}

/// `list_fota_jobs` -> `ListFotaJobs` (how progenitor names builder structs).
pub fn builder_name(operation_id: &str) -> String {
    method_name(operation_id)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Lower-case letters and digits only: `pageNextToken`, `page_next_token` and
/// `page-next-token` compare equal.
fn loose(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Follows `$ref`s to `#/components/...` (a few levels at most).
fn resolve<'d>(doc: &'d Value, mut v: &'d Value) -> &'d Value {
    for _ in 0..8 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

/// The name a `$ref` points at (`#/components/schemas/DeviceId` -> `DeviceId`).
fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref")?.as_str()?.rsplit('/').next()
}

/// A code span holding `text` (longer fences when it holds backticks).
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The constraints of a schema as sentences: pattern, range, length, values, format.
fn constraints(doc: &Value, schema: &Value) -> String {
    let s = resolve(doc, schema);
    let mut out = Vec::new();
    if s.get("type").and_then(Value::as_str) == Some("array")
        && let Some(items) = s.get("items")
    {
        let inner = constraints(doc, items);
        out.push(if inner.is_empty() {
            "A list.".to_string()
        } else {
            format!("A list; each item: {inner}")
        });
    }
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        out.push(format!("Pattern: {}.", code(p)));
    }
    let num = |k: &str| s.get(k).filter(|v| v.is_number()).map(Value::to_string);
    match (num("minimum"), num("maximum")) {
        (Some(a), Some(b)) => out.push(format!("Range: {a} to {b}.")),
        (Some(a), None) => out.push(format!("At least {a}.")),
        (None, Some(b)) => out.push(format!("At most {b}.")),
        (None, None) => {}
    }
    match (num("minLength"), num("maxLength")) {
        (Some(a), Some(b)) => out.push(format!("Length: {a} to {b}.")),
        (Some(a), None) => out.push(format!("Length: at least {a}.")),
        (None, Some(b)) => out.push(format!("Length: at most {b}.")),
        (None, None) => {}
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let shown: Vec<String> = values
            .iter()
            .take(12)
            .map(|v| {
                code(
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                        .as_str(),
                )
            })
            .collect();
        let more = if values.len() > 12 { ", …" } else { "" };
        out.push(format!("One of {}{more}.", shown.join(", ")));
    }
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        out.push(format!("Format: {}.", code(f)));
    }
    if let Some(d) = s.get("default") {
        out.push(format!("Default: {}.", code(&d.to_string())));
    }
    out.join(" ")
}

/// The docs of one parameter setter.
fn parameter_doc(doc: &Value, p: &Value) -> String {
    let p = resolve(doc, p);
    let mut text = String::new();
    if let Some(d) = p.get("description").and_then(Value::as_str) {
        text.push_str(&crate::doc_text::markdown(d.trim()));
        text.push_str("\n\n");
    }
    let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
    let location = p.get("in").and_then(Value::as_str).unwrap_or("query");
    let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
    text.push_str(&format!(
        "{} {location} parameter {}.",
        if required { "Required" } else { "Optional" },
        code(name)
    ));
    if let Some(schema) = p.get("schema") {
        let c = constraints(doc, schema);
        if !c.is_empty() {
            text.push(' ');
            text.push_str(&c);
        }
    }
    text
}

/// The request body's schema and description.
fn body_info(doc: &Value, op: &Value) -> (Option<String>, String, bool) {
    let body = resolve(doc, op.get("requestBody").unwrap_or(&Value::Null));
    let schema = body
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|m| m.get("schema"));
    let name = schema.and_then(ref_name).map(str::to_owned);
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .or_else(|| {
            schema
                .map(|s| resolve(doc, s))
                .and_then(|s| s.get("description"))
                .and_then(Value::as_str)
        })
        .map(|d| crate::doc_text::markdown(d.trim()))
        .unwrap_or_default();
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    (name, description, required)
}

/// The docs of a setter with no parameter of its name: `body`, `body_map`, or other.
fn other_setter_doc(doc: &Value, op: &Value, setter: &str) -> String {
    let (name, description, required) = body_info(doc, op);
    let shown = name
        .as_deref()
        .map(code)
        .unwrap_or_else(|| "the body".into());
    let need = if required { "Required" } else { "Optional" };
    match setter {
        "body" => {
            let mut t = format!("The request body, {shown}.");
            if !description.is_empty() {
                t = format!("{description}\n\n{t}");
            }
            format!(
                "{t} {need}. A value that fails its conversion is reported by `send`, before anything is sent."
            )
        }
        "body_map" => format!(
            "Sets fields of the request body ({shown}) with its generated builder, e.g. \
             `.body_map(|b| b.field(value))`: fields left unset keep their defaults, and a \
             missing required field is reported by `send`, before anything is sent."
        ),
        other => format!(
            "Sets {} (the API document does not describe it).",
            code(other)
        ),
    }
}

/// `| 42200 | Validation failed | … |` rows of the error-code table in `info.description`.
fn nrf_codes(doc: &Value) -> Vec<(u32, String)> {
    let text = doc
        .pointer("/info/description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut cells = line.trim().trim_matches('|').split('|').map(str::trim);
            let code: u32 = cells.next()?.parse().ok()?;
            let title = cells.next()?.to_string();
            (10000..=99999).contains(&code).then_some((code, title))
        })
        .collect()
}

/// How a security scheme is configured on the wrapper's `ClientBuilder`.
fn credential_doc(scheme: &str) -> String {
    match scheme {
        "Simple Token" => "the team's API key ([`ClientBuilder::api_key`](crate::ClientBuilder::api_key))".into(),
        "JSON Web Token" => "a JWT: minted from a [`DeviceKey`](crate::DeviceKey) or [`ServiceKey`](crate::ServiceKey), or one minted elsewhere ([`ClientBuilder::jwt`](crate::ClientBuilder::jwt))".into(),
        "Service Evaluation Token" => "a service evaluation token ([`ClientBuilder::evaluation_token`](crate::ClientBuilder::evaluation_token))".into(),
        other => format!("the {} scheme", code(other)),
    }
}

/// What one operation's `Api` method and setters need.
struct OpDocs<'d> {
    meta: &'d OperationMeta,
    op: &'d Value,
    paginated: bool,
    transformable: bool,
}

/// The first sentence of a text (for the index).
fn first_sentence(text: &str) -> &str {
    let end = text
        .find(". ")
        .map(|i| i + 1)
        .or_else(|| text.find('\n'))
        .unwrap_or(text.len());
    &text[..end]
}

fn api_method_doc(doc: &Value, codes: &[(u32, String)], o: &OpDocs) -> String {
    let m = o.meta;
    let summary =
        o.op.get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim();
    let description =
        o.op.get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim();
    let mut t = String::new();
    let summary_says_more =
        !summary.is_empty() && summary != m.operation_id && summary != m.original_operation_id;
    if summary_says_more {
        t.push_str(&crate::doc_text::markdown(summary));
        t.push_str("\n\n");
    }
    if !description.is_empty() {
        t.push_str(&crate::doc_text::markdown(description));
        t.push_str("\n\n");
    }
    if t.is_empty() {
        t.push_str(&format!("The {} operation.\n\n", code(&m.operation_id)));
    }
    let renamed = if m.original_operation_id != m.operation_id {
        format!(
            " (upstream operationId {}, renamed because it is not unique)",
            code(&m.original_operation_id)
        )
    } else {
        String::new()
    };
    t.push_str(&format!(
        "Operation {}{renamed}: sends {}.\n\n",
        code(&m.operation_id),
        code(&format!("{} /v1{}", m.method, m.path))
    ));
    // Credentials.
    if m.security.is_empty() {
        t.push_str("**Credentials:** none; sent without `Authorization`.\n\n");
    } else {
        let mut kinds: Vec<String> = m
            .security
            .iter()
            .map(|alt| {
                alt.iter()
                    .map(|s| credential_doc(s))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        kinds.dedup();
        t.push_str(&format!(
            "**Credentials:** {}{}. Without one, `send` fails with [`Error::Credentials`](crate::Error::Credentials) and nothing is sent.\n\n",
            if kinds.len() > 1 { "one of " } else { "" },
            kinds.join("; ")
        ));
    }
    // Parameters.
    let params: Vec<&Value> =
        o.op.get("parameters")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().map(|p| resolve(doc, p)).collect())
            .unwrap_or_default();
    let mut listed: Vec<String> = params
        .iter()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            Some(format!(
                "{}{}",
                code(&method_name(name)),
                if required { " (required)" } else { "" }
            ))
        })
        .collect();
    if o.op.get("requestBody").is_some() {
        let (name, _, required) = body_info(doc, o.op);
        listed.push(format!(
            "`body`{}{}",
            name.map(|n| format!(" ({})", code(&n))).unwrap_or_default(),
            if required { " (required)" } else { "" }
        ));
    }
    if !listed.is_empty() {
        t.push_str(&format!(
            "**Parameters** (setters of the returned request): {}.\n\n",
            listed.join(", ")
        ));
    }
    // Errors.
    let mut declared = Vec::new();
    if let Some(responses) = o.op.get("responses").and_then(Value::as_object) {
        for (status, r) in responses {
            let Ok(n) = status.parse::<u32>() else {
                continue;
            };
            if n < 400 {
                continue;
            }
            let what = resolve(doc, r)
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let nrf: Vec<String> = codes
                .iter()
                .filter(|(c, _)| c / 100 == n)
                .map(|(c, title)| format!("{c} {}", crate::doc_text::markdown(title)))
                .collect();
            let nrf = if nrf.is_empty() {
                String::new()
            } else {
                format!(" (nRF codes: {})", nrf.join(", "))
            };
            declared.push(format!(
                "`{status}` {}{nrf}",
                crate::doc_text::markdown(what)
            ));
        }
    }
    if declared.is_empty() {
        t.push_str("**Errors:** the document declares no error response for it; an error answer comes back as [`Error::Api`](crate::Error::Api) with its HTTP status and nRF code ([`NrfCode`](crate::NrfCode), the table in the API document).");
    } else {
        t.push_str(&format!(
            "**Errors:** the document declares {}; any error answer comes back as [`Error::Api`](crate::Error::Api) with its HTTP status and nRF code ([`NrfCode`](crate::NrfCode)).",
            declared.join(", ")
        ));
    }
    t.push_str(" A parameter that fails its conversion is [`Error::InvalidInput`](crate::Error::InvalidInput), before anything is sent.");
    if o.paginated {
        t.push_str("\n\n**Paginated:** [`pages`](crate::Request::pages), [`items`](crate::Request::items) and [`stream`](crate::Request::stream) walk every page (`pageLimit` 100 unless [`page_limit`](crate::Request::page_limit) says otherwise, one page ahead); nRF code 40499 is an empty result.");
    }
    if o.transformable {
        t.push_str(
            "\n\nTakes a JSONata [`transform`](crate::Request::transform), checked before sending.",
        );
    }
    if m.deprecated {
        t.push_str("\n\n**Deprecated** in the API document.");
    }
    t
}

/// A `#[doc = "…"]` attribute.
fn doc_attr(text: &str) -> String {
    format!("#[doc = {text:?}]\n")
}

/// Rust source of the operations layer for the wrapper crate (formatted). `paginated` and
/// `transformable` are builder names (see [`crate::paged_builders`] and [`crate::sendable_impls`]).
///
/// # Errors
///
/// The parse error of code that is not Rust, or a builder the layer cannot forward.
pub fn generate(
    code_text: &str,
    ops: &[OperationMeta],
    doc: &Value,
    paginated: &[String],
) -> Result<String, String> {
    let setters = builder_setters(code_text)?;
    let codes = nrf_codes(doc);
    let mut methods = String::new();
    let mut impls = String::new();
    let mut index: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in ops {
        let name = builder_name(&m.operation_id);
        let method = method_name(&m.operation_id);
        let op = doc
            .pointer(&format!(
                "/paths/{}/{}",
                m.path.replace('~', "~0").replace('/', "~1"),
                m.method.to_lowercase()
            ))
            .ok_or_else(|| format!("{} is not in the document", m.operation_id))?;
        let builder = setters
            .get(&name)
            .ok_or_else(|| format!("no builder {name} for {}", m.operation_id))?;
        let o = OpDocs {
            meta: m,
            op,
            paginated: paginated.contains(&name),
            transformable: builder.iter().any(|s| s.name == "transform"),
        };
        let text = api_method_doc(doc, &codes, &o);
        index
            .entry(m.tag.clone().unwrap_or_else(|| "Other".into()))
            .or_default()
            .push(format!(
                "- [`{method}`](Self::{method}){}: {}",
                if m.deprecated { " (deprecated)" } else { "" },
                first_sentence(text.lines().next().unwrap_or_default())
            ));
        methods.push_str(&doc_attr(&text));
        let allow = if m.deprecated {
            methods
                .push_str("#[deprecated(note = \"deprecated in the nRF Cloud API document\")]\n");
            "#[allow(deprecated)]"
        } else {
            ""
        };
        methods.push_str(&format!(
            "pub fn {method}(&self) -> crate::Request<'a, builder::{name}<'a>> {{ {allow} let builder = self.client.raw().{method}(); crate::Request::new(self.client, builder) }}\n"
        ));
        let params: Vec<&Value> = op
            .get("parameters")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().collect())
            .unwrap_or_default();
        let mut forwards = String::new();
        for s in builder {
            let generic = s.name == "transform" || (s.name == "page_limit" && o.paginated);
            if generic {
                continue;
            }
            let renamed = REQUEST_METHODS.contains(&s.name.as_str());
            let param = params.iter().find(|p| {
                resolve(doc, p)
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| loose(n) == loose(&s.name))
            });
            let text = match param {
                Some(p) => parameter_doc(doc, p),
                None => other_setter_doc(doc, op, &s.name),
            };
            let mut sig = s.sig.clone();
            let text = if renamed {
                sig.ident = syn::Ident::new(&format!("{}_param", s.name), sig.ident.span());
                format!(
                    "{text}\n\n(The builder's `{}`, renamed: [`Request`](crate::Request) has a method of that name.)",
                    s.name
                )
            } else {
                text
            };
            forwards.push_str(&doc_attr(&text));
            let args: Vec<String> = s.args.iter().map(ToString::to_string).collect();
            forwards.push_str(&format!(
                "pub {} {{ self.map(|b| b.{}({})) }}\n",
                sig.to_token_stream(),
                s.name,
                args.join(", ")
            ));
        }
        if !forwards.is_empty() {
            impls.push_str(&format!(
                "impl<'a> crate::Request<'a, builder::{name}<'a>> {{\n{forwards}}}\n"
            ));
        }
    }
    let mut api_doc = String::from(
        "Every operation of the nRF Cloud REST API v1, one method each: get it from \
         [`Client::api`](crate::Client::api).\n\nEach method returns a \
         [`Request`](crate::Request): set the operation's parameters with its setters, then \
         [`send`](crate::Request::send) it (or stream the pages of a paginated operation). \
         The docs of each method and setter are the API document's, generated with the \
         client.\n",
    );
    for (tag, lines) in &index {
        api_doc.push_str(&format!(
            "\n## {}\n\n{}\n",
            crate::doc_text::markdown(tag),
            lines.join("\n")
        ));
    }
    let source = format!(
        "#[allow(unused_imports)]\nuse ::nrfcloud_api::{{builder, types}};\n\
         {api_doc_attr}#[derive(Debug, Clone, Copy)]\npub struct Api<'a> {{ client: &'a crate::Client }}\n\
         impl<'a> Api<'a> {{\n\
         /// The operations of `client`.\n\
         pub(crate) fn new(client: &'a crate::Client) -> Self {{ Self {{ client }} }}\n\
         {methods}}}\n{impls}",
        api_doc_attr = doc_attr(&api_doc),
    );
    let file: syn::File =
        syn::parse_str(&source).map_err(|e| format!("the operations layer does not parse: {e}"))?;
    Ok(format!(
        "// Generated by nrfcloud-codegen from spec/openapi.json for the nrfcloud crate. Do not edit.\n{}",
        prettyplease::unparse(&file)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::tiny_spec;
    use serde_json::json;

    fn layer() -> String {
        let page = json!({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"type": "string"}},
            "total": {"type": "integer"},
            "pageNextToken": {"type": "string"}}});
        let mut doc = tiny_spec(json!({
            "/things": {"get": {"operationId": "ListThings", "summary": "ListThings",
                "description": "Lists things, like nrf-<IMEI>.",
                "security": [{"Simple Token": []}, {"JSON Web Token": []}],
                "parameters": [
                    {"name": "pageNextToken", "in": "query", "schema": {"type": "string"}},
                    {"name": "pageLimit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "transform", "in": "query", "schema": {"type": "string"}},
                    {"name": "thingId", "in": "query", "required": true, "description": "Which thing.",
                     "schema": {"$ref": "#/components/schemas/ThingId"}}],
                "responses": {"200": {"description": "", "content": {"application/json": {"schema": page}}},
                              "422": {"description": "Validation failed"}}}},
            "/things/{id}": {"post": {"operationId": "SendThing", "deprecated": true,
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}}},
                "responses": {"204": {"description": "ok"}}}}
        }));
        doc["components"]["schemas"]["ThingId"] =
            json!({"type": "string", "pattern": "^[a-z]{1,8}$"});
        doc["components"]["schemas"]["Body"] = json!({"type": "object", "description": "A body.",
            "properties": {"topic": {"type": "string"}}});
        doc["info"]["description"] = json!(
            "| nRF code | Error |\n| --- | --- |\n| 42200 | Validation failed |\n| 40410 | Entity not found |"
        );
        let g = crate::generate::generate_unfixed(&doc).unwrap();
        generate(
            &g.code,
            &g.operations,
            &g.fixed,
            &["ListThings".to_string()],
        )
        .unwrap()
    }

    #[test]
    fn one_api_method_per_operation_with_the_documents_docs() {
        let text = layer();
        assert!(
            text.contains(
                "pub fn list_things(&self) -> crate::Request<'a, builder::ListThings<'a>>"
            ),
            "{text}"
        );
        assert!(
            text.contains("pub fn send_thing(&self) -> crate::Request<'a, builder::SendThing<'a>>")
        );
        for expected in [
            "/**Lists things, like nrf-&lt;IMEI>.",
            "sends `GET /v1/things`",
            "one of the team's API key",
            "`422` Validation failed (nRF codes: 42200 Validation failed)",
            "**Paginated:**",
            "Takes a JSONata [`transform`](crate::Request::transform)",
            "**Parameters** (setters of the returned request): `page_next_token`, `page_limit`, `transform`, `thing_id` (required).",
            "- [`list_things`](Self::list_things): Lists things, like nrf-&lt;IMEI>.",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let deprecated = &text[text.find("pub fn list_things").unwrap()..];
        assert!(deprecated.contains("#[deprecated(note = \"deprecated in the nRF Cloud API document\")]\n    pub fn send_thing"), "{text}");
        assert!(
            !text.contains("nRF codes: 40410"),
            "404 codes only where a 404 is declared"
        );
    }

    #[test]
    fn every_setter_is_forwarded_with_its_signature_and_parameter_docs() {
        let text = layer();
        assert!(text.contains("impl<'a> crate::Request<'a, builder::ListThings<'a>>"));
        assert!(text.contains("pub fn thing_id<V>(self, value: V) -> Self\n    where\n        V: std::convert::TryInto<types::ThingId>,\n        <V as ::std::convert::TryInto<types::ThingId>>::Error: ::std::fmt::Display,\n    {\n        self.map(|b| b.thing_id(value))\n    }"), "{text}");
        assert!(
            text.contains(
                "/**Which thing.\n\nRequired query parameter `thingId`. Pattern: `^[a-z]{1,8}$`.*/"
            ),
            "{text}"
        );
        assert!(text.contains("pub fn page_next_token<V>(self, value: V) -> Self"));
        // The wrapper's generic `page_limit` and `transform` take over these.
        let list = &text[text
            .find("impl<'a> crate::Request<'a, builder::ListThings<'a>>")
            .unwrap()..];
        let list = &list[..list.find("\n}\n").unwrap()];
        assert!(
            !list.contains("fn page_limit") && !list.contains("fn transform"),
            "{list}"
        );
        // Bodies: `body` and `body_map`.
        assert!(text.contains("pub fn body<V>(self, value: V) -> Self"));
        assert!(text.contains("pub fn body_map<F>(self, f: F) -> Self"));
        assert!(text.contains("self.map(|b| b.body_map(f))"));
        assert!(
            text.contains("/**A body.\n\nThe request body, `Body`. Required."),
            "{text}"
        );
        assert!(!text.contains("call_extensions"));
    }

    #[test]
    fn a_setter_named_like_a_request_method_is_forwarded_renamed() {
        let mut doc = tiny_spec(json!({
            "/x": {"get": {"operationId": "GetX",
                "parameters": [{"name": "items", "in": "query", "schema": {"type": "string"}}],
                "responses": {"204": {"description": "ok"}}}}
        }));
        doc["info"]["description"] = json!("");
        let g = crate::generate::generate_unfixed(&doc).unwrap();
        let text = generate(&g.code, &g.operations, &g.fixed, &[]).unwrap();
        assert!(
            text.contains("pub fn items_param<V>(self, value: V) -> Self"),
            "{text}"
        );
        assert!(text.contains("self.map(|b| b.items(value))"), "{text}");
        assert!(!text.contains("pub fn items<"), "{text}");
    }
}
