//! Secrets in the generated types: which properties hold one, a `Debug` that does not print
//! them, and which operations answer with one.
//!
//! typify derives `Debug` for every type, so `GenerateServiceKeyAndTokenResponse` printed
//! the team's private key and service token, and `DeviceCertificate` the device's private
//! key. One rule, on the names and descriptions of the document (which typify keeps as the
//! types' and fields' names, serde renames and doc comments), finds the secrets:
//!
//! - a schema is a secret as a whole when its name is one of [`SECRET_NAMES`] or its
//!   description contains one of [`SECRET_WORDS`] (`PrivateKey`, `ServiceKeyJwt`,
//!   `OwnershipCode`);
//! - a property is secret when its JSON name is one of [`SECRET_NAMES`], its description
//!   contains one of [`SECRET_WORDS`], or its type holds a secret schema
//!   (`DeviceCertificate.privateKey`, `GenerateServiceKeyAndTokenResponse.key`, every
//!   `token`).
//!
//! Those types (and their `types::builder` twins) get a hand-made `Debug` in place of the
//! derived one, printing `<redacted>` for the secrets (`Some(<redacted>)` or `None` for an
//! optional one). An operation whose success or error body holds such a type is marked in
//! the operation table (`secret_response`), so the wrapper redacts the excerpt of a body it
//! cannot decode.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;
use syn::punctuated::Punctuated;

use crate::type_graph::{TypeGraph, mentioned, operation_types, type_names};

/// Property and schema names that hold a secret wherever they appear (compared
/// case-insensitively): private keys, tokens (service, evaluation, onboarding and
/// provisioning tokens), API keys, ownership codes (the PIN or HWID that claims a device),
/// passwords.
pub const SECRET_NAMES: &[&str] = &[
    "privateKey",
    "token",
    "serviceToken",
    "evaluationToken",
    "onboardingToken",
    "provisioningToken",
    "apiKey",
    "ownershipCode",
    "password",
    "secret",
];

/// Words of a description that mark its property or schema as a secret (compared
/// case-insensitively).
pub const SECRET_WORDS: &[&str] = &[
    "private key",
    "JWT",
    "ownership code",
    "onboarding token",
    "API key",
];

/// Whether a property or schema name is one of [`SECRET_NAMES`].
pub fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Whether a description contains one of [`SECRET_WORDS`].
pub fn is_secret_description(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    SECRET_WORDS
        .iter()
        .any(|w| text.contains(&w.to_ascii_lowercase()))
}

/// What [`redact_secrets`] found and rewrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Types that are a secret as a whole (string newtypes such as `PrivateKey`).
    pub types: Vec<String>,
    /// Structs with secret properties, with those properties' JSON names.
    pub fields: Vec<(String, Vec<String>)>,
    /// Client methods whose response bodies hold a secret.
    pub operations: Vec<String>,
    /// The structs of [`Secrets::fields`] that have a builder (`types::builder::X`, request
    /// bodies only: see [`crate::struct_builders`]).
    pub builders: Vec<String>,
}

/// One secret field of a struct.
struct SecretField {
    ident: syn::Ident,
    optional: bool,
}

/// Finds the secrets of `mod types` and replaces the derived `Debug` of the types that hold
/// them (see the module docs).
pub fn redact_secrets(file: &mut syn::File) -> Secrets {
    let mut found = Secrets::default();
    let ops = operation_types(file);
    let Some(items) = crate::union_decoders::types_module(file) else {
        return found;
    };
    let known = type_names(items);
    let graph = TypeGraph::of(items);

    let secret_types: BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s)
                if matches!(&s.fields, syn::Fields::Unnamed(f) if f.unnamed.len() == 1)
                    && (is_secret_name(&s.ident.to_string())
                        || is_secret_description(&doc_text(&s.attrs))) =>
            {
                Some(s.ident.to_string())
            }
            _ => None,
        })
        .collect();

    let mut secret_fields: BTreeMap<String, Vec<SecretField>> = BTreeMap::new();
    for item in items.iter() {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(fields) = &s.fields else {
            continue;
        };
        let mut names = Vec::new();
        let mut secret = Vec::new();
        for f in &fields.named {
            let Some(ident) = &f.ident else { continue };
            let json = serde_rename(&f.attrs)
                .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
            if is_secret_name(&json)
                || is_secret_description(&doc_text(&f.attrs))
                || !mentioned(&f.ty, &known).is_disjoint(&secret_types)
            {
                secret.push(SecretField {
                    ident: ident.clone(),
                    optional: is_option(&f.ty),
                });
                names.push(json);
            }
        }
        if !secret.is_empty() {
            found.fields.push((s.ident.to_string(), names));
            secret_fields.insert(s.ident.to_string(), secret);
        }
    }

    let mut added: Vec<syn::Item> = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let name = s.ident.to_string();
        if secret_types.contains(&name) {
            if drop_derive(&mut s.attrs, "Debug") {
                let ident = &s.ident;
                added.push(syn::parse_quote! {
                    impl ::std::fmt::Debug for #ident {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            f.debug_tuple(#name).field(&crate::redact::Redacted).finish()
                        }
                    }
                });
            }
        } else if let Some(secret) = secret_fields.get(&name)
            && drop_derive(&mut s.attrs, "Debug")
        {
            added.push(redacting_debug(s, secret, false));
        }
    }
    // The builders hold the same fields, as `Result<T, String>`.
    if let Some(builder) = items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) {
        let mut in_builder: Vec<syn::Item> = Vec::new();
        for item in builder.iter_mut() {
            let syn::Item::Struct(s) = item else { continue };
            if let Some(secret) = secret_fields.get(&s.ident.to_string())
                && drop_derive(&mut s.attrs, "Debug")
            {
                in_builder.push(redacting_debug(s, secret, true));
                found.builders.push(s.ident.to_string());
            }
        }
        builder.extend(in_builder);
    }
    items.extend(added);

    let holders: BTreeSet<String> = secret_types
        .iter()
        .cloned()
        .chain(secret_fields.keys().cloned())
        .collect();
    found.types = secret_types.into_iter().collect();
    found.operations = ops
        .into_iter()
        .filter(|(_, t)| {
            !graph
                .reachable(t.response.iter().cloned())
                .is_disjoint(&holders)
        })
        .map(|(method, _)| method)
        .collect();
    found
}

/// `impl Debug` for a struct, printing `<redacted>` for the secret fields. In a builder
/// (fields `Result<T, String>`) a secret field is always `<redacted>`.
fn redacting_debug(s: &syn::ItemStruct, secret: &[SecretField], builder: bool) -> syn::Item {
    let ident = &s.ident;
    let name = ident.to_string();
    let fields = s.fields.iter().filter_map(|f| {
        let field = f.ident.as_ref()?;
        let label = field.to_string().trim_start_matches("r#").to_string();
        let value = match secret.iter().find(|x| &x.ident == field) {
            Some(x) if x.optional && !builder => {
                quote!(&self.#field.as_ref().map(|_| crate::redact::Redacted))
            }
            Some(_) => quote!(&crate::redact::Redacted),
            None => quote!(&self.#field),
        };
        Some(quote!(.field(#label, #value)))
    });
    syn::parse_quote! {
        impl ::std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#name) #(#fields)* .finish()
            }
        }
    }
}

/// The text of the `///` doc comments.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `rename` of `#[serde(rename = "…")]`.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .filter_map(|a| {
            a.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .find_map(|m| match m {
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

/// `Option<…>` (any path ending in `Option`).
fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// Removes `name` from the `#[derive(…)]` lists; whether it was there.
pub(crate) fn drop_derive(attrs: &mut [syn::Attribute], name: &str) -> bool {
    let mut dropped = false;
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) =
            attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name))
            .collect();
        if kept.len() < paths.len() {
            dropped = true;
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    dropped
}

/// Rust source for the raw crate's `redact` module: the lists [`redact_secrets`] found.
pub fn to_rust(secrets: &Secrets) -> String {
    let types = &secrets.types;
    let fields = secrets
        .fields
        .iter()
        .map(|(ty, names)| quote!((#ty, &[#(#names),*])));
    let file: syn::File = syn::parse_quote! {
        /// Generated types that are a secret as a whole: their `Debug` prints `<redacted>`.
        pub static SECRET_TYPES: &[&str] = &[#(#types),*];
        /// Generated structs with secret properties, with those properties' JSON names: their
        /// `Debug`, and their builders', print `<redacted>` for them.
        pub static SECRET_FIELDS: &[(&str, &[&str])] = &[#(#fields),*];
    };
    format!(
        "// Generated by nrfcloud-codegen from spec/openapi.json. Do not edit.\n{}",
        prettyplease::unparse(&file)
    )
}

/// Test support for the raw crate: `debug_texts(type, json)` decodes `json` as the named
/// type and returns its `Debug` text (and its builder's, for a struct that has one);
/// `schema_of(type)` its JSON schema. `tests/secrets.rs` includes it.
pub fn probes(secrets: &Secrets) -> String {
    let newtypes = secrets.types.iter().map(|name| {
        let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
        quote! {
            #name => serde_json::from_value::<nrfcloud_api::types::#ident>(json)
                .map(|v| vec![format!("{v:?}")])
                .map_err(|e| e.to_string()),
        }
    });
    let structs = secrets.fields.iter().map(|(name, _)| {
        let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
        if !secrets.builders.contains(name) {
            return quote! {
                #name => serde_json::from_value::<nrfcloud_api::types::#ident>(json)
                    .map(|v| vec![format!("{v:?}")])
                    .map_err(|e| e.to_string()),
            };
        }
        quote! {
            #name => serde_json::from_value::<nrfcloud_api::types::#ident>(json)
                .map(|v| {
                    let typed = format!("{v:?}");
                    vec![typed, format!("{:?}", nrfcloud_api::types::builder::#ident::from(v))]
                })
                .map_err(|e| e.to_string()),
        }
    });
    let schemas = secrets
        .types
        .iter()
        .chain(secrets.fields.iter().map(|(name, _)| name))
        .map(|name| {
            let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
            quote!(#name => schemars::schema_for!(nrfcloud_api::types::#ident),)
        });
    let builders = &secrets.builders;
    let file: syn::File = syn::parse_quote! {
        /// The structs with secret fields that have a builder (request bodies).
        pub static SECRET_BUILDERS: &[&str] = &[#(#builders),*];

        /// The `Debug` texts of `json` decoded as the generated type `name` (and of its builder,
        /// if it has one); `None` for a type without secrets.
        pub fn debug_texts(name: &str, json: serde_json::Value) -> Option<Result<Vec<String>, String>> {
            Some(match name {
                #(#newtypes)*
                #(#structs)*
                _ => return None,
            })
        }

        /// The JSON schema of the generated type `name`; `None` for a type without secrets.
        pub fn schema_of(name: &str) -> Option<schemars::schema::RootSchema> {
            Some(match name {
                #(#schemas)*
                _ => return None,
            })
        }
    };
    format!(
        "// Generated by nrfcloud-codegen for the raw crate's tests. Do not edit.\n{}",
        prettyplease::unparse(&file)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
        pub mod types {
            ///Private key (PEM) of the service key pair.
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
            #[serde(transparent)]
            pub struct PrivateKey(pub ::std::string::String);
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            pub struct KeyAndToken { pub key: PrivateKey, pub token: ::std::string::String, pub note: ::std::string::String }
            #[derive(::serde::Deserialize, Clone, Debug)]
            pub struct Certificate {
                #[serde(rename = "caCert")]
                pub ca_cert: ::std::string::String,
                ///Private key of the device certificate.
                #[serde(rename = "keyPem")]
                pub key_pem: ::std::option::Option<::std::string::String>,
            }
            #[derive(Clone, Debug)]
            pub struct Page { #[serde(rename = "pageNextToken")] pub page_next_token: String, pub items: Vec<Certificate> }
            pub mod builder {
                #[derive(Clone, Debug)]
                pub struct Certificate { ca_cert: Result<String, String>, key_pem: Result<Option<String>, String> }
            }
        }
        pub mod builder {
            impl<'a> ListCertificates<'a> {
                pub async fn send(self) -> Result<ResponseValue<types::Page>, Error<()>> {
                    let info = OperationInfo { operation_id: "list_certificates" };
                    todo!()
                }
            }
            impl<'a> Status<'a> {
                pub async fn send(self) -> Result<ResponseValue<::std::string::String>, Error<()>> {
                    let info = OperationInfo { operation_id: "status" };
                    todo!()
                }
            }
        }
    "#;

    fn squash(s: &str) -> String {
        s.split_whitespace().collect()
    }

    #[test]
    fn the_rule_finds_names_descriptions_and_secret_types() {
        let mut file: syn::File = syn::parse_str(SRC).unwrap();
        let found = redact_secrets(&mut file);
        assert_eq!(found.types, vec!["PrivateKey"]);
        assert_eq!(
            found.fields,
            vec![
                (
                    "KeyAndToken".to_string(),
                    vec!["key".into(), "token".into()]
                ),
                ("Certificate".to_string(), vec!["keyPem".into()]),
            ]
        );
        assert_eq!(found.operations, vec!["list_certificates"]);
        assert_eq!(found.builders, vec!["Certificate"], "KeyAndToken has none");
        let text = squash(&prettyplease::unparse(&file));
        assert!(
            text.contains("f.debug_tuple(\"PrivateKey\").field(&crate::redact::Redacted).finish()"),
            "{text}"
        );
        assert!(
            text.contains(
                ".field(\"key_pem\",&self.key_pem.as_ref().map(|_|crate::redact::Redacted),)"
            ),
            "{text}"
        );
        assert!(
            text.contains(".field(\"note\",&self.note)"),
            "others print: {text}"
        );
        assert!(
            text.contains(
                "impl::std::fmt::DebugforCertificate{fnfmt(&self,f:&mut::std::fmt::Formatter<'_>)->::std::fmt::Result{f.debug_struct(\"Certificate\").field(\"ca_cert\",&self.ca_cert).field(\"key_pem\",&crate::redact::Redacted)"
            ),
            "the builder too: {text}"
        );
        assert!(
            text.contains("#[derive(::serde::Deserialize,::serde::Serialize,Clone,PartialEq)]#[serde(transparent)]pubstructPrivateKey"),
            "{text}"
        );
        assert!(
            text.contains("#[derive(Clone,Debug)]pubstructPage"),
            "pageNextToken is not a secret: {text}"
        );
    }

    #[test]
    fn names_and_words() {
        assert!(is_secret_name("PrivateKey") && is_secret_name("token"));
        assert!(!is_secret_name("pageNextToken") && !is_secret_name("key"));
        assert!(is_secret_description("A JWT signed with the private key"));
        assert!(!is_secret_description(
            "Opaque value used to fetch the next page."
        ));
    }
}
