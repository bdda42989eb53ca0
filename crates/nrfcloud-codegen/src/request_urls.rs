//! Each call's URL is joined to the base URL parsed once, and absent query parameters are
//! skipped.
//!
//! progenitor's `send` formats `{base}{path}` and hands the text to `reqwest`, which parses
//! the whole URL again on every call; and it calls `reqwest`'s query serialiser for every
//! query parameter, set or not. In every `send` of `mod builder`:
//!
//! - `let url = format!("{}/devices/{}", client.baseurl, segment);` becomes
//!   `let url = ["/devices/", &*segment].concat();` (a plain `&str` when there is no path
//!   parameter): the path alone, without `format!`'s machinery;
//! - `client.client.get(url)` becomes
//!   `crate::url::request(client, ::reqwest::Method::GET, &url)`, which joins the path to the
//!   parsed base (the raw crate's `url` module says when it falls back to the text);
//! - `.query(&progenitor_client::QueryParam::new("name", &name))` of a parameter whose
//!   builder field is `Result<Option<_>, String>` becomes
//!   `.query_if(name.is_some(), &…)`: `None` serialises to nothing, so only the work goes.
//!
//! Generation fails when a `send` does not have this shape, so no call keeps the old way.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::path_segments::is_url_statement;
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;

/// What the pass changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RequestUrls {
    /// `send` methods whose URL is joined to the parsed base.
    pub joined: usize,
    /// Optional query parameters that are skipped when absent.
    pub optional_queries: usize,
}

/// Rewrites every `send` of `mod builder`.
///
/// # Errors
///
/// The builder whose `send` does not have the expected shape.
pub fn join_request_urls(file: &mut syn::File) -> Result<RequestUrls, String> {
    let items = crate::postprocess::builder_items(file)?;
    // Each builder's optional fields (`Result<Option<_>, String>`).
    let mut optional: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in items.iter() {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(fields) = &s.fields else {
            continue;
        };
        let names = fields
            .named
            .iter()
            .filter(|f| is_optional_field(&f.ty))
            .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
            .collect();
        optional.insert(s.ident.to_string(), names);
    }
    let mut done = RequestUrls::default();
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(name) = crate::postprocess::inherent_impl_name(imp).map(|i| i.to_string()) else {
            continue;
        };
        for it in &mut imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            if f.sig.ident != "send" {
                continue;
            }
            let fields = optional.get(&name).map(Vec::as_slice).unwrap_or_default();
            let queries = rewrite_send(&mut f.block, fields).map_err(|e| format!("{name}: {e}"))?;
            done.joined += 1;
            done.optional_queries += queries;
        }
    }
    if done.joined == 0 {
        return Err("no send method found in the builder module".into());
    }
    // The trait of `query_if`, for the builders' request chains.
    items.insert(
        0,
        syn::parse_quote!(
            use crate::url::OptionalQuery as _;
        ),
    );
    Ok(done)
}

/// `Result<Option<_>, String>`.
fn is_optional_field(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Result" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(args.args.first(), Some(syn::GenericArgument::Type(syn::Type::Path(inner)))
        if inner.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// Rewrites one `send`; returns how many optional query parameters it skips when absent.
fn rewrite_send(block: &mut syn::Block, optional: &[String]) -> Result<usize, String> {
    let urls = block.stmts.iter().filter(|s| is_url_statement(s)).count();
    if urls != 1 {
        return Err(format!(
            "{urls} `let url = format!(…)` statements, expected 1"
        ));
    }
    for stmt in &mut block.stmts {
        if is_url_statement(stmt) {
            strip_base(stmt)?;
        }
    }
    let mut chain = Chain {
        optional,
        heads: 0,
        queries: 0,
        error: None,
    };
    for stmt in &mut block.stmts {
        chain.visit_stmt_mut(stmt);
    }
    if let Some(e) = chain.error {
        return Err(e);
    }
    if chain.heads != 1 {
        return Err(format!(
            "{} `client.client.<method>(url)` calls, expected 1",
            chain.heads
        ));
    }
    let left = block.to_token_stream().to_string().replace(' ', "");
    if left.contains("client.baseurl") {
        return Err("`client.baseurl` is still used".into());
    }
    Ok(chain.queries)
}

/// `format!("{}/path/{}", client.baseurl, a)` -> `["/path/", &*a].concat()`, or `"/path"`
/// when nothing is left to format.
fn strip_base(stmt: &mut syn::Stmt) -> Result<(), String> {
    let syn::Stmt::Local(local) = stmt else {
        unreachable!("is_url_statement matched a let")
    };
    let Some(init) = local.init.as_mut() else {
        unreachable!("is_url_statement matched an initialised let")
    };
    let syn::Expr::Macro(mac) = &*init.expr else {
        unreachable!("is_url_statement matched format!")
    };
    let args = mac
        .mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .map_err(|e| format!("the URL's format! does not parse: {e}"))?;
    let mut args = args.into_iter();
    let Some(syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    })) = args.next()
    else {
        return Err("the URL's format! has no template".into());
    };
    let Some(path) = template.value().strip_prefix("{}").map(str::to_string) else {
        return Err(format!(
            "the URL template {:?} does not start with the base",
            template.value()
        ));
    };
    if !path.starts_with('/') {
        return Err(format!("the URL path {path:?} does not start with /"));
    }
    let base = args
        .next()
        .map(|a| a.to_token_stream().to_string().replace(' ', ""));
    if base.as_deref() != Some("client.baseurl") {
        return Err(format!(
            "the URL's first argument is {base:?}, not client.baseurl"
        ));
    }
    let rest: Vec<syn::Expr> = args.collect();
    // The template's text between its `{}`s; any other brace (an escape, a format spec)
    // would need `format!`.
    let pieces: Vec<&str> = path.split("{}").collect();
    if pieces.iter().any(|p| p.contains(['{', '}'])) {
        return Err(format!("the URL path {path:?} is not plain text and {{}}s"));
    }
    if pieces.len() != rest.len() + 1 {
        return Err(format!(
            "the URL path {path:?} has {} placeholders for {} arguments",
            pieces.len() - 1,
            rest.len()
        ));
    }
    *init.expr = if rest.is_empty() {
        syn::parse_quote!(#path)
    } else {
        // `[text, &*arg, text, …].concat()`: one allocation, no formatting machinery (each
        // argument is a checked segment, a `Cow<str>`).
        let mut parts: Vec<syn::Expr> = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            if !piece.is_empty() {
                parts.push(syn::parse_quote!(#piece));
            }
            if let Some(arg) = rest.get(i) {
                parts.push(syn::parse_quote!(&*#arg));
            }
        }
        syn::parse_quote!([#(#parts),*].concat())
    };
    Ok(())
}

/// Rewrites the request chain of one `send`.
struct Chain<'a> {
    optional: &'a [String],
    heads: usize,
    queries: usize,
    error: Option<String>,
}

impl VisitMut for Chain<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(m) = expr else {
            return;
        };
        if is_client_client(&m.receiver) {
            let method = m.method.to_string();
            let verb = match method.as_str() {
                "get" | "post" | "put" | "patch" | "delete" | "head" => method.to_uppercase(),
                other => {
                    self.error = Some(format!("unexpected request method client.client.{other}"));
                    return;
                }
            };
            let is_url = m.args.len() == 1
                && matches!(&m.args[0], syn::Expr::Path(p) if p.path.is_ident("url"));
            if !is_url {
                self.error = Some(format!(
                    "client.client.{method} is not called with `url`: {}",
                    m.to_token_stream()
                ));
                return;
            }
            let verb = syn::Ident::new(&verb, proc_macro2::Span::call_site());
            *expr = syn::parse_quote!(crate::url::request(client, ::reqwest::Method::#verb, &url));
            self.heads += 1;
            return;
        }
        if m.method == "query"
            && m.args.len() == 1
            && let Some(parameter) = query_parameter(&m.args[0])
            && self.optional.contains(&parameter)
        {
            let ident = syn::Ident::new(&parameter, proc_macro2::Span::call_site());
            let query = m.args[0].clone();
            m.method = syn::Ident::new("query_if", m.method.span());
            m.args = syn::parse_quote!(#ident.is_some(), #query);
            self.queries += 1;
        }
    }
}

/// `client.client`.
fn is_client_client(expr: &syn::Expr) -> bool {
    let syn::Expr::Field(f) = expr else {
        return false;
    };
    matches!(&f.member, syn::Member::Named(n) if n == "client")
        && matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident("client"))
}

/// `x` of `&progenitor_client::QueryParam::new("name", &x)`.
fn query_parameter(arg: &syn::Expr) -> Option<String> {
    let syn::Expr::Reference(r) = arg else {
        return None;
    };
    let syn::Expr::Call(call) = &*r.expr else {
        return None;
    };
    let syn::Expr::Path(func) = &*call.func else {
        return None;
    };
    let names: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !names.ends_with(&["QueryParam".into(), "new".into()]) || call.args.len() != 2 {
        return None;
    }
    let syn::Expr::Reference(value) = &call.args[1] else {
        return None;
    };
    match &*value.expr {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILDERS: &str = r#"
        pub mod builder {
            pub struct ListThings<'a> {
                client: &'a super::Client,
                limit: Result<Option<i64>, String>,
                kind: Result<String, String>,
            }
            impl<'a> ListThings<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, limit, kind } = self;
                    let limit = limit.map_err(Error::InvalidRequest)?;
                    let kind = kind.map_err(Error::InvalidRequest)?;
                    let url = format!("{}/things", client.baseurl,);
                    let mut request = client
                        .client
                        .get(url)
                        .query(&progenitor_client::QueryParam::new("kind", &kind))
                        .query(&progenitor_client::QueryParam::new("limit", &limit))
                        .build()?;
                    send(request).await
                }
            }
            pub struct PutThing<'a> {
                client: &'a super::Client,
                id: Result<types::Id, String>,
            }
            impl<'a> PutThing<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, id } = self;
                    let id = id.map_err(Error::InvalidRequest)?;
                    let url = format!("{}/things/{}", client.baseurl, crate::path::segment("id", &id.to_string()).map_err(Error::InvalidRequest)?,);
                    let mut request = client.client.put(url).build()?;
                    send(request).await
                }
            }
        }
    "#;

    fn squashed(file: &syn::File) -> String {
        prettyplease::unparse(file).split_whitespace().collect()
    }

    #[test]
    fn urls_join_the_parsed_base_and_absent_queries_are_skipped() {
        let mut file: syn::File = syn::parse_str(BUILDERS).unwrap();
        let done = join_request_urls(&mut file).unwrap();
        assert_eq!(
            done,
            RequestUrls {
                joined: 2,
                optional_queries: 1
            }
        );
        let text = squashed(&file);
        for want in [
            "usecrate::url::OptionalQueryas_;",
            "leturl=\"/things\";",
            "crate::url::request(client,::reqwest::Method::GET,&url)",
            // The required parameter is always serialised, the optional one when set.
            ".query(&progenitor_client::QueryParam::new(\"kind\",&kind))",
            ".query_if(limit.is_some(),&progenitor_client::QueryParam::new(\"limit\",&limit)",
            "leturl=[\"/things/\",&*crate::path::segment(\"id\",&id.to_string()).map_err(Error::InvalidRequest)?,].concat();",
            "crate::url::request(client,::reqwest::Method::PUT,&url)",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        assert!(!text.contains("baseurl"), "{text}");
    }

    #[test]
    fn a_send_of_another_shape_fails_generation() {
        for (from, to) in [
            (
                "format!(\"{}/things\", client.baseurl,)",
                "format!(\"{}/things\", other,)",
            ),
            (
                "format!(\"{}/things\", client.baseurl,)",
                "format!(\"/things{}\", client.baseurl,)",
            ),
            (
                "format!(\"{}/things\", client.baseurl,)",
                "format!(\"{}/things/{:?}\", client.baseurl, x)",
            ),
            (
                "format!(\"{}/things\", client.baseurl,)",
                "format!(\"{}/things/{}\", client.baseurl,)",
            ),
            (".get(url)", ".get(\"http://elsewhere/\")"),
            (
                "client\n                        .client\n                        .get(url)",
                "client.client.request(m, url)",
            ),
        ] {
            assert!(BUILDERS.contains(from), "{from}");
            let mut file: syn::File = syn::parse_str(&BUILDERS.replace(from, to)).unwrap();
            let err = join_request_urls(&mut file).unwrap_err();
            assert!(err.starts_with("ListThings: "), "{from} -> {to}: {err}");
        }
    }
}
