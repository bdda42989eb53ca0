//! Generates the `nrfcloud` command's API commands from `spec/openapi.json`, through the same
//! fixups and progenitor run as the raw client (`nrfcloud_codegen::generate`):
//!
//! - `operations.rs`: one `OpSpec` per operation (group, verb, help text from the document,
//!   parameters with their checks, body kind, flat body fields, response kind);
//! - `dispatch.rs`: one match arm per operation that sends it with the wrapper's typed send
//!   (`client.api().<operation>().<setter>(value)…`), each value converted to the setter's
//!   own type (read off progenitor's output).
//!
//! Names: the group is the path's resource (`/devices/…` → `devices`, `/location/anchors` →
//! `anchors`), the verb is the operationId without the group's nouns (`ListDevices` →
//! `list`, `FetchDevice` → `get`, `UpdateDeviceTags` → `update-tags`); the kebab-case
//! operationId is always an alias (`devices fetch-device`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use serde_json::Value;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../..");
    let spec_path = root.join("spec/openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    rerun_for_tree(&root.join("crates/nrfcloud-codegen/src"));

    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));
    let generated = nrfcloud_codegen::generate(&text)
        .unwrap_or_else(|e| panic!("generating from {} failed: {e}", spec_path.display()));
    let setters = builder_setters(&generated.code);
    let doc = &generated.fixed;

    let mut ops = Vec::new();
    for meta in &generated.operations {
        ops.push(command_of(doc, meta, &setters));
    }
    name_verbs(&mut ops);

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    std::fs::write(out.join("operations.rs"), table_rust(&ops)).expect("write operations.rs");
    std::fs::write(out.join("dispatch.rs"), dispatch_rust(&ops)).expect("write dispatch.rs");
}

fn rerun_for_tree(path: &Path) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("readable tree").flatten() {
            rerun_for_tree(&entry.path());
        }
    } else {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// One parameter or flat body field, as the CLI sees it.
struct Param {
    /// The name in the document (`deviceId`).
    name: String,
    /// `path`, `query`, `header` or `body` (a flat body field).
    location: String,
    required: bool,
    description: String,
    /// `string`, `integer`, `number`, `boolean`, `json`.
    kind: String,
    /// Set when the parameter is an array (of `kind`).
    array: bool,
    pattern: Option<String>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    enum_values: Vec<String>,
    /// The default the CLI sends when the flag is absent (only the raw bodies' content type).
    default: Option<String>,
    /// The setter on the request (`device_id`) and the Rust type it takes.
    setter: Option<(String, String)>,
}

struct Body {
    /// `json`, `text` or `binary`.
    kind: String,
    required: bool,
    /// The setter's Rust type (`nrfcloud::types::X`, `reqwest::Body`, `String`).
    rust_type: String,
    /// Flat fields, when every property of the body is a scalar or an array of scalars.
    fields: Vec<Param>,
    description: String,
}

struct Op {
    operation_id: String,
    method_name: String,
    method: String,
    path: String,
    group: String,
    verb: String,
    alias: String,
    summary: String,
    description: String,
    deprecated: bool,
    paginated: bool,
    transform: bool,
    binary: bool,
    security: Vec<Vec<String>>,
    params: Vec<Param>,
    body: Option<Body>,
}

/// The setters of every request builder: builder name -> setter name -> target type.
fn builder_setters(code: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let file: syn::File = syn::parse_str(code).expect("generated code parses");
    let items = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, it)| it),
            _ => None,
        })
        .expect("a builder module");
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(p) = &*imp.self_ty else {
            continue;
        };
        let name = p.path.segments.last().expect("a name").ident.to_string();
        let mut setters = BTreeMap::new();
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let Some(generic) = f.sig.generics.type_params().next() else {
                continue;
            };
            let Some(wc) = &f.sig.generics.where_clause else {
                continue;
            };
            for pred in &wc.predicates {
                let syn::WherePredicate::Type(t) = pred else {
                    continue;
                };
                if generic.ident != t.bounded_ty.to_token_stream().to_string() {
                    continue;
                }
                for bound in &t.bounds {
                    let syn::TypeParamBound::Trait(tb) = bound else {
                        continue;
                    };
                    let last = tb.path.segments.last().expect("a segment");
                    if last.ident != "TryInto" {
                        continue;
                    }
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments
                        && let Some(syn::GenericArgument::Type(ty)) = args.args.first()
                    {
                        setters.insert(f.sig.ident.to_string(), rust_type(ty));
                    }
                }
            }
        }
        out.insert(name, setters);
    }
    out
}

/// A type of the raw crate's builder module, spelled from the CLI crate.
fn rust_type(ty: &syn::Type) -> String {
    let text = ty.to_token_stream().to_string().replace(' ', "");
    let mut s = String::new();
    let mut rest = text.as_str();
    // Replace `types::` and `crate::` at the start of each path.
    while !rest.is_empty() {
        let at_start = s.is_empty() || s.ends_with(['<', ',', '(', '[']);
        if at_start && rest.starts_with("types::") {
            s.push_str("nrfcloud::types::");
            rest = &rest["types::".len()..];
        } else if at_start && rest.starts_with("crate::") {
            s.push_str("nrfcloud::api::");
            rest = &rest["crate::".len()..];
        } else if at_start && rest.starts_with("super::") {
            s.push_str("nrfcloud::types::");
            rest = &rest["super::".len()..];
        } else {
            let c = rest.chars().next().expect("not empty");
            s.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    s
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// Fills kind and checks from a schema.
fn describe_schema(doc: &Value, schema: &Value, p: &mut Param) {
    let s = resolve(doc, schema);
    if let Some(parts) = s.get("allOf").and_then(Value::as_array)
        && parts.len() == 1
    {
        return describe_schema(doc, &parts[0], p);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(parts) = s.get(key).and_then(Value::as_array) {
            // A union: the kind of its first branch; enum values only when every branch is an
            // enum (an open enum also accepts any string).
            let mut values = Vec::new();
            let mut closed = true;
            let mut kind = None;
            for part in parts {
                let mut q = blank_param();
                describe_schema(doc, part, &mut q);
                kind.get_or_insert(q.kind.clone());
                if q.enum_values.is_empty() {
                    closed = false;
                }
                values.extend(q.enum_values);
                if q.kind != kind.clone().unwrap_or_default() {
                    kind = Some("json".into());
                }
            }
            p.kind = kind.unwrap_or_else(|| "json".into());
            if closed {
                p.enum_values = values;
            }
            return;
        }
    }
    let ty = s.get("type").and_then(Value::as_str).unwrap_or("");
    if ty == "array" {
        p.array = true;
        if let Some(items) = s.get("items") {
            describe_schema(doc, items, p);
            p.array = true;
        }
        return;
    }
    p.kind = match ty {
        "string" | "integer" | "number" | "boolean" => ty.to_string(),
        "" if s.get("enum").is_some() => "string".into(),
        _ => "json".into(),
    };
    p.pattern = s.get("pattern").and_then(Value::as_str).map(str::to_owned);
    p.minimum = s.get("minimum").and_then(Value::as_f64);
    p.maximum = s.get("maximum").and_then(Value::as_f64);
    p.min_length = s.get("minLength").and_then(Value::as_u64);
    p.max_length = s.get("maxLength").and_then(Value::as_u64);
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        p.enum_values = values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
    }
    if p.description.is_empty() {
        p.description = text_of(s.get("description"));
    }
}

fn blank_param() -> Param {
    Param {
        name: String::new(),
        location: String::new(),
        required: false,
        description: String::new(),
        kind: "string".into(),
        array: false,
        pattern: None,
        minimum: None,
        maximum: None,
        min_length: None,
        max_length: None,
        enum_values: Vec::new(),
        default: None,
        setter: None,
    }
}

fn text_of(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or("").trim().to_string()
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn command_of(
    doc: &Value,
    meta: &nrfcloud_codegen::operation_table::OperationMeta,
    setters: &BTreeMap<String, BTreeMap<String, String>>,
) -> Op {
    let item = &doc["paths"][&meta.path];
    let op = &item[meta.method.to_lowercase()];
    let builder = nrfcloud_codegen::wrapper_layer::builder_name(&meta.operation_id);
    let own_setters = setters.get(&builder).cloned().unwrap_or_default();
    let setter_for = |name: &str| {
        own_setters
            .iter()
            .find(|(s, _)| norm(s) == norm(name))
            .map(|(s, t)| (s.clone(), t.clone()))
    };

    let mut params = Vec::new();
    let mut seen = BTreeSet::new();
    let all = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            item.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    let mut transform = false;
    for raw in all {
        let p = resolve(doc, raw);
        let name = text_of(p.get("name"));
        let location = text_of(p.get("in"));
        if !seen.insert((name.clone(), location.clone())) {
            continue;
        }
        if meta.paginated && (name == "pageNextToken" || name == "pageLimit") {
            continue; // --page-limit and the page stream
        }
        if name == "transform" && location == "query" {
            transform = true; // --transform, checked locally
            continue;
        }
        let mut param = blank_param();
        param.name = name.clone();
        param.location = location;
        param.required =
            p.get("required").and_then(Value::as_bool).unwrap_or(false) || param.location == "path";
        param.description = text_of(p.get("description"));
        if let Some(schema) = p.get("schema") {
            describe_schema(doc, schema, &mut param);
        }
        param.setter = setter_for(&name);
        if param.location == "header" && name.eq_ignore_ascii_case("content-type") {
            // Only raw bodies keep this header: send the body's own media type by default.
            let pick = ["text/csv", "text/plain", "application/octet-stream"]
                .into_iter()
                .find(|v| param.enum_values.iter().any(|e| e == v))
                .map(str::to_owned)
                .or_else(|| param.enum_values.first().cloned());
            param.default = pick;
            param.required = false;
        }
        params.push(param);
    }

    let body = op.get("requestBody").map(|rb| {
        let rb = resolve(doc, rb);
        let content = rb.get("content").and_then(Value::as_object);
        let (media, schema) = content
            .and_then(|c| c.iter().next())
            .map(|(m, v)| (m.clone(), v.get("schema").cloned().unwrap_or(Value::Null)))
            .unwrap_or_default();
        let rust_type = own_setters
            .get("body")
            .cloned()
            .unwrap_or_else(|| "serde_json::Value".into());
        let kind = if rust_type == "reqwest::Body" || media == "application/octet-stream" {
            "binary"
        } else if media.starts_with("text/") || rust_type == "String" {
            "text"
        } else {
            "json"
        };
        let mut fields = Vec::new();
        if kind == "json" {
            let s = resolve(doc, &schema);
            let required: BTreeSet<String> = s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            let props = s.get("properties").and_then(Value::as_object);
            let is_object = s.get("type").and_then(Value::as_str) == Some("object")
                || (props.is_some() && s.get("oneOf").is_none() && s.get("anyOf").is_none());
            let scalar = matches!(
                s.get("type").and_then(Value::as_str),
                Some("string" | "integer" | "number" | "boolean" | "array")
            );
            if scalar && props.is_none() {
                // A bare JSON value (a name, a list of tags): one flag, `--value`.
                let mut f = blank_param();
                f.name = "value".into();
                f.location = "value".into();
                f.required = true;
                f.description = text_of(rb.get("description"));
                describe_schema(doc, &schema, &mut f);
                if f.kind != "json" && !params.iter().any(|p| p.name == "value") {
                    fields.push(f);
                }
            } else if let (true, Some(props)) = (is_object, props) {
                for (name, ps) in props {
                    let mut f = blank_param();
                    f.name = name.clone();
                    f.location = "body".into();
                    f.required = required.contains(name);
                    describe_schema(doc, ps, &mut f);
                    f.description = {
                        let d = text_of(ps.get("description"));
                        if d.is_empty() { f.description } else { d }
                    };
                    fields.push(f);
                }
                // Scalars and lists of scalars are flags; an object-valued field takes JSON
                // text (`--message '{"temp": 21.5}'`).
                let flat = !fields.is_empty()
                    && fields
                        .iter()
                        .all(|f| !params.iter().any(|p| kebab(&p.name) == kebab(&f.name)))
                    && fields
                        .iter()
                        .all(|f| !RESERVED.contains(&kebab(&f.name).as_str()));
                if !flat {
                    fields.clear();
                }
            }
        }
        Body {
            kind: kind.into(),
            required: rb.get("required").and_then(Value::as_bool).unwrap_or(false),
            rust_type,
            fields,
            description: text_of(rb.get("description")),
        }
    });

    let (group, _) = group_of(&meta.path);
    Op {
        operation_id: meta.operation_id.clone(),
        method_name: nrfcloud_codegen::operation_table::method_name(&meta.operation_id),
        method: meta.method.clone(),
        path: meta.path.clone(),
        group,
        verb: String::new(),
        alias: kebab(&meta.operation_id),
        summary: text_of(op.get("summary")),
        description: text_of(op.get("description")),
        deprecated: meta.deprecated,
        paginated: meta.paginated,
        transform,
        binary: meta.accept.is_some(),
        security: meta.security.clone(),
        params,
        body,
    }
}

/// Flags of the CLI itself: a body field of this name is only read from `--body`.
const RESERVED: &[&str] = &[
    "body",
    "output",
    "quiet",
    "verbose",
    "profile",
    "base-url",
    "api-key-file",
    "device-key",
    "device-id-for-jwt",
    "service-key",
    "team-id",
    "max-items",
    "page-limit",
    "transform",
    "output-file",
    "help",
    "color",
];

/// The resource group of a path, and the nouns its verbs drop.
fn group_of(path: &str) -> (String, Vec<&'static str>) {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let first = segs.first().copied().unwrap_or("");
    let second = segs.get(1).copied().unwrap_or("");
    let (g, nouns): (&str, Vec<&'static str>) = match (first, second) {
        ("account", _) => ("account", vec!["account"]),
        ("alerts", _) => ("alerts", vec!["alert", "alerts", "device"]),
        ("association", _) | ("devices", _) => ("devices", vec!["device", "devices"]),
        ("binary-logs", _) => ("binary-logs", vec!["binary", "logs"]),
        ("bulk-ops-requests", _) => ("bulk-ops", vec!["bulk", "ops", "request", "requests"]),
        ("firmwares", _) => ("firmware", vec!["firmware", "firmwares"]),
        ("fota-job-execution-statuses", _) | ("fota-job-executions", _) => (
            "fota-executions",
            vec!["fota", "job", "execution", "executions"],
        ),
        ("fota-jobs", _) => ("fota-jobs", vec!["fota", "job", "jobs"]),
        ("location", "anchors") => ("anchors", vec!["anchor", "anchors"]),
        ("location", "contribute") => ("contributions", vec!["contribution", "contributions"]),
        ("location", "history") => ("location-history", vec!["location", "history"]),
        ("location", _) => ("location", vec!["location"]),
        ("messages", _) => ("messages", vec!["message", "messages"]),
        ("openapi.json", _) => ("spec", vec!["spec"]),
        ("status", _) => ("status", vec!["system", "status"]),
        (other, _) => (other, vec![]),
    };
    (g.to_string(), nouns)
}

fn kebab(s: &str) -> String {
    nrfcloud_codegen::operation_table::method_name(s).replace('_', "-")
}

/// Verbs: the operationId without its group's nouns, `fetch` read as `get`; the kebab-case
/// operationId where two verbs of a group would clash, or a few names read better whole.
fn name_verbs(ops: &mut [Op]) {
    for op in ops.iter_mut() {
        let (_, nouns) = group_of(&op.path);
        let words: Vec<String> = op.method_name.split('_').map(str::to_owned).collect();
        let mut kept: Vec<String> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 && nouns.contains(&w.as_str()) {
                continue;
            }
            kept.push(if i == 0 && w == "fetch" {
                "get".into()
            } else {
                w.clone()
            });
        }
        op.verb = kept.join("-");
        if let Some((_, verb)) = VERB_OVERRIDES.iter().find(|(id, _)| *id == op.operation_id) {
            op.verb = (*verb).to_string();
        }
    }
    // Clashes within a group: both keep their whole kebab-case name.
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    for op in ops.iter() {
        *count
            .entry((op.group.clone(), op.verb.clone()))
            .or_default() += 1;
    }
    for op in ops.iter_mut() {
        if count[&(op.group.clone(), op.verb.clone())] > 1 {
            op.verb = op.alias.clone();
        }
    }
}

/// Verbs the rule above would make unclear.
const VERB_OVERRIDES: &[(&str, &str)] = &[
    ("FetchAccountInfo", "get"),
    ("OnboardDevices", "onboard-csv"),
    ("UploadFirmware", "upload-raw"),
    ("GetSpec", "get"),
    ("GetSystemStatus", "get"),
    ("ListDeviceAlerts", "list"),
    ("GetAssistanceData", "agnss"),
    ("GetAssistanceDataSize", "agnss-size"),
    ("GetAssistanceDataAgps", "agps"),
    ("GetFileSize", "agps-size"),
    ("GetPredictedAssistanceData", "pgnss"),
    ("GetPredictedAssistanceDataPgps", "pgps"),
    ("GetLocationFromCellsOrWifiNetworks", "ground-fix"),
    ("GetLocationFromCells", "cell"),
    ("GetLocationFromWifiNetworks", "wifi"),
    ("GetSingleCellLocation", "single-cell"),
    ("GetAddressDataFromCoordinates", "geocode"),
    ("RecordGnssCoordinates", "record-gnss"),
    ("GetLocationHistory", "list"),
    ("DeleteLocationHistory", "delete"),
    ("GetContributions", "list"),
    ("ContributeLocationData", "create"),
    ("ListFOTAJobExecutionStatuses", "list-statuses"),
    ("ListFOTAJobExecutionsForDevice", "list"),
    ("FetchCurrentPendingFOTAJobExecution", "get-current"),
    ("UpdateFOTAJobExecutionStatus", "update-status"),
    ("ListMessages", "list"),
    ("SendDeviceMessage", "send"),
];

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn opt_lit(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("Some({s:?})"),
        None => "None".into(),
    }
}

fn opt_f64(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("Some({v:?}_f64)"),
        None => "None".into(),
    }
}

fn opt_u64(v: Option<u64>) -> String {
    match v {
        Some(v) => format!("Some({v})"),
        None => "None".into(),
    }
}

fn param_rust(p: &Param) -> String {
    format!(
        "ParamSpec {{ name: {}, location: {}, required: {}, description: {}, kind: Kind::{}, array: {}, pattern: {}, minimum: {}, maximum: {}, min_length: {}, max_length: {}, enum_values: &[{}], default: {} }}",
        lit(&p.name),
        lit(&p.location),
        p.required,
        lit(&p.description),
        match p.kind.as_str() {
            "integer" => "Integer",
            "number" => "Number",
            "boolean" => "Boolean",
            "json" => "Json",
            _ => "String",
        },
        p.array,
        opt_lit(&p.pattern),
        opt_f64(p.minimum),
        opt_f64(p.maximum),
        opt_u64(p.min_length),
        opt_u64(p.max_length),
        p.enum_values
            .iter()
            .map(|v| lit(v))
            .collect::<Vec<_>>()
            .join(", "),
        opt_lit(&p.default),
    )
}

fn table_rust(ops: &[Op]) -> String {
    let mut s = String::from(
        "// Generated by crates/nrfcloud-cli/build.rs from spec/openapi.json. Do not edit.\n",
    );
    s.push_str("/// Every operation of the document, as a command.\npub static OPERATIONS: &[OpSpec] = &[\n");
    for op in ops {
        let body = match &op.body {
            None => "None".to_string(),
            Some(b) => format!(
                "Some(BodySpec {{ kind: BodyKind::{}, required: {}, description: {}, fields: &[{}] }})",
                match b.kind.as_str() {
                    "binary" => "Binary",
                    "text" => "Text",
                    _ => "Json",
                },
                b.required,
                lit(&b.description),
                b.fields
                    .iter()
                    .map(param_rust)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let security = op
            .security
            .iter()
            .map(|alt| {
                format!(
                    "&[{}]",
                    alt.iter().map(|n| lit(n)).collect::<Vec<_>>().join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "    OpSpec {{ operation_id: {}, group: {}, verb: {}, alias: {}, method: {}, path: {}, summary: {}, description: {}, deprecated: {}, paginated: {}, transform: {}, binary: {}, security: &[{}], params: &[{}], body: {} }},",
            lit(&op.operation_id),
            lit(&op.group),
            lit(&op.verb),
            lit(&op.alias),
            lit(&op.method),
            lit(&op.path),
            lit(&op.summary),
            lit(&op.description),
            op.deprecated,
            op.paginated,
            op.transform,
            op.binary,
            security,
            op.params
                .iter()
                .map(param_rust)
                .collect::<Vec<_>>()
                .join(", "),
            body,
        );
    }
    s.push_str("];\n");
    s
}

/// Setters that share a name with a method of the wrapper's `Request` are forwarded as
/// `<name>_param`.
fn forwarded(setter: &str) -> String {
    if nrfcloud_codegen::wrapper_layer::REQUEST_METHODS.contains(&setter) {
        format!("{setter}_param")
    } else {
        setter.to_string()
    }
}

fn dispatch_rust(ops: &[Op]) -> String {
    let mut s = String::from(
        "// Generated by crates/nrfcloud-cli/build.rs from spec/openapi.json. Do not edit.\n",
    );
    s.push_str(
        "/// Sends the operation `op` with the checked input `input`, writing the answer to `out`.\n\
         #[allow(deprecated, unused_mut, clippy::too_many_lines)]\n\
         pub async fn dispatch(client: &nrfcloud::Client, op: &'static OpSpec, mut input: Input, out: &mut Output) -> Result<(), CliError> {\n\
         match op.operation_id {\n",
    );
    for op in ops {
        let _ = writeln!(s, "{:?} => {{", op.operation_id);
        let _ = writeln!(s, "let mut r = client.api().{}();", op.method_name);
        for p in &op.params {
            let Some((setter, ty)) = &p.setter else {
                continue;
            };
            let _ = writeln!(
                s,
                "if let Some(v) = input.take({:?}) {{ r = r.{}(input.typed::<{ty}>({:?}, v)?); }}",
                p.name,
                forwarded(setter),
                p.name
            );
        }
        if op.transform {
            s.push_str("if let Some(t) = input.transform.take() { r = r.transform(&t); }\n");
        }
        if let Some(b) = &op.body {
            match b.kind.as_str() {
                "binary" => s.push_str(
                    "if let Some(bytes) = input.raw_body.take() { r = r.body(reqwest::Body::from(bytes)); }\n",
                ),
                "text" if b.rust_type == "reqwest::Body" => s.push_str(
                    "if let Some(bytes) = input.raw_body.take() { r = r.body(reqwest::Body::from(bytes)); }\n",
                ),
                "text" => s.push_str(
                    "if let Some(bytes) = input.raw_body.take() { r = r.body(input.text(bytes)?); }\n",
                ),
                _ => {
                    let _ = writeln!(
                        s,
                        "if let Some(v) = input.json_body.take() {{ r = r.body(input.typed::<{}>(\"body\", v)?); }}",
                        b.rust_type
                    );
                }
            }
        }
        let run = if op.paginated {
            "crate::run::paged(r, &input, out).await"
        } else if op.binary {
            "crate::run::binary(r, &input, out).await"
        } else if op.method == "HEAD" {
            "crate::run::head(r, &input, out).await"
        } else {
            "crate::run::single(r, &input, out).await"
        };
        let _ = writeln!(s, "{run}\n}}");
    }
    s.push_str(
        "other => Err(CliError::usage(format!(\"no command for operation {other}\"))),\n}\n}\n",
    );
    s
}
