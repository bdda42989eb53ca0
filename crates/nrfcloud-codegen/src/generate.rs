//! The generation pipeline: JSON document -> fixups -> `openapiv3` -> progenitor -> `syn` ->
//! `prettyplease`, plus the per-operation table and the generated-surface summary.

use std::panic::{AssertUnwindSafe, catch_unwind};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::fixups::{self, FixupReport};
use crate::operation_table::{self, OperationMeta};
use crate::spec::{self, SpecError};
use crate::surface;

/// Everything one generation run produces.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted Rust source of the raw client.
    pub code: String,
    /// The document after fixups (what progenitor saw).
    pub fixed: Value,
    /// What the fixups changed.
    pub report: FixupReport,
    /// One entry per operation, from the fixed document.
    pub operations: Vec<OperationMeta>,
    /// The plain-text summary of the generated surface (committed as `spec/generated-surface.txt`).
    pub surface: String,
    /// One `Sendable` impl per request builder (see [`crate::sendable_impls`]).
    pub sendable: String,
    /// `PagedBuilder` impls of the paginated operations' builders (see [`crate::paged_builders`]).
    pub pagination: String,
    /// The `nrfcloud` wrapper's operations layer (see [`crate::wrapper_layer`]).
    pub wrapper_layer: String,
    /// The untagged enums given a faster `Deserialize` (see [`crate::union_decoders`]).
    pub unions: crate::union_decoders::FastUnions,
    /// The string types whose `pattern` is checked by plain code, with the pattern (see
    /// [`crate::patterns`]).
    pub plain_patterns: Vec<(String, String)>,
    /// The operations whose path parameters are checked (see [`crate::path_segments`]).
    pub checked_paths: Vec<crate::path_segments::CheckedPath>,
    /// Test support for the raw crate: a call of every operation with chosen path
    /// parameters (see [`crate::path_segments::probes`]).
    pub path_probes: String,
    /// The open JSON of responses now kept as text (see [`crate::raw_json`]).
    pub raw_json: crate::raw_json::RawJsonFields,
    /// The secret types and properties whose `Debug` is redacted, and the operations that
    /// answer with them (see [`crate::secrets`]).
    pub secrets: crate::secrets::Secrets,
    /// Test support for the raw crate: `Debug` texts and schemas of the types with secrets
    /// (see [`crate::secrets::probes`]).
    pub secret_probes: String,
}

impl Generated {
    /// The files the raw crate compiles from, by name: what its `build.rs` writes to
    /// `OUT_DIR` and what `cargo xtask package` puts in the published crate's `generated/`
    /// directory (so that a user's build compiles them without running the generator).
    pub fn files(&self) -> Vec<(&'static str, String)> {
        vec![
            ("codegen.rs", self.code.clone()),
            (
                "operations.rs",
                crate::operation_table::to_rust(&self.operations),
            ),
            ("surface.txt", self.surface.clone()),
            ("sendable.rs", self.sendable.clone()),
            ("pagination.rs", self.pagination.clone()),
            ("path_probes.rs", self.path_probes.clone()),
            ("secrets.rs", crate::secrets::to_rust(&self.secrets)),
            ("secret_probes.rs", self.secret_probes.clone()),
            ("wrapper_layer.rs", self.wrapper_layer.clone()),
            (
                "fixups.txt",
                format!(
                    "applied: {}\nno-ops: {}\n",
                    self.report.applied().join(", "),
                    self.report.no_ops.join(", ")
                ),
            ),
        ]
    }
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The document could not be loaded.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A fixup refused the document.
    #[error(transparent)]
    Fixup(#[from] fixups::FixupError),
    /// progenitor returned an error or panicked. `operation` names the first operation that
    /// fails on its own, when one does.
    #[error("progenitor failed{}: {message}", operation.as_ref().map(|o| format!(" on {o}")).unwrap_or_default())]
    Progenitor {
        /// The culprit, if isolated: `operation Id METHOD /path` or `component schema Name`.
        operation: Option<String>,
        /// progenitor's message (or panic payload).
        message: String,
    },
    /// String `pattern`s that [`crate::patterns`] cannot check in plain code. The raw crate
    /// has no regex engine (it would cost every user's build one), so each pattern of the
    /// document must be one of the forms that module checks.
    #[error(
        "patterns that need a regex engine, which the raw crate does not have: {}; teach \
         nrfcloud-codegen's `patterns` module their form",
        .0.join(", ")
    )]
    Pattern(Vec<String>),
    /// The generated tokens are not valid Rust (a progenitor bug).
    #[error("generated code does not parse: {0}")]
    Syntax(String),
}

/// The progenitor settings this project uses: builder interface, merged tags, the raw crate's
/// hook state as the inner type (its `ClientHooks` impl is required), and `JsonSchema` on
/// every generated type (put behind the raw crate's `schemars` feature afterwards, by
/// [`crate::postprocess::schemars_behind_feature`]), and `serde_json`'s types where a schema
/// names one with `x-rust-type` (the ground-fix fixups' `serde_json::Number`).
pub fn settings() -> GenerationSettings {
    let mut s = GenerationSettings::default();
    s.with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::hooks::Hooks))
        .with_derive("schemars::JsonSchema")
        // `x-rust-type: serde_json::Number` (fixups::ground_fix) names this crate.
        .with_crate("serde_json", progenitor::CrateVers::Any, None);
    s
}

/// Runs the whole pipeline on the text of a document.
///
/// # Errors
///
/// [`GenerateError`]: the text is not an OpenAPI 3.0 document, a fixup failed, progenitor
/// refused the document, or its output does not have the expected shape.
pub fn generate(text: &str) -> Result<Generated, GenerateError> {
    let mut doc = spec::parse_json(text)?;
    let report = fixups::apply_all(&mut doc)?;
    let mut out = generate_unfixed(&doc)?;
    out.report = report;
    Ok(out)
}

/// Runs progenitor on a document exactly as given (the fixups' tests use this to show the
/// failure a fixup prevents).
///
/// # Errors
///
/// As [`generate`], without the fixups' errors.
pub fn generate_unfixed(doc: &Value) -> Result<Generated, GenerateError> {
    let api = spec::to_openapiv3(doc)?;
    let Rewritten {
        code,
        unions,
        plain_patterns,
        checked_paths,
        raw_json,
        secrets,
        regex_patterns,
    } = match run_progenitor(&api, &crate::conversion_errors::integer_ranges_of(doc)) {
        Ok(done) => done,
        Err(message) => {
            let culprit = isolate_failing_component(doc).or_else(|| isolate_failing_operation(doc));
            return Err(GenerateError::Progenitor {
                operation: culprit,
                message,
            });
        }
    };
    if !regex_patterns.is_empty() {
        return Err(GenerateError::Pattern(regex_patterns));
    }
    let mut operations = operation_table::from_document(doc);
    for op in &mut operations {
        op.secret_response = secrets
            .operations
            .contains(&operation_table::method_name(&op.operation_id));
    }
    let surface = surface::summarize(&code, &operations).map_err(GenerateError::Syntax)?;
    let sendable =
        crate::sendable_impls::sendable_impls(&code, &operations).map_err(GenerateError::Syntax)?;
    let paginated =
        crate::paged_builders::find(&code, &operations).map_err(GenerateError::Syntax)?;
    let pagination = crate::paged_builders::to_rust(&paginated);
    let paginated_builders: Vec<String> = paginated.iter().map(|p| p.name.clone()).collect();
    let wrapper_layer =
        crate::wrapper_layer::generate(&code, &operations, doc, &paginated_builders)
            .map_err(GenerateError::Syntax)?;
    Ok(Generated {
        code,
        fixed: doc.clone(),
        report: FixupReport::default(),
        operations,
        surface,
        sendable,
        pagination,
        wrapper_layer,
        unions,
        plain_patterns,
        path_probes: crate::path_segments::probes(&checked_paths),
        checked_paths,
        secret_probes: crate::secrets::probes(&secrets),
        secrets,
        raw_json,
    })
}

/// The formatted code and what the rewrites of the generated code did.
struct Rewritten {
    code: String,
    unions: crate::union_decoders::FastUnions,
    plain_patterns: Vec<(String, String)>,
    checked_paths: Vec<crate::path_segments::CheckedPath>,
    raw_json: crate::raw_json::RawJsonFields,
    secrets: crate::secrets::Secrets,
    /// The patterns still checked with `regress` (none, or generation fails).
    regex_patterns: Vec<String>,
}

/// progenitor + syn + prettyplease; panics inside progenitor become errors.
fn run_progenitor(
    api: &openapiv3::OpenAPI,
    integer_ranges: &std::collections::BTreeMap<String, crate::conversion_errors::IntegerRange>,
) -> Result<Rewritten, String> {
    let deprecated: Vec<String> = api
        .operations()
        .filter(|(_, _, op)| op.deprecated)
        .filter_map(|(_, _, op)| {
            op.operation_id
                .as_deref()
                .map(crate::operation_table::method_name)
        })
        .collect();
    let paths: std::collections::BTreeMap<String, String> = api
        .operations()
        .filter_map(|(path, _, op)| {
            op.operation_id
                .as_deref()
                .map(|id| (crate::operation_table::method_name(id), path.to_string()))
        })
        .collect();
    let result = quietly(|| {
        let mut generator = Generator::new(&settings());
        generator.generate_tokens(api)
    });
    let tokens = match result {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(panic) => return Err(format!("panicked: {panic}")),
    };
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    // First: the passes below need not look at builders nobody uses.
    crate::struct_builders::keep_request_body_builders(&mut file);
    crate::postprocess::raw_reserved_identifiers(&mut file);
    crate::postprocess::mark_deprecated_methods(&mut file, &deprecated);
    if !crate::postprocess::install_crypto_provider_in_new(&mut file) {
        return Err("generated code has no Client::new".into());
    }
    crate::postprocess::decode_json_without_copying_headers(&mut file);
    crate::postprocess::drop_api_version_header(&mut file)?;
    let checked_paths = crate::path_segments::check_path_segments(&mut file, &paths)?;
    // After the path checks: they find the path arguments next to `client.baseurl`.
    crate::request_urls::join_request_urls(&mut file)?;
    crate::postprocess::carry_call_extensions(&mut file)?;
    crate::postprocess::clean_generated_docs(&mut file);
    crate::postprocess::document_send_errors(&mut file);
    let raw_json = crate::raw_json::keep_open_json_raw(&mut file);
    crate::timestamps::read_timestamps_directly(&mut file);
    // After the two passes above: the union decoders copy the variants' field types and
    // attributes as those passes leave them.
    let unions = crate::union_decoders::fast_unions(&mut file);
    let plain_patterns = crate::patterns::plain_pattern_checks(&mut file);
    let regex_patterns = crate::patterns::left_to_regress(&file);
    let secrets = crate::secrets::redact_secrets(&mut file);
    crate::conversion_errors::name_rejected_values(&mut file, &secrets.types);
    crate::conversion_errors::explain_builder_conversions(&mut file);
    crate::conversion_errors::integer_ranges(&mut file, integer_ranges);
    // After the passes that write the checks of `FromStr`: it moves them.
    crate::checked_strings::keep_checked_strings(&mut file);
    // Last: the passes above may add derives or impls of their own.
    crate::postprocess::schemars_behind_feature(&mut file);
    Ok(Rewritten {
        code: prettyplease::unparse(&file),
        unions,
        plain_patterns,
        checked_paths,
        raw_json,
        secrets,
        regex_patterns,
    })
}

/// Runs `f`, turning a panic into its message.
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

/// When the component schemas alone fail (typify rejects one), names the first schema that
/// fails with every other schema replaced by `{}`.
fn isolate_failing_component(doc: &Value) -> Option<String> {
    let mut bare = doc.clone();
    bare["paths"] = Value::Object(Default::default());
    let api = spec::to_openapiv3(&bare).ok()?;
    if run_progenitor(&api, &Default::default()).is_ok() {
        return None;
    }
    let names: Vec<String> = doc
        .pointer("/components/schemas")?
        .as_object()?
        .keys()
        .cloned()
        .collect();
    names.into_iter().find_map(|name| {
        let mut single = bare.clone();
        for (other, v) in single["components"]["schemas"].as_object_mut()?.iter_mut() {
            if *other != name {
                *v = Value::Object(Default::default());
            }
        }
        let api = spec::to_openapiv3(&single).ok()?;
        run_progenitor(&api, &Default::default())
            .is_err()
            .then(|| format!("component schema {name}"))
    })
}

/// Generates each operation alone (with all components) and names the first that fails.
fn isolate_failing_operation(doc: &Value) -> Option<String> {
    for (path, method, op) in spec::operations(doc) {
        let mut single = doc.clone();
        let mut item = serde_json::Map::new();
        item.insert(method.to_string(), op.clone());
        if let Some(params) = doc.pointer(&format!(
            "/paths/{}/parameters",
            path.replace('~', "~0").replace('/', "~1")
        )) {
            item.insert("parameters".into(), params.clone());
        }
        single["paths"] = Value::Object(
            [(path.to_string(), Value::Object(item))]
                .into_iter()
                .collect(),
        );
        let Ok(api) = spec::to_openapiv3(&single) else {
            continue;
        };
        if run_progenitor(&api, &Default::default()).is_err() {
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("<no operationId>");
            return Some(format!("operation {id} {} {path}", method.to_uppercase()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failures_name_the_culprit() {
        let doc = crate::fixups::testing::tiny_spec(json!({
            "/ok": {"get": crate::fixups::testing::ok_json("Fine", json!({"type": "string"}))},
            "/bad": {"get": {"operationId": "Broken", "responses": {"200": {"description": "", "content": {"application/json": {}}}}}}
        }));
        let err = generate_unfixed(&doc).unwrap_err().to_string();
        assert!(err.contains("operation Broken GET /bad"), "{err}");

        let mut doc = crate::fixups::testing::tiny_spec(json!({}));
        doc["components"]["schemas"]["Flag"] =
            json!({"anyOf": [{"type": "boolean"}, {"type": "number"}], "default": "true"});
        doc["components"]["schemas"]["Other"] = json!({"type": "string"});
        let err = generate_unfixed(&doc).unwrap_err().to_string();
        assert!(err.contains("component schema Flag"), "{err}");
    }

    /// A pattern the plain checks cannot express fails the generation by name (the raw crate
    /// has no regex engine to fall back on); one they can express generates.
    #[test]
    fn a_pattern_needing_a_regex_engine_is_refused() {
        let with_pattern = |pattern: &str| {
            let mut doc = crate::fixups::testing::tiny_spec(json!({
                "/codes": {"get": crate::fixups::testing::ok_json(
                    "ListCodes",
                    json!({"$ref": "#/components/schemas/Code"}),
                )}
            }));
            doc["components"]["schemas"]["Code"] = json!({"type": "string", "pattern": pattern});
            generate_unfixed(&doc)
        };
        match with_pattern("^\\d{4}$") {
            Err(GenerateError::Pattern(patterns)) => assert_eq!(patterns, ["^\\d{4}$"]),
            other => panic!("{:?}", other.map(|g| g.plain_patterns)),
        }
        let generated = with_pattern("^[0-9]{4}$").expect("a plain pattern generates");
        assert!(!generated.code.contains("regress"));
        assert_eq!(
            generated.plain_patterns,
            [("Code".to_string(), "^[0-9]{4}$".to_string())]
        );
    }
}
