//! Conversion errors that say why: typify's `FromStr` impls and progenitor's builder setters
//! throw away what a user needs to fix a bad value.
//!
//! - typify's checks answer `doesn't match pattern "^[a-z0-9:_-]{1,128}$"` without the value;
//!   every `Err("…".into())` inside a `FromStr` impl of the `types` module becomes
//!   `Err(crate::conversion::rejected(value, "…"))`, which puts the value (shortened, and
//!   `<redacted>` for the secret types) in front of the rule.
//! - progenitor's setters map any conversion error to `conversion to `DeviceId` for device_id
//!   failed`; they now keep the error: `device_id: "NRF 1" doesn't match pattern …`, and
//!   require `V::Error: Display` (true of every conversion the generated types offer).
//! - typify keeps only the lower bound of an integer range (`PageLimit` is a `NonZeroU32`,
//!   its maximum of 100 lost, and no plain integer converts to it). [`integer_ranges`] adds
//!   `TryFrom` for the natural integer types, checking the document's whole range, so
//!   `page_limit(100)` compiles and `page_limit(1000)` names the range before sending.

use std::collections::BTreeMap;

use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

/// Rewrites the `Err("…".into())` of every `FromStr` impl in the `types` module to name the
/// rejected value; `secret_types` get `<redacted>` instead. Returns how many errors changed.
pub fn name_rejected_values(file: &mut syn::File, secret_types: &[String]) -> usize {
    let mut count = 0;
    for_each_types_impl(file, |item| {
        let Some((trait_path, ..)) = &item.trait_ else {
            return;
        };
        if trait_path.segments.last().map(|s| s.ident.to_string()) != Some("FromStr".into()) {
            return;
        }
        let secret = type_name(&item.self_ty).is_some_and(|n| secret_types.contains(&n));
        let mut rewrite = RejectedValues { secret, count: 0 };
        for member in &mut item.items {
            if let syn::ImplItem::Fn(f) = member
                && f.sig.ident == "from_str"
            {
                rewrite.visit_block_mut(&mut f.block);
            }
        }
        count += rewrite.count;
    });
    count
}

struct RejectedValues {
    secret: bool,
    count: usize,
}

impl VisitMut for RejectedValues {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::Call(call) = expr else { return };
        if !matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"))
            || call.args.len() != 1
        {
            return;
        }
        let Some(syn::Expr::MethodCall(into)) = call.args.first() else {
            return;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(rule),
            ..
        }) = &*into.receiver
        else {
            return;
        };
        if into.method != "into" || !into.args.is_empty() {
            return;
        }
        let rule = rule.clone();
        *expr = if self.secret {
            syn::parse_quote!(Err(crate::conversion::rejected_secret(#rule)))
        } else {
            syn::parse_quote!(Err(crate::conversion::rejected(value, #rule)))
        };
        self.count += 1;
    }
}

/// Rewrites every builder setter's `.map_err(|_| "conversion to `T` for p failed")` to keep
/// the conversion's error after the parameter's name, and adds `V::Error: Display` to the
/// setter's bounds. Returns how many setters changed.
pub fn explain_builder_conversions(file: &mut syn::File) -> usize {
    let mut count = 0;
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "builder" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items {
            let syn::Item::Impl(imp) = item else { continue };
            if imp.trait_.is_some() {
                continue;
            }
            for member in &mut imp.items {
                let syn::ImplItem::Fn(f) = member else {
                    continue;
                };
                let mut rewrite = SetterErrors { count: 0 };
                rewrite.visit_block_mut(&mut f.block);
                if rewrite.count > 0 {
                    add_display_bound(&mut f.sig);
                    count += 1;
                }
            }
        }
    }
    count
}

struct SetterErrors {
    count: usize,
}

impl VisitMut for SetterErrors {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        if call.method != "map_err" || call.args.len() != 1 {
            return;
        }
        let Some(syn::Expr::Closure(closure)) = call.args.first() else {
            return;
        };
        let Some(param) = conversion_message_param(&closure.body) else {
            return;
        };
        let new: syn::Expr = syn::parse_quote!(|e| ::std::format!("{}: {}", #param, e));
        call.args[0] = new;
        self.count += 1;
    }
}

/// The parameter named by progenitor's "conversion to `T` for <param> failed" message.
fn conversion_message_param(body: &syn::Expr) -> Option<String> {
    struct Find(Option<String>);
    impl syn::visit::Visit<'_> for Find {
        fn visit_lit_str(&mut self, lit: &syn::LitStr) {
            let text = lit.value();
            if let Some(rest) = text.strip_prefix("conversion to `")
                && let Some((_, tail)) = rest.split_once("` for ")
                && let Some(param) = tail.strip_suffix(" failed")
            {
                self.0 = Some(param.to_string());
            }
        }
    }
    let mut find = Find(None);
    syn::visit::Visit::visit_expr(&mut find, body);
    find.0
}

/// `where V: TryInto<T>` gains `V::Error: Display` (the setter's one generic parameter).
fn add_display_bound(sig: &mut syn::Signature) {
    let Some(param) = sig.generics.type_params().next().map(|p| p.ident.clone()) else {
        return;
    };
    let Some(target) = try_into_target(sig, &param) else {
        return;
    };
    let predicate: syn::WherePredicate = syn::parse_quote!(
        <#param as ::std::convert::TryInto<#target>>::Error: ::std::fmt::Display
    );
    sig.generics.make_where_clause().predicates.push(predicate);
}

/// `T` of the bound `V: TryInto<T>` in a setter's where clause.
fn try_into_target(sig: &syn::Signature, param: &syn::Ident) -> Option<syn::Type> {
    let clause = sig.generics.where_clause.as_ref()?;
    for predicate in &clause.predicates {
        let syn::WherePredicate::Type(p) = predicate else {
            continue;
        };
        if !matches!(&p.bounded_ty, syn::Type::Path(t) if t.path.is_ident(param)) {
            continue;
        }
        for bound in &p.bounds {
            let syn::TypeParamBound::Trait(t) = bound else {
                continue;
            };
            let last = t.path.segments.last()?;
            if last.ident != "TryInto" {
                continue;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                continue;
            };
            if let Some(syn::GenericArgument::Type(ty)) = args.args.first() {
                return Some(ty.clone());
            }
        }
    }
    None
}

/// An integer component schema's range, as the document gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegerRange {
    /// `minimum`, if given.
    pub min: Option<i64>,
    /// `maximum`, if given.
    pub max: Option<i64>,
}

/// The integer component schemas with a `minimum` or `maximum`, by name.
pub fn integer_ranges_of(doc: &serde_json::Value) -> BTreeMap<String, IntegerRange> {
    let mut out = BTreeMap::new();
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
    else {
        return out;
    };
    for (name, schema) in schemas {
        if schema.get("type").and_then(|t| t.as_str()) != Some("integer") {
            continue;
        }
        let bound = |key: &str| schema.get(key).and_then(|v| v.as_i64());
        let range = IntegerRange {
            min: bound("minimum"),
            max: bound("maximum"),
        };
        if range.min.is_some() || range.max.is_some() {
            out.insert(name.clone(), range);
        }
    }
    out
}

/// For every integer newtype of the `types` module whose schema has a range, adds
/// `TryFrom<i32 | i64 | u8 | u16 | u32 | u64 | usize>` checking the whole range (typify keeps
/// at most the lower bound, as a `NonZero` type), with an error naming the value and the
/// range. Newtypes that already convert from one of those integers (a `From`, whose blanket
/// `TryFrom` would clash) are left alone. Returns the types that gained the impls.
pub fn integer_ranges(
    file: &mut syn::File,
    ranges: &BTreeMap<String, IntegerRange>,
) -> Vec<String> {
    let Some(types) = types_module(file) else {
        return Vec::new();
    };
    let mut inner_of = BTreeMap::new();
    let mut from_ints: Vec<String> = Vec::new();
    for item in types.iter() {
        match item {
            syn::Item::Struct(s) => {
                if let syn::Fields::Unnamed(fields) = &s.fields
                    && fields.unnamed.len() == 1
                {
                    let ty = &fields.unnamed[0].ty;
                    inner_of.insert(
                        s.ident.to_string(),
                        quote!(#ty).to_string().replace(' ', ""),
                    );
                }
            }
            syn::Item::Impl(imp) => {
                let Some((path, ..)) = &imp.trait_ else {
                    continue;
                };
                let Some(last) = path.segments.last() else {
                    continue;
                };
                if last.ident != "From" && last.ident != "TryFrom" {
                    continue;
                }
                let arg = quote!(#last).to_string().replace(' ', "");
                if INTEGERS.iter().any(|i| arg.ends_with(&format!("<{i}>")))
                    && let Some(name) = type_name(&imp.self_ty)
                {
                    from_ints.push(name);
                }
            }
            _ => {}
        }
    }
    let mut added = Vec::new();
    for (name, range) in ranges {
        let Some(inner) = inner_of.get(name) else {
            continue;
        };
        if from_ints.contains(name) {
            continue;
        }
        let Some(construct) = constructor(inner) else {
            continue;
        };
        let ident = format_ident!("{}", name);
        let lo = range.min.map_or(quote!(i128::MIN), |v| {
            let v = i128::from(v);
            quote!(#v)
        });
        let hi = range.max.map_or(quote!(i128::MAX), |v| {
            let v = i128::from(v);
            quote!(#v)
        });
        let shown = match (range.min, range.max) {
            (Some(a), Some(b)) => format!("{a}..={b}"),
            (Some(a), None) => format!("{a}.."),
            (None, Some(b)) => format!("..={b}"),
            (None, None) => unreachable!("only ranges are collected"),
        };
        for int in INTEGERS {
            let int_ty: syn::Type = syn::parse_str(int).expect("an integer type");
            let item: syn::Item = syn::parse_quote! {
                impl ::std::convert::TryFrom<#int_ty> for #ident {
                    type Error = self::error::ConversionError;
                    fn try_from(value: #int_ty) -> ::std::result::Result<Self, self::error::ConversionError> {
                        let wide = i128::try_from(value).unwrap_or(i128::MAX);
                        if !(#lo..=#hi).contains(&wide) {
                            return Err(::std::format!("{} is outside {}", value, #shown).into());
                        }
                        #construct
                    }
                }
            };
            types.push(item);
        }
        added.push(name.clone());
    }
    added
}

const INTEGERS: [&str; 7] = ["i32", "i64", "u8", "u16", "u32", "u64", "usize"];

/// The body that builds the newtype from `wide` (already within the range).
fn constructor(inner: &str) -> Option<proc_macro2::TokenStream> {
    let err = quote!(Err(
        ::std::format!("{} does not fit this type", value).into()
    ));
    Some(match inner {
        "::std::num::NonZeroU32" | "std::num::NonZeroU32" => quote! {
            match u32::try_from(wide).ok().and_then(::std::num::NonZeroU32::new) {
                Some(v) => Ok(Self(v)),
                None => #err,
            }
        },
        "::std::num::NonZeroU64" | "std::num::NonZeroU64" => quote! {
            match u64::try_from(wide).ok().and_then(::std::num::NonZeroU64::new) {
                Some(v) => Ok(Self(v)),
                None => #err,
            }
        },
        "i32" | "i64" | "u32" | "u64" | "u8" | "u16" | "i8" | "i16" => {
            let ty: syn::Type = syn::parse_str(inner).ok()?;
            quote! {
                match <#ty>::try_from(wide) {
                    Ok(v) => Ok(Self(v)),
                    Err(_) => #err,
                }
            }
        }
        _ => return None,
    })
}

fn types_module(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn for_each_types_impl(file: &mut syn::File, mut f: impl FnMut(&mut syn::ItemImpl)) {
    let Some(items) = types_module(file) else {
        return;
    };
    for item in items {
        if let syn::Item::Impl(imp) = item {
            f(imp);
        }
    }
}

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(code: &str) -> syn::File {
        syn::parse_str(code).unwrap()
    }

    fn text(f: &syn::File) -> String {
        prettyplease::unparse(f)
    }

    #[test]
    fn from_str_errors_name_the_value_and_secret_types_do_not() {
        let mut f = file(
            r#"pub mod types {
                impl ::std::str::FromStr for DeviceId {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> Result<Self, Self::Err> {
                        if value.is_empty() { return Err("doesn't match pattern \"^a$\"".into()); }
                        Ok(Self(value.to_string()))
                    }
                }
                impl ::std::str::FromStr for PrivateKey {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> Result<Self, Self::Err> {
                        if value.len() > 3 { return Err("longer than 3 characters".into()); }
                        Ok(Self(value.to_string()))
                    }
                }
                impl Other for DeviceId {
                    fn from_str(value: &str) -> Result<Self, Self::Err> { Err("left".into()) }
                }
            }"#,
        );
        assert_eq!(name_rejected_values(&mut f, &["PrivateKey".into()]), 2);
        let out = text(&f);
        assert!(
            out.contains(r#"crate::conversion::rejected(value, "doesn't match pattern \"^a$\"")"#),
            "{out}"
        );
        assert!(
            out.contains(r#"crate::conversion::rejected_secret("longer than 3 characters")"#),
            "{out}"
        );
        assert!(out.contains(r#"Err("left".into())"#), "{out}");
    }

    #[test]
    fn setters_keep_the_conversion_error_and_require_display() {
        let mut f = file(
            r#"pub mod builder {
                impl<'a> FetchDevice<'a> {
                    pub fn device_id<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<types::DeviceId>,
                    {
                        self.device_id = value.try_into().map_err(|_| {
                            "conversion to `DeviceId` for device_id failed".to_string()
                        });
                        self
                    }
                    pub fn other(self) -> Self { self }
                }
            }"#,
        );
        assert_eq!(explain_builder_conversions(&mut f), 1);
        let out = text(&f);
        assert!(
            out.contains(r#"map_err(|e| ::std::format!("{}: {}", "device_id", e))"#),
            "{out}"
        );
        assert!(
            out.contains(
                "<V as ::std::convert::TryInto<types::DeviceId>>::Error: ::std::fmt::Display"
            ),
            "{out}"
        );
        let _: syn::File = syn::parse_str(&out).unwrap();
    }

    #[test]
    fn ranges_come_from_the_document_and_skip_types_with_an_integer_from() {
        let doc = serde_json::json!({"components": {"schemas": {
            "PageLimit": {"type": "integer", "minimum": 1, "maximum": 100},
            "Mcc": {"type": "integer", "minimum": 0, "maximum": 999},
            "Plain": {"type": "integer"},
            "Words": {"type": "string", "minLength": 1}
        }}});
        let ranges = integer_ranges_of(&doc);
        assert_eq!(ranges.keys().collect::<Vec<_>>(), ["Mcc", "PageLimit"]);
        let mut f = file(
            r#"pub mod types {
                pub struct PageLimit(pub ::std::num::NonZeroU32);
                pub struct Mcc(pub i32);
                impl ::std::convert::From<i32> for Mcc { fn from(v: i32) -> Self { Self(v) } }
            }"#,
        );
        assert_eq!(integer_ranges(&mut f, &ranges), ["PageLimit"]);
        let out = text(&f);
        assert_eq!(
            out.matches("impl ::std::convert::TryFrom<").count(),
            INTEGERS.len(),
            "{out}"
        );
        assert!(out.contains("(1i128..=100i128).contains(&wide)"), "{out}");
        assert!(out.contains("\"1..=100\""), "{out}");
    }
}
