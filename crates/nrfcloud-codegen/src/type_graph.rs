//! Which generated types hold which, and which types each operation sends and answers with:
//! read off the generated code, for the rewrites that depend on where a type is used
//! ([`crate::secrets`], [`crate::raw_json`]).

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::Visit;

/// Edges from each type of `mod types` to the types of `mod types` its fields or variants
/// mention.
#[derive(Debug, Clone, Default)]
pub struct TypeGraph {
    /// Type name -> the type names it holds.
    pub edges: BTreeMap<String, BTreeSet<String>>,
}

impl TypeGraph {
    /// The graph of the items of `mod types`.
    pub fn of(types: &[syn::Item]) -> TypeGraph {
        let known = type_names(types);
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for item in types {
            let (name, fields): (String, Vec<&syn::Field>) = match item {
                syn::Item::Struct(s) => (s.ident.to_string(), s.fields.iter().collect()),
                syn::Item::Enum(e) => (
                    e.ident.to_string(),
                    e.variants.iter().flat_map(|v| v.fields.iter()).collect(),
                ),
                _ => continue,
            };
            let held = edges.entry(name).or_default();
            for f in fields {
                held.extend(mentioned(&f.ty, &known));
            }
        }
        TypeGraph { edges }
    }

    /// `roots` and every type they hold, directly or not.
    pub fn reachable(&self, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = roots.into_iter().collect();
        while let Some(name) = todo.pop() {
            if seen.insert(name.clone())
                && let Some(next) = self.edges.get(&name)
            {
                todo.extend(next.iter().cloned());
            }
        }
        seen
    }
}

/// The names of the structs and enums of `mod types`.
pub fn type_names(types: &[syn::Item]) -> BTreeSet<String> {
    types
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The names of `known` types a Rust type mentions anywhere (`Option<Vec<types::X>>`,
/// `super::X` and `types::builder::X` all mention `X`).
pub fn mentioned(ty: &syn::Type, known: &BTreeSet<String>) -> BTreeSet<String> {
    struct Idents<'k>(&'k BTreeSet<String>, BTreeSet<String>);
    impl Visit<'_> for Idents<'_> {
        fn visit_path_segment(&mut self, seg: &syn::PathSegment) {
            let name = seg.ident.to_string();
            if self.0.contains(&name) {
                self.1.insert(name);
            }
            syn::visit::visit_path_segment(self, seg);
        }
    }
    let mut v = Idents(known, BTreeSet::new());
    v.visit_type(ty);
    v.1
}

/// The types one operation sends and answers with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationTypes {
    /// The types its success and error bodies mention.
    pub response: BTreeSet<String>,
    /// The types its parameters and body mention.
    pub request: BTreeSet<String>,
}

/// Per client method name: what its request builder (`mod builder`) takes and what its
/// `send` returns.
pub fn operation_types(file: &syn::File) -> BTreeMap<String, OperationTypes> {
    let known = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .map(|(_, items)| type_names(items))
        .unwrap_or_default();
    let Some(builder) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        return BTreeMap::new();
    };
    let structs: BTreeMap<String, &syn::ItemStruct> = builder
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some((s.ident.to_string(), s)),
            _ => None,
        })
        .collect();
    let mut out = BTreeMap::new();
    for item in builder {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(send) = imp.items.iter().find_map(|it| match it {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        }) else {
            continue;
        };
        let Some(method) = operation_name(&send.block) else {
            continue;
        };
        let mut types = OperationTypes::default();
        if let syn::ReturnType::Type(_, ty) = &send.sig.output {
            types.response = mentioned(ty, &known);
        }
        let builder_name = match &*imp.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        if let Some(s) = builder_name.and_then(|n| structs.get(&n)) {
            for f in &s.fields {
                types.request.extend(mentioned(&f.ty, &known));
            }
        }
        out.insert(method, types);
    }
    out
}

/// The `operation_id` of the `OperationInfo` a generated `send` builds: the client method's
/// name.
pub fn operation_name(block: &syn::Block) -> Option<String> {
    struct Find(Option<String>);
    impl Visit<'_> for Find {
        fn visit_expr_struct(&mut self, s: &syn::ExprStruct) {
            if s.path.is_ident("OperationInfo") {
                for field in &s.fields {
                    if let syn::Member::Named(n) = &field.member
                        && n == "operation_id"
                        && let syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(text),
                            ..
                        }) = &field.expr
                    {
                        self.0 = Some(text.value());
                    }
                }
            }
            syn::visit::visit_expr_struct(self, s);
        }
    }
    let mut find = Find(None);
    find.visit_block(block);
    find.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
        pub mod types {
            pub struct Page { pub items: ::std::vec::Vec<Item>, pub next: Option<String> }
            pub enum Item { A(Inner), B(::std::string::String) }
            pub struct Inner { pub key: Key }
            pub struct Key(pub String);
            pub struct Body { pub name: String }
        }
        pub mod builder {
            pub struct ListItems<'a> { client: &'a super::Client, body: Result<types::builder::Body, String> }
            impl<'a> ListItems<'a> {
                pub async fn send(self) -> Result<ResponseValue<types::Page>, Error<()>> {
                    let info = OperationInfo { operation_id: "list_items" };
                    todo!()
                }
            }
        }
    "#;

    #[test]
    fn reachability_and_operation_types() {
        let file: syn::File = syn::parse_str(SRC).unwrap();
        let syn::Item::Mod(types) = &file.items[0] else {
            panic!()
        };
        let graph = TypeGraph::of(&types.content.as_ref().unwrap().1);
        assert_eq!(
            graph.reachable(["Page".to_string()]),
            ["Page", "Item", "Inner", "Key"]
                .map(String::from)
                .into_iter()
                .collect()
        );
        let ops = operation_types(&file);
        let list = &ops["list_items"];
        assert_eq!(list.response, ["Page".to_string()].into_iter().collect());
        assert_eq!(list.request, ["Body".to_string()].into_iter().collect());
    }
}
