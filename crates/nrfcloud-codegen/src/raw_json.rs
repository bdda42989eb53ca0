//! Open JSON of responses is kept as text.
//!
//! typify types an open object (`{type: object}` with any properties: a device shadow's
//! `reported`, a message payload) as `serde_json::Map<String, Value>` and an untyped value
//! as `serde_json::Value`. Decoding a hostile `[0,0,…]` into `Value`s costs about 35 bytes
//! of memory per byte received, so a response under the size limit could take gigabytes.
//! In the types that only responses use (reachable from a response and from no request,
//! by [`crate::type_graph`]), and in the `send` of operations that answer a bare JSON
//! value, `Map<String, Value>` becomes `crate::json::RawObject` and `Value` becomes
//! `crate::json::RawJson`: the text is copied once and parsed when the caller asks. Types
//! that requests use keep `Map`/`Value`, which callers build. The same replacement applies
//! to the types' builders and to the impls that name them (`Deref`, `From`), and the
//! `skip_serializing_if = "::serde_json::Map::is_empty"` of such a field follows.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::visit_mut::VisitMut;

use crate::type_graph::{TypeGraph, mentioned, operation_types, type_names};

/// What [`keep_open_json_raw`] rewrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawJsonFields {
    /// `(type, field)` of every field now held as text (`Type.0` for a newtype, `Type::Variant`
    /// for an enum).
    pub fields: Vec<(String, String)>,
    /// Client methods whose whole response is now `RawJson`.
    pub responses: Vec<String>,
}

const RAW_OBJECT: &str = "crate::json::RawObject";
const RAW_JSON: &str = "crate::json::RawJson";

/// Rewrites the open JSON of response-only types and bare-JSON responses (see the module
/// docs).
pub fn keep_open_json_raw(file: &mut syn::File) -> RawJsonFields {
    let mut done = RawJsonFields::default();
    let ops = operation_types(file);
    let Some(items) = crate::union_decoders::types_module(file) else {
        return done;
    };
    let known = type_names(items);
    let graph = TypeGraph::of(items);
    let answered = graph.reachable(ops.values().flat_map(|o| o.response.iter().cloned()));
    let sent = graph.reachable(ops.values().flat_map(|o| o.request.iter().cloned()));
    let targets: BTreeSet<String> = answered.difference(&sent).cloned().collect();

    // The types themselves, and which of them changed.
    let mut changed: BTreeSet<String> = BTreeSet::new();
    for item in items.iter_mut() {
        let (name, fields): (String, Vec<(String, &mut syn::Field)>) = match item {
            syn::Item::Struct(s) if targets.contains(&s.ident.to_string()) => {
                let name = s.ident.to_string();
                let fields = s
                    .fields
                    .iter_mut()
                    .enumerate()
                    .map(|(i, f)| {
                        let label = f
                            .ident
                            .as_ref()
                            .map(|i| i.to_string())
                            .unwrap_or_else(|| i.to_string());
                        (label, f)
                    })
                    .collect();
                (name, fields)
            }
            syn::Item::Enum(e) if targets.contains(&e.ident.to_string()) => {
                let name = e.ident.to_string();
                let fields = e
                    .variants
                    .iter_mut()
                    .flat_map(|v| {
                        let variant = v.ident.to_string();
                        v.fields.iter_mut().map(move |f| (variant.clone(), f))
                    })
                    .collect();
                (name, fields)
            }
            _ => continue,
        };
        for (label, field) in fields {
            let mut swap = Swap::default();
            swap.visit_type_mut(&mut field.ty);
            if swap.count > 0 {
                if swap.objects > 0 {
                    rewrite_is_empty(&mut field.attrs);
                }
                done.fields.push((name.clone(), label));
                changed.insert(name.clone());
            }
        }
    }

    // Impls that name a changed type (`Deref`, `From`), and the builders.
    for item in items.iter_mut() {
        match item {
            syn::Item::Impl(imp) if names_any(imp, &changed, &known) => {
                Swap::default().visit_item_impl_mut(imp);
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for it in m.content.iter_mut().flat_map(|(_, items)| items) {
                    match it {
                        syn::Item::Struct(s) if changed.contains(&s.ident.to_string()) => {
                            Swap::default().visit_item_struct_mut(s);
                        }
                        syn::Item::Impl(imp) if names_any(imp, &changed, &known) => {
                            Swap::default().visit_item_impl_mut(imp);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    // Operations that answer a bare JSON value.
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        for it in m.content.iter_mut().flat_map(|(_, items)| items) {
            let syn::Item::Impl(imp) = it else { continue };
            for f in &mut imp.items {
                let syn::ImplItem::Fn(f) = f else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                let syn::ReturnType::Type(_, ty) = &mut f.sig.output else {
                    continue;
                };
                let mut swap = Swap {
                    values_only_in_response_value: true,
                    ..Swap::default()
                };
                swap.visit_type_mut(ty);
                if swap.count > 0
                    && let Some(method) = crate::type_graph::operation_name(&f.block)
                {
                    done.responses.push(method);
                }
            }
        }
    }
    done.fields.sort();
    done.responses.sort();
    done
}

/// Whether an impl's type or trait names one of `changed`.
fn names_any(imp: &syn::ItemImpl, changed: &BTreeSet<String>, known: &BTreeSet<String>) -> bool {
    let mut named = mentioned(&imp.self_ty, known);
    if let Some((path, ..)) = &imp.trait_
        && let Ok(ty) = syn::parse2::<syn::Type>(path.to_token_stream())
    {
        named.extend(mentioned(&ty, known));
    }
    !named.is_disjoint(changed)
}

/// Replaces `::serde_json::Map<String, Value>` and `::serde_json::Value` in types.
#[derive(Default)]
struct Swap {
    count: usize,
    objects: usize,
    /// Only a `Value` directly inside `ResponseValue<…>` (a `send`'s return type).
    values_only_in_response_value: bool,
}

impl VisitMut for Swap {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if self.values_only_in_response_value {
            if let syn::Type::Path(p) = ty
                && let Some(seg) = p.path.segments.last_mut()
                && seg.ident == "ResponseValue"
                && let syn::PathArguments::AngleBracketed(args) = &mut seg.arguments
                && let Some(syn::GenericArgument::Type(inner)) = args.args.first_mut()
                && is_json_value(inner)
            {
                *inner = syn::parse_str(RAW_JSON).expect("a path");
                self.count += 1;
                return;
            }
            syn::visit_mut::visit_type_mut(self, ty);
            return;
        }
        if is_json_map(ty) {
            *ty = syn::parse_str(RAW_OBJECT).expect("a path");
            self.count += 1;
            self.objects += 1;
            return;
        }
        if is_json_value(ty) {
            *ty = syn::parse_str(RAW_JSON).expect("a path");
            self.count += 1;
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

fn text(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

fn is_json_value(ty: &syn::Type) -> bool {
    matches!(
        text(ty).as_str(),
        "::serde_json::Value" | "serde_json::Value"
    )
}

fn is_json_map(ty: &syn::Type) -> bool {
    matches!(
        text(ty).as_str(),
        "::serde_json::Map<::std::string::String,::serde_json::Value>"
            | "serde_json::Map<String,serde_json::Value>"
    )
}

/// `skip_serializing_if = "::serde_json::Map::is_empty"` -> the raw object's `is_empty`.
fn rewrite_is_empty(attrs: &mut [syn::Attribute]) {
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let tokens = attr.to_token_stream().to_string();
        if tokens.contains("\"::serde_json::Map::is_empty\"") {
            let replaced = tokens.replace(
                "\"::serde_json::Map::is_empty\"",
                &format!("\"{RAW_OBJECT}::is_empty\""),
            );
            if let Ok(parsed) =
                syn::parse::Parser::parse_str(syn::Attribute::parse_outer, &replaced)
                && let Some(a) = parsed.into_iter().next()
            {
                *attr = a;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
        pub mod types {
            #[derive(Clone, Debug, Default)]
            pub struct Shadow {
                #[serde(default, skip_serializing_if = "::serde_json::Map::is_empty")]
                pub reported: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                pub version: Option<f64>,
            }
            #[derive(Clone, Debug)]
            pub struct Device { pub state: Option<Shadow>, pub extra: ::std::vec::Vec<::serde_json::Value> }
            #[serde(transparent)]
            pub struct Transformed(pub ::serde_json::Value);
            impl ::std::ops::Deref for Transformed {
                type Target = ::serde_json::Value;
                fn deref(&self) -> &::serde_json::Value { &self.0 }
            }
            impl ::std::convert::From<Transformed> for ::serde_json::Value {
                fn from(value: Transformed) -> Self { value.0 }
            }
            pub enum Item { Device(Device), Other(Transformed) }
            #[derive(Clone, Debug)]
            pub struct StateBody { pub reported: ::serde_json::Map<::std::string::String, ::serde_json::Value> }
            pub mod builder {
                pub struct Shadow { reported: ::std::result::Result<::serde_json::Map<::std::string::String, ::serde_json::Value>, ::std::string::String> }
                impl Shadow {
                    pub fn reported<T>(mut self, value: T) -> Self where T: ::std::convert::TryInto<::serde_json::Map<::std::string::String, ::serde_json::Value>> { self }
                }
                pub struct StateBody { reported: ::std::result::Result<::serde_json::Map<::std::string::String, ::serde_json::Value>, ::std::string::String> }
            }
        }
        pub mod builder {
            pub struct ListItems<'a> { client: &'a super::Client }
            impl<'a> ListItems<'a> {
                pub async fn send(self) -> Result<ResponseValue<::std::vec::Vec<types::Item>>, Error<()>> {
                    let info = OperationInfo { operation_id: "list_items" };
                    todo!()
                }
            }
            pub struct UpdateState<'a> { client: &'a super::Client, body: Result<types::builder::StateBody, String> }
            impl<'a> UpdateState<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let info = OperationInfo { operation_id: "update_state" };
                    todo!()
                }
            }
            pub struct Status<'a> { client: &'a super::Client }
            impl<'a> Status<'a> {
                pub async fn send(self) -> Result<ResponseValue<::serde_json::Value>, Error<()>> {
                    let info = OperationInfo { operation_id: "status" };
                    todo!()
                }
            }
        }
    "#;

    #[test]
    fn response_only_open_json_becomes_raw() {
        let mut file: syn::File = syn::parse_str(SRC).unwrap();
        let done = keep_open_json_raw(&mut file);
        assert_eq!(
            done.fields,
            vec![
                ("Device".to_string(), "extra".to_string()),
                ("Shadow".to_string(), "reported".to_string()),
                ("Transformed".to_string(), "0".to_string()),
            ]
        );
        assert_eq!(done.responses, vec!["status"]);
        let text: String = prettyplease::unparse(&file).split_whitespace().collect();
        for want in [
            "#[serde(default,skip_serializing_if=\"crate::json::RawObject::is_empty\")]pubreported:crate::json::RawObject",
            "pubextra:::std::vec::Vec<crate::json::RawJson>",
            "pubstructTransformed(pubcrate::json::RawJson);",
            "typeTarget=crate::json::RawJson;",
            "From<Transformed>forcrate::json::RawJson",
            "reported:::std::result::Result<crate::json::RawObject,::std::string::String,>",
            "T:::std::convert::TryInto<crate::json::RawObject>",
            "Result<ResponseValue<crate::json::RawJson>,Error<()>>",
            // The request body keeps its map.
            "pubstructStateBody{pubreported:::serde_json::Map<::std::string::String,::serde_json::Value>,",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
    }
}
