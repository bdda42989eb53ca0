//! Rewrites of the generated Rust code itself (not of the document), for things progenitor
//! and typify emit that this project's compiler settings reject.

use syn::visit_mut::VisitMut;

/// typify's hand-written `JsonSchema` impls name a parameter `gen` and the path
/// `schemars::gen`; `gen` is a reserved keyword in Rust 2024, the edition of the raw crate.
/// Every `gen` identifier becomes the raw identifier `r#gen` (same name, any edition).
/// Returns how many were rewritten.
pub fn raw_reserved_identifiers(file: &mut syn::File) -> usize {
    struct Raw(usize);
    impl VisitMut for Raw {
        fn visit_ident_mut(&mut self, ident: &mut syn::Ident) {
            if ident == "gen" {
                *ident = syn::Ident::new_raw("gen", ident.span());
                self.0 += 1;
            }
        }
    }
    let mut v = Raw(0);
    v.visit_file_mut(file);
    v.0
}

/// The `schemars` cargo feature of the raw crate, which gates every JSON schema impl.
pub const SCHEMARS_FEATURE: &str = "schemars";

/// progenitor derives `schemars::JsonSchema` on every generated type (the setting is kept, so
/// the derive sits where typify wants it) and typify writes some `JsonSchema` impls by hand.
/// Most users never ask for a schema, and the derives cost compile time and a crate, so they
/// are optional: each derive moves to `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`
/// and each hand-written impl (or any other item naming `schemars`) gets
/// `#[cfg(feature = "schemars")]`. Returns how many derives and items were gated.
pub fn schemars_behind_feature(file: &mut syn::File) -> usize {
    fn mentions_schemars(tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "schemars",
            proc_macro2::TokenTree::Group(g) => mentions_schemars(g.stream()),
            _ => false,
        })
    }
    fn is_json_schema(p: &syn::Path) -> bool {
        p.segments.iter().any(|s| s.ident == "schemars")
            && p.segments.last().is_some_and(|s| s.ident == "JsonSchema")
    }
    /// Takes `schemars::JsonSchema` out of the derive lists; whether one was there.
    fn ungate_derive(attrs: &mut Vec<syn::Attribute>) -> bool {
        let mut found = false;
        attrs.retain_mut(|attr| {
            if !attr.path().is_ident("derive") {
                return true;
            }
            let Ok(paths) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                return true;
            };
            if !paths.iter().any(is_json_schema) {
                return true;
            }
            found = true;
            let kept: Vec<&syn::Path> = paths.iter().filter(|p| !is_json_schema(p)).collect();
            if kept.is_empty() {
                return false;
            }
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            true
        });
        found
    }
    fn gate_items(items: &mut [syn::Item]) -> usize {
        let feature = SCHEMARS_FEATURE;
        let mut gated = 0;
        for item in items.iter_mut() {
            let attrs = match item {
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &mut m.content {
                        gated += gate_items(inner);
                    }
                    continue;
                }
                syn::Item::Struct(s) => Some(&mut s.attrs),
                syn::Item::Enum(e) => Some(&mut e.attrs),
                syn::Item::Union(u) => Some(&mut u.attrs),
                _ => None,
            };
            if let Some(attrs) = attrs
                && ungate_derive(attrs)
            {
                attrs.push(syn::parse_quote!(
                    #[cfg_attr(feature = #feature, derive(schemars::JsonSchema))]
                ));
                gated += 1;
            }
            let mentions = mentions_schemars(quote::ToTokens::to_token_stream(&*item));
            let other = match item {
                syn::Item::Impl(i) => Some(&mut i.attrs),
                syn::Item::Fn(f) => Some(&mut f.attrs),
                syn::Item::Use(u) => Some(&mut u.attrs),
                syn::Item::Const(c) => Some(&mut c.attrs),
                syn::Item::Static(c) => Some(&mut c.attrs),
                syn::Item::Type(t) => Some(&mut t.attrs),
                syn::Item::Trait(t) => Some(&mut t.attrs),
                syn::Item::Macro(m) => Some(&mut m.attrs),
                _ => None,
            };
            if mentions && let Some(attrs) = other {
                attrs.push(syn::parse_quote!(#[cfg(feature = #feature)]));
                gated += 1;
            }
        }
        gated
    }
    gate_items(&mut file.items)
}

/// progenitor's `Client::new` builds its own `reqwest::Client`. This project builds reqwest
/// with rustls but without a default crypto provider (ring is chosen explicitly, to keep the
/// C toolchain out of the build), and reqwest panics if none is installed. A call to
/// `crate::hooks::ensure_crypto_provider()` is inserted at the top of `Client::new`.
/// Returns whether the constructor was found.
pub fn install_crypto_provider_in_new(file: &mut syn::File) -> bool {
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_client = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || imp.trait_.is_some() {
            continue;
        }
        for it in &mut imp.items {
            if let syn::ImplItem::Fn(f) = it
                && f.sig.ident == "new"
            {
                let stmt: syn::Stmt = syn::parse_quote!(crate::hooks::ensure_crypto_provider(););
                f.block.stmts.insert(0, stmt);
                return true;
            }
        }
    }
    false
}

/// progenitor drops `deprecated`; the generated `Client` methods of deprecated operations get
/// `#[deprecated]`, so callers see a warning. `deprecated` lists their method names.
/// Returns how many methods were marked.
pub fn mark_deprecated_methods(file: &mut syn::File, deprecated: &[String]) -> usize {
    let mut marked = 0;
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_client = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || imp.trait_.is_some() {
            continue;
        }
        for it in &mut imp.items {
            if let syn::ImplItem::Fn(f) = it
                && deprecated.iter().any(|d| f.sig.ident == d)
            {
                f.attrs.push(syn::parse_quote!(#[deprecated(note = "deprecated in the nRF Cloud API document")]));
                marked += 1;
            }
        }
    }
    marked
}

/// The generated `send` of every request builder gets an `# Errors` section: which of
/// progenitor's error variants it answers, and when. Returns how many were documented.
pub fn document_send_errors(file: &mut syn::File) -> usize {
    const ERRORS: &[&str] = &[
        "",
        " # Errors",
        "",
        " [`Error::InvalidRequest`](crate::Error::InvalidRequest) for a parameter a setter refused",
        " (nothing is sent); [`Error::Custom`](crate::Error::Custom) when the client's hooks refuse",
        " the call (no credential the operation accepts; nothing is sent);",
        " [`Error::ErrorResponse`](crate::Error::ErrorResponse) for a documented error status, its",
        " body decoded; [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse) for any other",
        " status; [`Error::InvalidResponsePayload`](crate::Error::InvalidResponsePayload) for a",
        " success body that does not decode;",
        " [`Error::CommunicationError`](crate::Error::CommunicationError) and",
        " [`Error::ResponseBodyError`](crate::Error::ResponseBodyError) when the request or the",
        " body's transfer fails.",
    ];
    let mut documented = 0;
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        let Some((_, items)) = m.content.as_mut() else {
            continue;
        };
        for item in items {
            let syn::Item::Impl(imp) = item else { continue };
            if imp.trait_.is_some() {
                continue;
            }
            for it in &mut imp.items {
                let syn::ImplItem::Fn(f) = it else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                for line in ERRORS {
                    f.attrs.push(syn::parse_quote!(#[doc = #line]));
                }
                documented += 1;
            }
        }
    }
    documented
}

/// progenitor's `ResponseValue::from_response` copies the response headers before reading
/// the body. Every JSON success decode calls `crate::hooks::decode_json` instead, which moves
/// them (same result, one `HeaderMap` copy less per call). Returns how many calls changed.
pub fn decode_json_without_copying_headers(file: &mut syn::File) -> usize {
    struct Swap(usize);
    impl VisitMut for Swap {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            syn::visit_mut::visit_expr_call_mut(self, call);
            if let syn::Expr::Path(p) = &*call.func {
                let names: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                if names.ends_with(&["ResponseValue".into(), "from_response".into()]) {
                    *call.func = syn::parse_quote!(crate::hooks::decode_json);
                    self.0 += 1;
                }
            }
        }
    }
    let mut v = Swap(0);
    v.visit_file_mut(file);
    v.0
}

/// progenitor sends an `api-version` header with every request, which the API does not use.
/// Every `header_map.append` of it goes; a map left with no other header, with its
/// `.headers(header_map)` call, is not generated at all. Returns how many request builders
/// changed.
///
/// # Errors
///
/// When `api-version` is still named anywhere in the code afterwards (progenitor changed how
/// it adds the header), so no request carries it and nothing needs to remove it at run time.
pub fn drop_api_version_header(file: &mut syn::File) -> Result<usize, String> {
    struct Drop(usize);
    fn text(stmt: &syn::Stmt) -> String {
        quote::quote!(#stmt).to_string().replace(' ', "")
    }
    impl VisitMut for Drop {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            let before = block.stmts.len();
            block.stmts.retain(|s| {
                !text(s).starts_with(
                    "header_map.append(::reqwest::header::HeaderName::from_static(\"api-version\")",
                )
            });
            if block.stmts.len() == before {
                return;
            }
            self.0 += 1;
            let Some(at) = block.stmts.iter().position(|s| {
                text(s).starts_with("letmutheader_map=::reqwest::header::HeaderMap::with_capacity(")
            }) else {
                return;
            };
            // Other uses than the `let` and `.headers(header_map)`: the map stays.
            let uses: usize = block
                .stmts
                .iter()
                .map(|s| text(s).matches("header_map").count())
                .sum();
            if uses != 2 {
                return;
            }
            struct Unchain(bool);
            impl VisitMut for Unchain {
                fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
                    if let syn::Expr::MethodCall(m) = expr
                        && m.method == "headers"
                        && m.args.len() == 1
                        && matches!(&m.args[0], syn::Expr::Path(p) if p.path.is_ident("header_map"))
                    {
                        *expr = (*m.receiver).clone();
                        self.0 = true;
                    }
                    syn::visit_mut::visit_expr_mut(self, expr);
                }
            }
            let mut unchain = Unchain(false);
            for stmt in &mut block.stmts[at + 1..] {
                unchain.visit_stmt_mut(stmt);
            }
            if unchain.0 {
                block.stmts.remove(at);
            }
        }
    }
    let mut v = Drop(0);
    v.visit_file_mut(file);
    let left = quote::quote!(#file).to_string();
    if left.contains("\"api-version\"") {
        return Err("an api-version header is still added: progenitor changed how".into());
    }
    Ok(v.0)
}

/// Rewrites every doc comment of the generated code with
/// [`crate::doc_text::progenitor_docs`], so the raw crate's docs build clean under
/// `RUSTDOCFLAGS="-D warnings"`: the document's `<IMEI>`-style placeholders become text, and
/// the builder pages' links to their `Client` method resolve from the crate root. Returns how
/// many doc comments changed.
pub fn clean_generated_docs(file: &mut syn::File) -> usize {
    struct Docs(usize);
    impl VisitMut for Docs {
        fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
            let syn::Meta::NameValue(nv) = &mut attr.meta else {
                return;
            };
            if !nv.path.is_ident("doc") {
                return;
            }
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &mut nv.value
            else {
                return;
            };
            let old = text.value();
            let new = crate::doc_text::progenitor_docs(&old);
            if new != old {
                *text = syn::LitStr::new(&new, text.span());
                self.0 += 1;
            }
        }
    }
    let mut v = Docs(0);
    v.visit_file_mut(file);
    v.0
}

/// The name of the hidden field every request builder gets for per-call extensions.
pub const CALL_EXTENSIONS: &str = "call_extensions";
/// The name of the hidden accessor of that field.
pub const CALL_EXTENSIONS_ACCESSOR: &str = "call_extensions_mut";

/// The items of the generated `builder` module.
///
/// # Errors
///
/// When the generated code has no `builder` module.
pub(crate) fn builder_items(file: &mut syn::File) -> Result<&mut Vec<syn::Item>, String> {
    file.items
        .iter_mut()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| "generated code has no builder module".to_string())
}

/// The type of an inherent `impl` (`FetchDevice` of `impl<'a> FetchDevice<'a>`); `None` for a
/// trait impl.
pub(crate) fn inherent_impl_name(imp: &syn::ItemImpl) -> Option<syn::Ident> {
    if imp.trait_.is_some() {
        return None;
    }
    let syn::Type::Path(p) = &*imp.self_ty else {
        return None;
    };
    p.path.segments.last().map(|s| s.ident.clone())
}

/// Gives every request builder of the `builder` module per-call extensions that reach the
/// middleware, so a caller can pass options with one call without a task-local:
///
/// - a private field `call_extensions: ::http::Extensions` (Clone + Debug, like the builder),
///   empty in `new`;
/// - a hidden `call_extensions_mut(&mut self) -> &mut ::http::Extensions`;
/// - in `send`, `client.pre(&mut request, &info)` and `client.exec(request, &info)` become
///   `crate::hooks::pre(client, &mut request, OPERATION, &call_extensions)` and
///   `crate::hooks::exec(client, request, OPERATION, call_extensions)`, where `OPERATION` is
///   the operation's table entry, found at compile time
///   (`const OPERATION: &crate::operations::Operation =
///   crate::operations::by_method_name_const("<method>");`, from `OperationInfo`'s
///   `operation_id`).
///
/// Returns how many builders changed, or an error naming a builder whose shape is not the
/// one expected (a field of that name already, no `new`, no `send` destructuring `Self`).
///
/// # Errors
///
/// The builder whose shape is not the one expected.
pub fn carry_call_extensions(file: &mut syn::File) -> Result<usize, String> {
    let field = syn::Ident::new(CALL_EXTENSIONS, proc_macro2::Span::call_site());
    let items = builder_items(file)?;
    let mut builders = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        if !fields
            .named
            .iter()
            .any(|f| f.ident.as_ref().is_some_and(|i| i == "client"))
        {
            continue;
        }
        if fields
            .named
            .iter()
            .any(|f| f.ident.as_ref() == Some(&field))
        {
            return Err(format!("builder {} already has a field {field}", s.ident));
        }
        fields
            .named
            .push(syn::parse_quote!(#field: ::http::Extensions));
        builders.push(s.ident.clone());
    }
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(name) = inherent_impl_name(imp) else {
            continue;
        };
        if !builders.contains(&name) {
            continue;
        }
        let (mut new_done, mut send_done) = (false, false);
        for it in &mut imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            if f.sig.ident == "new" {
                struct Init<'f>(&'f syn::Ident, bool);
                impl VisitMut for Init<'_> {
                    fn visit_expr_struct_mut(&mut self, e: &mut syn::ExprStruct) {
                        if e.path.is_ident("Self") {
                            let field = self.0;
                            e.fields.push(
                                syn::parse_quote!(#field: ::std::default::Default::default()),
                            );
                            self.1 = true;
                        }
                    }
                }
                let mut init = Init(&field, false);
                init.visit_block_mut(&mut f.block);
                new_done = init.1;
            } else if f.sig.ident == "send" {
                struct Send<'f>(&'f syn::Ident, [bool; 3]);
                impl VisitMut for Send<'_> {
                    fn visit_pat_struct_mut(&mut self, p: &mut syn::PatStruct) {
                        if p.path.is_ident("Self") {
                            let field = self.0;
                            let pat: syn::Pat = syn::parse_quote!(Self { #field });
                            if let syn::Pat::Struct(one) = pat {
                                p.fields.extend(one.fields);
                            }
                            self.1[0] = true;
                        }
                    }
                    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
                        syn::visit_mut::visit_expr_mut(self, e);
                        let syn::Expr::MethodCall(m) = e else { return };
                        let is_client =
                            matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident("client"));
                        if !is_client || m.args.len() != 2 {
                            return;
                        }
                        let field = self.0;
                        let request = &m.args[0];
                        if m.method == "pre" {
                            *e = syn::parse_quote!(crate::hooks::pre(client, #request, OPERATION, &#field));
                            self.1[1] = true;
                        } else if m.method == "exec" {
                            *e = syn::parse_quote!(crate::hooks::exec(client, #request, OPERATION, #field));
                            self.1[2] = true;
                        }
                    }
                }
                let mut send = Send(&field, [false; 3]);
                send.visit_block_mut(&mut f.block);
                // The operation the hooks get, found in the table at compile time.
                let method = crate::type_graph::operation_name(&f.block);
                send_done = send.1 == [true; 3] && method.is_some();
                if let Some(method) = method {
                    f.block.stmts.insert(
                        0,
                        syn::parse_quote!(
                            const OPERATION: &crate::operations::Operation =
                                crate::operations::by_method_name_const(#method);
                        ),
                    );
                }
            }
        }
        if !new_done || !send_done {
            return Err(format!(
                "builder {name}: unexpected shape (new rewritten: {new_done}, send rewritten: {send_done})"
            ));
        }
        imp.items.push(syn::parse_quote! {
            /// The per-call extensions this request hands to the client's middleware.
            #[doc(hidden)]
            pub fn call_extensions_mut(&mut self) -> &mut ::http::Extensions {
                &mut self.#field
            }
        });
    }
    Ok(builders.len())
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_builder_send_gets_an_errors_section() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct A;
                impl A {
                    ///Sends a `GET` request.
                    pub async fn send(self) -> Result<(), Error<()>> { todo!() }
                    pub fn other(self) -> Self { self }
                }
            }
            impl Client { pub async fn send(self) -> Result<(), ()> { todo!() } }
        };
        assert_eq!(super::document_send_errors(&mut file), 1);
        let text = quote::quote!(#file).to_string();
        assert!(text.contains("# Errors"), "{text}");
        assert!(text.contains("Error::InvalidRequest"), "{text}");
        assert_eq!(
            text.matches("# Errors").count(),
            1,
            "only the builder's send"
        );
    }
    use super::*;

    #[test]
    fn json_decoding_moves_the_headers() {
        let mut file: syn::File = syn::parse_str(
            "async fn send() { match s { 200u16 => ResponseValue::from_response(response).await, _ => x } }",
        )
        .unwrap();
        assert_eq!(decode_json_without_copying_headers(&mut file), 1);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("crate::hooks::decode_json(response).await"),
            "{text}"
        );
    }

    #[test]
    fn no_api_version_header_is_built() {
        let src = r#"
            async fn one() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), ::reqwest::header::HeaderValue::from_static(super::Client::api_version()));
                let mut request = client.client.get(url).header(ACCEPT, v).headers(header_map).build()?;
            }
            async fn two() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), ::reqwest::header::HeaderValue::from_static(super::Client::api_version()));
                header_map.append("If-Match", value);
                let mut request = client.client.get(url).headers(header_map).build()?;
            }
        "#;
        let mut file: syn::File = syn::parse_str(src).unwrap();
        assert_eq!(drop_api_version_header(&mut file), Ok(2));
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("api-version"), "{text}");
        let (one, two) = text.split_at(text.find("async fn two").unwrap());
        assert!(!one.contains("header_map"), "{text}");
        assert!(one.contains(".header(ACCEPT, v)"), "{text}");
        assert!(
            two.contains("header_map.append(\"If-Match\", value);"),
            "{text}"
        );
        assert!(two.contains(".headers(header_map)"), "{text}");
    }

    #[test]
    fn deprecated_methods_are_marked() {
        let mut file: syn::File =
            syn::parse_str("impl Client { pub fn old(&self) {} pub fn new_one(&self) {} }")
                .unwrap();
        assert_eq!(mark_deprecated_methods(&mut file, &["old".to_string()]), 1);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains(
                "#[deprecated(note = \"deprecated in the nRF Cloud API document\")]\n    pub fn old"
            ),
            "{text}"
        );
    }

    #[test]
    fn client_new_installs_the_provider() {
        let mut file: syn::File = syn::parse_str(
            "impl Client { pub fn new(baseurl: &str) -> Self { todo!() } pub fn other() {} }",
        )
        .unwrap();
        assert!(install_crypto_provider_in_new(&mut file));
        let text = prettyplease::unparse(&file);
        assert!(text.contains("pub fn new(baseurl: &str) -> Self {\n        crate::hooks::ensure_crypto_provider();"), "{text}");
    }

    #[test]
    fn schemars_derives_and_impls_go_behind_the_feature() {
        let mut file: syn::File = syn::parse_str(
            r#"
            pub mod types {
                #[derive(Clone, Debug, schemars::JsonSchema, ::serde::Serialize)]
                #[serde(untagged)]
                pub struct A { x: i64 }
                #[derive(schemars::JsonSchema)]
                pub enum B { One }
                impl ::schemars::JsonSchema for B {
                    fn schema_name() -> String { "B".into() }
                }
                impl B { pub fn plain() {} }
            }
            "#,
        )
        .unwrap();
        assert_eq!(schemars_behind_feature(&mut file), 3);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("#[derive(Clone, Debug, ::serde::Serialize)]\n    #[serde(untagged)]\n    #[cfg_attr(feature = \"schemars\", derive(schemars::JsonSchema))]\n    pub struct A"),
            "{text}"
        );
        assert!(
            text.contains(
                "#[cfg_attr(feature = \"schemars\", derive(schemars::JsonSchema))]\n    pub enum B"
            ),
            "{text}"
        );
        assert!(
            text.contains("#[cfg(feature = \"schemars\")]\n    impl ::schemars::JsonSchema for B"),
            "{text}"
        );
        assert!(text.contains("    impl B {"), "{text}");
        assert!(!text.contains("#[derive(schemars"), "{text}");
    }

    #[test]
    fn gen_becomes_raw() {
        let mut file: syn::File =
            syn::parse_str("fn json_schema(gen: &mut ::schemars::gen::SchemaGenerator) { f(gen) }")
                .unwrap();
        assert_eq!(raw_reserved_identifiers(&mut file), 3);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("r#gen: &mut ::schemars::r#gen::SchemaGenerator"),
            "{text}"
        );
    }

    #[test]
    fn builders_carry_call_extensions_to_the_hooks() {
        let src = r#"
            pub mod builder {
                #[derive(Debug, Clone)]
                pub struct FetchThing<'a> { client: &'a super::Client, id: Result<String, String> }
                impl<'a> FetchThing<'a> {
                    pub fn new(client: &'a super::Client) -> Self { Self { client: client, id: Err("x".to_string()) } }
                    pub async fn send(self) -> Result<(), ()> {
                        let Self { client, id } = self;
                        let mut request = client.client.get(url).build()?;
                        let info = OperationInfo { operation_id: "fetch_thing" };
                        client.pre(&mut request, &info).await?;
                        let result = client.exec(request, &info).await;
                        client.post(&result, &info).await?;
                        Ok(())
                    }
                }
            }
        "#;
        let mut file: syn::File = syn::parse_str(src).unwrap();
        assert_eq!(carry_call_extensions(&mut file), Ok(1));
        let text: String = prettyplease::unparse(&file)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for expected in [
            "call_extensions: ::http::Extensions,",
            "call_extensions: ::std::default::Default::default(),",
            "let Self { client, id, call_extensions } = self;",
            "const OPERATION: &crate::operations::Operation = crate::operations::by_method_name_const( \"fetch_thing\", );",
            "crate::hooks::pre(client, &mut request, OPERATION, &call_extensions).await?;",
            "crate::hooks::exec(client, request, OPERATION, call_extensions) .await;",
            "client.post(&result, &info).await?;",
            "pub fn call_extensions_mut(&mut self) -> &mut ::http::Extensions {",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        // A builder whose send is not the expected shape is an error, not a silent skip.
        let mut odd: syn::File = syn::parse_str(
            "pub mod builder { pub struct X<'a> { client: &'a super::Client } impl<'a> X<'a> { pub fn new(client: &'a super::Client) -> Self { Self { client } } pub async fn send(self) {} } }",
        )
        .unwrap();
        let err = carry_call_extensions(&mut odd).unwrap_err();
        assert!(err.contains("builder X"), "{err}");
    }

    #[test]
    fn generated_docs_are_cleaned() {
        let mut file: syn::File = syn::parse_str(
            "/**Builder for [`Client::x`]\n\n[`Client::x`]: super::Client::x*/ pub struct X; /// ids like nrf-<IMEI>\n pub fn f() {} /// fine\n pub fn g() {}",
        )
        .unwrap();
        assert_eq!(clean_generated_docs(&mut file), 2);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("[`Client::x`]: crate::Client::x"), "{text}");
        assert!(text.contains("nrf-&lt;IMEI>"), "{text}");
    }
}
