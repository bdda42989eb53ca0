//! Checked string newtypes keep the `String` they were given.
//!
//! typify decodes a string type with a `pattern` or length limits (`DeviceId`, `TenantId`,
//! `DeviceName`, …) as `String::deserialize(d)?.parse()`, and `parse` ends in
//! `Ok(Self(value.to_string()))`: the decoded string is checked, copied into a second
//! allocation and freed. A device document carries several such strings; a page of them,
//! hundreds. `TryFrom<String>` does the same (`value.parse()`).
//!
//! For every newtype whose `FromStr` is checks followed by `Ok(Self(value.to_string()))` (or
//! `Ok(Self(value.parse()?))`, a newtype of another checked type), the checks move to a
//! private `check_text(&str)`, and `TryFrom<String>` and `Deserialize` run them on the string
//! and then keep it (or hand it on to the inner type's `TryFrom<String>`). `FromStr` runs the
//! same checks and copies, as before. Accepted values and error texts do not change.

use std::collections::BTreeMap;

use quote::quote;

/// Rewrites the checked string newtypes of `mod types` (see the module docs). Returns their
/// names.
pub fn keep_checked_strings(file: &mut syn::File) -> Vec<String> {
    let Some(items) = crate::union_decoders::types_module(file) else {
        return Vec::new();
    };
    // Pass 1: the candidates, by their `FromStr`.
    let mut found: BTreeMap<String, Candidate> = BTreeMap::new();
    for item in items.iter() {
        let Some((name, imp)) = trait_impl(item, "FromStr") else {
            continue;
        };
        if let Some(c) = candidate(imp) {
            found.insert(name, c);
        }
    }
    // Only types with the two impls in typify's shape are rewritten.
    found.retain(|name, _| {
        let try_from = items
            .iter()
            .filter_map(|i| trait_impl(i, "TryFrom"))
            .any(|(n, imp)| n == *name && takes_string(imp) && body_is(imp, "value.parse()"));
        let deserialize = items
            .iter()
            .filter_map(|i| trait_impl(i, "Deserialize"))
            .any(|(n, imp)| n == *name && parses_a_string(imp));
        try_from && deserialize
    });

    // Pass 2: rewrite.
    let mut added: Vec<syn::Item> = Vec::new();
    for item in items.iter_mut() {
        let Some(name) = impl_name(item) else {
            continue;
        };
        let Some(c) = found.get(&name) else {
            continue;
        };
        let syn::Item::Impl(imp) = item else { continue };
        let trait_name = imp
            .trait_
            .as_ref()
            .and_then(|(p, _)| p.segments.last())
            .map(|s| s.ident.to_string());
        let check = (!c.checks.is_empty()).then(|| quote!(Self::check_text(&value)?;));
        let keep = if c.nested {
            quote!(::std::convert::TryFrom::try_from(value)?)
        } else {
            quote!(value)
        };
        let err = &c.error;
        match trait_name.as_deref() {
            Some("FromStr") if !c.checks.is_empty() => {
                let last = &c.last;
                set_body(imp, syn::parse_quote!({ Self::check_text(value)?; #last }));
            }
            Some("TryFrom") if takes_string(imp) => {
                set_body(
                    imp,
                    syn::parse_quote!({ #check ::std::result::Result::Ok(Self(#keep)) }),
                );
            }
            Some("Deserialize") => {
                set_body(
                    imp,
                    syn::parse_quote!({
                        <Self as ::std::convert::TryFrom<::std::string::String>>::try_from(
                            <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?,
                        )
                        .map_err(|e: #err| <D::Error as ::serde::de::Error>::custom(e.to_string()))
                    }),
                );
            }
            _ => {}
        }
    }
    for (name, c) in &found {
        if c.checks.is_empty() {
            continue;
        }
        let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
        let (checks, err) = (&c.checks, &c.error);
        added.push(syn::parse_quote! {
            impl #ident {
                /// The checks of the type's `FromStr`, shared with `TryFrom<String>` and
                /// `Deserialize`, which keep the string they are given.
                fn check_text(value: &str) -> ::std::result::Result<(), #err> {
                    #(#checks)*
                    ::std::result::Result::Ok(())
                }
            }
        });
    }
    items.extend(added);
    found.into_keys().collect()
}

/// A `FromStr` that is checks and then `Ok(Self(…))`.
struct Candidate {
    /// The statements before the last (they only `return Err(…)`).
    checks: Vec<syn::Stmt>,
    /// The last statement.
    last: syn::Stmt,
    /// `Ok(Self(value.parse()?))`: the field is another checked type.
    nested: bool,
    /// The impl's `Err` type.
    error: syn::Type,
}

fn candidate(imp: &syn::ItemImpl) -> Option<Candidate> {
    let error = imp.items.iter().find_map(|i| match i {
        syn::ImplItem::Type(t) if t.ident == "Err" => Some(t.ty.clone()),
        _ => None,
    })?;
    let f = only_fn(imp)?;
    let (last, checks) = f.block.stmts.split_last()?;
    let text = squash(&quote!(#last).to_string());
    let nested = match text.as_str() {
        "Ok(Self(value.to_string()))" => false,
        "Ok(Self(value.parse()?))" => true,
        _ => return None,
    };
    // The checks may only fail: nothing that builds a value.
    let plain = checks.iter().all(|s| {
        let t = quote!(#s).to_string();
        !t.contains("Self") && !t.contains("Ok")
    });
    plain.then(|| Candidate {
        checks: checks.to_vec(),
        last: last.clone(),
        nested,
        error,
    })
}

/// `(type name, impl)` when `item` is an impl of the trait `trait_name` for a plain type.
fn trait_impl<'a>(item: &'a syn::Item, trait_name: &str) -> Option<(String, &'a syn::ItemImpl)> {
    let syn::Item::Impl(imp) = item else {
        return None;
    };
    let (path, _) = imp.trait_.as_ref()?;
    if path.segments.last()?.ident != trait_name {
        return None;
    }
    Some((impl_name(item)?, imp))
}

fn impl_name(item: &syn::Item) -> Option<String> {
    let syn::Item::Impl(imp) = item else {
        return None;
    };
    match &*imp.self_ty {
        syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

fn only_fn(imp: &syn::ItemImpl) -> Option<&syn::ImplItemFn> {
    let mut fns = imp.items.iter().filter_map(|i| match i {
        syn::ImplItem::Fn(f) => Some(f),
        _ => None,
    });
    let f = fns.next()?;
    fns.next().is_none().then_some(f)
}

fn set_body(imp: &mut syn::ItemImpl, block: syn::Block) {
    for i in &mut imp.items {
        if let syn::ImplItem::Fn(f) = i {
            f.block = block;
            return;
        }
    }
}

/// `impl TryFrom<String>` (not `&str`).
fn takes_string(imp: &syn::ItemImpl) -> bool {
    let Some((path, _)) = imp.trait_.as_ref() else {
        return false;
    };
    let Some(seg) = path.segments.last() else {
        return false;
    };
    let arg = &seg.arguments;
    matches!(
        squash(&quote!(#arg).to_string()).as_str(),
        "<::std::string::String>" | "<String>"
    )
}

fn body_is(imp: &syn::ItemImpl, want: &str) -> bool {
    only_fn(imp).is_some_and(|f| {
        let block = &f.block;
        squash(&quote!(#block).to_string()) == format!("{{{want}}}")
    })
}

/// A `Deserialize` that is `String::deserialize(deserializer)?.parse().map_err(…)`.
fn parses_a_string(imp: &syn::ItemImpl) -> bool {
    only_fn(imp).is_some_and(|f| {
        let block = &f.block;
        squash(&quote!(#block).to_string())
            .starts_with("{::std::string::String::deserialize(deserializer)?.parse().map_err(")
    })
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> (Vec<String>, String) {
        let mut file: syn::File = syn::parse_str(src).unwrap();
        let done = keep_checked_strings(&mut file);
        (done, prettyplease::unparse(&file))
    }

    fn has(text: &str, needle: &str) -> bool {
        squash(text).contains(&squash(needle))
    }

    /// A checked newtype in typify's shape (`Id`), one around it (`Outer`), one whose
    /// `FromStr` does something else (`Odd`).
    fn src() -> String {
        SRC.replace("DESERIALIZE_ID", &typify_deserialize("Id"))
            .replace("DESERIALIZE_OUTER", &typify_deserialize("Outer"))
    }

    /// typify's `Deserialize` of a checked string type `name`.
    fn typify_deserialize(name: &str) -> String {
        format!(
            "impl<'de> ::serde::Deserialize<'de> for {name} {{
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where D: ::serde::Deserializer<'de>,
                {{
                    ::std::string::String::deserialize(deserializer)?
                        .parse()
                        .map_err(|e: self::error::ConversionError| {{
                            <D::Error as ::serde::de::Error>::custom(e.to_string())
                        }})
                }}
            }}"
        )
    }

    const SRC: &str = r#"
        pub mod types {
            pub struct Id(::std::string::String);
            impl ::std::str::FromStr for Id {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    if value.len() > 3 { return Err("longer than 3 characters".into()); }
                    Ok(Self(value.to_string()))
                }
            }
            impl ::std::convert::TryFrom<&str> for Id {
                type Error = self::error::ConversionError;
                fn try_from(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> { value.parse() }
            }
            impl ::std::convert::TryFrom<::std::string::String> for Id {
                type Error = self::error::ConversionError;
                fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, self::error::ConversionError> { value.parse() }
            }
            DESERIALIZE_ID
            pub struct Outer(Id);
            impl ::std::str::FromStr for Outer {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    Ok(Self(value.parse()?))
                }
            }
            impl ::std::convert::TryFrom<::std::string::String> for Outer {
                type Error = self::error::ConversionError;
                fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, self::error::ConversionError> { value.parse() }
            }
            DESERIALIZE_OUTER
            pub struct Odd(::std::string::String);
            impl ::std::str::FromStr for Odd {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    Ok(Self(value.to_uppercase()))
                }
            }
            impl ::std::convert::TryFrom<::std::string::String> for Odd {
                type Error = self::error::ConversionError;
                fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, self::error::ConversionError> { value.parse() }
            }
        }
    "#;

    #[test]
    fn checked_newtypes_keep_their_string() {
        let (done, text) = run(&src());
        assert_eq!(done, vec!["Id", "Outer"]);
        // The checks, once, in `check_text`; `FromStr` runs them and copies.
        assert!(
            has(
                &text,
                "fn check_text(value: &str,) -> ::std::result::Result<(), self::error::ConversionError> {
                    if value.len() > 3 { return Err(\"longer than 3 characters\".into()); }
                    ::std::result::Result::Ok(())"
            ),
            "{text}"
        );
        assert!(
            has(
                &text,
                "{ Self::check_text(value)?; Ok(Self(value.to_string())) }"
            ),
            "{text}"
        );
        assert_eq!(
            text.matches("longer than 3 characters").count(),
            1,
            "{text}"
        );
        // `TryFrom<String>` checks and keeps; `&str` still parses (copies).
        assert!(
            has(
                &text,
                "{ Self::check_text(&value)?; ::std::result::Result::Ok(Self(value)) }"
            ),
            "{text}"
        );
        assert!(
            has(
                &text,
                "fn try_from(value: &str,) -> ::std::result::Result<Self, self::error::ConversionError> { value.parse() }"
            ),
            "{text}"
        );
        // A newtype of a checked type hands the string on.
        assert!(
            has(
                &text,
                "{ ::std::result::Result::Ok(Self(::std::convert::TryFrom::try_from(value)?)) }"
            ),
            "{text}"
        );
        assert_eq!(
            squash(&text)
                .matches("<Selfas::std::convert::TryFrom<::std::string::String,>>::try_from")
                .count(),
            2,
            "{text}"
        );
        // `Odd` is left alone.
        assert!(has(&text, "Ok(Self(value.to_uppercase()))"), "{text}");
    }
}
