//! Emits one `PagedBuilder` impl per paginated operation's request builder: those that take
//! a `pageNextToken` query parameter and answer `{items, total, pageNextToken}`. Which they are
//! is read off the document and the generated code, never kept by hand.

use quote::ToTokens;

use crate::operation_table::{OperationMeta, method_name};

/// A paginated operation as found in the generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaginatedOp {
    /// Builder struct name, e.g. `ListFotaJobs`.
    pub name: String,
    /// The operationId, e.g. `ListFOTAJobs`.
    pub operation_id: String,
    /// The element type of `items`, e.g. `types::Firmware`.
    pub item: String,
    /// How `page_limit` is set from a `u32 limit`, if the operation has one.
    pub limit_expr: Option<String>,
}

/// Token text without spaces, and without the trailing comma that a wrapped generic argument
/// list keeps (`Vec<LongName,>`).
fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream()
        .to_string()
        .replace(' ', "")
        .replace(",>", ">")
}

/// Finds the paginated operations in generated code.
///
/// # Errors
///
/// The parse error of code that is not Rust, or a `page_limit` setter of an unsupported type.
pub fn find(code: &str, ops: &[OperationMeta]) -> Result<Vec<PaginatedOp>, String> {
    let file: syn::File = syn::parse_str(code).map_err(|e| e.to_string())?;
    let module = |name: &str| {
        file.items.iter().find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == name => {
                m.content.as_ref().map(|(_, items)| items.clone())
            }
            _ => None,
        })
    };
    let types = module("types").ok_or("no types module")?;
    let builders = module("builder").ok_or("no builder module")?;
    let mut found = Vec::new();
    for op in ops.iter().filter(|o| o.paginated) {
        let name: String = method_name(&op.operation_id)
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let Some(imp) = builders.iter().find_map(|i| match i {
            syn::Item::Impl(imp) if tokens(&imp.self_ty) == format!("{name}<'a>") => Some(imp),
            _ => None,
        }) else {
            continue;
        };
        let setter = |n: &str| {
            imp.items.iter().find_map(|it| match it {
                syn::ImplItem::Fn(f) if f.sig.ident == n => Some(f.clone()),
                _ => None,
            })
        };
        let send = setter("send").ok_or_else(|| format!("{name} has no send"))?;
        let syn::ReturnType::Type(_, ret) = &send.sig.output else {
            continue;
        };
        // Result<ResponseValue<types::X>, Error<()>>
        let ret = tokens(ret);
        let Some(response) = ret
            .strip_prefix("Result<ResponseValue<")
            .and_then(|r| r.split('>').next())
        else {
            continue;
        };
        let Some(struct_name) = response.strip_prefix("types::") else {
            continue;
        };
        let Some(fields) = types.iter().find_map(|i| match i {
            syn::Item::Struct(s) if s.ident == struct_name => Some(s.fields.clone()),
            _ => None,
        }) else {
            continue;
        };
        let field = |n: &str| {
            fields
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == n))
                .map(|f| tokens(&f.ty))
        };
        let (Some(items), Some(_), Some(_)) =
            (field("items"), field("page_next_token"), field("total"))
        else {
            continue;
        };
        let Some(item) = items
            .strip_prefix("::std::vec::Vec<")
            .and_then(|i| i.strip_suffix('>'))
        else {
            continue;
        };
        let item = if item.contains("::") {
            item.to_string()
        } else {
            format!("types::{item}")
        };
        let limit_expr = match setter("page_limit") {
            None => None,
            Some(f) => {
                let bound = f
                    .sig
                    .generics
                    .where_clause
                    .as_ref()
                    .map(tokens)
                    .unwrap_or_default();
                Some(if bound.contains("NonZeroU64") {
                    "::std::num::NonZeroU64::MIN.saturating_add(u64::from(limit.saturating_sub(1)))"
                        .to_string()
                } else if bound.contains("NonZeroU32") {
                    "::std::num::NonZeroU32::MIN.saturating_add(limit.saturating_sub(1))"
                        .to_string()
                } else if bound.contains("types::PageLimit") {
                    "types::PageLimit::from(::std::num::NonZeroU32::MIN.saturating_add(limit.saturating_sub(1)))".to_string()
                } else if bound.contains("f64") {
                    "f64::from(limit)".to_string()
                } else if bound.contains("i64")
                    || bound.contains("u64")
                    || bound.contains("u32")
                    || bound.contains("i32")
                {
                    "limit as _".to_string()
                } else {
                    return Err(format!("{name}: unsupported page_limit type in {bound}"));
                })
            }
        };
        found.push(PaginatedOp {
            name,
            operation_id: op.operation_id.clone(),
            item,
            limit_expr,
        });
    }
    Ok(found)
}

/// Rust source of the `PagedBuilder` impls on the builders, for the raw crate's `pagination`
/// module.
pub fn to_rust(found: &[PaginatedOp]) -> String {
    let mut s = String::from("// Generated by nrfcloud-codegen. Do not edit.\n");
    for p in found {
        let limit = match &p.limit_expr {
            Some(e) => format!("self.page_limit({e})"),
            None => "{ let _ = limit; self }".to_string(),
        };
        s.push_str(&format!(
            r#"impl<'a> PagedBuilder<'a> for builder::{name}<'a> {{
    type Item = {item};
    fn set_page_next_token(self, token: &str) -> Self {{
        self.page_next_token(token.to_string())
    }}
    fn set_page_limit(self, limit: u32) -> Self {{
        {limit}
    }}
    fn into_page(response: Self::Response) -> Page<Self::Item> {{
        Page {{ items: response.items, total: response.total.map(|t| t as i64), next_token: response.page_next_token }}
    }}
}}
"#,
            name = p.name,
            item = p.item,
        ));
    }
    s.push_str(&format!(
        "/// Operation ids of every paginated operation, in document order.\npub const PAGINATED: &[&str] = &[{}];\n",
        found.iter().map(|p| format!("{:?}", p.operation_id)).collect::<Vec<_>>().join(", ")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::tiny_spec;
    use serde_json::json;

    #[test]
    fn finds_paginated_operations_and_their_types() {
        let page = json!({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
            "total": {"type": "integer", "format": "int32"},
            "pageNextToken": {"type": "string"}}});
        let mut doc = tiny_spec(json!({
            "/things": {"get": {"operationId": "ListThings",
                "parameters": [
                    {"name": "pageNextToken", "in": "query", "schema": {"type": "string"}},
                    {"name": "pageLimit", "in": "query", "schema": {"type": "number"}}],
                "responses": {"200": {"description": "", "content": {"application/json": {"schema": page}}}}}},
            "/one": {"get": crate::fixups::testing::ok_json("GetOne", json!({"$ref": "#/components/schemas/Thing"}))}
        }));
        doc["components"]["schemas"]["Thing"] =
            json!({"type": "object", "properties": {"id": {"type": "string"}}});
        let g = crate::generate::generate_unfixed(&doc).unwrap();
        let found = find(&g.code, &g.operations).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "ListThings");
        assert_eq!(found[0].item, "types::Thing");
        assert_eq!(found[0].limit_expr.as_deref(), Some("f64::from(limit)"));
        let text = to_rust(&found);
        assert!(text.contains("impl<'a> PagedBuilder<'a> for builder::ListThings<'a>"));
        assert!(text.contains("self.page_limit(f64::from(limit))"), "{text}");
        assert!(text.contains("pub const PAGINATED: &[&str] = &[\"ListThings\"];"));
    }
}
