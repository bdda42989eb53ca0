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

#[cfg(test)]
mod tests {
    use super::*;

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
