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

/// progenitor sends an `api-version` header with every request, which the API does not use
/// and the hooks remove again. Where it is the only extra header (`HeaderMap` of capacity
/// 1), the map, its `append` and the `.headers(header_map)` call are not generated at all.
/// Returns how many request builders changed.
pub fn drop_api_version_header(file: &mut syn::File) -> usize {
    struct Drop(usize);
    impl VisitMut for Drop {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            let text = |stmt: &syn::Stmt| quote::quote!(#stmt).to_string().replace(' ', "");
            let Some(i) = block.stmts.iter().position(|s| {
                text(s) == "letmutheader_map=::reqwest::header::HeaderMap::with_capacity(1usize);"
            }) else {
                return;
            };
            let Some(next) = block.stmts.get(i + 1) else {
                return;
            };
            if !text(next).starts_with(
                "header_map.append(::reqwest::header::HeaderName::from_static(\"api-version\")",
            ) {
                return;
            }
            // The one use left: `.headers(header_map)` in the request chain.
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
            for stmt in &mut block.stmts[i + 2..] {
                unchain.visit_stmt_mut(stmt);
            }
            if unchain.0 {
                block.stmts.drain(i..i + 2);
                self.0 += 1;
            }
        }
    }
    let mut v = Drop(0);
    v.visit_file_mut(file);
    v.0
}

#[cfg(test)]
mod tests {
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
    fn a_lone_api_version_header_is_not_built() {
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
        assert_eq!(drop_api_version_header(&mut file), 1);
        let text = prettyplease::unparse(&file);
        let (one, two) = text.split_at(text.find("async fn two").unwrap());
        assert!(!one.contains("header_map"), "{text}");
        assert!(one.contains(".header(ACCEPT, v)"), "{text}");
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
}
