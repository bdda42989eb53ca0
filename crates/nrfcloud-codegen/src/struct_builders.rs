//! The struct builders typify writes, kept only where a request builder uses one.
//!
//! With progenitor's builder interface, typify writes a builder for every struct of the
//! document (`types::builder::X`, `X::builder()`, and the `Default`, `TryFrom` and `From`
//! impls between the two): 121 builders, 14,000 of the 36,000 generated lines. The request
//! builders use those of request bodies only (`body_map(|b| …)` takes one). The others cost
//! every user's cold build of `nrfcloud-api` their compile time and nobody a feature the
//! struct itself lacks: its fields are public, and serde builds it from JSON.
//! [`keep_request_body_builders`] removes them.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// Removes every `types::builder::X` (and `X::builder()`) that no code outside `mod types`
/// names; returns the names of the builders kept, sorted.
pub fn keep_request_body_builders(file: &mut syn::File) -> Vec<String> {
    let mut used = BTreeSet::new();
    for item in &file.items {
        if !matches!(item, syn::Item::Mod(m) if m.ident == "types") {
            builder_paths(item.to_token_stream(), &mut used);
        }
    }
    let Some(types) = crate::union_decoders::types_module(file) else {
        return Vec::new();
    };
    let Some(builders) = types.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };
    builders.retain(|item| subject(item).is_none_or(|name| used.contains(&name)));
    let kept: Vec<String> = builders
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    // `impl X { pub fn builder() -> builder::X { … } }` for the builders removed.
    for item in types.iter_mut() {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.is_none()
        {
            imp.items.retain(|member| match member {
                syn::ImplItem::Fn(f) if f.sig.ident == "builder" => {
                    let mut named = BTreeSet::new();
                    builder_paths_of(f.sig.output.to_token_stream(), &["builder"], &mut named);
                    named.iter().all(|n| used.contains(n))
                }
                _ => true,
            });
        }
    }
    types.retain(|item| !matches!(item, syn::Item::Impl(imp) if imp.trait_.is_none() && imp.items.is_empty()));
    kept
}

/// The `X` of every `types::builder::X` in `tokens`.
fn builder_paths(tokens: TokenStream, out: &mut BTreeSet<String>) {
    builder_paths_of(tokens, &["types", "builder"], out);
}

/// The `X` of every path `prefix…::X` in `tokens`, at any depth.
fn builder_paths_of(tokens: TokenStream, prefix: &[&str], out: &mut BTreeSet<String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    // A path segment is an identifier followed by `::` (two `:` puncts).
    let segment_at = |i: usize, name: &str| {
        matches!(trees.get(i), Some(TokenTree::Ident(id)) if id == name)
            && matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':')
            && matches!(trees.get(i + 2), Some(TokenTree::Punct(p)) if p.as_char() == ':')
    };
    for i in 0..trees.len() {
        if let TokenTree::Group(g) = &trees[i] {
            builder_paths_of(g.stream(), prefix, out);
            continue;
        }
        if prefix
            .iter()
            .enumerate()
            .all(|(k, name)| segment_at(i + 3 * k, name))
            && let Some(TokenTree::Ident(x)) = trees.get(i + 3 * prefix.len())
        {
            out.insert(x.to_string());
        }
    }
}

/// The builder an item of `mod builder` belongs to: the struct itself, or the impl's own
/// type (`impl Default for X`, `impl From<super::X> for X`), or for `impl TryFrom<X> for
/// super::X` the builder it converts from. `None` for anything else (kept).
fn subject(item: &syn::Item) -> Option<String> {
    fn local(ty: &syn::Type) -> Option<String> {
        match ty {
            syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                Some(p.path.segments[0].ident.to_string())
            }
            _ => None,
        }
    }
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Impl(imp) => local(&imp.self_ty).or_else(|| {
            let (trait_path, _) = imp.trait_.as_ref()?;
            let syn::PathArguments::AngleBracketed(args) = &trait_path.segments.last()?.arguments
            else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => local(ty),
                _ => None,
            })
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_builders_a_request_uses_are_kept() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Body { pub a: u32 }
                impl Body {
                    pub fn builder() -> builder::Body { Default::default() }
                }
                pub struct Reply { pub b: u32 }
                impl Reply {
                    pub fn builder() -> builder::Reply { Default::default() }
                }
                impl Reply {
                    pub fn other(&self) -> u32 { self.b }
                }
                pub mod builder {
                    pub struct Body { a: Result<u32, String> }
                    impl ::std::default::Default for Body {
                        fn default() -> Self { Self { a: Ok(0) } }
                    }
                    impl Body {
                        pub fn a(self, _: u32) -> Self { self }
                    }
                    impl ::std::convert::TryFrom<Body> for super::Body {
                        type Error = String;
                        fn try_from(b: Body) -> Result<Self, String> { Ok(Self { a: b.a? }) }
                    }
                    impl ::std::convert::From<super::Body> for Body {
                        fn from(v: super::Body) -> Self { Self { a: Ok(v.a) } }
                    }
                    pub struct Reply { b: Result<u32, String> }
                    impl ::std::default::Default for Reply {
                        fn default() -> Self { Self { b: Ok(0) } }
                    }
                    impl ::std::convert::TryFrom<Reply> for super::Reply {
                        type Error = String;
                        fn try_from(b: Reply) -> Result<Self, String> { Ok(Self { b: b.b? }) }
                    }
                    impl ::std::convert::From<super::Reply> for Reply {
                        fn from(v: super::Reply) -> Self { Self { b: Ok(v.b) } }
                    }
                }
            }
            pub mod builder {
                pub struct Send<'a> {
                    body: Result<types::builder::Body, String>,
                    reply: ::std::marker::PhantomData<&'a types::Reply>,
                }
            }
        };
        assert_eq!(keep_request_body_builders(&mut file), vec!["Body"]);
        let text = file.to_token_stream().to_string();
        assert!(!text.contains("builder :: Reply"), "{text}");
        assert!(!text.contains("TryFrom < Reply >"), "{text}");
        assert!(!text.contains("From < super :: Reply >"), "{text}");
        assert!(
            text.contains("struct Reply { pub b"),
            "the type stays: {text}"
        );
        assert!(text.contains("fn other"), "its other methods stay: {text}");
        assert!(text.contains("fn builder () -> builder :: Body"), "{text}");
        assert!(
            text.contains("TryFrom < Body > for super :: Body"),
            "{text}"
        );
        assert!(text.contains("From < super :: Body > for Body"), "{text}");
        assert!(text.contains("fn a (self"), "{text}");
    }
}
