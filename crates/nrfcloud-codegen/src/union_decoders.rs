//! Faster decoding of the untagged enums typify emits for `oneOf`/`anyOf`.
//!
//! serde's untagged derive copies the whole value into a private buffer and tries every
//! variant against it; for a device document (oneOf Generic/BLE/Gateway, and inside
//! ListDevices items oneOf [Device, JSONata result]) that made decoding a third slower than a
//! hand-written struct. Three shapes, recognised on the generated code, get a `Deserialize`
//! that calls the raw crate's `unions` module instead of the derive (same results, see that
//! module):
//!
//! - **tagged**: every variant wraps a struct of this file that has the same required
//!   property, typed by an enum with exactly one value, and the values differ (`type`:
//!   `Generic` / `BLE` / `Gateway`);
//! - **or value**: two variants, the second wrapping a transparent `serde_json::Value`
//!   newtype or `serde_json::Value` itself (the catch-all of a JSONata `transform`);
//! - **string or**: two variants, the second `String`, the first a plain string enum or
//!   another union of this shape (enums that keep values they do not know).
//!
//! Everything else keeps the derive.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;
use syn::punctuated::Punctuated;

/// Which enums were rewritten, and as which shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FastUnions {
    /// `(enum, tag property, tag values)`.
    pub tagged: Vec<(String, String, Vec<String>)>,
    /// Enums decoded as their first variant or else a JSON value.
    pub or_value: Vec<String>,
    /// Enums decoded as a known string value or else the string.
    pub string_or: Vec<String>,
}

enum Shape {
    Tagged {
        tag: String,
        variants: Vec<(syn::Ident, syn::Type, String)>,
        /// Each variant's fields, in variant order.
        fields: Vec<Vec<FieldFact>>,
    },
    OrValue {
        primary: (syn::Ident, Box<syn::Type>),
        other: syn::Ident,
        wrapper: Option<Box<syn::Type>>,
    },
    StringOr {
        known: (syn::Ident, Box<syn::Type>),
        other: syn::Ident,
    },
}

/// Rewrites the untagged enums of `mod types` that have one of the three shapes. Returns
/// what was rewritten.
pub fn fast_unions(file: &mut syn::File) -> FastUnions {
    let mut done = FastUnions::default();
    let Some(items) = types_module(file) else {
        return done;
    };
    let facts = Facts::collect(items);

    // String unions may nest (`[[Known, String], String]`): repeat until nothing new.
    let mut string_unions: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = string_unions.len();
        for (name, variants) in &facts.untagged {
            if string_or_shape(variants, &facts, &string_unions).is_some() {
                string_unions.insert(name.clone());
            }
        }
        if string_unions.len() == before {
            break;
        }
    }

    let mut shapes: BTreeMap<String, Shape> = BTreeMap::new();
    for (name, variants) in &facts.untagged {
        let shape = if let Some(s) = tagged_shape(variants, &facts) {
            s
        } else if let Some(s) = or_value_shape(variants, &facts) {
            s
        } else if let Some(s) = string_or_shape(variants, &facts, &string_unions) {
            s
        } else {
            continue;
        };
        shapes.insert(name.clone(), shape);
    }

    let mut added: Vec<syn::Item> = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        let name = e.ident.to_string();
        let Some(shape) = shapes.get(&name) else {
            continue;
        };
        drop_derived_deserialize(&mut e.attrs);
        let ident = &e.ident;
        match shape {
            Shape::Tagged {
                tag,
                variants,
                fields,
            } => {
                let tags: Vec<&String> = variants.iter().map(|(_, _, t)| t).collect();
                added.push(syn::parse_quote! {
                    impl<'de> ::serde::Deserialize<'de> for #ident {
                        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                        where
                            D: ::serde::Deserializer<'de>,
                        {
                            crate::unions::tagged(deserializer)
                        }
                    }
                });
                added.push(tagged_decoder(ident, tag, variants, fields));
                done.tagged.push((
                    name.clone(),
                    tag.clone(),
                    tags.into_iter().cloned().collect(),
                ));
            }
            Shape::OrValue {
                primary: (pv, pty),
                other,
                wrapper,
            } => {
                let wrap = match wrapper {
                    Some(w) => quote!(|v| Self::#other(#w(v))),
                    None => quote!(Self::#other),
                };
                added.push(syn::parse_quote! {
                    impl<'de> ::serde::Deserialize<'de> for #ident {
                        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                        where
                            D: ::serde::Deserializer<'de>,
                        {
                            crate::unions::or_value::<D, #pty, _, Self>(deserializer, Self::#pv, #wrap)
                        }
                    }
                });
                done.or_value.push(name.clone());
            }
            Shape::StringOr {
                known: (kv, kty),
                other,
            } => {
                // `Debug` shows the value, not the wrapper: `Scell`, or `"NEW_VALUE"`;
                // `Display` is the wire string, which `==` compares (with a `&str` too).
                crate::secrets::drop_derive(&mut e.attrs, "Debug");
                added.push(syn::parse_quote! {
                    impl ::std::fmt::Display for #ident {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            match self {
                                Self::#kv(v) => ::std::fmt::Display::fmt(v, f),
                                Self::#other(v) => ::std::fmt::Display::fmt(v, f),
                            }
                        }
                    }
                });
                // Two values are equal when they go out as the same string: a known value
                // equals the same text kept as an unknown one.
                added.push(syn::parse_quote! {
                    impl ::std::cmp::PartialEq for #ident {
                        fn eq(&self, other: &Self) -> bool {
                            ::std::string::ToString::to_string(self)
                                == ::std::string::ToString::to_string(other)
                        }
                    }
                });
                added.push(syn::parse_quote! { impl ::std::cmp::Eq for #ident {} });
                added.push(syn::parse_quote! {
                    impl ::std::cmp::PartialEq<&str> for #ident {
                        fn eq(&self, other: &&str) -> bool {
                            ::std::string::ToString::to_string(self) == *other
                        }
                    }
                });
                added.push(syn::parse_quote! {
                    impl ::std::fmt::Debug for #ident {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            match self {
                                Self::#kv(v) => ::std::fmt::Debug::fmt(v, f),
                                Self::#other(v) => ::std::fmt::Debug::fmt(v, f),
                            }
                        }
                    }
                });
                added.push(syn::parse_quote! {
                    impl<'de> ::serde::Deserialize<'de> for #ident {
                        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                        where
                            D: ::serde::Deserializer<'de>,
                        {
                            crate::unions::string_or::<D, #kty, Self>(deserializer, Self::#kv, Self::#other)
                        }
                    }
                });
                done.string_or.push(name.clone());
            }
        }
    }
    // typify writes a `Display` of its own for some of these unions, depending on the order
    // in which it meets the document's keys (serde_json's `preserve_order` changes it): ours
    // replaces it, so the output is the same either way.
    let ours: BTreeSet<&str> = done.string_or.iter().map(String::as_str).collect();
    items.retain(|item| !is_display_impl_of(item, &ours));
    items.extend(added);
    done.tagged.sort();
    done.or_value.sort();
    done.string_or.sort();
    done
}

/// Whether `item` is `impl Display for T` with `T` one of `names`.
fn is_display_impl_of(item: &syn::Item, names: &BTreeSet<&str>) -> bool {
    let syn::Item::Impl(i) = item else {
        return false;
    };
    let is_display = i
        .trait_
        .as_ref()
        .and_then(|(path, _)| path.segments.last())
        .is_some_and(|s| s.ident == "Display");
    let syn::Type::Path(ty) = &*i.self_ty else {
        return false;
    };
    is_display
        && ty
            .path
            .get_ident()
            .is_some_and(|id| names.contains(id.to_string().as_str()))
}

/// The items of `pub mod types { … }`.
pub(crate) fn types_module(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// What the shapes are recognised by.
#[derive(Default)]
struct Facts {
    /// Untagged enums whose variants all wrap one type: `(variant, type)`.
    untagged: BTreeMap<String, Vec<(syn::Ident, syn::Type)>>,
    /// Named-field structs: JSON name -> (type, has a serde default).
    structs: BTreeMap<String, BTreeMap<String, (syn::Type, bool)>>,
    /// The fields of the named-field structs whose `Deserialize` [`tagged_decoder`] can
    /// reproduce (no generics, no container attributes, only the field attributes of
    /// [`FieldFact`]), in declaration order.
    plain_structs: BTreeMap<String, Vec<FieldFact>>,
    /// Enums of unit variants only, with their JSON values.
    string_enums: BTreeMap<String, Vec<String>>,
    /// `#[serde(transparent)]` newtypes around `serde_json::Value`.
    value_newtypes: BTreeSet<String>,
}

impl Facts {
    fn collect(items: &[syn::Item]) -> Facts {
        let mut facts = Facts::default();
        for item in items {
            match item {
                syn::Item::Enum(e) => {
                    let name = e.ident.to_string();
                    if e.variants
                        .iter()
                        .all(|v| matches!(v.fields, syn::Fields::Unit))
                    {
                        let values = e
                            .variants
                            .iter()
                            .map(|v| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
                            .collect();
                        facts.string_enums.insert(name.clone(), values);
                    }
                    if has_serde_word(&e.attrs, "untagged") && derives_deserialize(&e.attrs) {
                        let variants: Option<Vec<_>> = e
                            .variants
                            .iter()
                            .map(|v| match &v.fields {
                                syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                                    Some((v.ident.clone(), f.unnamed[0].ty.clone()))
                                }
                                _ => None,
                            })
                            .collect();
                        if let Some(variants) = variants {
                            facts.untagged.insert(name, variants);
                        }
                    }
                }
                syn::Item::Struct(s) => {
                    let name = s.ident.to_string();
                    match &s.fields {
                        syn::Fields::Named(fields) => {
                            let map = fields
                                .named
                                .iter()
                                .filter_map(|f| {
                                    let ident = f.ident.as_ref()?.to_string();
                                    let json = serde_rename(&f.attrs).unwrap_or_else(|| {
                                        ident.trim_start_matches("r#").to_string()
                                    });
                                    Some((
                                        json,
                                        (
                                            f.ty.clone(),
                                            has_serde_word(&f.attrs, "default")
                                                || has_serde_key(&f.attrs, "default"),
                                        ),
                                    ))
                                })
                                .collect();
                            if let Some(plain) = plain_fields(s) {
                                facts.plain_structs.insert(name.clone(), plain);
                            }
                            facts.structs.insert(name, map);
                        }
                        syn::Fields::Unnamed(fields)
                            if fields.unnamed.len() == 1
                                && has_serde_word(&s.attrs, "transparent")
                                && is_json_value(&fields.unnamed[0].ty) =>
                        {
                            facts.value_newtypes.insert(name);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        facts
    }
}

fn tagged_shape(variants: &[(syn::Ident, syn::Type)], facts: &Facts) -> Option<Shape> {
    if variants.len() < 2 {
        return None;
    }
    let structs: Vec<&BTreeMap<String, (syn::Type, bool)>> = variants
        .iter()
        .map(|(_, ty)| facts.structs.get(&simple_name(ty)?))
        .collect::<Option<_>>()?;
    // Candidate tags: required properties of the first struct typed by a one-value enum.
    'tags: for (json, (ty, defaulted)) in structs[0] {
        if *defaulted || single_value(ty, facts).is_none() {
            continue;
        }
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for ((variant, vty), fields) in variants.iter().zip(&structs) {
            let Some((fty, defaulted)) = fields.get(json) else {
                continue 'tags;
            };
            let Some(value) = single_value(fty, facts).filter(|_| !*defaulted) else {
                continue 'tags;
            };
            if !seen.insert(value.clone()) {
                continue 'tags;
            }
            out.push((variant.clone(), vty.clone(), value));
        }
        // A variant whose derive the decoder cannot reproduce keeps the whole enum derived.
        let fields = variants
            .iter()
            .map(|(_, ty)| facts.plain_structs.get(&simple_name(ty)?).cloned())
            .collect::<Option<Vec<_>>>()?;
        return Some(Shape::Tagged {
            tag: json.clone(),
            variants: out,
            fields,
        });
    }
    None
}

fn or_value_shape(variants: &[(syn::Ident, syn::Type)], facts: &Facts) -> Option<Shape> {
    let [(pv, pty), (ov, oty)] = variants else {
        return None;
    };
    let wrapper = if is_json_value(oty) {
        None
    } else if facts.value_newtypes.contains(&simple_name(oty)?) {
        Some(Box::new(oty.clone()))
    } else {
        return None;
    };
    Some(Shape::OrValue {
        primary: (pv.clone(), Box::new(pty.clone())),
        other: ov.clone(),
        wrapper,
    })
}

fn string_or_shape(
    variants: &[(syn::Ident, syn::Type)],
    facts: &Facts,
    string_unions: &BTreeSet<String>,
) -> Option<Shape> {
    let [(kv, kty), (ov, oty)] = variants else {
        return None;
    };
    if !is_path(oty, &["std", "string", "String"]) {
        return None;
    }
    let known = simple_name(kty)?;
    if !facts.string_enums.contains_key(&known) && !string_unions.contains(&known) {
        return None;
    }
    Some(Shape::StringOr {
        known: (kv.clone(), Box::new(kty.clone())),
        other: ov.clone(),
    })
}

/// The value of a one-value string enum type.
fn single_value(ty: &syn::Type, facts: &Facts) -> Option<String> {
    match facts.string_enums.get(&simple_name(ty)?)?.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// A field of a struct whose derived `Deserialize` [`tagged_decoder`] reproduces.
#[derive(Clone)]
struct FieldFact {
    ident: syn::Ident,
    json: String,
    ty: syn::Type,
    default: FieldDefault,
    /// `#[serde(deserialize_with = "…")]`.
    with: Option<syn::ExprPath>,
}

#[derive(Clone)]
enum FieldDefault {
    None,
    /// `#[serde(default)]`.
    Word,
    /// `#[serde(default = "…")]`.
    Path(syn::ExprPath),
}

impl FieldFact {
    /// What tells two variants' fields of one JSON name apart when decoding: the type and the
    /// attributes.
    fn decoding(&self) -> String {
        let default = match &self.default {
            FieldDefault::None => String::new(),
            FieldDefault::Word => "default".to_string(),
            FieldDefault::Path(p) => quote!(#p).to_string(),
        };
        let with = self.with.as_ref().map(|p| quote!(#p).to_string());
        let ty = &self.ty;
        format!("{} {default} {with:?}", quote!(#ty))
    }
}

/// The fields of `s` when its derive is plain enough to reproduce: named fields, no generics,
/// no `#[serde]` on the struct, and per field only `rename`, `default`, `deserialize_with`
/// and the serializing attributes.
fn plain_fields(s: &syn::ItemStruct) -> Option<Vec<FieldFact>> {
    if !s.generics.params.is_empty() || !serde_args(&s.attrs).is_empty() {
        return None;
    }
    let syn::Fields::Named(named) = &s.fields else {
        return None;
    };
    let str_value = |e: &syn::Expr| match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    };
    named
        .named
        .iter()
        .map(|f| {
            let ident = f.ident.clone()?;
            let mut fact = FieldFact {
                json: ident.to_string().trim_start_matches("r#").to_string(),
                ident,
                ty: f.ty.clone(),
                default: FieldDefault::None,
                with: None,
            };
            for meta in serde_args(&f.attrs) {
                match meta {
                    syn::Meta::Path(p) if p.is_ident("default") => {
                        fact.default = FieldDefault::Word
                    }
                    syn::Meta::NameValue(nv) => {
                        let value = str_value(&nv.value)?;
                        let key = nv.path.get_ident()?.to_string();
                        match key.as_str() {
                            "rename" => fact.json = value,
                            "default" => {
                                fact.default = FieldDefault::Path(syn::parse_str(&value).ok()?)
                            }
                            "deserialize_with" => fact.with = Some(syn::parse_str(&value).ok()?),
                            "skip_serializing_if" | "serialize_with" => {}
                            _ => return None,
                        }
                    }
                    _ => return None,
                }
            }
            Some(fact)
        })
        .collect()
}

/// `snake_case` of a type name, for the module of its decoder.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The `TaggedUnion` impl of the enum `ident` (see the raw crate's `unions` module), with a
/// private module of slots: `__Shared` for the fields every variant has with the same type
/// and attributes (the tag aside), one `__Rest{i}` per variant for its other fields, and
/// `__With{n}` newtypes for `deserialize_with` fields. Each `__Rest{i}` builds its variant
/// as serde's derive would: a second key is a duplicate field, a missing one is `None` (an
/// option), its default, or a `missing_field` error.
fn tagged_decoder(
    ident: &syn::Ident,
    tag: &str,
    variants: &[(syn::Ident, syn::Type, String)],
    fields: &[Vec<FieldFact>],
) -> syn::Item {
    use quote::format_ident;
    let module = format_ident!("__{}_decode", snake_case(&ident.to_string()));
    let mut items: Vec<proc_macro2::TokenStream> = Vec::new();
    let mut withs = 0usize;
    // The slot type of a field: its type, or a newtype calling its `deserialize_with`.
    let mut slot_type = |f: &FieldFact, items: &mut Vec<proc_macro2::TokenStream>| {
        let ty = &f.ty;
        let Some(with) = &f.with else {
            return quote!(#ty);
        };
        let w = format_ident!("__With{}", withs);
        withs += 1;
        items.push(quote! {
            pub(crate) struct #w(#ty);
            impl<'de> ::serde::Deserialize<'de> for #w {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    #with(deserializer).map(#w)
                }
            }
        });
        quote!(#w)
    };
    // The fields' slots and their `Fields` impl.
    let slots = |name: &syn::Ident,
                 list: &[(&FieldFact, proc_macro2::TokenStream)]|
     -> proc_macro2::TokenStream {
        let idents = list.iter().map(|(f, _)| &f.ident);
        let types = list.iter().map(|(_, t)| t);
        let arms = list.iter().map(|(f, _)| {
            let (id, json) = (&f.ident, &f.json);
            quote!(#json => crate::unions::slot(&mut self.#id, #json, map),)
        });
        quote! {
            #[derive(Default)]
            pub(crate) struct #name {
                #( #idents: ::std::option::Option<#types>, )*
            }
            impl crate::unions::Fields for #name {
                fn read<'de, A>(&mut self, key: &str, map: &mut A) -> ::std::result::Result<bool, A::Error>
                where
                    A: ::serde::de::MapAccess<'de>,
                {
                    match key {
                        #( #arms )*
                        _ => ::std::result::Result::Ok(false),
                    }
                }
            }
        }
    };
    // The value of a field in the built struct, from its slot `src`.
    let value = |f: &FieldFact, src: proc_macro2::TokenStream| {
        let json = &f.json;
        let unwrap = f.with.as_ref().map(|_| quote!(.map(|w| w.0)));
        match (&f.default, &f.with) {
            (FieldDefault::Word, _) => quote!(#src #unwrap .unwrap_or_default()),
            (FieldDefault::Path(p), _) => quote!(#src #unwrap .unwrap_or_else(#p)),
            (FieldDefault::None, Some(_)) => quote! {
                match #src {
                    ::std::option::Option::Some(w) => w.0,
                    ::std::option::Option::None => {
                        return ::std::result::Result::Err(E::missing_field(#json))
                    }
                }
            },
            (FieldDefault::None, None) => quote! {
                match #src {
                    ::std::option::Option::Some(v) => v,
                    ::std::option::Option::None => crate::unions::missing(#json)?,
                }
            },
        }
    };

    let shared_facts: Vec<&FieldFact> = fields[0]
        .iter()
        .filter(|f| {
            f.json != tag
                && fields[1..].iter().all(|other| {
                    other
                        .iter()
                        .any(|o| o.json == f.json && o.decoding() == f.decoding())
                })
        })
        .collect();
    let shared_list: Vec<(&FieldFact, proc_macro2::TokenStream)> = shared_facts
        .iter()
        .map(|f| (*f, slot_type(f, &mut items)))
        .collect();
    items.push(slots(&format_ident!("__Shared"), &shared_list));
    let is_shared = |f: &FieldFact| shared_facts.iter().any(|s| s.json == f.json);

    let mut arms = Vec::new();
    for (i, ((variant, vty, value_of_tag), own)) in variants.iter().zip(fields).enumerate() {
        let rest = format_ident!("__Rest{}", i);
        let list: Vec<(&FieldFact, proc_macro2::TokenStream)> = own
            .iter()
            .filter(|f| f.json != tag && !is_shared(f))
            .map(|f| (f, slot_type(f, &mut items)))
            .collect();
        items.push(slots(&rest, &list));
        let inits = own.iter().map(|f| {
            let id = &f.ident;
            if f.json == tag {
                let ty = &f.ty;
                quote! {
                    #id: <#ty as ::serde::Deserialize>::deserialize(
                        ::serde::de::value::StrDeserializer::<E>::new(tag),
                    )?
                }
            } else if is_shared(f) {
                let v = value(f, quote!(shared.#id));
                quote!(#id: #v)
            } else {
                let v = value(f, quote!(self.#id));
                quote!(#id: #v)
            }
        });
        items.push(quote! {
            impl crate::unions::Rest for #rest {
                type Shared = __Shared;
                type Out = #vty;
                fn build<E>(self, shared: __Shared, tag: &str) -> ::std::result::Result<#vty, E>
                where
                    E: ::serde::de::Error,
                {
                    ::std::result::Result::Ok(#vty { #(#inits,)* })
                }
            }
        });
        arms.push(quote! {
            #value_of_tag => crate::unions::finish::<#module::#rest, A>(Self::TAG, tag, shared, kept, map)
                .map(Self::#variant),
        });
    }
    let name = ident.to_string();
    let tags = variants.iter().map(|(_, _, t)| t);
    syn::parse_quote! {
        const _: () = {
            #[allow(non_camel_case_types, non_snake_case, clippy::all)]
            mod #module {
                use super::*;
                #(#items)*
            }
            impl crate::unions::TaggedUnion for #ident {
                const NAME: &'static str = #name;
                const TAG: &'static str = #tag;
                const TAGS: &'static [&'static str] = &[#(#tags),*];
                type Shared = #module::__Shared;
                fn variant<'de, A>(
                    tag: &str,
                    shared: #module::__Shared,
                    kept: crate::unions::KeptFields<'de>,
                    map: A,
                ) -> ::std::option::Option<::std::result::Result<Self, A::Error>>
                where
                    A: ::serde::de::MapAccess<'de>,
                {
                    ::std::option::Option::Some(match tag {
                        #(#arms)*
                        _ => return ::std::option::Option::None,
                    })
                }
            }
        };
    }
}

/// `Foo` for the type `Foo` (a single-segment path without generics), else `None`.
fn simple_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() || p.path.segments.len() != 1 {
        return None;
    }
    let seg = &p.path.segments[0];
    matches!(seg.arguments, syn::PathArguments::None).then(|| seg.ident.to_string())
}

fn is_path(ty: &syn::Type, want: &[&str]) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    p.qself.is_none()
        && p.path.segments.len() == want.len()
        && p.path
            .segments
            .iter()
            .zip(want)
            .all(|(s, w)| s.ident == w && matches!(s.arguments, syn::PathArguments::None))
}

/// `serde_json::Value`, or the raw crate's `RawJson` that `raw_json` puts in its place in
/// response-only types (this pass runs after that one).
fn is_json_value(ty: &syn::Type) -> bool {
    is_path(ty, &["serde_json", "Value"]) || is_path(ty, &["crate", "json", "RawJson"])
}

/// The `#[serde(…)]` arguments of `attrs`.
fn serde_args(attrs: &[syn::Attribute]) -> Vec<syn::Meta> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .filter_map(|a| {
            a.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .collect()
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    serde_args(attrs).into_iter().find_map(|m| match m {
        syn::Meta::NameValue(nv) if nv.path.is_ident("rename") => match nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

pub(crate) fn has_serde_word(attrs: &[syn::Attribute], word: &str) -> bool {
    serde_args(attrs)
        .iter()
        .any(|m| matches!(m, syn::Meta::Path(p) if p.is_ident(word)))
}

pub(crate) fn has_serde_key(attrs: &[syn::Attribute], key: &str) -> bool {
    serde_args(attrs)
        .iter()
        .any(|m| matches!(m, syn::Meta::NameValue(nv) if nv.path.is_ident(key)))
}

fn derive_paths(attr: &syn::Attribute) -> Option<Punctuated<syn::Path, syn::Token![,]>> {
    if !attr.path().is_ident("derive") {
        return None;
    }
    attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        .ok()
}

fn is_deserialize(p: &syn::Path) -> bool {
    p.segments.last().is_some_and(|s| s.ident == "Deserialize")
}

pub(crate) fn derives_deserialize(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter_map(derive_paths)
        .any(|paths| paths.iter().any(is_deserialize))
}

/// Removes `Deserialize` from the `#[derive(…)]` lists (the `#[serde(untagged)]` attribute
/// stays for the derived `Serialize` and `JsonSchema`).
fn drop_derived_deserialize(attrs: &mut [syn::Attribute]) {
    for attr in attrs.iter_mut() {
        let Some(paths) = derive_paths(attr) else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths.iter().filter(|p| !is_deserialize(p)).collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> (FastUnions, String) {
        let mut file: syn::File = syn::parse_str(src).unwrap();
        let done = fast_unions(&mut file);
        (done, prettyplease::unparse(&file))
    }

    /// Whether `text` contains `needle`, whitespace ignored (prettyplease wraps lines).
    fn has(text: &str, needle: &str) -> bool {
        let squash = |s: &str| {
            s.split_whitespace()
                .collect::<String>()
                .replace(",>", ">")
                .replace(",)", ")")
        };
        squash(text).contains(&squash(needle))
    }

    const DERIVES: &str = "#[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]";

    #[test]
    fn discriminated_structs_become_tagged() {
        let src = format!(
            "pub mod types {{
                {DERIVES} #[serde(untagged)] pub enum Device {{ A(ADevice), B(BDevice) }}
                {DERIVES} pub struct ADevice {{
                    pub id: String,
                    #[serde(rename = \"type\")] pub type_: TypeA,
                    #[serde(rename = \"$meta\", default)] pub meta: Meta,
                    pub extra: Option<u16>,
                    #[serde(default)] pub n: u8,
                    #[serde(deserialize_with = \"crate::timestamp::utc\")] pub at: When,
                }}
                {DERIVES} pub struct BDevice {{
                    #[serde(rename = \"type\")] pub type_: TypeB,
                    pub extra: Option<u8>,
                    #[serde(default, rename = \"$meta\")] pub meta: Meta,
                    pub n: u8,
                    #[serde(deserialize_with = \"crate::timestamp::utc\")] pub at: When,
                }}
                {DERIVES} pub enum TypeA {{ #[serde(rename = \"A-1\")] A1 }}
                {DERIVES} pub enum TypeB {{ B }}
            }}"
        );
        let (done, text) = run(&src);
        assert_eq!(
            done.tagged,
            vec![(
                "Device".to_string(),
                "type".to_string(),
                vec!["A-1".to_string(), "B".to_string()]
            )]
        );
        assert!(has(&text, "crate::unions::tagged(deserializer)"), "{text}");
        assert!(
            has(
                &text,
                "#[derive(::serde::Serialize, Clone, Debug)]\n    #[serde(untagged)]\n    pub enum Device"
            ),
            "{text}"
        );
        // Shared: the same type and attributes in both (`$meta`, `at`); not `extra` (another
        // type), `n` (a default in one only), `id` (one variant), nor the tag.
        assert!(
            has(
                &text,
                "pub(crate) struct __Shared { meta: ::std::option::Option<Meta>, at: ::std::option::Option<__With0>, }"
            ),
            "{text}"
        );
        assert!(
            has(
                &text,
                "pub(crate) struct __Rest0 { id: ::std::option::Option<String>, extra: ::std::option::Option<Option<u16>>, n: ::std::option::Option<u8>, }"
            ),
            "{text}"
        );
        assert!(
            has(
                &text,
                "\"A-1\" => { crate::unions::finish::<__device_decode::__Rest0, A>(Self::TAG, tag, shared, kept, map).map(Self::A) }"
            ),
            "{text}"
        );
        // What is missing: a default, `None` or an error as the derive decides, or the error
        // of a `deserialize_with` field.
        assert!(
            has(&text, "meta: shared.meta.unwrap_or_default()"),
            "{text}"
        );
        assert!(has(&text, "n: self.n.unwrap_or_default()"), "{text}");
        assert!(
            has(
                &text,
                "::std::option::Option::None => crate::unions::missing(\"n\")?"
            ),
            "{text}"
        );
        assert!(
            has(&text, "::std::option::Option::Some(w) => w.0,")
                && has(
                    &text,
                    "return ::std::result::Result::Err(E::missing_field(\"at\"))"
                ),
            "{text}"
        );
        assert!(
            has(&text, "crate::timestamp::utc(deserializer).map(__With0)"),
            "{text}"
        );
    }

    #[test]
    fn a_variant_the_decoder_cannot_reproduce_keeps_the_derive() {
        for (a_attrs, a_field) in [
            ("#[serde(deny_unknown_fields)]", ""),
            ("", "#[serde(alias = \"ident\")]"),
            ("", "#[serde(flatten)]"),
        ] {
            let src = format!(
                "pub mod types {{
                    {DERIVES} #[serde(untagged)] pub enum Device {{ A(ADevice), B(BDevice) }}
                    {DERIVES} {a_attrs} pub struct ADevice {{ {a_field} pub id: String, #[serde(rename = \"type\")] pub type_: TypeA }}
                    {DERIVES} pub struct BDevice {{ #[serde(rename = \"type\")] pub type_: TypeB }}
                    {DERIVES} pub enum TypeA {{ A }}
                    {DERIVES} pub enum TypeB {{ B }}
                }}"
            );
            let (done, text) = run(&src);
            assert_eq!(done.tagged, vec![], "{text}");
            assert!(!has(&text, "TaggedUnion"), "{text}");
        }
    }

    #[test]
    fn no_shared_single_value_property_keeps_the_derive() {
        // The tag values repeat, or one variant's tag has a default: not a tagged union.
        let src = format!(
            "pub mod types {{
                {DERIVES} #[serde(untagged)] pub enum Same {{ A(X), B(Y) }}
                {DERIVES} pub struct X {{ pub kind: K }}
                {DERIVES} pub struct Y {{ pub kind: K }}
                {DERIVES} #[serde(untagged)] pub enum Defaulted {{ A(P), B(Q) }}
                {DERIVES} pub struct P {{ #[serde(default)] pub kind: K }}
                {DERIVES} pub struct Q {{ pub kind: L }}
                {DERIVES} pub enum K {{ One }}
                {DERIVES} pub enum L {{ Two }}
            }}"
        );
        let (done, text) = run(&src);
        assert_eq!(done, FastUnions::default());
        assert_eq!(text.matches("::serde::Deserialize,").count(), 8, "{text}");
    }

    #[test]
    fn catch_all_and_string_unions() {
        let src = format!(
            "pub mod types {{
                {DERIVES} #[serde(untagged)] pub enum Item {{ Device(Device), Other(Transformed) }}
                {DERIVES} #[serde(transparent)] pub struct Transformed(pub ::serde_json::Value);
                {DERIVES} #[serde(untagged)] pub enum Raw {{ Device(Device), Json(::serde_json::Value) }}
                {DERIVES} #[serde(untagged)] pub enum Status {{ StatusKnown(StatusKnown), String(::std::string::String) }}
                {DERIVES} #[serde(untagged)] pub enum Outer {{ Status(Status), String(::std::string::String) }}
                {DERIVES} pub enum StatusKnown {{ On, Off }}
                {DERIVES} #[serde(untagged)] pub enum Mnc {{ Number(f64), String(::std::string::String) }}
            }}"
        );
        let (done, text) = run(&src);
        assert_eq!(done.or_value, vec!["Item", "Raw"]);
        assert_eq!(done.string_or, vec!["Outer", "Status"]);
        assert!(
            has(
                &text,
                "crate::unions::or_value::<D, Device, _, Self>(deserializer, Self::Device, |v| Self::Other(Transformed(v)))"
            ),
            "{text}"
        );
        assert!(
            has(
                &text,
                "crate::unions::or_value::<D, Device, _, Self>(deserializer, Self::Device, Self::Json)"
            ),
            "{text}"
        );
        assert!(
            has(
                &text,
                "crate::unions::string_or::<D, Status, Self>(deserializer, Self::Status, Self::String)"
            ),
            "{text}"
        );
        // Open enums print their value: `Active`, or the unknown string.
        assert!(
            has(&text, "impl ::std::fmt::Debug for Status")
                && has(&text, "Self::Status(v) => ::std::fmt::Debug::fmt(v, f)"),
            "{text}"
        );
        assert!(
            !has(
                &text,
                "Clone, Debug)]\n    #[serde(untagged)]\n    pub enum Status"
            ),
            "{text}"
        );
        // `Mnc`'s first variant is a number: left to the derive.
        assert!(
            has(
                &text,
                "#[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]\n    #[serde(untagged)]\n    pub enum Mnc"
            ),
            "{text}"
        );
    }
}
