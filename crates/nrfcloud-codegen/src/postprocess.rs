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

#[cfg(test)]
mod tests {
    use super::*;

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
