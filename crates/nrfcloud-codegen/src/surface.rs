//! The generated-surface summary: one line per client method, read off the generated code
//! (`impl Client` methods and their `builder` structs), so that a change of the document
//! shows up as a readable diff of `spec/generated-surface.txt`.
//!
//! Line format: `method_name HTTP /path (setter: Type, ...) -> ReturnType`.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::operation_table::{OperationMeta, method_name};

/// Summarises generated code; `ops` supplies method and path for each method name.
///
/// # Errors
///
/// The parse error of code that is not Rust.
pub fn summarize(code: &str, ops: &[OperationMeta]) -> Result<String, String> {
    let file: syn::File = syn::parse_str(code).map_err(|e| e.to_string())?;
    let mut client_methods: Vec<(String, String)> = Vec::new(); // (method, builder struct)
    let mut builders: BTreeMap<String, (Vec<String>, String)> = BTreeMap::new();

    for item in &file.items {
        match item {
            syn::Item::Impl(imp)
                if type_name(&imp.self_ty).as_deref() == Some("Client") && imp.trait_.is_none() =>
            {
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it
                        && let syn::ReturnType::Type(_, ty) = &f.sig.output
                        && let Some(b) = type_name(ty)
                    {
                        client_methods.push((f.sig.ident.to_string(), b));
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for it in m.content.iter().flat_map(|(_, items)| items) {
                    if let syn::Item::Impl(imp) = it
                        && let Some(name) = type_name(&imp.self_ty)
                    {
                        builders.insert(name, builder_shape(imp));
                    }
                }
            }
            _ => {}
        }
    }

    let by_method: BTreeMap<String, &OperationMeta> = ops
        .iter()
        .map(|o| (method_name(&o.operation_id), o))
        .collect();
    let mut out = String::new();
    for (method, builder) in &client_methods {
        // Constructors (`new`, `new_with_client`) return `Self`, not a builder.
        let Some((params, ret)) = builders.get(builder) else {
            continue;
        };
        let (http, path) = by_method
            .get(method)
            .map(|o| (o.method.as_str(), o.path.as_str()))
            .unwrap_or(("?", "?"));
        out.push_str(&format!(
            "{method} {http} {path} ({}) -> {ret}\n",
            params.join(", ")
        ));
    }
    Ok(out)
}

/// The last path segment of a type (`builder::ListDevices<'_>` -> `ListDevices`).
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Setters (name: accepted type) and the `send` return type of one builder.
fn builder_shape(imp: &syn::ItemImpl) -> (Vec<String>, String) {
    let mut params = Vec::new();
    let mut ret = String::new();
    for it in &imp.items {
        let syn::ImplItem::Fn(f) = it else { continue };
        let name = f.sig.ident.to_string();
        // The per-call extensions are the client's plumbing, not a parameter of the API.
        if name == "new" || name == crate::postprocess::CALL_EXTENSIONS_ACCESSOR {
            continue;
        }
        if name == "send" {
            if let syn::ReturnType::Type(_, ty) = &f.sig.output {
                ret = compact(ty.to_token_stream().to_string());
            }
            continue;
        }
        // Setters take `V: TryInto<T>`; body setters may take `B` with other bounds.
        let bound = f
            .sig
            .generics
            .where_clause
            .as_ref()
            .and_then(|w| w.predicates.first())
            .map(|p| match p {
                syn::WherePredicate::Type(t) => t.bounds.to_token_stream().to_string(),
                other => other.to_token_stream().to_string(),
            })
            .unwrap_or_else(|| {
                f.sig
                    .inputs
                    .iter()
                    .nth(1)
                    .map(|a| a.to_token_stream().to_string())
                    .unwrap_or_default()
            });
        let bound = compact(bound);
        let ty = bound
            .strip_prefix("std::convert::TryInto<")
            .and_then(|s| s.strip_suffix('>'))
            .map(str::to_owned)
            .unwrap_or(bound);
        params.push(format!("{name}: {ty}"));
    }
    (params, ret)
}

/// Token text without spaces and leading `::` noise, for one-line reading.
fn compact(tokens: String) -> String {
    let mut s = tokens.replace(' ', "");
    for noise in [
        "::std::string::",
        "::std::vec::",
        "::std::option::",
        "::serde_json::",
        "::std::collections::",
    ] {
        s = s.replace(noise, "");
    }
    s.replace(",>", ">").replace(",", ", ")
}
